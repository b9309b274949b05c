"""What to send to a core router so it runs the rendered bandwidth plan, and nothing else of ours.

Pure: text in, commands out. The Nornir task and the Ansible plugins read the device and push; the
decisions live here, once.

- **Cisco IOS**: hier_config's remediation between the *owned* part of the running config (ACLs,
  class-maps and policy-maps named ``SIMPUL-BW-*`` and the ``service-policy ... SIMPUL-BW-*`` lines
  of any interface) and the rendered MQC config. Running + remediation == rendered; nothing outside
  the owned part is ever negated (no ``no interface``).
- **MikroTik RouterOS**: the ``export`` of ``/ip firewall address-list``, ``/ip firewall mangle`` and
  ``/queue tree`` parsed into items (one ``add`` line each: a dict of arguments); owned items (comment
  ``simpul-bw...``, list ``simpul-bw-*``, queue ``simpul-*``) are matched to the rendered ones by
  identity (list+address, comment, name) and only what differs is removed, set or added.

Examples:
    >>> rendered = '/queue tree\\nadd name=simpul-up parent=ether1 max-limit=50000k comment="simpul-bw up"'
    >>> routeros_remediation("/queue tree\\nadd comment=\\"simpul-bw up\\" max-limit=50M name=simpul-up "
    ...                      "parent=ether1", rendered).commands
    ()
    >>> routeros_remediation("", rendered).commands
    ('/queue tree add name=simpul-up parent=ether1 max-limit=50000k comment="simpul-bw up"',)
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from hier_config import HConfig, MatchRule, Platform, WorkflowRemediation, get_hconfig, get_hconfig_driver
from hier_config.models import IdempotentCommandsRule, OrderingRule
from hier_config.platforms.driver_base import HConfigDriverBase
from pydantic import BaseModel, ConfigDict

from simpul.core.remediation import protect_banners
from simpul.core.routeros_config import RosItem, parse_ros_export
from simpul.core.routeros_config import normalise as _ros_norm
from simpul.core.routeros_config import quote as _ros_quote
from simpul.errors import BandwidthError

__all__ = ["ConfigDiff", "RosItem", "ios_remediation", "parse_ros_export", "routeros_remediation"]

IOS_OWNED = "SIMPUL-BW-"
ROS_COMMENT = "simpul-bw"
#: The RouterOS menus a bandwidth plan writes, in the order their items depend on each other.
ROS_PATHS: tuple[str, ...] = ("ip firewall address-list", "ip firewall mangle", "queue tree", "queue simple")
#: ``<path> export`` commands that read exactly what ``routeros_remediation`` compares.
ROS_READ_COMMANDS: tuple[str, ...] = tuple(f"/{p} export" for p in ROS_PATHS[:3])


class ConfigDiff(BaseModel):
    """The commands that bring a device to the rendered plan, and a human diff of the owned part."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: str
    commands: tuple[str, ...]
    diff: str

    @property
    def changed(self) -> bool:
        return bool(self.commands)


# =============================================================================================
# Cisco IOS
# =============================================================================================
def _ios_driver() -> HConfigDriverBase:
    """IOS driver plus the MQC rules hier_config does not ship: one value per class, safe order."""
    driver = get_hconfig_driver(Platform.CISCO_IOS)
    for key in ("bandwidth ", "shape average ", "service-policy ", "priority ", "police "):
        driver.rules.idempotent_commands.append(
            IdempotentCommandsRule(
                match_rules=(
                    MatchRule(startswith="policy-map "),
                    MatchRule(startswith="class "),
                    MatchRule(startswith=key),
                )
            )
        )
    # Referenced objects first, referencing ones after; removals in the reverse order (IOS refuses
    # to delete a class-map a policy-map still uses, or a policy-map attached to an interface).
    for weight, start in (
        (10, "ip access-list "),
        (20, "class-map "),
        (30, "policy-map "),
        (40, "interface "),
        (50, "no policy-map "),
        (60, "no class-map "),
        (70, "no ip access-list "),
    ):
        driver.rules.ordering.append(OrderingRule(match_rules=(MatchRule(startswith=start),), weight=weight))
    return driver


def _ios_owned_top(text: str) -> bool:
    words = text.split()
    if text.startswith("ip access-list ") and len(words) >= 4:
        return words[3].startswith(IOS_OWNED)
    if words and words[0] in ("class-map", "policy-map") and len(words) >= 2:
        return words[-1].startswith(IOS_OWNED)
    return False


def _ios_owned_interface_line(text: str) -> bool:
    words = text.split()
    return len(words) == 3 and words[0] == "service-policy" and words[2].startswith(IOS_OWNED)


def ios_owned(config: HConfig) -> HConfig:
    """The part of an IOS config a bandwidth plan owns (see the module docstring).

    Examples:
        >>> running = get_hconfig(Platform.CISCO_IOS, "hostname core\\ninterface Gi0/1\\n description isp\\n"
        ...     " service-policy output SIMPUL-BW-UP\\npolicy-map OTHER\\npolicy-map SIMPUL-BW-UP\\n class x")
        >>> ios_owned(running).dump_simple()
        ('interface Gi0/1', '  service-policy output SIMPUL-BW-UP', 'policy-map SIMPUL-BW-UP', '  class x')
    """
    owned = HConfig(config.driver)
    for child in config.children:
        if _ios_owned_top(child.text):
            owned.add_deep_copy_of(child)
        elif child.text.startswith("interface "):
            lines = [c for c in child.children if _ios_owned_interface_line(c.text)]
            if lines:
                itf = owned.add_child(child.text)
                for line in lines:
                    itf.add_deep_copy_of(line)
    return owned


def _dump(config: HConfig) -> list[str]:
    """Lines indented one space per level, as IOS prints them."""
    return [" " * (c.depth() - 1) + c.text for c in config.all_children_sorted()]


def ios_remediation(running: str, rendered: str) -> ConfigDiff:
    """Commands (IOS config mode) that turn the owned part of ``running`` into ``rendered``.

    Examples:
        >>> rendered = ("policy-map SIMPUL-BW-UP\\n class class-default\\n  shape average 50000000\\n"
        ...             "interface Gi0/1\\n service-policy output SIMPUL-BW-UP\\n")
        >>> ios_remediation("interface Gi0/1\\n description isp\\n", rendered).commands
        ('policy-map SIMPUL-BW-UP', ' class class-default', '  shape average 50000000', 'interface Gi0/1', \
' service-policy output SIMPUL-BW-UP')
        >>> ios_remediation(rendered.replace("50000000", "40000000"), rendered).commands
        ('policy-map SIMPUL-BW-UP', ' class class-default', '  shape average 50000000')
        >>> ios_remediation(rendered, rendered)
        ConfigDiff(platform='ios', commands=(), diff='')
    """
    driver = _ios_driver()
    owned = ios_owned(get_hconfig(driver, protect_banners(running)))
    intended = get_hconfig(driver, rendered)
    foreign = [
        c.text for c in intended.children if not (_ios_owned_top(c.text) or c.text.startswith("interface "))
    ]
    if foreign:
        raise BandwidthError(
            f"the rendered IOS config has lines outside simpul's bandwidth objects: {foreign[:3]}",
            hint="render with simpul.templates.bandwidth (target ios); nothing was pushed",
        )
    # An interface that lost its service-policy stays (empty) in the intended config, so the
    # remediation is ``interface X / no service-policy ...``, never ``no interface X``.
    for itf in owned.get_children(startswith="interface "):
        if intended.get_child(equals=itf.text) is None:
            intended.add_child(itf.text)
    remediation = WorkflowRemediation(owned, intended).remediation_config
    commands = tuple(_dump(remediation))
    if not commands:
        return ConfigDiff(platform="ios", commands=(), diff="")
    before = _dump(owned)
    after = [line for line in _dump(intended) if not _empty_interface(intended, line)]
    diff = "\n".join(difflib.unified_diff(before, after, "running (simpul-bw part)", "rendered", lineterm=""))
    return ConfigDiff(platform="ios", commands=commands, diff=diff + "\n")


def _empty_interface(config: HConfig, line: str) -> bool:
    child = config.get_child(equals=line) if line.startswith("interface ") else None
    return child is not None and not child.children


def ios_apply_future(running: str, commands: Iterable[str]) -> str:
    """The owned part of ``running`` once ``commands`` are applied (hier_config's ``future``): the
    round-trip check running + remediation == rendered.

    Examples:
        >>> rendered = "class-map match-any SIMPUL-BW-UP-A\\n match access-group name SIMPUL-BW-UP-A\\n"
        >>> ios_apply_future("", ios_remediation("", rendered).commands) == ios_owned_text(rendered)
        True
    """
    driver = _ios_driver()
    owned = ios_owned(get_hconfig(driver, protect_banners(running)))
    change = get_hconfig(driver, "\n".join(commands))
    return _canonical(ios_owned(owned.future(change)))


def ios_owned_text(config: str) -> str:
    """The owned part of an IOS config as canonical text: top-level sections sorted (their order
    on a device is the order they were pushed in), one space per level."""
    return _canonical(ios_owned(get_hconfig(_ios_driver(), protect_banners(config))))


def _canonical(config: HConfig) -> str:
    blocks = sorted(
        "\n".join([top.text] + [" " * (c.depth() - 1) + c.text for c in top.all_children_sorted()])
        for top in config.children
    )
    return "".join(block + "\n" for block in blocks)


# =============================================================================================
# MikroTik RouterOS
# =============================================================================================
def _ros_owned(item: RosItem) -> bool:
    if item.path not in ROS_PATHS:
        return False
    comment = item.get("comment") or ""
    if comment == ROS_COMMENT or comment.startswith(ROS_COMMENT + " "):
        return True
    if item.path == "ip firewall address-list":
        return (item.get("list") or "").startswith(ROS_COMMENT + "-")
    if item.path.startswith("queue "):
        return (item.get("name") or "").startswith("simpul-")
    return False


def _ros_identity(item: RosItem) -> tuple[str, tuple[tuple[str, str], ...]]:
    if item.path == "ip firewall address-list":
        keys: tuple[str, ...] = ("list", "address")
    elif item.path == "ip firewall mangle":
        keys = ("comment",)
    else:
        keys = ("name",)
    return item.path, tuple((k, item.get(k) or "") for k in keys)


def _ros_find(identity: tuple[tuple[str, str], ...]) -> str:
    return "[find " + " ".join(f"{k}={_ros_quote(v)}" for k, v in identity) + "]"


def _ros_changes(running: RosItem, wanted: RosItem) -> tuple[tuple[str, str], ...]:
    """Arguments of ``wanted`` that ``running`` lacks or holds differently (``disabled=yes`` too)."""
    changes = [(k, v) for k, v in wanted.args if _ros_norm(k, running.get(k) or "") != _ros_norm(k, v)]
    if "disabled" not in dict(wanted.args) and _ros_norm("disabled", running.get("disabled") or "no") != "no":
        changes.append(("disabled", "no"))
    return tuple(changes)


def routeros_remediation(running_export: str, rendered: str) -> ConfigDiff:
    """RouterOS commands (full menu path on every line) that turn the owned items of
    ``running_export`` into the rendered ones: remove what is extra, ``set`` what differs, ``add``
    what is missing; removals children first, additions parents first.

    Examples:
        >>> rendered = ('/ip firewall address-list\\n'
        ...             'add list=simpul-bw-a address=10.20.3.0/24 comment="simpul-bw A"\\n/queue tree\\n'
        ...             'add name=simpul-up-a parent=simpul-up limit-at=10000k max-limit=40000k')
        >>> running = ('/ip firewall address-list\\nadd address=10.20.9.0/24 list=simpul-bw-a\\n'
        ...            'add address=192.0.2.0/24 list=blocked\\n'
        ...            '/queue tree\\nadd limit-at=10M max-limit=80M name=simpul-up-a parent=simpul-up')
        >>> for command in routeros_remediation(running, rendered).commands: print(command)
        /ip firewall address-list remove [find list=simpul-bw-a address=10.20.9.0/24]
        /ip firewall address-list add list=simpul-bw-a address=10.20.3.0/24 comment="simpul-bw A"
        /queue tree set [find name=simpul-up-a] max-limit=40000k
    """
    wanted = [i for i in parse_ros_export(rendered) if i.path in ROS_PATHS]
    foreign = [i for i in wanted if not _ros_owned(i)]
    if foreign:
        raise BandwidthError(
            f"the rendered RouterOS config has items simpul does not own: /{foreign[0].path} add "
            f"{foreign[0].line()}",
            hint="render with simpul.templates.bandwidth (target routeros); nothing was pushed",
        )
    have = [i for i in parse_ros_export(running_export) if _ros_owned(i)]
    wanted_by_id = {_ros_identity(i): i for i in wanted}
    have_by_id: dict[tuple[str, tuple[tuple[str, str], ...]], RosItem] = {}
    duplicates: list[RosItem] = []
    for item in have:
        if _ros_identity(item) in have_by_id:
            duplicates.append(item)  # a second copy of one of ours: remove it (find matches both)
        else:
            have_by_id[_ros_identity(item)] = item
    removes: list[str] = []
    sets: list[str] = []
    adds: list[str] = []
    diff: list[str] = []
    order = {p: n for n, p in enumerate(ROS_PATHS)}
    stale = [(k, v) for k, v in have_by_id.items() if k not in wanted_by_id]
    # the last menu first (queues before the marks and lists they use), children before parents
    for ident, item in sorted(stale, key=lambda kv: (-order[kv[0][0]], -len(kv[1].line()))):
        removes.append(f"/{item.path} remove {_ros_find(ident[1])}")
        diff.append(f"-/{item.path} add {item.line()}")
    for item in wanted:
        ident = _ros_identity(item)
        current = have_by_id.get(ident)
        if current is None:
            adds.append(f"/{item.path} add {item.line()}")
            diff.append(f"+/{item.path} add {item.line()}")
        elif any(d for d in duplicates if _ros_identity(d) == ident):
            removes.append(f"/{item.path} remove {_ros_find(ident[1])}")
            adds.append(f"/{item.path} add {item.line()}")
            diff.append(f"-/{item.path} add {current.line()} (and a duplicate)")
            diff.append(f"+/{item.path} add {item.line()}")
        else:
            changes = _ros_changes(current, item)
            if changes:
                sets.append(
                    f"/{item.path} set {_ros_find(ident[1])} "
                    + " ".join(f"{k}={_ros_quote(v)}" for k, v in changes)
                )
                diff.append(f"-/{item.path} add {current.line()}")
                diff.append(f"+/{item.path} add {item.line()}")
    commands = tuple(removes + adds + sets)
    return ConfigDiff(platform="routeros", commands=commands, diff="\n".join(diff) + "\n" if commands else "")
