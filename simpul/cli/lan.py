"""``simpul lan``: compare an SKPD's submitted LAN diagram with what is really there.

- ``lan diff`` never touches a device: ``--against`` is a snapshot JSON written by ``lan collect`` or
  another diagram (a newer submission: what changed since the last one);
- ``lan collect`` reads every SKPD device (read-only) and writes one snapshot per SKPD;
- ``lan audit`` does it all for every SKPD: diagrams checked first, NetBox view, live collection,
  diff, Pasal 20 checks, and the report (docs/lan-audit.md).

Each command parses its options, calls its use case in :mod:`simpul.services.lan` and renders the
result (a rich table, or ``--json``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from simpul.cli._common import (
    DEVICE_OPT,
    PLATFORM_OPT,
    ROLE_OPT,
    SITE_OPT,
    SKPD_OPT,
    console,
    emit_json,
    handles_errors,
    quiet_nornir,
    settings,
)
from simpul.inventory import Filters
from simpul.services import lan
from simpul.services.lan import AuditRequest, CollectRequest, DiffRequest

app = typer.Typer(
    help="SKPD LANs (Pasal 19-20): collect live state, diff against the submitted diagram, audit.",
    no_args_is_help=True,
)

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}

QUEUE_OPT = typer.Option(
    "--queue", help="run the device work on `simpul worker`s via this RQ Redis URL (docs/scale-out.md)"
)
FAIL_ON_HELP = "exit 1 when a finding is at least this severe (info..critical, none)"


def _severity(value: str) -> str:
    return f"[{_SEVERITY_STYLE[value]}]{value}[/]"


def _where(f: Any) -> str:
    own = " ".join(p for p in (f.device, f.port) if p)
    peer = " ".join(p for p in (f.peer, f.peer_port) if p)
    return f"{own} - {peer}" if own and peer else own or peer


def _article(f: Any) -> str:
    """``Pasal 20 ayat (2)`` -> ``P20(2)`` for narrow tables (JSON keeps the full text)."""
    text = f.article or ""
    return text.replace("Pasal ", "P").replace(" ayat ", "").replace(" jo. ", "+")


def _findings_table(findings: Iterable[Any], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("severity", "code", "kind", "where", "expected", "actual", "article"):
        table.add_column(col, overflow="fold")
    for f in findings:
        table.add_row(
            _severity(f.severity.value),
            f.code,
            f.kind.value,
            _where(f),
            f.expected or "",
            f.actual or "",
            _article(f),
        )
    return table


def _mark(present: bool) -> str:
    return "[green]yes[/]" if present else "[red]no[/]"


@app.command("diff")
@handles_errors
def diff_command(
    diagram: Annotated[Path, typer.Option("--diagram", help="the submitted diagram (YAML or draw.io)")],
    against: Annotated[
        Path, typer.Option("--against", help="a snapshot JSON from `simpul lan collect`, or another diagram")
    ],
    netbox: Annotated[
        bool, typer.Option("--netbox", help="add NetBox as a third view, side by side")
    ] = False,
    skpd: Annotated[
        str | None, typer.Option("--skpd", help="SKPD slug when the files do not state it")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "low",
) -> None:
    """Diff a submitted LAN diagram against a live snapshot or another diagram (offline)."""
    result = lan.diff(
        settings(), DiffRequest(diagram=diagram, against=against, netbox=netbox, skpd=skpd, fail_on=fail_on)
    )
    if as_json:
        emit_json(result.as_json())
    else:
        _print_diff(result)
    raise typer.Exit(result.exit_code)


def _print_diff(result: lan.DiffResult) -> None:
    summary, findings = result.summary, result.findings
    console.print(
        f"[bold]{result.expected}[/] (diagram) vs [bold]{result.actual}[/] ({result.actual_view}), "
        f"SKPD {result.skpd or '?'}",
        highlight=False,
    )
    for warning in result.diagram_warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if findings:
        console.print(_findings_table(findings, f"{len(findings)} finding(s)"))
        by_sev = ", ".join(f"{n} {sev}" for sev, n in summary["by_severity"].items())
        console.print(f"Summary: {summary['total']} finding(s): {by_sev}", highlight=False)
    else:
        console.print("[green]The LAN matches the diagram.[/]")
    tw = result.three_way
    if tw is None:
        return
    third = "live" if result.actual_view == "live" else "against"
    for title, rows in (("Devices", tw.devices), ("Links", tw.links)):
        table = Table(title=f"{title}: diagram / NetBox / {third}", title_justify="left")
        for col in (title[:-1].lower(), "diagram", "netbox", third):
            table.add_column(col)
        for row in rows:
            style = None if row.agrees else "bold"
            table.add_row(row.name, _mark(row.diagram), _mark(row.netbox), _mark(row.live), style=style)
        console.print(table)
    for name, fs in tw.pairs.items():
        if name != "diagram_vs_live" and fs:
            console.print(_findings_table(fs, f"{name.replace('_', ' ')}: {len(fs)} finding(s)"))


@app.command("collect")
@handles_errors
def collect_command(
    out: Annotated[Path, typer.Option("--out", help="directory for the snapshots (one <skpd>.json each)")],
    skpd: list[str] = SKPD_OPT,
    site: list[str] = SITE_OPT,
    role: list[str] = ROLE_OPT,
    platform: list[str] = PLATFORM_OPT,
    device: list[str] = DEVICE_OPT,
    queue: Annotated[str | None, QUEUE_OPT] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Read every SKPD device's live state (read-only) and write one snapshot JSON per SKPD.

    Exit 0: every device answered; 1: some did not (each is recorded in its snapshot and listed with
    the reason); 2: bad input or settings.
    """
    from simpul.scale.remote import device_work

    quiet_nornir()
    config = settings()
    with device_work(config, queue):
        result = lan.collect(
            config,
            CollectRequest(
                out=out, filters=Filters.of(skpd=skpd, site=site, role=role, platform=platform, device=device)
            ),
        )
    if as_json:
        emit_json(result.as_json())
        raise typer.Exit(result.exit_code)
    failed = result.failed
    console.print(
        f"{result.devices} device(s) of {len(result.snapshots)} SKPD collected, "
        f"[{'red' if failed else 'green'}]{len(failed)} failed[/] -> {out}",
        highlight=False,
    )
    if failed:
        table = Table(title="did not answer", title_justify="left")
        for col in ("device", "skpd", "reason"):
            table.add_column(col)
        for row in failed:
            table.add_row(row.device, row.skpd, row.error or "")
        console.print(table)
    raise typer.Exit(result.exit_code)


@app.command("audit")
@handles_errors
def audit_command(
    report: Annotated[Path, typer.Option("--report", help="directory to write the report into")],
    skpd: list[str] = SKPD_OPT,
    site: list[str] = SITE_OPT,
    role: list[str] = ROLE_OPT,
    platform: list[str] = PLATFORM_OPT,
    device: list[str] = DEVICE_OPT,
    lang: Annotated[
        str | None, typer.Option("--lang", help="report language: id or en (default: setting lang)")
    ] = None,
    fail_on: Annotated[str, typer.Option("--fail-on", help=FAIL_ON_HELP)] = "high",
    topology_dir: Annotated[
        Path | None,
        typer.Option("--topology-dir", help="submitted diagrams (default: topology/ of the project)"),
    ] = None,
    queue: Annotated[str | None, QUEUE_OPT] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Audit every SKPD: diagram vs live LAN (NetBox alongside) and the Pasal 20 rules; write the report.

    Diagrams are read and checked first (a bad one: exit 2 before any device is touched). Exit 1 when a
    finding reaches --fail-on (default high), 0 otherwise.
    """
    quiet_nornir()
    request = AuditRequest(
        report=report,
        filters=Filters.of(skpd=skpd, site=site, role=role, platform=platform, device=device),
        lang=lang,
        fail_on=fail_on,
        topology_dir=topology_dir,
    )
    from simpul.scale.remote import device_work

    config = settings()
    with device_work(config, queue):
        result = lan.audit(config, request)
    if as_json:
        emit_json(result.as_json())
    else:
        _print_audit(result)
    raise typer.Exit(result.exit_code)


def _print_audit(result: lan.AuditResult) -> None:
    run, code = result.run, result.exit_code
    table = Table(title=f"LAN audit {run.regency}: {len(run.skpds)} SKPD", title_justify="left")
    for col in ("skpd", "mandiri TIK", "status", "findings", "worst"):
        table.add_column(col)
    for a in run.skpds:
        worst = max((f.severity for f in a.findings), key=lambda sev: sev.rank, default=None)
        table.add_row(
            a.slug,
            "yes" if a.mandiri_tik else "no",
            a.status.value,
            str(len(a.findings)),
            _severity(worst.value) if worst else "-",
        )
    console.print(table)
    console.print(f"Report: [bold]{result.files.index}[/]", highlight=False)
    if code:
        console.print(f"[red]findings at or above {run.fail_on.value}[/] (exit {code})", highlight=False)
