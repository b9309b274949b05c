"""Use cases ``simpul netbox bootstrap|seed``: the Pemda model in NetBox, created idempotently."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simpul.errors import InputError
from simpul.netbox.upsert import Counts
from simpul.settings import Settings


@dataclass(frozen=True)
class UpsertResult:
    """What a bootstrap or seed did (created / updated / unchanged per object type)."""

    title: str
    counts: Counts
    seconds: float

    @property
    def changed(self) -> bool:
        return bool(self.counts.created or self.counts.updated)

    def as_json(self) -> dict[str, Any]:
        return self.counts.as_dict()

    @property
    def exit_code(self) -> int:
        return 0


def bootstrap(settings: Settings) -> UpsertResult:
    """Create (idempotently) the tenant group skpd, custom fields, roles, platforms and tags."""
    from simpul.netbox import bootstrap as nb_bootstrap
    from simpul.netbox.client import connect

    api = connect(settings)
    start = time.perf_counter()
    counts, _ = nb_bootstrap.bootstrap(api)
    return UpsertResult("simpul netbox bootstrap", counts, time.perf_counter() - start)


@dataclass(frozen=True)
class SeedRequest:
    file: Path | None = None
    demo: bool = False
    check_only: bool = False  # validate the file; do not contact NetBox


@dataclass(frozen=True)
class SeedCheck:
    """A seed file that passed validation, and what it holds."""

    counts: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"valid": True, **self.counts}

    @property
    def exit_code(self) -> int:
        return 0


def seed(settings: Settings, request: SeedRequest) -> UpsertResult | SeedCheck:
    """Load a regency (bootstrap included); the whole file is validated before NetBox is touched."""
    from simpul.netbox.seed import load_demo, load_seed_file, seed_regency

    if request.demo == (request.file is not None):
        raise InputError(
            "give either a seed FILE or --demo",
            field="seed",
            hint="simpul netbox seed --demo   or   simpul netbox seed my-regency.yaml",
        )
    data = load_demo() if request.file is None else load_seed_file(request.file)
    if request.check_only:
        return SeedCheck(
            {
                "tenants": len(data.tenants),
                "devices": len(data.devices),
                "cables": len(data.cables),
                "prefixes": len(data.prefixes),
                "circuits": len(data.circuits),
                "virtual_machines": len(data.virtual_machines),
            }
        )
    from simpul.netbox.client import connect

    api = connect(settings)
    start = time.perf_counter()
    counts = seed_regency(api, data)
    return UpsertResult(f"simpul netbox seed {data.region.name}", counts, time.perf_counter() - start)
