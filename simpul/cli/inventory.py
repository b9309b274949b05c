"""``simpul inventory``: the Nornir inventory built from NetBox."""

from __future__ import annotations

import typer

from simpul.cli._common import (
    DEVICE_OPT,
    PLATFORM_OPT,
    ROLE_OPT,
    SITE_OPT,
    SKPD_OPT,
    TAG_OPT,
    emit_json,
    handles_errors,
    settings,
)
from simpul.inventory import Filters
from simpul.services.inventory import InventoryRequest, inventory


@handles_errors
def inventory_command(
    skpd: list[str] = SKPD_OPT,
    site: list[str] = SITE_OPT,
    role: list[str] = ROLE_OPT,
    platform: list[str] = PLATFORM_OPT,
    tag: list[str] = TAG_OPT,
    device: list[str] = DEVICE_OPT,
    as_json: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """Build the Nornir inventory from NetBox (the same hosts and groups Ansible sees)."""
    filters = Filters.of(skpd=skpd, site=site, role=role, platform=platform, tag=tag, device=device)
    result = inventory(settings(), InventoryRequest(filters))
    if as_json:
        emit_json(result.as_json())
        return
    from rich.table import Table  # not imported for --json: start-up time counts at 2,000 devices

    from simpul.cli._common import console

    table = Table(title=f"{len(result.hosts)} hosts from NetBox")
    for col in ("name", "address", "platform", "role", "skpd", "site"):
        table.add_column(col)
    for h in result.hosts:
        address = f"{h.hostname}:{h.port}" if not h.refused else f"[dim]refused: {h.refused}[/]"
        table.add_row(h.name, address, h.platform or "-", h.role or "-", h.skpd or "-", h.site or "-")
    console.print(table)
