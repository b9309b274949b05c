"""Collection against real simulated SSH devices (fakenos over loopback): one snapshot per SKPD, a dead
device recorded and the run going on, no secret in any output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from netmiko import ConnectHandler

from simpul.core.lan_state import snapshot_json
from simpul.core.snapshot import (
    Snapshot,
    SnapshotDevice,
    discovery_off_findings,
    parse_snapshot,
    snapshot_to_topology,
)
from simpul.devices.runner import build_nornir
from simpul.inventory import InventoryHost, group_name
from simpul.lab.spec import DeviceLab
from simpul.services.lan import Collected, collect_snapshots, write_snapshots
from simpul.settings import load_settings

pytestmark = pytest.mark.devices

NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def _nornir(lab: DeviceLab, password: str) -> Any:
    hosts = [
        InventoryHost(
            name=d.name,
            hostname=lab.host,
            port=d.ssh_port,
            platform=d.platform,
            role=d.role,
            site=d.site,
            skpd=d.skpd,
            groups=(group_name("skpd", d.skpd),) if d.skpd else (),
        )
        for d in lab.devices
    ]
    settings = load_settings(
        env={"SIMPUL_DEVICE_PASSWORD": password, "SIMPUL_DEVICE_TIMEOUT": "10"}, settings_file=False
    )
    return build_nornir(settings, hosts=hosts, workers=8)


@pytest.fixture(scope="module")
def collected(small_lab: DeviceLab) -> Collected:
    primary = {d.name: d.mgmt_ip for d in small_lab.devices if d.mgmt_ip}
    return collect_snapshots(
        _nornir(small_lab, small_lab.password), NOW, primary_ips=primary, secrets=[small_lab.password]
    )


@pytest.fixture(scope="module")
def snapshots(collected: Collected) -> dict[str, Snapshot]:
    return collected.snapshots


def test_one_snapshot_per_skpd_and_none_for_diskominfo(snapshots: dict[str, Snapshot]) -> None:
    assert sorted(snapshots) == ["bappeda", "dinkes", "disdik"]
    names = {d.name for s in snapshots.values() for d in s.devices}
    assert "dist-diskominfo-01" not in names
    assert all(s.collected_at == NOW and s.schema_version == 1 for s in snapshots.values())


def test_mikrotik_state(snapshots: dict[str, Snapshot]) -> None:
    rtr = next(d for d in snapshots["disdik"].devices if d.name == "rtr-disdik")
    assert rtr.reachable and rtr.facts is not None
    assert (rtr.facts.hostname, rtr.facts.model, rtr.facts.serial) == (
        "rtr-disdik",
        "RB4011iGS+",
        "D4370C8D2A1B",
    )
    ether2 = next(i for i in rtr.interfaces if i.name == "ether2")
    assert ether2.ipv4 == ("10.20.3.1/24",) and ether2.up is True and ether2.mac
    assert [(n.local_port, n.remote_device, n.remote_port, n.protocol) for n in rtr.neighbors] == [
        ("ether2", "sw-disdik-01", "ether1", "mndp")
    ]
    assert [(v.vid, v.name) for v in rtr.vlans] == [(30, "Disdik-Staf")]
    assert rtr.mgmt_ip == "10.20.3.1"


def test_ios_state_through_napalm(snapshots: dict[str, Snapshot]) -> None:
    sw = next(d for d in snapshots["dinkes"].devices if d.name == "sw-dinkes-01")
    assert sw.reachable and sw.facts is not None and sw.facts.model == "WS-C2960X-24PS-L"
    by_name = {i.name: i for i in sw.interfaces}
    assert by_name["GigabitEthernet0/2"].vlan == 40 and by_name["Vlan40"].ipv4 == ("10.20.4.2/24",)
    assert by_name["Vlan40"].vlan == 40
    assert [(n.local_port, n.remote_device, n.remote_port) for n in sw.neighbors] == [
        ("GigabitEthernet0/1", "rtr-dinkes", "GigabitEthernet0/1")
    ]
    live = snapshot_to_topology(snapshots["dinkes"])
    assert [(v.vid, v.subnet) for v in live.vlans if v.vid == 40] == [(40, "10.20.4.0/24")]
    assert len(live.links) == 1


def test_a_dead_device_is_recorded_and_the_others_are_collected(snapshots: dict[str, Snapshot]) -> None:
    (dead,) = snapshots["bappeda"].devices
    assert (dead.name, dead.reachable, dead.facts) == ("rtr-bappeda", False, None)
    assert dead.error == "unreachable: connection refused"
    assert all(d.reachable for s in ("disdik", "dinkes") for d in snapshots[s].devices)


def test_one_outcome_per_skpd_device_and_the_failure_is_its_reason(collected: Collected) -> None:
    names = {d.name for s in collected.snapshots.values() for d in s.devices}
    assert set(collected.outcomes) == names  # Diskominfo's own devices are not contacted
    dead = collected.outcomes["rtr-bappeda"]
    assert not dead.ok and dead.reason == "unreachable: connection refused"
    assert dead.error is not None and dead.error.category == "unreachable"
    assert all(o.ok for name, o in collected.outcomes.items() if name != "rtr-bappeda")


def test_wrong_password_is_a_reason_not_a_crash_and_never_leaks(small_lab: DeviceLab) -> None:
    wrong = "Wr0ng-" + small_lab.password[::-1]
    snaps = collect_snapshots(_nornir(small_lab, wrong), NOW, secrets=[wrong]).snapshots
    reasons = {d.name: d.error for s in snaps.values() for d in s.devices}
    assert reasons["rtr-disdik"] == "auth: authentication failed"
    assert reasons["sw-dinkes-01"] == "auth: authentication failed"
    text = "".join(snapshot_json(s) for s in snaps.values())
    assert wrong not in text and small_lab.password not in text


def test_snapshots_are_written_atomically_and_read_back(
    snapshots: dict[str, Snapshot], tmp_path: Path
) -> None:
    out = tmp_path / "snaps"
    written = write_snapshots(snapshots, out)
    assert sorted(p.name for p in out.iterdir()) == ["bappeda.json", "dinkes.json", "disdik.json"]
    for skpd, path in written.items():
        assert parse_snapshot(path.read_text(), source=str(path)) == snapshots[skpd]
    # a rewrite replaces whole files and leaves no temporary file behind
    write_snapshots(snapshots, out)
    assert len(list(out.iterdir())) == 3
    assert json.loads((out / "disdik.json").read_text())["skpd"] == "disdik"


def _configure(lab: DeviceLab, name: str, lines: list[str]) -> None:
    dev = next(d for d in lab.devices if d.name == name)
    params = {
        "device_type": dev.platform,
        "host": lab.host,
        "port": dev.ssh_port,
        "username": lab.username,
        "password": lab.password,
        "secret": lab.password,
        "fast_cli": False,
        "conn_timeout": 20,
    }
    with ConnectHandler(**params) as conn:
        if dev.platform == "cisco_ios":
            conn.enable()
        conn.send_config_set(lines)


def _collect_one(lab: DeviceLab, name: str) -> SnapshotDevice:
    nornir = _nornir(lab, lab.password).filter(name=name)
    (snap,) = collect_snapshots(nornir, NOW, secrets=[lab.password]).snapshots.values()
    (device,) = snap.devices
    return device


def test_ios_neighbours_say_their_protocol_and_discovery_off_is_a_finding(small_lab: DeviceLab) -> None:
    """IOS as shipped (LLDP off, CDP on) still shows its links through CDP; with both off the device
    is a neighbour_discovery_off finding, not a device with no neighbours."""
    lldp = _collect_one(small_lab, "sw-dinkes-01")
    assert lldp.discovery.said() == {"lldp": True, "cdp": True}
    assert [(n.remote_device, n.protocol) for n in lldp.neighbors] == [("rtr-dinkes", "lldp")]
    try:
        _configure(small_lab, "sw-dinkes-01", ["no lldp run"])
        cdp = _collect_one(small_lab, "sw-dinkes-01")
        assert cdp.discovery.said() == {"lldp": False, "cdp": True}
        assert [(n.local_port, n.remote_device, n.remote_port, n.protocol) for n in cdp.neighbors] == [
            ("GigabitEthernet0/1", "rtr-dinkes", "GigabitEthernet0/1", "cdp")
        ]
        _configure(small_lab, "sw-dinkes-01", ["no cdp run"])
        off = _collect_one(small_lab, "sw-dinkes-01")
        assert off.reachable and off.neighbors == () and off.discovery_off
        snap = Snapshot(schema_version=1, skpd="dinkes", collected_at=NOW, devices=(off,))
        (finding,) = discovery_off_findings(snap)
        assert (finding.code, finding.device, finding.severity.value) == ("OPS-002", "sw-dinkes-01", "medium")
        assert finding.message == "neighbour discovery off on sw-dinkes-01: its links could not be checked"
    finally:
        _configure(small_lab, "sw-dinkes-01", ["lldp run", "cdp run"])


DISCOVERY = "/ip neighbor discovery-settings set"


def test_mikrotik_discovery_settings_say_whether_neighbours_can_be_seen(small_lab: DeviceLab) -> None:
    on = _collect_one(small_lab, "sw-disdik-01")
    assert on.discovery.said() == {"cdp": True, "lldp": True, "mndp": True} and not on.discovery_off
    try:
        _configure(
            small_lab, "sw-disdik-01", ["/ip neighbor discovery-settings set discover-interface-list=none"]
        )
        off = _collect_one(small_lab, "sw-disdik-01")
        assert off.discovery_off and off.neighbors == ()
        snap = Snapshot(schema_version=1, skpd="disdik", collected_at=NOW, devices=(off,))
        assert [f.actual for f in discovery_off_findings(snap)] == ["cdp off, lldp off, mndp off"]
    finally:
        _configure(
            small_lab, "sw-disdik-01", ["/ip neighbor discovery-settings set discover-interface-list=all"]
        )
