"""draw.io conventions from public diagrams, one small page each: what is read, and what is ignored why."""

from __future__ import annotations

import pytest

from simpul.core.diagram import parse_drawio
from simpul.core.diagram.report import DiagramResult
from simpul.core.diagram.shapes import shape_kind
from simpul.core.topology import LinkEnd
from simpul.errors import InputError


def page(*cells: str) -> str:
    return (
        '<mxfile><diagram name="LAN"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
        + "".join(cells)
        + "</root></mxGraphModel></diagram></mxfile>"
    )


def vertex(
    cid: str, value: str, style: str, x: float, y: float, w: float = 50, h: float = 50, parent: str = "1"
) -> str:
    return (
        f'<mxCell id="{cid}" value="{value}" style="{style}" vertex="1" parent="{parent}">'
        f'<mxGeometry x="{x}" y="{y}" width="{w}" height="{h}" as="geometry"/></mxCell>'
    )


def edge(cid: str, source: str | None, target: str | None, value: str = "") -> str:
    ends = (f' source="{source}"' if source else "") + (f' target="{target}"' if target else "")
    geometry = '<mxGeometry relative="1" as="geometry"/>'
    return f'<mxCell id="{cid}" value="{value}" edge="1" parent="1"{ends}>{geometry}</mxCell>'


def read(*cells: str) -> DiagramResult:
    return parse_drawio(page(*cells), source="x.drawio")


def reasons(result: DiagramResult) -> dict[str, str]:
    return {i.ref: i.reason for i in result.report.ignored}


ROUTER = "shape=mxgraph.cisco.routers.router;html=1;"
SWITCH = "shape=mxgraph.cisco.switches.workgroup_switch;html=1;"


@pytest.mark.parametrize(
    ("style", "kind"),
    [
        ({"shape": "mxgraph.gcp.networking.cloud_router"}, "router"),
        ({"shape": "mxgraph.gcp2.cloud_router"}, "router"),
        ({"shape": "cloud"}, "cloud"),
        ({"ellipse": "", "shape": "cloud"}, "cloud"),
        ({"shape": "mxgraph.networks.cloud"}, "cloud"),
        ({"shape": "mxgraph.aws4.resourceIcon", "resIcon": "mxgraph.aws4.internet_gateway"}, "router"),
        ({"shape": "mxgraph.cisco19.rect", "prIcon": "l3_switch"}, "switch"),
        ({"image": "img/lib/clip_art/networking/Firewall_02_128x128.png"}, "firewall"),
        ({"shape": "mxgraph.cisco.wireless.access_point"}, "wireless"),
        ({"shape": "mxgraph.eip.messageChannel"}, None),
    ],
)
def test_shapes_are_classified_by_meaning(style: dict[str, str], kind: str | None) -> None:
    assert shape_kind(style) == kind


def test_a_cloud_router_is_a_device_and_a_cloud_is_not() -> None:
    result = read(
        vertex("r", "cr-dinkes", "shape=mxgraph.gcp.networking.cloud_router;html=1;", 0, 0),
        vertex("c", "Internet", "ellipse;shape=cloud;html=1;", 200, 0, 100, 60),
        vertex("s", "sw-dinkes", SWITCH, 0, 200),
        edge("e1", "r", "s"),
        edge("e2", "c", "r"),
    )
    assert [d.name for d in result.topology.devices] == ["cr-dinkes", "sw-dinkes"]
    assert len(result.topology.links) == 1
    assert reasons(result)["cell c"] == "cloud shape: an outside network, not a device"


def test_icons_take_the_name_of_the_text_beside_or_on_them() -> None:
    result = read(
        vertex("i1", "", ROUTER, 100, 100),
        vertex("t1", "rtr-x&lt;br&gt;10.20.9.1", "text;html=1;", 95, 152, 70, 30),  # under it
        vertex("i2", "", SWITCH, 400, 100),
        vertex("t2", "sw-x-01", "text;html=1;", 455, 115, 70, 20),  # to its right
        vertex("i3", "", SWITCH, 100, 400, 64, 64),
        vertex("t3", "sw-x-02", "text;html=1;", 92, 444, 80, 20),  # laid over its lower part
        edge("e1", "i1", "i2"),
        edge("e2", "t1", "i3"),  # a line drawn to the name text attaches to the device too
    )
    t = result.topology
    assert [(d.name, d.mgmt_ip) for d in t.devices] == [
        ("rtr-x", "10.20.9.1"),
        ("sw-x-01", None),
        ("sw-x-02", None),
    ]
    assert {link.devices_key() for link in t.links} == {("rtr-x", "sw-x-01"), ("rtr-x", "sw-x-02")}
    assert [item.via for item in result.report.read if item.kind == "device"] == [
        "text in cell t1",
        "text in cell t2",
        "text in cell t3",
    ]


def test_an_icon_between_two_texts_is_a_problem_named_with_both() -> None:
    with pytest.raises(InputError, match=r"several texts as near \('sw-a', 'sw-b'\)"):
        read(
            vertex("i1", "", SWITCH, 100, 100),
            vertex("a", "sw-a", "text;html=1;", 100, 72, 50, 20),
            vertex("b", "sw-b", "text;html=1;", 100, 158, 50, 20),
        )


def test_boxes_that_hold_devices_are_areas_whatever_their_parent() -> None:
    result = read(
        vertex("g", "Gedung A", "rounded=0;whiteSpace=wrap;html=1;fillColor=#f5f5f5;", 0, 0, 600, 400),
        vertex("r", "rtr-x", ROUTER, 100, 100),
        vertex("s", "sw-x-01", SWITCH, 300, 100),
        edge("e1", "r", "s"),
        vertex("f", "Lantai 2", "swimlane;", 700, 0, 300, 300),
        vertex("s2", "sw-x-02", SWITCH, 50, 50, parent="f"),
        edge("e2", "s", "s2"),
    )
    assert [d.name for d in result.topology.devices] == ["rtr-x", "sw-x-01", "sw-x-02"]
    assert len(result.topology.links) == 2
    assert reasons(result)["cell g"].endswith("(an area), not a device")


def test_a_legend_explains_symbols_and_holds_no_device() -> None:
    result = read(
        vertex("r", "rtr-x", ROUTER, 100, 100),
        vertex("leg", "Legenda", "rounded=0;html=1;", 600, 0, 200, 200),
        vertex("li", "", ROUTER, 610, 30, 40, 40),
        vertex("lt", "Router", "text;html=1;", 660, 40, 60, 20),
    )
    assert [d.name for d in result.topology.devices] == ["rtr-x"]
    assert reasons(result)["cell li"] == "inside the legend: explains a symbol, not on the LAN"


def test_a_callout_from_a_note_to_empty_space_is_ignored() -> None:
    result = read(
        vertex("r", "rtr-x", ROUTER, 100, 100),
        vertex("n", "Lemari server", "text;html=1;", 300, 0, 100, 20),
        edge("c1", "n", None),
        edge("free", None, None),
    )
    why = reasons(result)
    assert why["cell c1"] == "line from cell n (a note) to empty space (a callout), not a link"
    assert why["cell free"] == "line attached to nothing (a drawing, not a link)"


def n2g_edge(label_x: str, relative: str) -> str:
    return (
        '<object id="l1" label=""><mxCell style="endArrow=none;" edge="1" parent="1" source="R1" target="R2">'
        '<mxGeometry relative="1" as="geometry"/></mxCell></object>'
        '<mxCell id="l1-src" value="Gi1/1" style="edgeLabel;" vertex="1" connectable="0" parent="l1">'
        '<mxGeometry x="-0.5" relative="1" as="geometry"/></mxCell>'
        f'<mxCell id="l1-trgt" value="GE23" style="edgeLabel;" vertex="1" connectable="0" parent="l1">'
        f'<mxGeometry x="{label_x}" relative="{relative}" as="geometry"/></mxCell>'
    )


def test_n2g_end_labels_with_relative_minus_one_are_ports() -> None:
    nodes = (
        '<object id="R1" label="R1"><mxCell style="rounded=1;" vertex="1" parent="1">'
        '<mxGeometry x="0" y="0" width="120" height="60" as="geometry"/></mxCell></object>'
        '<object id="R2" label="R2"><mxCell style="rounded=1;" vertex="1" parent="1">'
        '<mxGeometry x="300" y="0" width="120" height="60" as="geometry"/></mxCell></object>'
    )
    (link,) = read(nodes, n2g_edge("0.5", "-1")).topology.links
    assert (link.a, link.b) == (LinkEnd(device="R1", port="Gi1/1"), LinkEnd(device="R2", port="GE23"))


def test_placeholders_are_filled_from_the_cell_data_as_drawio_does() -> None:
    result = read(
        '<object id="p1" placeholders="1" label="%name%&lt;br&gt;IP: %ip%&lt;br&gt;Role: %peran%" '
        'name="sw-x" ip="10.20.9.2" peran="access-switch">'
        '<mxCell style="rounded=1;html=1;" vertex="1" parent="1">'
        '<mxGeometry x="0" y="0" width="120" height="60" as="geometry"/></mxCell></object>',
        '<object id="p2" label="%name%" name="not-filled"><mxCell style="rounded=1;" vertex="1" parent="1">'
        '<mxGeometry x="300" y="0" width="120" height="60" as="geometry"/></mxCell></object>',
    )
    (sw, raw) = result.topology.devices
    assert (sw.name, sw.mgmt_ip, sw.role) == ("sw-x", "10.20.9.2", "access-switch")
    assert raw.name == "%name%"  # placeholders="1" is not set: draw.io shows the text as typed


def test_a_name_touching_two_icons_names_the_one_it_covers_best() -> None:
    result = read(
        vertex("a", "", SWITCH, 190, 360),
        vertex("ta", "sw-tu", "text;html=1;", 180, 390, 70, 20),  # over the lower part of a
        vertex("b", "", "shape=mxgraph.cisco.servers.fileserver;", 320, 360),
        vertex("tb", "srv-file", "text;html=1;", 231, 375, 80, 20),  # left of b, touching a's edge
        edge("e", "a", "b"),
    )
    assert [d.name for d in result.topology.devices] == ["sw-tu", "srv-file"]
    assert len(result.topology.links) == 1 and not result.report.warnings


def test_a_wired_icon_left_without_a_name_is_a_warning() -> None:
    result = read(
        vertex("r", "rtr-x", ROUTER, 0, 0),
        vertex("s1", "sw-x-01", SWITCH, 200, 0),
        vertex("s2", "sw-x-02", SWITCH, 400, 0),
        vertex("i", "", SWITCH, 600, 0),
        edge("e1", "r", "s1"),
        edge("e2", "s1", "s2"),
        edge("e3", "s2", "i"),
    )
    assert len(result.topology.links) == 2  # two of three lines: no "fewer than half" warning
    (warning,) = result.report.warnings
    assert warning.startswith(
        "1 device icon(s) with lines but no name, left out with their lines: cells i (switch)"
    )


def test_a_line_to_a_group_of_one_device_is_a_line_to_the_device() -> None:
    result = read(
        vertex("g1", "", "group", 100, 100, 80, 80),
        vertex("i1", "", ROUTER, 15, 0, parent="g1"),
        vertex("t1", "rtr-x", "text;html=1;", 0, 55, 80, 20, parent="g1"),
        vertex("g2", "", "group", 400, 100, 80, 80),
        vertex("i2", "", SWITCH, 15, 0, parent="g2"),
        vertex("t2", "sw-x", "text;html=1;", 0, 55, 80, 20, parent="g2"),
        edge("e1", "g1", "g2", "ether2 - ether1"),
    )
    (link,) = result.topology.links
    assert (link.a, link.b) == (LinkEnd(device="rtr-x", port="ether2"), LinkEnd(device="sw-x", port="ether1"))
