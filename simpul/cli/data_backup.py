"""``simpul backup data``: SKPD data backups to the Pusat Data (simpul.services.data_backup).

Mounted by the lead under ``simpul backup`` as ``backup.app.add_typer(data_backup.app, name="data")``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from simpul.cli._common import SKPD_OPT, console, emit_json, handles_errors, settings

if TYPE_CHECKING:
    from simpul.services.data_backup import DrillResult, RunResult, Sources, StatusResult

app = typer.Typer(
    help="SKPD data backups to the Pusat Data (Perbup Pasal 16-17): run, status, restore drills.",
    no_args_is_help=True,
)

JSON = typer.Option(False, "--json", help="print JSON")
ESTATE = typer.Option(None, "--estate", help="estate file (SKPD, policies, servers) instead of NetBox")
TARGET = typer.Option(
    None, "--target", help="Pusat Data target file (default <state_dir>/data-backup/target.yaml)"
)
POLICIES = typer.Option(None, "--policies", help="policies directory (default backup_policies/)")
COMMIT = typer.Option(False, "--commit", help="really do it (default: show what would run)")


def _sources(estate: Path | None, target: Path | None, policies: Path | None) -> Sources:
    from simpul.services.data_backup import Sources

    return Sources(estate=estate, target=target, policies=policies)


@app.command("run")
@handles_errors
def run(
    skpd: list[str] = SKPD_OPT,
    commit: bool = COMMIT,
    as_json: bool = JSON,
    estate: Path | None = ESTATE,
    target: Path | None = TARGET,
    policies: Path | None = POLICIES,
) -> None:
    """Start the SKPD servers' backup agents now (dry run unless --commit).

    Exit code 0: every agent backed up every source; 1: some failed (listed with the reason); 2: bad input.
    """
    from simpul.services.data_backup import RunRequest, run_backups

    request = RunRequest(skpd=tuple(skpd), commit=commit, sources=_sources(estate, target, policies))
    result = run_backups(settings(), request)
    if as_json:
        emit_json(result.as_json())
    else:
        _render_run(result)
    raise typer.Exit(result.exit_code)


def _render_run(result: RunResult) -> None:
    table = Table("SKPD", "server", "result", "sources", "added", "reason", title="data backup run")
    for s in result.skpd:
        if s.skipped:
            table.add_row(s.skpd, "-", "skipped", "", "", s.skipped, style="yellow")
        for srv in s.servers:
            sources = ", ".join(f"{k}:{v}" for k, v in srv.sources.items())
            style = "red" if srv.result == "failed" else None
            table.add_row(
                s.skpd, srv.server, srv.result, sources, _size(srv.bytes_added), srv.reason or "", style=style
            )
    console.print(table)
    if result.dry_run:
        for s in result.skpd:
            for srv in s.servers:
                console.print(f"[bold]{s.skpd}/{srv.server}[/] would run:", highlight=False)
                for step in srv.plan:
                    console.print(f"  {step}", highlight=False, markup=False, soft_wrap=True)
        console.print("dry run: nothing was started (add --commit)", style="dim")


@app.command("status")
@handles_errors
def status(
    skpd: list[str] = SKPD_OPT,
    as_json: bool = JSON,
    estate: Path | None = ESTATE,
    target: Path | None = TARGET,
    policies: Path | None = POLICIES,
) -> None:
    """Each SKPD's last complete backup against its RPO, retention, size, last drill (Pasal 16 ayat (2)).

    Exit code 0: every SKPD as its policy says; 1: findings (no policy, no backup, RPO breach, ...).
    """
    from simpul.services.data_backup import StatusRequest, backup_status

    result = backup_status(
        settings(), StatusRequest(skpd=tuple(skpd), sources=_sources(estate, target, policies))
    )
    if as_json:
        emit_json(result.as_json())
    else:
        _render_status(result)
    raise typer.Exit(result.exit_code)


def _render_status(result: StatusResult) -> None:
    table = Table(
        "SKPD",
        "policy",
        "last complete backup",
        "age h",
        "RPO h",
        "runs kept",
        "size",
        "+7 days",
        "last drill",
        title="SKPD data backups (Perbup Pasal 16)",
    )
    for s in result.statuses:
        drill = f"{s.last_drill.at:%Y-%m-%d} {s.last_drill.result}" if s.last_drill else "-"
        table.add_row(
            s.skpd,
            s.policy or "-",
            f"{s.last_snapshot:%Y-%m-%d %H:%M}" if s.last_snapshot else "never",
            "-" if s.rpo.age_hours is None else f"{s.rpo.age_hours:.1f}",
            "-" if s.rpo_hours is None else f"{s.rpo_hours:g}",
            str(s.runs_kept),
            _size(result.sizes.get(s.skpd, 0)),
            _size(s.added_7d),
            drill,
            style=None if s.rpo.ok else "red",
        )
    console.print(table)
    for f in result.findings:
        console.print(
            f"[bold]{f.code}[/] {f.skpd or 'Pusat Data'}: {f.message} ({f.article})", highlight=False
        )
    for name, reason in sorted(result.errors.items()):
        console.print(f"[red]{name}: repository unreadable: {reason}[/]", highlight=False)


@app.command("drill")
@handles_errors
def drill(
    skpd: list[str] = SKPD_OPT,
    as_json: bool = JSON,
    seed: int | None = typer.Option(
        None, "--seed", help="seed of the random choices (recorded in the report)"
    ),
    due: bool = typer.Option(False, "--due", help="only SKPD whose policy says a drill is due"),
    estate: Path | None = ESTATE,
    target: Path | None = TARGET,
    policies: Path | None = POLICIES,
) -> None:
    """Restore each SKPD's backup on the Pusat Data, prove files and databases, keep a report per SKPD.

    Exit code 0: every drill passed; 1: some failed (reason given); 2: bad input.
    """
    from simpul.services.data_backup import DrillRequest, restore_drill

    request = DrillRequest(
        skpd=tuple(skpd), seed=seed, only_due=due, sources=_sources(estate, target, policies)
    )
    result = restore_drill(settings(), request)
    if as_json:
        emit_json(result.as_json())
    else:
        _render_drill(result)
    raise typer.Exit(result.exit_code)


def _render_drill(result: DrillResult) -> None:
    table = Table(
        "SKPD", "result", "files", "restored", "seconds", "databases", "reason", title="restore drills"
    )
    for d in result.drills:
        dbs = ", ".join(f"{k}:{v}" for k, v in d.databases.items())
        table.add_row(
            d.skpd,
            d.result,
            str(d.files_checked),
            _size(d.bytes_restored),
            f"{d.restore_seconds:.1f}",
            dbs,
            d.reason or "",
            style="red" if d.result == "failed" else None,
        )
    console.print(table)
    for d in result.drills:
        if d.report:
            console.print(f"evidence: {d.report}", style="dim", highlight=False)


@app.command("maintain")
@handles_errors
def maintain_command(
    skpd: list[str] = SKPD_OPT,
    commit: bool = COMMIT,
    as_json: bool = JSON,
    subset: str = typer.Option("5%", "--read-data-subset", help="share of the data restic check re-reads"),
    estate: Path | None = ESTATE,
    target: Path | None = TARGET,
    policies: Path | None = POLICIES,
) -> None:
    """On the Pusat Data: forget what the retention drops, prune, restic check (dry run unless --commit)."""
    from simpul.services.data_backup import MaintainRequest, maintain

    request = MaintainRequest(
        skpd=tuple(skpd),
        commit=commit,
        check_subset=subset or None,
        sources=_sources(estate, target, policies),
    )
    result = maintain(settings(), request)
    if as_json:
        emit_json(result.as_json())
        raise typer.Exit(result.exit_code)
    table = Table("SKPD", "runs kept", "forget", "pruned", "check", "reason", title="retention and check")
    for m in result.skpd:
        table.add_row(
            m.skpd, str(m.keep_runs), str(len(m.forget)), "yes" if m.pruned else "no", m.check, m.reason or ""
        )
    console.print(table)
    if result.dry_run:
        console.print("dry run: nothing was forgotten (add --commit)", style="dim")
    raise typer.Exit(result.exit_code)


def _size(n: int) -> str:
    """Bytes for a table cell.

    >>> _size(512), _size(3 * 1024 * 1024)
    ('512 B', '3.0 MiB')
    """
    value = float(n)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
