"""``simpul backup``: nightly config backups into git, and their history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, quiet_nornir, settings
from simpul.errors import InputError

app = typer.Typer(help="Config backups of every device into a git repository.", no_args_is_help=True)

REPO = typer.Option(None, "--repo", help="backup git repository (default: setting backup_repo)")
RULES_FILE = "backup_policies/config_scrub.yaml"
RULES = typer.Option(None, "--rules", help=f"scrub rules file (default {RULES_FILE})")
JSON = typer.Option(False, "--json", help="print JSON")
SKPD = typer.Option([], "--skpd", help="SKPD (tenant) slug; repeat for several")
SITE = typer.Option([], "--site", help="site slug")
ROLE = typer.Option([], "--role", help="device role slug")
PLATFORM = typer.Option([], "--platform", help="platform slug")
DEVICE = typer.Option([], "--device", help="device name")


def _repo(repo: Path | None) -> Path:
    return Path(repo) if repo is not None else Path(settings().backup_repo)


def load_rules_file(path: Path | None = None) -> Any:
    """The scrub rules (default: backup_policies/config_scrub.yaml of the project)."""
    from simpul.core.scrub import load_scrub_rules

    if path is None:
        path = Path(settings().project_dir) / RULES_FILE
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise InputError(
            f"cannot read the scrub rules: {exc.strerror}",
            source=str(path),
            hint=f"give --rules FILE or restore {RULES_FILE}",
        ) from None
    return load_scrub_rules(text, str(path))


@app.command("configs")
@handles_errors
def configs(
    skpd: list[str] = SKPD,
    site: list[str] = SITE,
    role: list[str] = ROLE,
    platform: list[str] = PLATFORM,
    device: list[str] = DEVICE,
    repo: Path | None = REPO,
    rules: Path | None = RULES,
    as_json: bool = JSON,
) -> None:
    """Back up the running config of every device (NetBox inventory): one commit per run.

    Exit code 0: all backed up; 1: some devices failed (listed with the reason); 2: bad input.
    """
    from simpul.backup import run_backup
    from simpul.inventory import Filters, build_nornir
    from simpul.store import GitStore

    s = settings()
    scrub_rules = load_rules_file(rules)  # bad rules or a bad repo fail before any device is touched
    store = GitStore(_repo(repo))
    filters = Filters(
        skpd=tuple(skpd), site=tuple(site), role=tuple(role), platform=tuple(platform), device=tuple(device)
    )
    nornir = build_nornir(s, filters)
    quiet_nornir()
    result = run_backup(nornir, store, scrub_rules, secrets=s.secrets())
    if as_json:
        emit_json(result.as_json())
    else:
        console.print(
            f"[bold]{len(result.changed)}[/] changed, {len(result.unchanged)} unchanged, "
            f"[{'red' if result.failed else 'green'}]{len(result.failed)} failed[/] "
            f"-> {store.root} "
            + (f"commit {result.commit[:12]}" if result.commit else "(no change, no commit)")
        )
        if result.changed:
            console.print("changed: " + ", ".join(result.changed))
        if result.failed:
            table = Table(title="failed")
            table.add_column("device")
            table.add_column("reason")
            for name, reason in sorted(result.failed.items()):
                table.add_row(name, reason)
            console.print(table)
    raise typer.Exit(result.exit_code)


@app.command("diff")
@handles_errors
def diff(
    device: str = typer.Argument(..., help="device name"),
    since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD, ISO time or git revision"),
    repo: Path | None = REPO,
) -> None:
    """What changed in DEVICE's config since a date or revision (default: its last change)."""
    from simpul.store import GitStore

    text = _open(repo, GitStore).diff(device, since)
    if text:
        typer.echo(text, nl=False)
    else:
        console.print(f"no change in {device} since {since or 'its last change'}", style="dim")


@app.command("show")
@handles_errors
def show(
    device: str = typer.Argument(..., help="device name"),
    at: str | None = typer.Option(None, "--at", help="YYYY-MM-DD (end of that day), ISO time or revision"),
    repo: Path | None = REPO,
) -> None:
    """DEVICE's backed-up config, now or as it was at a date."""
    from simpul.store import GitStore

    typer.echo(_open(repo, GitStore).show(device, at), nl=False)


@app.command("status")
@handles_errors
def status(
    repo: Path | None = REPO, as_json: bool = typer.Option(False, "--json", help="print JSON")
) -> None:
    """The last backup attempt of each device (time, result, reason). Exit 1 if any last attempt failed."""
    from simpul.backup import status_rows
    from simpul.store import GitStore

    store = _open(repo, GitStore)
    rows = status_rows(store.status())
    if as_json:
        emit_json({"repo": str(store.root), "head": store.head(), "devices": rows})
    else:
        table = Table(title=f"last backup per device ({store.root})")
        for col in ("device", "result", "time", "last success", "reason"):
            table.add_column(col)
        for r in rows:
            style = "red" if r["result"] == "failed" else None
            table.add_row(
                r["device"], r["result"], r["time"], r["last_success"] or "-", r["reason"] or "", style=style
            )
        console.print(table)
    raise typer.Exit(1 if any(r["result"] == "failed" for r in rows) else 0)


def _open(repo: Path | None, store_cls: Any) -> Any:
    path = _repo(repo)
    if not (path / ".git").is_dir():
        raise InputError(
            "not a backup repository (no .git)",
            source=str(path),
            field="--repo",
            hint="run `simpul backup configs` first, or give --repo",
        )
    return store_cls(path)
