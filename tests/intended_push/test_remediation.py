"""Round trips in hier_config's style: running + remediation == intended, and the rollback inverts it.

On public configs simpul did not write (hier_config's own IOS/EOS fixtures, netutils' RouterOS
exports: see data/*/SOURCE.md) and on hand-written RouterOS cases for what only simpul does
(ordered menus among other people's entries, set menus, duplicates, ownership).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simpul.core.remediation import (
    RemediationRules,
    future,
    hier_owned_text,
    remediate,
    routeros_comparable,
)
from simpul.core.routeros_config import apply_commands, canonical_lines, parse_export, render_export

DATA = Path(__file__).parent / "data"


def _read(*parts: str) -> str:
    return DATA.joinpath(*parts).read_text()


# ------------------------------------------------------------------------------- IOS and EOS
@pytest.mark.parametrize(("driver", "prefix"), [("cisco_ios", "ios"), ("arista_eos", "eos")])
def test_hier_config_fixtures_round_trip(driver: str, prefix: str) -> None:
    running = _read("hier_config", f"{prefix}_running.conf")
    intended = _read("hier_config", f"{prefix}_generated.conf")
    change = remediate(driver, running, intended)
    assert change.changed
    after = future(driver, running, change.commands)
    assert hier_owned_text(driver, after, intended) == hier_owned_text(driver, intended, intended)
    assert remediate(driver, after, intended).commands == ()  # a second push has nothing to do
    back = future(driver, after, change.rollback)
    assert hier_owned_text(driver, back, intended) == hier_owned_text(driver, running, intended)


def test_ios_never_negates_what_simpul_does_not_own() -> None:
    running = _read("hier_config", "ios_running.conf")
    intended = _read("hier_config", "ios_generated.conf")
    commands = remediate("cisco_ios", running, intended).commands
    # Gi0/2 is not in the intended config: an interface NetBox does not model is left alone
    assert not [c for c in commands if "GigabitEthernet0/2" in c]
    assert "no snmp-server community public RO" in commands  # a line of a setting simpul renders
    assert "ntp server 10.0.0.11" in commands
    assert not [c for c in commands if c.startswith("no vrf") or c.startswith("no line")]


def test_ios_single_value_lines_are_replaced_not_negated() -> None:
    change = remediate(
        "cisco_ios",
        "hostname a\nsnmp-server location Lama\nusername noc secret 9 x\n",
        "hostname a\nsnmp-server location Kabupaten Sekadau\n",
    )
    assert change.commands == ("snmp-server location Kabupaten Sekadau",)
    assert change.rollback == ("snmp-server location Lama",)


def test_one_line_banner_does_not_swallow_the_lines_after_it() -> None:
    banner = "banner motd ^CAkses terbatas: Jaringan Intra Kabupaten Sekadau^C"
    running = f"hostname a\n{banner}\nntp server 10.10.0.123\nlogging host 10.10.0.50\n!\nline con 0\n"
    intended = f"hostname a\nntp server 10.10.0.11\n{banner}\nlogging host 10.10.0.50\n"
    change = remediate("cisco_ios", running, intended)
    assert change.commands == ("no ntp server 10.10.0.123", "ntp server 10.10.0.11")
    after = future("cisco_ios", running, change.commands)
    assert banner in after.splitlines()
    assert remediate("cisco_ios", after, intended).commands == ()
    new = remediate("cisco_ios", running, intended.replace("Akses terbatas", "Akses khusus"))
    assert "banner motd ^CAkses khusus: Jaringan Intra Kabupaten Sekadau^C" in new.commands


def test_feature_scope_limits_the_remediation() -> None:
    running = _read("hier_config", "eos_running.conf")
    intended = _read("hier_config", "eos_generated.conf")
    ntp_only = RemediationRules(scope=(r"^ntp ",))
    assert remediate("arista_eos", running, intended, ntp_only).commands == ("ntp server 10.0.0.21",)


def test_owned_regexes_remove_lines_the_intended_config_lacks() -> None:
    running = "logging host 192.0.2.5\nntp server 10.10.0.1\n"
    intended = "ntp server 10.10.0.1\n"
    assert remediate("cisco_ios", running, intended).commands == ()  # not simpul's by default
    rules = RemediationRules(owned=(r"^logging (host|trap) ",))
    assert remediate("cisco_ios", running, intended, rules).commands == ("no logging host 192.0.2.5",)


def test_unknown_driver_is_bad_input() -> None:
    from simpul.errors import InputError

    with pytest.raises(InputError, match="no remediation driver"):
        remediate("juniper_junos", "", "")


# ------------------------------------------------------------------------------- RouterOS
def _round_trip(running: str, intended: str, rules: RemediationRules | None = None) -> list[str]:
    change = remediate("routeros", running, intended, rules)
    after = apply_commands(running, change.commands)
    assert remediate("routeros", after, intended, rules).commands == ()
    back = apply_commands(after, change.rollback)
    assert routeros_comparable(back) == routeros_comparable(running)
    return list(change.commands)


def test_netutils_export_round_trip_with_a_rule_owning_the_menu() -> None:
    running = _read("netutils", "routeros_backup.rsc")
    intended = _read("netutils", "routeros_intended.rsc")
    rules = RemediationRules(owned_menus=("routing ospf interface",))
    commands = _round_trip(running, intended, rules)
    after = apply_commands(running, commands)
    assert routeros_comparable(after) == routeros_comparable(intended)
    assert commands[0].startswith("/routing ospf interface remove [find ")
    assert "/routing ospf network add area=backbone network=10.127.1.3/32" in commands


def test_netutils_export_without_the_rule_leaves_the_unowned_entry() -> None:
    running = _read("netutils", "routeros_backup.rsc")
    intended = _read("netutils", "routeros_intended.rsc")
    commands = _round_trip(running, intended)
    assert not [c for c in commands if " remove " in c]  # the old OSPF interface is not simpul's
    assert len([c for c in commands if " add " in c]) == 2


def test_plain_and_terse_exports_have_the_same_canonical_lines() -> None:
    terse = _read("netutils", "routeros_backup.rsc")
    plain = render_export(parse_export(terse))

    def wrap(line: str) -> str:  # RouterOS wraps long lines between arguments
        cut = line.rfind(" ", 0, 50)
        return line[:cut] + " \\\n    " + line[cut + 1 :] if len(line) > 60 and cut > 0 else line

    wrapped = "\n".join(wrap(line) for line in plain.splitlines())
    assert canonical_lines(wrapped) == canonical_lines(terse)
    assert len(canonical_lines(terse)) == len([x for x in terse.splitlines() if x.startswith("/")])


def test_multiline_note_reads_as_one_item() -> None:
    items = parse_export(_read("netutils", "routeros_full_sent.rsc"))
    notes = [i for i in items if i.path == "system note"]
    assert len(notes) == 1
    assert (notes[0].get("note") or "").endswith("We are treating this as a banner.")
    assert canonical_lines(notes[0].canonical()) == [notes[0].canonical()]


FIREWALL = """/ip firewall filter
add chain=input action=accept connection-state=established,related comment="simpul: established"
add chain=input action=accept src-address=10.10.0.0/24 comment="simpul: mgmt"
add chain=input action=accept protocol=icmp comment="simpul: icmp"
"""
FOREIGN = 'add chain=input action=drop comment="lokal: drop semua"\n'


def test_ordered_menu_keeps_order_among_other_peoples_entries() -> None:
    running = FIREWALL.replace('add chain=input action=accept protocol=icmp comment="simpul: icmp"\n', "")
    running = running.replace("10.10.0.0/24", "10.99.0.0/24") + FOREIGN
    commands = _round_trip(running, FIREWALL)
    assert commands == [
        '/ip firewall filter set [find comment="simpul: mgmt"] src-address=10.10.0.0/24',
        '/ip firewall filter add chain=input action=accept protocol=icmp comment="simpul: icmp" '
        'place-before=[find comment="lokal: drop semua"]',
    ]
    after = apply_commands(running, commands)
    assert routeros_comparable(after) == routeros_comparable(FIREWALL + FOREIGN)


def test_ordered_menu_out_of_order_is_removed_and_added_in_place() -> None:
    lines = FIREWALL.splitlines()
    running = "\n".join([lines[0], lines[2], lines[1], lines[3], FOREIGN])
    commands = _round_trip(running, FIREWALL)
    after = apply_commands(running, commands)
    assert routeros_comparable(after) == routeros_comparable(FIREWALL + FOREIGN)
    assert all("lokal" not in c.split("place-before")[0] for c in commands)  # never touched


def test_set_menus_change_only_the_keys_that_differ() -> None:
    running = (
        '/snmp\nset contact=noc@x enabled=yes location="Kabupaten Lama"\n/system identity\nset name=r1\n'
    )
    intended = '/snmp set contact=noc@x location="Kabupaten Sekadau"\n/system identity set name=r1\n'
    assert _round_trip(running, intended) == ['/snmp set location="Kabupaten Sekadau"']


def test_duplicates_unknown_entries_and_disabled_items() -> None:
    running = (
        "/ip address\nadd address=10.20.3.1/24 interface=ether2\nadd address=192.0.2.1/24 interface=ether3\n"
        "/interface vlan\nadd interface=bridge name=Staf vlan-id=30\n"
        "add interface=bridge name=Staf vlan-id=30\n"
        "/ip firewall address-list\nadd address=10.1.1.0/24 list=x disabled=yes\n"
    )
    dedup = remediate("routeros", running, "/interface vlan\nadd interface=bridge name=Staf vlan-id=30\n")
    assert dedup.commands == (
        "/interface vlan remove [find name=Staf]",
        "/interface vlan add interface=bridge name=Staf vlan-id=30",
    )  # find matches both copies; one is added back (the rollback cannot bring a duplicate back)
    running = running.replace("add interface=bridge name=Staf vlan-id=30\n", "", 1)
    intended = (
        "/ip address\nadd address=10.20.3.1/24 interface=ether2\n"
        "/interface vlan\nadd interface=bridge name=Staf vlan-id=30\n"
        "/ip firewall address-list\nadd address=10.1.1.0/24 list=x\n"
    )
    commands = _round_trip(running, intended)
    assert not [c for c in commands if "192.0.2.1" in c]  # an address simpul does not own stays
    assert "/ip firewall address-list remove [find list=x address=10.1.1.0/24]" in commands


def test_owned_regex_removes_extra_entries() -> None:
    running = (
        "/ip address\nadd address=10.20.3.1/24 interface=ether2\nadd address=192.0.2.1/24 interface=ether3\n"
    )
    intended = "/ip address\nadd address=10.20.3.1/24 interface=ether2\n"
    rules = RemediationRules(owned=(r"^/ip address add ",))
    assert _round_trip(running, intended, rules) == ["/ip address remove [find address=192.0.2.1/24]"]


def test_nothing_to_do_is_empty() -> None:
    text = _read("netutils", "routeros_intended.rsc")
    change = remediate("routeros", text, text)
    assert (change.commands, change.rollback, change.diff, change.changed) == ((), (), "", False)
