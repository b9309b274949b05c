"""Submitted SKPD LAN diagrams: YAML and draw.io readers and writers (pure: text in, text out).

Reading a file is the caller's job (``simpul.services.diagram.load_diagram``); these functions take the
text and the name to report errors against.

Examples:
    >>> detect_format("topology/disdik.yaml", "skpd: disdik")
    'yaml'
    >>> detect_format("lan.xml", "  <mxfile>...")
    'drawio'
    >>> detect_format("lan.drawio.svg", "<svg ..."), detect_format("lan.drawio.png", "<mxfile ...")
    ('drawio', 'drawio')
"""

from __future__ import annotations

from typing import Literal

from simpul.core.diagram.drawio import label_lines, parse_drawio, topology_to_drawio
from simpul.core.diagram.embedded import is_png, png_mxfile
from simpul.core.diagram.report import DiagramProblems, DiagramResult, Ignored, ParseReport, ReadItem
from simpul.core.diagram.yaml_diagram import (
    DIAGRAM_SCHEMA,
    describe_device,
    describe_link,
    describe_vlan,
    parse_yaml_diagram,
    topology_to_yaml,
)

__all__ = [
    "DIAGRAM_SCHEMA",
    "DiagramProblems",
    "DiagramResult",
    "Ignored",
    "ParseReport",
    "ReadItem",
    "describe_device",
    "describe_link",
    "describe_vlan",
    "detect_format",
    "is_png",
    "label_lines",
    "parse_diagram",
    "parse_drawio",
    "parse_yaml_diagram",
    "png_mxfile",
    "topology_to_drawio",
    "topology_to_yaml",
]


def detect_format(name: str, text: str) -> Literal["yaml", "drawio"]:
    """By extension first (.drawio/.xml/.svg/.png vs .yaml/.yml), else by content (XML starts with ``<``).

    A ``.png`` arrives here as the diagram XML it holds (``simpul.services.diagram.read_text``)."""
    lower = name.lower()
    if lower.endswith((".drawio", ".xml", ".dio", ".svg", ".png")):
        return "drawio"
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    return "drawio" if text.lstrip("\ufeff \t\r\n").startswith("<") else "yaml"


def parse_diagram(text: str, *, source: str) -> DiagramResult:
    """Read a diagram in either format."""
    if detect_format(source, text) == "drawio":
        return parse_drawio(text, source=source)
    return parse_yaml_diagram(text, source=source)
