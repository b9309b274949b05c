"""``simpul netbox``: bootstrap what simpul needs in NetBox, and seed a regency into it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, settings
from simpul.services import netbox as service

app = typer.Typer(
    help="The Pemda model in NetBox: bootstrap (custom fields, roles, platforms, tags) and seed.",
    no_args_is_help=True,
)
JSON = typer.Option(False, "--json", help="print JSON")


def _render(result: service.UpsertResult) -> None:
    table = Table(title=result.title)
    for col in ("object", "created", "updated", "unchanged"):
        table.add_column(col, justify="left" if col == "object" else "right")
    counts = result.counts
    for kind, row in counts.by_type.items():
        table.add_row(kind, str(row["created"]), str(row["updated"]), str(row["unchanged"]))
    table.add_row(
        "[bold]total[/]", str(counts.created), str(counts.updated), str(counts.unchanged), end_section=True
    )
    console.print(table)
    verdict = "NetBox updated" if result.changed else "nothing to change"
    console.print(f"{verdict} in {result.seconds:.1f} s")


@app.command("bootstrap")
@handles_errors
def bootstrap_command(as_json: bool = JSON) -> None:
    """Create (idempotently) the tenant group skpd, SKPD custom fields, device roles, platforms, tags."""
    result = service.bootstrap(settings())
    if as_json:
        emit_json(result.as_json())
    else:
        _render(result)


@app.command("seed")
@handles_errors
def seed_command(
    file: Annotated[
        Path | None, typer.Argument(help="seed YAML of a regency (see docs/netbox-model.md)")
    ] = None,
    demo: bool = typer.Option(False, "--demo", help="load the built-in demo regency (Kabupaten Sekadau)"),
    check: bool = typer.Option(False, "--check", help="only validate the file; do not contact NetBox"),
    as_json: bool = JSON,
) -> None:
    """Load a regency into NetBox (bootstrap included); the file is fully validated first."""
    result = service.seed(settings(), service.SeedRequest(file=file, demo=demo, check_only=check))
    if as_json:
        emit_json(result.as_json())
    elif isinstance(result, service.SeedCheck):
        console.print("seed file is valid: " + ", ".join(f"{v} {k}" for k, v in result.counts.items()))
    else:
        _render(result)
