"""An SKPD's LAN as NetBox documents it (the third view of the audit), and the SKPD facts the audit needs.

``load_skpd_topology`` reads, in a few paged REST calls (``simpul.netbox.client.get_all``, the one
paged reader: token scheme, retries, ``?fields=``): the SKPD's devices (tenant = the SKPD), their
interfaces' cable peers (``link_peers``; the far end of a patched path via ``connected_endpoints``),
and the SKPD's VLANs and prefixes. ``netbox_topology`` is the pure half that turns the raw JSON into a
``Topology`` (``view=netbox``), so it is tested without NetBox.

``load_skpd_facts`` reads the tenants of group ``skpd`` with their custom fields
(``skpd_mandiri_tik``, ``lan_diagram_date``, ``backup_policy``).

Examples:
    >>> data = {
    ...     "devices": [
    ...         {"id": 7, "name": "rtr-disdik", "role": {"slug": "skpd-edge"},
    ...          "device_type": {"model": "RB4011"}, "platform": {"slug": "mikrotik_routeros"},
    ...          "primary_ip4": {"address": "10.20.3.1/24"}},
    ...         {"id": 8, "name": "sw-disdik-01", "role": {"slug": "access-switch"},
    ...          "device_type": {"model": "CRS328-24P"}, "platform": None, "primary_ip4": None}],
    ...     "interfaces": [
    ...         {"name": "ether2", "device": {"id": 7, "name": "rtr-disdik"},
    ...          "link_peers": [{"name": "ether1", "device": {"name": "sw-disdik-01"}}]},
    ...         {"name": "ether1", "device": {"id": 8, "name": "sw-disdik-01"},
    ...          "link_peers": [{"name": "ether2", "device": {"name": "rtr-disdik"}}]},
    ...         {"name": "ether1", "device": {"id": 7, "name": "rtr-disdik"},
    ...          "link_peers": [{"name": "Ethernet4", "device": {"name": "dist-diskominfo-01"}}]}],
    ...     "vlans": [{"vid": 30, "name": "Disdik-Staf"}],
    ...     "prefixes": [{"prefix": "10.20.3.0/24", "vlan": {"vid": 30}}, {"prefix": "10.30.0.6/31"}],
    ... }
    >>> t = netbox_topology("disdik", data)
    >>> [(d.name, d.mgmt_ip) for d in t.devices], len(t.links), t.vlans[0].subnet, t.view.value
    ([('rtr-disdik', '10.20.3.1'), ('sw-disdik-01', None)], 1, '10.20.3.0/24', 'netbox')
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan, device_key
from simpul.errors import InputError
from simpul.netbox.client import connect, get_all
from simpul.settings import Settings

log = logging.getLogger(__name__)

SKPD_GROUP = "skpd"
DEVICE_FIELDS = "id,name,role,platform,device_type,primary_ip4"
INTERFACE_FIELDS = "id,name,device,link_peers,connected_endpoints"


@dataclass(frozen=True)
class SkpdInfo:
    """An SKPD (NetBox tenant of group ``skpd``) and the custom fields the audit reads."""

    slug: str
    name: str
    mandiri_tik: bool
    lan_diagram_date: dt.date | None
    backup_policy: str | None


def _slug(obj: Any) -> str | None:
    return obj.get("slug") if isinstance(obj, Mapping) else None


def netbox_topology(skpd: str, data: Mapping[str, list[dict[str, Any]]]) -> Topology:
    """Pure: the raw NetBox objects of one SKPD -> its NetBox ``Topology``.

    Links are the cables between two devices of the SKPD (one per cable, whichever end lists it);
    cables to Diskominfo's distribution and to circuits are outside the SKPD's LAN.
    """
    devices: list[TopoDevice] = []
    names: set[str] = set()
    for dev in sorted(data.get("devices", []), key=lambda d: str(d.get("name") or "")):
        if not dev.get("name"):
            continue
        ip = dev.get("primary_ip4")
        address = ip.get("address") if isinstance(ip, Mapping) else None
        device_type = dev.get("device_type")
        devices.append(
            TopoDevice(
                name=dev["name"],
                role=_slug(dev.get("role")),
                model=device_type.get("model") if isinstance(device_type, Mapping) else None,
                platform=_slug(dev.get("platform")),
                mgmt_ip=address.split("/")[0] if address else None,
            )
        )
        names.add(device_key(dev["name"]))
    links: dict[object, TopoLink] = {}
    for iface in data.get("interfaces", []):
        local = (iface.get("device") or {}).get("name")
        if not local or device_key(local) not in names:
            continue
        peers = iface.get("link_peers") or iface.get("connected_endpoints") or []
        for peer in peers:
            remote = (peer.get("device") or {}).get("name") if isinstance(peer, Mapping) else None
            if not remote or "name" not in peer or device_key(remote) not in names:
                continue  # a circuit termination, a front port, or a device of another SKPD
            link = TopoLink(
                a=LinkEnd(device=local, port=iface.get("name")),
                b=LinkEnd(device=remote, port=peer.get("name")),
            )
            links.setdefault(link.key(), link)
    subnets: dict[int, str] = {}
    for prefix in data.get("prefixes", []):
        vlan = prefix.get("vlan")
        if isinstance(vlan, Mapping) and vlan.get("vid") is not None and prefix.get("prefix"):
            subnets.setdefault(int(vlan["vid"]), str(prefix["prefix"]))
    vlans = {
        int(v["vid"]): Vlan(vid=int(v["vid"]), name=v.get("name") or None, subnet=subnets.get(int(v["vid"])))
        for v in data.get("vlans", [])
        if v.get("vid") is not None
    }
    return Topology(
        skpd=skpd,
        view=View.NETBOX,
        source="netbox",
        devices=tuple(devices),
        links=tuple(sorted(links.values(), key=lambda lk: str(lk.key()))),
        vlans=tuple(vlans[vid] for vid in sorted(vlans)),
    )


def fetch_skpd(api: Any, skpd: str) -> dict[str, list[dict[str, Any]]]:
    """The raw NetBox objects of one SKPD, in four paged reads (plus one per 100 devices' interfaces)."""
    devices = list(get_all(api, "dcim/devices", [("tenant", skpd)], fields=DEVICE_FIELDS))
    interfaces: list[dict[str, Any]] = []
    ids = [str(d["id"]) for d in devices if d.get("id") is not None]
    for start in range(0, len(ids), 100):  # keep the query string short
        chunk = [("device_id", i) for i in ids[start : start + 100]]
        interfaces += get_all(api, "dcim/interfaces", [*chunk, ("cabled", "true")], fields=INTERFACE_FIELDS)
    return {
        "devices": devices,
        "interfaces": interfaces,
        "vlans": list(get_all(api, "ipam/vlans", [("tenant", skpd)], fields="id,vid,name")),
        "prefixes": list(get_all(api, "ipam/prefixes", [("tenant", skpd)], fields="id,prefix,vlan")),
    }


def _check_tenant(api: Any, skpd: str) -> None:
    found = list(get_all(api, "tenancy/tenants", [("slug", skpd)], fields="id,slug"))
    if not found:
        raise InputError(
            f"SKPD {skpd!r} is not a tenant in NetBox",
            field="skpd",
            hint="use the tenant slug, e.g. disdik (`simpul inventory --json` lists the SKPD of each host)",
        )


def load_skpd_topology(settings: Settings, skpd: str, api: Any = None) -> Topology:
    """The SKPD's LAN as NetBox documents it (``view=netbox``)."""
    api = api or connect(settings)
    _check_tenant(api, skpd)
    topology = netbox_topology(skpd, fetch_skpd(api, skpd))
    log.info(
        "NetBox view of %s: %d device(s), %d link(s), %d VLAN(s)",
        skpd,
        len(topology.devices),
        len(topology.links),
        len(topology.vlans),
    )
    return topology


def fetch_regency_lans(api: Any) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The raw NetBox objects of every SKPD at once (five paged reads for the whole regency)."""
    group = [("tenant_group", SKPD_GROUP)]
    devices = list(get_all(api, "dcim/devices", group, fields=DEVICE_FIELDS + ",tenant"))
    interfaces = list(get_all(api, "dcim/interfaces", [("cabled", "true")], fields=INTERFACE_FIELDS))
    vlans = list(get_all(api, "ipam/vlans", group, fields="id,vid,name,tenant"))
    prefixes = list(get_all(api, "ipam/prefixes", group, fields="id,prefix,vlan,tenant"))
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def bucket(obj: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]] | None:
        slug = _slug(obj.get("tenant"))
        if not slug:
            return None
        return out.setdefault(slug, {"devices": [], "interfaces": [], "vlans": [], "prefixes": []})

    tenant_of: dict[str, str] = {}
    for dev in devices:
        target = bucket(dev)
        if target is not None:
            target["devices"].append(dev)
            tenant_of[str(dev.get("name"))] = str(_slug(dev.get("tenant")))
    for iface in interfaces:
        slug = tenant_of.get(str((iface.get("device") or {}).get("name")))
        if slug:
            out[slug]["interfaces"].append(iface)
    for kind, items in (("vlans", vlans), ("prefixes", prefixes)):
        for item in items:
            target = bucket(item)
            if target is not None:
                target[kind].append(item)
    return out


def load_skpd_topologies(
    settings: Settings, skpds: list[str] | None = None, api: Any = None
) -> dict[str, Topology]:
    """The NetBox view of every SKPD (or of ``skpds``), from one bulk read; an SKPD with nothing
    documented gets an empty topology."""
    api = api or connect(settings)
    raw = fetch_regency_lans(api)
    wanted = skpds if skpds is not None else sorted(raw)
    return {slug: netbox_topology(slug, raw.get(slug, {})) for slug in wanted}


def load_regency_name(settings: Settings, api: Any = None) -> str:
    """The name of the top-level region (the regency), or "Pemda" when NetBox has none."""
    api = api or connect(settings)
    regions = [r for r in get_all(api, "dcim/regions", fields="id,name,parent") if not r.get("parent")]
    return str(regions[0]["name"]) if regions else "Pemda"


def skpd_info(tenant: Mapping[str, Any]) -> SkpdInfo:
    """Pure: one tenant (REST JSON) -> ``SkpdInfo``.

    >>> info = skpd_info({"slug": "dinkes", "name": "Dinas Kesehatan", "custom_fields": {
    ...     "skpd_mandiri_tik": True, "lan_diagram_date": "2025-06-10", "backup_policy": "mandiri-tik"}})
    >>> info.mandiri_tik, info.lan_diagram_date, info.backup_policy
    (True, datetime.date(2025, 6, 10), 'mandiri-tik')
    >>> skpd_info({"slug": "setda", "name": "Sekretariat Daerah", "custom_fields": {}}).mandiri_tik
    False
    """
    cf = tenant.get("custom_fields") or {}
    raw_date = cf.get("lan_diagram_date")
    try:
        date = dt.date.fromisoformat(str(raw_date)[:10]) if raw_date else None
    except ValueError:
        raise InputError(
            f"custom field lan_diagram_date is not a date: {raw_date!r}",
            source="netbox",
            field=f"tenant {tenant.get('slug')}.lan_diagram_date",
            hint="set it to the submission date, YYYY-MM-DD",
        ) from None
    return SkpdInfo(
        slug=str(tenant["slug"]),
        name=str(tenant.get("name") or tenant["slug"]),
        mandiri_tik=bool(cf.get("skpd_mandiri_tik")),
        lan_diagram_date=date,
        backup_policy=cf.get("backup_policy") or None,
    )


def load_skpd_facts(settings: Settings, api: Any = None) -> list[SkpdInfo]:
    """Every SKPD (tenants of group ``skpd``), sorted by slug."""
    api = api or connect(settings)
    tenants = get_all(api, "tenancy/tenants", [("group", SKPD_GROUP)], fields="id,slug,name,custom_fields")
    return sorted((skpd_info(t) for t in tenants), key=lambda s: s.slug)


__all__ = [
    "SkpdInfo",
    "fetch_regency_lans",
    "fetch_skpd",
    "load_regency_name",
    "load_skpd_facts",
    "load_skpd_topologies",
    "load_skpd_topology",
    "netbox_topology",
    "skpd_info",
]
