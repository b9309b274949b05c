"""``simpul nightly``: every capability in order, the regulatory map judged per SKPD.

The use case is :func:`simpul.services.nightly.run_nightly`.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from simpul.cli._common import (
    console,
    emit_json,
    err_console,
    handles_errors,
    quiet_nornir,
    settings,
    write_crash_file,
)

if TYPE_CHECKING:
    from simpul.core.nightly import StageOutcome
    from simpul.services.nightly import NightlyResult

REPORT = typer.Option(None, "--report", help="report directory (default: setting report_dir)")
ONLY = typer.Option([], "--only", help="run only this stage; repeat for several")
OBLIGATIONS = typer.Option(None, "--obligations", help="the regulatory map (compliance/obligations.yaml)")
TOPOLOGY = typer.Option(None, "--topology-dir", help="the submitted LAN diagrams (default: topology/)")
QUEUE = typer.Option(
    None, "--queue", help="back up configs on `simpul worker`s via this RQ Redis URL (docs/scale-out.md)"
)
COLOURS = {"ok": "green", "failed": "red", "skipped": "dim", "no_input": "yellow"}


class _DeviceBar:
    """A transient bar per device run on a terminal (``simpul.devices.runner.device_progress``)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (TextColumn("  {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        self.bar = Progress(*columns, console=err_console, transient=True)
        self.task: Any = None

    def start(self, what: str, total: int) -> None:
        self.task = self.bar.add_task(what, total=total)
        self.bar.start()

    def advance(self, device: str, ok: bool) -> None:
        self.bar.advance(self.task)

    def stop(self) -> None:
        self.bar.stop()
        self.bar.remove_task(self.task)


def _progress(name: str, outcome: StageOutcome | None) -> None:
    """One line per stage on a terminal; nothing under a timer (stderr is not a tty)."""
    if outcome is None:
        err_console.print(f"[dim]…[/] {name}", highlight=False)
        return
    colour = COLOURS[outcome.status]
    counts = ", ".join(f"{k} {v}" for k, v in outcome.counts.items())
    extra = escape(outcome.message or counts)
    err_console.print(
        f"[{colour}]{outcome.status:>8}[/] {name} ({outcome.seconds:.1f} s) {extra}", highlight=False
    )


@handles_errors
def nightly_command(
    report: Path | None = REPORT,
    only: list[str] = ONLY,
    obligations: Path | None = OBLIGATIONS,
    topology_dir: Path | None = TOPOLOGY,
    queue: str | None = QUEUE,
    as_json: bool = typer.Option(False, "--json", help="print the run's summary as JSON"),
) -> None:
    """Back up, audit, check and report everything; record history. Exit 1: findings or failures."""
    from simpul.services.nightly import NightlyRequest, run_nightly

    quiet_nornir()  # each failed device is listed with its reason; no Nornir tracebacks under a timer
    from simpul.devices.runner import device_progress

    terminal = sys.stderr.isatty()
    request = NightlyRequest(
        report, tuple(only), obligations, topology_dir, _progress if terminal else None, _backup_on(queue)
    )
    from simpul.scale.remote import device_work

    config = settings()
    # --queue: the backup stage through its own coordinator (workers scrub), every other device
    # stage (LAN collect, continuity) through the queue executor; this process writes everything
    with device_progress(_DeviceBar() if terminal else None), device_work(config, queue, check_now=False):
        result = run_nightly(config, request)
    for stage, exc in result.crashes.items():
        err_console.print(
            f"[red]internal error[/] in stage {stage}: details in {write_crash_file(exc, 'nightly')}"
        )
    if as_json:
        emit_json(result.as_json())
    else:
        _render(result)
    raise typer.Exit(result.exit_code)


def _backup_on(queue: str | None) -> Any:
    """The config backup stage's fetcher: the RQ coordinator with ``--queue``, else the default."""
    if queue is None:
        return None
    import functools

    from simpul.scale.backup import backup_configs_on_workers
    from simpul.scale.coordinator import QueueOptions

    return functools.partial(backup_configs_on_workers, options=QueueOptions(url=queue))


def _render(result: NightlyResult) -> None:
    table = Table(title=f"simpul nightly: {result.seconds:.0f} s")
    for column in ("stage", "status", "seconds", "counts", "failures / note"):
        table.add_column(column)
    for s in result.stages:
        note = s.message or "; ".join(f"{k}: {v}" for k, v in list(s.failures.items())[:3])
        counts = ", ".join(f"{k} {v}" for k, v in s.counts.items())
        table.add_row(s.name, f"[{COLOURS[s.status]}]{s.status}[/]", f"{s.seconds:.1f}", counts, escape(note))
    console.print(table)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(result.obligations_summary().items()))
    console.print(f"obligations: {summary}; findings open {len(result.findings)}, resolved {result.resolved}")
    console.print(f"report: {result.report}")
