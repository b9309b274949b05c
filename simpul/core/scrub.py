"""Config scrubbing: secrets removed, volatile lines masked, truncated configs refused.

The rules are data (``backup_policies/config_scrub.yaml``); this module validates them and applies
them with netutils ``sanitize_config``. Pure: the caller reads the file and passes its text.

Two kinds of rule, per platform (``all`` applies everywhere):

- ``secret``: the text of the named group ``secret`` becomes ``<removed>``;
- ``volatile``: the text of the named group ``volatile`` (or the whole match) becomes ``<masked>``,
  so the line stays (the backup keeps its shape) but a time stamp never produces a diff.

A rule with ``within`` applies only to the lines of the sections whose header matches it (netutils
rules see the whole text; MikroTik's ``/snmp community`` names are secrets only in that section).

Examples:
    >>> rules = load_scrub_rules('''
    ... version: 1
    ... platforms:
    ...   cisco_ios:
    ...     secret:
    ...       - name: enable-secret
    ...         regex: '^enable secret \\\\d (?P<secret>\\\\S+)'
    ...     volatile:
    ...       - name: last-change
    ...         regex: '^! Last configuration change at (?P<volatile>.+)$'
    ... ''', "rules.yaml")
    >>> config = "! Last configuration change at 08:00:01 UTC\\nenable secret 9 $9$x\\nend"
    >>> print(scrub(config, "cisco_ios", rules))
    ! Last configuration change at <masked>
    enable secret 9 <removed>
    end
    <BLANKLINE>
    >>> check_complete("hostname r1\\ninterface Gi0/1\\n", ConfigShape(end="end"))
    Incomplete(category='bad_output', message='truncated: the last line is not "end"')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, cast

from netutils.config.clean import sanitize_config
from pydantic import BaseModel, ConfigDict, ValidationError

from simpul.core.validation import input_error_from_validation
from simpul.core.yaml_lines import LineIndex, YamlPath, field_path, load_yaml_with_lines
from simpul.errors import InputError

SECRET_MASK = "<removed>"
VOLATILE_MASK = "<masked>"
RuleKind = Literal["secret", "volatile"]
RULE_KINDS: tuple[RuleKind, ...] = ("secret", "volatile")

# What a CLI prints instead of a config when a command failed (checked at the start of a line).
CLI_ERROR_MARKERS: tuple[str, ...] = (
    "% Invalid input",
    "% Incomplete command",
    "% Ambiguous command",
    "% Unknown command",
    "% Authorization failed",
    "% Error",
    "Unknown command",  # fakenos and some EOS versions
    "bad command name",  # RouterOS
    "syntax error",  # RouterOS, Junos
    "expected end of command",  # RouterOS
    "Permission denied",
)
# The Linux backup is a list of command outputs, each under "### <command>"; the task writes
# LINUX_END only once every command answered, so a missing LINUX_END means a cut-off session.
LINUX_SECTION = "### "
LINUX_END = "### end"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ScrubRule(Frozen):
    """One rule as written in the rules file (``line`` is where it starts there)."""

    name: str
    kind: RuleKind
    platform: str
    regex: str
    within: str | None = None
    description: str = ""
    line: int | None = None


class PlatformRules(Frozen):
    section_start: str | None = None
    rules: tuple[ScrubRule, ...] = ()


class ScrubRules(Frozen):
    """Validated rules of one file, by platform."""

    source: str
    platforms: dict[str, PlatformRules]

    def for_platform(self, platform: str) -> tuple[ScrubRule, ...]:
        """The ``all`` rules then the platform's own.

        >>> ScrubRules(source="x", platforms={}).for_platform("cisco_ios")
        ()
        """
        rules = self.platforms.get("all", PlatformRules()).rules
        if platform != "all" and platform in self.platforms:
            rules = rules + self.platforms[platform].rules
        return rules

    def section_start(self, platform: str) -> str | None:
        return self.platforms[platform].section_start if platform in self.platforms else None


# ---------------------------------------------------------------------------------------------
# loading


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.MULTILINE)


@dataclass(frozen=True)
class _Where:
    """The rules file being read: turns a data path into an InputError naming file, line and field."""

    source: str
    lines: LineIndex
    families: tuple[str, ...]  # the platform sections a rules file may have ("all" and each family)

    def error(self, message: str, path: YamlPath, hint: str | None = None) -> InputError:
        return InputError(
            message, source=self.source, line=self.lines.line(path), field=field_path(path) or None, hint=hint
        )


def load_scrub_rules(text: str, source: str, families: Collection[str] = ()) -> ScrubRules:
    """Parse and validate a scrub rules file; errors name the file, the line and the field.

    ``families``: the platform sections allowed (the scrub families of the platform table);
    ``all`` is always allowed; empty: any name (for a file checked before the table is known).

    Examples:
        >>> load_scrub_rules('''version: 1
        ... platforms:
        ...   linux:
        ...     secret:
        ...       - name: psk
        ...         regex: 'wpa-psk (?P<secret>\\\\S+'
        ... ''', "backup_policies/config_scrub.yaml")
        Traceback (most recent call last):
        ...
        simpul.errors.InputError: regex does not compile: missing ), unterminated subpattern at position 8
        >>> try:
        ...     load_scrub_rules("version: 1\\nplatforms:\\n  linux:\\n    secret:\\n      - name: psk\\n"
        ...                      "        regex: 'wpa-psk (\\\\S+)'\\n", "r.yaml")
        ... except InputError as err:
        ...     print(err.render())
        E2001 r.yaml:6: platforms.linux.secret[0].regex: a secret rule needs the named group `secret`
          -> write the part to remove as (?P<secret>...), e.g. 'wpa-psk (?P<secret>\\S+)'
    """
    data, lines = load_yaml_with_lines(
        text, source, hint="fix the YAML syntax (quote regexes with single quotes)"
    )
    where = _Where(source, lines, ("all", *families) if families else ())
    platforms = _platforms_section(data, where)
    return ScrubRules(
        source=source,
        platforms={str(plat): _platform_rules(str(plat), body, where) for plat, body in platforms.items()},
    )


def _platforms_section(data: Any, where: _Where) -> dict[str, Any]:
    """The top level: ``version: 1`` and the ``platforms`` mapping, nothing else."""
    if not isinstance(data, dict):
        raise where.error("the rules file must be a mapping with `version` and `platforms`", ())
    extra = sorted(set(data) - {"version", "platforms"})
    if extra:
        raise where.error(f"unknown key {extra[0]!r}", (extra[0],), hint="known keys: version, platforms")
    if data.get("version") != 1:
        raise where.error(
            f"unsupported version {data.get('version')!r}", ("version",), hint="write `version: 1`"
        )
    platforms = data.get("platforms")
    if not isinstance(platforms, dict):
        raise where.error("`platforms` must be a mapping of platform -> rules", ("platforms",))
    return platforms


def _platform_rules(plat: str, body: Any, where: _Where) -> PlatformRules:
    """One platform's section: its ``section_start`` and its secret then volatile rules."""
    ppath: YamlPath = ("platforms", plat)
    if where.families and plat not in where.families:
        raise where.error(f"unknown platform {plat!r}", ppath, hint="one of " + ", ".join(where.families))
    body = {} if body is None else body  # an empty platform section is allowed
    if not isinstance(body, dict):
        raise where.error("a platform must map to `secret`, `volatile` and optional `section_start`", ppath)
    unknown = sorted(set(body) - {"secret", "volatile", "section_start"})
    if unknown:
        raise where.error(
            f"unknown key {unknown[0]!r}", (*ppath, unknown[0]), hint="secret, volatile, section_start"
        )
    section_start = body.get("section_start")
    if section_start is not None:
        _check_regex(section_start, where, (*ppath, "section_start"))
    rules: list[ScrubRule] = []
    names: set[str] = set()
    for kind in RULE_KINDS:
        items = body.get(kind) or []
        if not isinstance(items, list):
            raise where.error(f"`{kind}` must be a list of rules", (*ppath, kind))
        for i, item in enumerate(items):
            rpath: YamlPath = (*ppath, kind, i)
            rule = _rule(item, kind, plat, where, rpath)
            if rule.name in names:
                raise where.error(
                    f"duplicate rule name {rule.name!r}",
                    (*rpath, "name"),
                    hint="names are unique per platform",
                )
            names.add(rule.name)
            _check_rule_regexes(rule, section_start, where, rpath)
            rules.append(rule)
    return PlatformRules(section_start=section_start, rules=tuple(rules))


def _rule(item: Any, kind: RuleKind, plat: str, where: _Where, path: YamlPath) -> ScrubRule:
    """One rule's fields, validated."""
    if not isinstance(item, dict):
        raise where.error("a rule must be a mapping with `name` and `regex`", path)
    try:
        rule = ScrubRule(kind=kind, platform=plat, line=where.lines.get(path), **item)
    except ValidationError as exc:
        raise input_error_from_validation(
            exc,
            where.source,
            where.lines,
            at=path,
            hint="a rule has name, regex, optional within/description",
        ) from None
    except TypeError as exc:  # a key repeated by **item (kind, platform, line)
        raise where.error(f"reserved key in rule: {exc}", path) from None
    return rule


def _check_rule_regexes(rule: ScrubRule, section_start: str | None, where: _Where, path: YamlPath) -> None:
    """The rule's regexes compile and make sense (a secret group, not empty, a section to look in)."""
    compiled = _check_regex(rule.regex, where, (*path, "regex"))
    if rule.kind == "secret" and "secret" not in compiled.groupindex:
        raise where.error(
            "a secret rule needs the named group `secret`",
            (*path, "regex"),
            hint="write the part to remove as (?P<secret>...), e.g. 'wpa-psk (?P<secret>\\S+)'",
        )
    if compiled.fullmatch(""):
        raise where.error(
            "the regex matches the empty string", (*path, "regex"), hint="anchor it on a keyword"
        )
    if rule.within is not None:
        _check_regex(rule.within, where, (*path, "within"))
        if section_start is None:
            raise where.error(
                "`within` needs the platform's `section_start`",
                (*path, "within"),
                hint=f"add section_start (a regex of a top-level line) under platforms.{rule.platform}",
            )


def _check_regex(pattern: object, where: _Where, path: YamlPath) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise where.error("must be a non-empty string (a regex)", path)
    try:
        return _compile(pattern)
    except re.error as exc:
        raise where.error(
            f"regex does not compile: {exc}", path, "Python `re` syntax; quote with single quotes"
        ) from None


# ---------------------------------------------------------------------------------------------
# applying


def _replacer(rule: ScrubRule) -> Callable[[re.Match[str]], str]:
    group = rule.kind  # "secret" or "volatile"
    mask = SECRET_MASK if rule.kind == "secret" else VOLATILE_MASK

    def replace(match: re.Match[str]) -> str:
        if group in match.re.groupindex and match.start(group) != -1:
            base = match.start()
            whole = match.group(0)
            return whole[: match.start(group) - base] + mask + whole[match.end(group) - base :]
        return mask

    return replace


def _apply_within(config: str, rule: ScrubRule, section_start: str) -> str:
    header = _compile(rule.within or "")
    top = _compile(section_start)
    pattern = _compile(rule.regex)
    replace = _replacer(rule)
    inside = False
    out = []
    for line in config.split("\n"):
        if header.search(line):
            inside = True
        elif top.search(line):
            inside = False
        out.append(pattern.sub(replace, line) if inside else line)
    return "\n".join(out)


def normalise(config: str) -> str:
    """CRLF to LF, no trailing blanks, exactly one final newline.

    >>> normalise("a  \\r\\nb\\r\\n\\r\\n")
    'a\\nb\\n'
    """
    lines = [line.rstrip() for line in config.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def scrub(config: str, platform: str, rules: ScrubRules) -> str:
    """Remove secrets and mask volatile values of one device's config.

    Examples:
        >>> rules = ScrubRules(source="x", platforms={"mikrotik_routeros": PlatformRules(
        ...     section_start="^/", rules=(
        ...         ScrubRule(name="pw", kind="secret", platform="mikrotik_routeros",
        ...                   regex='password=(?P<secret>\\\\S+)'),
        ...         ScrubRule(name="community", kind="secret", platform="mikrotik_routeros",
        ...                   regex='name=(?P<secret>\\\\S+)', within="^/snmp community$"),
        ...     ))})
        >>> print(scrub("/user\\nadd name=ops password=hunter2\\n/snmp community\\nadd name=kominfo-ro\\n",
        ...             "mikrotik_routeros", rules), end="")
        /user
        add name=ops password=<removed>
        /snmp community
        add name=<removed>
    """
    text = normalise(config)
    selected = rules.for_platform(platform)
    for kind in ("secret", "volatile"):
        plain = [r for r in selected if r.kind == kind and r.within is None]
        # netutils types `replace` as str; re.sub takes a callable too, which keeps all but the group.
        filters = [{"regex": r.regex, "replace": _replacer(r)} for r in plain]
        text = sanitize_config(text, cast(list[dict[str, str]], filters))
        for rule in selected:
            if rule.kind == kind and rule.within is not None:
                section_start = rules.section_start(platform) or rules.section_start("all") or "^\\S"
                text = _apply_within(text, rule, section_start)
    return text


@dataclass(frozen=True)
class ConfigShape:
    """What a complete config of a platform looks like (a field of its ``PlatformSpec``)."""

    end: str | None = None  # its last line
    header: str | None = None  # a regex one of its first three lines matches
    header_name: str = ""  # how a reason names the header
    continuation: str | None = None  # a line ending in this continues on the next


@dataclass(frozen=True)
class Incomplete:
    """Why a fetched text is no backup: ``rejected`` (the device answered with an error) or
    ``bad_output`` (cut off, empty). The message never quotes the text, so it never holds a secret."""

    category: Literal["rejected", "bad_output"]
    message: str


def check_complete(config: str, shape: ConfigShape) -> Incomplete | None:
    """Why ``config`` cannot be a backup, or None if it is complete.

    Examples:
        >>> ios = ConfigShape(end="end")
        >>> check_complete("hostname r1\\n!\\nend\\n", ios) is None
        True
        >>> check_complete("   \\n", ios)
        Incomplete(category='bad_output', message='empty output')
        >>> check_complete("show running-config\\n% Invalid input detected at '^' marker.\\n", ios).message
        'the device answered with an error (% Invalid input) instead of a config'
        >>> ros = ConfigShape(header=r"^# .* by RouterOS\\b", header_name="# ... by RouterOS",
        ...                   continuation="\\\\")
        >>> check_complete("/system identity\\nset name=rtr-disdik\\n", ros).message
        'truncated: no "# ... by RouterOS" header'
        >>> check_complete("# 2026-11-23 08:00:00 by RouterOS 7.16\\n/ip address\\nadd \\\\\\n", ros).message
        'truncated: the text ends inside a continued line'
        >>> check_complete("### ip -br addr\\nlo UNKNOWN 127.0.0.1/8\\n", ConfigShape(end="### end")).message
        'truncated: the last line is not "### end"'
    """
    lines = [line.rstrip() for line in config.replace("\r\n", "\n").split("\n")]
    body = [line for line in lines if line.strip()]
    if not body:
        return Incomplete("bad_output", "empty output")
    for line in body:
        stripped = line.lstrip()
        for marker in CLI_ERROR_MARKERS:
            if stripped.startswith(marker):
                message = f"the device answered with an error ({marker}) instead of a config"
                return Incomplete("rejected", message)
    last = body[-1].strip()
    if shape.header and not any(re.match(shape.header, line) for line in body[:3]):
        return Incomplete("bad_output", f'truncated: no "{shape.header_name or shape.header}" header')
    if shape.continuation and last.endswith(shape.continuation):
        return Incomplete("bad_output", "truncated: the text ends inside a continued line")
    if shape.end is not None and last != shape.end:
        return Incomplete("bad_output", f'truncated: the last line is not "{shape.end}"')
    return None
