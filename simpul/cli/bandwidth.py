"""``simpul bandwidth``: plan, check, propose, render, verify and apply per-SKPD internet bandwidth.

Each command parses its options, calls its use case in :mod:`simpul.services.bandwidth` and renders
the result (a rich table, or ``--json``). The plan comes from NetBox or, with ``--plan FILE``, from a
YAML/JSON plan file (see docs/bandwidth.md).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, quiet_nornir, settings
from simpul.core.bandwidth import GOODPUT_FACTOR, TOLERANCE
from simpul.services import bandwidth as service

app = typer.Typer(
    help="Per-SKPD internet bandwidth: plan, check, propose, render, verify, apply.", no_args_is_help=True
)

PLAN_OPT = typer.Option(None, "--plan", help="plan file (YAML/JSON) instead of NetBox")
JSON_OPT = typer.Option(False, "--json", help="print JSON")
QUEUE_OPT = typer.Option(
    None, "--queue", help="run the device work on `simpul worker`s via this RQ Redis URL (docs/scale-out.md)"
)
OUTPUT_OPT = typer.Option(None, "--output", "-o", help="write to a file")
SKPD_OPT = typer.Option(None, "--skpd", help="only these SKPD (repeatable)")
DEVICE_OPT = typer.Option(None, "--device", help="only these core routers (repeatable)")
ENDPOINTS_OPT = typer.Option(
    None, "--endpoints", help="YAML of iperf3 server + per-SKPD SSH clients: measure your own gear"
)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


@app.command("plan")
@handles_errors
def plan_command(plan_file: Path | None = PLAN_OPT, as_json: bool = JSON_OPT) -> None:
    """Print the allocation: SKPD, CIR, MIR, share of capacity, oversubscription."""
    result = service.plan(settings(), service.PlanRequest(plan_file=plan_file))
    if as_json:
        emit_json(result.as_json())
        return
    table = result.table
    out = Table(title=f"Internet capacity {table.capacity_mbps:g} Mbps")
    for col in ("SKPD", "name", "CIR Mbps", "MIR Mbps", "CIR share", "MIR share", "LAN"):
        out.add_column(col, justify="right" if "Mbps" in col or "share" in col else "left")
    for row in table.rows:
        out.add_row(row.skpd, row.name, _num(row.cir_mbps), _num(row.mir_mbps), _pct(row.cir_share),
                    _pct(row.mir_share), ", ".join(row.lan_prefixes))  # fmt: skip
    console.print(out)
    for c in table.circuits:
        console.print(f"circuit {c.cid} ({c.provider}): {c.commit_mbps:g} Mbps")
    over = "-" if table.oversubscription is None else f"{table.oversubscription:.2f}"
    console.print(
        f"sum CIR {table.total_cir_mbps:g} Mbps ({_pct(table.cir_ratio)} of capacity), "
        f"sum MIR {table.total_mir_mbps:g} Mbps: oversubscription {over}"
    )


@app.command("check")
@handles_errors
def check_command(plan_file: Path | None = PLAN_OPT, as_json: bool = JSON_OPT) -> None:
    """Validate the allocation (HTB rules, completeness). Exit 1 on any violation."""
    result = service.check(settings(), service.CheckRequest(plan_file=plan_file))
    if as_json:
        emit_json(result.as_json())
    elif result.violations:
        out = Table(title=f"{len(result.violations)} violation(s)")
        for col in ("code", "SKPD", "message"):
            out.add_column(col)
        for v in result.violations:
            out.add_row(v.code, v.skpd or "-", v.message)
        console.print(out)
    else:
        capacity = result.plan.capacity.total_mbps
        console.print(f"[green]ok[/]: {len(result.plan.active())} allocation(s) fit {capacity:g} Mbps")
    raise typer.Exit(result.exit_code)


@app.command("continuity")
@handles_errors
def continuity_command(queue: str | None = QUEUE_OPT, as_json: bool = JSON_OPT) -> None:
    """Is every internet uplink answering, and what is left when one fails? (read-only; exit 1 if not)"""
    from simpul.scale.remote import device_work

    quiet_nornir()
    config = settings()
    with device_work(config, queue):
        result = service.continuity(config, service.ContinuityRequest())
    if as_json:
        emit_json(result.as_json())
        raise typer.Exit(result.exit_code)
    c = result.continuity
    out = Table(title="internet uplinks")
    for col in ("circuit", "provider", "Mbps", "core router", "interface", "state", "if it fails"):
        out.add_column(col)
    cases = {f.circuit: f for f in c.failures}
    for u in c.uplinks:
        state = {True: "[green]up[/]", False: "[red]down[/]", None: "[yellow]not read[/]"}[u.up]
        f = cases[u.circuit]
        left = f"{f.remaining_mbps:g} Mbps left for {f.committed_cir_mbps:g} Mbps CIR ({f.share:.0%})"
        where = (u.device or "-", u.interface or "-")
        out.add_row(u.circuit, u.provider, f"{u.commit_mbps:g}", *where, state, left)
    console.print(out)
    for router, why in result.failed.items():
        console.print(f"[yellow]{router}[/]: {why}", highlight=False)
    verdict = {"met": "[green]every uplink answers[/]", "unknown": "[yellow]unknown[/]"}
    console.print("continuity: " + verdict.get(c.verdict, "[red]not met[/]"))
    for problem in c.problems:
        console.print(f"  {problem}", highlight=False)
    raise typer.Exit(result.exit_code)


@app.command("propose")
@handles_errors
def propose_command(
    policy: str = typer.Option("equal", "--policy", help="equal or weighted"),
    weight_field: str | None = typer.Option(None, "--weight-field", help="tenant custom field of weights"),
    mir_factor: float | None = typer.Option(
        None, "--mir-factor", help="MIR = CIR x factor (default: capacity)"
    ),
    commit: bool = typer.Option(False, "--commit", help="write the proposal to NetBox"),
    plan_file: Path | None = PLAN_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Suggest allocations that pass the check; show the diff, write it only with --commit."""
    request = service.ProposeRequest(
        policy=policy, weight_field=weight_field, mir_factor=mir_factor, commit=commit, plan_file=plan_file
    )
    result = service.propose(settings(), request)
    if as_json:
        emit_json(result.as_json())
        return
    if not result.changes:
        console.print("no change: NetBox already holds this allocation")
        return
    out = Table(title=f"proposal ({policy})" + ("" if commit else ": dry run, --commit to write"))
    for col in ("SKPD", "field", "now", "proposed"):
        out.add_column(col)
    for c in result.changes:
        out.add_row(c.skpd, c.field, _num(c.old), _num(c.new))
    console.print(out)
    if commit:
        console.print(f"[green]written[/] to {result.written} tenant(s) in NetBox")


@app.command("render")
@handles_errors
def render_command(
    target: str = typer.Option(..., "--target", help="routeros, linux or ios"),
    uplink: str | None = typer.Option(None, "--uplink", help="interface to shape (default: NetBox's)"),
    downlink: str | None = typer.Option(None, "--downlink", help="IOS: LAN-facing interface for download"),
    device: str | None = typer.Option(
        None, "--device", help="core router whose NetBox uplink is the default (default: the first)"
    ),
    output: Path | None = OUTPUT_OPT,
    plan_file: Path | None = PLAN_OPT,
) -> None:
    """Render the plan for a target; refuses a plan that fails the check (exit 2)."""
    request = service.RenderRequest(
        target=target, uplink=uplink, downlink=downlink, device=device, plan_file=plan_file
    )
    result = service.render(settings(), request)
    if output is not None:
        output.write_text(result.text)
        console.print(f"wrote {output}")
    else:
        typer.echo(result.text, nl=False)


def _verify_table(result: service.VerifyResult) -> None:
    if result.endpoints_source is None:
        where = f"lab scale x{result.scale:g}"
    else:
        where = f"endpoints {Path(result.endpoints_source).name}"
    out = Table(title=f"bandwidth verify ({where}, goodput x{GOODPUT_FACTOR}, ±{TOLERANCE:.0%})")
    for col in ("SKPD", "CIR", "MIR", "alone", "expected", "contended", "min", "ok"):
        out.add_column(col, justify="left" if col == "SKPD" else "right")
    for m in result.measurements:
        out.add_row(m.skpd, _num(m.cir), _num(m.mir), _num(m.alone_mbps), _num(m.expected_alone_mbps),
                    _num(m.contended_mbps), _num(m.min_contended_mbps),
                    "[green]ok[/]" if result.passed(m) else "[red]FAIL[/]")  # fmt: skip
    console.print(out)
    for slug, error in result.errors.items():
        console.print(f"[red]{slug}[/]: {error}", highlight=False)
    if result.no_client:
        console.print(f"no client in the endpoints file (not measured): {', '.join(result.no_client)}")


@app.command("verify")
@handles_errors
def verify_command(
    skpd: list[str] | None = SKPD_OPT,
    seconds: int = typer.Option(3, "--seconds", min=1, max=60, help="iperf3 run length"),
    max_capacity: float | None = typer.Option(
        None, "--max-capacity", help="lab scale: capacity cap in Mbps (lab default 100)"
    ),
    ns_prefix: str | None = typer.Option(
        None, "--ns-prefix", help="prefix of the lab's namespace names (lab default sbw-)"
    ),
    endpoints_file: Path | None = ENDPOINTS_OPT,
    plan_file: Path | None = PLAN_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Prove the plan with real traffic: each SKPD alone ~MIR, all at once >= CIR.

    Without --endpoints: in a namespace lab simpul builds (needs root).

    With --endpoints FILE: on your own gear, per-SKPD iperf3 clients over SSH (real rates).
    """
    request = service.VerifyRequest(
        skpd=tuple(skpd or ()),
        seconds=seconds,
        max_capacity=max_capacity,
        ns_prefix=ns_prefix,
        endpoints_file=endpoints_file,
        plan_file=plan_file,
    )
    quiet_nornir()
    result = service.verify(settings(), request)
    if as_json:
        emit_json(result.as_json())
    else:
        _verify_table(result)
    raise typer.Exit(result.exit_code)


def _apply_table(result: service.ApplyResult) -> None:
    out = Table(title="bandwidth apply" + ("" if result.committed else " (dry run: --commit to push)"))
    for col in ("device", "platform", "changed", "result"):
        out.add_column(col)
    for name, router in result.routers.items():
        changed = ("yes" if result.committed else "would change") if router.outcome.changed else "no"
        status = f"[red]{router.outcome.reason}[/]" if router.failed else "ok"
        out.add_row(name, router.platform, changed, status)
    console.print(out)
    for name, router in result.routers.items():
        if router.outcome.diff and not result.committed:
            console.print(f"--- {name}", highlight=False)
            typer.echo(router.outcome.diff)


@app.command("apply")
@handles_errors
def apply_command(
    commit: bool = typer.Option(False, "--commit", help="push; without it only the diff is shown"),
    device: list[str] | None = DEVICE_OPT,
    uplink: str | None = typer.Option(None, "--uplink", help="interface to shape (default: NetBox's)"),
    downlink: str | None = typer.Option(
        None, "--downlink", help="IOS: LAN-facing interface for the download policy"
    ),
    queue: str | None = QUEUE_OPT,
    as_json: bool = JSON_OPT,
) -> None:
    """Push the plan to the core router(s) via Nornir: diff first, --commit to push, idempotent.

    Linux (tc script), Cisco IOS (MQC: hier_config remediation of the SIMPUL-BW-* objects) and
    MikroTik RouterOS (address lists, mangle, queue tree) core routers, all in one concurrent run.
    Exit 1 when any router failed.
    """
    request = service.ApplyRequest(
        commit=commit, devices=tuple(device or ()), uplink=uplink, downlink=downlink
    )
    from simpul.scale.remote import device_work

    quiet_nornir()
    config = settings()
    with device_work(config, queue):
        result = service.apply(config, request)
    if as_json:
        emit_json(result.as_json())
    else:
        _apply_table(result)
    raise typer.Exit(result.exit_code)
