"""Write a Topology as a draw.io file an SKPD can start from (``simpul diagram export --format drawio``).

Examples:
    >>> from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology
    >>> t = Topology(devices=(TopoDevice(name="rtr-x"), TopoDevice(name="sw-x")),
    ...              links=(TopoLink(a=LinkEnd(device="rtr-x", port="ether2"), b=LinkEnd(device="sw-x")),))
    >>> 'port_a="ether2"' in topology_to_drawio(t)
    True
"""

from __future__ import annotations

import html
from collections import deque
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from simpul.core.diagram.yaml_diagram import describe_vlan
from simpul.core.topology import TopoDevice, Topology, device_key

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
