"""Render one bandwidth ``Plan`` to RouterOS, Linux tc or Cisco IOS with the templates next to this file.

The same templates serve the CLI, the Nornir task and the Ansible role. A plan that fails
``check`` is refused (BandwidthError, exit 2): nothing half-valid is ever rendered, so nothing
half-valid is pushed.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from simpul.core.bandwidth import Plan, check
from simpul.errors import BandwidthError

Target = Literal["routeros", "linux", "ios"]
TEMPLATES: dict[str, str] = {"routeros": "routeros.j2", "linux": "linux_tc.j2", "ios": "ios.j2"}
TEMPLATE_DIR = Path(__file__).resolve().parent
IFB = "ifb0"
DEFAULT_MINOR = "fff"  # HTB class for unclassified traffic (hex, like every HTB minor)

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATE_DIR)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,  # device configs, not HTML
)


def _kbit(mbps: float) -> int:
    return round(mbps * 1000)


def _quantum(kbit: int) -> int:
    """HTB's DRR quantum in bytes: rate/10 (its default r2q) kept inside 1514..200000 so the kernel
    never warns and never rewrites it.

    >>> _quantum(8000), _quantum(100), _quantum(500000)
    (100000, 1514, 200000)
    """
    return max(1514, min(200_000, kbit * 1000 // 8 // 10))


def render_context(plan: Plan, *, uplink: str, downlink: str | None = None) -> dict[str, Any]:
    """The numbers every template uses: kbit/bps integers, HTB minors, ACL wildcards."""
    capacity_kbit = _kbit(plan.capacity.total_mbps)
    skpds: list[dict[str, Any]] = []
    for index, alloc in enumerate(plan.active()):
        assert alloc.cir_mbps is not None and alloc.mir_mbps is not None  # active() guarantees it
        prefixes = []
        for cidr in alloc.lan_prefixes:
            net = ipaddress.ip_network(cidr)
            prefixes.append(
                {
                    "cidr": str(net),
                    "network": str(net.network_address),
                    "wildcard": str(net.hostmask),
                    "family": "ip" if net.version == 4 else "ip6",
                    "protocol": "ip" if net.version == 4 else "ipv6",
                    "prio": 1 if net.version == 4 else 2,
                }
            )
        skpds.append(
            {
                "slug": alloc.slug,
                "name": alloc.name or alloc.slug,
                "tag": re.sub(r"[^A-Z0-9]+", "-", alloc.slug.upper()),
                "minor": f"{0x10 + index:x}",
                "cir_kbit": _kbit(alloc.cir_mbps),
                "quantum": _quantum(_kbit(alloc.cir_mbps)),
                "mir_kbit": _kbit(alloc.mir_mbps),
                "cir_bps": round(alloc.cir_mbps * 1_000_000),
                "mir_bps": round(alloc.mir_mbps * 1_000_000),
                "prefixes": prefixes,
            }
        )
    total_cir = sum(s["cir_kbit"] for s in skpds)
    total_mir = sum(s["mir_kbit"] for s in skpds)
    return {
        "uplink": uplink,
        "downlink": downlink,
        "ifb": IFB,
        "capacity_kbit": capacity_kbit,
        "capacity_quantum": _quantum(capacity_kbit),
        "capacity_bps": round(plan.capacity.total_mbps * 1_000_000),
        "total_cir_kbit": total_cir,
        "total_mir_kbit": total_mir,
        # what the guarantees leave over, at least 8 kbit (HTB needs a positive rate)
        "default_kbit": max(capacity_kbit - total_cir, 8),
        "default_quantum": _quantum(max(capacity_kbit - total_cir, 8)),
        "default_minor": DEFAULT_MINOR,
        "skpds": skpds,
        "directions": [
            {"name": "upload", "var": "UPLINK", "match": "src"},
            {"name": "download", "var": "IFB", "match": "dst"},
        ],
    }


def render_bandwidth(plan: Plan, target: str, *, uplink: str, downlink: str | None = None) -> str:
    """Render ``plan`` for ``target`` (routeros, linux, ios), shaping on interface ``uplink``.

    Examples:
        >>> from simpul.core.bandwidth import Capacity, Circuit, SkpdAllocation
        >>> plan = Plan(capacity=Capacity(circuits=(Circuit(cid="c", provider="p", commit_mbps=10),)),
        ...             allocations=(SkpdAllocation(slug="disdik", cir_mbps=4, mir_mbps=8,
        ...                                         lan_prefixes=("10.20.3.0/24",)),))
        >>> [line for line in render_bandwidth(plan, "linux", uplink="up0").splitlines()  # doctest: +ELLIPSIS
        ...  if "1:10 htb" in line][0]
        'tc class add dev "$UPLINK" parent 1:1 classid 1:10 htb rate 4000kbit ceil 8000kbit quantum 50000 ...'
    """
    if target not in TEMPLATES:
        raise BandwidthError(f"unknown target {target!r}", hint="use one of: " + ", ".join(TEMPLATES))
    if not re.fullmatch(r"[A-Za-z0-9_./:-]+", uplink):
        raise BandwidthError(f"uplink interface name {uplink!r} is not valid", field="uplink")
    violations = check(plan)
    if violations:
        raise BandwidthError(
            f"the plan breaks {len(violations)} rule(s): "
            + "; ".join(f"{v.code} {v.message}" for v in violations),
            hint="run `simpul bandwidth check` and fix the allocation first; nothing was rendered",
        )
    return _env.get_template(TEMPLATES[target]).render(
        **render_context(plan, uplink=uplink, downlink=downlink)
    )
