"""Remediation: the commands that turn a device's running config into its intended one, and back.

Pure: text in, commands out. The push task (``nornir_tasks/intended.py``) and the Ansible action
plugin send them; the decisions live here, once. The driver comes from ``PlatformSpec.remediation``.

- **Cisco IOS, Arista EOS** (``cisco_ios``, ``arista_eos``): hier_config v3's
  ``WorkflowRemediation`` over the part of the running config simpul *owns*: a top-level line is
  owned when the intended config has a line with the same first two words (``ntp server``,
  ``snmp-server location``...) or a section with the same header (``interface Gi0/1``, ``vlan 40``),
  or when it starts with an owned prefix a rule declares. Anything else (``username``, ``enable
  secret``, ``crypto isakmp key``, an interface NetBox does not model) is never negated. The rollback
  is hier_config's rollback of the same pair: it turns the device back into what it ran.
- **MikroTik RouterOS** (``routeros``): hier_config has no RouterOS driver, so simpul's own, per
  menu path over :mod:`simpul.core.routeros_config` items. ``add`` items are matched by identity
  (the menu's declared keys, else ``name``, else ``comment``, else all arguments) and removed, set or
  added; ``set`` menus (``/snmp``, ``/system identity``, ``/interface ethernet set [find ...]``)
  get only the keys that differ; ordered menus (firewall filter/nat/mangle, queue tree) keep the
  intended order (what is out of place is removed and added again, before the entry that followed
  it). A running entry is simpul's only when the intended config has its identity, its comment
  starts with ``simpul``, or a rule makes the whole menu simpul's; nothing else is touched. The
  rollback is the same function run the other way (the pre-push items as the target).

Examples:
    >>> r = remediate("cisco_ios", "hostname a\\nusername noc secret 9 x\\nntp server 192.0.2.1\\n",
    ...               "hostname a\\nntp server 10.10.0.1\\n")
    >>> r.commands
    ('no ntp server 192.0.2.1', 'ntp server 10.10.0.1')
    >>> r.rollback
    ('no ntp server 10.10.0.1', 'ntp server 192.0.2.1')
    >>> remediate("routeros", "/snmp\\nset contact=a enabled=yes", "/snmp set contact=b").commands
    ('/snmp set contact=b',)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from hier_config import HConfig, MatchRule, Platform, WorkflowRemediation, get_hconfig, get_hconfig_driver
from hier_config.models import IdempotentCommandsRule
from hier_config.platforms.driver_base import HConfigDriverBase
from pydantic import BaseModel, ConfigDict, Field

from simpul.core.routeros_config import (
    ORDERED_MENUS,
    VERBS,
    RosItem,
    apply_commands,
    normalise,
    parse_export,
    quote,
    render_export,
)
from simpul.errors import InputError

#: hier_config platforms by ``PlatformSpec.remediation`` name.
HIER_PLATFORMS: Mapping[str, Platform] = {
    "cisco_ios": Platform.CISCO_IOS,
    "arista_eos": Platform.ARISTA_EOS,
}
ROUTEROS = "routeros"
#: One value per device: a new one replaces the old, never ``no`` + the new (IOS would briefly
#: run without it, e.g. no SNMP location).
SINGLE_VALUE = (
    "hostname ",
    "snmp-server location ",
    "snmp-server contact ",
    "ip domain name ",
    "ip domain-name ",
    "logging trap ",
    "clock timezone ",
    "banner motd ",
    "banner_ motd ",  # a one-line banner, see protect_banners
)
#: The same inside a section: (section header prefix, child prefix).
SINGLE_VALUE_CHILD = (("vlan ", "name "), ("interface ", "description "), ("interface ", "mtu "))
#: Identity keys of RouterOS menus whose items have neither a name nor a unique comment.
ROS_IDENTITY: Mapping[str, tuple[str, ...]] = {
    "ip address": ("address",),
    "ipv6 address": ("address",),
    "ip firewall address-list": ("list", "address"),
    "interface bridge port": ("interface",),
    "interface bridge vlan": ("vlan-ids",),
    "interface list member": ("list", "interface"),
    "ip route": ("dst-address", "gateway"),
    "ip dns static": ("name",),
    "system ntp client servers": ("address",),
    "snmp community": ("name",),
    "system logging action": ("name",),
    "system logging": ("topics", "action"),
}
OWNER_COMMENT = "simpul"


class RemediationRules(BaseModel):
    """What simpul may touch beyond the lines of the intended config (data a rules file can give).

    ``owned``: regexes of lines simpul owns even when the intended config has none like them (the
    compliance features' section matchers: a line a feature selects is simpul's to remove); matched
    against a top-level line (IOS/EOS) or an item's canonical line (RouterOS).
    ``scope``: when set, only lines matching one of these regexes are looked at, on both sides
    (``simpul intended push --feature ntp``).
    ``owned_menus`` (RouterOS): menus whose every entry is simpul's (extra entries are removed).
    ``identity``: RouterOS identity keys per menu, over :data:`ROS_IDENTITY`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    owned: tuple[str, ...] = ()
    scope: tuple[str, ...] | None = None
    #: IOS/EOS top-level lines an ``owned`` regex never makes simpul's: a physical interface cannot
    #: be deleted; it is remediated line by line when the intended config has it.
    keep_sections: tuple[str, ...] = (r"^interface ",)
    owned_menus: tuple[str, ...] = ()
    identity: Mapping[str, tuple[str, ...]] = Field(default_factory=dict)
    owner_comment: str = OWNER_COMMENT
    ordered_menus: tuple[str, ...] = ORDERED_MENUS


def _any(regexes: Iterable[str], text: str) -> bool:
    return any(re.search(rx, text) for rx in regexes)


def in_scope(rules: RemediationRules, text: str) -> bool:
    """Whether a line is looked at by this remediation (see ``RemediationRules.scope``).

    >>> in_scope(RemediationRules(scope=("^ntp ",)), "ntp server 1.1.1.1"), in_scope(RemediationRules(), "x")
    (True, True)
    """
    return rules.scope is None or _any(rules.scope, text)


class Remediation(BaseModel):
    """What to send (``commands``), what undoes it (``rollback``), and a human diff of the owned part."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    driver: str
    commands: tuple[str, ...]
    rollback: tuple[str, ...]
    diff: str

    @property
    def changed(self) -> bool:
        return bool(self.commands)


def _unsupported(driver: str | None) -> InputError:
    return InputError(
        f"no remediation driver {driver!r}",
        field="PlatformSpec.remediation",
        hint="supported: " + ", ".join([*HIER_PLATFORMS, ROUTEROS]),
    )


def remediate(
    driver: str | None, running: str, intended: str, rules: RemediationRules | None = None
) -> Remediation:
    """The remediation of ``running`` towards ``intended`` with the driver ``PlatformSpec.remediation``
    names (``cisco_ios``, ``arista_eos`` or ``routeros``).
    """
    rules = rules or RemediationRules()
    if driver == ROUTEROS:
        return routeros_remediation(running, intended, rules)
    if driver is not None and driver in HIER_PLATFORMS:
        return hier_remediation(driver, running, intended, rules)
    raise _unsupported(driver)


def future(driver: str | None, running: str, commands: Iterable[str]) -> str:
    """What ``running`` becomes once ``commands`` are applied (hier_config's ``future``; for
    RouterOS :func:`simpul.core.routeros_config.apply_commands`): the round-trip check.

    >>> future("cisco_ios", "ntp server 192.0.2.1\\n", ["no ntp server 192.0.2.1", "ntp server 10.10.0.1"])
    'ntp server 10.10.0.1\\n'
    """
    if driver == ROUTEROS:
        return apply_commands(running, commands)
    if driver is not None and driver in HIER_PLATFORMS:
        config = _parse(_driver(driver), running)
        change = _parse(_driver(driver), "\n".join(commands))
        return "".join(line + "\n" for line in _dump(config.future(change)))
    raise _unsupported(driver)


# =============================================================================================
# Cisco IOS and Arista EOS: hier_config
# =============================================================================================
def _driver(name: str) -> HConfigDriverBase:
    driver = get_hconfig_driver(HIER_PLATFORMS[name])
    for prefix in SINGLE_VALUE:
        driver.rules.idempotent_commands.append(
            IdempotentCommandsRule(match_rules=(MatchRule(startswith=prefix),))
        )
    for section, child in SINGLE_VALUE_CHILD:
        driver.rules.idempotent_commands.append(
            IdempotentCommandsRule(match_rules=(MatchRule(startswith=section), MatchRule(startswith=child)))
        )
    return driver


def _key(text: str) -> str:
    """What makes two top-level lines the same setting: their first two words.

    >>> _key("ntp server 10.10.0.1"), _key("no ip http server"), _key("lldp run")
    ('ntp server', 'ip http', 'lldp run')
    """
    words = text.split()
    if words[:1] == ["no"]:
        words = words[1:]
    return " ".join(words[:2])


def owned_part(config: HConfig, intended: HConfig, rules: RemediationRules) -> HConfig:
    """The top-level lines (with their children) of ``config`` simpul may change (module docstring).

    >>> running = get_hconfig(Platform.CISCO_IOS, "username noc secret 9 x\\nntp server 192.0.2.1\\n"
    ...                       "interface Gi0/2\\n description kosong\\ninterface Gi0/1\\n description a")
    >>> intended = get_hconfig(Platform.CISCO_IOS, "ntp server 10.10.0.1\\ninterface Gi0/1\\n description b")
    >>> owned_part(running, intended, RemediationRules()).dump_simple()
    ('ntp server 192.0.2.1', 'interface Gi0/1', '  description a')
    """
    keys = {_key(c.text) for c in intended.children if not c.children}
    headers = {c.text for c in intended.children if c.children}
    owned = HConfig(config.driver)
    for child in config.children:
        text = child.text
        by_rule = _any(rules.owned, text) and not _any(rules.keep_sections, text)
        mine = text in headers or (not child.children and _key(text) in keys) or by_rule
        if mine and in_scope(rules, text):
            owned.add_deep_copy_of(child)
    return owned


def scoped(config: HConfig, rules: RemediationRules) -> HConfig:
    """The top-level lines (with their children) of ``config`` in the rules' scope."""
    if rules.scope is None:
        return config
    out = HConfig(config.driver)
    for child in config.children:
        if in_scope(rules, child.text):
            out.add_deep_copy_of(child)
    return out


_ONE_LINE_BANNER = re.compile(r"^banner (\S+) (\^C|\S)(.*)\2\s*$")
_BANNER_MARK = "banner_ "


def protect_banners(text: str) -> str:
    """One-line banners (``banner motd ^CText^C``) as ordinary lines: hier_config reads a banner up
    to a line holding its delimiter alone, so a one-line banner would swallow the lines after it.

    >>> protect_banners("banner motd ^CAkses terbatas^C\\nntp server 1.1.1.1")
    'banner_ motd ^CAkses terbatas^C\\nntp server 1.1.1.1'
    """
    return "\n".join(
        _BANNER_MARK + line[len("banner ") :] if _ONE_LINE_BANNER.match(line) else line
        for line in text.splitlines()
    )


def _parse(driver: HConfigDriverBase, text: str) -> HConfig:
    return get_hconfig(driver, protect_banners(text))


def _dump(config: HConfig) -> list[str]:
    """Lines indented one space per level, as the CLI takes them (one-line banners restored)."""
    lines = [" " * (c.depth() - 1) + c.text for c in config.all_children_sorted()]
    return [
        "banner " + line[len(_BANNER_MARK) :] if line.startswith(_BANNER_MARK) else line for line in lines
    ]


def hier_remediation(
    driver: str, running: str, intended: str, rules: RemediationRules | None = None
) -> Remediation:
    """hier_config remediation and rollback between the owned part of ``running`` and ``intended``.

    Examples:
        >>> r = hier_remediation("arista_eos", "vlan 40\\n   name Lama\\nusername a secret x\\n",
        ...                      "vlan 40\\n   name Dinkes-Staf\\n")
        >>> r.commands, r.rollback
        (('vlan 40', ' name Dinkes-Staf'), ('vlan 40', ' name Lama'))
    """
    rules = rules or RemediationRules()
    hdriver = _driver(driver)
    wanted = scoped(_parse(hdriver, intended), rules)
    owned = owned_part(_parse(hdriver, running), wanted, rules)
    workflow = WorkflowRemediation(owned, wanted)
    commands = tuple(_dump(workflow.remediation_config))
    if not commands:
        return Remediation(driver=driver, commands=(), rollback=(), diff="")
    diff = difflib.unified_diff(
        _dump(owned), _dump(wanted), "running (simpul's part)", "intended", lineterm=""
    )
    return Remediation(
        driver=driver,
        commands=commands,
        rollback=tuple(_dump(workflow.rollback_config)),
        diff="\n".join(diff) + "\n",
    )


def cli_lines(commands: Iterable[str]) -> list[str]:
    """Remediation lines as typed in config mode: an ``exit`` per level left before a line of an
    outer level (IOS leaves a sub-mode by itself for most global commands, but not for all, and a
    strict CLI does not at all).

    >>> cli_lines(["interface Gi0/1", " description x", "ntp server 1.1.1.1"])
    ['interface Gi0/1', ' description x', 'exit', 'ntp server 1.1.1.1']
    >>> cli_lines(["policy-map P", " class c", "  shape average 1000", "no policy-map Q"])[-3:]
    ['exit', 'exit', 'no policy-map Q']
    """
    out: list[str] = []
    depth = 0
    for line in commands:
        level = len(line) - len(line.lstrip(" "))
        out += ["exit"] * max(0, depth - level)
        out.append(line)
        depth = level
    return out


def hier_owned_text(driver: str, config: str, intended: str, rules: RemediationRules | None = None) -> str:
    """The owned part of ``config`` (measured against ``intended``) as canonical text: top-level
    sections sorted, each child as its path from the top, sorted. The round trip compares these.

    >>> hier_owned_text("cisco_ios", "ntp server 2.2.2.2\\nntp server 1.1.1.1\\nusername x", "ntp server 3")
    'ntp server 1.1.1.1\\nntp server 2.2.2.2\\n'
    """
    hdriver = _driver(driver)
    rules = rules or RemediationRules()
    owned = owned_part(_parse(hdriver, config), scoped(_parse(hdriver, intended), rules), rules)
    blocks = sorted(
        "\n".join([top.text, *sorted(" > ".join(c.path()) for c in top.all_children())])
        for top in owned.children
    )
    return "".join(block + "\n" for block in blocks)


# =============================================================================================
# MikroTik RouterOS: simpul's own
# =============================================================================================
Identity = tuple[str, str, str, tuple[tuple[str, str], ...]]  # path, verb, target, key values


def ros_identity(item: RosItem, rules: RemediationRules) -> Identity:
    """What names an item across two configs (see the module docstring).

    >>> rules = RemediationRules()
    >>> ros_identity(RosItem(path="ip address", args=(("address", "10.0.0.1/24"), ("interface", "e"))), rules)
    ('ip address', 'add', '', (('address', '10.0.0.1/24'),))
    >>> ros_identity(RosItem(path="queue tree", args=(("name", "q"), ("parent", "global"))), rules)[3]
    (('name', 'q'),)
    >>> ros_identity(RosItem(path="snmp", verb="set", args=(("contact", "a"),)), rules)
    ('snmp', 'set', '', ())
    """
    if item.verb != "add":
        return item.path, item.verb, item.target or "", ()
    declared = rules.identity.get(item.path) or ROS_IDENTITY.get(item.path)
    if declared and all(item.get(k) is not None for k in declared):
        keys: Sequence[str] = declared
    elif item.get("name") is not None:
        keys = ("name",)
    elif item.get("comment"):
        keys = ("comment",)
    else:
        keys = sorted(k for k, _ in item.args)
    return item.path, "add", "", tuple((k, normalise(k, item.get(k) or "")) for k in keys)


def _find(ident: Identity) -> str:
    return "[find " + " ".join(f"{k}={quote(v)}" for k, v in ident[3]) + "]"


def _owned(item: RosItem, wanted_ids: set[Identity], rules: RemediationRules) -> bool:
    if item.verb != "add":
        return False  # a set menu is never removed; only the keys the intended config names change
    comment = item.get("comment") or ""
    return (
        ros_identity(item, rules) in wanted_ids
        or (bool(rules.owner_comment) and comment.startswith(rules.owner_comment))
        or item.path in rules.owned_menus
        or _any(rules.owned, item.canonical())
    )


def _set_values(items: Iterable[RosItem], rules: RemediationRules) -> dict[Identity, dict[str, str]]:
    """The merged values of every ``set`` target (a config may set one menu on several lines)."""
    out: dict[Identity, dict[str, str]] = {}
    for item in items:
        if item.verb == "set":
            out.setdefault(ros_identity(item, rules), {}).update(item.args)
    return out


def _set_command(ident: Identity, args: Iterable[tuple[str, str]]) -> str:
    target = f" {ident[2]}" if ident[2] else ""
    return f"/{ident[0]} set{target} " + " ".join(f"{k}={quote(v)}" for k, v in args)


def _ros_sets(
    have: list[RosItem], want: list[RosItem], rules: RemediationRules
) -> tuple[list[str], list[str]]:
    """``set`` commands for the keys of ``set`` menus that differ; and the diff lines."""
    current = _set_values(have, rules)
    commands: list[str] = []
    diff: list[str] = []
    for ident, values in _set_values(want, rules).items():
        old = current.get(ident, {})
        changes = [(k, v) for k, v in values.items() if normalise(k, old.get(k, "")) != normalise(k, v)]
        if changes:
            commands.append(_set_command(ident, changes))
            diff += [f"-{_set_command(ident, [(k, old[k])])}" for k, _ in changes if k in old]
            diff += [f"+{_set_command(ident, [change])}" for change in changes]
    return commands, diff


def _differs(have: RosItem, want: RosItem) -> tuple[list[tuple[str, str]], bool]:
    """(arguments to ``set``, whether ``have`` holds keys ``want`` lacks: then only remove+add fixes it)."""
    changes = [(k, v) for k, v in want.args if normalise(k, have.get(k) or "") != normalise(k, v)]
    wanted_keys = {k for k, _ in want.args}
    extra = [
        k for k, v in have.args if k not in wanted_keys and not (k == "disabled" and normalise(k, v) == "no")
    ]
    if "disabled" not in wanted_keys and normalise("disabled", have.get("disabled") or "no") != "no":
        extra.append("disabled")
    return changes, bool(extra)


class _MenuPlan:
    """The commands for one menu of ``add`` items: removes, adds and sets, and the diff lines."""

    def __init__(self) -> None:
        self.removes: list[str] = []
        self.adds: list[str] = []
        self.sets: list[str] = []
        self.diff: list[str] = []

    def remove(self, item: RosItem, ident: Identity) -> None:
        self.removes.append(f"/{item.path} remove {_find(ident)}")
        self.diff.append(f"-{item.command()}")

    def add(self, item: RosItem, before: str | None = None) -> None:
        suffix = f" place-before={before}" if before else ""
        self.adds.append(item.command() + suffix)
        self.diff.append(f"+{item.command()}")


def _anchor(
    menu: list[RosItem], start: int, owned: Callable[[RosItem], bool], rules: RemediationRules
) -> str | None:
    """``[find ...]`` of the first entry simpul does not own at or after ``start``: where re-added
    ordered items go (before it), so they keep their place among other people's entries."""
    for item in menu[start:]:
        if not owned(item):
            return _find(ros_identity(item, rules))
    return None


def _plan_unordered(
    plan: _MenuPlan, have: list[RosItem], want: list[RosItem], rules: RemediationRules
) -> None:
    by_id: dict[Identity, RosItem] = {}
    for item in have:
        ident = ros_identity(item, rules)
        if ident in by_id:
            plan.remove(item, ident)  # a second copy: find matches both, the add below restores one
            by_id[ident] = item.model_copy(update={"args": ()})  # forces remove + add of the wanted one
        else:
            by_id[ident] = item
    wanted_ids = {ros_identity(i, rules) for i in want}
    for ident, item in by_id.items():
        if ident not in wanted_ids and item.args:
            plan.remove(item, ident)
    for item in want:
        ident = ros_identity(item, rules)
        current = by_id.get(ident)
        if current is None or not current.args:
            plan.add(item)
            continue
        changes, extra = _differs(current, item)
        if extra:
            plan.remove(current, ident)
            plan.add(item)
        elif changes:
            plan.sets.append(
                f"/{item.path} set {_find(ident)} " + " ".join(f"{k}={quote(v)}" for k, v in changes)
            )
            plan.diff += [f"-{current.command()}", f"+{item.command()}"]


def _plan_ordered(
    plan: _MenuPlan,
    menu: list[RosItem],
    want: list[RosItem],
    owned: Callable[[RosItem], bool],
    rules: RemediationRules,
) -> None:
    """Keep the longest run of owned entries already right and in order; remove the rest and add
    the intended ones after the kept run, before the first entry of someone else that followed."""
    have = [(n, i) for n, i in enumerate(menu) if owned(i)]
    kept = 0
    while kept < min(len(have), len(want)):
        current, wanted = have[kept][1], want[kept]
        if ros_identity(current, rules) != ros_identity(wanted, rules):
            break
        changes, extra = _differs(current, wanted)
        if extra:
            break
        if changes:
            ident = ros_identity(wanted, rules)
            plan.sets.append(
                f"/{wanted.path} set {_find(ident)} " + " ".join(f"{k}={quote(v)}" for k, v in changes)
            )
            plan.diff += [f"-{current.command()}", f"+{wanted.command()}"]
        kept += 1
    # where the first out-of-place owned entry stood; with none, right after the last kept one
    starts = [n for n, _ in have[kept:]] or [have[kept - 1][0] + 1 if kept else len(menu)]
    anchor = _anchor(menu, starts[0], owned, rules)
    for _, item in reversed(have[kept:]):
        plan.remove(item, ros_identity(item, rules))
    for item in want[kept:]:
        plan.add(item, anchor)


def _ros_plan(
    have: list[RosItem], want: list[RosItem], extra_owned: set[Identity], rules: RemediationRules
) -> tuple[tuple[str, ...], list[str]]:
    """Commands that turn ``have`` into ``want`` on the owned entries; removals last menu first."""
    wanted_ids = {ros_identity(i, rules) for i in want} | extra_owned

    def owned(item: RosItem) -> bool:
        return _owned(item, wanted_ids, rules)

    sets, diff = _ros_sets(have, want, rules)
    menus = list(dict.fromkeys(i.path for i in want if i.verb == "add"))
    menus += sorted({i.path for i in have if owned(i)} - set(menus))
    plans: list[_MenuPlan] = []
    for path in menus:
        plan = _MenuPlan()
        menu = [i for i in have if i.path == path and i.verb == "add"]
        wanted = [i for i in want if i.path == path and i.verb == "add"]
        if path in rules.ordered_menus:
            _plan_ordered(plan, menu, wanted, owned, rules)
        else:
            _plan_unordered(plan, [i for i in menu if owned(i)], wanted, rules)
        plans.append(plan)
        diff += plan.diff
    removes = [c for plan in reversed(plans) for c in plan.removes]
    adds = [c for plan in plans for c in plan.adds]
    changes = [c for plan in plans for c in plan.sets]
    return tuple(removes + sets + changes + adds), diff


def routeros_remediation(running: str, intended: str, rules: RemediationRules | None = None) -> Remediation:
    """simpul's RouterOS remediation (module docstring) and its rollback.

    Examples:
        >>> running = ('/ip firewall filter\\nadd chain=input action=accept comment="simpul mgmt" '
        ...            'src-address=10.10.0.0/24\\nadd chain=input action=drop comment="lokal: drop"\\n'
        ...            '/ip address\\nadd address=10.20.3.1/24 interface=ether2')
        >>> intended = ('/ip firewall filter\\nadd chain=input action=accept comment="simpul mgmt" '
        ...             'src-address=10.10.0.0/24\\nadd chain=input action=accept comment="simpul icmp" '
        ...             'protocol=icmp\\n/ip address\\nadd address=10.20.3.1/24 interface=ether2')
        >>> for c in routeros_remediation(running, intended).commands: print(c)
        /ip firewall filter add chain=input action=accept comment="simpul icmp" protocol=icmp \
place-before=[find comment="lokal: drop"]
        >>> routeros_remediation(running, intended).rollback
        ('/ip firewall filter remove [find comment="simpul icmp"]',)
    """
    rules = rules or RemediationRules()
    have = _ros_items(running, rules)
    want = _ros_items(intended, rules, ("add", "set"))
    commands, diff = _ros_plan(have, want, set(), rules)
    if not commands:
        return Remediation(driver=ROUTEROS, commands=(), rollback=(), diff="")
    rollback = _ros_restore(apply_commands(running, commands), have, want, rules)
    return Remediation(driver=ROUTEROS, commands=commands, rollback=rollback, diff="\n".join(diff) + "\n")


def _ros_items(config: str, rules: RemediationRules, verbs: tuple[str, ...] = VERBS) -> list[RosItem]:
    return [i for i in parse_export(config) if i.verb in verbs and in_scope(rules, i.canonical())]


def _ros_restore(
    current: str, before: list[RosItem], want: list[RosItem], rules: RemediationRules
) -> tuple[str, ...]:
    """Commands that bring what a push of ``want`` may have changed in ``current`` back to ``before``:
    its owned entries, and the values of the ``set`` keys ``want`` names."""
    wanted_ids = {ros_identity(i, rules) for i in want}
    before_owned = [i for i in before if i.verb == "add" and _owned(i, wanted_ids, rules)]
    touched = _set_values(want, rules)
    before_sets = [
        RosItem(
            path=ident[0],
            verb="set",
            target=ident[2] or None,
            args=tuple((k, old[k]) for k in touched[ident] if k in old),
        )
        for ident, old in _set_values(before, rules).items()
        if ident in touched
    ]
    commands, _ = _ros_plan(_ros_items(current, rules), before_sets + before_owned, wanted_ids, rules)
    return commands


def restore(
    driver: str | None, current: str, before: str, intended: str, rules: RemediationRules | None = None
) -> tuple[str, ...]:
    """The rollback of a push of ``intended`` made on a device that ran ``before`` and runs ``current``
    now (whole, partial or none of the push): what brings simpul's part back to ``before``.

    Examples:
        >>> restore("cisco_ios", "ntp server 10.10.0.1\\ninterface Loopback9\\n description x",
        ...         "ntp server 192.0.2.1", "ntp server 10.10.0.1\\ninterface Loopback9\\n description x")
        ('no ntp server 10.10.0.1', 'no interface Loopback9', 'ntp server 192.0.2.1')
        >>> restore("routeros", "/snmp set location=B", "/snmp set location=A", "/snmp set location=B")
        ('/snmp set location=A',)
    """
    rules = rules or RemediationRules()
    if driver == ROUTEROS:
        return _ros_restore(
            current, _ros_items(before, rules), _ros_items(intended, rules, ("add", "set")), rules
        )
    if driver is None or driver not in HIER_PLATFORMS:
        raise _unsupported(driver)
    hdriver = _driver(driver)
    wanted = scoped(_parse(hdriver, intended), rules)
    now = owned_part(_parse(hdriver, current), wanted, rules)
    then = owned_part(_parse(hdriver, before), wanted, rules)
    return tuple(_dump(WorkflowRemediation(now, then).remediation_config))


def routeros_comparable(config: str, rules: RemediationRules | None = None) -> dict[str, list[str]]:
    """Per menu, its canonical lines: in order for ordered menus, sorted for the others. Two configs
    RouterOS would run the same way compare equal.

    >>> routeros_comparable("/ip address\\nadd address=b interface=e\\nadd address=a interface=e")
    {'ip address': ['/ip address add address=a interface=e', '/ip address add address=b interface=e']}
    """
    rules = rules or RemediationRules()
    out: dict[str, list[str]] = {}
    for item in parse_export(config):
        out.setdefault(item.path, []).append(item.canonical())
    return {p: lines if p in rules.ordered_menus else sorted(lines) for p, lines in out.items()}


__all__ = [
    "HIER_PLATFORMS",
    "ROUTEROS",
    "Remediation",
    "RemediationRules",
    "cli_lines",
    "future",
    "hier_owned_text",
    "hier_remediation",
    "protect_banners",
    "remediate",
    "render_export",
    "restore",
    "routeros_comparable",
    "routeros_remediation",
]
