"""RouterOS configs as data: ``/export`` (plain or terse) parsed into items, one canonical line each.

netutils' RouterOS parser reads indentation, and a plain ``/export`` has none: items live under a
menu header (``/queue tree``) and long lines wrap with a ``\\`` continuation wherever RouterOS
chose to break them. This module reads both forms the same way:

- ``parse_export`` -> one :class:`RosItem` per command (``add``/``set``/``remove``...): its menu
  path, its verb, its target (``[find default-name=ether1]`` or ``telnet``), and its arguments;
- ``canonical_lines`` -> one line per item, ``/<path> <verb> [target] k=v ...`` with the keys sorted
  and the values unquoted and normalised (``true``/``yes``, ``50M``/``50000k``), so two exports of
  the same config compare equal however they were wrapped, quoted or ordered by key;
- ``apply_commands`` -> what a config becomes once RouterOS runs some commands (the pure model
  the round-trip tests of :mod:`simpul.core.remediation` use: running + remediation == intended).

Examples:
    >>> plain = ('# 2026-11-23 by RouterOS 7.14\\n/queue tree\\nadd max-limit=50M name=simpul-up \\\\\\n'
    ...          '    parent=ether1 comment="simpul up"\\n/system identity\\nset name=rtr-disdik')
    >>> terse = ('/queue tree add name=simpul-up parent=ether1 max-limit=50000k comment="simpul up"\\n'
    ...          '/system identity set name="rtr-disdik"')
    >>> canonical_lines(plain) == canonical_lines(terse)
    True
    >>> for line in canonical_lines(plain): print(line)
    /queue tree add comment="simpul up" max-limit=50000000 name=simpul-up parent=ether1
    /system identity set name=rtr-disdik
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

#: The verbs of a RouterOS command line simpul reads (others, like ``print``, are not config).
VERBS = ("add", "set", "remove", "unset", "enable", "disable")
#: Menus whose items RouterOS evaluates top to bottom: their order is part of the config.
ORDERED_MENUS: tuple[str, ...] = (
    "ip firewall filter",
    "ip firewall nat",
    "ip firewall mangle",
    "ip firewall raw",
    "ipv6 firewall filter",
    "ipv6 firewall nat",
    "ipv6 firewall mangle",
    "ipv6 firewall raw",
    "queue tree",
    "queue simple",
    "routing filter rule",
)
RATE_KEYS = frozenset({"limit-at", "max-limit", "burst-limit", "burst-threshold"})
_ARG_RE = re.compile(r'([\w.-]+)=("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S*)')
_PATH_RE = re.compile(r"^/([\w/ -]*?)(?:\s+(" + "|".join(VERBS) + r")\b\s*(.*))?$")
_FIND_RE = re.compile(r"^\[\s*find\b\s*(?:where\s+)?([^\]]*)\]\s*")
_UNITS = {"": 1, "k": 1_000, "M": 1_000_000, "G": 1_000_000_000}
_BARE = re.compile(r"[\w.:/,+@*!-]+")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_UNESCAPES = {v: k for k, v in _ESCAPES.items()}


class RosItem(BaseModel):
    """One command of a RouterOS config: menu path, verb, target, and arguments in the order given.

    ``target`` is what a ``set``/``remove`` names before its arguments: a ``[find k=v]`` (kept in
    the canonical spelling ``[find k=v ...]``) or a bare name (``/ip service set telnet ...``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    args: tuple[tuple[str, str], ...]
    verb: str = "add"
    target: str | None = None

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.args if k == key), None)

    def line(self) -> str:
        """The arguments as RouterOS takes them, in the order given."""
        return " ".join(f"{k}={quote(v)}" for k, v in self.args)

    def command(self) -> str:
        """The whole command: ``/<path> <verb> [target] args``."""
        parts = [f"/{self.path}", self.verb]
        if self.target:
            parts.append(self.target)
        if self.args:
            parts.append(self.line())
        return " ".join(parts)

    def canonical(self) -> str:
        """The command with normalised values and sorted keys (see :func:`canonical_lines`)."""
        args = tuple(sorted((k, normalise(k, v)) for k, v in self.args))
        return self.model_copy(update={"args": args}).command()


def unquote(value: str) -> str:
    r"""A RouterOS value as the device holds it: quotes and escapes removed (``\"``, ``\\``, ``\$``,
    and the hex escapes RouterOS prints for non-ASCII bytes).

    >>> unquote('"Dinas \\"X\\" \\$1"'), unquote('"Kantor \\C3\\A9"'), unquote("ether1")
    ('Dinas "X" $1', 'Kantor é', 'ether1')
    """
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    out = bytearray()
    body = value[1:-1]
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            pair = body[i + 1 : i + 3]
            if re.fullmatch(r"[0-9A-F]{2}", pair):
                out.append(int(pair, 16))
                i += 3
                continue
            out += _ESCAPES.get(body[i + 1], body[i + 1]).encode()
            i += 2
            continue
        out += char.encode()
        i += 1
    return out.decode("utf-8", errors="replace")


def quote(value: str) -> str:
    """A value as RouterOS takes it on a command line: bare when it can be, quoted otherwise.

    >>> quote("ether1"), quote("simpul bw"), quote(""), quote('a"b')
    ('ether1', '"simpul bw"', '""', '"a\\\\"b"')
    """
    if value and _BARE.fullmatch(value):
        return value
    out = []
    for char in value:
        if char in '\\"$?':
            out.append("\\" + char)
        elif char in _UNESCAPES:
            out.append("\\" + _UNESCAPES[char])
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def parse_args(text: str) -> tuple[tuple[str, str], ...]:
    """``name=a comment="b c"`` -> ``(("name", "a"), ("comment", "b c"))``.

    >>> parse_args('list=simpul-bw-x address=10.20.3.0/24 comment="simpul-bw Dinas \\\\"X\\\\""')
    (('list', 'simpul-bw-x'), ('address', '10.20.3.0/24'), ('comment', 'simpul-bw Dinas "X"'))
    """
    return tuple((k, unquote(v)) for k, v in _ARG_RE.findall(text))


def _rate(value: str) -> str:
    """``50000k`` and ``50M`` are one rate: bit/s.

    >>> _rate("50000k"), _rate("50M"), _rate("0"), _rate("1.5G"), _rate("bogus")
    ('50000000', '50000000', '0', '1500000000', 'bogus')
    """
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kMG]?)", value)
    if not match:
        return value
    return str(round(float(match.group(1)) * _UNITS[match.group(2)]))


def normalise(key: str, value: str) -> str:
    """One value in the form two configs are compared in (rates in bit/s, ``yes``/``no``).

    >>> normalise("max-limit", "50M"), normalise("disabled", "true"), normalise("name", "x")
    ('50000000', 'yes', 'x')
    """
    if key in RATE_KEYS:
        return _rate(value)
    if value in ("yes", "true"):
        return "yes"
    if value in ("no", "false"):
        return "no"
    return value


def _open_quote(line: str) -> bool:
    """True when ``line`` ends inside a quoted value (RouterOS may wrap in the middle of one).

    >>> _open_quote('set note="a b'), _open_quote('set note="a \\\\" b"'), _open_quote('add name=x')
    (True, False, False)
    """
    inside = False
    escaped = False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            inside = not inside
    return inside


def _continued(line: str) -> bool:
    """True when ``line`` ends in a continuation: an odd number of backslashes (``\\\\`` is a
    backslash of the value, ``\\\\\\`` that backslash then a continuation).

    >>> _continued("add a=b \\\\"), _continued('set x="c\\\\\\\\"'), _continued('set x=\\\\\\\\\\\\')
    (True, False, True)
    """
    trailing = len(line) - len(line.rstrip("\\"))
    return trailing % 2 == 1


def logical_lines(text: str) -> list[str]:
    """The lines of a config with ``\\`` continuations (and quoted values wrapped over several lines)
    joined; comments and blank lines dropped.

    >>> logical_lines("# header\\n/queue tree\\nadd name=a \\\\\\n    parent=b\\n\\n")
    ['/queue tree', 'add name=a parent=b']
    """
    joined: list[str] = []
    pending = ""
    for raw in text.replace("\r", "").split("\n"):
        line = pending + (raw.strip() if pending else raw.rstrip())
        if _continued(line):
            pending = line[:-1]
            continue
        if _open_quote(line):
            pending = line
            continue
        pending = ""
        line = line.strip()
        if line and not line.startswith("#"):
            joined.append(line)
    if pending.strip():
        joined.append(pending.strip())
    return joined


def _target(rest: str) -> tuple[str | None, str]:
    """Split the target (``[find ...]`` or a bare name) off the arguments of a command.

    >>> _target('[ find default-name=ether1 ] comment="a b"')
    ('[find default-name=ether1]', 'comment="a b"')
    >>> _target("telnet disabled=yes"), _target("name=x")
    (('telnet', 'disabled=yes'), (None, 'name=x'))
    """
    find = _FIND_RE.match(rest)
    if find:
        args = parse_args(find.group(1))
        spelled = " ".join(f"{k}={quote(v)}" for k, v in args)
        return f"[find {spelled}]" if spelled else "[find]", rest[find.end() :]
    first, _, tail = rest.partition(" ")
    if first and "=" not in first:
        return first, tail
    return None, rest


def _item(path: str, verb: str, rest: str) -> RosItem:
    target, args = _target(rest.strip()) if verb != "add" else (None, rest)
    return RosItem(path=path, verb=verb, target=target, args=parse_args(args))


def parse_export(text: str) -> list[RosItem]:
    """Every command of an export (plain with menu headers, or terse), continuations joined.

    A menu path is spelled with spaces whatever the input used (``/ip/firewall/filter`` too).

    Examples:
        >>> text = ("# by RouterOS 7.14\\n/queue tree\\nadd name=simpul-up \\\\\\n    parent=ether1\\n"
        ...         "/interface ethernet\\nset [ find default-name=ether2 ] comment=LAN\\n"
        ...         "/ip/service set telnet disabled=yes")
        >>> for item in parse_export(text): print(item.command())
        /queue tree add name=simpul-up parent=ether1
        /interface ethernet set [find default-name=ether2] comment=LAN
        /ip service set telnet disabled=yes
    """
    items: list[RosItem] = []
    path = ""
    for line in logical_lines(text):
        if line.startswith("/"):
            match = _PATH_RE.match(line)
            if not match:
                path = ""  # a command simpul does not read (a script line): not config
                continue
            path = " ".join(match.group(1).replace("/", " ").split())
            if match.group(2):
                items.append(_item(path, match.group(2), match.group(3)))
            continue
        verb, _, rest = line.partition(" ")
        if path and verb in VERBS:
            items.append(_item(path, verb, rest))
    return items


def parse_ros_export(text: str) -> list[RosItem]:
    """Only the ``add`` items of an export (what the bandwidth remediation compares).

    >>> [i.args for i in parse_ros_export("/queue tree\\nadd name=a\\n/system identity\\nset name=r")]
    [(('name', 'a'),)]
    """
    return [item for item in parse_export(text) if item.verb == "add"]


def canonical_lines(text: str) -> list[str]:
    """One canonical line per item of a RouterOS export, in the order of the export.

    Independent of indentation, wrapping, quoting, key order and plain vs terse form:
    ``/<path> <verb> [target] k=v ...``, keys sorted, values normalised (:func:`normalise`) and
    quoted only where RouterOS needs it.

    Examples:
        >>> canonical_lines('/ip address\\nadd interface=ether2 address=10.20.3.1/24 comment="LAN staf"')
        ['/ip address add address=10.20.3.1/24 comment="LAN staf" interface=ether2']
        >>> canonical_lines("/snmp\\nset location=\\"Kabupaten Sekadau\\" enabled=true")
        ['/snmp set enabled=yes location="Kabupaten Sekadau"']
    """
    return [item.canonical() for item in parse_export(text)]


def is_ordered(path: str) -> bool:
    """True for a menu whose items RouterOS evaluates in order (firewall, queue tree...).

    >>> is_ordered("ip firewall filter"), is_ordered("ip address")
    (True, False)
    """
    return path in ORDERED_MENUS


def render_export(items: Iterable[RosItem]) -> str:
    """Items as a plain export: one menu header per run of items of the same menu.

    >>> print(render_export(parse_export("/ip address add address=1.1.1.1/32 interface=lo")))
    /ip address
    add address=1.1.1.1/32 interface=lo
    <BLANKLINE>
    """
    out: list[str] = []
    path = None
    for item in items:
        if item.path != path:
            path = item.path
            out.append(f"/{path}")
        out.append(item.command().split(" ", len(path.split()))[-1])
    return "".join(line + "\n" for line in out)


def _find_args(target: str | None) -> tuple[tuple[str, str], ...] | None:
    """The ``k=v`` of a ``[find ...]`` target; None when the target is not a find."""
    if not target or not target.startswith("[find"):
        return None
    return parse_args(target[len("[find") : -1])


def matches(item: RosItem, find: Iterable[tuple[str, str]]) -> bool:
    """True when ``item`` has every ``k=v`` of a find (values compared normalised).

    >>> matches(RosItem(path="q", args=(("name", "a"), ("max-limit", "1M"))), [("max-limit", "1000k")])
    True
    """
    return all(normalise(k, item.get(k) or "") == normalise(k, v) for k, v in find)


def _merged(item: RosItem, changes: Iterable[tuple[str, str]]) -> RosItem:
    args = dict(item.args)
    args.update(changes)
    return item.model_copy(update={"args": tuple(args.items())})


def _apply_add(items: list[RosItem], command: RosItem) -> None:
    before = command.get("place-before")
    new = command.model_copy(update={"args": tuple((k, v) for k, v in command.args if k != "place-before")})
    find = _find_args(before)
    at = next(
        (
            n
            for n, i in enumerate(items)
            if find and i.path == new.path and i.verb == "add" and matches(i, find)
        ),
        None,
    )
    if at is None:
        items.append(new)
    else:
        items.insert(at, new)


def _apply_set(items: list[RosItem], command: RosItem) -> None:
    find = _find_args(command.target)
    hit = False
    for n, item in enumerate(items):
        if item.path != command.path:
            continue
        by_find = find is not None and item.verb == "add" and matches(item, find)
        same_target = item.verb == "set" and item.target == command.target
        if by_find or same_target:
            items[n] = _merged(item, command.args)
            hit = True
    if not hit and (find is None or command.target):
        items.append(command)


def apply_commands(config: str, commands: Iterable[str]) -> str:
    """``config`` (an export) once RouterOS has run ``commands``, as a plain export.

    The model the remediation's round-trip tests check against: ``add`` appends (or goes before
    ``place-before=[find ...]``), ``set [find ...]`` changes the matching items, ``set`` of a menu
    merges its values, ``remove [find ...]`` drops the matching items.

    Examples:
        >>> config = "/queue tree\\nadd name=a max-limit=1M\\nadd name=c\\n/snmp\\nset enabled=yes"
        >>> print(apply_commands(config, ["/queue tree add name=b place-before=[find name=c]",
        ...                               "/queue tree set [find name=a] max-limit=2M",
        ...                               "/queue tree remove [find name=c]", "/snmp set contact=noc"]))
        /queue tree
        add name=a max-limit=2M
        add name=b
        /snmp
        set enabled=yes contact=noc
        <BLANKLINE>
    """
    items = parse_export(config)
    for text in commands:
        for command in parse_export(text):
            if command.verb == "add":
                _apply_add(items, command)
            elif command.verb == "set":
                _apply_set(items, command)
            elif command.verb == "remove":
                find = _find_args(command.target) or ()
                items = [
                    i for i in items if not (i.path == command.path and i.verb == "add" and matches(i, find))
                ]
    return render_export(items)
