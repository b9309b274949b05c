"""``simpul vps``: VPS in the Pusat Data for SKPD without their own servers (simpul.services.vps)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, settings

if TYPE_CHECKING:
    from simpul.services.vps import ApplyResult, ListResult

app = typer.Typer(help="VPS in the Pusat Data (Pasal 14 ayat 8): request, apply, list.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="print JSON")
SSH_KEY = typer.Option([], "--ssh-key", help="SSH public key file; repeat for several")
CLUSTER = typer.Option(None, "--cluster", help="the Pusat Data cluster (default: the one tagged pusat-data)")


@app.command("request")
@handles_errors
def request(
    skpd: str = typer.Option(..., "--skpd", help="SKPD (tenant) slug"),
    name: str = typer.Option(..., "--name", help="VPS name (its host name)"),
    vcpus: int = typer.Option(..., "--vcpus", help="vCPUs"),
    memory_mb: int = typer.Option(..., "--memory-mb", help="memory (MB)"),
    disk_gb: int = typer.Option(..., "--disk-gb", help="disk (GB)"),
    image: str | None = typer.Option(None, "--image", help="image (default debian-12)"),
    ssh_key: list[Path] = SSH_KEY,
    cluster: str | None = CLUSTER,
    as_json: bool = JSON,
) -> None:
    """Record a planned VPS in NetBox with its IP. Exit 2 (nothing written) when refused."""
    from simpul.services.vps import RequestVps, request_vps

    req = RequestVps(
        skpd=skpd,
        name=name,
        vcpus=vcpus,
        memory_mb=memory_mb,
        disk_gb=disk_gb,
        image=image,
        ssh_key_files=tuple(ssh_key),
        cluster=cluster,
    )
    result = request_vps(settings(), req)
    if as_json:
        emit_json(result.as_json())
    else:
        console.print(
            f"[green]recorded[/] {result.name} for {result.skpd}: {result.ip}, {result.size.vcpus} vCPU, "
            f"{result.size.memory_mb} MB, {result.size.disk_gb} GB, {result.image} (planned; "
            "`simpul vps apply --commit` creates it)"
        )
    raise typer.Exit(result.exit_code)


@app.command("apply")
@handles_errors
def apply(
    skpd: str | None = typer.Option(None, "--skpd", help="only this SKPD's VPS"),
    name: str | None = typer.Option(None, "--name", help="only this VPS"),
    commit: bool = typer.Option(False, "--commit", help="change the hypervisor (default: print the plan)"),
    wait: bool = typer.Option(False, "--wait", help="wait until each started VPS answers SSH"),
    purge: bool = typer.Option(
        False, "--purge", help="decommissioning: remove the disk now, not after the grace"
    ),
    cluster: str | None = CLUSTER,
    as_json: bool = JSON,
) -> None:
    """Reconcile NetBox's VPS with the hypervisor. Exit 1: some VPS failed; 2: NetBox asks the impossible."""
    from simpul.services.vps import ApplyVps, apply_vps

    req = ApplyVps(skpd=skpd, name=name, commit=commit, wait=wait, purge=purge, cluster=cluster)
    result = apply_vps(settings(), req)
    if as_json:
        emit_json(result.as_json())
    else:
        _render_apply(result)
    raise typer.Exit(result.exit_code)


def _render_apply(result: ApplyResult) -> None:
    table = Table(
        "VPS",
        "action",
        "result",
        "what / why",
        title=f"{result.cluster} ({result.provider})"
        + ("" if result.committed else ": plan only, add --commit to apply"),
    )
    colours = {"applied": "green", "failed": "red", "unchanged": "dim"}
    for o in result.outcomes:
        table.add_row(o.name, o.action, f"[{colours[o.result]}]{o.result}[/]", o.reason or o.detail)
    console.print(table)
    for path in result.expired:
        console.print(f"removed a disk past its grace period: {path}", style="dim")


@app.command("list")
@handles_errors
def list_(
    skpd: str | None = typer.Option(None, "--skpd", help="only this SKPD's VPS"),
    cluster: str | None = CLUSTER,
    as_json: bool = JSON,
) -> None:
    """NetBox and the hypervisor side by side, with drift. Exit 1 when they differ."""
    from simpul.services.vps import ListVps, list_vps

    result = list_vps(settings(), ListVps(skpd=skpd, cluster=cluster))
    if as_json:
        emit_json(result.as_json())
    else:
        _render_list(result)
    raise typer.Exit(result.exit_code)


def _size(size: object) -> str:
    return "-" if size is None else f"{size.vcpus}/{size.memory_mb}/{size.disk_gb}"  # type: ignore[attr-defined]


def _render_list(result: ListResult) -> None:
    table = Table(
        "VPS",
        "SKPD",
        "NetBox",
        "IP",
        "cpu/MB/GB",
        "hypervisor",
        "cpu/MB/GB",
        "SSH",
        title=f"VPS in {result.cluster}",
    )
    for r in result.rows:
        table.add_row(
            r.name,
            r.skpd or "-",
            r.status or "-",
            r.ip or "-",
            _size(r.netbox),
            r.power,
            _size(r.hypervisor),
            r.address or "-",
            style="yellow" if r.drift else None,
        )
    console.print(table)
    for d in result.drift:  # one line each, so a pipe or a narrow terminal never cuts them
        console.print(
            f"drift {d.name}: {d.kind}: {d.detail}", style="yellow", soft_wrap=True, highlight=False
        )
    if not result.drift:
        console.print("no drift: NetBox and the hypervisor agree", style="green")
