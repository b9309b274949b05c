"""The demo regency's SKPD LANs read straight from the seed file (no NetBox): what NetBox will say."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from simpul.core.topology import Topology
from simpul.netbox.topology import netbox_topology


@lru_cache(maxsize=1)
def seed() -> dict[str, Any]:
    from importlib import resources

    import yaml

    return dict(yaml.safe_load(resources.files("simpul.netbox").joinpath("demo_regency.yaml").read_text()))


def mandiri_tik() -> dict[str, Any]:
    """slug -> tenant entry of every SKPD Mandiri TIK in the seed."""
    return {t["slug"]: t for t in seed()["tenants"] if t.get("skpd_mandiri_tik")}


def seed_topology(skpd: str) -> Topology:
    """The SKPD's LAN as the seed (and so NetBox) documents it, through the same pure builder."""
    data = seed()
    models = {t["slug"]: t["model"] for t in data["device_types"]}
    devices = [
        {
            "name": d["name"],
            "role": {"slug": d["role"]},
            "platform": {"slug": d["platform"]} if d.get("platform") else None,
            "device_type": {"model": models[d["device_type"]]},
            "primary_ip4": {"address": d["primary_ip4"]} if d.get("primary_ip4") else None,
        }
        for d in data["devices"]
        if d.get("tenant") == skpd
    ]
    interfaces = [
        {
            "name": c["a"]["interface"],
            "device": {"name": c["a"]["device"]},
            "link_peers": [{"name": c["b"]["interface"], "device": {"name": c["b"]["device"]}}],
        }
        for c in data["cables"]
    ]
    vlans = [{"vid": v["vid"], "name": v["name"]} for v in data["vlans"] if v.get("tenant") == skpd]
    vid = {v["vid"] for v in vlans}
    prefixes = [
        {"prefix": p["prefix"], "vlan": {"vid": p["vlan"]}}
        for p in data["prefixes"]
        if p.get("tenant") == skpd and p.get("vlan") in vid
    ]
    return netbox_topology(
        skpd, {"devices": devices, "interfaces": interfaces, "vlans": vlans, "prefixes": prefixes}
    )
