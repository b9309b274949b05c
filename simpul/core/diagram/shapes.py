"""What a draw.io shape means on a LAN diagram: a table of shape names and families -> kinds.

draw.io names a stencil in its style (``shape=mxgraph.cisco.routers.router``,
``mxgraph.cisco19.rect;prIcon=router``, ``resIcon=mxgraph.aws4.internet_gateway``,
``image=img/lib/clip_art/networking/Router_Icon_128x128.png``). The kind is read from the name's last
part, by meaning: an exact entry of :data:`SHAPE_KINDS` first, else the *head word* (the last word
that names a kind: ``cloud_router`` is a router, ``private_cloud`` a cloud), never a substring.

Examples:
    >>> shape_kind({"shape": "mxgraph.gcp.networking.cloud_router"})
    'router'
    >>> shape_kind({"shape": "cloud"}), shape_kind({"ellipse": "", "shape": "cloud"})
    ('cloud', 'cloud')
    >>> shape_kind({"shape": "mxgraph.cisco19.rect", "prIcon": "l3_switch"})
    'switch'
    >>> shape_kind({"image": "img/lib/clip_art/networking/Router_Icon_128x128.png"})
    'router'
    >>> shape_kind({"shape": "mxgraph.cisco.servers.fileserver"})
    'server'
    >>> shape_kind({"rounded": "1", "whiteSpace": "wrap"}) is None
    True
"""

from __future__ import annotations

import re

# Kinds a device can be; "cloud" is an outside network (the Internet, a provider), never a device.
DEVICE_KINDS = frozenset(
    {"router", "switch", "firewall", "server", "wireless", "endpoint", "storage", "modem", "load_balancer"}
)
CLOUD = "cloud"

# Whole names (the last part of a stencil name, lower case, icon-size suffixes dropped) -> kind.
SHAPE_KINDS: dict[str, str] = {
    # outside networks
    "cloud": CLOUD,
    "internet": CLOUD,
    "network_cloud": CLOUD,
    "cloud_internet": CLOUD,
    "internet_cloud": CLOUD,
    "wan": CLOUD,
    "mpls": CLOUD,
    # routers and gateways
    "router": "router",
    "routers": "router",
    "cloud_router": "router",
    "internet_gateway": "router",
    "nat_gateway": "router",
    "vpn_gateway": "router",
    "customer_gateway": "router",
    "transit_gateway": "router",
    "gateway": "router",
    "mikrotik": "router",
    "edge_router": "router",
    "wireless_router": "router",
    "cloud_nat": "router",
    # switches
    "switch": "switch",
    "switches": "switch",
    "l2_switch": "switch",
    "l3_switch": "switch",
    "layer_2_switch": "switch",
    "layer_3_switch": "switch",
    "workgroup_switch": "switch",
    "multilayer_switch": "switch",
    "hub": "switch",
    "nexus_5000": "switch",
    "nexus_7000": "switch",
    "catalyst": "switch",
    # firewalls
    "firewall": "firewall",
    "firewalls": "firewall",
    "asa_5500": "firewall",
    "cloud_armor": "firewall",
    "network_firewall": "firewall",
    "utm": "firewall",
    # servers
    "server": "server",
    "servers": "server",
    "fileserver": "server",
    "file_server": "server",
    "web_server": "server",
    "mail_server": "server",
    "database_server": "server",
    "proxy_server": "server",
    "virtual_machine": "server",
    "compute_engine": "server",
    "ec2": "server",
    "instance": "server",
    "nas": "storage",
    "storage": "storage",
    "san": "storage",
    # wireless
    "access_point": "wireless",
    "wireless_access_point": "wireless",
    "accesspoint": "wireless",
    "wireless_hub": "wireless",
    "wireless_bridge": "wireless",
    "wifi": "wireless",
    "ap": "wireless",
    "radio_tower": "wireless",
    # end devices
    "pc": "endpoint",
    "laptop": "endpoint",
    "workstation": "endpoint",
    "printer": "endpoint",
    "ip_phone": "endpoint",
    "phone": "endpoint",
    "camera": "endpoint",
    "cctv": "endpoint",
    "nvr": "endpoint",
    "modem": "modem",
    "ont": "modem",
    "load_balancer": "load_balancer",
    "cloud_load_balancing": "load_balancer",
    "elastic_load_balancing": "load_balancer",
}

# Head words (the last word of a compound name that names its kind), when the whole name is unknown.
HEAD_WORDS: dict[str, str] = {
    "router": "router",
    "gateway": "router",
    "switch": "switch",
    "hub": "switch",
    "firewall": "firewall",
    "server": "server",
    "vm": "server",
    "storage": "storage",
    "nas": "storage",
    "point": "wireless",
    "ap": "wireless",
    "pc": "endpoint",
    "laptop": "endpoint",
    "printer": "endpoint",
    "phone": "endpoint",
    "camera": "endpoint",
    "modem": "modem",
    "balancer": "load_balancer",
    "cloud": CLOUD,
    "internet": CLOUD,
}

# Style keys that hold a stencil's name, most specific first.
_NAME_KEYS = ("prIcon", "resIcon", "shape", "image", "grIcon")
_NOISE = re.compile(r"(_icon)?(_\d+x\d+)?$")
_NOT_NAMES = frozenset({"rect", "image", "label", "mxgraph", "rectangle", "ellipse", "resourceicon"})


def _names(style: dict[str, str]) -> list[str]:
    """Candidate names in the style, most specific first: stencil values, then bare tokens."""
    out = []
    for key in _NAME_KEYS:
        value = style.get(key, "")
        if value:
            last = re.split(r"[./]", value.split(";")[0].removesuffix(".png").removesuffix(".svg"))[-1]
            out.append(last)
    out += [key for key, value in style.items() if not value]  # bare tokens: "ellipse;cloud;"
    names = []
    for name in out:
        clean = _NOISE.sub("", name.strip().lower().replace("-", "_").replace(" ", "_"))
        if clean and clean not in _NOT_NAMES:
            names.append(clean)
    return names


def shape_kind(style: dict[str, str]) -> str | None:
    """The kind a vertex's style draws (``router``, ``switch``, ``cloud``...), or None if unknown."""
    names = _names(style)
    for name in names:
        if name in SHAPE_KINDS:
            return SHAPE_KINDS[name]
    for name in names:
        for word in reversed([w for w in name.split("_") if w and not w.isdigit()]):
            if word in HEAD_WORDS:
                return HEAD_WORDS[word]
    return None


def is_device_kind(kind: str | None) -> bool:
    """Kinds drawn for devices (not clouds, not unknown shapes).

    >>> is_device_kind("router"), is_device_kind("cloud"), is_device_kind(None)
    (True, False, False)
    """
    return kind in DEVICE_KINDS
