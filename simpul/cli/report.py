"""``simpul report``: views over the history the nightly job keeps (simpul.services.nightly)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, settings
from simpul.errors import InputError

app = typer.Typer(help="Reports over the nightly history (Pasal 44 monitoring).", no_args_is_help=True)


def _day(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a date: {value!r}", field="--since", hint="YYYY-MM-DD") from None


@app.command("history")
@handles_errors
def history_command(
    skpd: str | None = typer.Option(None, "--skpd", help="only this SKPD (tenant slug)"),
    since: str | None = typer.Option(None, "--since", help="only what was seen on or after YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Per SKPD, per obligation and finding: state, since, first seen, last seen, resolved."""
    from simpul.services.nightly import HistoryRequest, report_history

    result = report_history(settings(), HistoryRequest(skpd=skpd, since=_day(since)))
    if as_json:
        emit_json(result.as_json())
        raise typer.Exit(result.exit_code)
    table = Table(title=f"nightly history ({result.tz})")
    for column in ("SKPD", "obligation / finding", "state", "since", "first seen", "last seen", "resolved"):
        table.add_column(column)
    for x in result.lines:
        what = (
            x.name
            if x.kind == "obligation"
            else f"{x.detail.get('code')} {x.detail.get('text', {}).get('en', '')}"
        )
        times = [
            (result.local(t) or "")[:16].replace("T", " ")
            for t in (x.since, x.first_seen, x.last_seen, x.resolved)
        ]
        table.add_row(x.skpd, escape(what), x.state, *times)
    console.print(table)
    raise typer.Exit(result.exit_code)


@app.command("render")
@handles_errors
def render_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="report directory (default: setting report_dir)")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="id (Bahasa Indonesia, default) or en")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Write the nightly report over time (HTML, report.json, summary.pdf) from the history."""
    from simpul.services.nightly import load_obligations
    from simpul.services.report import RenderRequest, render_nightly

    s = settings()
    request = RenderRequest(out_dir=Path(out or s.report_dir), obligations=load_obligations(s), lang=lang)
    result = render_nightly(s, request)
    if as_json:
        emit_json(result.as_json())
        raise typer.Exit(result.exit_code)
    facts = result.as_json()
    score = facts["score"]
    console.print(
        f"{facts['skpd_total']} SKPD, {score['met']}/{score['applicable']} obligations met at the last "
        f"run ({facts['runs_total']} nightly runs); {facts['changes']['obligations']} changed since the "
        "previous one"
    )
    console.print(f"report: {result.files.index}")
    if result.files.pdf is not None:
        console.print(f"summary for the Bupati: {result.files.pdf}")
    raise typer.Exit(result.exit_code)
