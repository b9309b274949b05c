"""Golden tests for both diagram readers (napalm style: data/<case>.<ext> + <case>.expected.json).

Regenerate the expected files after an intended change with SIMPUL_REGEN_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from simpul.core.diagram import DIAGRAM_SCHEMA, label_lines, parse_diagram, parse_drawio
from simpul.core.diagram.report import DiagramResult

from .conftest import DATA, ROOT

CASES = sorted(p for p in DATA.iterdir() if p.suffix in (".drawio", ".yaml"))


def facts(result: DiagramResult) -> dict[str, Any]:
    t = result.topology
    return {
        "skpd": t.skpd,
        "date": t.date.isoformat() if t.date else None,
        "devices": [d.model_dump(mode="json") for d in t.devices],
        "links": [link.model_dump(mode="json") for link in t.links],
        "vlans": [v.model_dump(mode="json") for v in t.vlans],
        "pages": list(result.report.pages),
        "compressed_pages": result.report.compressed_pages,
        "ignored": [[i.page, i.ref, i.reason] for i in result.report.ignored],
    }


def read(path: Path) -> DiagramResult:
    return parse_diagram(path.read_text(encoding="utf-8"), source=path.name)


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_golden(path: Path) -> None:
    expected_file = path.with_suffix(".expected.json")
    got = facts(read(path))
    if os.environ.get("SIMPUL_REGEN_GOLDEN"):
        expected_file.write_text(json.dumps(got, indent=2) + "\n")
    assert got == json.loads(expected_file.read_text())


def test_plain_and_compressed_examples_read_the_same() -> None:
    plain = read(DATA / "disdik-lan.drawio").topology
    packed = read(DATA / "disdik-lan-compressed.drawio")
    assert packed.report.compressed_pages == 1
    assert plain.model_copy(update={"source": None}) == packed.topology.model_copy(update={"source": None})


def test_disdik_example_ports_come_from_all_three_conventions() -> None:
    result = read(DATA / "disdik-lan.drawio")
    links = {tuple(sorted([(l.a.device, l.a.port), (l.b.device, l.b.port)])) for l in result.topology.links}  # noqa: E741
    assert links == {
        (("RTR-DISDIK", "ether2"), ("SW-DISDIK-01", "ether1")),  # edge label, source end first
        (("AP-DISDIK-AULA", "ether1"), ("SW-DISDIK-01", "ether12")),  # child labels: x<0 is the source end
        (("NAS-DISDIK", "eth0"), ("SW-DISDIK-01", "ether24")),  # port_a/port_b on the <object>
    }
    via = {item.ref: item.via for item in result.report.read if item.kind == "link"}
    assert via == {"cell e5": "label", "cell e6": "child labels", "cell e9": "port_a/port_b"}


def test_multipage_merges_pages_and_skips_containers_clouds_and_decorations() -> None:
    result = read(DATA / "dinkes-multipage.drawio")
    t = result.topology
    assert [d.name for d in t.devices] == ["rtr-dinkes", "sw-dinkes-01", "sw-dinkes-02"]
    # sw-dinkes-01 is drawn on both pages: IP from page 1, model from page 2
    sw = t.device("SW-DINKES-01")
    assert sw is not None and (sw.mgmt_ip, sw.model) == ("10.20.5.2", "CBS350-24T")
    assert (t.skpd, str(t.date)) == ("dinkes", "2026-03-01")  # the note's date wins over mxfile modified
    assert [v.vid for v in t.vlans] == [50, 51]
    reasons = {(i.page, i.ref): i.reason for i in result.report.ignored}
    assert reasons[("Ikhtisar", "cell c1")].startswith("cloud shape")
    assert reasons[("Ikhtisar", "cell e1")].startswith("line to cell c1")
    assert reasons[("Gedung B", "cell g1")].startswith("swimlane container")
    assert reasons[("Gedung B", "cell p1")].startswith("shape without a label")


def test_mxfile_modified_is_the_fallback_date() -> None:
    xml = (
        '<mxfile modified="2026-04-05T08:00:00.000Z"><diagram name="P"><mxGraphModel><root>'
        '<mxCell id="0"/><mxCell id="1" parent="0"/><mxCell id="a" value="rtr-x" vertex="1" parent="1"/>'
        "</root></mxGraphModel></diagram></mxfile>"
    )
    result = parse_drawio(xml, source="x.drawio")
    assert str(result.topology.date) == "2026-04-05"
    assert any(i.kind == "date" and i.ref == "mxfile modified" for i in result.report.read)


def test_group_parent_of_vertices_is_not_a_device_but_its_children_are() -> None:
    xml = (
        '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
        '<mxCell id="g" value="Lantai 1" style="rounded=0;" vertex="1" parent="1"/>'
        '<mxCell id="a" value="sw-x-01" vertex="1" parent="g"/>'
        '<mxCell id="b" value="" style="group" vertex="1" parent="1"/>'
        "</root></mxGraphModel>"
    )
    result = parse_drawio(xml, source="x.drawio")
    assert [d.name for d in result.topology.devices] == ["sw-x-01"]
    assert {i.ref: i.reason for i in result.report.ignored} == {
        "cell g": "holds other shapes (a container), not a device",
        "cell b": "group (style 'group'), not a device",
    }


@pytest.mark.parametrize(
    ("label", "is_html", "lines"),
    [
        ("<b>RTR</b><br>IP: 10.0.0.1", True, ["RTR", "IP: 10.0.0.1"]),
        ("<div>sw-1</div><div>Model: CRS&amp;X</div>", True, ["sw-1", "Model: CRS&X"]),
        ("sw-1<br/>Role:&nbsp;server", True, ["sw-1", "Role: server"]),
        ("<span style='x'>a</span><p>b</p>", True, ["a", "b"]),
        ("plain\nIP: 10.0.0.2", False, ["plain", "IP: 10.0.0.2"]),
        ("a < b", False, ["a < b"]),
    ],
)
def test_label_lines(label: str, is_html: bool, lines: list[str]) -> None:
    assert label_lines(label, is_html=is_html) == lines


@pytest.mark.parametrize(
    ("note", "vlan"),
    [
        ("VLAN 10 Keuangan 192.168.10.0/24", (10, "Keuangan", "192.168.10.0/24")),
        ("vlan 20: Tata Usaha - 10.1.20.0/24", (20, "Tata Usaha", "10.1.20.0/24")),
        ("VLAN 30", (30, None, None)),
        ("VLAN 40 10.1.40.0/24", (40, None, "10.1.40.0/24")),
    ],
)
def test_vlan_note_lines(note: str, vlan: tuple[int, str | None, str | None]) -> None:
    xml = (
        '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
        f'<mxCell id="n" value="{note}" style="text;" vertex="1" parent="1"/></root></mxGraphModel>'
    )
    (got,) = parse_drawio(xml, source="x.drawio").topology.vlans
    assert (got.vid, got.name, got.subnet) == vlan


def test_published_schema_matches_the_code() -> None:
    published = json.loads((ROOT / "topology" / "schema.json").read_text())
    assert published == DIAGRAM_SCHEMA


def test_every_yaml_in_topology_reads() -> None:
    files = sorted((ROOT / "topology").glob("*.yaml"))
    assert files, "topology/ holds at least one example diagram"
    for path in files:
        t = read(path).topology
        assert t.skpd == path.stem
        assert t.devices


def test_a_middle_label_with_both_ports_is_read() -> None:
    xml = (
        '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
        '<mxCell id="a" value="rtr-x" vertex="1" parent="1"/>'
        '<mxCell id="b" value="sw-x" vertex="1" parent="1"/>'
        '<mxCell id="e" edge="1" parent="1" source="a" target="b"/>'
        '<mxCell id="l" value="ether2 - ether1" style="edgeLabel;" vertex="1" parent="e">'
        '<mxGeometry relative="1" as="geometry"/></mxCell></root></mxGraphModel>'
    )
    (link,) = parse_drawio(xml, source="x.drawio").topology.links
    assert (link.a.port, link.b.port) == ("ether2", "ether1")


def test_yaml_port_may_be_a_number() -> None:
    text = (
        "skpd: x\ndate: 2026-01-01\ndevices: [{name: a}, {name: b}]\n"
        "links:\n  - a: {device: a, port: 24}\n    b: {device: b, port: ether1}\n"
    )
    (link,) = parse_diagram(text, source="x.yaml").topology.links
    assert link.a.port == "24"
