"""Submitted SKPD LAN diagrams: read one, show how it was read, export an SKPD's LAN as one.

This is the one place a diagram file is read from disk (:func:`load_diagram`, :func:`load_diagrams`);
every use case that needs a diagram (``diagram check``, ``lan diff``, ``lan audit``) goes through it.
The readers and writers themselves are pure (:mod:`simpul.core.diagram`).

Use cases (the settings and a typed request in, a typed result out; no printing):

- :func:`check`: how a diagram was read (devices, links, VLANs and where each came from; what was
  ignored and why);
- :func:`export`: an SKPD's LAN as a draft diagram (YAML or draw.io), from NetBox, from a snapshot
  file, or collected live (the live collection is the LAN service's, passed in as ``collect_live``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simpul.core.diagram import (
    DiagramResult,
    ReadItem,
    describe_device,
    describe_link,
    describe_vlan,
    is_png,
    parse_diagram,
    png_mxfile,
    topology_to_drawio,
    topology_to_yaml,
)
from simpul.core.diff import PLATFORM_DEFAULT_VLANS
from simpul.core.snapshot import Snapshot, parse_snapshot, snapshot_to_topology
from simpul.core.topology import Topology
from simpul.errors import InputError
from simpul.netbox import topology as netbox_topology
from simpul.settings import Settings
from simpul.store.files import write_atomic

# --- reading user files -----------------------------------------------------------------------------


def read_text(path: Path, what: str) -> str:
    """A user file's text, or an InputError naming it (``what``: "diagram", "snapshot"...).

    A ``.drawio.png`` gives the draw.io XML it holds (a picture has no other text to read).
    """
    try:
        data = path.read_bytes()
        if is_png(data):
            return png_mxfile(data, source=str(path))
        return data.decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{what} not found", source=str(path), hint="check the path") from None
    except IsADirectoryError:
        raise InputError(f"{what} is a directory", source=str(path), hint="give a file") from None
    except UnicodeDecodeError as err:
        raise InputError(
            f"{what} is not UTF-8 text ({err.reason} at byte {err.start})",
            source=str(path),
            hint="save it as UTF-8 (diagrams.net and any YAML editor do by default)",
        ) from None
    except OSError as err:
        raise InputError(f"cannot read {what}: {err.strerror}", source=str(path)) from None


def load_diagram(path: Path) -> DiagramResult:
    """Read a YAML or draw.io diagram file (format by extension, else by content)."""
    return parse_diagram(read_text(path, "diagram"), source=str(path))


def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot JSON file; InputError (exit 2) on a missing, malformed or unknown-version file."""
    return parse_snapshot(read_text(path, "snapshot"), source=str(path))


def find_diagram(topology_dir: Path, slug: str) -> Path | None:
    """``<slug>.yaml`` (or ``.yml``), else ``<slug>.drawio`` (or a ``.drawio.svg`` / ``.drawio.png``
    picture holding the diagram), in the topology directory."""
    for suffix in (".yaml", ".yml", ".drawio", ".drawio.svg", ".drawio.png"):
        path = topology_dir / f"{slug}{suffix}"
        if path.is_file():
            return path
    return None


def load_diagrams(topology_dir: Path, slugs: list[str]) -> dict[str, DiagramResult]:
    """Every SKPD's diagram, read and checked (a bad one raises InputError: exit 2).

    An SKPD without a file has no entry; a diagram whose ``skpd:`` is not its file name is refused.
    Each result keeps its reading report: the audit turns its warnings into REG-004 findings.
    """
    if not topology_dir.is_dir():
        raise InputError(
            "the topology directory does not exist",
            source=str(topology_dir),
            field="--topology-dir",
            hint="give the directory holding <skpd>.yaml / <skpd>.drawio diagrams",
        )
    diagrams: dict[str, DiagramResult] = {}
    for slug in slugs:
        path = find_diagram(topology_dir, slug)
        if path is None:
            continue
        result = load_diagram(path)
        topology = result.topology
        if topology.skpd and topology.skpd != slug:
            raise InputError(
                f"the diagram says SKPD {topology.skpd!r} but its file name says {slug!r}",
                source=str(path),
                field="skpd",
                hint=f"name the file {topology.skpd}{path.name[len(slug) :]} or fix the SKPD in it",
            )
        diagrams[slug] = result.model_copy(update={"topology": topology.model_copy(update={"skpd": slug})})
    return diagrams


# --- diagram check ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRequest:
    file: Path  # topology/<skpd>.yaml or a .drawio file


@dataclass(frozen=True)
class CheckRow:
    """One thing read: where in the file (``line 12``, ``Gedung B: cell d1``), what, and for a link
    how its ports were found."""

    where: str
    text: str
    via: str | None = None


@dataclass(frozen=True)
class CheckSection:
    title: str  # Devices, Links, VLANs
    kind: str  # device, link, vlan
    rows: tuple[CheckRow, ...]


@dataclass(frozen=True)
class CheckResult:
    diagram: DiagramResult

    @property
    def exit_code(self) -> int:
        """0 read, 1 read but the picture is incomplete (warnings); a diagram that cannot be read
        raises InputError (exit 2)."""
        return 1 if self.diagram.report.warnings else 0

    def as_json(self) -> dict[str, Any]:
        """What ``diagram check --json`` prints."""
        t, r = self.diagram.topology, self.diagram.report
        return {
            "source": r.source,
            "format": r.format,
            "pages": list(r.pages),
            "compressed_pages": r.compressed_pages,
            "skpd": t.skpd,
            "date": t.date.isoformat() if t.date else None,
            "devices": [d.model_dump(mode="json") for d in t.devices],
            "links": [link.model_dump(mode="json") for link in t.links],
            "vlans": [v.model_dump(mode="json") for v in t.vlans],
            "read": [item.model_dump(mode="json") for item in r.read],
            "ignored": [item.model_dump(mode="json") for item in r.ignored],
            "warnings": list(r.warnings),
        }

    def _where(self, ref: str, page: str | None) -> str:
        multipage = len(self.diagram.report.pages) > 1
        return (f"{page}: " if page and multipage else "") + ref

    def sections(self) -> tuple[CheckSection, ...]:
        """Devices, links and VLANs as read, each with where in the file it came from."""
        t, r = self.diagram.topology, self.diagram.report
        refs: dict[tuple[str, str], ReadItem] = {(item.kind, item.summary): item for item in r.read}

        def rows(kind: str, texts: list[str]) -> tuple[CheckRow, ...]:
            out = []
            for text in texts:
                item = refs.get((kind, text))
                where = "" if item is None else self._where(item.ref, item.page)
                out.append(CheckRow(where=where, text=text, via=item.via if item else None))
            return tuple(out)

        return (
            CheckSection("Devices", "device", rows("device", [describe_device(d) for d in t.devices])),
            CheckSection("Links", "link", rows("link", [describe_link(link) for link in t.links])),
            CheckSection("VLANs", "vlan", rows("vlan", [describe_vlan(v) for v in t.vlans])),
        )

    def ignored(self) -> tuple[tuple[str, str, str], ...]:
        """(where, reason, text) of everything the reader did not use."""
        return tuple(
            (self._where(ign.ref, ign.page), ign.reason, ign.text or "")
            for ign in self.diagram.report.ignored
        )


def check(settings: Settings, request: CheckRequest) -> CheckResult:
    """Read a diagram and say how it was read (offline: ``settings`` are not read)."""
    return CheckResult(diagram=load_diagram(request.file))


# --- diagram export ---------------------------------------------------------------------------------

SOURCES = ("netbox", "live")
FORMATS = ("yaml", "drawio")

# Collects one SKPD's live snapshot now (``simpul.services.lan.live_snapshot``).
LiveCollector = Callable[[Settings, str], Snapshot]


@dataclass(frozen=True)
class ExportRequest:
    skpd: str
    source: str = "netbox"  # netbox (documented) or live (what is there)
    fmt: str = "yaml"  # yaml or drawio
    out: Path | None = None  # None: the caller prints ``ExportResult.text``
    snapshot: Path | None = None  # with source live: a snapshot file instead of collecting now
    today: dt.date | None = None  # the draft's date (default: today)


@dataclass(frozen=True)
class ExportResult:
    skpd: str
    source: str
    fmt: str
    topology: Topology
    text: str
    out: Path | None

    @property
    def exit_code(self) -> int:
        return 0

    def as_json(self) -> dict[str, Any]:
        return {
            "skpd": self.skpd,
            "source": self.source,
            "format": self.fmt,
            "out": str(self.out) if self.out else None,
            "devices": len(self.topology.devices),
            "links": len(self.topology.links),
            "vlans": len(self.topology.vlans),
        }


def _check_export(request: ExportRequest) -> None:
    if request.source not in SOURCES:
        raise InputError(f"unknown source {request.source!r}", field="--from", hint="netbox or live")
    if request.fmt not in FORMATS:
        raise InputError(f"unknown format {request.fmt!r}", field="--format", hint="yaml or drawio")
    if request.source == "netbox" and request.snapshot is not None:
        raise InputError(
            "--snapshot is for --from live", field="--snapshot", hint="drop it or use --from live"
        )


def _export_topology(
    settings: Settings, request: ExportRequest, collect_live: LiveCollector | None
) -> Topology:
    """The SKPD's topology from NetBox, from a snapshot file, or collected live right now."""
    skpd = request.skpd
    if request.source == "netbox":
        return netbox_topology.load_skpd_topology(settings, skpd)
    if request.snapshot is not None:
        snap = load_snapshot(request.snapshot)
        if snap.skpd != skpd:
            raise InputError(
                f"the snapshot is for SKPD {snap.skpd!r}, not {skpd!r}",
                source=str(request.snapshot),
                field="skpd",
                hint="give the snapshot of the same SKPD",
            )
        return snapshot_to_topology(snap, source=str(request.snapshot))
    if collect_live is None:
        raise InputError(
            "collecting live state is not available to this caller",
            field="--snapshot",
            hint="give a snapshot file from `simpul lan collect`",
        )
    return snapshot_to_topology(collect_live(settings, skpd), source="live")


def draft(topology: Topology, skpd: str, today: dt.date) -> Topology:
    """The export is a draft submission: dated today, whatever view it came from; the VLANs every
    switch has whether configured or not (1, 1002-1005) are left out unless they carry a subnet."""
    vlans = tuple(v for v in topology.vlans if v.vid not in PLATFORM_DEFAULT_VLANS or v.subnet)
    return topology.model_copy(update={"skpd": skpd, "date": today, "vlans": vlans})


def export(
    settings: Settings,
    request: ExportRequest,
    *,
    collect_live: LiveCollector | None = None,
) -> ExportResult:
    """An SKPD's LAN as a diagram it can start from (it reads back to the same topology).

    Written atomically to ``request.out`` when given. ``collect_live`` serves ``--from live``
    without a snapshot file.
    """
    _check_export(request)
    today = request.today or dt.date.today()
    topology = draft(_export_topology(settings, request, collect_live), request.skpd, today)
    text = topology_to_yaml(topology, today=today) if request.fmt == "yaml" else topology_to_drawio(topology)
    if request.out is not None:
        try:
            write_atomic(request.out, text)
        except OSError as err:
            raise InputError(
                f"cannot write the diagram: {err.strerror}", source=str(request.out), field="--out"
            ) from None
    return ExportResult(
        skpd=request.skpd,
        source=request.source,
        fmt=request.fmt,
        topology=topology,
        text=text,
        out=request.out,
    )


__all__ = [
    "CheckRequest",
    "CheckResult",
    "CheckRow",
    "CheckSection",
    "ExportRequest",
    "ExportResult",
    "LiveCollector",
    "check",
    "draft",
    "export",
    "find_diagram",
    "load_diagram",
    "load_diagrams",
    "load_snapshot",
    "read_text",
]
