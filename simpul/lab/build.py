"""Build the lab's simulated devices from NetBox: what NetBox says is what the devices answer.

Four paged REST reads (devices, interfaces, IP addresses, VLANs) are enough for the whole regency;
the regency-wide config lines (NTP, DNS, syslog, SNMP, AAA, banner, LLDP) come from each device's
NetBox config context, the same data the intended-config templates read;
LLDP neighbours come from the interfaces' ``connected_endpoints`` (the NetBox cables), so the lab
network is exactly the documented one until a drift scenario says otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections import defaultdict
from pathlib import Path
from typing import Any

from simpul.core.intended import regency_from_context
from simpul.lab.spec import DeviceLab, LabDevice, LabInterface, LabNeighbor, LabSecrets, LabVlan

log = logging.getLogger(__name__)

OS_VERSIONS = {"cisco_ios": "15.9(3)M7", "arista_eos": "4.31.2F", "mikrotik_routeros": "7.15.3"}


def lab_secrets(lab_dir: Path) -> dict[str, str]:
    """Per-lab credentials and planted secrets, made once and kept 0600 in the lab directory."""
    path = lab_dir / "secrets.json"
    if path.exists():
        return dict(json.loads(path.read_text()))
    lab_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "password": secrets.token_urlsafe(12),
        "enable_secret": secrets.token_urlsafe(12),
        "user_password": secrets.token_urlsafe(12),
        "snmp_community": "snmp" + secrets.token_hex(6),
        "ipsec_psk": secrets.token_urlsafe(16),
        "ppp_secret": secrets.token_urlsafe(10),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    tmp.chmod(0o600)
    tmp.replace(path)
    return data


def _mac(name: str, port: str) -> str:
    digest = hashlib.sha256(f"{name}/{port}".encode()).digest()
    return ":".join(f"{b:02x}" for b in (0x02, *digest[:5]))


def _serial(name: str) -> str:
    return "SKD" + hashlib.sha256(name.encode()).hexdigest()[:9].upper()


def fetch_regency(api: Any) -> dict[str, list[dict[str, Any]]]:
    """The raw NetBox objects the lab needs, in four paged reads (simpul's one NetBox pager)."""
    from simpul.netbox.client import get_all

    return {
        "devices": list(
            get_all(
                api,
                "dcim/devices",
                fields="id,name,platform,role,site,tenant,device_type,primary_ip4,config_context",
            )
        ),
        "interfaces": list(
            get_all(
                api,
                "dcim/interfaces",
                fields="id,name,device,enabled,description,mtu,untagged_vlan,connected_endpoints,speed",
            )
        ),
        "ips": list(
            get_all(api, "ipam/ip-addresses", fields="address,assigned_object_type,assigned_object_id")
        ),
        "vlans": list(get_all(api, "ipam/vlans", fields="id,vid,name,site,tenant")),
    }


def build_device_lab(
    data: dict[str, list[dict[str, Any]]],
    creds: dict[str, str],
    base_port: int,
    platforms: tuple[str, ...] = ("cisco_ios", "arista_eos", "mikrotik_routeros"),
) -> tuple[DeviceLab, list[tuple[str, str]]]:
    """Pure: NetBox objects -> the simulated devices, plus (device, reason) for those skipped."""
    ips_by_iface: dict[int, list[str]] = defaultdict(list)
    for ip in data["ips"]:
        if ip.get("assigned_object_type") == "dcim.interface" and ip.get("assigned_object_id"):
            ips_by_iface[int(ip["assigned_object_id"])].append(ip["address"])
    ifaces_by_dev: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for iface in data["interfaces"]:
        ifaces_by_dev[iface["device"]["name"]].append(iface)
    dev_by_name = {d["name"]: d for d in data["devices"] if d.get("name")}
    vlans_by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for vlan in data["vlans"]:
        if vlan.get("site"):
            vlans_by_site[vlan["site"]["slug"]].append(vlan)

    secrets_ = LabSecrets(
        enable_secret=creds["enable_secret"],
        user_password=creds["user_password"],
        snmp_community=creds["snmp_community"],
        ipsec_psk=creds["ipsec_psk"],
        ppp_secret=creds["ppp_secret"],
    )
    devices: list[LabDevice] = []
    skipped: list[tuple[str, str]] = []
    port = base_port
    for name in sorted(dev_by_name):
        dev = dev_by_name[name]
        slug = (dev.get("platform") or {}).get("slug")
        if slug not in platforms:
            reason = (
                "no platform set in NetBox"
                if not slug
                else f"platform {slug!r} is not simulated over SSH"
                + (" (linux devices run in Linux network namespaces, as root)" if slug == "linux" else "")
            )
            skipped.append((name, reason))
            continue
        interfaces: list[LabInterface] = []
        neighbors: list[LabNeighbor] = []
        vlan_ports: dict[int, list[str]] = defaultdict(list)
        for iface in sorted(ifaces_by_dev.get(name, []), key=lambda i: i["id"]):
            v4 = [a for a in ips_by_iface.get(iface["id"], []) if ":" not in a]
            untagged = iface.get("untagged_vlan") or None
            if untagged:
                vlan_ports[int(untagged["vid"])].append(iface["name"])
            interfaces.append(
                LabInterface(
                    name=iface["name"],
                    description=iface.get("description") or "",
                    enabled=bool(iface.get("enabled", True)),
                    mac=_mac(name, iface["name"]),
                    ipv4=v4[0] if v4 else None,
                    access_vlan=int(untagged["vid"]) if untagged else None,
                    mtu=int(iface.get("mtu") or 1500),
                    speed_mbps=int((iface.get("speed") or 1_000_000) / 1000),
                )
            )
            for peer in iface.get("connected_endpoints") or []:
                peer_dev = (peer.get("device") or {}).get("name")
                if not peer_dev or "name" not in peer:
                    continue  # a circuit termination, not a neighbour that speaks LLDP
                remote = dev_by_name.get(peer_dev, {})
                remote_ip = (remote.get("primary_ip4") or {}).get("address")
                neighbors.append(
                    LabNeighbor(
                        local_port=iface["name"],
                        remote_device=peer_dev,
                        remote_port=peer["name"],
                        remote_platform=(remote.get("platform") or {}).get("slug") or "",
                        remote_mgmt_ip=remote_ip.split("/")[0] if remote_ip else None,
                        remote_mac=_mac(peer_dev, peer["name"]),
                    )
                )
        site = (dev.get("site") or {}).get("slug")
        vlans = {int(v["vid"]): v["name"] for v in vlans_by_site.get(site or "", [])}
        primary = (dev.get("primary_ip4") or {}).get("address")
        devices.append(
            LabDevice(
                name=name,
                platform=slug,
                model=(dev.get("device_type") or {}).get("model") or "unknown",
                serial=_serial(name),
                os_version=OS_VERSIONS.get(slug, "1.0"),
                ssh_port=port,
                skpd=(dev.get("tenant") or {}).get("slug"),
                site=site,
                role=(dev.get("role") or {}).get("slug"),
                mgmt_ip=primary.split("/")[0] if primary else None,
                interfaces=tuple(interfaces),
                vlans=tuple(
                    LabVlan(vid=vid, name=vname, ports=tuple(vlan_ports.get(vid, ())))
                    for vid, vname in sorted(
                        {**vlans, **{vid: vlans.get(vid, f"VLAN{vid:04d}") for vid in vlan_ports}}.items()
                    )
                ),
                neighbors=tuple(neighbors),
                secrets=secrets_,
                regency=regency_from_context(dev.get("config_context"), name),
            )
        )
        port += 1
    lab = DeviceLab(username="admin", password=creds["password"], devices=tuple(devices))
    return lab, skipped
