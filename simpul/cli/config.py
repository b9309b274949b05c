"""``simpul config show``: the effective settings, secrets masked, with where each came from."""

from __future__ import annotations

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, settings
from simpul.settings import default_settings_file

app = typer.Typer(help="Settings: default -> env var -> settings file.", no_args_is_help=True)


@app.command("show")
@handles_errors
def show(as_json: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """Print the effective settings with their origin; secrets are masked."""
    s = settings()
    rows = s.describe()
    if as_json:
        emit_json({key: {"value": value, "origin": origin} for key, value, origin in rows})
        return
    import os

    table = Table(title=f"simpul settings (file: {default_settings_file(dict(os.environ))})")
    for col in ("setting", "value", "from"):
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)
