"""Load the intended-config render context of each device from NetBox.

Four paged reads through simpul's one pager (devices with their merged ``config_context``,
interfaces with their cable peers, IP addresses, VLANs); ``intended_devices`` is the pure part that
turns them into ``IntendedDevice`` (what templates read) and ``DeviceScope`` (what compliance
scopes and waivers match). The lab builds its simulated devices from the same objects and the
same config contexts (``simpul.lab.build``), which is why a fresh lab is compliant.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from simpul.core.compliance import DeviceScope
from simpul.core.intended import (
    IntendedDevice,
    IntendedInterface,
    IntendedVlan,
    regency_from_context,
)
from simpul.inventory import Filters

DEVICE_FIELDS = "id,name,platform,role,site,tenant,tags,primary_ip4,config_context"
INTERFACE_FIELDS = "id,name,device,enabled,description,mtu,untagged_vlan,connected_endpoints"
IP_FIELDS = "address,assigned_object_type,assigned_object_id"
VLAN_FIELDS = "id,vid,name,site"
#: Above this many devices, read every interface once rather than filtering by device id.
FILTER_LIMIT = 40


def fetch_intended(api: Any, filters: Filters) -> dict[str, list[dict[str, Any]]]:
    """The raw NetBox objects the render context needs, for the filtered devices."""
    from simpul.netbox.client import get_all

    devices = [
        d
        for d in get_all(api, "dcim/devices", [*filters.params(), ("ordering", "name")], fields=DEVICE_FIELDS)
        if d.get("name")
    ]
    by_device: list[tuple[str, str]] = []
    if devices and len(devices) <= FILTER_LIMIT:
        by_device = [("device_id", str(d["id"])) for d in devices]
    interfaces = list(get_all(api, "dcim/interfaces", by_device, fields=INTERFACE_FIELDS)) if devices else []
    ips = list(get_all(api, "ipam/ip-addresses", by_device, fields=IP_FIELDS)) if devices else []
    vlans = list(get_all(api, "ipam/vlans", fields=VLAN_FIELDS)) if devices else []
    return {"devices": devices, "interfaces": interfaces, "ips": ips, "vlans": vlans}


def _slug(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    return value.get("slug") if isinstance(value, Mapping) else None


def ipv4_by_interface(ips: Iterable[Mapping[str, Any]]) -> dict[int, list[str]]:
    """Interface id -> its IPv4 addresses (CIDR), in NetBox's order."""
    out: dict[int, list[str]] = defaultdict(list)
    for ip in ips:
        on_interface = ip.get("assigned_object_type") == "dcim.interface" and ip.get("assigned_object_id")
        if on_interface and ":" not in ip["address"]:
            out[int(ip["assigned_object_id"])].append(ip["address"])
    return out


def site_vlans(vlans: Iterable[Mapping[str, Any]]) -> dict[str, dict[int, str]]:
    """Site slug -> {vid: name} of the VLANs NetBox assigns to that site."""
    out: dict[str, dict[int, str]] = defaultdict(dict)
    for vlan in vlans:
        if vlan.get("site"):
            out[vlan["site"]["slug"]][int(vlan["vid"])] = vlan["name"]
    return out


def device_vlans(site: Mapping[int, str], untagged: Iterable[int]) -> list[tuple[int, str]]:
    """The VLANs a device carries: its site's, plus any untagged VLAN of its ports (named as IOS does).

    >>> device_vlans({30: "Staf"}, [30, 99])
    [(30, 'Staf'), (99, 'VLAN0099')]
    """
    merged = dict(site)
    for vid in untagged:
        merged.setdefault(vid, f"VLAN{vid:04d}")
    return sorted(merged.items())


def _peer(iface: Mapping[str, Any]) -> str | None:
    for peer in iface.get("connected_endpoints") or []:
        dev = (peer.get("device") or {}).get("name")
        if dev and "name" in peer:
            return f"{dev} {peer['name']}"
    return None


def intended_devices(
    data: Mapping[str, list[dict[str, Any]]],
) -> list[tuple[IntendedDevice, DeviceScope]]:
    """Pure: NetBox objects -> (render context, compliance scope) per device with a platform."""
    ips = ipv4_by_interface(data["ips"])
    vlans = site_vlans(data["vlans"])
    ifaces: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for iface in data["interfaces"]:
        ifaces[iface["device"]["name"]].append(iface)
    out = []
    for dev in sorted(data["devices"], key=lambda d: d["name"]):
        platform = _slug(dev, "platform")
        if not platform:
            continue
        interfaces = tuple(
            IntendedInterface(
                name=i["name"],
                description=i.get("description") or "",
                enabled=bool(i.get("enabled", True)),
                ipv4=tuple(ips.get(i["id"], [])[:1]),
                access_vlan=int(i["untagged_vlan"]["vid"]) if i.get("untagged_vlan") else None,
                mtu=int(i.get("mtu") or 1500),
                link_peer=_peer(i),
            )
            for i in sorted(ifaces.get(dev["name"], []), key=lambda i: i["id"])
        )
        site = _slug(dev, "site")
        untagged = [i.access_vlan for i in interfaces if i.access_vlan is not None]
        primary = (dev.get("primary_ip4") or {}).get("address")
        tags = tuple(t["slug"] for t in dev.get("tags") or [])
        common = {"name": dev["name"], "platform": platform, "role": _slug(dev, "role"), "site": site}
        intended = IntendedDevice(
            **common,
            skpd=_slug(dev, "tenant"),
            tags=tags,
            mgmt_ip=primary.split("/")[0] if primary else None,
            interfaces=interfaces,
            vlans=tuple(
                IntendedVlan(vid=v, name=n) for v, n in device_vlans(vlans.get(site or "", {}), untagged)
            ),
            regency=regency_from_context(dev.get("config_context"), dev["name"]),
        )
        out.append((intended, DeviceScope(**common, skpd=_slug(dev, "tenant"), tags=tags)))
    return out


def load_intended(api: Any, filters: Filters) -> list[tuple[IntendedDevice, DeviceScope]]:
    """Render contexts and scopes of the filtered devices, read from NetBox."""
    return intended_devices(fetch_intended(api, filters))
