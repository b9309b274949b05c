"""One inventory for Nornir and Ansible, loaded from NetBox in a few paged API calls.

``load_hosts`` asks NetBox's REST API for devices with only the fields simpul needs (NetBox 4's
``?fields=``), page by page, never one call per device, and turns each into an ``InventoryHost``.
``build_nornir`` hands those to Nornir with connection options from the one platform map
(``simpul.platforms``). The Ansible side (``inventory/netbox.yml``: netbox.netbox.nb_inventory)
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
from simpul.platforms import PLATFORMS
from simpul.settings import Settings

log = logging.getLogger(__name__)

DEVICE_FIELDS = "id,name,status,primary_ip4,platform,role,site,tenant,tags,device_type"
PAGE_SIZE = 1000


@dataclass(frozen=True)
class Filters:
    skpd: tuple[str, ...] = ()
    site: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    platform: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    device: tuple[str, ...] = ()

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

    def as_json(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname,
            "port": self.port,
            "platform": self.platform,
            "groups": list(self.groups),
        }


def host_from_device(dev: Mapping[str, Any], overrides: Mapping[str, Mapping[str, Any]]) -> InventoryHost:
    """Turn one NetBox device (REST JSON) into an inventory host.

    >>> dev = {"name": "rtr-disdik", "primary_ip4": {"address": "10.20.3.1/24"},
    ...        "platform": {"slug": "mikrotik_routeros"}, "role": {"slug": "skpd-edge"},
    ...        "site": {"slug": "disdik"}, "tenant": {"slug": "disdik"}, "tags": [{"slug": "simpul"}]}
    >>> h = host_from_device(dev, {})
    >>> h.hostname, h.port
    ('10.20.3.1', 22)
    >>> h.groups  # doctest: +NORMALIZE_WHITESPACE
    ('skpd_disdik', 'role_skpd_edge', 'platform_mikrotik_routeros', 'site_disdik',
     'tag_simpul')
    >>> host_from_device(dev, {"rtr-disdik": {"hostname": "127.0.0.1", "port": 20001}}).port
    20001
    """

    def slug(key: str) -> str | None:
        obj = dev.get(key)
        return obj.get("slug") if isinstance(obj, Mapping) else None

    ip = dev.get("primary_ip4")
    hostname = ip["address"].split("/")[0] if isinstance(ip, Mapping) and ip.get("address") else None
    port = 22
    override = overrides.get(dev["name"])
    if override:
        hostname = str(override.get("hostname", hostname))
        port = int(override.get("port", port))
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
    )


def load_overrides(path: Path | None) -> dict[str, dict[str, Any]]:
    """The lab's (or a user's) per-host hostname/port overrides: ``{"hosts": {NAME: {...}}}``."""
    if path is None:
        return {}
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
    return hosts


def iter_devices(api: Any, filters: Filters) -> Iterator[dict[str, Any]]:
    """Devices as plain JSON, page by page (NetBox 4 ``?fields=`` keeps each page small)."""
    session = api.http_session
    url = f"{api.base_url}/dcim/devices/"
    params: list[tuple[str, str]] | None = [
        *filters.params(),
        ("fields", DEVICE_FIELDS),
        ("limit", str(PAGE_SIZE)),
        ("ordering", "name"),
    ]
    headers = {"Authorization": f"Bearer {api.token}", "Accept": "application/json"}
    while url:
        resp = session.get(url, params=params, headers=headers, timeout=60)
        resp.raise_for_status()
        page = resp.json()
        yield from page["results"]
        url, params = page.get("next"), None


def load_hosts(settings: Settings, filters: Filters, api: Any = None) -> list[InventoryHost]:
    from simpul.netbox.client import connect

    api = api or connect(settings)
    overrides = load_overrides(settings.inventory_overrides)
    return [host_from_device(dev, overrides) for dev in iter_devices(api, filters) if dev.get("name")]


def nornir_host_data(host: InventoryHost) -> dict[str, Any]:
    return {
        "skpd": host.skpd,
        "role": host.role,
        "site": host.site,
        "netbox_platform": host.platform,
        "model": host.model,
        "tags": list(host.tags),
    }


def build_nornir(
    settings: Settings,
    filters: Filters | None = None,
    hosts: list[InventoryHost] | None = None,
    workers: int | None = None,
) -> Any:
    """A ``Nornir`` over the hosts, with credentials from settings and options from the platform map."""
    from nornir.core import Nornir
    from nornir.core.inventory import (
        ConnectionOptions,
        Defaults,
        Group,
        Groups,
        Host,
        Hosts,
        Inventory,
        ParentGroups,
    )
    from nornir.core.plugins.connections import ConnectionPluginRegister
    from nornir.core.plugins.runners import RunnersPluginRegister

    if hosts is None:
        hosts = load_hosts(settings, filters or Filters())
    defaults = Defaults(username=settings.device_username, password=settings.device_password)
    nr_hosts = Hosts()
    nr_groups = Groups()
    for name in sorted({g for h in hosts for g in h.groups}):
        nr_groups[name] = Group(name=name, defaults=defaults)
    for h in hosts:
        spec = PLATFORMS.get(h.platform or "")
        options: dict[str, ConnectionOptions] = {}
        if spec is not None:
            options["netmiko"] = ConnectionOptions(
                platform=spec.netmiko,
                extras={
                    "secret": settings.device_enable_secret or settings.device_password,
                    "timeout": settings.device_timeout,
                    "conn_timeout": settings.device_timeout,
                    "banner_timeout": settings.device_timeout,
                    "auth_timeout": settings.device_timeout,
                    "fast_cli": False,
                },
            )
            if spec.napalm:
                options["napalm"] = ConnectionOptions(
                    platform=spec.napalm,
                    # per host: nornir-napalm shares one optional_args dict across a group
                    extras={
                        "optional_args": {
                            "port": h.port,
                            "secret": settings.device_enable_secret or settings.device_password,
                        },
                        "timeout": int(settings.device_timeout),
                    },
                )
        nr_hosts[h.name] = Host(
            name=h.name,
            hostname=h.hostname,
            port=h.port,
            platform=spec.netmiko if spec else h.platform,
            data=nornir_host_data(h),
            groups=ParentGroups([nr_groups[g] for g in h.groups]),
            connection_options=options,
            defaults=defaults,
        )
    RunnersPluginRegister.auto_register()
    ConnectionPluginRegister.auto_register()
    runner = RunnersPluginRegister.get_plugin("threaded")(num_workers=workers or settings.workers)
    return Nornir(inventory=Inventory(hosts=nr_hosts, groups=nr_groups, defaults=defaults), runner=runner)


def inventory_json(hosts: list[InventoryHost]) -> dict[str, Any]:
    return {"hosts": {h.name: h.as_json() for h in hosts}}
