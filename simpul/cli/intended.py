"""``simpul intended``: intended configs from NetBox, compliance per feature, and its history."""

from __future__ import annotations

from pathlib import Path

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

app = typer.Typer(help="Intended configs from NetBox and compliance per feature.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="print JSON")
TEMPLATES = typer.Option(None, "--templates", help="template directory (default: the shipped tree)")
OUT = typer.Option(None, "--out", help="write one <device>.cfg per device here")
LIVE = typer.Option(False, "--live", help="fetch running configs from the devices")
QUEUE = typer.Option(None, "--queue", help="with --live: read them on `simpul worker`s via this RQ Redis URL")
REPO = typer.Option(None, "--repo", help="config-backup repo (default: backup_repo)")
RULES = typer.Option(None, "--rules", help="rules (default compliance/rules.yaml)")
WAIVERS = typer.Option(None, "--waivers", help="waivers (default compliance/waivers.yaml)")
FEATURE = typer.Option(None, "--feature", help="one feature")


@app.command("render")
@handles_errors
def render(
    skpd: list[str] = SKPD_OPT,
    site: list[str] = SITE_OPT,
    role: list[str] = ROLE_OPT,
    platform: list[str] = PLATFORM_OPT,
    tag: list[str] = TAG_OPT,
    device: list[str] = DEVICE_OPT,
    out: Path | None = OUT,
    templates: Path | None = TEMPLATES,
    as_json: bool = JSON,
) -> None:
    """Render each device's intended config (NetBox + config contexts + templates). Exit 2: template error."""
    from simpul.inventory import Filters
    from simpul.services.intended import RenderRequest
    from simpul.services.intended import render as render_configs

    filters = Filters.of(skpd=skpd, site=site, role=role, platform=platform, tag=tag, device=device)
    result = render_configs(settings(), RenderRequest(filters=filters, templates=templates))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in result.configs.items():
            (out / f"{name}.cfg").write_text(text)
    if as_json:
        emit_json(result.as_json())
    elif out is None:
        for name, text in sorted(result.configs.items()):
            console.rule(name)
            typer.echo(text, nl=False)  # verbatim: a config line is never wrapped
    if not as_json:
        for name, reason in sorted(result.errors.items()):
            console.print(f"{name}: {reason}", style="red", markup=False)
    if out is not None and not as_json:
        console.print(f"{len(result.configs)} intended configs written to {out}")
    raise typer.Exit(result.exit_code)


@app.command("check")
@handles_errors
def check(
    skpd: list[str] = SKPD_OPT,
    site: list[str] = SITE_OPT,
    role: list[str] = ROLE_OPT,
    platform: list[str] = PLATFORM_OPT,
    tag: list[str] = TAG_OPT,
    device: list[str] = DEVICE_OPT,
    live: bool = LIVE,
    repo: Path | None = REPO,
    rules: Path | None = RULES,
    waivers: Path | None = WAIVERS,
    templates: Path | None = TEMPLATES,
    queue: str | None = QUEUE,
    as_json: bool = JSON,
) -> None:
    """Compare running with intended, per device and feature. Exit 1: a finding or a failed device."""
    from simpul.inventory import Filters
    from simpul.services.intended import CheckRequest
    from simpul.services.intended import check as check_compliance

    filters = Filters.of(skpd=skpd, site=site, role=role, platform=platform, tag=tag, device=device)
    quiet_nornir()
    request = CheckRequest(
        filters=filters, live=live, repo=repo, rules=rules, waivers=waivers, templates=templates
    )
    from simpul.scale.remote import device_work

    config = settings()
    with device_work(config, queue):  # --live: running configs read (and scrubbed) on the workers
        result = check_compliance(config, request)
    if as_json:
        emit_json(result.as_json())
        raise typer.Exit(result.exit_code)
    table = Table("device", "feature", "state", "missing", "extra", title=f"compliance ({result.source})")
    for name, dev in sorted(result.devices.items()):
        for feat, fc in sorted(dev.features.items()):
            if fc.compliant:
                continue
            state = f"waived until {fc.waived_until}" if fc.waived_until else "[red]non-compliant[/]"
            table.add_row(name, feat, state, "\n".join(fc.missing), "\n".join(fc.extra))
    for name, reason in sorted(result.failed.items()):
        table.add_row(name, "-", "[red]failed[/]", reason, "")
    if table.row_count:
        console.print(table)
    s = result.as_json()["summary"]
    console.print(
        f"{s['compliant_devices']}/{s['devices']} devices compliant; features: {s['features_compliant']} "
        f"compliant, {s['features_non_compliant']} non-compliant, {s['features_waived']} waived; "
        f"{s['failed_devices']} failed"
    )
    raise typer.Exit(result.exit_code)


@app.command("history")
@handles_errors
def history(
    device: str | None = typer.Argument(None, help="device name (default: every device)"),
    feature: str | None = FEATURE,
    as_json: bool = JSON,
) -> None:
    """Since when each device/feature holds its state, and its changes over time."""
    from simpul.services.intended import HistoryRequest
    from simpul.services.intended import history as read_history

    result = read_history(settings(), HistoryRequest(device=device, feature=feature))
    if as_json:
        emit_json(result.as_json())
        raise typer.Exit(result.exit_code)
    table = Table("device", "feature", "state", "since", "changes")
    for name, feats in sorted(result.devices.items()):
        for feat, h in sorted(feats.items()):
            changes = ", ".join(f"{t:%Y-%m-%d %H:%M} {s}" for t, s in h.changes)
            table.add_row(name, feat, h.state, f"{h.since:%Y-%m-%d %H:%M:%S}", changes)
    console.print(table)
    raise typer.Exit(result.exit_code)
