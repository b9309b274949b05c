"""Config compliance per feature: rules as data, section matching, scopes, waivers that expire.

A *feature* (ntp, snmp, interfaces ...) is a set of regexes per platform that select top-level
config sections (a line and everything indented under it); the running and the intended config are
cut the same way and compared: ``missing`` lines are intended but not running, ``extra`` lines are
running but not intended. A feature is ``ordered`` when the order of its lines matters (an ACL);
otherwise it is compared as a set. Lines are compared in a canonical form: an indented config
(IOS, EOS) becomes one line per leaf, its parents joined with `` > ``; a RouterOS export becomes
one ``/path verb args`` line per item (``/export`` and ``/export terse`` give the same lines).

Rules can be scoped to SKPD, roles, sites and tags (a rule for the RSUD alone); a waiver (device,
feature, reason, expiry) turns a finding into "waived until" and stops by itself on its expiry day.

Pure: no disk, no clock (``today`` is given), no network. ``load_rules``/``load_waivers`` take the
text and its file name so every error names the file and the line.

Examples:
    >>> rules = load_rules(
    ...     "version: 1\\n"
    ...     "platforms: {cisco_ios: indented}\\n"
    ...     "features:\\n"
    ...     "  - name: ntp\\n"
    ...     "    match: {cisco_ios: ['^ntp server ']}\\n", "rules.yaml")
    >>> scope = DeviceScope(name="rtr-a", platform="cisco_ios")
    >>> result = check("ntp server 10.0.0.1\\nntp server 10.0.0.9\\n", "ntp server 10.0.0.1\\n",
    ...                rules, scope, (), dt.date(2026, 11, 28))
    >>> result.compliant, result.features["ntp"].extra
    (False, ('ntp server 10.0.0.9',))
    >>> waiver = Waiver(device="rtr-a", feature="ntp", reason="migrasi NTP", expires=dt.date(2026, 12, 1))
    >>> waived = check("ntp server 10.0.0.9\\n", "ntp server 10.0.0.1\\n", rules, scope, (waiver,),
    ...                dt.date(2026, 11, 28))
    >>> waived.compliant, waived.features["ntp"].waived_until
    (True, datetime.date(2026, 12, 1))
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from simpul.core.routeros_config import canonical_lines
from simpul.core.yaml_lines import LineIndex, field_path, load_yaml_with_lines
from simpul.errors import InputError

Syntax = Literal["indented", "routeros"]
RULES_HINT = "see compliance/rules.schema.json and docs/intended.md"
WAIVERS_HINT = "each waiver needs device, feature, reason and expires (YYYY-MM-DD)"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Scope(_Frozen):
    """Where a feature applies; an empty list means every value (SKPD, role, site, tag)."""

    skpd: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    site: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()


def _regex(rx: str) -> str:
    try:
        re.compile(rx)
    except re.error as exc:
        raise ValueError(f"{rx!r} is not a valid regex ({exc})") from None
    return rx


Regex = Annotated[str, AfterValidator(_regex)]


class Feature(_Frozen):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    match: dict[str, tuple[Regex, ...]]  # platform -> regexes of the section lines that belong to it
    ignore: tuple[Regex, ...] = ()  # regexes of canonical lines never compared (set by another tool)
    ordered: bool = False
    scope: Scope = Scope()


class ComplianceRules(_Frozen):
    version: Literal[1] = 1
    platforms: dict[str, Syntax]  # how each platform's config is cut into canonical lines
    features: tuple[Feature, ...]

    @field_validator("features", mode="after")
    @classmethod
    def _unique(cls, value: tuple[Feature, ...]) -> tuple[Feature, ...]:
        names = [f.name for f in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"feature names must be unique: {', '.join(dupes)}")
        return value


class Waiver(_Frozen):
    device: str
    feature: str
    reason: str = Field(min_length=1)
    expires: dt.date


class WaiverFile(_Frozen):
    version: Literal[1] = 1
    waivers: tuple[Waiver, ...] = ()


class DeviceScope(_Frozen):
    """What a scope or waiver is matched against (from NetBox)."""

    name: str
    platform: str
    skpd: str | None = None
    role: str | None = None
    site: str | None = None
    tags: tuple[str, ...] = ()


class FeatureCompliance(_Frozen):
    compliant: bool
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    waived_until: dt.date | None = None
    waiver_reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "compliant": self.compliant,
            "missing": list(self.missing),
            "extra": list(self.extra),
            "waived_until": self.waived_until.isoformat() if self.waived_until else None,
        }


class DeviceCompliance(_Frozen):
    device: str
    features: dict[str, FeatureCompliance]

    @property
    def compliant(self) -> bool:
        """Every feature compliant or waived."""
        return all(f.compliant or f.waived_until is not None for f in self.features.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "compliant": self.compliant,
            "features": {name: f.as_json() for name, f in sorted(self.features.items())},
        }


# --------------------------------------------------------------------------- loading files


def _invalid(exc: ValidationError, source: str, lines: LineIndex, hint: str) -> InputError:
    err = exc.errors()[0]
    path = tuple(p for p in err["loc"] if isinstance(p, str | int))
    msg = str(err["msg"]).removeprefix("Value error, ")
    return InputError(msg, source=source, line=lines.line(path), field=field_path(path) or None, hint=hint)


def load_rules(text: str, source: str) -> ComplianceRules:
    """Validated compliance rules from a YAML text; errors name ``source``, the line and field.

    >>> text = "version: 1\\nplatforms: {}\\nfeatures:\\n  - name: ntp\\n    match: {x: ['(']}\\n"
    >>> load_rules(text, "r.yaml")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: '(' is not a valid regex (missing ), unterminated subpattern at position 0)
    """
    data, lines = load_yaml_with_lines(text, source)
    try:
        rules = ComplianceRules.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc, source, lines, RULES_HINT) from None
    for n, feature in enumerate(rules.features):
        unknown = sorted(set(feature.match) - set(rules.platforms))
        if unknown:
            path: tuple[str | int, ...] = ("features", n, "match", unknown[0])
            raise InputError(
                f"feature {feature.name!r} matches platform {unknown[0]!r}, not listed under platforms",
                source=source,
                line=lines.line(path),
                field=field_path(path),
                hint="add it to `platforms:` with its syntax (indented or routeros)",
            )
    return rules


def load_waivers(text: str, source: str, rules: ComplianceRules | None = None) -> tuple[Waiver, ...]:
    """Validated waivers; a waiver for a feature the rules do not have is an error too.

    >>> text = "version: 1\\nwaivers:\\n  - {device: a, feature: ntp, reason: x, expires: 2026-13-01}\\n"
    >>> try:
    ...     load_waivers(text, "w.yaml")
    ... except InputError as err:
    ...     print(err.location())
    w.yaml:3: waivers[0].expires
    """
    data, lines = load_yaml_with_lines(text, source)
    try:
        parsed = WaiverFile.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise _invalid(exc, source, lines, WAIVERS_HINT) from None
    if rules is not None:
        known = {f.name for f in rules.features}
        for n, waiver in enumerate(parsed.waivers):
            if waiver.feature not in known:
                path: tuple[str | int, ...] = ("waivers", n, "feature")
                raise InputError(
                    f"no feature {waiver.feature!r} in the compliance rules",
                    source=source,
                    line=lines.line(path),
                    field=field_path(path),
                    hint=f"one of: {', '.join(sorted(known))}",
                )
    return parsed.waivers


# --------------------------------------------------------------------------- canonical lines


def indented_lines(text: str) -> list[str]:
    """An indented config (IOS, EOS) as one line per leaf, parents joined with `` > ``.

    Comments (``!``), blank lines and ``end`` are not config.

    >>> indented_lines("interface Gi0/1\\n description uplink\\n!\\nntp server 1.1.1.1\\nend\\n")
    ['interface Gi0/1', 'interface Gi0/1 > description uplink', 'ntp server 1.1.1.1']
    """
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (indent, path) of the open parents
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("!") or stripped == "end":
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = f"{stack[-1][1]} > {stripped}" if stack else stripped
        out.append(path)
        stack.append((indent, path))
    return out


def canonical(text: str, syntax: Syntax) -> list[str]:
    """The canonical lines of a config in the given syntax (RouterOS: ``simpul.core.routeros_config``).

    >>> canonical('/snmp\\nset contact=noc \\\\\\n    location="Kab Sekadau"\\n', "routeros")
    ['/snmp set contact=noc location="Kab Sekadau"']
    """
    if syntax == "routeros":
        return list(canonical_lines(text))
    return indented_lines(text)


# --------------------------------------------------------------------------- the check


def in_scope(scope: Scope, device: DeviceScope) -> bool:
    """Whether a feature applies to a device.

    >>> in_scope(Scope(skpd=("rsud",)), DeviceScope(name="x", platform="cisco_ios", skpd="rsud"))
    True
    >>> in_scope(Scope(tag=("core",)), DeviceScope(name="x", platform="cisco_ios"))
    False
    """
    checks = (
        (scope.skpd, (device.skpd,)),
        (scope.role, (device.role,)),
        (scope.site, (device.site,)),
        (scope.tag, device.tags),
    )
    return all(not wanted or any(v in wanted for v in have if v) for wanted, have in checks)


def feature_lines(lines: Sequence[str], feature: Feature, platform: str) -> list[str]:
    """The canonical lines of one feature: top-level lines matching it, and their children."""
    matchers = [re.compile(rx) for rx in feature.match.get(platform, ())]
    ignore = [re.compile(rx) for rx in feature.ignore]
    out = []
    for line in lines:
        top = line.split(" > ", 1)[0]
        if any(m.search(top) for m in matchers) and not any(i.search(line) for i in ignore):
            out.append(line)
    return out


def compare(running: Sequence[str], intended: Sequence[str], *, ordered: bool) -> tuple[list[str], list[str]]:
    """(missing, extra) between two line lists.

    >>> compare(["a", "b"], ["b", "a"], ordered=False)
    ([], [])
    >>> compare(["a", "b"], ["b", "a"], ordered=True)
    (['b'], ['b'])
    """
    if not ordered:
        have, want = set(running), set(intended)
        return [x for x in intended if x not in have], [x for x in running if x not in want]
    missing: list[str] = []
    extra: list[str] = []
    matcher = difflib.SequenceMatcher(a=list(running), b=list(intended), autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            extra += running[a1:a2]
        if op in ("replace", "insert"):
            missing += intended[b1:b2]
    return missing, extra


def active_waiver(waivers: Iterable[Waiver], device: str, feature: str, today: dt.date) -> Waiver | None:
    """The waiver (latest expiry) covering a device's feature today; an expired one covers nothing."""
    live = [w for w in waivers if w.device == device and w.feature == feature and w.expires >= today]
    return max(live, key=lambda w: w.expires) if live else None


def check(
    running: str,
    intended: str,
    rules: ComplianceRules,
    device: DeviceScope,
    waivers: Iterable[Waiver],
    today: dt.date,
) -> DeviceCompliance:
    """Compare a device's running config with its intended one, feature by feature."""
    syntax = rules.platforms.get(device.platform, "indented")
    run_lines, want_lines = canonical(running, syntax), canonical(intended, syntax)
    waivers = tuple(waivers)
    features: dict[str, FeatureCompliance] = {}
    for feature in rules.features:
        if device.platform not in feature.match or not in_scope(feature.scope, device):
            continue
        missing, extra = compare(
            feature_lines(run_lines, feature, device.platform),
            feature_lines(want_lines, feature, device.platform),
            ordered=feature.ordered,
        )
        ok = not missing and not extra
        waiver = None if ok else active_waiver(waivers, device.name, feature.name, today)
        features[feature.name] = FeatureCompliance(
            compliant=ok,
            missing=tuple(missing),
            extra=tuple(extra),
            waived_until=waiver.expires if waiver else None,
            waiver_reason=waiver.reason if waiver else None,
        )
    return DeviceCompliance(device=device.name, features=features)


def summarise(results: Mapping[str, DeviceCompliance]) -> dict[str, Any]:
    """Counts for the ``summary`` of ``simpul intended check --json``.

    >>> summarise({})["devices"]
    0
    """
    feats = [f for r in results.values() for f in r.features.values()]
    return {
        "devices": len(results),
        "compliant_devices": sum(1 for r in results.values() if r.compliant),
        "non_compliant_devices": sum(1 for r in results.values() if not r.compliant),
        "features_checked": len(feats),
        "features_compliant": sum(1 for f in feats if f.compliant),
        "features_waived": sum(1 for f in feats if not f.compliant and f.waived_until is not None),
        "features_non_compliant": sum(1 for f in feats if not f.compliant and f.waived_until is None),
    }
