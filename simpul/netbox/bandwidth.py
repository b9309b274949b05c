"""Read the bandwidth plan from NetBox, and write proposed allocations back (six reads, one write).

- SKPD: tenants of tenant group ``skpd``; CIR/MIR in their custom fields ``bw_cir_mbps`` /
  ``bw_mir_mbps`` (integers, Mbps; empty = not allocated).
- LAN prefixes: every prefix with that tenant except point-to-point ones (/31, /32, /127, /128);
  in the demo regency that is ``10.20.<n>.0/24``.
- Capacity: circuits of type ``internet`` whose termination is cabled to an interface of a device
  with role ``core-router`` (or, when not cabled, terminates at a core router's site); NetBox's
  ``commit_rate`` is in Kbps. The cabled core interfaces are the uplinks renderers shape.

Every read goes through the one pager, :func:`simpul.netbox.client.get_all`, asking only for the
fields read here; the write is pynetbox's bulk PATCH.
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
from simpul.netbox.client import get_all

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
    """``obj[key]`` of a NetBox JSON object, ``default`` when the object is absent (a null relation)."""
    return obj.get(key, default) if isinstance(obj, dict) else default


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


BOOTSTRAP_HINT = "check that `simpul netbox bootstrap` ran (tenant group skpd, role core-router)"


def load(api: Any) -> SotBandwidth:
    """Read tenants, prefixes, core routers, internet circuits and their terminations."""
    try:
        return _load(api)
    except NetBoxError as err:
        if "HTTP 400" not in err.message:  # unreachable, a bad token: the pager's words say it
            raise
        # NetBox refuses a filter naming what does not exist (tenant group skpd, role core-router)
        raise NetBoxError(err.message, hint=BOOTSTRAP_HINT) from None


Json = dict[str, Any]


@dataclass(frozen=True)
class _Read:
    """The six reads, as NetBox's JSON."""

    tenants: list[Json]
    prefixes: list[Json]
    cores: list[Json]
    circuits: list[Json]
    terminations: list[Json]


def _read(api: Any) -> _Read:
    tenants = list(get_all(api, "tenancy/tenants", [("group", TENANT_GROUP)], "id,name,slug,custom_fields"))
    prefixes = list(get_all(api, "ipam/prefixes", [("tenant_group", TENANT_GROUP)], "prefix,tenant"))
    cores = list(get_all(api, "dcim/devices", [("role", CORE_ROLE)], "id,name,site"))
    ctype = next(iter(get_all(api, "circuits/circuit-types", [("slug", CIRCUIT_TYPE)], "id")), None)
    circuits: list[Json] = []
    terms: list[Json] = []
    if ctype:
        type_id = [("type_id", str(ctype["id"]))]
        circuits = list(get_all(api, "circuits/circuits", type_id, "id,cid,commit_rate,provider"))
    if circuits:
        ids = [("circuit_id", str(c["id"])) for c in circuits]
        fields = "circuit,link_peers,termination_type,termination"
        terms = list(get_all(api, "circuits/circuit-terminations", ids, fields))
    return _Read(tenants, prefixes, cores, circuits, terms)


def _lan_prefixes(prefixes: list[Json]) -> dict[str, list[str]]:
    """SKPD slug -> its LAN prefixes (point-to-point links are not LANs)."""
    lan: dict[str, list[str]] = {}
    for pfx in prefixes:
        slug = _get(_get(pfx, "tenant"), "slug")
        net = ipaddress.ip_network(str(pfx["prefix"]), strict=False)
        if slug and net.prefixlen not in P2P_LENGTHS:
            lan.setdefault(slug, []).append(str(net))
    return lan


def _allocations(tenants: list[Json], lan: dict[str, list[str]]) -> list[SkpdAllocation]:
    return [
        SkpdAllocation(
            slug=str(t["slug"]),
            name=str(t["name"]),
            cir_mbps=rate_field(str(t["slug"]), dict(t.get("custom_fields") or {}), CIR_FIELD),
            mir_mbps=rate_field(str(t["slug"]), dict(t.get("custom_fields") or {}), MIR_FIELD),
            lan_prefixes=tuple(sorted(lan.get(str(t["slug"]), []), key=ipaddress.ip_network)),
        )
        for t in sorted(tenants, key=lambda t: str(t["slug"]))
    ]


def _on_core(read: _Read) -> tuple[list[Json], list[Uplink]]:
    """The internet circuits terminated on a core router, and the core interfaces they are cabled to."""
    core_ids = {int(d["id"]): str(d["name"]) for d in read.cores}
    core_sites = {_get(_get(d, "site"), "id") for d in read.cores}
    by_id = {int(c["id"]): c for c in read.circuits}
    on_core: dict[int, Json] = {}
    uplinks: list[Uplink] = []
    for term in read.terminations:
        circuit = by_id[int(_get(_get(term, "circuit"), "id"))]
        peers = _get(term, "link_peers") or []
        for peer in peers:
            device_id = _get(_get(peer, "device"), "id")
            if device_id in core_ids:
                on_core[int(circuit["id"])] = circuit
                uplinks.append(
                    Uplink(
                        device=core_ids[device_id], interface=str(peer["name"]), circuit=str(circuit["cid"])
                    )
                )
        site = _get(term, "termination") if _get(term, "termination_type") == "dcim.site" else None
        if not peers and _get(site, "id") in core_sites:  # not cabled, but at a core router's site
            on_core.setdefault(int(circuit["id"]), circuit)
    if not read.cores:
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
    return sorted(on_core.values(), key=lambda c: str(c["cid"])), uplinks


def _circuit(circuit: Json) -> Circuit:
    rate = circuit.get("commit_rate")
    if rate is None:
        raise InputError(
            f"internet circuit {circuit['cid']} has no commit rate",
            source=f"NetBox circuit {circuit['cid']}",
            field="commit_rate",
            hint="set the circuit's commit rate (Kbps)",
        )
    return Circuit(
        cid=str(circuit["cid"]),
        provider=str(_get(circuit.get("provider"), "name") or ""),
        commit_mbps=float(rate) / 1000.0,  # NetBox stores Kbps
    )


def _load(api: Any) -> SotBandwidth:
    read = _read(api)
    allocations = _allocations(read.tenants, _lan_prefixes(read.prefixes))
    circuits, uplinks = _on_core(read)
    plan = Plan(
        capacity=Capacity(circuits=tuple(_circuit(c) for c in circuits)), allocations=tuple(allocations)
    )
    log.info(
        "bandwidth from NetBox: %d SKPD, %d circuit(s), %s Mbps",
        len(allocations),
        len(circuits),
        plan.capacity.total_mbps,
    )
    return SotBandwidth(
        plan=plan,
        tenant_ids={str(t["slug"]): int(t["id"]) for t in read.tenants},
        custom_fields={str(t["slug"]): dict(t.get("custom_fields") or {}) for t in read.tenants},
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
