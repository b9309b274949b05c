"""``simpul diagram``: read submitted SKPD LAN diagrams (YAML or draw.io) and show how they were read.

Each command parses its options, calls its use case in :mod:`simpul.services.diagram` (the one place
a diagram file is read) and renders the result.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, quiet_nornir, settings
from simpul.services import diagram, lan
from simpul.services.diagram import CheckRequest, CheckResult, ExportRequest

app = typer.Typer(
    help="Submitted SKPD LAN diagrams (YAML or draw.io): check how one was read, export one.",
    no_args_is_help=True,
)


@app.command("check")
@handles_errors
def check_command(
    file: Annotated[Path, typer.Argument(help="a diagram: topology/<skpd>.yaml or a .drawio file")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show how a diagram was read: devices, links, VLANs found, and what was ignored and why."""
    result = diagram.check(settings(), CheckRequest(file=file))
    if as_json:
        emit_json(result.as_json())
    else:
        _render_check(result)
    raise typer.Exit(result.exit_code)


def _render_check(result: CheckResult) -> None:
    t, r = result.diagram.topology, result.diagram.report
    pages = f", {len(r.pages)} page(s)" + (f", {r.compressed_pages} compressed" if r.compressed_pages else "")
    console.print(
        f"[bold]{r.source}[/] ({r.format}{pages if r.format == 'drawio' else ''}): "
        f"{len(t.devices)} device(s), {len(t.links)} link(s), {len(t.vlans)} VLAN(s); "
        f"SKPD {t.skpd or '[yellow]not stated[/]'}, date {t.date or '[yellow]not stated[/]'}",
        highlight=False,
    )
    for section in result.sections():
        table = Table(title=section.title, title_justify="left")
        how = {"link": "ports from", "device": "name from"}.get(section.kind)
        how = how if (how and any(row.via for row in section.rows)) or section.kind == "link" else None
        for col in ("where", section.kind, *([how] if how else [])):
            table.add_column(col)
        for row in section.rows:
            table.add_row(row.where, row.text, *([row.via or "-"] if how else []))
        console.print(table)
    ignored = result.ignored()
    if ignored:
        table = Table(title="Ignored", title_justify="left")
        for col in ("where", "reason", "text"):
            table.add_column(col)
        for where, reason, text in ignored:
            table.add_row(where, reason, text)
        console.print(table)
    else:
        console.print("Nothing ignored.")
    for warning in r.warnings:
        console.print(f"[bold yellow]warning[/] {escape(warning)}", highlight=False)


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
    quiet_nornir()
    request = ExportRequest(skpd=skpd, source=source, fmt=fmt, out=out, snapshot=snapshot)
    result = diagram.export(settings(), request, collect_live=lan.live_snapshot)
    if out is None:
        sys.stdout.write(result.text)
        raise typer.Exit(result.exit_code)
    t = result.topology
    console.print(
        f"{out}: {len(t.devices)} device(s), {len(t.links)} link(s), {len(t.vlans)} VLAN(s) from {source}",
        highlight=False,
    )
    raise typer.Exit(result.exit_code)
