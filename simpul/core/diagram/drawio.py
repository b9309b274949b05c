"""draw.io (diagrams.net) LAN diagrams: read them as agency staff and public templates draw them.

Conventions (docs/diagrams.md has the long form):

- a vertex is a device; the first line of its label is the hostname; HTML labels are allowed
  (tags stripped, ``<br>``/``<div>``/``<p>`` are line breaks, entities unescaped); further lines
  ``IP: ...`` (or a bare address), ``Model: ...``, ``Role: ...``, ``Platform: ...`` are read;
  ``placeholders="1"`` labels (``%name%``) are filled from the cell's data as draw.io does;
- an unlabelled device icon takes its name from the text next to it or on it (by geometry, when
  unambiguous: :mod:`simpul.core.diagram.layout`); a box that holds devices is an area;
- shapes are classified by meaning (:mod:`simpul.core.diagram.shapes`): clouds are outside networks;
- an edge between two device vertices is a link; its ports come from ``port_a``/``port_b``
  properties ("Edit Data"), else the edge label ``PORT_A - PORT_B`` (source end first), else two child
  labels of the edge (relative x < 0 is the source end, x > 0 the target end; any non-zero
  ``relative``), else small labels placed on the line near an end (clab2drawio); a line to a group
  holding one device is a line to that device;
- a text-only vertex (style ``text;``) is a note: ``VLAN 10 Keuangan 192.168.10.0/24`` lines declare
  VLANs, ``SKPD: disdik`` the SKPD, ``Tanggal: 2026-06-15`` (or ``Date:``) the submission date;
- compressed pages (raw deflate + base64 + URL-encoding) are inflated; all pages are merged;
  a ``.drawio.svg`` (``content`` attribute) is read like a ``.drawio`` file;
- every problem of the file is collected and raised at once (:class:`DiagramProblems`).

Examples:
    >>> xml = '''<mxfile><diagram name="LAN"><mxGraphModel><root>
    ... <mxCell id="0"/><mxCell id="1" parent="0"/>
    ... <mxCell id="a" value="&lt;b&gt;rtr-x&lt;/b&gt;&lt;br&gt;IP: 10.20.9.1" style="html=1;"
    ...   vertex="1" parent="1"/>
    ... <mxCell id="b" value="sw-x-01" style="rounded=1;" vertex="1" parent="1"/>
    ... <mxCell id="e" value="ether2 - ether1" edge="1" parent="1" source="a" target="b"/>
    ... <mxCell id="n" value="VLAN 90 X-Staf 10.20.9.0/24" style="text;html=1;" vertex="1" parent="1"/>
    ... </root></mxGraphModel></diagram></mxfile>'''
    >>> t = parse_drawio(xml, source="x.drawio").topology
    >>> [(d.name, d.mgmt_ip) for d in t.devices]
    [('rtr-x', '10.20.9.1'), ('sw-x-01', None)]
    >>> t.links[0].a, t.links[0].b
    (LinkEnd(device='rtr-x', port='ether2'), LinkEnd(device='sw-x-01', port='ether1'))
    >>> t.vlans
    (Vlan(vid=90, name='X-Staf', subnet='10.20.9.0/24'),)
    >>> parse_drawio(topology_to_drawio(t), source="again.drawio").topology.links == t.links
    True
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from simpul.core.diagram.common import parse_date, parse_ip, parse_subnet
from simpul.core.diagram.drawio_write import topology_to_drawio
from simpul.core.diagram.embedded import svg_mxfile
from simpul.core.diagram.layout import Box, along, areas, match_labels
from simpul.core.diagram.report import DiagramProblems, DiagramResult, Ignored, ParseReport, ReadItem
from simpul.core.diagram.shapes import CLOUD, is_device_kind, shape_kind
from simpul.core.diagram.yaml_diagram import describe_device, describe_link, describe_vlan
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan
from simpul.errors import InputError

__all__ = ["label_lines", "parse_drawio", "resolve_placeholders", "topology_to_drawio"]

_BREAK = re.compile(r"<\s*br\s*/?\s*>|<\s*/?\s*(div|p|li|tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_HTML_HINT = re.compile(r"<\s*/?\s*(br|div|p|b|i|u|span|font|strong|em)\b", re.IGNORECASE)
_FIELD_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z .]*?)\s*[:=]\s*(.*?)\s*$")
_BARE_IP = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?\s*$")
_PORTS = re.compile(r"^\s*(\S.*?)\s+(?:-+|–|—|<->|<-+>)\s+(\S.*?)\s*$")
_VLAN = re.compile(
    r"^\s*VLAN\s*[:#]?\s*(\d+)\b[\s:,\-–—]*(.*?)[\s,\-–—]*(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})?\s*$",
    re.IGNORECASE,
)
# draw.io's own placeholder pattern (Graph.prototype.replacePlaceholders)
_PLACEHOLDER = re.compile(r"%([^%{}\s\"'=;]+)%")

_DEVICE_KEYS = {
    "ip": "mgmt_ip",
    "ip address": "mgmt_ip",
    "ip addr": "mgmt_ip",
    "mgmt": "mgmt_ip",
    "mgmt ip": "mgmt_ip",
    "management ip": "mgmt_ip",
    "ip mgmt": "mgmt_ip",
    "alamat ip": "mgmt_ip",
    "model": "model",
    "type": "model",
    "tipe": "model",
    "role": "role",
    "peran": "role",
    "fungsi": "role",
    "platform": "platform",
    "os": "platform",
}
_NOTE_KEYS = {
    "skpd": "skpd",
    "tanggal": "date",
    "date": "date",
    "tanggal diagram": "date",
    "tanggal penyerahan": "date",
    "submitted": "date",
}


def label_lines(value: str, *, is_html: bool) -> list[str]:
    """The non-empty lines of a label, HTML tags stripped and entities unescaped.

    >>> label_lines("<b>RTR-DISDIK</b><br>IP: 10.20.3.1<div>Model:&nbsp;RB4011</div>", is_html=True)
    ['RTR-DISDIK', 'IP: 10.20.3.1', 'Model: RB4011']
    >>> label_lines("sw-1\\nIP: 10.0.0.2", is_html=False)
    ['sw-1', 'IP: 10.0.0.2']
    """
    text = value
    if is_html or _HTML_HINT.search(text):
        text = _BREAK.sub("\n", text)
        text = _TAG.sub("", text)
        text = html.unescape(text)
    text = text.replace("\xa0", " ")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def resolve_placeholders(label: str, lookup: Any) -> str:
    """Fill ``%name%`` from the cell's data, as draw.io does for ``placeholders="1"``.

    ``lookup(name)`` gives the value (the cell's, else its ancestors', else the page's variables) or
    None; an unknown placeholder stays as written, ``%%`` escapes one.

    >>> data = {"name": "sw-lt2", "ip": "10.20.3.12"}
    >>> resolve_placeholders("%name%<br>IP: %ip%<br>%room%", data.get)
    'sw-lt2<br>IP: 10.20.3.12<br>%room%'
    """

    def one(match: re.Match[str]) -> str:
        start = match.start()
        if start > 0 and label[start - 1] == "%":
            return match.group(0)[1:]
        value = lookup(match.group(1))
        return match.group(0) if value is None else str(value)

    return _PLACEHOLDER.sub(one, label)


def _style(style: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in style.split(";"):
        token = raw.strip()
        if token:
            key, _, value = token.partition("=")
            out[key.strip()] = value.strip()
    return out


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class _Cell:
    page: int
    id: str
    value: str
    style: dict[str, str]
    vertex: bool
    edge: bool
    parent: str | None
    source: str | None
    target: str | None
    x: float | None  # position along the parent edge (-1 source end .. 1 target end), for edge labels
    box: Box | None  # own geometry, relative to the parent vertex (if any)
    attrs: dict[str, str] = field(default_factory=dict)
    placeholders: bool = False
    placed: bool = False  # a free label placed on an edge near one end (read as that end's port)

    @property
    def is_html(self) -> bool:
        return self.style.get("html") == "1"

    def lines(self) -> list[str]:
        return label_lines(self.value, is_html=self.is_html)


def _geometry(cell: Element) -> tuple[float | None, Box | None]:
    """(position along an edge for a relative geometry, box for an absolute one)."""
    geometry = cell.find("mxGeometry")
    if geometry is None:
        return None, None
    # any non-zero ``relative`` is relative: mxGraph reads the attribute as a number (N2G writes -1)
    if (_float(geometry.get("relative")) or 0) != 0:
        return _float(geometry.get("x")) or 0.0, None
    x, y = _float(geometry.get("x")) or 0.0, _float(geometry.get("y")) or 0.0
    w, h = _float(geometry.get("width")) or 0.0, _float(geometry.get("height")) or 0.0
    return None, Box(x, y, w, h)


@dataclass
class _Page:
    index: int
    name: str
    root: Element
    compressed: bool
    text: str | None  # the page's inflated XML when it was compressed


def _local(tag: str) -> str:
    """An element name without its namespace: ``{http://www.w3.org/2000/svg}svg`` -> ``svg``."""
    return tag.rsplit("}", 1)[-1]


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        # a diagram inside a picture has no line in the file: the page and cell id say where to look
        self.embedded = source.lower().endswith(".png")
        self.read: list[ReadItem] = []
        self.ignored: list[Ignored] = []
        self.pages: list[_Page] = []
        self.modified: str | None = None
        self.problems: list[InputError] = []

    # -- errors and locations -------------------------------------------------------------------
    def where(self, page: _Page, cell_id: str) -> tuple[int | None, str]:
        """Line (when it can be told) and a field naming page and cell."""
        needle = f'id="{cell_id}"'
        line = None
        if not page.compressed and not self.embedded and self.text.count(needle) == 1:
            line = self.text.count("\n", 0, self.text.index(needle)) + 1
        where = f"page {page.name!r}" + (" (compressed)" if page.compressed else "")
        return line, f"{where} cell {cell_id}"

    def error(self, page: _Page, cell_id: str, message: str, hint: str) -> InputError:
        line, fld = self.where(page, cell_id)
        return InputError(message, source=self.source, line=line, field=fld, hint=hint)

    def problem(self, page: _Page, cell_id: str, message: str, hint: str) -> None:
        """Record a problem and go on: every problem of the file is reported in one run."""
        self.problems.append(self.error(page, cell_id, message, hint))

    def ignore(self, page: _Page, cell: _Cell | None, reason: str, text: str | None = None) -> None:
        ref = f"cell {cell.id}" if cell else "page"
        if text is None and cell is not None:
            text = " / ".join(cell.lines())[:80] or None
        self.ignored.append(Ignored(ref=ref, page=page.name, reason=reason, text=text))

    # -- XML ------------------------------------------------------------------------------------
    def parse_xml(self, text: str, what: str) -> Element:
        try:
            return fromstring(text)  # type: ignore[no-any-return]
        except ParseError as err:
            line = err.position[0] if what == "file" else None
            raise InputError(
                f"broken XML in {what}: {err}",
                source=self.source,
                line=line,
                hint="open the file in diagrams.net and save it again, or restore the last good copy",
            ) from None
        except DefusedXmlException as err:
            raise InputError(
                f"refusing unsafe XML in {what}: {err}",
                source=self.source,
                hint="diagrams.net never writes entity or DTD declarations; export the diagram again",
            ) from None

    def root(self) -> Element:
        root = self.parse_xml(self.text.strip(), "file")
        if _local(root.tag) == "svg":
            self.text = svg_mxfile(root.get("content"), source=self.source)
            self.embedded = True
            root = self.parse_xml(self.text, "the diagram inside the SVG")
        return root

    def load_pages(self) -> None:
        root = self.root()
        if root.tag == "mxGraphModel":
            self.pages.append(_Page(0, "Page-1", root, compressed=False, text=None))
            return
        if root.tag != "mxfile":
            raise InputError(
                f"not a draw.io file: the root element is <{_local(root.tag)}>",
                source=self.source,
                line=1,
                hint="give a .drawio file saved by diagrams.net (root element <mxfile>), "
                "or a .drawio.svg / .drawio.png that includes a copy of the diagram",
            )
        self.modified = root.get("modified")
        for index, diagram in enumerate(root.findall("diagram")):
            name = diagram.get("name") or f"Page-{index + 1}"  # as diagrams.net shows an unnamed page
            model = diagram.find("mxGraphModel")
            if model is not None:
                self.pages.append(_Page(index, name, model, compressed=False, text=None))
                continue
            payload = (diagram.text or "").strip()
            if not payload:
                self.ignored.append(Ignored(ref="page", page=name, reason="empty page"))
                continue
            inner = self.inflate(payload, name)
            if inner is not None:
                model = self.parse_xml(inner, f"compressed page {name!r}")
                self.pages.append(_Page(index, name, model, compressed=True, text=inner))
        if not self.pages and not self.problems:
            raise InputError("the draw.io file has no pages", source=self.source, hint="draw the LAN first")

    def inflate(self, payload: str, page: str) -> str | None:
        try:
            raw = base64.b64decode(payload, validate=False)
            text = zlib.decompress(raw, -15).decode("utf-8")
        except (binascii.Error, zlib.error, UnicodeDecodeError) as err:
            self.problems.append(
                InputError(
                    f"neither XML nor a valid compressed draw.io page ({err})",
                    source=self.source,
                    field=f"page {page!r}",
                    hint="open the file in diagrams.net and save it again",
                )
            )
            return None
        return unquote(text) if text[:3].upper() == "%3C" else text

    def cells(self, page: _Page) -> list[_Cell]:
        root = page.root.find("root")
        if root is None:
            return []
        out: list[_Cell] = []
        for element in root:
            attrs: dict[str, str] = {}
            placeholders = False
            if element.tag in ("object", "UserObject"):
                inner = element.find("mxCell")
                if inner is None:
                    continue
                attrs = {k: v for k, v in element.attrib.items() if k not in ("id", "label", "placeholders")}
                placeholders = element.get("placeholders") == "1"
                cell_id = element.get("id", "")
                value = element.get("label", "")
                cell = inner
            elif element.tag == "mxCell":
                cell_id = element.get("id", "")
                value = element.get("value", "")
                cell = element
            else:
                continue
            x, box = _geometry(cell)
            out.append(
                _Cell(
                    page=page.index,
                    id=cell_id,
                    value=value,
                    style=_style(cell.get("style", "")),
                    vertex=cell.get("vertex") == "1",
                    edge=cell.get("edge") == "1",
                    parent=cell.get("parent"),
                    source=cell.get("source"),
                    target=cell.get("target"),
                    x=x,
                    box=box,
                    attrs=attrs,
                    placeholders=placeholders,
                )
            )
        return out


@dataclass
class _Merged:
    devices: dict[str, TopoDevice] = field(default_factory=dict)
    device_where: dict[str, str] = field(default_factory=dict)
    device_read: dict[str, int] = field(default_factory=dict)  # index of its ReadItem
    links: dict[Any, TopoLink] = field(default_factory=dict)
    vlans: dict[int, Vlan] = field(default_factory=dict)
    skpd: str | None = None
    date: Any = None
    lines: int = 0  # lines that should be links: not callouts, not lines to a cloud or a note
    lines_read: int = 0  # of those, read as links (a link drawn again counts)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (where, why) of the others
    unnamed: list[str] = field(default_factory=list)  # device icons with lines but no name


def _container_reason(cell: _Cell, has_children: bool) -> str | None:
    style = cell.style
    if "group" in style:
        return "group (style 'group'), not a device"
    if style.get("container") == "1":
        return "container (container=1), not a device"
    if "swimlane" in style or style.get("shape") == "swimlane":
        return "swimlane container, not a device"
    if has_children:
        return "holds other shapes (a container), not a device"
    return None


def parse_drawio(text: str, *, source: str) -> DiagramResult:
    """Read a .drawio file's text (plain or compressed, one or more pages, or a .drawio.svg's text)
    into a Topology; every problem in the file is raised at once (:class:`DiagramProblems`)."""
    reader = _Reader(text, source)
    reader.load_pages()
    merged = _Merged()
    compressed = 0
    for page in reader.pages:
        compressed += page.compressed
        _read_page(reader, page, reader.cells(page), merged)
    if reader.problems:
        raise DiagramProblems.of(reader.problems, source=source)

    if merged.date is None and reader.modified:
        merged.date = parse_date(reader.modified, source=source, field="mxfile modified")
        reader.read.append(
            ReadItem(
                kind="date",
                ref="mxfile modified",
                summary=f"{merged.date.isoformat()} (last saved; "
                "write 'Tanggal: YYYY-MM-DD' in a note to state the submission date)",
            )
        )
    # a link drawn without ports is dropped when the same two devices are linked with ports elsewhere
    with_ports = {link.devices_key() for link in merged.links.values() if link.a.port or link.b.port}
    links = [
        link
        for link in merged.links.values()
        if link.a.port or link.b.port or link.devices_key() not in with_ports
    ]
    topology = Topology(
        skpd=merged.skpd,
        date=merged.date,
        view=View.DIAGRAM,
        source=source,
        devices=tuple(merged.devices.values()),
        links=tuple(links),
        vlans=tuple(sorted(merged.vlans.values(), key=lambda v: v.vid)),
    )
    report = ParseReport(
        source=source,
        format="drawio",
        compressed_pages=compressed,
        pages=tuple(p.name for p in reader.pages),
        read=tuple(reader.read),
        ignored=tuple(reader.ignored),
        warnings=_warnings(merged),
    )
    return DiagramResult(topology=topology, report=report)


def _warnings(merged: _Merged) -> tuple[str, ...]:
    """A diagram whose lines mostly did not read as links, or with a device icon left without a name,
    gives a wrong picture: say so."""
    if not merged.lines or merged.lines_read * 2 >= merged.lines:
        if not merged.unnamed:
            return ()
        return (
            f"{len(merged.unnamed)} device icon(s) with lines but no name, left out with their lines: "
            f"cells {', '.join(merged.unnamed[:6])}{' ...' if len(merged.unnamed) > 6 else ''}. Type each "
            "name into the icon's label, or put a text on or next to it (nearer to it than to any other)",
        )
    why = Counter(reason for _, reason in merged.skipped)
    where = (
        "cells " + ", ".join(w for w, _ in merged.skipped[:6]) + (" ..." if len(merged.skipped) > 6 else "")
    )
    reasons = "; ".join(f"{n} x {reason}" for reason, n in why.most_common())
    return (
        f"only {merged.lines_read} of {merged.lines} lines read as links between two devices "
        f"({len(merged.devices)} devices read); skipped: {reasons} ({where}). The picture is "
        "incomplete: give each device a name (its label or a text on/next to it) and attach both "
        "ends of each line to a device",
    )


@dataclass
class _PageShapes:
    """What the vertices of one page turned out to be, for its edges to look up."""

    by_id: dict[str, _Cell]
    device_of: dict[str, str] = field(default_factory=dict)  # cell id -> hostname
    not_device: dict[str, str] = field(default_factory=dict)  # cell id -> why it is not a device
    seen_here: dict[str, str] = field(default_factory=dict)  # device key -> cell id, on this page
    absolute: dict[str, Box] = field(default_factory=dict)  # vertex id -> box in page coordinates


@dataclass
class _Sorted:
    """A page's vertices by what they look like, before geometry decides the rest."""

    devices: list[_Cell] = field(default_factory=list)  # labelled shapes
    icons: list[_Cell] = field(default_factory=list)  # unlabelled device shapes
    notes: list[_Cell] = field(default_factory=list)  # text-only shapes
    label_of: dict[str, _Cell] = field(default_factory=dict)  # icon id -> the text naming it


def _read_page(reader: _Reader, page: _Page, cells: list[_Cell], merged: _Merged) -> None:
    """Vertices first (devices, notes, the rest ignored with a reason), then the edges between them."""
    shapes = _PageShapes(by_id=_cells_by_id(reader, page, cells))
    _fill_placeholders(page, shapes.by_id)
    edge_ids = {c.id for c in shapes.by_id.values() if c.edge}
    vertex_parents = {c.parent for c in shapes.by_id.values() if c.vertex and c.parent}
    edge_children: dict[str, list[_Cell]] = {}  # labels drawn on an edge, by the edge's id
    attached = {end for c in shapes.by_id.values() if c.edge for end in (c.source, c.target) if end}
    found = _Sorted()
    for cell in shapes.by_id.values():
        if not cell.vertex:
            continue
        if cell.parent in edge_ids:
            edge_children.setdefault(cell.parent or "", []).append(cell)
        else:
            _sort_vertex(reader, page, cell, cell.id in vertex_parents, cell.id in attached, shapes, found)
    _port_badges(reader, page, shapes, found, attached, edge_children)
    _by_geometry(reader, page, shapes, found)
    merged.unnamed += [
        f"{c.id} ({shape_kind(c.style) or 'shape'})"
        for c in shapes.by_id.values()
        if c.id in attached and shapes.not_device.get(c.id) == "a device icon without a name"
    ]
    for cell in found.devices + found.icons:
        try:
            _read_vertex(reader, page, cell, shapes, merged, found.label_of.get(cell.id))
        except InputError as err:
            reader.problems.append(err)
    for cell in found.notes:
        _read_note(reader, page, cell, cell.lines(), merged)
    _groups_of_one(shapes)
    for cell in shapes.by_id.values():
        if cell.edge:
            _read_edge(reader, page, cell, shapes, edge_children.get(cell.id, []), merged)


def _terminal(box: Box, style: dict[str, str], end: str) -> tuple[float, float]:
    """Where a line leaves a shape: its ``exitX``/``exitY`` (``entryX``/``entryY``) point, else the centre."""
    fx, fy = _float(style.get(f"{end}X")), _float(style.get(f"{end}Y"))
    return (box.x + (0.5 if fx is None else fx) * box.w, box.y + (0.5 if fy is None else fy) * box.h)


def _port_badges(
    reader: _Reader,
    page: _Page,
    shapes: _PageShapes,
    found: _Sorted,
    attached: set[str],
    edge_children: dict[str, list[_Cell]],
) -> None:
    """Small one-line labels attached to nothing but placed on a line near one of its ends (what
    clab2drawio draws for ports) are that end's port, not devices."""
    lines = [
        (
            e.id,
            _terminal(shapes.absolute[e.source], e.style, "exit"),
            _terminal(shapes.absolute[e.target], e.style, "entry"),
        )
        for e in shapes.by_id.values()
        if e.edge and e.source in shapes.absolute and e.target in shapes.absolute
    ]
    if not lines:
        return
    kept = []
    for cell in found.devices:
        box = shapes.absolute.get(cell.id)
        if cell.id in attached or box is None or max(box.w, box.h) > 60 or len(cell.lines()) != 1:
            kept.append(cell)
            continue
        centre = (box.x + box.w / 2, box.y + box.h / 2)
        hits = []
        for edge_id, a, b in lines:
            distance, t = along(centre, a, b)
            if distance <= max(box.w, box.h) / 2 + 6 and not 0.4 <= t <= 0.6:
                hits.append((distance, edge_id, t))
        hits.sort()
        if not hits:
            kept.append(cell)
            continue
        # near where lines meet, the one it sits on is clearly nearer than the others
        if len(hits) > 1 and hits[0][0] * 2 + 1 > hits[1][0]:
            shapes.not_device[cell.id] = "a port label"
            reader.ignore(page, cell, "port label where lines meet: cannot tell which line it belongs to")
            continue
        _, edge_id, t = hits[0]
        edge_children.setdefault(edge_id, []).append(replace(cell, x=-0.5 if t < 0.5 else 0.5, placed=True))
        shapes.not_device[cell.id] = "a port label"
    found.devices = kept


def _groups_of_one(shapes: _PageShapes) -> None:
    """A line attached to a group (or container) holding exactly one device, e.g. an icon grouped
    with its name, is attached to that device."""
    held: dict[str, set[str]] = {}
    for cell_id, name in shapes.device_of.items():
        parent = shapes.by_id.get(shapes.by_id[cell_id].parent or "")
        while parent is not None and parent.vertex:
            held.setdefault(parent.id, set()).add(name)
            parent = shapes.by_id.get(parent.parent or "")
    for group_id, names in held.items():
        if len(names) == 1 and group_id not in shapes.device_of:
            shapes.device_of[group_id] = next(iter(names))


def _cells_by_id(reader: _Reader, page: _Page, cells: list[_Cell]) -> dict[str, _Cell]:
    by_id: dict[str, _Cell] = {}
    for cell in cells:
        if cell.id in by_id:
            reader.problem(
                page,
                cell.id,
                f"cell id {cell.id!r} appears twice on the page",
                "save the file again from diagrams.net",
            )
            continue
        by_id[cell.id] = cell
    return by_id


def _fill_placeholders(page: _Page, by_id: dict[str, _Cell]) -> None:
    """``placeholders="1"``: ``%name%`` from the cell's data, its ancestors', then the page's."""
    for cell in by_id.values():
        if not cell.placeholders:
            continue

        def lookup(name: str, cell: _Cell = cell) -> str | None:
            if name == "id":
                return cell.id
            current: _Cell | None = cell
            while current is not None:
                if name in current.attrs:
                    return current.attrs[name]
                current = by_id.get(current.parent or "")
            return {"page": page.name, "pagenumber": str(page.index + 1)}.get(name)

        cell.value = resolve_placeholders(cell.value, lookup)


def _absolute(cell: _Cell, by_id: dict[str, _Cell]) -> Box | None:
    """A vertex's box in page coordinates: a child's geometry is relative to its parent vertex."""
    if cell.box is None:
        return None
    x, y = cell.box.x, cell.box.y
    parent = by_id.get(cell.parent or "")
    while parent is not None and parent.vertex and parent.box is not None:
        x, y = x + parent.box.x, y + parent.box.y
        parent = by_id.get(parent.parent or "")
    return Box(x, y, cell.box.w, cell.box.h)


def _is_note(cell: _Cell) -> bool:
    return "text" in cell.style or cell.style.get("shape") == "note"


def _sort_vertex(
    reader: _Reader,
    page: _Page,
    cell: _Cell,
    has_children: bool,
    has_lines: bool,
    shapes: _PageShapes,
    found: _Sorted,
) -> None:
    """Containers, notes, edge labels, clouds and decorations are told by their style; the rest are
    devices, or device icons waiting for the text that names them."""
    box = _absolute(cell, shapes.by_id)
    if box is not None:
        shapes.absolute[cell.id] = box
    reason = _container_reason(cell, has_children)
    kind = shape_kind(cell.style)
    if reason:
        shapes.not_device[cell.id] = reason
        reader.ignore(page, cell, reason)
    elif _is_note(cell):
        shapes.not_device[cell.id] = "a note"
        found.notes.append(cell)
    elif "edgeLabel" in cell.style:
        shapes.not_device[cell.id] = "a label"
        reader.ignore(page, cell, "edge label not attached to an edge")
    elif kind == CLOUD:
        shapes.not_device[cell.id] = "a cloud"
        reader.ignore(page, cell, "cloud shape: an outside network, not a device")
    elif cell.lines():
        found.devices.append(cell)
    elif is_device_kind(kind) or (has_lines and _iconic(box)):
        found.icons.append(cell)
    else:
        shapes.not_device[cell.id] = "an unlabelled shape"
        reader.ignore(page, cell, "shape without a label (decoration), not a device")


def _iconic(box: Box | None) -> bool:
    """Shaped like an icon, not a bar or a bus (a long thin shape the lines attach to)."""
    return box is not None and box.w > 0 and box.h > 0 and max(box.w / box.h, box.h / box.w) <= 3


def _is_label_text(cell: _Cell) -> bool:
    """A text that can name an icon: a few lines, the first not a VLAN, SKPD or date line."""
    lines = cell.lines()
    if not lines or len(lines) > 6 or _VLAN.match(lines[0]):
        return False
    field_match = _FIELD_LINE.match(lines[0])
    return not (field_match and field_match.group(1).lower() in {*_NOTE_KEYS, *_DEVICE_KEYS})


def _by_geometry(reader: _Reader, page: _Page, shapes: _PageShapes, found: _Sorted) -> None:
    """Boxes that hold devices are areas; unlabelled icons take the text next to or on them."""
    boxes = {c.id: shapes.absolute[c.id] for c in found.devices + found.icons if c.id in shapes.absolute}
    for outer, inner in areas(boxes).items():
        cell = shapes.by_id[outer]
        shapes.not_device[outer] = "an area"
        reader.ignore(page, cell, f"holds device shape cell {inner} drawn on it (an area), not a device")
    _drop_legends(reader, page, shapes, found)
    found.devices = [c for c in found.devices if c.id not in shapes.not_device]
    found.icons = [c for c in found.icons if c.id not in shapes.not_device]
    texts = {
        c.id: shapes.absolute[c.id] for c in found.notes if c.id in shapes.absolute and _is_label_text(c)
    }
    icons = {c.id: shapes.absolute[c.id] for c in found.icons if c.id in shapes.absolute}
    labelled = {c.id: shapes.absolute[c.id] for c in found.devices if c.id in shapes.absolute}
    match = match_labels(icons, texts, labelled)
    for text_id, icon_ids in match.ambiguous_texts.items():
        reader.problem(
            page,
            text_id,
            f"text {' / '.join(shapes.by_id[text_id].lines())[:60]!r} is as near to cell "
            + " as to cell ".join(icon_ids)
            + ": cannot tell which device it names",
            "move the text next to one device, or type the name into the device's own label",
        )
    for icon_id, text_ids in match.ambiguous_icons.items():
        names = ", ".join(repr(" / ".join(shapes.by_id[t].lines())[:40]) for t in text_ids)
        reader.problem(
            page,
            icon_id,
            f"unlabelled device icon with several texts as near ({names}): cannot tell its name",
            "type the name into the icon's own label (double-click it), or move the other texts away",
        )
    for icon_id, text_id in match.pairs.items():
        found.label_of[icon_id] = shapes.by_id[text_id]
    used = set(match.pairs.values())
    found.notes = [c for c in found.notes if c.id not in used]
    for cell in found.icons:
        if cell.id not in found.label_of:
            shapes.not_device[cell.id] = "a device icon without a name"
            if cell.id not in match.ambiguous_icons:
                reader.ignore(page, cell, "device icon without a name (no label, no text on or next to it)")
    found.icons = [c for c in found.icons if c.id in found.label_of]


_LEGEND_WORDS = frozenset({"legend", "legenda", "keterangan", "key", "simbol", "symbols"})


def _drop_legends(reader: _Reader, page: _Page, shapes: _PageShapes, found: _Sorted) -> None:
    """A box titled Legend/Keterangan explains the symbols: nothing drawn in it is on the LAN."""
    legends = [
        shapes.absolute[cid]
        for cid, why in shapes.not_device.items()
        if why != "a note"
        and cid in shapes.absolute
        and (lines := shapes.by_id[cid].lines())
        and lines[0].strip(" :").lower() in _LEGEND_WORDS
    ]
    if not legends:
        return
    for cell in [*found.devices, *found.icons, *found.notes]:
        box = shapes.absolute.get(cell.id)
        if box is not None and any(legend.contains(box) for legend in legends):
            shapes.not_device[cell.id] = "part of the legend"
            reader.ignore(page, cell, "inside the legend: explains a symbol, not on the LAN")
    found.notes = [c for c in found.notes if shapes.not_device.get(c.id) != "part of the legend"]


def _read_vertex(
    reader: _Reader,
    page: _Page,
    cell: _Cell,
    shapes: _PageShapes,
    merged: _Merged,
    label: _Cell | None,
) -> None:
    lines = label.lines() if label is not None else cell.lines()
    device = _read_device(reader, page, cell, lines)
    key = device.key()
    if key in shapes.seen_here:
        shapes.not_device[cell.id] = f"a second drawing of {device.name}"
        raise reader.error(
            page,
            cell.id,
            f"duplicate hostname {device.name!r} (cells {shapes.seen_here[key]} and {cell.id})",
            "hostnames are compared case-insensitively; draw each device once per page",
        )
    shapes.seen_here[key] = cell.id
    _merge_device(reader, page, cell, device, merged, label)
    shapes.device_of[cell.id] = merged.devices[key].name  # the name as first drawn, on every page
    if label is not None:  # a line drawn to the name text attaches to the device too
        shapes.device_of[label.id] = merged.devices[key].name


def _read_device(reader: _Reader, page: _Page, cell: _Cell, lines: list[str]) -> TopoDevice:
    values: dict[str, str] = {}
    for line in lines[1:]:
        match = _FIELD_LINE.match(line)
        key = _DEVICE_KEYS.get(match.group(1).lower()) if match else None
        if match and key and match.group(2):
            values.setdefault(key, match.group(2))
        elif _BARE_IP.match(line):
            values.setdefault("mgmt_ip", line.strip())
        else:
            reader.ignore(page, cell, "label line not understood (expected IP:/Model:/Role:/Platform:)", line)
    for attr, value in cell.attrs.items():
        key = _DEVICE_KEYS.get(attr.lower().replace("_", " "))
        if key and value.strip():
            values.setdefault(key, value.strip())
    ip = values.get("mgmt_ip")
    if ip is not None:
        where_line, fld = reader.where(page, cell.id)
        ip = parse_ip(ip, source=reader.source, line=where_line, field=f"{fld} IP")
    return TopoDevice(
        name=lines[0],
        mgmt_ip=ip,
        model=values.get("model"),
        role=values.get("role"),
        platform=values.get("platform"),
    )


def _merge_device(
    reader: _Reader, page: _Page, cell: _Cell, device: TopoDevice, merged: _Merged, label: _Cell | None
) -> None:
    key = device.key()
    where = f"page {page.name!r} cell {cell.id}"
    old = merged.devices.get(key)
    if old is None:
        merged.devices[key] = device
        merged.device_where[key] = where
        merged.device_read[key] = len(reader.read)
        reader.read.append(
            ReadItem(
                kind="device",
                ref=f"cell {cell.id}",
                page=page.name,
                summary=describe_device(device),
                via=f"text in cell {label.id}" if label is not None else None,
            )
        )
        return
    update: dict[str, str] = {}
    for name in ("mgmt_ip", "model", "role", "platform"):
        mine, theirs = getattr(device, name), getattr(old, name)
        if mine and theirs and mine.lower() != theirs.lower():
            raise reader.error(
                page,
                cell.id,
                f"device {device.name!r} has {name} {mine!r} here "
                f"but {theirs!r} on {merged.device_where[key]}",
                "a device drawn on several pages must carry the same facts on each",
            )
        if mine and not theirs:
            update[name] = mine
    if update:
        merged.devices[key] = new = old.model_copy(update=update)
        index = merged.device_read[key]
        reader.read[index] = reader.read[index].model_copy(update={"summary": describe_device(new)})
    reader.ignore(page, cell, f"same device as {merged.device_where[key]} (pages are merged)")


def _read_note(reader: _Reader, page: _Page, cell: _Cell, lines: list[str], merged: _Merged) -> None:
    """Each line of a note on its own: a bad line is a problem, the others are still read."""
    for text in lines:
        try:
            _read_note_line(reader, page, cell, text, merged)
        except InputError as err:
            reader.problems.append(err)


def _read_note_line(reader: _Reader, page: _Page, cell: _Cell, text: str, merged: _Merged) -> None:
    vlan_match = _VLAN.match(text)
    field_match = _FIELD_LINE.match(text)
    line, fld = reader.where(page, cell.id)
    if vlan_match:
        _read_vlan(reader, page, cell, vlan_match, merged)
        return
    key = _NOTE_KEYS.get(field_match.group(1).lower()) if field_match else None
    if field_match and key == "skpd":
        slug = field_match.group(2).strip().lower()
        if merged.skpd and merged.skpd != slug:
            raise InputError(
                f"two SKPD named: {merged.skpd!r} and {slug!r}",
                source=reader.source,
                line=line,
                field=fld,
                hint="one diagram describes one SKPD",
            )
        merged.skpd = slug
        reader.read.append(ReadItem(kind="skpd", ref=f"cell {cell.id}", page=page.name, summary=slug))
    elif field_match and key == "date":
        date = parse_date(field_match.group(2), source=reader.source, line=line, field=fld)
        if merged.date and merged.date != date:
            raise InputError(
                f"two dates: {merged.date} and {date}",
                source=reader.source,
                line=line,
                field=fld,
                hint="state the submission date once",
            )
        merged.date = date
        reader.read.append(
            ReadItem(kind="date", ref=f"cell {cell.id}", page=page.name, summary=date.isoformat())
        )
    else:
        reader.ignore(page, cell, "note text (not a VLAN, SKPD or date line)", text)


def _read_vlan(reader: _Reader, page: _Page, cell: _Cell, match: re.Match[str], merged: _Merged) -> None:
    line, fld = reader.where(page, cell.id)
    vid = int(match.group(1))
    if not 1 <= vid <= 4094:
        raise InputError(
            f"VLAN id {vid} is out of range",
            source=reader.source,
            line=line,
            field=fld,
            hint="VLAN ids are 1-4094",
        )
    name = match.group(2).strip(" :,-–—()") or None
    subnet_raw = match.group(3)
    subnet = parse_subnet(subnet_raw, source=reader.source, line=line, field=fld) if subnet_raw else None
    vlan = Vlan(vid=vid, name=name, subnet=subnet)
    old = merged.vlans.get(vid)
    if old is not None and old != vlan:
        raise InputError(
            f"VLAN {vid} declared twice with different facts: "
            f"{describe_vlan(old)!r} and {describe_vlan(vlan)!r}",
            source=reader.source,
            line=line,
            field=fld,
            hint="declare each VLAN once",
        )
    if old is None:
        merged.vlans[vid] = vlan
        reader.read.append(
            ReadItem(kind="vlan", ref=f"cell {cell.id}", page=page.name, summary=describe_vlan(vlan))
        )


# Lines that are not meant as links, whatever the diagram: they never count against it.
_NOT_LINKS = ("a note", "a cloud", "a label")


def _read_edge(
    reader: _Reader, page: _Page, cell: _Cell, shapes: _PageShapes, children: list[_Cell], merged: _Merged
) -> None:
    """A line between two devices is a link, with the ports its data, label or child labels give."""
    ends = _edge_ends(reader, page, cell, shapes, merged)
    if ends is None:
        return
    source, target = ends
    whats = [shapes.not_device.get(ref) for ref in (source, target)]
    counted = not any(what in _NOT_LINKS for what in whats)
    merged.lines += counted
    for ref in (source, target):
        if ref not in shapes.device_of:
            what = shapes.not_device.get(ref) or (
                "another line" if shapes.by_id[ref].edge else "not a device"
            )
            _skip(
                reader,
                page,
                cell,
                merged,
                f"line to cell {ref} ({what}), not a link between two devices",
                f"line to {what}",
                counted=counted,
            )
            return
    if source == target:
        _skip(reader, page, cell, merged, "line from a device to itself", "line from a device to itself")
        return
    merged.lines_read += 1
    ports = _Ports(reader, page, cell)
    ports.read(children)
    link = TopoLink(
        a=LinkEnd(device=shapes.device_of[source], port=ports.port("source")),
        b=LinkEnd(device=shapes.device_of[target], port=ports.port("target")),
    )
    if link.key() in merged.links:
        reader.ignore(page, cell, "same link drawn again (pages are merged)")
        return
    merged.links[link.key()] = link
    reader.read.append(
        ReadItem(
            kind="link",
            ref=f"cell {cell.id}",
            page=page.name,
            summary=describe_link(link),
            via=", ".join(ports.how()) or None,
        )
    )


def _skip(
    reader: _Reader,
    page: _Page,
    cell: _Cell,
    merged: _Merged,
    reason: str,
    short: str,
    *,
    counted: bool = True,
) -> None:
    reader.ignore(page, cell, reason)
    if counted:
        merged.skipped.append((cell.id, short))


def _edge_ends(
    reader: _Reader, page: _Page, cell: _Cell, shapes: _PageShapes, merged: _Merged
) -> tuple[str, str] | None:
    """The cell ids at both ends. A line with a loose end is ignored when it is a callout (from a
    note, a cloud, an area...) or attached to nothing; from a device it is a problem, as is an end
    on a cell that is not on the page."""
    for end, ref in (("source", cell.source), ("target", cell.target)):
        if ref and ref not in shapes.by_id:
            reader.problem(
                page,
                cell.id,
                f"link to an unknown device: {end} cell {ref!r} is not on the page",
                "reconnect the line to a device drawn on the same page",
            )
            return None
    if cell.source and cell.target:
        return cell.source, cell.target
    held = cell.source or cell.target
    if held is None:
        merged.lines += 1
        _skip(
            reader,
            page,
            cell,
            merged,
            "line attached to nothing (a drawing, not a link)",
            "line attached to nothing",
        )
        return None
    if held in shapes.device_of:
        loose = "target" if cell.source else "source"
        reader.problem(
            page,
            cell.id,
            f"link has a dangling end: no {loose} device",
            "drag the line's end onto the device until the device outline highlights, then save",
        )
        return None
    what = shapes.not_device.get(held) or "a shape"
    reader.ignore(page, cell, f"line from cell {held} ({what}) to empty space (a callout), not a link")
    return None


class _Ports:
    """The ports of one edge's two ends, from its data, its label and its child labels (first wins)."""

    def __init__(self, reader: _Reader, page: _Page, cell: _Cell) -> None:
        self.reader, self.page, self.cell = reader, page, cell
        self.found: dict[str, tuple[str, str]] = {}  # end -> (port, how it was found)

    def port(self, end: str) -> str | None:
        return self.found[end][0] if end in self.found else None

    def how(self) -> list[str]:
        return sorted({h for _, h in self.found.values()})

    def read(self, children: list[_Cell]) -> None:
        for end, attr in (("source", "port_a"), ("target", "port_b")):
            self.offer(end, self.cell.attrs.get(attr, "").strip() or None, "port_a/port_b")
        label = " ".join(self.cell.lines())
        if label:
            match = _PORTS.match(label)
            if match:
                self.offer("source", match.group(1), "label")
                self.offer("target", match.group(2), "label")
            else:
                self.reader.ignore(self.page, self.cell, "edge label is not 'PORT_A - PORT_B'", label)
        for child in children:
            self.read_child(child)

    def read_child(self, child: _Cell) -> None:
        """A label on the edge: near one end (x < 0 source, x > 0 target), or both ports mid-line."""
        text = " ".join(child.lines())
        if not text:
            return
        if child.x is not None and child.x != 0:
            how = "labels placed on the line" if child.placed else "child labels"
            self.offer("source" if child.x < 0 else "target", text, how)
            return
        both = _PORTS.match(text)
        if both:  # "ether2 - ether1" written on a label in the middle of the line
            self.offer("source", both.group(1), "label")
            self.offer("target", both.group(2), "label")
        else:
            self.reader.ignore(
                self.page, child, "edge label in the middle: cannot tell which end it belongs to"
            )

    def offer(self, end: str, port: str | None, how: str) -> None:
        if not port:
            return
        if end in self.found and self.found[end][0] != port:
            kept, kept_how = self.found[end]
            self.reader.ignore(
                self.page,
                self.cell,
                f"{how} gives port {port!r} at the {end} end; kept {kept!r} from {kept_how}",
            )
            return
        self.found.setdefault(end, (port, how))
