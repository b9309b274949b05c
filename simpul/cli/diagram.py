"""``simpul diagram``: read submitted SKPD LAN diagrams (YAML or draw.io) and show how they were read.

``load_diagram`` is the one place a diagram file is read from disk; every command that needs a
diagram (``diagram check``, ``lan diff``, the audit) goes through it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors
from simpul.core.diagram import (
    DiagramResult,
    ReadItem,
    describe_device,
    describe_link,
    describe_vlan,
    parse_diagram,
)
from simpul.errors import InputError

app = typer.Typer(help="diagram", no_args_is_help=True)


def read_text(path: Path, what: str) -> str:
    """A user file's text, or an InputError naming it."""
    try:
        return path.read_text(encoding="utf-8-sig")
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


def diagram_facts(result: DiagramResult) -> dict[str, Any]:
    """What ``diagram check --json`` prints."""
    t, r = result.topology, result.report
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
    }


@app.command("check")
@handles_errors
def check_command(
    file: Annotated[Path, typer.Argument(help="a diagram: topology/<skpd>.yaml or a .drawio file")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show how a diagram was read: devices, links, VLANs found, and what was ignored and why."""
    result = load_diagram(file)
    if as_json:
        emit_json(diagram_facts(result))
        return
    t, r = result.topology, result.report
    pages = f", {len(r.pages)} page(s)" + (f", {r.compressed_pages} compressed" if r.compressed_pages else "")
    console.print(
        f"[bold]{r.source}[/] ({r.format}{pages if r.format == 'drawio' else ''}): "
        f"{len(t.devices)} device(s), {len(t.links)} link(s), {len(t.vlans)} VLAN(s); "
        f"SKPD {t.skpd or '[yellow]not stated[/]'}, date {t.date or '[yellow]not stated[/]'}",
        highlight=False,
    )
    refs: dict[tuple[str, str], ReadItem] = {(item.kind, item.summary): item for item in r.read}
    for title, kind, rows in (
        ("Devices", "device", [describe_device(d) for d in t.devices]),
        ("Links", "link", [describe_link(link) for link in t.links]),
        ("VLANs", "vlan", [describe_vlan(v) for v in t.vlans]),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("where")
        table.add_column(kind)
        if kind == "link":
            table.add_column("ports from")
        for text in rows:
            item = refs.get((kind, text))
            where = (
                ""
                if item is None
                else (f"{item.page}: " if item.page and len(r.pages) > 1 else "") + item.ref
            )
            cells = [where, text] + ([item.via or "-" if item else "-"] if kind == "link" else [])
            table.add_row(*cells)
        console.print(table)
    if r.ignored:
        table = Table(title="Ignored", title_justify="left")
        for col in ("where", "reason", "text"):
            table.add_column(col)
        for ign in r.ignored:
            page = f"{ign.page}: " if ign.page and len(r.pages) > 1 else ""
            table.add_row(page + ign.ref, ign.reason, ign.text or "")
        console.print(table)
    else:
        console.print("Nothing ignored.")


def _write_atomic(path: Path, text: str) -> None:
    from simpul.store.files import write_atomic

    try:
        write_atomic(path, text)
    except OSError as err:
        raise InputError(
            f"cannot write the diagram: {err.strerror}", source=str(path), field="--out"
        ) from None


def export_topology(source: str, skpd: str, snapshot: Path | None) -> Any:
    """The SKPD's topology from NetBox, from a snapshot file, or collected live right now."""
    import datetime as dt

    from simpul.core.snapshot import parse_snapshot, snapshot_to_topology
    from simpul.settings import load_settings

    if source == "netbox":
        if snapshot is not None:
            raise InputError(
                "--snapshot is for --from live", field="--snapshot", hint="drop it or use --from live"
            )
        from simpul.netbox.topology import load_skpd_topology

        return load_skpd_topology(load_settings(), skpd)
    if snapshot is not None:
        snap = parse_snapshot(read_text(snapshot, "snapshot"), source=str(snapshot))
        if snap.skpd != skpd:
            raise InputError(
                f"the snapshot is for SKPD {snap.skpd!r}, not {skpd!r}",
                source=str(snapshot),
                field="skpd",
                hint="give the snapshot of the same SKPD",
            )
        return snapshot_to_topology(snap, source=str(snapshot))
    from simpul.cli.lan import collect_live
    from simpul.inventory import Filters

    settings = load_settings()
    snaps, _failed = collect_live(settings, Filters(skpd=(skpd,)), dt.datetime.now(dt.UTC))
    if skpd not in snaps:
        raise InputError(
            f"NetBox lists no device of SKPD {skpd!r} to collect",
            field="SKPD",
            hint="check the tenant slug (`simpul inventory --skpd SKPD`)",
        )
    return snapshot_to_topology(snaps[skpd], source="live")


@app.command("export")
@handles_errors
def export_command(
    skpd: Annotated[str, typer.Argument(help="SKPD (tenant) slug, e.g. disdik")],
    source: Annotated[
        str, typer.Option("--from", help="netbox (documented) or live (what is there)")
    ] = "netbox",
    fmt: Annotated[str, typer.Option("--format", help="yaml or drawio")] = "yaml",
    out: Annotated[Path | None, typer.Option("--out", help="file to write (default: print)")] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option("--snapshot", help="with --from live: a snapshot JSON instead of collecting now"),
    ] = None,
) -> None:
    """Write an SKPD's LAN as a diagram an agency can start from (it reads back to the same topology)."""
    import datetime as dt

    from simpul.core.diagram import topology_to_drawio, topology_to_yaml

    if source not in ("netbox", "live"):
        raise InputError(f"unknown source {source!r}", field="--from", hint="netbox or live")
    if fmt not in ("yaml", "drawio"):
        raise InputError(f"unknown format {fmt!r}", field="--format", hint="yaml or drawio")
    topology = export_topology(source, skpd, snapshot)
    today = dt.date.today()
    from simpul.core.diff import PLATFORM_DEFAULT_VLANS

    # The export is a draft submission: dated today, whatever view it came from; the VLANs every
    # switch has whether configured or not (1, 1002-1005) are left out unless they carry a subnet.
    vlans = tuple(v for v in topology.vlans if v.vid not in PLATFORM_DEFAULT_VLANS or v.subnet)
    topology = topology.model_copy(update={"skpd": skpd, "date": today, "vlans": vlans})
    text = topology_to_yaml(topology, today=today) if fmt == "yaml" else topology_to_drawio(topology)
    if out is None:
        sys.stdout.write(text)
        return
    _write_atomic(out, text)
    console.print(
        f"{out}: {len(topology.devices)} device(s), {len(topology.links)} link(s), "
        f"{len(topology.vlans)} VLAN(s) from {source}",
        highlight=False,
    )
