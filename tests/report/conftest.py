"""A hand-built audit of three SKPD of the demo regency: compliant, with findings, without a diagram.

Names follow docs/demo-regency.md: ``rtr-<skpd>`` edge routers (MikroTik), ``sw-<skpd>-NN`` access
switches, LAN ``10.20.<n>.0/24``, uplink ``ether1`` to ``dist-diskominfo-01``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from simpul.core.audit import AuditRun, SkpdAudit, UnreachableDevice
from simpul.core.findings import Finding, FindingKind, Severity
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan

GENERATED = dt.datetime(2026, 11, 22, 1, 30, tzinfo=dt.UTC)
COLLECTED = dt.datetime(2026, 11, 22, 1, 10, tzinfo=dt.UTC)
GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("SIMPUL_REGEN_GOLDEN") == "1"


def link(a: str, pa: str, b: str, pb: str) -> TopoLink:
    return TopoLink(a=LinkEnd(device=a, port=pa), b=LinkEnd(device=b, port=pb))


def edge(skpd: str, n: int) -> TopoDevice:
    return TopoDevice(
        name=f"rtr-{skpd}",
        role="skpd-edge",
        model="RB4011",
        platform="mikrotik_routeros",
        mgmt_ip=f"10.20.{n}.1",
    )


def switch(skpd: str, n: int, i: int, ip_last: int | None = None) -> TopoDevice:
    return TopoDevice(
        name=f"sw-{skpd}-{i:02d}",
        role="access-switch",
        model="CRS328-24P",
        platform="mikrotik_routeros",
        mgmt_ip=f"10.20.{n}.{ip_last or i + 1}",
    )


def topo(
    view: View,
    skpd: str,
    devices: tuple[TopoDevice, ...],
    links: tuple[TopoLink, ...],
    n: int,
    date: dt.date,
    source: str,
) -> Topology:
    return Topology(
        skpd=skpd,
        view=view,
        date=date,
        source=source,
        devices=devices,
        links=links,
        vlans=(Vlan(vid=n * 10, name=f"{skpd.capitalize()}-Staf", subnet=f"10.20.{n}.0/24"),),
    )


def compliant_skpd() -> SkpdAudit:
    devices = (edge("disdik", 3), switch("disdik", 3, 1))
    links = (link("rtr-disdik", "ether2", "sw-disdik-01", "ether1"),)
    diagram = topo(View.DIAGRAM, "disdik", devices, links, 3, dt.date(2026, 3, 2), "topology/disdik.drawio")
    live = topo(
        View.LIVE,
        "disdik",
        devices,
        (link("SW-DISDIK-01", "ether1", "rtr-disdik", "ether2"),),
        3,
        COLLECTED.date(),
        "snapshots/disdik.json",
    )
    return SkpdAudit(
        slug="disdik",
        name="Dinas Pendidikan",
        mandiri_tik=True,
        diagram=diagram,
        netbox=live,
        live=live,
        diagram_date=dt.date(2026, 3, 2),
        diagram_source="topology/disdik.drawio",
        collected_at=COLLECTED,
    )


def findings_skpd() -> SkpdAudit:
    """Dinkes rewired sw-02 straight to the router, plugged in a rogue AP, readdressed sw-01."""
    n = 4
    diagram = topo(
        View.DIAGRAM, "dinkes",
        (edge("dinkes", n), switch("dinkes", n, 1), switch("dinkes", n, 2)),
        (link("rtr-dinkes", "ether2", "sw-dinkes-01", "ether1"),
         link("sw-dinkes-01", "ether24", "sw-dinkes-02", "ether1")),
        n, dt.date(2026, 1, 15), "topology/dinkes.yaml",
    )  # fmt: skip
    live = topo(
        View.LIVE, "dinkes",
        (edge("dinkes", n), switch("dinkes", n, 1, ip_last=12), switch("dinkes", n, 2),
         TopoDevice(name="ap-dinkes-liar", model="TL-WR840N", mgmt_ip="10.20.4.99")),
        (link("rtr-dinkes", "ether2", "sw-dinkes-01", "ether1"),
         link("rtr-dinkes", "ether3", "sw-dinkes-02", "ether1"),
         link("sw-dinkes-01", "ether5", "ap-dinkes-liar", "eth0")),
        n, COLLECTED.date(), "snapshots/dinkes.json",
    )  # fmt: skip
    findings = (
        Finding(kind=FindingKind.MISSING_LINK, severity=Severity.HIGH, device="sw-dinkes-01", port="ether24",
                peer="sw-dinkes-02", peer_port="ether1", skpd="dinkes"),
        Finding(kind=FindingKind.UNDOCUMENTED_LINK, severity=Severity.MEDIUM, device="rtr-dinkes",
                port="ether3", peer="sw-dinkes-02", peer_port="ether1", skpd="dinkes"),
        Finding(kind=FindingKind.UNDOCUMENTED_DEVICE, severity=Severity.HIGH, device="ap-dinkes-liar",
                actual="TL-WR840N 10.20.4.99", skpd="dinkes"),
        Finding(kind=FindingKind.UNDOCUMENTED_LINK, severity=Severity.MEDIUM, device="sw-dinkes-01",
                port="ether5", peer="ap-dinkes-liar", peer_port="eth0", skpd="dinkes"),
        Finding(kind=FindingKind.IP_MISMATCH, severity=Severity.LOW, device="sw-dinkes-01",
                expected="10.20.4.2", actual="10.20.4.12", skpd="dinkes"),
        Finding(kind=FindingKind.CHANGE_NOT_REPORTED, severity=Severity.MEDIUM, expected="2026-01-15",
                actual="2026-11-22", article="Pasal 20 ayat (2)", skpd="dinkes"),
    )  # fmt: skip
    return SkpdAudit(
        slug="dinkes",
        name="Dinas Kesehatan",
        mandiri_tik=True,
        diagram=diagram,
        live=live,
        findings=findings,
        diagram_date=dt.date(2026, 1, 15),
        diagram_source="topology/dinkes.yaml",
        collected_at=COLLECTED,
    )


def no_diagram_skpd() -> SkpdAudit:
    n = 5
    live = topo(
        View.LIVE,
        "bappeda",
        (edge("bappeda", n),),
        (link("rtr-bappeda", "ether1", "dist-diskominfo-01", "Ethernet5"),),
        n,
        COLLECTED.date(),
        "snapshots/bappeda.json",
    )
    return SkpdAudit(
        slug="bappeda", name="Badan Perencanaan Pembangunan Daerah", mandiri_tik=True, live=live,
        findings=(Finding(kind=FindingKind.DIAGRAM_MISSING, severity=Severity.HIGH, skpd="bappeda"),),
        collected_at=COLLECTED,
        unreachable=(UnreachableDevice(name="sw-bappeda-01", reason="SSH timeout after 10 s"),),
    )  # fmt: skip


def build_run(lang: str = "id", fail_on: Severity = Severity.HIGH) -> AuditRun:
    return AuditRun.model_validate(
        {
            "regency": "Kabupaten Sekadau",
            "generated_at": GENERATED,
            "lang": lang,
            "fail_on": fail_on,
            "skpds": (compliant_skpd(), findings_skpd(), no_diagram_skpd()),
        }
    )


@pytest.fixture
def run() -> AuditRun:
    return build_run()
