"""``simpul lan``: compare an SKPD's submitted LAN diagram with what is really there.

- ``lan diff`` never touches a device: ``--against`` is a snapshot JSON written by ``lan collect`` or
  another diagram (a newer submission: what changed since the last one);
- ``lan collect`` reads every SKPD device (read-only) and writes one snapshot per SKPD;
- ``lan audit`` does it all for every SKPD: diagrams checked first, NetBox view, live collection,
  diff, Pasal 20 checks, and the report (docs/lan-audit.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, quiet_nornir
from simpul.cli.diagram import load_diagram, read_text
from simpul.core.diagram import parse_diagram
from simpul.core.diff import ThreeWay, diff_topologies, summarise, three_way
from simpul.core.findings import Finding, Severity
from simpul.core.snapshot import (
    Snapshot,
    parse_snapshot,
    snapshot_to_topology,
    unreachable_devices,
    unreachable_findings,
)
from simpul.core.topology import Topology
from simpul.errors import InputError, SimpulError

app = typer.Typer(help="lan", no_args_is_help=True)

_SEVERITY_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def load_snapshot(path: Path) -> Snapshot:
    """Read a snapshot JSON file; InputError (exit 2) on a missing, malformed or unknown-version file."""
    return parse_snapshot(read_text(path, "snapshot"), source=str(path))


def is_snapshot(path: Path, text: str) -> bool:
    """A snapshot is JSON (``.json``, or text starting with ``{``); anything else is a diagram."""
    return path.suffix.lower() == ".json" or text.lstrip("\ufeff \t\r\n").startswith("{")


def load_against(path: Path) -> tuple[Topology, Snapshot | None]:
    """The ``--against`` side: a snapshot (live view) or another diagram."""
    text = read_text(path, "--against file")
    if is_snapshot(path, text):
        snapshot = parse_snapshot(text, source=str(path))
        return snapshot_to_topology(snapshot, source=str(path)), snapshot
    return parse_diagram(text, source=str(path)).topology, None


def parse_fail_on(value: str) -> Severity | None:
    """``--fail-on``: a severity, or ``none`` to always exit 0 on findings."""
    if value.lower() == "none":
        return None
    try:
        return Severity(value.lower())
    except ValueError:
        raise InputError(
            f"unknown severity {value!r}",
            field="--fail-on",
            hint="one of " + ", ".join(s.value for s in Severity) + ", none",
        ) from None


def _where(f: Finding) -> str:
    own = " ".join(p for p in (f.device, f.port) if p)
    peer = " ".join(p for p in (f.peer, f.peer_port) if p)
    return f"{own} - {peer}" if own and peer else own or peer


def _article(f: Finding) -> str:
    """``Pasal 20 ayat (2)`` -> ``P20(2)`` for narrow tables (JSON keeps the full text)."""
    text = f.article or ""
    return text.replace("Pasal ", "P").replace(" ayat ", "").replace(" jo. ", "+")


def _findings_table(findings: list[Finding], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("severity", "code", "kind", "where", "expected", "actual", "article"):
        table.add_column(col, overflow="fold")
    for f in findings:
        table.add_row(
            f"[{_SEVERITY_STYLE[f.severity.value]}]{f.severity.value}[/]",
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


def _three_way_json(tw: ThreeWay) -> dict[str, Any]:
    return {
        "pairs": {
            name: {"findings": [f.model_dump(mode="json") for f in fs], "summary": summarise(fs)}
            for name, fs in tw.pairs.items()
        },
        "devices": [row.model_dump(mode="json") for row in tw.devices],
        "links": [row.model_dump(mode="json") for row in tw.links],
    }


def _load_netbox(skpd: str | None) -> Topology:
    if not skpd:
        raise InputError(
            "--netbox needs the SKPD",
            field="--skpd",
            hint="state `skpd:` in the diagram (or `SKPD: slug` in a draw.io note) or pass --skpd",
        )
    try:
        from simpul.netbox.topology import load_skpd_topology
    except ImportError as err:
        raise SimpulError(
            f"the NetBox view is not available in this installation ({err})",
            hint="update simpul; `lan diff` without --netbox works offline",
        ) from None
    from simpul.settings import load_settings

    topology: Topology = load_skpd_topology(load_settings(), skpd)
    return topology


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
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on", help="exit 1 when a finding is at least this severe (info..critical, none)"
        ),
    ] = "low",
) -> None:
    """Diff a submitted LAN diagram against a live snapshot or another diagram (offline)."""
    threshold = parse_fail_on(fail_on)
    expected = load_diagram(diagram).topology
    actual, snapshot = load_against(against)
    if expected.skpd and actual.skpd and expected.skpd != actual.skpd:
        raise InputError(
            f"the diagram is for SKPD {expected.skpd!r} but {against} is for {actual.skpd!r}",
            source=str(against),
            field="skpd",
            hint="compare files of the same SKPD",
        )
    slug = skpd or expected.skpd or actual.skpd
    unreachable = unreachable_devices(snapshot) if snapshot else frozenset()
    findings = (unreachable_findings(snapshot) if snapshot else []) + diff_topologies(
        expected, actual, skpd=slug, unreachable=unreachable
    )
    tw = None
    if netbox:
        tw = three_way(expected, _load_netbox(slug), actual, skpd=slug, unreachable=unreachable)
    summary = {
        "skpd": slug,
        "expected": str(diagram),
        "actual": str(against),
        "actual_view": actual.view.value,
        "fail_on": threshold.value if threshold else None,
        **summarise(findings),
    }
    failed = threshold is not None and any(f.severity >= threshold for f in findings)
    if as_json:
        out: dict[str, Any] = {"findings": [f.model_dump(mode="json") for f in findings], "summary": summary}
        if tw is not None:
            out["three_way"] = _three_way_json(tw)
        emit_json(out)
    else:
        _print_human(findings, summary, tw, against_label=actual.view.value)
    if failed:
        raise typer.Exit(1)


def _print_human(
    findings: list[Finding], summary: dict[str, Any], tw: ThreeWay | None, *, against_label: str
) -> None:
    console.print(
        f"[bold]{summary['expected']}[/] (diagram) vs [bold]{summary['actual']}[/] ({against_label}), "
        f"SKPD {summary['skpd'] or '?'}",
        highlight=False,
    )
    if findings:
        console.print(_findings_table(findings, f"{len(findings)} finding(s)"))
        by_sev = ", ".join(f"{n} {sev}" for sev, n in summary["by_severity"].items())
        console.print(f"Summary: {summary['total']} finding(s): {by_sev}", highlight=False)
    else:
        console.print("[green]The LAN matches the diagram.[/]")
    if tw is None:
        return
    third = "live" if against_label == "live" else "against"
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
            console.print(_findings_table(list(fs), f"{name.replace('_', ' ')}: {len(fs)} finding(s)"))


# --- live collection and the audit (these talk to NetBox and the devices) ---------------------------

SKPD_OPT = typer.Option([], "--skpd", help="SKPD (tenant) slug; repeat for several")
SITE_OPT = typer.Option([], "--site", help="site slug")
ROLE_OPT = typer.Option([], "--role", help="device role slug")
PLATFORM_OPT = typer.Option([], "--platform", help="platform slug")
DEVICE_OPT = typer.Option([], "--device", help="device name")


def collect_live(
    settings: Any, filters: Any, now: Any, api: Any = None
) -> tuple[dict[str, Snapshot], list[dict[str, str | None]]]:
    """Collect snapshots for the hosts matching ``filters``; also the failures (device, skpd, error)."""
    from simpul.collect import collect_snapshots, load_collect_hosts
    from simpul.inventory import build_nornir

    hosts, primary = load_collect_hosts(settings, filters, api=api)
    hosts = [h for h in hosts if h.skpd]
    if not hosts:
        return {}, []
    quiet_nornir()
    nornir = build_nornir(settings, hosts=hosts)
    snapshots = collect_snapshots(nornir, now, primary_ips=primary, secrets=settings.secrets())
    failed = [
        {"device": d.name, "skpd": skpd, "error": d.error}
        for skpd, snap in snapshots.items()
        for d in snap.devices
        if not d.reachable
    ]
    return snapshots, failed


@app.command("collect")
@handles_errors
def collect_command(
    out: Annotated[Path, typer.Option("--out", help="directory for the snapshots (one <skpd>.json each)")],
    skpd: list[str] = SKPD_OPT,
    site: list[str] = SITE_OPT,
    role: list[str] = ROLE_OPT,
    platform: list[str] = PLATFORM_OPT,
    device: list[str] = DEVICE_OPT,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Read every SKPD device's live state (read-only) and write one snapshot JSON per SKPD.

    Exit 0: every device answered; 1: some did not (each is recorded in its snapshot and listed with
    the reason); 2: bad input or settings.
    """
    import datetime as dt

    from simpul.cli.inventory import filters_from
    from simpul.collect import write_snapshots
    from simpul.settings import load_settings

    s = load_settings()
    filters = filters_from(skpd, site, role, platform, [], device)
    now = dt.datetime.now(dt.UTC)
    snapshots, failed = collect_live(s, filters, now)
    written = write_snapshots(snapshots, out)
    devices = sum(len(snap.devices) for snap in snapshots.values())
    if as_json:
        emit_json(
            {
                "collected_at": now.isoformat(),
                "snapshots": {k: str(v) for k, v in written.items()},
                "devices": devices,
                "failed": failed,
            }
        )
    else:
        console.print(
            f"{devices} device(s) of {len(snapshots)} SKPD collected, "
            f"[{'red' if failed else 'green'}]{len(failed)} failed[/] -> {out}",
            highlight=False,
        )
        if failed:
            table = Table(title="did not answer", title_justify="left")
            for col in ("device", "skpd", "reason"):
                table.add_column(col)
            for row in failed:
                table.add_row(row["device"] or "", row["skpd"] or "", row["error"] or "")
            console.print(table)
    if failed:
        raise typer.Exit(1)


def find_diagram(topology_dir: Path, slug: str) -> Path | None:
    """``<slug>.yaml`` (or ``.yml``), else ``<slug>.drawio``, in the topology directory."""
    for suffix in (".yaml", ".yml", ".drawio"):
        path = topology_dir / f"{slug}{suffix}"
        if path.is_file():
            return path
    return None


def load_diagrams(topology_dir: Path, slugs: list[str]) -> dict[str, Topology]:
    """Every SKPD's diagram, read and checked before any device is touched (a bad one: exit 2)."""
    if not topology_dir.is_dir():
        raise InputError(
            "the topology directory does not exist",
            source=str(topology_dir),
            field="--topology-dir",
            hint="give the directory holding <skpd>.yaml / <skpd>.drawio diagrams",
        )
    diagrams: dict[str, Topology] = {}
    for slug in slugs:
        path = find_diagram(topology_dir, slug)
        if path is None:
            continue
        topology = load_diagram(path).topology
        if topology.skpd and topology.skpd != slug:
            raise InputError(
                f"the diagram says SKPD {topology.skpd!r} but its file name says {slug!r}",
                source=str(path),
                field="skpd",
                hint=f"name the file {topology.skpd}{path.suffix} or fix the SKPD in it",
            )
        diagrams[slug] = topology.model_copy(update={"skpd": slug})
    return diagrams


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
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on", help="exit 1 when a finding is at least this severe (info..critical, none)"
        ),
    ] = "high",
    topology_dir: Annotated[
        Path | None,
        typer.Option("--topology-dir", help="submitted diagrams (default: topology/ of the project)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Audit every SKPD: diagram vs live LAN (NetBox alongside) and the Pasal 20 rules; write the report.

    Diagrams are read and checked first (a bad one: exit 2 before any device is touched). Exit 1 when a
    finding reaches --fail-on (default high), 0 otherwise.
    """
    import datetime as dt

    from simpul.cli.inventory import filters_from
    from simpul.collect import audit_skpd, last_lan_change
    from simpul.core.audit import AuditRun, exit_code, summarise
    from simpul.netbox.client import connect
    from simpul.netbox.topology import load_regency_name, load_skpd_facts, load_skpd_topologies
    from simpul.report import write_report
    from simpul.settings import load_settings

    threshold = parse_fail_on(fail_on)
    s = load_settings()
    language = lang or s.lang
    if language not in ("id", "en"):
        raise InputError(f"unknown language {language!r}", field="--lang", hint="id or en")
    api = connect(s)
    facts = load_skpd_facts(s, api=api)
    known = {f.slug for f in facts}
    unknown = sorted(set(skpd) - known)
    if unknown:
        raise InputError(
            f"not an SKPD in NetBox: {', '.join(unknown)}",
            field="--skpd",
            hint="tenant slugs of group skpd, e.g. disdik",
        )
    if skpd:
        facts = [f for f in facts if f.slug in skpd]
    slugs = [f.slug for f in facts]
    diagrams = load_diagrams(topology_dir or Path(s.project_dir) / "topology", slugs)
    netbox_views = load_skpd_topologies(s, slugs, api=api)
    now = dt.datetime.now(dt.UTC)
    filters = filters_from(skpd, site, role, platform, [], device)
    snapshots, _failed = collect_live(s, filters, now, api=api)
    today = now.astimezone().date()
    audits = []
    for info in facts:
        snapshot = snapshots.get(info.slug)
        devices = [d.name for d in snapshot.devices] if snapshot else []
        audits.append(
            audit_skpd(
                slug=info.slug,
                name=info.name,
                mandiri_tik=info.mandiri_tik,
                today=today,
                diagram=diagrams.get(info.slug),
                netbox=netbox_views.get(info.slug),
                snapshot=snapshot,
                netbox_diagram_date=info.lan_diagram_date,
                last_change=last_lan_change(s.backup_repo, devices),
            )
        )
    run = AuditRun(
        regency=load_regency_name(s, api=api),
        generated_at=now,
        lang=language,  # type: ignore[arg-type]
        fail_on=threshold or Severity.CRITICAL,
        skpds=tuple(audits),
    )
    files = write_report(run, report, language)
    summary = summarise(run)
    code = exit_code(run, threshold) if threshold is not None else 0
    if as_json:
        emit_json(
            {
                "report": {
                    "index": str(files.index),
                    "json": str(files.json),
                    "markdown": str(files.markdown),
                },
                "summary": summary.model_dump(mode="json"),
                "skpds": [
                    {
                        "slug": a.slug,
                        "status": a.status.value,
                        "findings": [f.model_dump(mode="json") for f in a.findings],
                    }
                    for a in run.skpds
                ],
                "exit_code": code,
            }
        )
    else:
        _print_audit(run, files.index, code)
    if code:
        raise typer.Exit(code)


def _print_audit(run: Any, index: Path, code: int) -> None:
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
            f"[{_SEVERITY_STYLE[worst.value]}]{worst.value}[/]" if worst else "-",
        )
    console.print(table)
    console.print(f"Report: [bold]{index}[/]", highlight=False)
    if code:
        console.print(f"[red]findings at or above {run.fail_on.value}[/] (exit {code})", highlight=False)
