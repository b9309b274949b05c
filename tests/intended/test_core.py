"""Device-free: compliance rules, canonical forms, scopes, waivers, and the history store's schema."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from simpul.core.compliance import DeviceScope, Waiver, check, load_rules
from simpul.errors import StoreError
from simpul.store.history import MIGRATIONS, HistoryStore, Row

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 28)
RULES = load_rules((ROOT / "compliance/rules.yaml").read_text(), "compliance/rules.yaml")
IOS = DeviceScope(name="rtr-a", platform="cisco_ios", skpd="rsud", role="skpd-edge")
ROS = DeviceScope(name="rtr-b", platform="mikrotik_routeros")


def test_routeros_export_and_terse_are_the_same_config() -> None:
    plain = (
        "# 2026-11-28 by RouterOS 7.15.3\n/snmp\nset contact=noc@x enabled=yes \\\n"
        '    location="Kabupaten Sekadau"\n/ip address\n'
        "add address=10.0.0.1/31 interface=ether1 network=10.0.0.0\n"
    )
    terse = (
        "/ip address add address=10.0.0.1/31 interface=ether1 network=10.0.0.0\n"
        '/snmp set contact=noc@x enabled=yes location="Kabupaten Sekadau"\n'
    )
    result = check(plain, terse, RULES, ROS, (), TODAY)
    assert result.compliant and set(result.features) >= {"snmp", "interfaces"}


def test_indentation_and_comments_do_not_matter_but_children_do() -> None:
    running = "interface Gi0/1\n  description uplink\n  shutdown\n!\nntp server 10.0.0.1\n"
    intended = "!\ninterface Gi0/1\n description uplink\nntp server 10.0.0.1\nend\n"
    result = check(running, intended, RULES, IOS, (), TODAY)
    assert result.features["interfaces"].extra == ("interface Gi0/1 > shutdown",)
    assert result.features["ntp"].compliant


def test_secret_and_unselected_lines_are_never_compared() -> None:
    running = "snmp-server community <removed> RO\nusername admin secret 9 <removed>\nip ssh version 2\n"
    result = check(running, "", RULES, IOS, (), TODAY)
    assert result.compliant


def test_ordered_features_and_scopes(tmp_path: Path) -> None:
    rules = load_rules(
        "version: 1\nplatforms: {cisco_ios: indented}\nfeatures:\n"
        "  - name: acl\n    ordered: true\n    match: {cisco_ios: ['^ip access-list ']}\n"
        "  - name: rsud-only\n    scope: {skpd: [rsud]}\n    match: {cisco_ios: ['^ntp ']}\n"
        "  - name: core-only\n    scope: {role: [core-router]}\n    match: {cisco_ios: ['^ntp ']}\n",
        "r.yaml",
    )
    acl_a = "ip access-list extended X\n 10 permit ip any host 1.1.1.1\n 20 deny ip any any\n"
    acl_b = "ip access-list extended X\n 20 deny ip any any\n 10 permit ip any host 1.1.1.1\n"
    result = check(acl_a, acl_b, rules, IOS, (), TODAY)
    assert not result.features["acl"].compliant
    assert set(result.features) == {"acl", "rsud-only"}  # core-only is out of scope for an SKPD edge


@pytest.mark.parametrize(("days", "waived"), [(1, True), (0, True), (-1, False)])
def test_a_waiver_covers_its_expiry_day_and_stops_after(days: int, waived: bool) -> None:
    waiver = Waiver(device="rtr-a", feature="ntp", reason="uji", expires=TODAY + dt.timedelta(days=days))
    result = check("ntp server 10.0.0.9\n", "ntp server 10.0.0.1\n", RULES, IOS, (waiver,), TODAY)
    assert result.compliant is waived
    assert result.features["ntp"].waived_until == (waiver.expires if waived else None)
    other = Waiver(device="rtr-z", feature="ntp", reason="uji", expires=TODAY)
    assert not check("ntp server 10.0.0.9\n", "", RULES, IOS, (other,), TODAY).compliant


def test_history_store_migrates_an_old_file_and_refuses_a_newer_one(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with sqlite3.connect(path) as db:  # a file made before any migration: version table only
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        db.execute("INSERT INTO schema_version VALUES (0)")
    store = HistoryStore(path)
    assert store.version == len(MIGRATIONS)
    t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    store.record([Row("rtr-a", "nightly:reachable", "ok")], t0)
    store.record(
        [Row("rtr-a", "nightly:reachable", "down", {"reason": "unreachable"})], t0 + dt.timedelta(hours=1)
    )
    store.record([Row("rtr-a", "nightly:reachable", "down")], t0 + dt.timedelta(hours=2))
    assert HistoryStore(path).since("rtr-a", "nightly:reachable") == t0 + dt.timedelta(hours=1)
    assert store.first_seen("rtr-a", "nightly:reachable", "ok") == t0
    assert store.last_seen("rtr-a", "nightly:reachable", "down") == t0 + dt.timedelta(hours=2)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="newer than this simpul knows"):
        HistoryStore(path)
