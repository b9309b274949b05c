"""``simpul bandwidth``: plan, check, propose, render and verify per-SKPD internet bandwidth.

The plan comes from NetBox (tenants of group ``skpd``, internet circuits on the core) or, with
``--plan FILE``, from a YAML/JSON plan file (see docs/bandwidth.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, quiet_nornir, settings
from simpul.core.bandwidth import (
    GOODPUT_FACTOR,
    TOLERANCE,
    Plan,
    allocation_diff,
    check,
    judge,
    plan_from_data,
    plan_table,
    propose,
    scale,
    with_allocations,
)
from simpul.errors import BandwidthError, InputError
from simpul.templates.bandwidth import TEMPLATES, render_bandwidth

app = typer.Typer(
    help="Per-SKPD internet bandwidth: plan, check, propose, render, verify.", no_args_is_help=True
)

PLAN_OPT = typer.Option(None, "--plan", help="plan file (YAML/JSON) instead of NetBox")
JSON_OPT = typer.Option(False, "--json", help="print JSON")
OUTPUT_OPT = typer.Option(None, "--output", "-o", help="write to a file")
SKPD_OPT = typer.Option(None, "--skpd", help="only these SKPD (repeatable)")


def read_plan_file(path: Path) -> Plan:
    """A plan file as a Plan; a YAML or schema error is an InputError naming file and line/field."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(f"cannot read plan file: {exc.strerror}", source=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise InputError(
            f"not valid YAML: {exc.problem}",
            source=str(path),
            line=mark.line + 1 if mark else None,
        ) from None
    return plan_from_data(data, str(path))


def _source(plan_file: Path | None) -> tuple[Plan, Any, Any]:
    """(plan, SotBandwidth or None, pynetbox api or None)."""
    if plan_file is not None:
        return read_plan_file(plan_file), None, None
    from simpul.netbox import bandwidth as sot_bw
    from simpul.netbox.client import connect

    api = connect(settings())
    sot = sot_bw.load(api)
    return sot.plan, sot, api


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _require_known(plan: Plan, slugs: list[str]) -> None:
    known = {a.slug for a in plan.allocations} | {s.slug for s in plan.skpds or ()}
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise InputError(
            f"unknown SKPD {', '.join(unknown)}",
            field="--skpd",
            hint="known: " + ", ".join(sorted(known)),
        )


@app.command("plan")
@handles_errors
def plan_command(plan_file: Path | None = PLAN_OPT, as_json: bool = JSON_OPT) -> None:
    """Print the allocation: SKPD, CIR, MIR, share of capacity, oversubscription."""
    plan, _, _ = _source(plan_file)
    table = plan_table(plan)
    if as_json:
        emit_json(table.model_dump(mode="json"))
        return
    out = Table(title=f"Internet capacity {table.capacity_mbps:g} Mbps")
    for col in ("SKPD", "name", "CIR Mbps", "MIR Mbps", "CIR share", "MIR share", "LAN"):
        out.add_column(col, justify="right" if "Mbps" in col or "share" in col else "left")
    for row in table.rows:
        out.add_row(
            row.skpd,
            row.name,
            _num(row.cir_mbps),
            _num(row.mir_mbps),
            _pct(row.cir_share),
            _pct(row.mir_share),
            ", ".join(row.lan_prefixes),
        )
    console.print(out)
    for c in table.circuits:
        console.print(f"circuit {c.cid} ({c.provider}): {c.commit_mbps:g} Mbps")
    console.print(
        f"sum CIR {table.total_cir_mbps:g} Mbps ({_pct(table.cir_ratio)} of capacity), "
        f"sum MIR {table.total_mir_mbps:g} Mbps: oversubscription "
        f"{'-' if table.oversubscription is None else f'{table.oversubscription:.2f}'}"
    )


@app.command("check")
@handles_errors
def check_command(plan_file: Path | None = PLAN_OPT, as_json: bool = JSON_OPT) -> None:
    """Validate the allocation (HTB rules, completeness). Exit 1 on any violation."""
    plan, _, _ = _source(plan_file)
    violations = check(plan)
    if as_json:
        emit_json({"ok": not violations, "violations": [v.model_dump() for v in violations]})
    elif violations:
        out = Table(title=f"{len(violations)} violation(s)")
        for col in ("code", "SKPD", "message"):
            out.add_column(col)
        for v in violations:
            out.add_row(v.code, v.skpd or "-", v.message)
        console.print(out)
    else:
        console.print(
            f"[green]ok[/]: {len(plan.active())} allocation(s) fit {plan.capacity.total_mbps:g} Mbps"
        )
    if violations:
        raise typer.Exit(1)


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
    if policy not in ("equal", "weighted"):
        raise InputError(f"unknown policy {policy!r}", field="--policy", hint="use equal or weighted")
    if mir_factor is not None and mir_factor < 1:
        raise InputError("--mir-factor must be >= 1 (MIR is never below CIR)", field="--mir-factor")
    plan, sot, api = _source(plan_file)
    weights: dict[str, float] | None = None
    if policy == "weighted":
        if not weight_field:
            raise InputError("--policy weighted needs --weight-field", field="--weight-field")
        if sot is None:
            raise InputError(
                "--weight-field reads tenant custom fields: use NetBox, not --plan", field="--plan"
            )
        from simpul.netbox import bandwidth as sot_bw

        weights = sot_bw.weights(sot, weight_field)
    if commit and sot is None:
        raise InputError("--commit writes to NetBox; it cannot be used with --plan", field="--commit")
    skpds = plan.skpds if plan.skpds is not None else plan.allocations
    proposal = propose(skpds, plan.capacity, "weighted" if policy == "weighted" else "equal", weights,
                       mir_factor=mir_factor)  # fmt: skip
    changes = allocation_diff(plan.allocations, proposal)
    after = with_allocations(plan, proposal)
    remaining = check(after)
    if remaining:  # propose guarantees this cannot happen; refuse rather than write a bad plan
        raise BandwidthError("the proposal fails the check: " + "; ".join(v.message for v in remaining))
    written = 0
    if commit and changes and sot is not None:
        from simpul.netbox import bandwidth as sot_bw

        written = sot_bw.write_allocations(api, sot, proposal)
    if as_json:
        emit_json(
            {
                "policy": policy,
                "committed": commit,
                "written": written,
                "changes": [c.model_dump() for c in changes],
                "allocations": [a.model_dump(mode="json") for a in proposal],
            }
        )
        return
    if not changes:
        console.print("no change: NetBox already holds this allocation")
        return
    out = Table(title=f"proposal ({policy})" + ("" if commit else ": dry run, --commit to write"))
    for col in ("SKPD", "field", "now", "proposed"):
        out.add_column(col)
    for c in changes:
        out.add_row(c.skpd, c.field, _num(c.old), _num(c.new))
    console.print(out)
    if commit:
        console.print(f"[green]written[/] to {written} tenant(s) in NetBox")


@app.command("render")
@handles_errors
def render_command(
    target: str = typer.Option(..., "--target", help="routeros, linux or ios"),
    uplink: str | None = typer.Option(None, "--uplink", help="interface to shape (default: NetBox's)"),
    downlink: str | None = typer.Option(None, "--downlink", help="IOS: LAN-facing interface for download"),
    output: Path | None = OUTPUT_OPT,
    plan_file: Path | None = PLAN_OPT,
) -> None:
    """Render the plan for a target; refuses a plan that fails the check (exit 2)."""
    if target not in TEMPLATES:
        raise InputError(f"unknown target {target!r}", field="--target", hint="use " + ", ".join(TEMPLATES))
    plan, sot, _ = _source(plan_file)
    if uplink is None:
        if sot is None or not sot.uplinks:
            raise InputError("--uplink is required (no uplink interface known)", field="--uplink")
        uplink = sot.uplinks[0].interface
    text = render_bandwidth(plan, target, uplink=uplink, downlink=downlink)
    if output is not None:
        output.write_text(text)
        console.print(f"wrote {output}")
    else:
        typer.echo(text, nl=False)


ENDPOINTS_OPT = typer.Option(
    None, "--endpoints", help="YAML of iperf3 server + per-SKPD SSH clients: measure your own gear"
)


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
    if endpoints_file is not None:
        lab_options = {"--ns-prefix": ns_prefix, "--max-capacity": max_capacity}
        clash = [option for option, value in lab_options.items() if value is not None]
        if clash:
            raise InputError(
                f"--endpoints measures your own gear; {' and '.join(clash)} "
                f"{'is' if len(clash) == 1 else 'are'} for the namespace lab only",
                field=clash[0],
                hint="drop " + " and ".join(clash) + ", or drop --endpoints to use the namespace lab",
            )
    prefix = "sbw-" if ns_prefix is None else ns_prefix
    if not re.fullmatch(r"[a-z][a-z0-9-]{0,9}", prefix):
        raise InputError(f"--ns-prefix {prefix!r}: use 1-10 of a-z, 0-9, -", field="--ns-prefix")
    endpoints = None
    if endpoints_file is not None:
        from simpul.bandwidth_endpoints import read_endpoints

        endpoints = read_endpoints(endpoints_file)  # a bad file stops here: nothing is measured
    plan, _, _ = _source(plan_file)
    slugs = list(skpd or [])
    _require_known(plan, slugs)
    if endpoints is not None:
        endpoints.require_known(a.slug for a in plan.active())
        missing = [s for s in slugs if endpoints.client(s) is None]
        if missing:
            raise InputError(
                f"no client for SKPD {', '.join(missing)} in {endpoints.source}",
                field="--skpd",
                hint="add it under clients: in the endpoints file",
            )
    violations = check(plan)
    if violations:
        raise BandwidthError(
            "the plan breaks " + "; ".join(f"{v.code} {v.message}" for v in violations),
            hint="fix the allocation first (simpul bandwidth check)",
        )
    errors: dict[str, str] = {}
    measured: Mapping[str, tuple[float | None, float | None]]
    if endpoints is None:
        from simpul.lab import bwlab

        mode = "lab"
        lab_plan, factor = scale(plan, 100.0 if max_capacity is None else max_capacity)
        chosen = slugs or [a.slug for a in lab_plan.active()]
        script = render_bandwidth(lab_plan, "linux", uplink=bwlab.UPLINK)
        measured = bwlab.run_verify(lab_plan, script, chosen, seconds, prefix=prefix)
    else:
        from simpul.bandwidth_endpoints import measure

        mode, lab_plan, factor = "endpoints", plan, 1.0  # real gear, real rates
        chosen = slugs or [c.slug for c in endpoints.clients]
        quiet_nornir()
        outcomes = measure(settings(), endpoints, chosen, seconds)
        measured = {s: (o.alone_mbps, o.contended_mbps) for s, o in outcomes.items()}
        errors = {s: o.error for s, o in outcomes.items() if o.error}
    results = [
        judge(a, lab_plan.capacity.total_mbps, *measured[a.slug])
        for a in lab_plan.active()
        if a.slug in chosen
    ]
    ok = all(r.ok for r in results) and not errors
    if as_json:
        emit_json(
            {
                "ok": ok,
                "mode": mode,
                # the contended run proves CIR only with every SKPD loaded: say who was left out
                "unmeasured": sorted(a.slug for a in lab_plan.active() if a.slug not in chosen),
                "scale": factor,
                "goodput_factor": GOODPUT_FACTOR,
                "tolerance": TOLERANCE,
                "skpd": {
                    r.skpd: {
                        "cir": r.cir,
                        "mir": r.mir,
                        "alone_mbps": r.alone_mbps,
                        "contended_mbps": r.contended_mbps,
                        "expected_alone_mbps": r.expected_alone_mbps,
                        "min_contended_mbps": r.min_contended_mbps,
                        "ok": r.ok and r.skpd not in errors,
                        **({"error": errors[r.skpd]} if r.skpd in errors else {}),
                    }
                    for r in results
                },
            }
        )
    else:
        where = f"lab scale x{factor:g}" if endpoints is None else f"endpoints {Path(endpoints.source).name}"
        out = Table(title=f"bandwidth verify ({where}, goodput x{GOODPUT_FACTOR}, ±{TOLERANCE:.0%})")
        for col in ("SKPD", "CIR", "MIR", "alone", "expected", "contended", "min", "ok"):
            out.add_column(col, justify="left" if col == "SKPD" else "right")
        for r in results:
            out.add_row(
                r.skpd,
                _num(r.cir),
                _num(r.mir),
                _num(r.alone_mbps),
                _num(r.expected_alone_mbps),
                _num(r.contended_mbps),
                _num(r.min_contended_mbps),
                "[green]ok[/]" if r.ok and r.skpd not in errors else "[red]FAIL[/]",
            )
        console.print(out)
        for slug, error in errors.items():
            console.print(f"[red]{slug}[/]: {error}", highlight=False)
        if endpoints is not None:
            unmeasured = sorted({a.slug for a in plan.active()} - {c.slug for c in endpoints.clients})
            if unmeasured and not slugs:
                console.print(f"no client in the endpoints file (not measured): {', '.join(unmeasured)}")
    if not ok:
        raise typer.Exit(1)


DEVICE_OPT = typer.Option(None, "--device", help="only these core routers (repeatable)")


@app.command("apply")
@handles_errors
def apply_command(
    commit: bool = typer.Option(False, "--commit", help="push; without it only the diff is shown"),
    device: list[str] | None = DEVICE_OPT,
    uplink: str | None = typer.Option(None, "--uplink", help="interface to shape (default: NetBox's)"),
    downlink: str | None = typer.Option(
        None, "--downlink", help="IOS: LAN-facing interface for the download policy"
    ),
    as_json: bool = JSON_OPT,
) -> None:
    """Push the plan to the core router(s) via Nornir: diff first, --commit to push, idempotent.

    Linux (tc script), Cisco IOS (MQC: hier_config remediation of the SIMPUL-BW-* objects) and
    MikroTik RouterOS (address lists, mangle, queue tree) core routers. Exit 1 when any router failed.
    """
    from nornir.core.plugins.connections import ConnectionPluginRegister

    from nornir_tasks.bandwidth import TARGETS, bandwidth_apply, bandwidth_apply_ios, bandwidth_apply_routeros
    from simpul.inventory import Filters, build_nornir
    from simpul.netbox import bandwidth as sot_bw
    from simpul.netbox.bandwidth import CORE_ROLE
    from simpul.netbox.client import connect

    cfg = settings()
    api = connect(cfg)
    sot = sot_bw.load(api)
    violations = check(sot.plan)
    if violations:
        raise BandwidthError(
            "the plan breaks " + "; ".join(f"{v.code} {v.message}" for v in violations),
            hint="fix the allocation first (simpul bandwidth check); nothing was pushed",
        )
    ConnectionPluginRegister.auto_register()
    quiet_nornir()
    nr = build_nornir(cfg, Filters(role=(CORE_ROLE,), device=tuple(device or ())))
    if not nr.inventory.hosts:
        raise InputError("no core router matched", field="--device", hint=f"devices with role {CORE_ROLE}")
    results: dict[str, dict[str, Any]] = {}

    def failure(error: str) -> dict[str, Any]:
        return {
            "platform": platform,
            "changed": False,
            "failed": True,
            "diff": "",
            "commands": [],
            "error": error,
        }

    try:
        for name, host in sorted(nr.inventory.hosts.items()):
            platform = str(host.data.get("netbox_platform"))
            if platform not in TARGETS:
                results[name] = failure(
                    f"platform {platform}: apply supports {', '.join(TARGETS)}; "
                    "render with `simpul bandwidth render` and push by hand"
                )
                continue
            up = uplink or next((u.interface for u in sot.uplinks if u.device == name), None)
            if up is None:
                results[name] = failure("no uplink: cable the internet circuit to the core or pass --uplink")
                continue
            config = render_bandwidth(sot.plan, TARGETS[platform], uplink=up, downlink=downlink)
            one = nr.filter(name=name)
            if platform == "linux":
                agg = one.run(task=bandwidth_apply, script=config, uplink=up, commit=commit, on_failed=True)
            elif platform == "cisco_ios":
                agg = one.run(task=bandwidth_apply_ios, config=config, commit=commit, on_failed=True)
            else:
                agg = one.run(task=bandwidth_apply_routeros, config=config, commit=commit, on_failed=True)
            multi = agg[name]
            if multi.failed:
                exc = multi.exception or next((r.exception for r in multi if r.exception), None)
                results[name] = failure(str(exc).strip())
            else:
                results[name] = {
                    "platform": platform,
                    "changed": multi[0].changed,
                    "failed": False,
                    "diff": multi[0].diff or "",
                    "commands": multi[0].result if isinstance(multi[0].result, list) else [],
                }
    finally:
        nr.close_connections()
    failed = any(r["failed"] for r in results.values())
    if as_json:
        emit_json({"committed": commit, "ok": not failed, "devices": results})
    else:
        out = Table(title="bandwidth apply" + ("" if commit else " (dry run: --commit to push)"))
        for col in ("device", "platform", "changed", "result"):
            out.add_column(col)
        for name, r in results.items():
            out.add_row(
                name,
                r["platform"],
                ("yes" if commit else "would change") if r["changed"] else "no",
                f"[red]{r['error']}[/]" if r["failed"] else "ok",
            )
        console.print(out)
        for name, r in results.items():
            if r["diff"] and not commit:
                console.print(f"--- {name}", highlight=False)
                typer.echo(r["diff"])
    if failed:
        raise typer.Exit(1)
