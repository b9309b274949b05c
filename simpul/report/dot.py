r"""The DOT text of an SKPD's LAN picture (pure: no graphviz run here, see ``graph.py``).

Each device and link carries an SVG ``id`` and a ``class`` naming its state (``both``, ``missing``,
``undocumented``, ``unreachable``, ``unverified``), so the rendered SVG can be inspected and styled.
Names are user data: they only ever reach DOT inside quoted, escaped strings, and graphviz escapes
them again as XML text.

Examples:
    >>> from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology
    >>> from simpul.report.i18n import texts
    >>> d = Topology(devices=(TopoDevice(name="rtr-1"), TopoDevice(name="sw-1")),
    ...              links=(TopoLink(a=LinkEnd(device="rtr-1", port="ether2"),
    ...                              b=LinkEnd(device="sw-1", port="ether1")),))
    >>> text = lan_dot(lan_picture(d, Topology(view=View.LIVE)), texts("en"))
    >>> 'class="link missing"' in text and 'style="dashed"' in text
    True
    >>> print(quote('say "hi" \\N'))
    "say \"hi\" \\N"
"""

from __future__ import annotations

from dataclasses import dataclass

from simpul.core.audit import ItemState, LanPicture, PictureEdge, PictureNode, lan_picture
from simpul.core.topology import View, device_key
from simpul.report.i18n import Texts

__all__ = ["STYLES", "ItemStyle", "lan_dot", "lan_picture", "quote"]


@dataclass(frozen=True)
class ItemStyle:
    """How one state is drawn; the HTML legend draws its samples from the same values."""

    color: str
    fill: str
    width: float
    dot_style: str  # graphviz edge style: solid, dashed, dotted, bold
    dasharray: str | None  # the SVG stroke-dasharray graphviz writes for dot_style
    font_color: str = "#1a1a1a"


STYLES: dict[ItemState, ItemStyle] = {
    ItemState.BOTH: ItemStyle(color="#333333", fill="#ffffff", width=1.5, dot_style="solid", dasharray=None),
    ItemState.MISSING: ItemStyle(
        color="#d62728", fill="#fdecea", width=2.0, dot_style="dashed", dasharray="5,2", font_color="#a01c1d"
    ),
    ItemState.UNDOCUMENTED: ItemStyle(
        color="#f07800", fill="#fff0dc", width=3.5, dot_style="solid", dasharray=None, font_color="#6b3500"
    ),
    ItemState.UNREACHABLE: ItemStyle(
        color="#8a8a8a", fill="#f2f2f2", width=1.5, dot_style="dotted", dasharray="1,5", font_color="#555555"
    ),
    ItemState.UNVERIFIED: ItemStyle(
        color="#777777", fill="#ffffff", width=1.2, dot_style="solid", dasharray=None, font_color="#333333"
    ),
}

# Who sits above whom in the picture: the edge router on top, access switches and servers below.
ROLE_RANK = {"core-router": 0, "distribution": 1, "skpd-edge": 2, "access-switch": 3, "server": 4}
UNKNOWN_RANK = 3


def quote(text: str) -> str:
    """A DOT double-quoted string: ``\\``, ``"`` and ``&`` escaped, so ``\\N`` or ``&amp;`` stay literal."""
    # graphviz decodes HTML entities in labels ("&amp;" -> "&"): escape "&" so names stay as written
    clean = text.replace("\r", "").replace("&", "&amp;")
    clean = clean.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{clean}"'


def _attrs(**values: str | float) -> str:
    parts = []
    for key, value in values.items():
        name = "class" if key == "css_class" else key
        parts.append(f"{name}={quote(value) if isinstance(value, str) else f'{value:g}'}")
    return "[" + ", ".join(parts) + "]"


def _node_label(node: PictureNode, t: Texts) -> str:
    lines = [node.name]
    kind = " · ".join(v for v in (node.role, node.model) if v)
    if kind:
        lines.append(kind)
    if node.actual_model:
        lines.append(f"{t('model')} {t('live_prefix')}: {node.actual_model}")
    if node.mgmt_ip:
        lines.append(node.mgmt_ip)
    if node.actual_mgmt_ip:
        lines.append(f"{t('ip')} {t('live_prefix')}: {node.actual_mgmt_ip}")
    return "\n".join(lines)


def _rank(node: PictureNode | None) -> int:
    if node is None or node.role is None:
        return UNKNOWN_RANK
    return ROLE_RANK.get(node.role, UNKNOWN_RANK)


def _edge_line(
    index: int, edge: PictureEdge, ids: dict[str, str], nodes: dict[str, PictureNode], t: Texts
) -> str:
    tail, head = edge.a, edge.b
    if _rank(nodes.get(device_key(head.device))) < _rank(nodes.get(device_key(tail.device))):
        tail, head = head, tail  # draw from the upper device down
    style = STYLES[edge.state]
    tip = f"{tail.device} {tail.port or '?'} — {head.device} {head.port or '?'}: {t.legend(edge.state)}"
    attrs = _attrs(
        id=f"link-{index}",
        css_class=f"link {edge.state.value}",
        color=style.color,
        style=style.dot_style,
        penwidth=style.width,
        taillabel=tail.port or "",
        headlabel=head.port or "",
        labelfontcolor=style.font_color,
        tooltip=tip,
    )
    return f"  {ids[device_key(tail.device)]} -- {ids[device_key(head.device)]} {attrs};"


def lan_dot(picture: LanPicture, t: Texts) -> str:
    """DOT text (undirected, top to bottom) for a picture; port names label each end of a link."""
    ids = {node.key: f"d{i}" for i, node in enumerate(picture.nodes)}
    nodes = {node.key: node for node in picture.nodes}
    lines = [
        "graph lan {",
        '  graph [rankdir=TB, bgcolor="transparent", pad=0.3, nodesep=0.7, ranksep=1.0, '
        'fontname="Helvetica,Arial,sans-serif"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica,Arial,sans-serif", fontsize=11, '
        "margin=0.15];",
        '  edge [fontname="Helvetica,Arial,sans-serif", labelfontsize=9, labeldistance=2.0, labelangle=40];',
    ]
    for i, node in enumerate(picture.nodes):
        style = STYLES[node.state]
        node_style = "rounded,filled" if style.dot_style == "solid" else f"rounded,filled,{style.dot_style}"
        attrs = _attrs(
            id=f"dev-{i}",
            css_class=f"device {node.state.value}",
            label=_node_label(node, t),
            color=style.color,
            fillcolor=style.fill,
            fontcolor=style.font_color,
            penwidth=style.width,
            style=node_style,
            tooltip=f"{node.name}: {t.legend(node.state)}",
        )
        lines.append(f"  {ids[node.key]} {attrs};")
    for index, edge in enumerate(picture.edges):
        lines.append(_edge_line(index, edge, ids, nodes, t))
    lines.append("}")
    return "\n".join(lines) + "\n"


def picture_caption_key(picture: LanPicture) -> str:
    """The UI key of the sentence that explains what the picture compares."""
    if picture.expected_view is None:
        return "picture_no_diagram"
    if picture.actual_view is None:
        return "picture_no_actual"
    if picture.actual_view is View.NETBOX:
        return "picture_vs_netbox"
    return "picture_compares"
