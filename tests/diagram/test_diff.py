"""The LAN diff on small hand-built topologies: each finding kind, and what must NOT be a finding."""

from __future__ import annotations

from simpul.core.diff import diff_topologies, summarise, three_way
from simpul.core.findings import Finding, FindingKind, Severity
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan


def dev(name: str, **kw: str) -> TopoDevice:
    return TopoDevice(name=name, **kw)


def link(a: str, pa: str | None, b: str, pb: str | None) -> TopoLink:
    return TopoLink(a=LinkEnd(device=a, port=pa), b=LinkEnd(device=b, port=pb))


BASE = Topology(
    skpd="disdik",
    devices=(
        dev("rtr-disdik", model="RB4011", mgmt_ip="10.20.3.1"),
        dev("sw-disdik-01", model="CRS328-24P", mgmt_ip="10.20.3.2"),
        dev("sw-disdik-02", model="CSS610", mgmt_ip="10.20.3.3"),
    ),
    links=(
        link("rtr-disdik", "ether2", "sw-disdik-01", "ether1"),
        link("sw-disdik-01", "ether24", "sw-disdik-02", "ether1"),
    ),
    vlans=(Vlan(vid=30, name="Disdik-Staf", subnet="10.20.3.0/24"),),
)


def live(**update: object) -> Topology:
    return BASE.model_copy(update={"view": View.LIVE, **update})


def kinds(findings: list[Finding]) -> list[str]:
    return [f.kind.value for f in findings]


def test_identical_topologies_have_no_findings() -> None:
    assert diff_topologies(BASE, live()) == []


def test_names_ports_and_direction_are_normalised() -> None:
    diagram = Topology(
        devices=(dev("SW-1"), dev("Rtr-1")),
        links=(link("SW-1", "Gi0/1", "Rtr-1", "ether2"),),
    )
    actual = Topology(
        devices=(dev("sw-1"), dev("rtr-1")),
        links=(link("rtr-1", "ether2", "sw-1", "GigabitEthernet0/1"),),
    )
    assert diff_topologies(diagram, actual) == []


def test_missing_device_names_where_it_was_attached_and_hides_its_links() -> None:
    actual = live(devices=BASE.devices[:2], links=BASE.links[:1])
    (f,) = diff_topologies(BASE, actual, skpd="disdik")
    assert (f.kind, f.code, f.severity, f.article) == (
        FindingKind.MISSING_DEVICE,
        "LAN-001",
        Severity.MEDIUM,
        "Pasal 19 ayat (2)",
    )
    assert (f.device, f.port, f.peer, f.peer_port, f.expected, f.actual) == (
        "sw-disdik-02",
        "ether1",
        "sw-disdik-01",
        "ether24",
        "sw-disdik-02",
        None,
    )
    assert f.skpd == "disdik"


def test_undocumented_device() -> None:
    actual = live(
        devices=(*BASE.devices, dev("ap-aula")),
        links=(*BASE.links, link("sw-disdik-01", "ether12", "ap-aula", "ether1")),
    )
    (f,) = diff_topologies(BASE, actual)
    assert (f.kind, f.code, f.severity, f.article) == (
        FindingKind.UNDOCUMENTED_DEVICE,
        "LAN-002",
        Severity.HIGH,
        "Pasal 20 ayat (2)",
    )
    assert (f.device, f.port, f.peer, f.peer_port, f.actual) == (
        "ap-aula",
        "ether1",
        "sw-disdik-01",
        "ether12",
        "ap-aula",
    )


def test_missing_and_undocumented_links_between_known_devices() -> None:
    actual = live(links=(BASE.links[0], link("rtr-disdik", "ether3", "sw-disdik-02", "ether2")))
    found = diff_topologies(BASE, actual)
    assert kinds(found) == ["missing_link", "undocumented_link"]
    missing, extra = found
    assert (missing.code, missing.device, missing.port, missing.peer, missing.peer_port) == (
        "LAN-003",
        "sw-disdik-01",
        "ether24",
        "sw-disdik-02",
        "ether1",
    )
    assert missing.expected == "sw-disdik-01 ether24 - sw-disdik-02 ether1" and missing.actual is None
    assert (extra.code, extra.actual, extra.expected) == (
        "LAN-004",
        "rtr-disdik ether3 - sw-disdik-02 ether2",
        None,
    )


def test_other_ports_between_the_same_devices_is_one_port_mismatch() -> None:
    actual = live(links=(link("sw-disdik-01", "ether5", "rtr-disdik", "ether2"), BASE.links[1]))
    (f,) = diff_topologies(BASE, actual)
    assert (f.kind, f.code, f.severity) == (FindingKind.PORT_MISMATCH, "LAN-005", Severity.LOW)
    assert (f.device, f.port, f.peer, f.peer_port) == ("rtr-disdik", "ether2", "sw-disdik-01", "ether1")
    assert (f.expected, f.actual) == (
        "rtr-disdik ether2 - sw-disdik-01 ether1",
        "rtr-disdik ether2 - sw-disdik-01 ether5",
    )


def test_a_port_one_side_does_not_state_matches_any_port() -> None:
    diagram = BASE.model_copy(
        update={"links": (link("rtr-disdik", None, "sw-disdik-01", None), BASE.links[1])}
    )
    assert diff_topologies(diagram, live()) == []


def test_two_parallel_links_one_recabled() -> None:
    diagram = Topology(
        devices=(dev("a"), dev("b")),
        links=(link("a", "ether1", "b", "ether1"), link("a", "ether2", "b", "ether2")),
    )
    actual = Topology(
        devices=(dev("a"), dev("b")),
        links=(link("a", "ether1", "b", "ether1"), link("a", "ether3", "b", "ether2")),
    )
    (f,) = diff_topologies(diagram, actual)
    assert f.kind is FindingKind.PORT_MISMATCH
    assert (f.expected, f.actual) == ("a ether2 - b ether2", "a ether3 - b ether2")


def test_vlan_mismatches() -> None:
    actual = live(vlans=(Vlan(vid=30, name="disdik-staf", subnet="10.20.3.0/24"), Vlan(vid=31, name="Tamu")))
    (extra,) = diff_topologies(BASE, actual)  # the name differs only in case: not a finding
    assert (extra.kind, extra.code, extra.expected, extra.actual, extra.severity) == (
        FindingKind.VLAN_MISMATCH,
        "LAN-006",
        None,
        "VLAN 31 Tamu",
        Severity.MEDIUM,
    )
    (missing,) = diff_topologies(BASE, live(vlans=()))
    assert (missing.kind, missing.expected, missing.actual) == (
        FindingKind.VLAN_MISMATCH,
        "VLAN 30 Disdik-Staf",
        None,
    )
    (renamed,) = diff_topologies(BASE, live(vlans=(Vlan(vid=30, name="Guru"),)))
    assert (renamed.severity, renamed.expected, renamed.actual) == (
        Severity.LOW,
        "VLAN 30 Disdik-Staf",
        "VLAN 30 Guru",
    )


def test_subnet_mismatch_and_silence_without_subnet() -> None:
    (f,) = diff_topologies(BASE, live(vlans=(Vlan(vid=30, name="Disdik-Staf", subnet="10.20.33.0/24"),)))
    assert (f.kind, f.code, f.expected, f.actual) == (
        FindingKind.SUBNET_MISMATCH,
        "LAN-007",
        "VLAN 30 10.20.3.0/24",
        "VLAN 30 10.20.33.0/24",
    )
    assert diff_topologies(BASE, live(vlans=(Vlan(vid=30),))) == []


def test_ip_and_model_mismatch_and_silence_when_unknown() -> None:
    devices = (
        dev("RTR-DISDIK", model="rb 4011", mgmt_ip="10.20.3.1"),  # same model, other spelling
        dev("sw-disdik-01", model="CRS326-24G", mgmt_ip="10.20.3.9"),
        dev("sw-disdik-02"),  # unknown model and IP: says nothing
    )
    found = diff_topologies(BASE, live(devices=devices))
    assert [(f.kind.value, f.code, f.device, f.expected, f.actual) for f in found] == [
        ("ip_mismatch", "LAN-008", "sw-disdik-01", "10.20.3.2", "10.20.3.9"),
        ("model_mismatch", "LAN-009", "sw-disdik-01", "CRS328-24P", "CRS326-24G"),
    ]


def test_jaringan_intra_devices_are_outside_every_skpd_lan() -> None:
    diagram = BASE.model_copy(
        update={
            "devices": (*BASE.devices, dev("dist-diskominfo-01")),
            "links": (*BASE.links, link("rtr-disdik", "ether1", "dist-diskominfo-01", "Ethernet2")),
        }
    )
    assert diff_topologies(diagram, live()) == []


def test_links_of_unreachable_devices_are_not_reported_missing() -> None:
    actual = live(links=BASE.links[:1])
    assert kinds(diff_topologies(BASE, actual)) == ["missing_link"]
    assert diff_topologies(BASE, actual, unreachable={"SW-DISDIK-02"}) == []


def test_every_finding_has_the_documented_fields() -> None:
    actual = live(devices=(*BASE.devices[:2], dev("x")), vlans=())
    for f in diff_topologies(BASE, actual):
        data = f.model_dump(mode="json")
        assert {
            "kind",
            "code",
            "severity",
            "device",
            "port",
            "peer",
            "peer_port",
            "expected",
            "actual",
            "article",
        } <= set(data)
        assert data["article"] in ("Pasal 19 ayat (2)", "Pasal 20 ayat (2)")


def test_summary_counts() -> None:
    found = diff_topologies(BASE, live(vlans=(), devices=(*BASE.devices, dev("x"))))
    assert summarise(found) == {
        "total": 2,
        "by_kind": {"undocumented_device": 1, "vlan_mismatch": 1},
        "by_severity": {"high": 1, "medium": 1},
        "highest": "high",
    }


def test_three_way_table_and_pairs() -> None:
    netbox = BASE.model_copy(
        update={"view": View.NETBOX, "devices": BASE.devices[:2], "links": BASE.links[:1]}
    )
    actual = live(
        devices=(*BASE.devices, dev("ap-1")),
        links=(*BASE.links, link("ap-1", "eth0", "sw-disdik-02", "ether5")),
    )
    tw = three_way(BASE, netbox, actual)
    rows = {r.name: (r.diagram, r.netbox, r.live) for r in tw.devices}
    assert rows == {
        "ap-1": (False, False, True),
        "rtr-disdik": (True, True, True),
        "sw-disdik-01": (True, True, True),
        "sw-disdik-02": (True, False, True),
    }
    links = {r.name: (r.diagram, r.netbox, r.live) for r in tw.links}
    assert links["sw-disdik-01 ether24 - sw-disdik-02 ether1"] == (True, False, True)
    assert links["ap-1 eth0 - sw-disdik-02 ether5"] == (False, False, True)
    assert kinds(list(tw.pairs["diagram_vs_netbox"])) == ["missing_device"]
    assert kinds(list(tw.pairs["diagram_vs_live"])) == ["undocumented_device"]
    assert kinds(list(tw.pairs["netbox_vs_live"])) == ["undocumented_device", "undocumented_device"]


def test_platform_default_vlans_on_one_side_are_not_findings() -> None:
    actual = live(vlans=(*BASE.vlans, Vlan(vid=1, name="default"), Vlan(vid=1002, name="fddi-default")))
    assert diff_topologies(BASE, actual) == []
    # ... but when both sides state VLAN 1, it is compared like any other
    diagram = BASE.model_copy(update={"vlans": (*BASE.vlans, Vlan(vid=1, subnet="10.20.1.0/24"))})
    (f,) = diff_topologies(diagram, live(vlans=(*BASE.vlans, Vlan(vid=1, subnet="192.168.88.0/24"))))
    assert (f.kind, f.expected, f.actual) == (
        FindingKind.SUBNET_MISMATCH,
        "VLAN 1 10.20.1.0/24",
        "VLAN 1 192.168.88.0/24",
    )


def test_a_vlan_renumbered_on_the_same_subnet_is_one_finding() -> None:
    diagram = BASE.model_copy(update={"vlans": (Vlan(vid=121, name="Guru", subnet="10.20.121.0/24"),)})
    (f,) = diff_topologies(diagram, live(vlans=(Vlan(vid=125, name="Guru2", subnet="10.20.121.0/24"),)))
    assert (f.kind, f.severity) == (FindingKind.VLAN_MISMATCH, Severity.MEDIUM)
    assert f.message == "VLAN id changed on 10.20.121.0/24: 121 in the diagram, 125 configured"
    assert (f.expected, f.actual) == ("VLAN 121 Guru 10.20.121.0/24", "VLAN 125 Guru2 10.20.121.0/24")


def test_a_vlan_renumbered_by_name_when_no_subnet_is_stated() -> None:
    diagram = BASE.model_copy(update={"vlans": (Vlan(vid=40, name="CCTV"),)})
    (f,) = diff_topologies(diagram, live(vlans=(Vlan(vid=44, name="cctv", subnet="10.20.44.0/24"),)))
    assert f.message == "VLAN id changed named CCTV: 40 in the diagram, 44 configured"


def test_renumbering_is_not_guessed_when_ambiguous_or_the_subnet_differs() -> None:
    diagram = BASE.model_copy(update={"vlans": (Vlan(vid=40, name="CCTV", subnet="10.20.40.0/24"),)})
    other_subnet = diff_topologies(diagram, live(vlans=(Vlan(vid=44, name="CCTV", subnet="10.20.44.0/24"),)))
    assert {f.message for f in other_subnet} == {
        "VLAN 40 CCTV is in the diagram but not configured",
        "VLAN 44 CCTV is configured but not in the diagram",
    }
    two = live(vlans=(Vlan(vid=44, name="CCTV"), Vlan(vid=45, name="CCTV")))
    assert len(diff_topologies(diagram.model_copy(update={"vlans": (Vlan(vid=40, name="CCTV"),)}), two)) == 3
