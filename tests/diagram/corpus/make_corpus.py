# ruff: noqa: E501  (the XML of a diagram reads best on one line)
"""Write the diagram corpus: four SKPD LANs (and changed versions) drawn in the styles public draw.io
templates and generators use, each with what it must read (``<file>.expected.json``).

Run ``.venv/bin/python tests/diagram/corpus/make_corpus.py`` to write them again; the files are
committed, so a change here shows as a diff. The styles, and where each is seen in public:

- ``labelled``: stencil with the label under it (``verticalLabelPosition=bottom``), edge label
  ``ether2 - ether1`` (diagrams.net's own network templates);
- ``icons-text``: unlabelled Cisco icons with a separate text under each, port labels near the line
  ends, building boxes drawn behind the devices, an Internet cloud and a legend (public campus
  templates, e.g. draw.io's "Network" template gallery);
- ``n2g``: what N2G (``N2G.drawio_diagram``) writes: ``<object>`` nodes, end labels with
  ``relative="1"`` and ``relative="-1"``;
- ``placeholders``: ``placeholders="1"`` labels ``%name%`` filled from "Edit Data", ports as
  ``port_a``/``port_b`` data (netbox-topology-views style exports);
- ``images``: clip-art images (``image=img/lib/clip_art/networking/...``) with the name to the right,
  both ports on one mid-line label;
- ``gcp``: Google Cloud icons (``mxgraph.gcp.networking.cloud_router``) labelled, in a swimlane;
- ``cisco19``: ``mxgraph.cisco19.rect;prIcon=...`` icons with the name text laid over the icon;
- ``callouts``: labelled devices, notes with callout lines pointing at empty space;
- ``unglued``: lines drawn near the devices but not attached to them (read: no links; a warning).

Pages are written plain, compressed, or inside a ``.drawio.svg`` / ``.drawio.png`` picture.
"""

from __future__ import annotations

import base64
import html
import json
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).resolve().parent
ORIGIN = "written for simpul's corpus in the style named; licence: the project's own (same as simpul)"


@dataclass(frozen=True)
class Dev:
    name: str
    kind: str  # router, switch, server, wireless, firewall
    ip: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class Lan:
    skpd: str
    date: str
    devices: tuple[Dev, ...]
    links: tuple[tuple[str, str, str, str], ...]  # a, port a, b, port b
    vlans: tuple[tuple[int, str, str], ...]
    buildings: dict[str, tuple[str, ...]] = field(default_factory=dict)  # box title -> device names


DISDIK = Lan(
    "disdik",
    "2026-06-15",
    (
        Dev("rtr-disdik", "router", "10.20.3.1", "RB4011"),
        Dev("sw-disdik-01", "switch", "10.20.3.2", "CRS328-24P"),
        Dev("sw-disdik-02", "switch", "10.20.3.3", "CSS610"),
        Dev("ap-disdik-01", "wireless", "10.20.3.10", "cAP ac"),
        Dev("srv-disdik", "server", "10.20.3.20"),
    ),
    (
        ("rtr-disdik", "ether2", "sw-disdik-01", "ether1"),
        ("sw-disdik-01", "ether24", "sw-disdik-02", "ether1"),
        ("sw-disdik-01", "ether10", "ap-disdik-01", "ether1"),
        ("sw-disdik-02", "ether8", "srv-disdik", "eth0"),
    ),
    ((30, "Disdik-Staf", "10.20.3.0/24"), (31, "Disdik-Tamu", "10.20.31.0/24")),
    {"Gedung A": ("rtr-disdik", "sw-disdik-01", "ap-disdik-01"), "Gedung B": ("sw-disdik-02", "srv-disdik")},
)

DINKES = Lan(
    "dinkes",
    "2026-05-02",
    (
        Dev("RTR-DINKES", "router", "10.20.4.1", "ISR4331"),
        Dev("SW-DINKES-CORE", "switch", "10.20.4.2", "C9300-24T"),
        Dev("SW-DINKES-LT1", "switch", "10.20.4.3", "C2960X-24"),
        Dev("SW-DINKES-LT2", "switch", "10.20.4.4", "C2960X-24"),
        Dev("FW-DINKES", "firewall", "10.20.4.254"),
    ),
    (
        ("FW-DINKES", "port2", "RTR-DINKES", "Gi0/0/0"),
        ("RTR-DINKES", "Gi0/0/1", "SW-DINKES-CORE", "Gi1/0/1"),
        ("SW-DINKES-CORE", "Gi1/0/2", "SW-DINKES-LT1", "Gi0/1"),
        ("SW-DINKES-CORE", "Gi1/0/3", "SW-DINKES-LT2", "Gi0/1"),
    ),
    ((121, "Dinkes-Staf", "10.20.121.0/24"), (122, "Dinkes-Puskesmas", "10.20.122.0/24")),
    {"Lantai 1": ("SW-DINKES-LT1",), "Lantai 2": ("SW-DINKES-LT2",)},
)

BAPPEDA = Lan(
    "bappeda",
    "2026-03-10",
    (
        Dev("rtr-bappeda", "router", "10.20.5.1", "hEX S"),
        Dev("sw-bappeda-01", "switch", "10.20.5.2", "CRS326"),
        Dev("ap-bappeda-01", "wireless", "10.20.5.10"),
        Dev("ap-bappeda-02", "wireless", "10.20.5.11"),
    ),
    (
        ("rtr-bappeda", "ether2", "sw-bappeda-01", "ether1"),
        ("sw-bappeda-01", "ether5", "ap-bappeda-01", "ether1"),
        ("sw-bappeda-01", "ether6", "ap-bappeda-02", "ether1"),
    ),
    ((50, "Bappeda", "10.20.5.0/24"),),
)

SETDA = Lan(
    "setda",
    "2026-04-20",
    (
        Dev("rtr-setda", "router", "10.20.6.1", "CCR2004"),
        Dev("sw-setda-core", "switch", "10.20.6.2", "CRS354"),
        Dev("sw-setda-tu", "switch", "10.20.6.3"),
        Dev("sw-setda-humas", "switch", "10.20.6.4"),
        Dev("srv-setda-file", "server", "10.20.6.20"),
        Dev("ap-setda-aula", "wireless", "10.20.6.30"),
    ),
    (
        ("rtr-setda", "sfp-sfpplus1", "sw-setda-core", "sfp-sfpplus1"),
        ("sw-setda-core", "ether2", "sw-setda-tu", "ether1"),
        ("sw-setda-core", "ether3", "sw-setda-humas", "ether1"),
        ("sw-setda-core", "ether4", "srv-setda-file", "eth0"),
        ("sw-setda-humas", "ether8", "ap-setda-aula", "ether1"),
    ),
    ((60, "Setda-TU", "10.20.60.0/24"), (61, "Setda-Humas", "10.20.61.0/24")),
)


def changed_disdik() -> Lan:
    """DISDIK a year on: a switch added, a cable moved, VLAN 31 renumbered, an address changed."""
    devices = tuple(replace(d, ip="10.20.3.21") if d.name == "srv-disdik" else d for d in DISDIK.devices)
    return replace(
        DISDIK,
        date="2027-06-10",
        devices=(*devices, Dev("sw-disdik-03", "switch", "10.20.3.4")),
        links=(
            ("rtr-disdik", "ether2", "sw-disdik-01", "ether1"),
            ("sw-disdik-01", "ether23", "sw-disdik-02", "ether1"),
            ("sw-disdik-01", "ether10", "ap-disdik-01", "ether1"),
            ("sw-disdik-02", "ether8", "srv-disdik", "eth0"),
            ("sw-disdik-02", "ether9", "sw-disdik-03", "ether1"),
        ),
        vlans=((30, "Disdik-Staf", "10.20.3.0/24"), (35, "Disdik-Tamu", "10.20.31.0/24")),
        buildings={},
    )


def changed_dinkes() -> Lan:
    """DINKES renumbered VLAN 121 -> 125, LT2's switch gone, the firewall replaced by another model."""
    return replace(
        DINKES,
        date="2026-11-01",
        devices=tuple(
            replace(d, model="FG-60F") if d.name == "FW-DINKES" else d
            for d in DINKES.devices
            if d.name != "SW-DINKES-LT2"
        ),
        links=DINKES.links[:3],
        vlans=((125, "Dinkes-Staf", "10.20.121.0/24"), (122, "Dinkes-Puskesmas", "10.20.122.0/24")),
        buildings={},
    )


def changed_setda() -> Lan:
    """SETDA: the access point moved to the TU switch, a device model stated where it was not."""
    return replace(
        SETDA,
        links=(*SETDA.links[:4], ("sw-setda-tu", "ether8", "ap-setda-aula", "ether1")),
    )


# -- layout ---------------------------------------------------------------------------------------

SIZE = 50


def positions(lan: Lan) -> dict[str, tuple[int, int]]:
    """Layers from the first device down the links, 200 px apart."""
    depth = {lan.devices[0].name: 0}
    changed = True
    while changed:
        changed = False
        for a, _, b, _ in lan.links:
            for x, y in ((a, b), (b, a)):
                if x in depth and y not in depth:
                    depth[y] = depth[x] + 1
                    changed = True
    for d in lan.devices:
        depth.setdefault(d.name, max(depth.values()) + 1)
    out: dict[str, tuple[int, int]] = {}
    per_row: dict[int, int] = {}
    for d in lan.devices:
        row = depth[d.name]
        col = per_row.get(row, 0)
        per_row[row] = col + 1
        out[d.name] = (120 + col * 220, 120 + row * 180)
    return out


# -- XML helpers ----------------------------------------------------------------------------------


def cell(
    cid: str, value: str = "", style: str = "", *, parent: str = "1", geo: str = "", **attrs: str
) -> str:
    extra = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    return (
        f"<mxCell id={quoteattr(cid)} value={quoteattr(value)} style={quoteattr(style)}{extra} "
        f'parent="{parent}">{geo}</mxCell>'
    )


def vgeo(x: float, y: float, w: float, h: float) -> str:
    return f'<mxGeometry x="{x}" y="{y}" width="{w}" height="{h}" as="geometry"/>'


EGEO = '<mxGeometry relative="1" as="geometry"/>'


def end_label(cid: str, edge: str, text: str, x: float, relative: str = "1") -> str:
    style = "edgeLabel;html=1;align=center;verticalAlign=middle;resizable=0;points=[];labelBackgroundColor=#ffffff;"
    geo = f'<mxGeometry x="{x}" relative="{relative}" as="geometry"><mxPoint as="offset"/></mxGeometry>'
    return cell(cid, text, style, parent=edge, geo=geo, vertex="1", connectable="0")


def note_text(lan: Lan) -> str:
    lines = [f"SKPD: {lan.skpd}", f"Tanggal: {lan.date}"] + [f"VLAN {v} {n} {s}" for v, n, s in lan.vlans]
    return "<br>".join(html.escape(line) for line in lines)


def note(lan: Lan, x: int = 900, y: int = 40) -> str:
    return cell(
        "note1",
        note_text(lan),
        "text;html=1;align=left;verticalAlign=top;whiteSpace=wrap;",
        geo=vgeo(x, y, 260, 120),
        vertex="1",
    )


def page(name: str, body: list[str]) -> str:
    return (
        f'<diagram id="{quote(name)}" name="{html.escape(name)}"><mxGraphModel dx="1200" dy="800" grid="1" '
        'gridSize="10"><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
        + "".join(body)
        + "</root></mxGraphModel></diagram>"
    )


def mxfile(pages: list[str], *, compressed: bool = False) -> str:
    if compressed:
        pages = [compress_page(p) for p in pages]
    return (
        '<mxfile host="app.diagrams.net" modified="2026-06-15T08:00:00.000Z" type="device">'
        + "".join(pages)
        + "</mxfile>"
    )


def compress_page(page_xml: str) -> str:
    head, _, rest = page_xml.partition("><mxGraphModel")
    model = "<mxGraphModel" + rest[: -len("</diagram>")]
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = deflate.compress(quote(model, safe="").encode()) + deflate.flush()
    return head + ">" + base64.b64encode(data).decode() + "</diagram>"


# -- styles ---------------------------------------------------------------------------------------

CISCO = {
    "router": "shape=mxgraph.cisco.routers.router",
    "switch": "shape=mxgraph.cisco.switches.workgroup_switch",
    "server": "shape=mxgraph.cisco.servers.fileserver",
    "wireless": "shape=mxgraph.cisco.wireless.access_point",
    "firewall": "shape=mxgraph.cisco.security.firewall",
}
ICON = ";html=1;pointerEvents=1;dashed=0;fillColor=#036897;strokeColor=#ffffff;strokeWidth=2;aspect=fixed;"


def label(d: Dev) -> str:
    lines = [f"<b>{html.escape(d.name)}</b>"]
    if d.ip:
        lines.append(f"IP: {d.ip}")
    if d.model:
        lines.append(f"Model: {html.escape(d.model)}")
    return "<br>".join(lines)


def style_labelled(lan: Lan) -> list[str]:
    pos = positions(lan)
    ids = {d.name: f"d{i}" for i, d in enumerate(lan.devices, 1)}
    body = [
        cell(
            ids[d.name],
            label(d),
            CISCO[d.kind] + ICON + "verticalLabelPosition=bottom;verticalAlign=top;align=center;",
            geo=vgeo(*pos[d.name], SIZE, SIZE),
            vertex="1",
        )
        for d in lan.devices
    ]
    for i, (a, pa, b, pb) in enumerate(lan.links, 1):
        body.append(
            cell(
                f"e{i}",
                f"{pa} - {pb}",
                "endArrow=none;html=1;",
                geo=EGEO,
                edge="1",
                source=ids[a],
                target=ids[b],
            )
        )
    return [*body, note(lan)]


def style_icons_text(lan: Lan) -> list[str]:
    """Unlabelled icons, a text under each, end labels, building boxes behind, a cloud, a legend."""
    pos = positions(lan)
    ids = {d.name: f"i{i}" for i, d in enumerate(lan.devices, 1)}
    body = []
    for n, (title, names) in enumerate(lan.buildings.items(), 1):
        xs = [pos[x][0] for x in names]
        ys = [pos[x][1] for x in names]
        body.append(
            cell(
                f"area{n}",
                title,
                "rounded=0;whiteSpace=wrap;html=1;fillColor=#f5f5f5;strokeColor=#666666;dashed=1;verticalAlign=top;align=left;",
                geo=vgeo(
                    min(xs) - 40, min(ys) - 40, max(xs) - min(xs) + SIZE + 80, max(ys) - min(ys) + SIZE + 90
                ),
                vertex="1",
            )
        )
    for d in lan.devices:
        x, y = pos[d.name]
        body.append(cell(ids[d.name], "", CISCO[d.kind] + ICON, geo=vgeo(x, y, SIZE, SIZE), vertex="1"))
        text = html.escape(d.name) + (f"<br>{d.ip}" if d.ip else "")
        body.append(
            cell(
                f"t{ids[d.name]}",
                text,
                "text;html=1;align=center;verticalAlign=top;",
                geo=vgeo(x - 35, y + SIZE + 2, 120, 36),
                vertex="1",
            )
        )
    for i, (a, pa, b, pb) in enumerate(lan.links, 1):
        body.append(
            cell(
                f"e{i}",
                "",
                "endArrow=none;html=1;strokeWidth=2;",
                geo=EGEO,
                edge="1",
                source=ids[a],
                target=ids[b],
            )
        )
        body.append(end_label(f"e{i}s", f"e{i}", pa, -0.7))
        body.append(end_label(f"e{i}t", f"e{i}", pb, 0.7))
    first = lan.devices[0].name
    body.append(
        cell(
            "cloud",
            "Internet",
            "ellipse;shape=cloud;whiteSpace=wrap;html=1;",
            geo=vgeo(pos[first][0] - 20, 0, 100, 60),
            vertex="1",
        )
    )
    body.append(
        cell("ecloud", "", "endArrow=none;html=1;", geo=EGEO, edge="1", source="cloud", target=ids[first])
    )
    body.append(
        cell(
            "legend", "Keterangan", "swimlane;html=1;startSize=20;", geo=vgeo(1250, 40, 200, 160), vertex="1"
        )
    )
    body.append(
        cell("lg1", "", CISCO["router"] + ICON, parent="legend", geo=vgeo(10, 30, 40, 40), vertex="1")
    )
    body.append(cell("lg1t", "Router", "text;html=1;", parent="legend", geo=vgeo(60, 40, 80, 20), vertex="1"))
    body.append(
        cell("lg2", "", CISCO["switch"] + ICON, parent="legend", geo=vgeo(10, 100, 40, 40), vertex="1")
    )
    body.append(
        cell("lg2t", "Switch", "text;html=1;", parent="legend", geo=vgeo(60, 110, 80, 20), vertex="1")
    )
    return [*body, note(lan)]


def style_hand_placed(lan: Lan) -> list[str]:
    """Unlabelled icons 130 px apart, each name typed where its author liked: under, over, left or
    right, a few pixels off, sometimes over the icon; a page title across the top; ports near ends."""
    pos = {
        name: (60 + (x - 120) * 130 // 220, 100 + (y - 120) * 130 // 180)
        for name, (x, y) in positions(lan).items()
    }
    ids = {d.name: f"h{i}" for i, d in enumerate(lan.devices, 1)}
    sides = ["below", "right", "above", "over", "left", "below"]
    body = [
        cell(
            "title",
            f"Topologi Jaringan {lan.skpd.upper()}",
            "text;html=1;fontSize=20;",
            geo=vgeo(40, 20, 700, 40),
            vertex="1",
        )
    ]
    for n, d in enumerate(lan.devices):
        x, y = pos[d.name]
        body.append(cell(ids[d.name], "", CISCO[d.kind] + ICON, geo=vgeo(x, y, SIZE, SIZE), vertex="1"))
        side, off = sides[n % len(sides)], (n * 5) % 11
        box = {
            "below": (x - 15, y + SIZE + off, 80, 20),
            "above": (x - 15, y - 20 - off, 80, 20),
            "right": (x + SIZE + off, y + 15, 80, 20),
            "left": (x - 80 - off, y + 15, 80, 20),
            "over": (x - 10, y + 30, 70, 20),
        }[side]
        body.append(cell(f"n{ids[d.name]}", html.escape(d.name), "text;html=1;", geo=vgeo(*box), vertex="1"))
    for i, (a, pa, b, pb) in enumerate(lan.links, 1):
        body.append(
            cell(f"e{i}", "", "endArrow=none;html=1;", geo=EGEO, edge="1", source=ids[a], target=ids[b])
        )
        body.append(end_label(f"e{i}s", f"e{i}", pa, -0.6))
        body.append(end_label(f"e{i}t", f"e{i}", pb, 0.6))
    return [*body, note(lan)]


def style_n2g(lan: Lan) -> list[str]:
    pos = positions(lan)
    body = []
    for d in lan.devices:
        data = f' ip="{d.ip}"' if d.ip else ""
        body.append(
            f'<object id="{d.name}" label="{html.escape(d.name)}"{data}><mxCell style="rounded=1;whiteSpace=wrap;html=1;" '
            f'vertex="1" parent="1">{vgeo(*pos[d.name], 120, 60)}</mxCell></object>'
        )
    for i, (a, pa, b, pb) in enumerate(lan.links, 1):
        lid = f"{a}:{b}:{i}"
        body.append(
            f'<object id="{lid}" label=""><mxCell style="endArrow=none;" edge="1" parent="1" source="{a}" target="{b}">'
            f"{EGEO}</mxCell></object>"
        )
        body.append(end_label(f"{lid}-src", lid, pa, -0.5))
        body.append(end_label(f"{lid}-trgt", lid, pb, 0.5, relative="-1"))
    return [*body, note(lan)]


def style_placeholders(lan: Lan) -> list[str]:
    pos = positions(lan)
    body = []
    for i, d in enumerate(lan.devices, 1):
        body.append(
            f'<object id="p{i}" placeholders="1" label="&lt;b&gt;%name%&lt;/b&gt;&lt;br&gt;IP: %ip%" name="{d.name}" '
            f'ip="{d.ip}" model="{d.model or ""}"><mxCell style="rounded=1;whiteSpace=wrap;html=1;fillColor=#dae8fc;" '
            f'vertex="1" parent="1">{vgeo(*pos[d.name], 140, 50)}</mxCell></object>'
        )
    ids = {d.name: f"p{i}" for i, d in enumerate(lan.devices, 1)}
    for i, (a, pa, b, pb) in enumerate(lan.links, 1):
        body.append(
            f'<object id="l{i}" label="" port_a="{pa}" port_b="{pb}"><mxCell style="endArrow=none;html=1;" edge="1" '
            f'parent="1" source="{ids[a]}" target="{ids[b]}">{EGEO}</mxCell></object>'
        )
    return [*body, note(lan)]


IMAGES = {
    "router": "img/lib/clip_art/networking/Router_Icon_128x128.png",
    "switch": "img/lib/clip_art/networking/Switch_128x128.png",
    "server": "img/lib/clip_art/computers/Server_Tower_128x128.png",
    "wireless": "img/lib/clip_art/networking/Wireless_Router_N_128x128.png",
    "firewall": "img/lib/clip_art/networking/Firewall_02_128x128.png",
}


def style_images(lan: Lan) -> list[str]:
    pos = positions(lan)
    ids = {d.name: f"img{i}" for i, d in enumerate(lan.devices, 1)}
    body = []
    for d in lan.devices:
        x, y = pos[d.name]
        body.append(
            cell(
                ids[d.name],
                "",
                f"image;html=1;image={IMAGES[d.kind]};aspect=fixed;",
                geo=vgeo(x, y, SIZE, SIZE),
                vertex="1",
            )
        )
        text = f"{html.escape(d.name)}<br>{d.ip}" if d.ip else html.escape(d.name)
        body.append(
            cell(
                f"lbl{ids[d.name]}",
                text,
                "text;html=1;align=left;",
                geo=vgeo(x + SIZE + 4, y + 5, 110, 40),
                vertex="1",
            )
        )
    for i, (a, pa, b, pb) in enumerate(lan.links, 1):
        body.append(
            cell(f"e{i}", "", "endArrow=none;html=1;", geo=EGEO, edge="1", source=ids[a], target=ids[b])
        )
        body.append(end_label(f"e{i}m", f"e{i}", f"{pa} - {pb}", 0))
    return [*body, note(lan)]


GCP = {
    "router": "shape=mxgraph.gcp.networking.cloud_router",
    "switch": "shape=mxgraph.cisco.switches.layer_3_switch",
    "server": "shape=mxgraph.gcp.compute.compute_engine",
    "wireless": "shape=mxgraph.cisco.wireless.access_point",
    "firewall": "shape=mxgraph.gcp.networking.cloud_firewall_rules",
}


def style_gcp(lan: Lan) -> list[str]:
    """Labelled GCP icons (a cloud router among them) inside a swimlane; clouds in the page too."""
    pos = positions(lan)
    ids = {d.name: f"g{i}" for i, d in enumerate(lan.devices, 1)}
    body = [
        cell(
            "lane",
            f"Kantor {lan.skpd}",
            "swimlane;html=1;startSize=24;",
            geo=vgeo(40, 60, 1000, 800),
            vertex="1",
        )
    ]
    for d in lan.devices:
        x, y = pos[d.name]
        body.append(
            cell(
                ids[d.name],
                label(d),
                GCP[d.kind] + ";html=1;verticalLabelPosition=bottom;verticalAlign=top;",
                parent="lane",
                geo=vgeo(x - 40, y - 60 + 40, SIZE, SIZE),
                vertex="1",
            )
        )
    for i, (a, pa, b, pb) in enumerate(lan.links, 1):
        body.append(
            cell(
                f"e{i}",
                f"{pa} – {pb}",
                "endArrow=none;html=1;",
                geo=EGEO,
                edge="1",
                source=ids[a],
                target=ids[b],
            )
        )
    body.append(
        cell(
            "inet", "Internet", "shape=mxgraph.networks.cloud;html=1;", geo=vgeo(1100, 60, 90, 60), vertex="1"
        )
    )
    body.append(
        cell(
            "einet", "", "endArrow=none;", geo=EGEO, edge="1", source="inet", target=ids[lan.devices[0].name]
        )
    )
    return [*body, note(lan, x=1100, y=200)]


CISCO19 = {
    "router": "router",
    "switch": "l3_switch",
    "server": "server",
    "wireless": "wireless_router",
    "firewall": "firewall",
}


def style_cisco19(lan: Lan) -> list[str]:
    """cisco19 icons; the name typed in a text box laid over the lower part of the icon."""
    pos = positions(lan)
    ids = {d.name: f"c{i}" for i, d in enumerate(lan.devices, 1)}
    body = []
    for d in lan.devices:
        x, y = pos[d.name]
        body.append(
            cell(
                ids[d.name],
                "",
                f"points=[];aspect=fixed;html=1;shape=mxgraph.cisco19.rect;prIcon={CISCO19[d.kind]};fillColor=#FAFAFA;strokeColor=#005073;",
                geo=vgeo(x, y, 64, 64),
                vertex="1",
            )
        )
        body.append(
            cell(
                f"n{ids[d.name]}",
                f"<font style='font-size:9px'>{html.escape(d.name)}</font>",
                "text;html=1;align=center;",
                geo=vgeo(x - 20, y + 44, 104, 20),
                vertex="1",
            )
        )
    for i, (a, pa, b, pb) in enumerate(lan.links, 1):
        body.append(
            cell(f"e{i}", "", "endArrow=none;html=1;", geo=EGEO, edge="1", source=ids[a], target=ids[b])
        )
        body.append(end_label(f"e{i}a", f"e{i}", pa, -0.8))
        body.append(end_label(f"e{i}b", f"e{i}", pb, 0.8))
    return [*body, note(lan)]


def style_callouts(lan: Lan) -> list[str]:
    body = style_labelled(lan)
    body.append(cell("c1", "Lemari server lantai 1", "text;html=1;", geo=vgeo(600, 40, 160, 30), vertex="1"))
    body.append(
        '<mxCell id="callout1" style="endArrow=classic;html=1;dashed=1;" edge="1" parent="1" source="c1">'
        '<mxGeometry relative="1" as="geometry"><mxPoint x="400" y="150" as="targetPoint"/></mxGeometry></mxCell>'
    )
    body.append(
        '<mxCell id="free1" style="endArrow=none;html=1;" edge="1" parent="1">'
        '<mxGeometry relative="1" as="geometry"><mxPoint x="20" y="700" as="sourcePoint"/>'
        '<mxPoint x="900" y="700" as="targetPoint"/></mxGeometry></mxCell>'
    )
    return body


def style_unglued(lan: Lan) -> list[str]:
    """Labelled devices; the lines drawn between them but never attached (a common mistake)."""
    pos = positions(lan)
    body = [
        cell(
            f"u{i}",
            label(d),
            CISCO[d.kind] + ICON + "verticalLabelPosition=bottom;",
            geo=vgeo(*pos[d.name], SIZE, SIZE),
            vertex="1",
        )
        for i, d in enumerate(lan.devices, 1)
    ]
    for i, (a, _, b, _) in enumerate(lan.links, 1):
        (ax, ay), (bx, by) = pos[a], pos[b]
        body.append(
            f'<mxCell id="line{i}" style="endArrow=none;html=1;" edge="1" parent="1"><mxGeometry relative="1" as="geometry">'
            f'<mxPoint x="{ax + 25}" y="{ay + 55}" as="sourcePoint"/><mxPoint x="{bx + 25}" y="{by - 5}" as="targetPoint"/>'
            "</mxGeometry></mxCell>"
        )
    return [*body, note(lan)]


def multipage(lan: Lan) -> list[str]:
    """An overview page (router + core) and one page per building, icons named by texts."""
    first, second = lan.devices[0], lan.devices[1]
    overview = Lan(lan.skpd, lan.date, (first, second), lan.links[:1], lan.vlans)
    rest = Lan(lan.skpd, lan.date, lan.devices[1:], lan.links[1:], ())
    body_rest = [c for c in style_icons_text(replace(rest, buildings={})) if 'id="note1"' not in c]
    return [page("Ikhtisar", style_labelled(overview)), page("Gedung", body_rest)]


# -- pictures -------------------------------------------------------------------------------------


def svg(xml: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
        f'width="1200px" height="800px" viewBox="-0.5 -0.5 1200 800" content={quoteattr(xml)}>'
        '<defs/><g><rect x="120" y="120" width="50" height="50" fill="#036897"/></g></svg>\n'
    )


def png(xml: str) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    text = b"mxfile\x00" + quote(xml, safe="").encode()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"tEXt", text)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


# -- corpus ---------------------------------------------------------------------------------------


def expected(lan: Lan, style: str, *, links: bool = True, warnings: int = 0) -> dict[str, object]:
    return {
        "style": style,
        "origin": ORIGIN,
        "skpd": lan.skpd,
        "devices": sorted(d.name for d in lan.devices),
        "links": sorted([[a, pa, b, pb] for a, pa, b, pb in lan.links]) if links else [],
        "vlans": [[v, n, s] for v, n, s in sorted(lan.vlans)],
        "warnings": warnings,
    }


CORPUS: list[tuple[str, Lan, str, Callable[[Lan], str | bytes]]] = [
    # (file, lan, style, writer)
    ("disdik-labelled.drawio", DISDIK, "labelled", lambda lan: mxfile([page("LAN", style_labelled(lan))])),
    (
        "disdik-icons-text.drawio",
        DISDIK,
        "icons-text",
        lambda lan: mxfile([page("LAN", style_icons_text(lan))]),
    ),
    ("disdik-n2g.drawio", DISDIK, "n2g", lambda lan: mxfile([page("Page-1", style_n2g(lan))])),
    (
        "disdik-2027-images.drawio",
        changed_disdik(),
        "images",
        lambda lan: mxfile([page("LAN", style_images(lan))]),
    ),
    (
        "disdik-2027-cisco19.drawio.svg",
        changed_disdik(),
        "cisco19 in .drawio.svg",
        lambda lan: svg(mxfile([page("LAN", style_cisco19(lan))])),
    ),
    (
        "dinkes-icons-text.drawio",
        DINKES,
        "icons-text",
        lambda lan: mxfile([page("LAN", style_icons_text(lan))], compressed=True),
    ),
    ("dinkes-gcp.drawio", DINKES, "gcp", lambda lan: mxfile([page("LAN", style_gcp(lan))])),
    (
        "dinkes-placeholders.drawio",
        DINKES,
        "placeholders",
        lambda lan: mxfile([page("LAN", style_placeholders(lan))]),
    ),
    (
        "dinkes-2026-11-n2g.drawio.png",
        changed_dinkes(),
        "n2g in .drawio.png",
        lambda lan: png(mxfile([page("Page-1", style_n2g(lan))])),
    ),
    (
        "dinkes-2026-11-labelled.drawio",
        changed_dinkes(),
        "labelled",
        lambda lan: mxfile([page("LAN", style_labelled(lan))], compressed=True),
    ),
    ("bappeda-cisco19.drawio", BAPPEDA, "cisco19", lambda lan: mxfile([page("LAN", style_cisco19(lan))])),
    (
        "bappeda-images.drawio.svg",
        BAPPEDA,
        "images in .drawio.svg",
        lambda lan: svg(mxfile([page("LAN", style_images(lan))], compressed=True)),
    ),
    ("bappeda-callouts.drawio", BAPPEDA, "callouts", lambda lan: mxfile([page("LAN", style_callouts(lan))])),
    (
        "setda-multipage.drawio",
        SETDA,
        "multipage: labelled overview + icons-text page",
        lambda lan: mxfile(multipage(lan)),
    ),
    (
        "setda-placeholders.drawio.png",
        SETDA,
        "placeholders in .drawio.png",
        lambda lan: png(mxfile([page("LAN", style_placeholders(lan))])),
    ),
    ("setda-moved-gcp.drawio", changed_setda(), "gcp", lambda lan: mxfile([page("LAN", style_gcp(lan))])),
    ("setda-unglued.drawio", SETDA, "unglued lines", lambda lan: mxfile([page("LAN", style_unglued(lan))])),
    (
        "setda-hand-placed.drawio",
        SETDA,
        "hand-placed names",
        lambda lan: mxfile([page("LAN", style_hand_placed(lan))]),
    ),
    (
        "disdik-2027-hand-placed.drawio",
        changed_disdik(),
        "hand-placed names",
        lambda lan: mxfile([page("LAN", style_hand_placed(lan))], compressed=True),
    ),
]

# Pairs for `lan diff` (expected side, actual side) and the findings a reader of both pictures expects:
# (kind, device or VLAN text) per finding. The same LAN in two styles must give none.
PAIRS = [
    ("disdik-labelled.drawio", "disdik-icons-text.drawio", []),
    ("disdik-labelled.drawio", "disdik-n2g.drawio", []),
    ("dinkes-icons-text.drawio", "dinkes-gcp.drawio", []),
    ("dinkes-gcp.drawio", "dinkes-placeholders.drawio", []),
    ("bappeda-cisco19.drawio", "bappeda-images.drawio.svg", []),
    ("bappeda-images.drawio.svg", "bappeda-callouts.drawio", []),
    ("setda-multipage.drawio", "setda-placeholders.drawio.png", []),
    (
        "disdik-icons-text.drawio",
        "disdik-2027-images.drawio",
        [
            ["undocumented_device", "sw-disdik-03"],
            ["port_mismatch", "sw-disdik-01"],
            ["vlan_mismatch", "VLAN 31 Disdik-Tamu 10.20.31.0/24"],
            ["ip_mismatch", "srv-disdik"],
        ],
    ),
    (
        "disdik-n2g.drawio",
        "disdik-2027-cisco19.drawio.svg",
        [
            ["undocumented_device", "sw-disdik-03"],
            ["port_mismatch", "sw-disdik-01"],
            ["vlan_mismatch", "VLAN 31 Disdik-Tamu 10.20.31.0/24"],
        ],
    ),
    (
        "dinkes-placeholders.drawio",
        "dinkes-2026-11-n2g.drawio.png",
        [["missing_device", "SW-DINKES-LT2"], ["vlan_mismatch", "VLAN 121 Dinkes-Staf 10.20.121.0/24"]],
    ),
    (
        "dinkes-icons-text.drawio",
        "dinkes-2026-11-labelled.drawio",
        [["missing_device", "SW-DINKES-LT2"], ["vlan_mismatch", "VLAN 121 Dinkes-Staf 10.20.121.0/24"]],
    ),
    ("setda-hand-placed.drawio", "setda-multipage.drawio", []),
    (
        "disdik-labelled.drawio",
        "disdik-2027-hand-placed.drawio",
        [
            ["undocumented_device", "sw-disdik-03"],
            ["port_mismatch", "sw-disdik-01"],
            ["vlan_mismatch", "VLAN 31 Disdik-Tamu 10.20.31.0/24"],
        ],
    ),
    ("clab2drawio-dci.drawio", "clab2drawio-dci-mod.drawio", []),
    ("clab2drawio-anysec.drawio", "clab2drawio-anysec-mod.drawio", []),
    (
        "setda-placeholders.drawio.png",
        "setda-moved-gcp.drawio",
        [["missing_link", "ap-setda-aula"], ["undocumented_link", "ap-setda-aula"]],
    ),
]


# Public diagrams kept as they were published (not written by main()), and what they must read.
DRAWIO_TEMPLATES = "jgraph/drawio src/main/webapp/templates/network/{} at commit {} (Apache-2.0)"
PUBLIC: dict[str, dict[str, Any]] = {
    "drawio-template-lan.drawio": {
        "style": "diagrams.net template 'LAN': unnamed icons, areas, clouds",
        "origin": DRAWIO_TEMPLATES.format("lan.xml", "6c66d8c3ecf59a00e110b92832504ad1f9530140"),
        "skpd": None,
        "devices": [],
        "links": [],
        "vlans": [],
        "warnings": 1,  # 32 lines, no device named: says so, exit 1
    },
    "drawio-template-enterprise-1.drawio": {
        "style": "diagrams.net template 'Enterprise 1': clip-art icons, captions",
        "origin": DRAWIO_TEMPLATES.format("enterprise_1.xml", "6c66d8c3ecf59a00e110b92832504ad1f9530140"),
        "skpd": None,
        "problems": ["cell 167"],  # the caption 'HEAD OFFICE' sits as near to a router as to a firewall
    },
    "drawio-template-cisco-2.drawio": {
        "style": "diagrams.net template 'Cisco 2': five routers all labelled 'Route'",
        "origin": DRAWIO_TEMPLATES.format("cisco_2.xml", "5ae20428d0da233cf3fad0bcd282a472343ae56d"),
        "skpd": None,
        "problems": [f"cell 1c7a67bf8fd3230f-{n}" for n in (2, 3, 4, 5)],  # all four duplicates, one run
    },
}


# clab2drawio outputs (srl-labs/clab-io-draw, MIT, see clab2drawio/README.md): what each must read
# comes from the containerlab topology it was drawn from; ports drawn on top of each other where two
# lines meet a device cannot be attributed, and are expected unknown.
CLAB = {
    "br01": (),
    "clos01": (),
    "hori": (("vswitch-1", "eth2"), ("vswitch-1", "eth3")),
    "st": (),
    "sros4": (),
    "dci": (("p1", "eth5"), ("p1", "eth6")),
    "dci-mod": (),  # the same lab laid out by graph-level labels
    "anysec": (),
    "anysec-mod": (("ce6", "eth6"),),
}


def clab_expected(name: str, unknown: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    import yaml

    topo = yaml.safe_load((HERE / "clab2drawio" / f"{name}.clab.yml").read_text())["topology"]
    links = []
    for link in topo.get("links", []):
        (a, pa), (b, pb) = (end.split(":", 1) for end in link["endpoints"])
        if a == b:
            continue  # a loop on one node: a line from a device to itself is no LAN link
        pa = None if (a, pa) in unknown else pa
        pb = None if (b, pb) in unknown else pb
        links.append([a, pa, b, pb])
    return {
        "style": "clab2drawio output (port badges on the lines)",
        "origin": f"srl-labs/clab-io-draw lab-examples/{name}.clab.drawio at commit "
        "06d2a22582e082545661ea73633d5aef1e6d5832 (MIT); expected from its .clab.yml",
        "skpd": None,
        "devices": sorted({end for a, _, b, _ in links for end in (a, b)}),
        "links": sorted(links, key=lambda x: [str(v) for v in x]),
        "vlans": [],
        "warnings": 0,
    }


def main() -> None:
    for name, lan, style, write in CORPUS:
        data = write(lan)
        path = HERE / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data + ("" if data.endswith("\n") else "\n"))
        links = style != "unglued lines"
        exp = expected(lan, style, links=links, warnings=0 if links else 1)
        (HERE / f"{name}.expected.json").write_text(json.dumps(exp, indent=2) + "\n")
    for name, unknown in CLAB.items():
        exp = clab_expected(name, unknown)
        (HERE / f"clab2drawio-{name}.drawio.expected.json").write_text(json.dumps(exp, indent=2) + "\n")
    for name, exp in PUBLIC.items():
        (HERE / f"{name}.expected.json").write_text(json.dumps(exp, indent=2) + "\n")
    (HERE / "pairs.json").write_text(json.dumps([list(p) for p in PAIRS], indent=2) + "\n")


if __name__ == "__main__":
    main()
