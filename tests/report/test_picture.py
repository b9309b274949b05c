"""The LAN picture: how two views merge (pure), and how DOT text survives hostile names (real graphviz)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from simpul.core.audit import ItemState, SkpdAudit, UnreachableDevice, lan_picture, picture_views
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View
from simpul.report.dot import lan_dot, quote
from simpul.report.graph import render_svg
from simpul.report.i18n import KIND, LEGEND, SEVERITY, STATUS, UI, texts


def link(a: str, pa: str | None, b: str, pb: str | None) -> TopoLink:
    return TopoLink(a=LinkEnd(device=a, port=pa), b=LinkEnd(device=b, port=pb))


def devices(*names: str) -> tuple[TopoDevice, ...]:
    return tuple(TopoDevice(name=n) for n in names)


def states(picture) -> tuple[dict[str, str], list[tuple[str, str, str]]]:  # type: ignore[no-untyped-def]
    nodes = {n.name: n.state.value for n in picture.nodes}
    edges = [(e.a.device, e.b.device, e.state.value) for e in picture.edges]
    return nodes, edges


def test_same_link_written_differently_is_one_link_in_both() -> None:
    diagram = Topology(devices=devices("rtr-1", "sw-1"), links=(link("rtr-1", "ether2", "SW-1", "Gi0/1"),))
    live = Topology(view=View.LIVE, devices=devices("RTR-1", "sw-1"),
                    links=(link("sw-1", "GigabitEthernet0/1", "rtr-1", "ether2"),
                           link("rtr-1", "ether2", "sw-1", "Gi0/1")))  # fmt: skip
    nodes, edges = states(lan_picture(diagram, live))
    assert nodes == {"rtr-1": "both", "sw-1": "both"}
    assert edges == [("rtr-1", "SW-1", "both")]


def test_diagram_link_without_ports_matches_by_devices_and_takes_live_ports() -> None:
    diagram = Topology(devices=devices("rtr-1", "sw-1"), links=(link("rtr-1", None, "sw-1", None),))
    live = Topology(view=View.LIVE, devices=devices("rtr-1", "sw-1"),
                    links=(link("sw-1", "ether1", "rtr-1", "ether2"),))  # fmt: skip
    picture = lan_picture(diagram, live)
    assert [(e.state, e.a.port, e.b.port) for e in picture.edges] == [(ItemState.BOTH, "ether2", "ether1")]


def test_port_change_shows_old_link_missing_and_new_link_undocumented() -> None:
    diagram = Topology(devices=devices("rtr-1", "sw-1"), links=(link("rtr-1", "ether2", "sw-1", "ether1"),))
    live = Topology(view=View.LIVE, devices=devices("rtr-1", "sw-1"),
                    links=(link("rtr-1", "ether3", "sw-1", "ether1"),))  # fmt: skip
    picture = lan_picture(diagram, live)
    assert [(e.a.port, e.state.value) for e in picture.edges] == [
        ("ether2", "missing"),
        ("ether3", "undocumented"),
    ]


def test_unreachable_device_is_not_called_missing() -> None:
    diagram = Topology(devices=devices("rtr-1", "sw-1"), links=(link("rtr-1", "ether2", "sw-1", "ether1"),))
    live = Topology(view=View.LIVE, devices=devices("rtr-1"))
    nodes, edges = states(lan_picture(diagram, live, unreachable=["SW-1"]))
    assert nodes == {"rtr-1": "both", "sw-1": "unreachable"}
    assert edges == [("rtr-1", "sw-1", "unreachable")]


def test_one_view_only() -> None:
    diagram = Topology(devices=devices("rtr-1", "sw-1"), links=(link("rtr-1", "ether2", "sw-1", "ether1"),))
    nodes, edges = states(lan_picture(diagram, None))
    assert set(nodes.values()) == {"unverified"} and edges[0][2] == "unverified"
    nodes, edges = states(lan_picture(None, diagram.model_copy(update={"view": View.LIVE})))
    assert set(nodes.values()) == {"undocumented"} and edges[0][2] == "undocumented"


def test_picture_compares_with_netbox_when_live_was_not_collected() -> None:
    netbox = Topology(view=View.NETBOX, devices=devices("rtr-1"))
    live = Topology(view=View.LIVE, devices=devices("rtr-1", "sw-9"))
    diagram = Topology(devices=devices("rtr-1"))
    assert (
        picture_views(SkpdAudit(slug="a", name="A", mandiri_tik=True, diagram=diagram, netbox=netbox))[1]
        is netbox
    )
    assert (
        picture_views(
            SkpdAudit(slug="a", name="A", mandiri_tik=True, diagram=diagram, netbox=netbox, live=live)
        )[1]
        is live
    )


def test_mismatched_ip_and_model_are_labelled() -> None:
    diagram = Topology(devices=(TopoDevice(name="sw-1", model="CRS328", mgmt_ip="10.20.3.2"),))
    live = Topology(view=View.LIVE, devices=(TopoDevice(name="sw-1", model="CRS326", mgmt_ip="10.20.3.9"),))
    node = lan_picture(diagram, live).nodes[0]
    assert (node.model, node.actual_model, node.mgmt_ip, node.actual_mgmt_ip) == (
        "CRS328", "CRS326", "10.20.3.2", "10.20.3.9")  # fmt: skip
    text = lan_dot(lan_picture(diagram, live), texts("id"))
    assert "IP jaringan: 10.20.3.9" in text and "Model jaringan: CRS326" in text


@pytest.mark.parametrize(
    "name",
    [
        'quote " inside',
        "back\\slash \\N \\G \\L",
        "<html>&amp;</html>",
        "new\nline",
        "}; evil -- x [",
        "ünïcødé",
    ],
)
def test_hostile_names_reach_the_svg_as_plain_text(name: str) -> None:
    diagram = Topology(devices=(TopoDevice(name=name),), links=(link(name, 'p"1', "other", "\\N"),))
    svg = render_svg(lan_dot(lan_picture(diagram, None), texts("en")))
    root = ET.fromstring(svg)  # well-formed XML, nothing injected
    shown = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert name.split("\n", maxsplit=1)[0] in shown
    assert 'p"1' in shown and "\\N" in shown
    assert len([g for g in root.iter("{http://www.w3.org/2000/svg}g") if "node" in g.get("class", "")]) == 2


def test_quote_escapes_dot_syntax() -> None:
    assert quote('a"b') == '"a\\"b"'
    assert quote("a\\b") == '"a\\\\b"'
    assert quote("a\r\nb") == '"a\\nb"'
    assert quote("R&D") == '"R&amp;D"'


def test_translations_cover_the_same_keys_in_both_languages() -> None:
    for table in (UI, STATUS, SEVERITY, KIND, LEGEND):
        assert set(table["id"]) == set(table["en"])
    assert set(KIND["id"]) == set(KIND["en"])
    for lang in ("id", "en"):
        for title, action in KIND[lang].values():
            assert title and action
    assert all("Dinas Kominfo" in action for _, action in KIND["id"].values())


def test_unreachable_entry_never_carries_more_than_a_reason() -> None:
    with pytest.raises(ValueError, match="Extra inputs"):
        UnreachableDevice.model_validate({"name": "sw-1", "reason": "timeout", "config": "secret"})
