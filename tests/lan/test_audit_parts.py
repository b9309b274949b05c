"""The audit's parts that need no lab: one SKPD's audit from its views, and the LAN's last change
read from a real git backup repository."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from simpul.core.audit import AuditStatus
from simpul.core.lan_audit import audit_skpd
from simpul.core.lan_state import HostInfo, snapshot_from_states
from simpul.core.snapshot import Snapshot
from simpul.parsers import parse_mikrotik_neighbors
from simpul.services.lan import last_lan_change
from simpul.store import GitStore, backup_path
from tests.lan.seed_views import seed_topology

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)


def _snapshot(reachable: bool = True) -> Snapshot:
    """disdik as the lab's devices answer (two MikroTiks, one cable), or with the switch silent."""
    hosts = [
        HostInfo("rtr-disdik", "disdik", "mikrotik_routeros", "skpd-edge", "10.20.3.1", "mndp"),
        HostInfo("sw-disdik-01", "disdik", "mikrotik_routeros", "access-switch", "10.20.3.2", "mndp"),
    ]

    def state(model: str, addr: str, port: str, peer: str, peer_port: str) -> dict[str, object]:
        return {
            "facts": {"hostname": None, "model": model, "serial": None, "os_version": None, "vendor": None},
            "interfaces": [{"name": port, "enabled": True, "up": True, "mac": None}],
            "addresses": [{"interface": port, "address": addr}],
            "vlans": [{"vid": 30, "name": "Disdik-Staf", "interfaces": []}],
            "neighbors": [
                {"local_port": port, "remote_device": peer, "remote_port": peer_port, "remote_mgmt_ip": None}
            ],
        }

    states = {"rtr-disdik": state("RB4011", "10.20.3.1/24", "ether2", "sw-disdik-01", "ether1")}
    if reachable:
        states["sw-disdik-01"] = state("CRS328-24P", "10.20.3.2/24", "ether1", "rtr-disdik", "ether2")
    return snapshot_from_states(
        hosts, states, {"sw-disdik-01": "timeout: the device did not answer in time"}, NOW
    )["disdik"]


def _diagram():  # type: ignore[no-untyped-def]
    return seed_topology("disdik").model_copy(update={"date": dt.date(2026, 9, 15), "view": "diagram"})


def test_matching_views_are_compliant() -> None:
    audit = audit_skpd(
        slug="disdik",
        name="Dinas Pendidikan",
        mandiri_tik=True,
        today=TODAY,
        diagram=_diagram(),
        netbox=seed_topology("disdik"),
        snapshot=_snapshot(),
    )
    assert audit.findings == () and audit.status is AuditStatus.COMPLIANT
    assert audit.live is not None and len(audit.live.links) == 1 and audit.collected_at == NOW


def test_a_silent_device_is_reported_once_and_its_link_not_called_missing() -> None:
    audit = audit_skpd(
        slug="disdik",
        name="Dinas Pendidikan",
        mandiri_tik=True,
        today=TODAY,
        diagram=_diagram(),
        snapshot=_snapshot(reachable=False),
    )
    assert [f.kind.value for f in audit.findings] == ["device_unreachable"]
    assert [(u.name, u.reason) for u in audit.unreachable] == [
        ("sw-disdik-01", "timeout: the device did not answer in time")
    ]


def test_a_change_after_the_diagram_is_not_reported_and_no_diagram_is_missing() -> None:
    late = audit_skpd(
        slug="disdik",
        name="Dinas Pendidikan",
        mandiri_tik=True,
        today=TODAY,
        diagram=_diagram(),
        snapshot=_snapshot(),
        last_change=dt.date(2026, 10, 1),
    )
    assert [f.code for f in late.findings] == ["REG-002"]
    none = audit_skpd(slug="disdukcapil", name="Dinas Dukcapil", mandiri_tik=True, today=TODAY)
    assert [f.code for f in none.findings] == ["REG-003"] and none.status is AuditStatus.NO_DIAGRAM
    vps_only = audit_skpd(slug="setda", name="Sekretariat Daerah", mandiri_tik=False, today=TODAY)
    assert vps_only.findings == () and vps_only.status is AuditStatus.COMPLIANT


def test_netbox_date_stands_in_for_an_undated_drawing() -> None:
    undated = _diagram().model_copy(update={"date": None})
    audit = audit_skpd(
        slug="disdik",
        name="Dinas Pendidikan",
        mandiri_tik=True,
        today=TODAY,
        diagram=undated,
        snapshot=_snapshot(),
        netbox_diagram_date=dt.date(2024, 1, 2),
    )
    assert [f.code for f in audit.findings] == ["REG-001"] and audit.diagram_date == dt.date(2024, 1, 2)


def test_last_change_comes_from_the_backup_history(tmp_path: Path) -> None:
    repo = tmp_path / "backups"
    assert last_lan_change(None, ["rtr-disdik"]) is None
    assert last_lan_change(repo, ["rtr-disdik"]) is None  # no repository yet: unknown
    store = GitStore(repo)
    path = backup_path("rtr-disdik", "disdik", "disdik")
    store.commit(
        {path: "/system identity set name=rtr-disdik\n"}, "backup", dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
    )
    assert last_lan_change(repo, ["rtr-disdik", "sw-disdik-01"]) is None  # a first backup is no change
    store.commit(
        {path: "/system identity set name=rtr-disdik\n/ip address add address=10.20.3.9/24\n"},
        "backup",
        dt.datetime(2026, 10, 7, 2, 0, tzinfo=dt.UTC),
    )
    assert last_lan_change(repo, ["rtr-disdik", "sw-disdik-01"]) == dt.date(2026, 10, 7)


def _snapshot_from(neighbours: dict[str, list[dict[str, object]]], discovery: dict[str, bool]) -> Snapshot:
    """disdik with each device's neighbours (and what it says about its neighbour protocols) given."""
    base = _snapshot()
    states = {
        d.name: {
            "facts": d.facts.model_dump() if d.facts else {},
            "interfaces": [i.model_dump(include={"name", "enabled", "up", "mac"}) for i in d.interfaces],
            "addresses": [{"interface": i.name, "address": a} for i in d.interfaces for a in i.ipv4],
            "vlans": [{"vid": 30, "name": "Disdik-Staf", "interfaces": []}],
            "neighbors": neighbours[d.name],
            "discovery": discovery,
        }
        for d in base.devices
    }
    hosts = [HostInfo(d.name, "disdik", d.platform, d.role, d.mgmt_ip, "mndp") for d in base.devices]
    return snapshot_from_states(hosts, states, {}, NOW)["disdik"]


def _audit(snapshot: Snapshot):  # type: ignore[no-untyped-def]
    return audit_skpd(
        slug="disdik",
        name="Dinas Pendidikan",
        mandiri_tik=True,
        today=TODAY,
        diagram=_diagram(),
        snapshot=snapshot,
    )


def test_bridged_mikrotik_ports_are_the_port_not_a_port_mismatch() -> None:
    """RouterOS prints a bridged port as ``interface=ether2,bridge``: the cable is on ether2."""
    rtr = parse_mikrotik_neighbors(
        ' 0 interface=ether2,bridge address=10.20.3.2 mac-address=52:54:00:00:00:02 identity="sw-disdik-01"'
        ' platform="MikroTik" version="7.15.3 (stable)" interface-name="ether1" discovered-by=mndp,lldp'
    )
    sw = parse_mikrotik_neighbors(
        ' 0 interface=ether1,bridge_local mac-address=52:54:00:00:00:01 identity="rtr-disdik"\n'
        '   interface-name="ether2"'
    )
    snap = _snapshot_from({"rtr-disdik": list(rtr), "sw-disdik-01": list(sw)}, {})
    assert {(n.local_port, n.protocol) for d in snap.devices for n in d.neighbors} == {
        ("ether2", "lldp"),
        ("ether1", "mndp"),
    }
    assert _audit(snap).findings == ()


def test_neighbour_discovery_off_is_a_finding_and_its_links_are_not_called_missing() -> None:
    off = {"lldp": False, "cdp": False}
    audit = _audit(_snapshot_from({"rtr-disdik": [], "sw-disdik-01": []}, off))
    assert [(f.code, f.device, f.actual) for f in audit.findings] == [
        ("OPS-002", "rtr-disdik", "cdp off, lldp off"),
        ("OPS-002", "sw-disdik-01", "cdp off, lldp off"),
    ]
    # one protocol still on (IOS as shipped: LLDP off, CDP on) and nothing seen: the link is missing
    cdp_on = _audit(_snapshot_from({"rtr-disdik": [], "sw-disdik-01": []}, {"lldp": False, "cdp": True}))
    assert [f.code for f in cdp_on.findings] == ["LAN-003"]


def test_a_diagram_read_in_part_is_a_finding_even_when_nothing_differs() -> None:
    """The reader's warnings (lines that are no links, unnamed icons) become REG-004: the diff below
    rests on an incomplete picture, so "compliant" would be a false assurance (Pasal 20 ayat (1))."""
    warning = "only 0 of 5 lines read as links between two devices (6 devices read); skipped: ..."
    audit = audit_skpd(
        slug="disdik",
        name="Dinas Pendidikan",
        mandiri_tik=True,
        today=TODAY,
        diagram=_diagram(),
        netbox=seed_topology("disdik"),
        snapshot=_snapshot(),
        diagram_warnings=(warning,),
    )
    assert [(f.code, f.severity.value, f.actual) for f in audit.findings] == [("REG-004", "medium", warning)]
    assert audit.status is not AuditStatus.COMPLIANT
