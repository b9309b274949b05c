"""draw.io (diagrams.net) LAN diagrams: read them as agency staff draw them, and write them.

Conventions (docs/diagrams.md has the long form):

- a vertex is a device; the first line of its label is the hostname; HTML labels are allowed
  (tags stripped, ``<br>``/``<div>``/``<p>`` are line breaks, entities unescaped); further lines
  ``IP: ...``, ``Model: ...``, ``Role: ...``, ``Platform: ...`` are read when present;
- an edge between two device vertices is a link; its ports come from ``port_a``/``port_b``
  properties ("Edit Data"), else the edge label ``PORT_A - PORT_B`` (source end first), else two child
  labels of the edge (relative x < 0 is the source end, x > 0 the target end);
- a text-only vertex (style ``text;``) is a note: ``VLAN 10 Keuangan 192.168.10.0/24`` lines declare
  VLANs, ``SKPD: disdik`` the SKPD, ``Tanggal: 2026-06-15`` (or ``Date:``) the submission date;
- containers/groups (style ``group``, ``container=1``, ``swimlane``, or a vertex holding other
  vertices), clouds (``shape=cloud``) and unlabelled shapes are not devices;
- compressed pages (raw deflate + base64 + URL-encoding) are inflated; all pages are merged.

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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import Element, ParseError, SubElement, indent, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from simpul.core.diagram.common import parse_date, parse_ip, parse_subnet
from simpul.core.diagram.report import DiagramResult, Ignored, ParseReport, ReadItem
from simpul.core.diagram.yaml_diagram import describe_device, describe_link, describe_vlan
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan, device_key
from simpul.errors import InputError

_BREAK = re.compile(r"<\s*br\s*/?\s*>|<\s*/?\s*(div|p|li|tr)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_HTML_HINT = re.compile(r"<\s*/?\s*(br|div|p|b|i|u|span|font|strong|em)\b", re.IGNORECASE)
_FIELD_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z .]*?)\s*[:=]\s*(.*?)\s*$")
_PORTS = re.compile(r"^\s*(\S.*?)\s+(?:-+|–|—|<->|<-+>)\s+(\S.*?)\s*$")
_VLAN = re.compile(
    r"^\s*VLAN\s*[:#]?\s*(\d+)\b[\s:,\-–—]*(.*?)[\s,\-–—]*(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})?\s*$",
    re.IGNORECASE,
)

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


def _style(style: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw in style.split(";"):
        token = raw.strip()
        if token:
            key, _, value = token.partition("=")
            out[key.strip()] = value.strip()
    return out


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
    x: float | None
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def is_html(self) -> bool:
        return self.style.get("html") == "1"

    def lines(self) -> list[str]:
        return label_lines(self.value, is_html=self.is_html)


@dataclass
class _Page:
    index: int
    name: str
    root: Element
    compressed: bool
    text: str | None  # the page's inflated XML when it was compressed


class _Reader:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.read: list[ReadItem] = []
        self.ignored: list[Ignored] = []
        self.pages: list[_Page] = []
        self.modified: str | None = None

    # -- errors and locations -------------------------------------------------------------------
    def where(self, page: _Page, cell_id: str) -> tuple[int | None, str]:
        """Line (when it can be told) and a field naming page and cell."""
        # a compressed page has no line in the file: the page and cell id say where to look
        needle = f'id="{cell_id}"'
        line = None
        if not page.compressed and self.text.count(needle) == 1:
            line = self.text.count("\n", 0, self.text.index(needle)) + 1
        where = f"page {page.name!r}" + (" (compressed)" if page.compressed else "")
        return line, f"{where} cell {cell_id}"

    def error(self, page: _Page, cell_id: str, message: str, hint: str) -> InputError:
        line, fld = self.where(page, cell_id)
        return InputError(message, source=self.source, line=line, field=fld, hint=hint)

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

    def load_pages(self) -> None:
        root = self.parse_xml(self.text.strip(), "file")
        if root.tag == "mxGraphModel":
            self.pages.append(_Page(0, "Page-1", root, compressed=False, text=None))
            return
        if root.tag != "mxfile":
            raise InputError(
                f"not a draw.io file: the root element is <{root.tag}>",
                source=self.source,
                line=1,
                hint="give a .drawio file saved by diagrams.net (root element <mxfile>)",
            )
        self.modified = root.get("modified")
        for index, diagram in enumerate(root.findall("diagram")):
            name = diagram.get("name") or diagram.get("id") or f"Page-{index + 1}"
            model = diagram.find("mxGraphModel")
            if model is not None:
                self.pages.append(_Page(index, name, model, compressed=False, text=None))
                continue
            payload = (diagram.text or "").strip()
            if not payload:
                self.ignored.append(Ignored(ref="page", page=name, reason="empty page"))
                continue
            inner = self.inflate(payload, name)
            model = self.parse_xml(inner, f"compressed page {name!r}")
            self.pages.append(_Page(index, name, model, compressed=True, text=inner))
        if not self.pages:
            raise InputError("the draw.io file has no pages", source=self.source, hint="draw the LAN first")

    def inflate(self, payload: str, page: str) -> str:
        try:
            raw = base64.b64decode(payload, validate=False)
            text = zlib.decompress(raw, -15).decode("utf-8")
        except (binascii.Error, zlib.error, UnicodeDecodeError) as err:
            raise InputError(
                f"neither XML nor a valid compressed draw.io page ({err})",
                source=self.source,
                field=f"page {page!r}",
                hint="open the file in diagrams.net and save it again",
            ) from None
        return unquote(text) if text[:3].upper() == "%3C" else text

    def cells(self, page: _Page) -> list[_Cell]:
        root = page.root.find("root")
        if root is None:
            return []
        out: list[_Cell] = []
        for element in root:
            attrs: dict[str, str] = {}
            if element.tag in ("object", "UserObject"):
                inner = element.find("mxCell")
                if inner is None:
                    continue
                attrs = {k: v for k, v in element.attrib.items() if k not in ("id", "label", "placeholders")}
                cell_id = element.get("id", "")
                value = element.get("label", "")
                cell = inner
            elif element.tag == "mxCell":
                cell_id = element.get("id", "")
                value = element.get("value", "")
                cell = element
            else:
                continue
            geometry = cell.find("mxGeometry")
            x: float | None = None
            if geometry is not None and geometry.get("relative") == "1" and geometry.get("x") is not None:
                try:
                    x = float(geometry.get("x", ""))
                except ValueError:
                    x = None
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
                    attrs=attrs,
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
    """Read a .drawio file's text (plain or compressed, one or more pages) into a Topology."""
    reader = _Reader(text, source)
    reader.load_pages()
    merged = _Merged()
    compressed = 0
    for page in reader.pages:
        compressed += page.compressed
        _read_page(reader, page, reader.cells(page), merged)

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
    )
    return DiagramResult(topology=topology, report=report)


@dataclass
class _PageShapes:
    """What the vertices of one page turned out to be, for its edges to look up."""

    by_id: dict[str, _Cell]
    device_of: dict[str, str] = field(default_factory=dict)  # cell id -> hostname
    not_device: dict[str, str] = field(default_factory=dict)  # cell id -> why it is not a device
    seen_here: dict[str, str] = field(default_factory=dict)  # device key -> cell id, on this page


# Vertices that are neither devices nor notes: (is it one, what it is, why it is ignored), in order.
_NOT_DEVICES: tuple[tuple[Callable[[_Cell], bool], str, str], ...] = (
    (lambda c: "edgeLabel" in c.style, "a label", "edge label not attached to an edge"),
    (
        lambda c: "cloud" in c.style.get("shape", "").lower() or "cloud" in c.style,
        "a cloud",
        "cloud shape: an outside network, not a device",
    ),
    (lambda c: not c.lines(), "an unlabelled shape", "shape without a label (decoration), not a device"),
)


def _read_page(reader: _Reader, page: _Page, cells: list[_Cell], merged: _Merged) -> None:
    """Vertices first (devices, notes, the rest ignored with a reason), then the edges between them."""
    shapes = _PageShapes(by_id=_cells_by_id(reader, page, cells))
    edge_ids = {c.id for c in cells if c.edge}
    vertex_parents = {c.parent for c in cells if c.vertex and c.parent}
    edge_children: dict[str, list[_Cell]] = {}  # labels drawn on an edge, by the edge's id
    for cell in cells:
        if not cell.vertex:
            continue
        if cell.parent in edge_ids:
            edge_children.setdefault(cell.parent or "", []).append(cell)
        else:
            _read_vertex(reader, page, cell, cell.id in vertex_parents, shapes, merged)
    for cell in cells:
        if cell.edge:
            _read_edge(reader, page, cell, shapes, edge_children.get(cell.id, []), merged)


def _cells_by_id(reader: _Reader, page: _Page, cells: list[_Cell]) -> dict[str, _Cell]:
    by_id: dict[str, _Cell] = {}
    for cell in cells:
        if cell.id in by_id:
            raise reader.error(
                page,
                cell.id,
                f"cell id {cell.id!r} appears twice on the page",
                "save the file again from diagrams.net",
            )
        by_id[cell.id] = cell
    return by_id


def _read_vertex(
    reader: _Reader, page: _Page, cell: _Cell, has_children: bool, shapes: _PageShapes, merged: _Merged
) -> None:
    reason = _container_reason(cell, has_children)
    if reason:
        shapes.not_device[cell.id] = reason
        reader.ignore(page, cell, reason)
        return
    if "text" in cell.style or cell.style.get("shape") == "note":
        shapes.not_device[cell.id] = "a note"
        _read_note(reader, page, cell, cell.lines(), merged)
        return
    for is_it, what, why in _NOT_DEVICES:
        if is_it(cell):
            shapes.not_device[cell.id] = what
            reader.ignore(page, cell, why)
            return
    device = _read_device(reader, page, cell, cell.lines())
    key = device.key()
    if key in shapes.seen_here:
        raise reader.error(
            page,
            cell.id,
            f"duplicate hostname {device.name!r} (cells {shapes.seen_here[key]} and {cell.id})",
            "hostnames are compared case-insensitively; draw each device once per page",
        )
    shapes.seen_here[key] = cell.id
    _merge_device(reader, page, cell, device, merged)
    shapes.device_of[cell.id] = merged.devices[key].name  # the name as first drawn, on every page


def _read_device(reader: _Reader, page: _Page, cell: _Cell, lines: list[str]) -> TopoDevice:
    values: dict[str, str] = {}
    for line in lines[1:]:
        match = _FIELD_LINE.match(line)
        key = _DEVICE_KEYS.get(match.group(1).lower()) if match else None
        if match and key and match.group(2):
            values.setdefault(key, match.group(2))
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


def _merge_device(reader: _Reader, page: _Page, cell: _Cell, device: TopoDevice, merged: _Merged) -> None:
    key = device.key()
    where = f"page {page.name!r} cell {cell.id}"
    old = merged.devices.get(key)
    if old is None:
        merged.devices[key] = device
        merged.device_where[key] = where
        merged.device_read[key] = len(reader.read)
        reader.read.append(
            ReadItem(kind="device", ref=f"cell {cell.id}", page=page.name, summary=describe_device(device))
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
    for text in lines:
        vlan_match = _VLAN.match(text)
        field_match = _FIELD_LINE.match(text)
        line, fld = reader.where(page, cell.id)
        if vlan_match:
            vid = int(vlan_match.group(1))
            if not 1 <= vid <= 4094:
                raise InputError(
                    f"VLAN id {vid} is out of range",
                    source=reader.source,
                    line=line,
                    field=fld,
                    hint="VLAN ids are 1-4094",
                )
            name = vlan_match.group(2).strip(" :,-–—()") or None
            subnet_raw = vlan_match.group(3)
            subnet = (
                parse_subnet(subnet_raw, source=reader.source, line=line, field=fld) if subnet_raw else None
            )
            vlan = Vlan(vid=vid, name=name, subnet=subnet)
            old = merged.vlans.get(vid)
            if old is not None and old != vlan:
                raise InputError(
                    f"VLAN {vid} declared twice with different facts: {describe_vlan(old)!r} "
                    f"and {describe_vlan(vlan)!r}",
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
            continue
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


def _read_edge(
    reader: _Reader, page: _Page, cell: _Cell, shapes: _PageShapes, children: list[_Cell], merged: _Merged
) -> None:
    """A line between two devices is a link, with the ports its data, label or child labels give."""
    source, target = _edge_ends(reader, page, cell, shapes)
    for ref in (source, target):
        if ref not in shapes.device_of:
            why = shapes.not_device.get(ref) or ("another line" if shapes.by_id[ref].edge else "not a device")
            reader.ignore(page, cell, f"line to cell {ref} ({why}), not a link between two devices")
            return
    if source == target:
        reader.ignore(page, cell, "line from a device to itself")
        return
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


def _edge_ends(reader: _Reader, page: _Page, cell: _Cell, shapes: _PageShapes) -> tuple[str, str]:
    """The cell ids at both ends; a dangling end, or one off the page, is an error."""
    for end, ref in (("source", cell.source), ("target", cell.target)):
        if not ref:
            raise reader.error(
                page,
                cell.id,
                f"link has a dangling end: no {end} device",
                "drag the line's end onto the device until the device outline highlights, then save",
            )
        if ref not in shapes.by_id:
            raise reader.error(
                page,
                cell.id,
                f"link to an unknown device: {end} cell {ref!r} is not on the page",
                "reconnect the line to a device drawn on the same page",
            )
    assert cell.source is not None and cell.target is not None
    return cell.source, cell.target


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
            self.offer("source" if child.x < 0 else "target", text, "child labels")
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


# -- writer -------------------------------------------------------------------------------------

_SHAPES = {
    "skpd-edge": "shape=mxgraph.cisco.routers.router",
    "core-router": "shape=mxgraph.cisco.routers.router",
    "router": "shape=mxgraph.cisco.routers.router",
    "distribution": "shape=mxgraph.cisco.switches.layer_3_switch",
    "access-switch": "shape=mxgraph.cisco.switches.workgroup_switch",
    "switch": "shape=mxgraph.cisco.switches.workgroup_switch",
    "server": "shape=mxgraph.cisco.servers.fileserver",
}
_DEVICE_STYLE = (
    "html=1;verticalLabelPosition=bottom;verticalAlign=top;align=center;labelBackgroundColor=#ffffff;"
)


def _levels(topology: Topology) -> list[list[TopoDevice]]:
    """Breadth-first layers from the SKPD edge (or the best-connected device)."""
    by_key = {d.key(): d for d in topology.devices}
    adjacent: dict[str, list[str]] = {k: [] for k in by_key}
    for link in topology.links:
        a, b = device_key(link.a.device), device_key(link.b.device)
        if a in adjacent and b in adjacent:
            adjacent[a].append(b)
            adjacent[b].append(a)
    order = sorted(by_key, key=lambda k: (by_key[k].role != "skpd-edge", -len(adjacent[k])))
    placed: set[str] = set()
    levels: list[list[TopoDevice]] = []
    for start in order:
        if start in placed:
            continue
        queue: deque[tuple[str, int]] = deque([(start, 0)])
        placed.add(start)
        base = len(levels)
        while queue:
            key, depth = queue.popleft()
            while len(levels) <= base + depth:
                levels.append([])
            levels[base + depth].append(by_key[key])
            for nxt in adjacent[key]:
                if nxt not in placed:
                    placed.add(nxt)
                    queue.append((nxt, depth + 1))
    return levels


def _device_label(device: TopoDevice) -> str:
    lines = [f"<b>{html.escape(device.name)}</b>"]
    for label, value in (
        ("IP", device.mgmt_ip),
        ("Model", device.model),
        ("Role", device.role),
        ("Platform", device.platform),
    ):
        if value:
            lines.append(f"{label}: {html.escape(value)}")
    return "<br>".join(lines)


def _el(parent_element: Element, tag: str, /, **attrs: str) -> Element:
    """A child element; attribute names may be Python keywords via a trailing underscore (``as_``)."""
    return SubElement(parent_element, tag, {k.rstrip("_"): v for k, v in attrs.items()})


def topology_to_drawio(topology: Topology, *, page_name: str | None = None) -> str:
    """An uncompressed .drawio file of the topology: devices in layers from the SKPD edge down,
    labels with IP/Model/Role/Platform lines, edge labels ``a - b`` (plus port_a/port_b data), and a
    note with the SKPD, the date and the VLANs. It reads back to the same topology."""
    mxfile = Element("mxfile", {"host": "simpul", "type": "device"})
    name = page_name or (f"LAN {topology.skpd}" if topology.skpd else "LAN")
    diagram = _el(mxfile, "diagram", id="lan", name=name)
    model = _el(
        diagram,
        "mxGraphModel",
        dx="1200",
        dy="800",
        grid="1",
        gridSize="10",
        guides="1",
        tooltips="1",
        connect="1",
        arrows="1",
        fold="1",
        page="1",
        pageScale="1",
        pageWidth="1169",
        pageHeight="827",
    )
    root = _el(model, "root")
    _el(root, "mxCell", id="0")
    _el(root, "mxCell", id="1", parent="0")
    ids: dict[str, str] = {}
    size = "60"
    levels = _levels(topology)
    widest = max((len(level) for level in levels), default=1)
    for depth, level in enumerate(levels):
        offset = (widest - len(level)) * 110
        for i, device in enumerate(level):
            cell_id = f"dev{len(ids) + 1}"
            ids[device.key()] = cell_id
            shape = _SHAPES.get((device.role or "").lower(), "rounded=1;whiteSpace=wrap")
            cell = _el(
                root,
                "mxCell",
                id=cell_id,
                value=_device_label(device),
                style=f"{shape};{_DEVICE_STYLE}",
                vertex="1",
                parent="1",
            )
            _el(
                cell,
                "mxGeometry",
                x=str(60 + offset + i * 220),
                y=str(60 + depth * 180),
                width=size,
                height=size,
                as_="geometry",
            )
    for n, link in enumerate(topology.links, start=1):
        attrs = {"id": f"link{n}", "label": ""}
        if link.a.port and link.b.port:
            attrs["label"] = f"{link.a.port} - {link.b.port}"
        if link.a.port:
            attrs["port_a"] = link.a.port
        if link.b.port:
            attrs["port_b"] = link.b.port
        wrapper = _el(root, "object", **attrs)
        cell = _el(
            wrapper,
            "mxCell",
            style="endArrow=none;html=1;rounded=0;",
            edge="1",
            parent="1",
            source=ids[device_key(link.a.device)],
            target=ids[device_key(link.b.device)],
        )
        _el(cell, "mxGeometry", relative="1", as_="geometry")
    note_lines = []
    if topology.skpd:
        note_lines.append(f"SKPD: {html.escape(topology.skpd)}")
    if topology.date:
        note_lines.append(f"Tanggal: {topology.date.isoformat()}")
    note_lines += [html.escape(describe_vlan(v)) for v in topology.vlans]
    if note_lines:
        note = _el(
            root,
            "mxCell",
            id="note1",
            value="<br>".join(note_lines),
            style="text;html=1;align=left;verticalAlign=top;whiteSpace=wrap;",
            vertex="1",
            parent="1",
        )
        _el(
            note,
            "mxGeometry",
            x=str(120 + widest * 220),
            y="40",
            width="280",
            height=str(30 + 20 * len(note_lines)),
            as_="geometry",
        )
    indent(mxfile)
    return tostring(mxfile, encoding="unicode") + "\n"
