"""``simpul backup``: nightly config backups into git, and their history (simpul.services.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from simpul.cli._common import (
    DEVICE_OPT,
    PLATFORM_OPT,
    ROLE_OPT,
    SITE_OPT,
    SKPD_OPT,
    TAG_OPT,
    console,
    emit_json,
    handles_errors,
    quiet_nornir,
    settings,
)

if TYPE_CHECKING:
    from simpul.services.backup import BackupResult

app = typer.Typer(help="Config backups of every device into a git repository.", no_args_is_help=True)

REPO = typer.Option(None, "--repo", help="backup git repository (default: setting backup_repo)")
RULES = typer.Option(None, "--rules", help="scrub rules file (default backup_policies/config_scrub.yaml)")
JSON = typer.Option(False, "--json", help="print JSON")
DEVICE = typer.Argument(..., help="device name (found wherever NetBox has moved it)")


@app.command("configs")
@handles_errors
def configs(
    skpd: list[str] = SKPD_OPT,
    site: list[str] = SITE_OPT,
    role: list[str] = ROLE_OPT,
    platform: list[str] = PLATFORM_OPT,
    tag: list[str] = TAG_OPT,
    device: list[str] = DEVICE_OPT,
    repo: Path | None = REPO,
    rules: Path | None = RULES,
    queue: str | None = typer.Option(
        None, "--queue", help="run on `simpul worker`s via this RQ Redis URL (docs/scale-out.md)"
    ),
    as_json: bool = JSON,
) -> None:
    """Back up the running config of every device (NetBox inventory): one commit per run.

    With --queue the devices are fetched by workers; this process alone commits. Exit code 0: all
    backed up; 1: some devices failed (listed with the reason); 2: bad input, Redis down, no worker.
    """
    from simpul.inventory import Filters
    from simpul.scale.backup import backup_configs_on_workers
    from simpul.scale.coordinator import QueueOptions
    from simpul.services.backup import BackupRequest, backup_configs

    filters = Filters.of(skpd=skpd, site=site, role=role, platform=platform, tag=tag, device=device)
    quiet_nornir()
    request = BackupRequest(filters=filters, repo=repo, rules=rules)
    if queue:
        result = backup_configs_on_workers(settings(), request, QueueOptions(url=queue))
    else:
        result = backup_configs(settings(), request)
    if as_json:
        emit_json(result.as_json())
    else:
        _render_run(result)
    raise typer.Exit(result.exit_code)


def _render_run(result: BackupResult) -> None:
    console.print(
        f"[bold]{len(result.changed)}[/] changed, {len(result.unchanged)} unchanged, "
        f"[{'red' if result.failed else 'green'}]{len(result.failed)} failed[/] -> {result.repo} "
        + (f"commit {result.commit[:12]}" if result.commit else "(no change, no commit)")
    )
    if result.changed:
        console.print("changed: " + ", ".join(result.changed))
    for name, (old, new) in sorted(result.moved.items()):
        console.print(f"moved: {name}: {old} -> {new}")
    for name, paths in sorted(result.stale.items()):
        console.print(f"removed stale duplicate of {name}: {', '.join(paths)}", style="yellow")
    if result.failed:
        table = Table("device", "reason", title="failed")
        for name, reason in sorted(result.failed.items()):
            table.add_row(name, reason)
        console.print(table)


@app.command("diff")
@handles_errors
def diff(
    device: str = DEVICE,
    since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD, ISO time or git revision"),
    repo: Path | None = REPO,
) -> None:
    """What changed in DEVICE's config since a date or revision (default: its last change)."""
    from simpul.services.backup import DiffRequest, backup_diff

    result = backup_diff(settings(), DiffRequest(device=device, since=since, repo=repo))
    if result.diff:
        typer.echo(result.diff, nl=False)
    else:
        console.print(f"no change in {device} since {since or 'its last change'}", style="dim")


@app.command("show")
@handles_errors
def show(
    device: str = DEVICE,
    at: str | None = typer.Option(None, "--at", help="YYYY-MM-DD (end of that day), ISO time or revision"),
    repo: Path | None = REPO,
) -> None:
    """DEVICE's backed-up config, now or as it was at a date."""
    from simpul.services.backup import ShowRequest, backup_show

    typer.echo(backup_show(settings(), ShowRequest(device=device, at=at, repo=repo)).config, nl=False)


@app.command("status")
@handles_errors
def status(repo: Path | None = REPO, as_json: bool = JSON) -> None:
    """The last backup attempt of each device (time, result, reason). Exit 1 if any last attempt failed."""
    from simpul.services.backup import StatusRequest, backup_status

    result = backup_status(settings(), StatusRequest(repo=repo))
    if as_json:
        emit_json(result.as_json())
        raise typer.Exit(result.exit_code)
    table = Table("device", "result", "time", "last success", "path", "reason")
    table.title = f"last backup per device ({result.repo})"
    for d in result.devices:
        table.add_row(
            d.device,
            d.result,
            d.time.isoformat(timespec="seconds"),
            d.last_success.isoformat(timespec="seconds") if d.last_success else "-",
            d.path or "-",
            d.reason or "",
            style="red" if d.result == "failed" else None,
        )
    console.print(table)
    raise typer.Exit(result.exit_code)
