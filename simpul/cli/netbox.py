"""``simpul netbox``: bootstrap what simpul needs in NetBox, and seed a regency into it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, settings
from simpul.errors import InputError
from simpul.netbox.upsert import Counts

app = typer.Typer(
    help="The Pemda model in NetBox: bootstrap (custom fields, roles, platforms, tags) and seed.",
    no_args_is_help=True,
)


def _report(title: str, counts: Counts, seconds: float, as_json: bool) -> None:
    if as_json:
        emit_json(counts.as_dict())
        return
    table = Table(title=title)
    for col in ("object", "created", "updated", "unchanged"):
        table.add_column(col, justify="left" if col == "object" else "right")
    for kind, row in counts.by_type.items():
        table.add_row(kind, str(row["created"]), str(row["updated"]), str(row["unchanged"]))
    table.add_row(
        "[bold]total[/]", str(counts.created), str(counts.updated), str(counts.unchanged), end_section=True
    )
    console.print(table)
    verdict = "nothing to change" if counts.created == counts.updated == 0 else "NetBox updated"
    console.print(f"{verdict} in {seconds:.1f} s")


@app.command("bootstrap")
@handles_errors
def bootstrap_command(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Create (idempotently) the tenant group skpd, SKPD custom fields, device roles, platforms, tags."""
    from simpul.netbox.bootstrap import bootstrap
    from simpul.netbox.client import connect

    api = connect(settings())
    start = time.perf_counter()
    counts, _ = bootstrap(api)
    _report("simpul netbox bootstrap", counts, time.perf_counter() - start, as_json)


@app.command("seed")
@handles_errors
def seed_command(
    file: Annotated[
        Path | None, typer.Argument(help="seed YAML of a regency (see docs/netbox-model.md)")
    ] = None,
    demo: bool = typer.Option(False, "--demo", help="load the built-in demo regency (Kabupaten Sekadau)"),
    check: bool = typer.Option(False, "--check", help="only validate the file; do not contact NetBox"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Load a regency into NetBox (bootstrap included); the file is fully validated first."""
    from simpul.netbox.seed import load_demo, load_seed_file, seed_regency

    if demo == (file is not None):
        raise InputError(
            "give either a seed FILE or --demo",
            field="seed",
            hint="simpul netbox seed --demo   or   simpul netbox seed my-regency.yaml",
        )
    if demo:
        seed = load_demo()
    else:
        assert file is not None
        seed = load_seed_file(file)
    if check:
        facts = {
            "valid": True,
            "tenants": len(seed.tenants),
            "devices": len(seed.devices),
            "cables": len(seed.cables),
            "prefixes": len(seed.prefixes),
            "circuits": len(seed.circuits),
            "virtual_machines": len(seed.virtual_machines),
        }
        if as_json:
            emit_json(facts)
        else:
            console.print(
                "seed file is valid: " + ", ".join(f"{v} {k}" for k, v in facts.items() if k != "valid")
            )
        return
    from simpul.netbox.client import connect

    api = connect(settings())
    start = time.perf_counter()
    counts = seed_regency(api, seed)
    _report(f"simpul netbox seed {seed.region.name}", counts, time.perf_counter() - start, as_json)
