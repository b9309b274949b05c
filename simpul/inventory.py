"""One inventory for Nornir and Ansible, loaded from NetBox in a few paged API calls.

``load_hosts`` asks NetBox for devices with only the fields simpul needs (GraphQL for the whole
inventory, REST with NetBox 4's ``?fields=`` for a filtered one), page by page, never one call per
device, and turns each into an ``InventoryHost``.
``simpul.devices.runner.build_nornir`` hands those to Nornir with connection options from the one
platform table (``simpul.devices.platforms``).

In the lab (an overrides file with ``"lab": true``), a device the lab does not simulate is
*refused*: it keeps no address (``hostname`` None) and ``refused`` says why, so nothing ever tries
to reach its NetBox address, which is somewhere on a real network.

The Ansible side (``inventory/netbox.yml``: netbox.netbox.nb_inventory)
forms the same groups with ``keyed_groups``; a test holds the two to the same hosts and groups.

Groups: ``skpd_<tenant>``, ``role_<role>``, ``platform_<platform>``, ``site_<site>``, ``tag_<tag>``
(slugs with ``-`` written as ``_``, which Ansible accepts in group names).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simpul.errors import InputError
from simpul.settings import Settings

log = logging.getLogger(__name__)

DEVICE_FIELDS = "id,name,status,primary_ip4,platform,role,site,tenant,tags,device_type"
NOT_SIMULATED = "not simulated in the lab"


@dataclass(frozen=True)
class Filters:
    skpd: tuple[str, ...] = ()
    site: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    platform: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    device: tuple[str, ...] = ()

    @classmethod
    def of(cls, **values: list[str] | tuple[str, ...] | None) -> Filters:
        """Filters from repeatable CLI options (lists, possibly None).

        >>> Filters.of(skpd=["disdik"], device=None)
        Filters(skpd=('disdik',), site=(), role=(), platform=(), tag=(), device=())
        """
        return cls(**{key: tuple(value or ()) for key, value in values.items()})

    def params(self) -> list[tuple[str, str]]:
        """NetBox query parameters: several values of one filter are OR, filters are AND.

        >>> Filters(skpd=("disdik",), role=("skpd-edge", "access-switch")).params()
        [('tenant', 'disdik'), ('role', 'skpd-edge'), ('role', 'access-switch')]
        """
        out: list[tuple[str, str]] = []
        for attr, param in (
            ("skpd", "tenant"),
            ("site", "site"),
            ("role", "role"),
            ("platform", "platform"),
            ("tag", "tag"),
            ("device", "name"),
        ):
            out += [(param, value) for value in getattr(self, attr)]
        return out


def group_name(kind: str, slug: str) -> str:
    """Ansible-safe group name.

    >>> group_name("site", "pusat-data")
    'site_pusat_data'
    """
    return f"{kind}_{slug.replace('-', '_')}"


@dataclass(frozen=True)
class InventoryHost:
    name: str
    hostname: str | None
    port: int
    platform: str | None
    role: str | None
    site: str | None
    skpd: str | None
    tags: tuple[str, ...] = ()
    model: str | None = None
    groups: tuple[str, ...] = field(default=())
    refused: str | None = None  # why no connection may be tried (e.g. not simulated in the lab)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "hostname": self.hostname,
            "port": self.port,
            "platform": self.platform,
            "groups": list(self.groups),
        }
        if self.refused:
            out["refused"] = self.refused
        return out


@dataclass(frozen=True)
class Overrides:
    """Per-host hostname/port overrides; ``lab``: only the hosts listed may be contacted."""

    hosts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    lab: bool = False
    not_simulated: Mapping[str, str] = field(default_factory=dict)  # device -> why the lab has none


def host_from_device(dev: Mapping[str, Any], overrides: Overrides | None = None) -> InventoryHost:
    """Turn one NetBox device (REST JSON) into an inventory host.

    >>> dev = {"name": "rtr-disdik", "primary_ip4": {"address": "10.20.3.1/24"},
    ...        "platform": {"slug": "mikrotik_routeros"}, "role": {"slug": "skpd-edge"},
    ...        "site": {"slug": "disdik"}, "tenant": {"slug": "disdik"}, "tags": [{"slug": "simpul"}]}
    >>> h = host_from_device(dev)
    >>> h.hostname, h.port, h.refused
    ('10.20.3.1', 22, None)
    >>> h.groups  # doctest: +NORMALIZE_WHITESPACE
    ('skpd_disdik', 'role_skpd_edge', 'platform_mikrotik_routeros', 'site_disdik',
     'tag_simpul')
    >>> host_from_device(dev, Overrides({"rtr-disdik": {"hostname": "127.0.0.1", "port": 20001}})).port
    20001
    >>> lab = host_from_device(dev, Overrides({}, lab=True))
    >>> lab.hostname, lab.refused
    (None, 'not simulated in the lab')
    """
    overrides = overrides or Overrides()

    def slug(key: str) -> str | None:
        obj = dev.get(key)
        return obj.get("slug") if isinstance(obj, Mapping) else None

    ip = dev.get("primary_ip4")
    hostname = ip["address"].split("/")[0] if isinstance(ip, Mapping) and ip.get("address") else None
    port = 22
    refused = None
    override = overrides.hosts.get(dev["name"])
    if override:
        hostname = str(override.get("hostname", hostname))
        port = int(override.get("port", port))
    elif overrides.lab:  # its NetBox address is on a real network: never use it
        why = overrides.not_simulated.get(dev["name"])
        hostname, refused = None, f"{NOT_SIMULATED} ({why})" if why else NOT_SIMULATED
    tags = tuple(sorted(t["slug"] for t in dev.get("tags") or []))
    skpd, role, platform, site = slug("tenant"), slug("role"), slug("platform"), slug("site")
    groups = []
    for kind, value in (("skpd", skpd), ("role", role), ("platform", platform), ("site", site)):
        if value:
            groups.append(group_name(kind, value))
    groups += [group_name("tag", t) for t in tags]
    device_type = dev.get("device_type")
    model = device_type.get("model") if isinstance(device_type, Mapping) else None
    return InventoryHost(
        name=dev["name"],
        hostname=hostname,
        port=port,
        platform=platform,
        role=role,
        site=site,
        skpd=skpd,
        tags=tags,
        model=model,
        groups=tuple(groups),
        refused=refused,
    )


def load_overrides(path: Path | None) -> Overrides:
    """The lab's (or a user's) per-host overrides: ``{"lab": bool, "hosts": {NAME: {...}}}``."""
    if path is None:
        return Overrides()
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError(
            "inventory overrides file does not exist",
            source=str(path),
            hint="start the lab (simpul lab up) or unset SIMPUL_INVENTORY_OVERRIDES",
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", source=str(path), line=exc.lineno) from None
    hosts = data.get("hosts") if isinstance(data, dict) else None
    if not isinstance(hosts, dict):
        raise InputError("expected an object with a 'hosts' mapping", source=str(path), field="hosts")
    reasons = data.get("not_simulated")
    return Overrides(
        hosts=hosts,
        lab=bool(data.get("lab", False)),
        not_simulated={str(k): str(v) for k, v in reasons.items()} if isinstance(reasons, dict) else {},
    )


def iter_devices(api: Any, filters: Filters) -> Iterator[dict[str, Any]]:
    """Devices as plain JSON, page by page (NetBox 4 ``?fields=`` keeps each page small)."""
    from simpul.netbox.client import get_all

    return get_all(api, "dcim/devices", [*filters.params(), ("ordering", "name")], fields=DEVICE_FIELDS)


# The fields host_from_device reads, in GraphQL: the same shapes as REST's ?fields= answer. The tags
# come apart (simpul.netbox.client.graphql_tags): asked per device they cost NetBox more than the rest.
GRAPHQL_DEVICE = (
    "id name primary_ip4 { address } platform { slug } role { slug } site { slug } tenant { slug } "
    "device_type { model }"
)


def load_hosts(settings: Settings, filters: Filters, api: Any = None) -> list[InventoryHost]:
    """Every device NetBox lists (filtered) as an inventory host, in name order.

    The whole inventory (no filter: the nightly job, ``simpul inventory``) is read through GraphQL,
    the devices and their tags at once in two requests NetBox serves side by side, ~3x faster than
    REST at 2,000 devices (docs/benchmarks.md); filtered loads, and a NetBox whose GraphQL does not
    answer, read REST (:func:`iter_devices`).
    """
    from simpul.netbox.client import connect

    api = api or connect(settings)
    overrides = load_overrides(settings.inventory_overrides)
    devices = None if filters.params() else _whole_inventory(api)
    if devices is None:
        devices = list(iter_devices(api, filters))
    return [host_from_device(dev, overrides) for dev in devices if dev.get("name")]


def _whole_inventory(api: Any) -> list[dict[str, Any]] | None:
    """Every device through GraphQL, with its tags; None when GraphQL cannot answer."""
    from concurrent.futures import ThreadPoolExecutor

    from simpul.netbox.client import graphql_list, graphql_tags

    with ThreadPoolExecutor(1) as pool:
        tagged = pool.submit(graphql_tags, api, "device_list")
        devices = graphql_list(api, "device_list", GRAPHQL_DEVICE)
        tags = tagged.result()
    if devices is None or tags is None:
        return None
    for dev in devices:
        dev["tags"] = [{"slug": slug} for slug in tags.get(str(dev.get("id")), ())]
    return devices


def inventory_json(hosts: list[InventoryHost]) -> dict[str, Any]:
    return {"hosts": {h.name: h.as_json() for h in hosts}}
