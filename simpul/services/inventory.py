"""Use case ``simpul inventory``: the hosts and groups Nornir (and Ansible) get from NetBox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simpul.inventory import Filters, InventoryHost, inventory_json, load_hosts
from simpul.settings import Settings


@dataclass(frozen=True)
class InventoryRequest:
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class InventoryResult:
    hosts: tuple[InventoryHost, ...]

    @property
    def refused(self) -> tuple[InventoryHost, ...]:
        """Hosts no connection will be tried to (e.g. not simulated in the lab)."""
        return tuple(h for h in self.hosts if h.refused)

    def as_json(self) -> dict[str, Any]:
        return inventory_json(list(self.hosts))

    @property
    def exit_code(self) -> int:
        return 0


def inventory(settings: Settings, request: InventoryRequest) -> InventoryResult:
    """The inventory hosts matching the filters (lab/user overrides applied)."""
    return InventoryResult(hosts=tuple(load_hosts(settings, request.filters)))
