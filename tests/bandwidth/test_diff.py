"""The pure bandwidth diff (simpul.core.bandwidth_diff) on the golden renders, device-free.

Round trips (running + remediation == rendered), idempotence, what is never touched (config simpul
does not own), and the order a real device needs (referenced objects first, removals reversed).
"""

from __future__ import annotations

import pytest

from simpul.core.bandwidth_diff import (
    ios_apply_future,
    ios_owned_text,
    ios_remediation,
    parse_ros_export,
    routeros_remediation,
)
from simpul.errors import BandwidthError

from .conftest import GOLDEN

IOS = (GOLDEN / "plan3.ios").read_text()
RSC = (GOLDEN / "plan3.rsc").read_text()
FOREIGN_IOS = (
    "hostname core-diskominfo-01\n"
    "policy-map QOS-VOICE\n class class-default\n  fair-queue\n"
    "interface GigabitEthernet0/1\n description ke Telkom\n ip address 192.0.2.2 255.255.255.252\n"
)
UPLINK_POLICY = "interface GigabitEthernet0/1\n service-policy output SIMPUL-BW-UP\n"
# the device once the plan is applied: its own config, the policy on its uplink, the MQC objects
APPLIED = FOREIGN_IOS + " service-policy output SIMPUL-BW-UP\n" + IOS.replace(UPLINK_POLICY, "")


# ---------------------------------------------------------------------------------- Cisco IOS
def test_ios_from_nothing_round_trips_and_then_has_nothing_to_do() -> None:
    change = ios_remediation(FOREIGN_IOS, IOS)
    assert change.changed and change.platform == "ios"
    assert ios_apply_future(FOREIGN_IOS, change.commands) == ios_owned_text(IOS)
    assert not any(c.lstrip().startswith("no ") for c in change.commands)  # nothing foreign negated
    # referenced before referencing: every ACL, then class-maps, then policies, then the interface
    tops = [c.split()[0] for c in change.commands if not c.startswith(" ")]
    assert tops == sorted(tops, key=["ip", "class-map", "policy-map", "interface"].index)
    assert ios_apply_future(APPLIED, ()) == ios_owned_text(IOS)
    assert ios_remediation(APPLIED, IOS).commands == ()
    assert ios_remediation(APPLIED, IOS).diff == ""


def test_ios_changed_rate_is_one_line_under_its_parents() -> None:
    running = APPLIED.replace("  bandwidth 10000\n", "  bandwidth 1000\n")
    change = ios_remediation(running, IOS)
    assert change.commands == (
        "policy-map SIMPUL-BW-UP-SKPD",
        " class SIMPUL-BW-UP-DISDIK",
        "  bandwidth 10000",
        "policy-map SIMPUL-BW-DOWN-SKPD",
        " class SIMPUL-BW-DOWN-DISDIK",
        "  bandwidth 10000",
    )
    assert "-  bandwidth 1000\n" in change.diff and "+  bandwidth 10000\n" in change.diff


def test_ios_removed_skpd_detaches_before_it_deletes() -> None:
    extra = (
        "ip access-list extended SIMPUL-BW-UP-LAMA\n permit ip 10.20.99.0 0.0.0.255 any\n"
        "class-map match-any SIMPUL-BW-UP-LAMA\n match access-group name SIMPUL-BW-UP-LAMA\n"
    )
    running = extra + IOS.replace(
        "policy-map SIMPUL-BW-UP-SKPD\n",
        "policy-map SIMPUL-BW-UP-SKPD\n class SIMPUL-BW-UP-LAMA\n  bandwidth 5000\n",
    )
    change = ios_remediation(running, IOS)
    assert change.commands == (
        "policy-map SIMPUL-BW-UP-SKPD",
        " no class SIMPUL-BW-UP-LAMA",
        "no class-map match-any SIMPUL-BW-UP-LAMA",
        "no ip access-list extended SIMPUL-BW-UP-LAMA",
    )
    assert ios_apply_future(running, change.commands) == ios_owned_text(IOS)


def test_ios_moved_uplink_removes_the_policy_not_the_interface() -> None:
    running = APPLIED
    moved = IOS.replace("interface GigabitEthernet0/1\n", "interface GigabitEthernet0/2\n")
    change = ios_remediation(running, moved)
    blocks = "\n".join(change.commands).replace("\ninterface", "\n\ninterface").split("\n\n")
    assert sorted(blocks) == [
        "interface GigabitEthernet0/1\n no service-policy output SIMPUL-BW-UP",
        "interface GigabitEthernet0/2\n service-policy output SIMPUL-BW-UP",
    ]


def test_ios_refuses_a_rendered_config_with_foreign_lines() -> None:
    with pytest.raises(BandwidthError, match="outside simpul's bandwidth objects"):
        ios_remediation("", IOS + "snmp-server community public RO\n")


# ---------------------------------------------------------------------------- MikroTik RouterOS
def _ros_value(key: str, value: str) -> str:
    if key in ("limit-at", "max-limit") and value.endswith("000k"):
        value = value[: -len("000k")] + "M"
    return f'{key}="{value}"' if " " in value else f"{key}={value}"


def _as_routeros_exports(rendered: str) -> str:
    """What RouterOS 7 prints for the same items: its own argument order, rates in M, long lines
    wrapped with a backslash, a header, and an item that is not simpul's in the address lists."""
    out = ["# 2026-11-23 09:00:00 by RouterOS 7.14.3", "# software id = ABCD-1234"]
    path = ""
    for item in parse_ros_export(rendered):
        if item.path != path:
            path = item.path
            out.append(f"/{path}")
            if path == "ip firewall address-list":
                out.append("add address=192.0.2.0/24 list=blocked")
        text = " ".join(_ros_value(k, v) for k, v in sorted(item.args))
        cut = text.rfind(" ", 0, 60)  # RouterOS wraps between arguments
        out.append("add " + (text[:cut] + " \\\n    " + text[cut + 1 :] if len(text) > 60 else text))
    return "\n".join(out) + "\n"


def test_routeros_from_nothing_adds_in_dependency_order() -> None:
    change = routeros_remediation("", RSC)
    menus = [c.split(" add ")[0] for c in change.commands]
    assert all(" add " in c for c in change.commands)
    assert menus == sorted(
        menus, key=["/ip firewall address-list", "/ip firewall mangle", "/queue tree"].index
    )
    assert change.commands.index(
        next(c for c in change.commands if "name=simpul-up " in c)
    ) < change.commands.index(next(c for c in change.commands if "name=simpul-up-bappeda " in c))


def test_routeros_export_in_its_own_words_is_no_change() -> None:
    exported = _as_routeros_exports(RSC)
    assert "max-limit=50M" in exported and "\\\n    " in exported
    change = routeros_remediation(exported, RSC)
    assert change.commands == () and change.diff == ""


def test_routeros_removed_skpd_goes_children_first_and_foreign_items_stay() -> None:
    gone = "\n".join(x for x in RSC.splitlines() if "dinkes" not in x and "Kesehatan" not in x) + "\n"
    change = routeros_remediation(_as_routeros_exports(RSC), gone)
    assert change.commands == (
        "/queue tree remove [find name=simpul-down-dinkes]",
        "/queue tree remove [find name=simpul-up-dinkes]",
        '/ip firewall mangle remove [find comment="simpul-bw dinkes download"]',
        '/ip firewall mangle remove [find comment="simpul-bw dinkes upload"]',
        "/ip firewall address-list remove [find list=simpul-bw-dinkes address=10.20.4.0/24]",
    )
    assert "blocked" not in change.diff


def test_routeros_changed_and_disabled_items_are_set_in_place() -> None:
    running = RSC.replace(
        "packet-mark=simpul-up-disdik limit-at=10000k max-limit=40000k",
        "packet-mark=simpul-up-disdik limit-at=10000k max-limit=80M disabled=yes",
    )
    change = routeros_remediation(running, RSC)
    assert change.commands == ("/queue tree set [find name=simpul-up-disdik] max-limit=40000k disabled=no",)
    assert "-/queue tree add name=simpul-up-disdik" in change.diff


def test_routeros_refuses_a_rendered_item_it_does_not_own() -> None:
    with pytest.raises(BandwidthError, match="does not own"):
        routeros_remediation("", RSC + "/queue tree\nadd name=guest parent=global max-limit=5M\n")
