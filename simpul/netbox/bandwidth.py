"""Read the bandwidth plan from NetBox, and write proposed allocations back (six reads, one write).

- SKPD: tenants of tenant group ``skpd``; CIR/MIR in their custom fields ``bw_cir_mbps`` /
  ``bw_mir_mbps`` (integers, Mbps; empty = not allocated).
- LAN prefixes: every prefix with that tenant except point-to-point ones (/31, /32, /127, /128);
  in the demo regency that is ``10.20.<n>.0/24``.
- Capacity: circuits of type ``internet`` whose termination is cabled to an interface of a device
  with role ``core-router`` (or, when not cabled, terminates at a core router's site); NetBox's
  ``commit_rate`` is in Kbps. The cabled core interfaces are the uplinks renderers shape.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pynetbox

from simpul.core.bandwidth import Capacity, Circuit, Plan, SkpdAllocation
from simpul.errors import BandwidthError, InputError, NetBoxError

log = logging.getLogger(__name__)

TENANT_GROUP = "skpd"
CIR_FIELD = "bw_cir_mbps"
MIR_FIELD = "bw_mir_mbps"
MANDIRI_FIELD = "skpd_mandiri_tik"
CIRCUIT_TYPE = "internet"
CORE_ROLE = "core-router"
P2P_LENGTHS = {31, 32, 127, 128}


@dataclass(frozen=True)
class Uplink:
    device: str
    interface: str
    circuit: str


@dataclass(frozen=True)
class SotBandwidth:
    """What NetBox says about bandwidth: the plan, plus what write-back and rendering need."""

    plan: Plan
    tenant_ids: dict[str, int] = field(default_factory=dict)
    custom_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    uplinks: tuple[Uplink, ...] = ()


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def rate_field(tenant: str, cfs: dict[str, Any], name: str) -> float | None:
    """A rate custom field as a number, ``None`` when empty; anything else is bad input.

    Examples:
        >>> rate_field("disdik", {"bw_cir_mbps": 40}, "bw_cir_mbps")
        40.0
        >>> rate_field("disdik", {"bw_cir_mbps": None}, "bw_cir_mbps") is None
        True
        >>> rate_field("disdik", {"bw_cir_mbps": "20Mbps"}, "bw_cir_mbps")
        Traceback (most recent call last):
        ...
        simpul.errors.InputError: tenant disdik: bw_cir_mbps is '20Mbps', not a number of Mbps
    """
    if name not in cfs:
        raise InputError(
            f"tenant {tenant}: custom field {name} does not exist in NetBox",
            source=f"NetBox tenant {tenant}",
            field=f"custom_fields.{name}",
            hint="run `simpul netbox bootstrap` to create simpul's custom fields",
        )
    value = cfs[name]
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            f"tenant {tenant}: {name} is {value!r}, not a number of Mbps",
            source=f"NetBox tenant {tenant}",
            field=f"custom_fields.{name}",
            hint=f"write a plain integer (e.g. 20, not '20Mbps'); {name} should be an integer custom field",
        )
    return float(value)


def load(api: Any) -> SotBandwidth:
    """Read tenants, prefixes, core routers, internet circuits and their terminations."""
    try:
        return _load(api)
    except pynetbox.RequestError as exc:
        raise NetBoxError(
            f"NetBox refused a bandwidth query: {exc.error}"[:500],
            hint="check that `simpul netbox bootstrap` ran (tenant group skpd, role core-router)",
        ) from None


def _load(api: Any) -> SotBandwidth:
    tenants = list(api.tenancy.tenants.filter(group=TENANT_GROUP))
    prefixes = list(api.ipam.prefixes.filter(tenant_group=TENANT_GROUP))
    cores = list(api.dcim.devices.filter(role=CORE_ROLE))
    ctype = api.circuits.circuit_types.get(slug=CIRCUIT_TYPE)
    circuits = list(api.circuits.circuits.filter(type_id=ctype.id)) if ctype else []
    terms = (
        list(api.circuits.circuit_terminations.filter(circuit_id=[c.id for c in circuits]))
        if circuits
        else []
    )

    lan: dict[str, list[str]] = {}
    for pfx in prefixes:
        slug = _get(_get(pfx, "tenant"), "slug")
        net = ipaddress.ip_network(str(pfx.prefix), strict=False)
        if slug and net.prefixlen not in P2P_LENGTHS:
            lan.setdefault(slug, []).append(str(net))

    allocations = []
    tenant_ids: dict[str, int] = {}
    cfs_by_slug: dict[str, dict[str, Any]] = {}
    for tenant in sorted(tenants, key=lambda t: t.slug):
        cfs = dict(_get(tenant, "custom_fields") or {})
        cfs_by_slug[tenant.slug] = cfs
        tenant_ids[tenant.slug] = int(tenant.id)
        allocations.append(
            SkpdAllocation(
                slug=tenant.slug,
                name=str(tenant.name),
                cir_mbps=rate_field(tenant.slug, cfs, CIR_FIELD),
                mir_mbps=rate_field(tenant.slug, cfs, MIR_FIELD),
                lan_prefixes=tuple(sorted(lan.get(tenant.slug, []), key=ipaddress.ip_network)),
            )
        )

    core_ids = {int(d.id): str(d.name) for d in cores}
    core_sites = {_get(_get(d, "site"), "id") for d in cores}
    by_id = {int(c.id): c for c in circuits}
    on_core: dict[int, Any] = {}
    uplinks: list[Uplink] = []
    for term in terms:
        circuit_id = int(_get(_get(term, "circuit"), "id"))
        peers = _get(term, "link_peers") or []
        for peer in peers:
            device = _get(peer, "device")
            if device is not None and _get(device, "id") in core_ids:
                on_core[circuit_id] = by_id[circuit_id]
                uplinks.append(
                    Uplink(
                        device=core_ids[_get(device, "id")],
                        interface=str(_get(peer, "name")),
                        circuit=str(by_id[circuit_id].cid),
                    )
                )
        if not peers:
            site = _get(term, "termination") if _get(term, "termination_type") == "dcim.site" else None
            if site is not None and _get(site, "id") in core_sites:
                on_core.setdefault(circuit_id, by_id[circuit_id])
    if not cores:
        raise BandwidthError(
            f"no device with role {CORE_ROLE} in NetBox",
            hint="the capacity comes from internet circuits terminated on the core router",
        )
    if not on_core:
        raise BandwidthError(
            f"no internet circuit terminates on the core router ({', '.join(sorted(core_ids.values()))})",
            hint=f"add a circuit of type {CIRCUIT_TYPE} with a commit rate and cable its termination "
            "to the core router's uplink interface",
        )
    circuit_models = []
    for circuit in sorted(on_core.values(), key=lambda c: str(c.cid)):
        rate = _get(circuit, "commit_rate")
        if rate is None:
            raise InputError(
                f"internet circuit {circuit.cid} has no commit rate",
                source=f"NetBox circuit {circuit.cid}",
                field="commit_rate",
                hint="set the circuit's commit rate (Kbps)",
            )
        circuit_models.append(
            Circuit(
                cid=str(circuit.cid),
                provider=str(_get(_get(circuit, "provider"), "name") or ""),
                commit_mbps=float(rate) / 1000.0,  # NetBox stores Kbps
            )
        )
    plan = Plan(capacity=Capacity(circuits=tuple(circuit_models)), allocations=tuple(allocations))
    log.info(
        "bandwidth from NetBox: %d SKPD, %d circuit(s), %s Mbps",
        len(allocations),
        len(circuit_models),
        plan.capacity.total_mbps,
    )
    return SotBandwidth(
        plan=plan,
        tenant_ids=tenant_ids,
        custom_fields=cfs_by_slug,
        uplinks=tuple(sorted(uplinks, key=lambda u: (u.device, u.interface))),
    )


def weights(sot: SotBandwidth, field_name: str) -> dict[str, float]:
    """A tenant custom field (e.g. staff count) as weights; bad values are InputError.

    >>> s = SotBandwidth(plan=Plan(capacity=Capacity()), custom_fields={"a": {"staff": 12}})
    >>> weights(s, "staff")
    {'a': 12.0}
    """
    out = {}
    for slug, cfs in sorted(sot.custom_fields.items()):
        value = cfs.get(field_name)
        if field_name not in cfs:
            raise InputError(
                f"tenant {slug}: custom field {field_name} does not exist",
                source=f"NetBox tenant {slug}",
                field=f"custom_fields.{field_name}",
                hint="give --weight-field the name of a numeric tenant custom field",
            )
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(
                f"tenant {slug}: {field_name} is {value!r}, not a number",
                source=f"NetBox tenant {slug}",
                field=f"custom_fields.{field_name}",
            )
        out[slug] = float(value)
    return out


def _int_if_whole(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def write_allocations(api: Any, sot: SotBandwidth, allocations: Iterable[SkpdAllocation]) -> int:
    """Write CIR/MIR of ``allocations`` to their tenants in one bulk PATCH; return how many changed."""
    current = {a.slug: a for a in sot.plan.allocations}
    updates = []
    for alloc in allocations:
        if alloc.slug not in sot.tenant_ids:
            raise InputError(
                f"unknown SKPD {alloc.slug}", field="skpd", hint="SKPD are tenants of tenant group skpd"
            )
        old = current.get(alloc.slug)
        if old and (old.cir_mbps, old.mir_mbps) == (alloc.cir_mbps, alloc.mir_mbps):
            continue
        updates.append(
            {
                "id": sot.tenant_ids[alloc.slug],
                "custom_fields": {
                    CIR_FIELD: _int_if_whole(alloc.cir_mbps),
                    MIR_FIELD: _int_if_whole(alloc.mir_mbps),
                },
            }
        )
    if updates:
        try:
            api.tenancy.tenants.update(updates)
        except pynetbox.RequestError as exc:
            raise NetBoxError(
                f"NetBox refused the allocation update: {exc.error}"[:500],
                hint="bw_cir_mbps / bw_mir_mbps are integer custom fields: write whole Mbps",
            ) from None
    log.info("wrote bandwidth allocation of %d tenant(s)", len(updates))
    return len(updates)
