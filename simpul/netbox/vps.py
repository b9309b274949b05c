"""NetBox reads and writes for VPS in the Pusat Data: the desired state, and recording new VPS.

Where things are (created by ``simpul netbox bootstrap``):

- the Pusat Data cluster: a cluster tagged ``pusat-data`` (or the one named with ``--cluster``);
  its type slug (``libvirt``, ``proxmox``) picks the provider; its custom fields
  ``vps_capacity_*`` and ``vps_overcommit_*`` its capacity;
- the VPS prefix: the prefix with IPAM role ``vps`` (scoped to the cluster's site when several);
  its first host address is the gateway and is never handed out;
- an SKPD: a tenant of group ``skpd``; its quota in ``vps_quota_*``;
- a VPS: a VM of that cluster with that tenant; ``vps_image``, ``vps_ssh_keys``, ``vps_provider_id``.

Recording a VPS is race-free without any lock of our own. NetBox serialises
``prefix.available_ips.create()`` (a PostgreSQL advisory lock held until the new address is
committed), so the address is also a ticket that orders concurrent requests:

1. a first check against the VMs NetBox holds refuses the plain cases early;
2. the address is taken, carrying the request (name, SKPD, size) in its custom field
   ``vps_request``: two requests never get the same address, and every earlier ticket is
   committed and visible before a later one exists;
3. the name, the quota and the capacity are checked again against the VMs plus every earlier
   ticket still in flight (a smaller address id, less than ``TICKET_TTL`` older): the first requests
   in ticket order get in, the later ones that no longer fit back out (delete their address);
4. the VM, its interface and the primary address are written, then the ticket is cleared.

A request is never counted zero times by a later one (ticket, then VM), sometimes twice (a
moment between the two): so nothing is ever duplicated or over quota, and at worst a request is
refused that would just have fitted. A request killed mid-way leaves a ticket that stops counting
after ``TICKET_TTL``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pynetbox

from simpul.core.vps import (
    HOLDS_RESOURCES,
    STATUSES,
    Capacity,
    Quota,
    Size,
    Status,
    VpsInputError,
    VpsRefused,
    VpsRequest,
    VpsSpec,
    gateway_of,
    refusals,
)
from simpul.errors import NetBoxError
from simpul.netbox.client import as_netbox_error, get_all

log = logging.getLogger(__name__)

Json = dict[str, Any]
TENANT_GROUP = "skpd"
PUSAT_DATA_TAG = "pusat-data"
VPS_ROLE = "vps"
VM_TYPE = "virtualization.virtualmachine"
IMAGE_FIELD = "vps_image"
PROVIDER_ID_FIELD = "vps_provider_id"
SSH_KEYS_FIELD = "vps_ssh_keys"
REQUEST_FIELD = "vps_request"
TICKET_TTL = dt.timedelta(minutes=10)
DISK_MB_PER_GB = 1000  # NetBox 4 keeps a VM's disk in MB; the demo seed writes GB x 1000
VM_FIELDS = "id,name,status,tenant,vcpus,memory,disk,primary_ip4,custom_fields,cluster"


@dataclass(frozen=True)
class PusatData:
    """The cluster VPS go to, and what the checks need from it."""

    cluster_id: int
    cluster: str
    provider: str  # the cluster type's slug
    site_id: int | None
    capacity: Capacity | None
    prefix_id: int | None
    prefix: str | None


@dataclass(frozen=True)
class Skpd:
    id: int
    slug: str
    name: str
    quota: Quota


@dataclass(frozen=True)
class Recorded:
    """A VPS just recorded in NetBox."""

    id: int
    name: str
    ip: str


@dataclass(frozen=True)
class Held:
    """A VM that holds resources in the cluster (for quota and capacity)."""

    id: int
    name: str
    skpd: str | None
    size: Size


def _get(obj: Any, key: str, default: Any = None) -> Any:
    return obj.get(key, default) if isinstance(obj, dict) else default


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(float(value))


def _float(value: Any, default: float) -> float:
    return default if value in (None, "") else float(value)


# ------------------------------------------------------------------------------------ reads


def pusat_data(api: Any, cluster: str | None = None) -> PusatData:
    """The Pusat Data cluster (by name, or the one tagged ``pusat-data``) and its VPS prefix."""
    params = [("name", cluster)] if cluster else [("tag", PUSAT_DATA_TAG)]
    found = list(
        get_all(
            api, "virtualization/clusters", params, fields="id,name,type,scope_type,scope_id,custom_fields"
        )
    )
    if len(found) != 1:
        what = f"named {cluster!r}" if cluster else f"tagged {PUSAT_DATA_TAG!r}"
        raise VpsInputError(
            f"NetBox has {len(found)} clusters {what}" if found else f"NetBox has no cluster {what}",
            field="cluster",
            hint="name the cluster with --cluster"
            if len(found) > 1
            else "create the Pusat Data cluster (type libvirt or proxmox) and tag it pusat-data",
        )
    c = found[0]
    site_id = c.get("scope_id") if c.get("scope_type") == "dcim.site" else None
    prefix_id, prefix = _vps_prefix(api, site_id)
    return PusatData(
        cluster_id=int(c["id"]),
        cluster=str(c["name"]),
        provider=str(_get(c.get("type"), "slug", "")),
        site_id=site_id,
        capacity=_capacity(c.get("custom_fields") or {}),
        prefix_id=prefix_id,
        prefix=prefix,
    )


def _capacity(cfs: Json) -> Capacity | None:
    vcpus, memory, disk = (_int(cfs.get(f"vps_capacity_{k}")) for k in ("vcpus", "memory_mb", "disk_gb"))
    if vcpus is None or memory is None or disk is None:
        return None
    return Capacity(
        vcpus=vcpus,
        memory_mb=memory,
        disk_gb=disk,
        cpu_ratio=_float(cfs.get("vps_overcommit_cpu"), 1.0),
        memory_ratio=_float(cfs.get("vps_overcommit_memory"), 1.0),
        disk_ratio=_float(cfs.get("vps_overcommit_disk"), 1.0),
    )


def _vps_prefix(api: Any, site_id: int | None) -> tuple[int | None, str | None]:
    found = list(get_all(api, "ipam/prefixes", [("role", VPS_ROLE)], fields="id,prefix,scope_type,scope_id"))
    if len(found) > 1 and site_id is not None:
        found = [p for p in found if p.get("scope_type") == "dcim.site" and p.get("scope_id") == site_id]
    if len(found) != 1:
        return None, None
    return int(found[0]["id"]), str(found[0]["prefix"])


def skpd(api: Any, slug: str) -> Skpd:
    """The SKPD (a tenant of group ``skpd``) and its quota; an unknown one is bad input."""
    found = list(
        get_all(
            api,
            "tenancy/tenants",
            [("slug", slug), ("group", TENANT_GROUP)],
            fields="id,slug,name,custom_fields",
        )
    )
    if not found:
        raise VpsInputError(
            f"unknown SKPD {slug!r}",
            field="skpd",
            hint="give the slug of a tenant of group skpd (simpul inventory lists them)",
        )
    t = found[0]
    cfs = t.get("custom_fields") or {}
    quota = Quota(*(_int(cfs.get(f"vps_quota_{k}")) for k in ("vms", "vcpus", "memory_mb", "disk_gb")))
    return Skpd(id=int(t["id"]), slug=str(t["slug"]), name=str(t["name"]), quota=quota)


def _size(vm: Json) -> Size:
    return Size(
        vcpus=int(float(vm.get("vcpus") or 0)),
        memory_mb=int(vm.get("memory") or 0),
        disk_gb=int(vm.get("disk") or 0) // DISK_MB_PER_GB,
    )


def cluster_vms(api: Any, pd: PusatData) -> list[Json]:
    return list(
        get_all(
            api, "virtualization/virtual-machines", [("cluster_id", str(pd.cluster_id))], fields=VM_FIELDS
        )
    )


def held(vms: Iterable[Json]) -> list[Held]:
    return [
        Held(int(vm["id"]), str(vm["name"]), _get(vm.get("tenant"), "slug"), _size(vm))
        for vm in vms
        if _get(vm.get("status"), "value") in HOLDS_RESOURCES
    ]


def spec_of(vm: Json) -> VpsSpec:
    """A NetBox VM (JSON) as the desired state of a VPS."""
    cfs = vm.get("custom_fields") or {}
    ip = _get(vm.get("primary_ip4"), "address")
    status = _get(vm.get("status"), "value", "active")
    keys = tuple(k.strip() for k in str(cfs.get(SSH_KEYS_FIELD) or "").splitlines() if k.strip())
    return VpsSpec(
        name=str(vm["name"]),
        skpd=_get(vm.get("tenant"), "slug"),
        status=status if status in STATUSES else "active",
        size=_size(vm),
        image=cfs.get(IMAGE_FIELD) or None,
        netbox_id=int(vm["id"]),
        ip=ip,
        gateway=gateway_of(str(ipaddress.ip_interface(ip).network)) if ip else None,
        ssh_keys=keys,
        provider_id=cfs.get(PROVIDER_ID_FIELD) or None,
    )


def desired(api: Any, pd: PusatData, skpd: str | None = None, name: str | None = None) -> list[VpsSpec]:
    """Every VPS of the cluster (VMs with a tenant), optionally of one SKPD or one name."""
    out = []
    for vm in cluster_vms(api, pd):
        spec = spec_of(vm)
        if spec.skpd is None:
            continue  # the Dinas's own VMs are not VPS
        if (skpd and spec.skpd != skpd) or (name and spec.name != name):
            continue
        out.append(spec)
    return sorted(out, key=lambda s: s.name)


# ----------------------------------------------------------------------------------- writes


def _tickets(api: Any, pd: PusatData, mine: Any) -> list[Json]:
    """The requests in flight before ``mine``: earlier tickets (smaller id), not yet stale."""
    mine_at = dt.datetime.fromisoformat(str(mine.created).replace("Z", "+00:00"))
    out = []
    for ip in get_all(
        api, "ipam/ip-addresses", [("parent", str(pd.prefix))], fields="id,created,custom_fields"
    ):
        wanted = (ip.get("custom_fields") or {}).get(REQUEST_FIELD)
        if not wanted or int(ip["id"]) >= int(mine.id):
            continue
        at = dt.datetime.fromisoformat(str(ip["created"]).replace("Z", "+00:00"))
        if mine_at - at <= TICKET_TTL:
            out.append(wanted)
    return out


def check_request(api: Any, pd: PusatData, who: Skpd, req: VpsRequest, ticket: Any = None) -> list[str]:
    """Every reason the request cannot be taken, against the VMs NetBox holds and, given the
    request's own ticket, every earlier request still in flight."""
    vms = cluster_vms(api, pd)
    holding = [(h.skpd, h.size) for h in held(vms)]
    names = [str(vm["name"]) for vm in vms]
    if ticket is not None:
        for t in _tickets(api, pd, ticket):
            size = Size(int(t.get("vcpus", 0)), int(t.get("memory_mb", 0)), int(t.get("disk_gb", 0)))
            holding.append((t.get("skpd"), size))
            names.append(str(t.get("name", "")))
    return refusals(
        req,
        taken_names=names,
        quota=who.quota,
        skpd_used=[size for slug, size in holding if slug == who.slug],
        capacity=pd.capacity,
        cluster_used=[size for _, size in holding],
    )


def record_vps(api: Any, pd: PusatData, who: Skpd, req: VpsRequest) -> Recorded:
    """Write a planned VPS with its address; refuse (writing nothing) if it does not fit.

    Raises VpsRefused (exit 2): the checks failed, before or after the ticket (then undone).
    """
    problems = check_request(api, pd, who, req)
    if problems:
        raise refused(req, problems)
    if pd.prefix_id is None:
        raise VpsInputError(
            "NetBox has no Pusat Data VPS prefix (a prefix with IPAM role 'vps')",
            field="prefix",
            hint="create it, e.g. 10.40.0.0/24 with role 'VPS Pusat Data', scoped to the Pusat Data site",
        )
    written: list[Any] = []
    try:
        ip = _allocate_ip(api, pd, who, req)
        written.append(ip)
        problems = check_request(api, pd, who, req, ticket=ip)
        if problems:  # earlier requests in flight took the name or the room
            raise refused(req, [*problems, "(counting requests in flight before this one)"])
        vm = _create_vm(api, pd, who, req)
        written.insert(0, vm)
        iface = api.virtualization.interfaces.create(virtual_machine=vm.id, name="eth0")
        api.ipam.ip_addresses.update(  # a bulk PATCH: pynetbox's Record.update may drop a null field
            [
                {
                    "id": ip.id,
                    "assigned_object_type": "virtualization.vminterface",
                    "assigned_object_id": iface.id,
                    "custom_fields": {REQUEST_FIELD: None},
                }
            ]
        )
        vm.update({"primary_ip4": ip.id})
        journal(
            api,
            int(vm.id),
            "info",
            f"requested with simpul: {_size_text(req.size)}, image {req.image}, "
            f"IP {ip.address}, {len(req.ssh_keys)} SSH key(s)",
        )
    except BaseException as exc:
        _undo(written)
        if isinstance(exc, pynetbox.RequestError) and _is_duplicate_name(exc):
            raise refused(req, [f"name {req.name!r} is already taken in the cluster"]) from None
        raise
    return Recorded(id=int(vm.id), name=req.name, ip=str(ip.address))


def _size_text(size: Size) -> str:
    return f"{size.vcpus} vCPU, {size.memory_mb} MB, {size.disk_gb} GB"


def refused(req: VpsRequest, problems: list[str]) -> VpsRefused:
    return VpsRefused(
        f"VPS {req.name!r} for {req.skpd} refused: " + "; ".join(problems),
        field="request",
        hint="nothing was written; choose another name or a smaller size, "
        "or raise the quota/capacity in NetBox",
    )


def _is_duplicate_name(exc: pynetbox.RequestError) -> bool:
    text = str(getattr(exc, "error", "") or exc).lower()
    return "name" in text and ("exist" in text or "unique" in text)


def _allocate_ip(api: Any, pd: PusatData, who: Skpd, req: VpsRequest) -> Any:
    """The next free address of the VPS prefix, taken under NetBox's own lock, carrying the
    request as its ticket; never the gateway."""
    prefix = api.ipam.prefixes.get(pd.prefix_id)
    gateway = gateway_of(str(pd.prefix))
    name = req.name
    ticket = {"name": name, "skpd": who.slug, **req.size.as_json()}
    for _ in range(2):
        ip = prefix.available_ips.create(
            {
                "status": "active",
                "tenant": who.id,
                "dns_name": name,
                "description": f"VPS {name}",
                "custom_fields": {REQUEST_FIELD: ticket},
            }
        )
        if str(ipaddress.ip_interface(ip.address).ip) != gateway:
            return ip
        # NetBox did not know the gateway: keep it reserved for good and take the next address
        api.ipam.ip_addresses.update(
            [
                {
                    "id": ip.id,
                    "status": "reserved",
                    "tenant": None,
                    "dns_name": "",
                    "description": "gateway VPS (simpul)",
                    "custom_fields": {REQUEST_FIELD: None},
                }
            ]
        )
    raise NetBoxError(f"could not allocate an address in {pd.prefix}")


def _create_vm(api: Any, pd: PusatData, who: Skpd, req: VpsRequest) -> Any:
    role = api.dcim.device_roles.get(slug="server")
    platform = api.dcim.platforms.get(slug="linux")
    tag = api.extras.tags.get(slug="simpul")
    return api.virtualization.virtual_machines.create(
        name=req.name,
        cluster=pd.cluster_id,
        site=pd.site_id,
        tenant=who.id,
        role=role.id if role else None,
        platform=platform.id if platform else None,
        status="planned",
        vcpus=req.size.vcpus,
        memory=req.size.memory_mb,
        disk=req.size.disk_gb * DISK_MB_PER_GB,
        description=f"VPS {who.name}",
        tags=[tag.id] if tag else [],
        custom_fields={IMAGE_FIELD: req.image, SSH_KEYS_FIELD: "\n".join(req.ssh_keys) or None},
    )


def _undo(written: list[Any]) -> None:
    """Delete what a failed or refused request wrote (the VM first: its interface goes with it)."""
    for obj in written:
        try:
            obj.delete()
        except (pynetbox.RequestError, OSError) as exc:  # already gone, or NetBox went away
            log.warning("could not undo %s: %s", obj, as_netbox_error(exc).message)


def journal(api: Any, vm_id: int, kind: str, text: str) -> None:
    """A journal entry on the VM: what simpul did, or why it could not."""
    api.extras.journal_entries.create(
        assigned_object_type=VM_TYPE, assigned_object_id=vm_id, kind=kind, comments=text[:4000]
    )


def write_outcome(
    api: Any,
    vm_id: int,
    *,
    status: Status | None = None,
    provider_id: str | None = None,
    clear_provider_id: bool = False,
    journal_kind: str = "info",
    journal_text: str | None = None,
) -> None:
    """Status, provider id and a journal entry for one VPS after apply acted on it."""
    patch: Json = {}
    if status:
        patch["status"] = status
    if provider_id is not None or clear_provider_id:
        patch["custom_fields"] = {PROVIDER_ID_FIELD: None if clear_provider_id else provider_id}
    if patch:
        api.virtualization.virtual_machines.update([{"id": vm_id, **patch}])
    if journal_text:
        journal(api, vm_id, journal_kind, journal_text)


def free_ip(api: Any, vm_id: int) -> str | None:
    """Release a decommissioned VPS's addresses back to the prefix; the freed primary address."""
    vm = api.virtualization.virtual_machines.get(vm_id)
    primary = vm.primary_ip4.address if vm and vm.primary_ip4 else None
    if vm and vm.primary_ip4:
        vm.update({"primary_ip4": None})
    for ip in api.ipam.ip_addresses.filter(virtual_machine_id=vm_id):
        ip.delete()
    return str(primary) if primary else None
