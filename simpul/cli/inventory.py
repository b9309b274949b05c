"""``simpul inventory``: the Nornir inventory built from NetBox."""

from __future__ import annotations

import typer
from rich.table import Table

from simpul.cli._common import console, emit_json, handles_errors, settings
from simpul.inventory import Filters, inventory_json, load_hosts

SKPD = typer.Option([], "--skpd", help="SKPD (tenant) slug; repeat for several")
SITE = typer.Option([], "--site", help="site slug")
ROLE = typer.Option([], "--role", help="device role slug")
PLATFORM = typer.Option([], "--platform", help="platform slug")
TAG = typer.Option([], "--tag", help="tag slug")
DEVICE = typer.Option([], "--device", help="device name")


def filters_from(
    skpd: list[str],
    site: list[str],
    role: list[str],
    platform: list[str],
    tag: list[str],
    device: list[str] | None = None,
) -> Filters:
    return Filters(
        skpd=tuple(skpd),
        site=tuple(site),
        role=tuple(role),
        platform=tuple(platform),
        tag=tuple(tag),
        device=tuple(device or ()),
    )


@handles_errors
def inventory_command(
    skpd: list[str] = SKPD,
    site: list[str] = SITE,
    role: list[str] = ROLE,
    platform: list[str] = PLATFORM,
    tag: list[str] = TAG,
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Build the Nornir inventory from NetBox (the same hosts and groups Ansible sees)."""
    hosts = load_hosts(settings(), filters_from(skpd, site, role, platform, tag))
    if as_json:
        emit_json(inventory_json(hosts))
        return
    table = Table(title=f"{len(hosts)} hosts from NetBox")
    for col in ("name", "address", "platform", "role", "skpd", "site"):
        table.add_column(col)
    for h in hosts:
        table.add_row(
            h.name, f"{h.hostname}:{h.port}", h.platform or "-", h.role or "-", h.skpd or "-", h.site or "-"
        )
    console.print(table)
