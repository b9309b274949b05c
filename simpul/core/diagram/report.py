"""What a diagram reader tells the user about how it read a file (``simpul diagram check``).

Examples:
    >>> r = ParseReport(source="topology/disdik.yaml", format="yaml")
    >>> r = r.model_copy(update={"ignored": (Ignored(ref="line 9", reason="unknown key"),)})
    >>> r.ignored[0].reason
    'unknown key'
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from simpul.core.topology import Topology


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ReadItem(_Frozen):
    """One thing the reader took from the file: a device, a link, a VLAN, a date or the SKPD."""

    kind: Literal["device", "link", "vlan", "skpd", "date"]
    ref: str  # where it was read: "line 12" (YAML) or "cell d1" (draw.io)
    page: str | None = None  # draw.io page name
    summary: str  # e.g. "rtr-disdik (10.20.3.1, RB4011)"
    via: str | None = None  # how link ports were found: "label", "child labels", "port_a/port_b"


class Ignored(_Frozen):
    """Something in the file the reader did not use, and why."""

    ref: str
    reason: str
    page: str | None = None
    text: str | None = None  # the label text, shortened


class ParseReport(_Frozen):
    source: str
    format: Literal["yaml", "drawio"]
    compressed_pages: int = 0
    pages: tuple[str, ...] = ()
    read: tuple[ReadItem, ...] = ()
    ignored: tuple[Ignored, ...] = ()


class DiagramResult(_Frozen):
    """A diagram as read: the topology (view=diagram) and the report of how it was read."""

    topology: Topology
    report: ParseReport
