"""``simpul netbox seed``: load a whole regency (YAML) into NetBox through one idempotent upsert.

The same code serves the built-in demo (``--demo``: ``simpul/netbox/demo_regency.yaml``) and a
Pemda's own file. A seed file is validated completely -- shape (pydantic, ``extra="forbid"``) and
references (a cable to an unknown interface, a prefix naming an unknown tenant, ...) -- before
anything is written; every problem is reported as ``file:line: field: message``.

Examples:
    >>> data = scaled_regency(12)
    >>> seed = validate_seed(data)
    >>> len(seed.devices), seed.devices[0].name
    (12, 'core-diskominfo-01')
    >>> validate_seed({"version": 1, "region": {"name": "Kab", "slug": "kab"},
    ...                "devices": [{"name": "x", "role": "skpd-edge", "platform": "cisco-ios",
    ...                             "site": "s", "device_type": "d"}]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    simpul.netbox.seed.SeedFileError: devices[0].platform: unknown platform 'cisco-ios'; known: ... (+2 more)
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from importlib import resources
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Any, Literal

import pynetbox
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simpul.core.validation import PLAIN_WORDING, input_errors_from_validation
from simpul.core.yaml_lines import LineIndex, YamlPath, field_path, load_yaml_with_lines
from simpul.devices.platforms import PLATFORMS
from simpul.errors import InputError
from simpul.netbox.bootstrap import (
    IPAM_ROLES,
    ROLES,
    TAGS,
    Bootstrapped,
    bootstrap,
    manufacturers,
    platform_manufacturer,
)
from simpul.netbox.upsert import Counts, Upserter, keyed

log = logging.getLogger(__name__)

DEMO_FILE = "demo_regency.yaml"
_DNS_NAME = re.compile(r"^[0-9A-Za-z_-]+(\.[0-9A-Za-z_-]+)*$")  # NetBox refuses other dns_name values
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=100)]


# --------------------------------------------------------------------------- the seed file's shape


def _cidr(value: str | None) -> str | None:
    """An address with its prefix length (10.20.3.1/24), as NetBox keeps interface addresses."""
    if value is None:
        return None
    if "/" not in value:
        raise ValueError(f"{value!r} needs a prefix length, e.g. {value}/24")
    try:
        ipaddress.ip_interface(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address with prefix length") from None
    return value


class M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Region(M):
    name: str
    slug: Slug
    description: str = ""


class Site(M):
    slug: Slug
    name: str
    tenant: str | None = None
    description: str = ""
    physical_address: str = ""
    tags: tuple[str, ...] = ()


class Tenant(M):
    """An SKPD (group ``skpd``) with its facts as custom fields."""

    slug: Slug
    name: str
    description: str = ""
    skpd_mandiri_tik: bool = False
    bw_cir_mbps: int | None = Field(default=None, ge=0)
    bw_mir_mbps: int | None = Field(default=None, ge=0)
    lan_diagram_date: dt.date | None = None
    backup_policy: str | None = None
    # VPS quota (Pasal 14 ayat 8; simpul vps request checks it): empty = no limit, all empty = no VPS
    vps_quota_vms: int | None = Field(default=None, ge=0)
    vps_quota_vcpus: int | None = Field(default=None, ge=0)
    vps_quota_memory_mb: int | None = Field(default=None, ge=0)
    vps_quota_disk_gb: int | None = Field(default=None, ge=0)
    tags: tuple[str, ...] = ()


class Manufacturer(M):
    slug: Slug
    name: str


class DeviceType(M):
    slug: Slug
    model: str
    manufacturer: str
    u_height: float = Field(default=1.0, ge=0)


class Interface(M):
    name: str = Field(min_length=1)
    type: str = "1000base-t"
    description: str = ""
    enabled: bool = True
    mgmt_only: bool = False
    ip: str | None = None  # CIDR, e.g. 10.20.3.1/24
    untagged_vlan: int | None = Field(default=None, ge=1, le=4094)  # vid of a VLAN at the device's site

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        return _cidr(value)


class Device(M):
    name: str = Field(min_length=1, max_length=64)
    role: str
    platform: str
    site: str
    device_type: str
    tenant: str | None = None
    status: Literal["active", "planned", "staged", "failed", "offline", "inventory", "decommissioning"] = (
        "active"
    )
    serial: str = ""
    description: str = ""
    primary_ip4: str | None = None  # one of its interfaces' ip
    cluster: str | None = None  # a hypervisor host of that cluster (same site)
    interfaces: tuple[Interface, ...] = ()
    tags: tuple[str, ...] = ()


class End(M):
    device: str
    interface: str


class Cable(M):
    a: End
    b: End
    type: str | None = "cat6"
    label: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()


class Vlan(M):
    vid: int = Field(ge=1, le=4094)
    name: str
    site: str | None = None
    tenant: str | None = None
    description: str = ""
    tags: tuple[str, ...] = ()


class Prefix(M):
    prefix: str
    site: str | None = None
    tenant: str | None = None
    vlan: int | None = Field(default=None, ge=1, le=4094)  # vid of a VLAN at the same site
    status: Literal["active", "reserved", "deprecated", "container"] = "active"
    role: str | None = None  # IPAM role slug from the bootstrap (``vps``: where VPS addresses come from)
    description: str = ""
    tags: tuple[str, ...] = ()

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        try:
            net = ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a network address with prefix length ({exc})") from None
        return str(net)


class Provider(M):
    slug: Slug
    name: str


class CircuitType(M):
    slug: Slug
    name: str


class Termination(M):
    site: str
    device: str | None = None  # the core interface the circuit is cabled to
    interface: str | None = None
    port_speed: int | None = Field(default=None, ge=0)  # Kbps


class Circuit(M):
    cid: str
    provider: str
    type: str
    commit_rate: int = Field(ge=0)  # Kbps, as NetBox stores it
    tenant: str | None = None
    description: str = ""
    termination: Termination | None = None
    tags: tuple[str, ...] = ()


class ClusterType(M):
    slug: Slug
    name: str


class Cluster(M):
    """A cluster. Tagged ``pusat-data`` (the default) it is where ``simpul vps`` puts VPS: its
    capacity and overcommit ratios are what ``simpul vps request`` checks (docs/vps.md)."""

    name: str
    type: str
    site: str | None = None
    description: str = ""
    tags: tuple[str, ...] = ("pusat-data",)
    vps_capacity_vcpus: int | None = Field(default=None, ge=0)  # physical cores
    vps_capacity_memory_mb: int | None = Field(default=None, ge=0)
    vps_capacity_disk_gb: int | None = Field(default=None, ge=0)
    vps_overcommit_cpu: float | None = Field(default=None, gt=0)  # vCPUs per core
    vps_overcommit_memory: float | None = Field(default=None, gt=0)
    vps_overcommit_disk: float | None = Field(default=None, gt=0)


class VirtualMachine(M):
    """A VM. In a ``pusat-data`` cluster with an SKPD tenant it is a VPS: its status is the desired
    state ``simpul vps apply`` makes the hypervisor hold (planned/active: running; staged/offline:
    defined, stopped)."""

    name: str
    cluster: str
    tenant: str | None = None
    role: str = "server"
    platform: str | None = "linux"
    status: Literal["active", "planned", "staged", "failed", "offline", "decommissioning"] = "active"
    vcpus: float | None = Field(default=None, gt=0)
    memory_mb: int | None = Field(default=None, ge=0)
    disk_gb: int | None = Field(default=None, ge=0)
    image: str | None = None  # custom field vps_image
    ssh_keys: tuple[str, ...] = ()  # custom field vps_ssh_keys (OpenSSH public keys, never private)
    interface: str = "eth0"
    ip: str | None = None  # CIDR on ``interface``, also the VM's primary IPv4
    description: str = ""
    tags: tuple[str, ...] = ()

    @field_validator("ip")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        return _cidr(value)

    @field_validator("ssh_keys")
    @classmethod
    def _keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from simpul.core.vps import VpsInputError, check_ssh_key

        for i, key in enumerate(value):
            try:
                check_ssh_key(key, f"ssh_keys[{i}]")
            except VpsInputError as err:
                raise ValueError(err.message) from None
        return value


class ConfigContext(M):
    """A NetBox config context: regency-wide config data (key ``jaringan_intra``, read by the
    intended-config templates and the lab) assigned by region, site, role and/or tenant.
    Higher ``weight`` wins where contexts overlap (NetBox merges them deeply)."""

    name: str
    weight: int = Field(default=1000, ge=0, le=32767)
    description: str = ""
    regions: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    tenants: tuple[str, ...] = ()
    data: dict[str, Any]

    @field_validator("data", mode="after")
    @classmethod
    def _regency(cls, value: dict[str, Any]) -> dict[str, Any]:
        from simpul.core.intended import CONTEXT_KEY, RegencyConfig

        if CONTEXT_KEY in value:
            # a partial context: every key it gives must be one the templates know
            RegencyConfig.model_validate({**RegencyConfig().model_dump(), **value[CONTEXT_KEY]})
        return value


class SeedFile(M):
    version: Literal[1] = 1
    region: Region
    sites: tuple[Site, ...] = ()
    tenants: tuple[Tenant, ...] = ()
    manufacturers: tuple[Manufacturer, ...] = ()
    device_types: tuple[DeviceType, ...] = ()
    devices: tuple[Device, ...] = ()
    cables: tuple[Cable, ...] = ()
    vlans: tuple[Vlan, ...] = ()
    prefixes: tuple[Prefix, ...] = ()
    providers: tuple[Provider, ...] = ()
    circuit_types: tuple[CircuitType, ...] = ()
    circuits: tuple[Circuit, ...] = ()
    cluster_types: tuple[ClusterType, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    virtual_machines: tuple[VirtualMachine, ...] = ()
    config_contexts: tuple[ConfigContext, ...] = ()


# --------------------------------------------------------------------------- errors with lines

Path_ = YamlPath


class SeedFileError(InputError):
    """Every problem found in one seed file (the first one is the headline)."""

    def __init__(self, problems: list[InputError]) -> None:
        first = problems[0]
        super().__init__(first.message, source=first.source, line=first.line, field=first.field)
        self.problems = problems

    def __str__(self) -> str:
        first = self.problems[0]
        text = f"{first.location()}: {first.message}"
        if len(self.problems) > 1:
            text += f" (+{len(self.problems) - 1} more)"
        return text

    def render(self) -> str:
        lines = [p.render().replace("\n", " ") for p in self.problems[:50]]
        if len(self.problems) > 50:
            lines.append(f"... and {len(self.problems) - 50} more")
        lines.append(f"  -> {len(self.problems)} problem(s); fix the file, nothing was written to NetBox")
        return "\n".join(lines)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def demo_path() -> Path:
    return Path(str(resources.files("simpul.netbox").joinpath(DEMO_FILE)))


def load_demo() -> SeedFile:
    """The built-in demo regency (Kabupaten Sekadau), validated."""
    return load_seed_file(demo_path(), display="simpul/netbox/demo_regency.yaml")


def load_seed_file(path: Path | str, display: str | None = None) -> SeedFile:
    """Read and fully validate a seed file; raise SeedFileError/InputError naming file:line: field."""
    path = Path(path)
    source = display or _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", source=source, hint="give the path of a seed YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=source) from None
    data, lines = load_yaml_with_lines(text, source)
    if lines.duplicates:
        raise SeedFileError(
            [
                InputError(f"duplicate key {p[-1]!r}", source=source, line=lines.line(p), field=field_path(p))
                for p in lines.duplicates
            ]
        )
    return validate_seed(data, source=source, lines=lines)


def validate_seed(data: Any, source: str | None = None, lines: LineIndex | None = None) -> SeedFile:
    """Shape and references of a seed (a dict as parsed from YAML)."""
    lines = lines or LineIndex()

    def problem(loc: Path_, msg: str) -> InputError:
        return InputError(msg, source=source, line=lines.line(loc), field=field_path(loc) or None)

    if not isinstance(data, dict):
        raise SeedFileError([problem((), "a seed file is a YAML mapping with region, sites, tenants, ...")])
    try:
        seed = SeedFile.model_validate(data)
    except ValidationError as exc:
        raise SeedFileError(input_errors_from_validation(exc, source, lines, wording=PLAIN_WORDING)) from None
    problems = [problem(loc, msg) for loc, msg in check_references(seed)]
    if problems:
        raise SeedFileError(problems)
    return seed


# --------------------------------------------------------------------------- references between sections


def _known(kind: str, value: str, known: Collection[str]) -> str:
    names = sorted(known)
    shown = ", ".join(names[:12]) + (f" (+{len(names) - 12} more)" if len(names) > 12 else "")
    return f"unknown {kind} {value!r}; known: {shown or '(none in this file)'}"


# What identifies an item of each section: (section, its identifying fields, what an item is called).
_UNIQUE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("sites", ("slug",), "site"),
    ("tenants", ("slug",), "tenant"),
    ("manufacturers", ("slug",), "manufacturer"),
    ("device_types", ("slug",), "device type"),
    ("device_types", ("manufacturer", "model"), "device type (manufacturer, model)"),
    ("devices", ("name",), "device"),
    ("vlans", ("site", "vid"), "VLAN (site, vid)"),
    ("prefixes", ("prefix",), "prefix"),
    ("providers", ("slug",), "provider"),
    ("circuit_types", ("slug",), "circuit type"),
    ("circuits", ("provider", "cid"), "circuit"),
    ("cluster_types", ("slug",), "cluster type"),
    ("clusters", ("name",), "cluster"),
    ("virtual_machines", ("name",), "virtual machine"),
    ("config_contexts", ("name",), "config context"),
)


def check_references(seed: SeedFile) -> list[tuple[Path_, str]]:
    """Every cross-reference of the file, and every duplicate; (data path, message) per problem."""
    return _References(seed).check()


class _References:
    """Checks one seed's cross-references section by section, collecting (path, message) problems."""

    def __init__(self, seed: SeedFile) -> None:
        self.seed = seed
        self.problems: list[tuple[Path_, str]] = []
        self.known: dict[str, Collection[str]] = {  # kind of object -> the names the file may use
            "site": {s.slug for s in seed.sites},
            "tenant": {t.slug for t in seed.tenants},
            "manufacturer": {m.slug for m in seed.manufacturers} | set(manufacturers()),
            "device type": {d.slug for d in seed.device_types},
            "tag": set(TAGS),
            "role": ROLES,
            "platform": PLATFORMS,
            "provider": {p.slug for p in seed.providers},
            "circuit type": {c.slug for c in seed.circuit_types},
            "cluster type": {c.slug for c in seed.cluster_types},
            "cluster": {c.name for c in seed.clusters},
            "IPAM role": set(IPAM_ROLES),
        }
        self.vlan_keys = {(v.site, v.vid) for v in seed.vlans}  # (site, vid)
        self.interfaces: dict[str, dict[str, str | None]] = {}  # device -> interface -> ip
        self.addresses: dict[str, Path_] = {}  # ip -> where it was first seen
        self.cabled: dict[tuple[str, str], Path_] = {}  # (device, interface) -> its cable end

    def check(self) -> list[tuple[Path_, str]]:
        self.unique()
        self.sites()
        self.tenants()
        self.device_types()
        self.devices()  # before cables and circuits: they refer to its interfaces
        self.cables()
        self.vlans()
        self.prefixes()
        self.circuits()
        self.clusters()
        self.virtual_machines()
        self.config_contexts()
        return self.problems

    # -- the checks every section shares

    def add(self, loc: Path_, message: str) -> None:
        self.problems.append((loc, message))

    def unique(self) -> None:
        for section, fields, what in _UNIQUE:
            identify = attrgetter(*fields)
            seen: dict[Hashable, int] = {}
            for index, item in enumerate(getattr(self.seed, section)):
                key = identify(item)
                if key in seen:
                    self.add((section, index), f"duplicate {what} {key!r} (first at {section}[{seen[key]}])")
                else:
                    seen[key] = index

    def ref(self, loc: Path_, kind: str, value: str | None) -> None:
        """``value`` names a ``kind`` of object the file (or bootstrap) knows."""
        known = self.known[kind]
        if value is not None and value not in known:
            self.add(loc, _known(kind, value, known))

    def tags(self, loc: Path_, values: tuple[str, ...]) -> None:
        for index, tag in enumerate(values):
            self.ref((*loc, "tags", index), "tag", tag)

    def end(self, loc: Path_, device: str | None, interface: str | None) -> None:
        """A cable end names a known interface that no other cable uses."""
        if device is None:
            return
        if device not in self.interfaces:
            self.add((*loc, "device"), _known("device", device, set(self.interfaces)))
            return
        if interface is None:
            self.add((*loc, "interface"), "missing field 'interface'")
            return
        if interface not in self.interfaces[device]:
            known = set(self.interfaces[device])
            self.add((*loc, "interface"), _known(f"interface of {device}:", interface, known))
            return
        if (device, interface) in self.cabled:
            first = field_path(self.cabled[(device, interface)])
            self.add((*loc, "interface"), f"{device} {interface} is already cabled at {first}")
        self.cabled.setdefault((device, interface), loc)

    # -- one method per section, in file order

    def sites(self) -> None:
        for i, s in enumerate(self.seed.sites):
            self.ref(("sites", i, "tenant"), "tenant", s.tenant)
            self.tags(("sites", i), s.tags)

    def config_contexts(self) -> None:
        regions = {self.seed.region.slug}
        for i, c in enumerate(self.seed.config_contexts):
            for n, region in enumerate(c.regions):
                if region not in regions:
                    self.add(("config_contexts", i, "regions", n), _known("region", region, regions))
            for key, kind in (("sites", "site"), ("roles", "role"), ("tenants", "tenant")):
                for n, value in enumerate(getattr(c, key)):
                    self.ref(("config_contexts", i, key, n), kind, value)

    def tenants(self) -> None:
        for i, t in enumerate(self.seed.tenants):
            if t.bw_cir_mbps is not None and t.bw_mir_mbps is not None and t.bw_cir_mbps > t.bw_mir_mbps:
                self.add(
                    ("tenants", i, "bw_cir_mbps"),
                    f"CIR {t.bw_cir_mbps} Mbps is above MIR {t.bw_mir_mbps} Mbps; CIR must be <= MIR",
                )
            self.tags(("tenants", i), t.tags)

    def device_types(self) -> None:
        for i, d in enumerate(self.seed.device_types):
            self.ref(("device_types", i, "manufacturer"), "manufacturer", d.manufacturer)

    def devices(self) -> None:
        type_maker = {d.slug: d.manufacturer for d in self.seed.device_types}
        for i, dev in enumerate(self.seed.devices):
            loc: Path_ = ("devices", i)
            for field_name, kind in (
                ("role", "role"),
                ("platform", "platform"),
                ("site", "site"),
                ("tenant", "tenant"),
                ("device_type", "device type"),
                ("cluster", "cluster"),
            ):
                self.ref((*loc, field_name), kind, getattr(dev, field_name))
            self.host_site(loc, dev)
            bound = platform_manufacturer(dev.platform) if dev.platform in PLATFORMS else None
            if bound and dev.device_type in type_maker and type_maker[dev.device_type] != bound:
                self.add(
                    (*loc, "device_type"),
                    f"platform {dev.platform} runs on {bound} device types; "
                    f"{dev.device_type!r} is made by {type_maker[dev.device_type]}",
                )
            self.tags(loc, dev.tags)
            self.device_interfaces(loc, dev)

    def host_site(self, loc: Path_, dev: Device) -> None:
        """NetBox refuses a cluster host at another site than its cluster's."""
        site = next((c.site for c in self.seed.clusters if c.name == dev.cluster), None)
        if dev.cluster is not None and site is not None and site != dev.site:
            self.add(
                (*loc, "cluster"), f"cluster {dev.cluster!r} is at site {site!r}, the device at {dev.site!r}"
            )

    def device_interfaces(self, loc: Path_, dev: Device) -> None:
        """Names unique on the device, VLANs at its site, addresses unique in the file, its primary IP."""
        names: dict[str, str | None] = {}
        for j, itf in enumerate(dev.interfaces):
            if itf.name in names:
                self.add((*loc, "interfaces", j, "name"), f"duplicate interface {itf.name!r}")
            names[itf.name] = itf.ip
            if itf.untagged_vlan is not None and (dev.site, itf.untagged_vlan) not in self.vlan_keys:
                self.add(
                    (*loc, "interfaces", j, "untagged_vlan"),
                    f"no VLAN {itf.untagged_vlan} at site {dev.site!r} in vlans",
                )
            if itf.ip is not None:
                if itf.ip in self.addresses:
                    where = field_path(self.addresses[itf.ip])
                    self.add((*loc, "interfaces", j, "ip"), f"address {itf.ip} is also on {where}")
                self.addresses.setdefault(itf.ip, (*loc, "interfaces", j, "ip"))
        self.interfaces[dev.name] = names
        if dev.primary_ip4 is not None and dev.primary_ip4 not in names.values():
            ips = ", ".join(sorted(ip for ip in names.values() if ip)) or "none"
            self.add(
                (*loc, "primary_ip4"), f"{dev.primary_ip4} is not the ip of any of its interfaces ({ips})"
            )

    def cables(self) -> None:
        for i, cab in enumerate(self.seed.cables):
            self.end(("cables", i, "a"), cab.a.device, cab.a.interface)
            self.end(("cables", i, "b"), cab.b.device, cab.b.interface)
            self.tags(("cables", i), cab.tags)

    def vlans(self) -> None:
        for i, v in enumerate(self.seed.vlans):
            self.ref(("vlans", i, "site"), "site", v.site)
            self.ref(("vlans", i, "tenant"), "tenant", v.tenant)
            self.tags(("vlans", i), v.tags)

    def prefixes(self) -> None:
        for i, p in enumerate(self.seed.prefixes):
            self.ref(("prefixes", i, "site"), "site", p.site)
            self.ref(("prefixes", i, "tenant"), "tenant", p.tenant)
            self.ref(("prefixes", i, "role"), "IPAM role", p.role)
            if p.vlan is not None and (p.site, p.vlan) not in self.vlan_keys:
                self.add(("prefixes", i, "vlan"), f"no VLAN {p.vlan} at site {p.site!r} in vlans")
            self.tags(("prefixes", i), p.tags)

    def circuits(self) -> None:
        for i, c in enumerate(self.seed.circuits):
            self.ref(("circuits", i, "provider"), "provider", c.provider)
            self.ref(("circuits", i, "type"), "circuit type", c.type)
            self.ref(("circuits", i, "tenant"), "tenant", c.tenant)
            self.tags(("circuits", i), c.tags)
            if c.termination is not None:
                self.ref(("circuits", i, "termination", "site"), "site", c.termination.site)
                self.end(("circuits", i, "termination"), c.termination.device, c.termination.interface)

    def clusters(self) -> None:
        for i, cl in enumerate(self.seed.clusters):
            self.ref(("clusters", i, "type"), "cluster type", cl.type)
            self.ref(("clusters", i, "site"), "site", cl.site)
            self.tags(("clusters", i), cl.tags)

    def virtual_machines(self) -> None:
        for i, vm in enumerate(self.seed.virtual_machines):
            self.ref(("virtual_machines", i, "cluster"), "cluster", vm.cluster)
            self.ref(("virtual_machines", i, "tenant"), "tenant", vm.tenant)
            self.ref(("virtual_machines", i, "role"), "role", vm.role)
            self.ref(("virtual_machines", i, "platform"), "platform", vm.platform)
            self.tags(("virtual_machines", i), vm.tags)
            if vm.ip is not None:
                if vm.ip in self.addresses:
                    where = field_path(self.addresses[vm.ip])
                    self.add(("virtual_machines", i, "ip"), f"address {vm.ip} is also on {where}")
                self.addresses.setdefault(vm.ip, ("virtual_machines", i, "ip"))


# --------------------------------------------------------------------------- writing to NetBox


def _by(field_name: str, *more: str) -> Callable[[dict[str, Any]], Hashable]:
    def key(obj: dict[str, Any]) -> Hashable:
        return obj[field_name]  # type: ignore[no-any-return]

    return keyed(key, field_name, *more)


def _fk(obj: dict[str, Any], field_name: str) -> int | None:
    """The id of a related object in NetBox's read format."""
    related = obj.get(field_name) or {}
    return related.get("id") if isinstance(related, dict) else related


def _tag_ids(
    tags: dict[str, int], names: tuple[str, ...], default: tuple[str, ...] = ("simpul",)
) -> list[int]:
    return sorted({tags[t] for t in (*default, *names)})


Ends = list[dict[str, Any]]  # the terminations of one cable end, in NetBox's write format


@dataclass
class _Written:
    """NetBox ids of what the seed has written so far, by the names the seed file uses."""

    boot: Bootstrapped
    region: int = 0
    tenants: dict[str, int] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)
    device_types: dict[str, int] = field(default_factory=dict)  # seed slug -> id
    vlans: dict[Hashable, dict[str, Any]] = field(default_factory=dict)  # (site id, vid) -> VLAN
    devices: dict[Hashable, dict[str, Any]] = field(default_factory=dict)  # name -> device
    created_devices: set[int] = field(default_factory=set)  # ids of the devices this run created
    interfaces: dict[Hashable, dict[str, Any]] = field(default_factory=dict)  # (device id, name) -> itf
    clusters: dict[str, int] = field(default_factory=dict)  # name -> id

    def tags(self, names: tuple[str, ...], default: tuple[str, ...] = ("simpul",)) -> list[int]:
        return _tag_ids(self.boot.tags, names, default)

    def tenant(self, slug: str | None) -> int | None:
        return self.tenants[slug] if slug else None

    def vlan(self, site: str | None, vid: int | None) -> int | None:
        return self.vlans[(self.sites.get(site or ""), vid)]["id"] if vid else None

    def device(self, name: str) -> int:
        return int(self.devices[name]["id"])

    def interface(self, device: str, name: str) -> int:
        return int(self.interfaces[(self.device(device), name)]["id"])

    def interface_end(self, device: str, name: str) -> Ends:
        return [{"object_type": "dcim.interface", "object_id": self.interface(device, name)}]


def seed_regency(api: pynetbox.api, data: SeedFile | dict[str, Any]) -> Counts:
    """Upsert a whole regency (bootstrap included); a second run creates and updates nothing.

    Each step writes one part of the regency and needs only the steps above it.
    """
    seed = data if isinstance(data, SeedFile) else validate_seed(data)
    counts, boot = bootstrap(api)
    up = Upserter(api, counts)
    ids = _Written(boot)
    _sync_region(up, seed, ids)
    _sync_tenants(up, seed, ids)
    _sync_sites(up, seed, ids)
    _sync_device_types(up, seed, ids)
    _sync_vlans(up, seed, ids)
    _sync_prefixes(up, seed, ids)
    _sync_clusters(up, seed, ids)  # before the devices: a hypervisor host names its cluster
    _sync_devices(up, seed, ids)
    _sync_interfaces(up, seed, ids)
    _sync_lan_cables(up, seed, ids)
    _sync_addresses(up, seed, ids)
    _sync_circuits(up, seed, ids)
    _sync_virtual_machines(up, seed, ids)
    _sync_config_contexts(up, seed, ids)
    return counts


def _sync_config_contexts(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    """The regency-wide config data (NTP, DNS, syslog, SNMP, AAA, banner, LLDP) as config contexts."""
    if not seed.config_contexts:
        return
    wanted = [
        (
            c.name,
            {
                "name": c.name,
                "weight": c.weight,
                "description": c.description,
                "is_active": True,
                "regions": [ids.region] if c.regions else [],
                "sites": [ids.sites[x] for x in c.sites],
                "roles": [ids.boot.roles[x] for x in c.roles],
                "tenants": [ids.tenants[x] for x in c.tenants],
                "data": c.data,
            },
        )
        for c in seed.config_contexts
    ]
    up.sync("config context", "extras.config_contexts", wanted, _by("name"))


def _sync_region(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    regions = up.sync("region", "dcim.regions", [(seed.region.slug, seed.region.model_dump())], _by("slug"))
    ids.region = regions[seed.region.slug]["id"]


def _sync_tenants(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    """The SKPD, with their facts as custom fields."""
    tenants = up.sync(
        "tenant",
        "tenancy.tenants",
        [
            (
                t.slug,
                {
                    "name": t.name,
                    "slug": t.slug,
                    "group": ids.boot.tenant_group,
                    "description": t.description,
                    "tags": ids.tags(t.tags),
                    "custom_fields": {
                        "skpd_mandiri_tik": t.skpd_mandiri_tik,
                        "bw_cir_mbps": t.bw_cir_mbps,
                        "bw_mir_mbps": t.bw_mir_mbps,
                        "lan_diagram_date": t.lan_diagram_date,
                        "backup_policy": t.backup_policy,
                        **_set_only(
                            vps_quota_vms=t.vps_quota_vms,
                            vps_quota_vcpus=t.vps_quota_vcpus,
                            vps_quota_memory_mb=t.vps_quota_memory_mb,
                            vps_quota_disk_gb=t.vps_quota_disk_gb,
                        ),
                    },
                },
            )
            for t in seed.tenants
        ],
        _by("slug"),
    )
    ids.tenants = {str(k): v["id"] for k, v in tenants.items()}


def _sync_sites(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    sites = up.sync(
        "site",
        "dcim.sites",
        [
            (
                s.slug,
                {
                    "name": s.name,
                    "slug": s.slug,
                    "region": ids.region,
                    "tenant": ids.tenant(s.tenant),
                    "status": "active",
                    "description": s.description,
                    "physical_address": s.physical_address,
                    "tags": ids.tags(s.tags),
                },
            )
            for s in seed.sites
        ],
        _by("slug"),
    )
    ids.sites = {str(k): v["id"] for k, v in sites.items()}


def _sync_device_types(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    """Manufacturers, then device types matched by (manufacturer, model)."""
    maker_ids = dict(ids.boot.manufacturers)
    makers = up.sync(
        "manufacturer",
        "dcim.manufacturers",
        [(m.slug, {"name": m.name, "slug": m.slug}) for m in seed.manufacturers],
        _by("slug"),
    )
    maker_ids.update({str(k): v["id"] for k, v in makers.items()})
    types_by_model = up.sync(
        "device type",
        "dcim.device_types",
        [
            (
                (maker_ids[d.manufacturer], d.model),
                {
                    "manufacturer": maker_ids[d.manufacturer],
                    "model": d.model,
                    "slug": d.slug,
                    "u_height": d.u_height,
                },
            )
            for d in seed.device_types
        ],
        keyed(lambda o: (_fk(o, "manufacturer"), o["model"]), "manufacturer", "model"),
        create_only=("slug",),  # matched by model: a NetBox may already know it under another slug
    )
    ids.device_types = {
        d.slug: types_by_model[(maker_ids[d.manufacturer], d.model)]["id"] for d in seed.device_types
    }


def _sync_vlans(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    ids.vlans = up.sync(
        "vlan",
        "ipam.vlans",
        [
            (
                (ids.sites.get(v.site or ""), v.vid),
                {
                    "vid": v.vid,
                    "name": v.name,
                    "site": ids.sites.get(v.site or ""),
                    "tenant": ids.tenant(v.tenant),
                    "status": "active",
                    "description": v.description,
                    "tags": ids.tags(v.tags),
                },
            )
            for v in seed.vlans
        ],
        keyed(lambda o: (_fk(o, "site"), o["vid"]), "site", "vid"),
    )


def _sync_prefixes(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    up.sync(
        "prefix",
        "ipam.prefixes",
        [
            (
                p.prefix,
                {
                    "prefix": p.prefix,
                    "scope_type": "dcim.site" if p.site else None,
                    "scope_id": ids.sites[p.site] if p.site else None,
                    "tenant": ids.tenant(p.tenant),
                    "vlan": ids.vlan(p.site, p.vlan),
                    "status": p.status,
                    "role": ids.boot.ipam_roles[p.role] if p.role else None,
                    "description": p.description,
                    "tags": ids.tags(p.tags),
                },
            )
            for p in seed.prefixes
        ],
        keyed(
            lambda o: o["prefix"] if not o.get("vrf") else ("vrf", o["vrf"]["id"], o["prefix"]),
            "prefix",
            "vrf",
        ),
    )


def _sync_devices(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    ids.devices = up.sync(
        "device",
        "dcim.devices",
        [
            (
                d.name,
                {
                    "name": d.name,
                    "role": ids.boot.roles[d.role],
                    "device_type": ids.device_types[d.device_type],
                    "platform": ids.boot.platforms[d.platform],
                    "site": ids.sites[d.site],
                    "tenant": ids.tenant(d.tenant),
                    "status": d.status,
                    "serial": d.serial,
                    "description": d.description,
                    "cluster": ids.clusters[d.cluster] if d.cluster else None,
                    "tags": ids.tags(d.tags),
                },
            )
            for d in seed.devices
        ],
        _by("name", "primary_ip4"),
    )
    ids.created_devices = {ids.devices[k]["id"] for k in up.last_created}


def _sync_interfaces(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    ids.interfaces = up.sync(
        "interface",
        "dcim.interfaces",
        [
            (
                (ids.device(d.name), i.name),
                {
                    "device": ids.device(d.name),
                    "name": i.name,
                    "type": i.type,
                    "description": i.description,
                    "enabled": i.enabled,
                    "mgmt_only": i.mgmt_only,
                    "mode": "access" if i.untagged_vlan else None,
                    "untagged_vlan": ids.vlan(d.site, i.untagged_vlan),
                },
            )
            for d in seed.devices
            for i in d.interfaces
        ],
        keyed(lambda o: (_fk(o, "device"), o["name"]), "device", "name"),
    )


def _sync_lan_cables(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    """The cables between devices (circuits have their own)."""
    _sync_cables(
        up,
        [
            (
                ids.interface_end(c.a.device, c.a.interface),
                ids.interface_end(c.b.device, c.b.interface),
                {
                    "type": c.type,
                    "status": "connected",
                    "label": c.label,
                    "description": c.description,
                    "tags": ids.tags(c.tags),
                },
            )
            for c in seed.cables
        ],
    )


def _sync_addresses(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    """Interface addresses, then each device's primary IPv4 (which needs its address to exist)."""
    ips = up.sync(
        "ip address",
        "ipam.ip_addresses",
        [
            (
                i.ip,
                {
                    "address": i.ip,
                    "status": "active",
                    "tenant": ids.tenant(d.tenant),
                    "assigned_object_type": "dcim.interface",
                    "assigned_object_id": ids.interface(d.name, i.name),
                    "dns_name": d.name if i.ip == d.primary_ip4 and _DNS_NAME.match(d.name) else "",
                },
            )
            for d in seed.devices
            for i in d.interfaces
            if i.ip
        ],
        keyed(
            lambda o: o["address"] if not o.get("vrf") else ("vrf", o["vrf"]["id"], o["address"]),
            "address",
            "vrf",
        ),
    )
    up.patch_only(
        "device",
        "dcim.devices",
        [
            (ids.devices[d.name], {"primary_ip4": ips[d.primary_ip4]["id"]})
            for d in seed.devices
            if d.primary_ip4
        ],
        fresh=ids.created_devices,
    )


def _sync_cables(up: Upserter, wanted: list[tuple[Ends, Ends, dict[str, Any]]]) -> None:
    """Cables are identified by their two ends, whichever is A."""

    def ends_key(a: Ends, b: Ends) -> frozenset[tuple[str, int]]:
        return frozenset((str(t["object_type"]), int(t["object_id"])) for t in (*a, *b))

    existing = up.fetch(
        "dcim.cables", fields="id,a_terminations,b_terminations,type,status,label,description,tags,color"
    )
    by_ends = {ends_key(c.get("a_terminations") or [], c.get("b_terminations") or []): c for c in existing}
    desired = []
    for a, b, fields in wanted:
        k = ends_key(a, b)
        current = by_ends.get(k)
        if current is not None:
            # keep the existing A/B orientation: same ends, whichever side, is the same cable
            desired.append((k, fields))
        else:
            desired.append((k, {"a_terminations": a, "b_terminations": b, **fields}))
    up.sync(
        "cable",
        "dcim.cables",
        desired,
        lambda o: ends_key(o.get("a_terminations") or [], o.get("b_terminations") or []),
        existing=existing,
    )


def _sync_circuits(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    """Internet uplinks: providers and types, circuits, their A terminations and cables to the core."""
    providers = up.sync(
        "provider",
        "circuits.providers",
        [(p.slug, {"name": p.name, "slug": p.slug}) for p in seed.providers],
        _by("slug"),
    )
    types = up.sync(
        "circuit type",
        "circuits.circuit_types",
        [(c.slug, {"name": c.name, "slug": c.slug}) for c in seed.circuit_types],
        _by("slug"),
    )
    if not seed.circuits:
        return
    circuits = up.sync(
        "circuit",
        "circuits.circuits",
        [
            (
                (providers[c.provider]["id"], c.cid),
                {
                    "cid": c.cid,
                    "provider": providers[c.provider]["id"],
                    "type": types[c.type]["id"],
                    "status": "active",
                    "commit_rate": c.commit_rate,
                    "tenant": ids.tenant(c.tenant),
                    "description": c.description,
                    "tags": ids.tags(c.tags, ("simpul", "internet")),
                },
            )
            for c in seed.circuits
        ],
        keyed(lambda o: (_fk(o, "provider"), o["cid"]), "provider", "cid"),
    )
    circuit_ids = {
        (c.provider, c.cid): circuits[(providers[c.provider]["id"], c.cid)]["id"] for c in seed.circuits
    }
    _sync_terminations(up, seed, ids, circuit_ids)


def _sync_terminations(
    up: Upserter, seed: SeedFile, ids: _Written, circuit_ids: dict[tuple[str, str], int]
) -> None:
    """Each circuit's A side at its site, cabled to the core interface it names."""
    terms = [(c, c.termination) for c in seed.circuits if c.termination is not None]
    made = up.sync(
        "circuit termination",
        "circuits.circuit_terminations",
        [
            (
                (circuit_ids[(c.provider, c.cid)], "A"),
                {
                    "circuit": circuit_ids[(c.provider, c.cid)],
                    "term_side": "A",
                    "termination_type": "dcim.site",
                    "termination_id": ids.sites[t.site],
                    "port_speed": t.port_speed,
                },
            )
            for c, t in terms
        ],
        keyed(lambda o: (_fk(o, "circuit"), o.get("term_side")), "circuit", "term_side"),
    )
    wanted = [
        (
            [
                {
                    "object_type": "circuits.circuittermination",
                    "object_id": made[(circuit_ids[(c.provider, c.cid)], "A")]["id"],
                }
            ],
            ids.interface_end(t.device, t.interface),
            {"status": "connected", "label": c.cid, "tags": ids.tags((), ("simpul", "internet"))},
        )
        for c, t in terms
        if t.device is not None and t.interface is not None
    ]
    if wanted:
        _sync_cables(up, wanted)


def _set_only(**fields: Any) -> dict[str, Any]:
    """Custom fields the seed gives a value; the others are left as NetBox holds them (a VPS quota
    or capacity set by hand is not wiped by a seed file that does not mention it)."""
    return {k: v for k, v in fields.items() if v is not None}


def _sync_clusters(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    """The Pusat Data: cluster types and clusters (with their VPS capacity and overcommit)."""
    types = up.sync(
        "cluster type",
        "virtualization.cluster_types",
        [(c.slug, {"name": c.name, "slug": c.slug}) for c in seed.cluster_types],
        _by("slug"),
    )
    clusters = up.sync(
        "cluster",
        "virtualization.clusters",
        [
            (
                c.name,
                {
                    "name": c.name,
                    "type": types[c.type]["id"],
                    "status": "active",
                    "scope_type": "dcim.site" if c.site else None,
                    "scope_id": ids.sites[c.site] if c.site else None,
                    "description": c.description,
                    "tags": ids.tags(c.tags),
                    "custom_fields": _set_only(
                        vps_capacity_vcpus=c.vps_capacity_vcpus,
                        vps_capacity_memory_mb=c.vps_capacity_memory_mb,
                        vps_capacity_disk_gb=c.vps_capacity_disk_gb,
                        vps_overcommit_cpu=c.vps_overcommit_cpu,
                        vps_overcommit_memory=c.vps_overcommit_memory,
                        vps_overcommit_disk=c.vps_overcommit_disk,
                    ),
                },
            )
            for c in seed.clusters
        ],
        _by("name"),
    )
    ids.clusters = {str(k): v["id"] for k, v in clusters.items()}


def _sync_virtual_machines(up: Upserter, seed: SeedFile, ids: _Written) -> None:
    """The VMs (a VPS is a VM of an SKPD tenant in the Pusat Data cluster), their interface and
    address, then each one's primary IPv4."""
    if not seed.virtual_machines:
        return
    cluster_site = {c.name: c.site for c in seed.clusters}
    vms = up.sync(
        "virtual machine",
        "virtualization.virtual_machines",
        [
            (
                v.name,
                {
                    "name": v.name,
                    "cluster": ids.clusters[v.cluster],
                    "site": ids.sites.get(cluster_site.get(v.cluster) or ""),
                    "tenant": ids.tenant(v.tenant),
                    "role": ids.boot.roles[v.role],
                    "platform": ids.boot.platforms[v.platform] if v.platform else None,
                    "status": v.status,
                    "vcpus": v.vcpus,
                    "memory": v.memory_mb,
                    "disk": v.disk_gb * 1000 if v.disk_gb is not None else None,
                    "description": v.description,
                    "tags": ids.tags(v.tags),
                    "custom_fields": _set_only(vps_image=v.image, vps_ssh_keys="\n".join(v.ssh_keys) or None),
                },
            )
            for v in seed.virtual_machines
        ],
        _by("name", "primary_ip4"),
    )
    addressed = [v for v in seed.virtual_machines if v.ip]
    if not addressed:
        return
    fresh = {vms[k]["id"] for k in up.last_created}
    itfs = up.sync(
        "VM interface",
        "virtualization.interfaces",
        [
            ((vms[v.name]["id"], v.interface), {"virtual_machine": vms[v.name]["id"], "name": v.interface})
            for v in addressed
        ],
        keyed(lambda o: (_fk(o, "virtual_machine"), o["name"]), "virtual_machine", "name"),
    )
    ips = up.sync(
        "ip address",
        "ipam.ip_addresses",
        [
            (
                v.ip,
                {
                    "address": v.ip,
                    "status": "active",
                    "tenant": ids.tenant(v.tenant),
                    "assigned_object_type": "virtualization.vminterface",
                    "assigned_object_id": itfs[(vms[v.name]["id"], v.interface)]["id"],
                    "dns_name": v.name if _DNS_NAME.match(v.name) else "",
                },
            )
            for v in addressed
        ],
        keyed(
            lambda o: o["address"] if not o.get("vrf") else ("vrf", o["vrf"]["id"], o["address"]),
            "address",
            "vrf",
        ),
    )
    up.patch_only(
        "virtual machine",
        "virtualization.virtual_machines",
        [(vms[v.name], {"primary_ip4": ips[v.ip]["id"]}) for v in addressed if v.ip],
        fresh=fresh,
    )


# --------------------------------------------------------------------------- a regency of any size


@dataclass(frozen=True)
class _Scale:
    """How a regency of ``n_devices`` is made up (see ``scaled_regency``)."""

    n_skpd: int
    n_dist: int
    n_switch: int

    @classmethod
    def of(cls, n_devices: int) -> _Scale:
        n_skpd = max(1, min(250, n_devices // 8))
        n_dist = -(-n_skpd // 40)
        while 1 + n_dist + n_skpd > n_devices:
            n_skpd -= 1
            n_dist = -(-n_skpd // 40)
        return cls(n_skpd=n_skpd, n_dist=n_dist, n_switch=n_devices - 1 - n_dist - n_skpd)

    def switches(self, n: int) -> int:
        """Access switches of SKPD ``n`` (1-based): the switches spread as evenly as they go."""
        return self.n_switch // self.n_skpd + (1 if n - 1 < self.n_switch % self.n_skpd else 0)


def scaled_regency(n_devices: int) -> dict[str, Any]:
    """A valid seed dict with exactly ``n_devices`` devices (for benchmarks), same conventions as the demo.

    One core, one distribution switch per 40 SKPD, one edge per SKPD, the rest access switches
    spread over the SKPD. Up to 250 SKPD (LAN ``10.20.<n>.0/24``, VLAN ``n*10``).

    >>> d = scaled_regency(2000)
    >>> len(d["devices"]), len(d["tenants"]), len(d["cables"]) == len(d["devices"]) - 1
    (2000, 250, True)
    """
    if n_devices < 3:
        raise ValueError("a regency needs at least 3 devices (core, distribution, one edge)")
    scale = _Scale.of(n_devices)
    data = _scaled_skeleton()
    data["devices"].append(_scaled_core(scale.n_dist))
    dist_ports: list[list[dict[str, Any]]] = [[] for _ in range(scale.n_dist)]
    for n in range(1, scale.n_skpd + 1):
        _add_scaled_skpd(data, n, scale, dist_ports)
    for k in range(scale.n_dist):
        _add_scaled_distribution(data, k, dist_ports[k])
    return data


def _scaled_skeleton() -> dict[str, Any]:
    return {
        "version": 1,
        "region": {"name": "Kabupaten Contoh", "slug": "kabupaten-contoh"},
        "sites": [{"slug": "diskominfo", "name": "Dinas Komunikasi dan Informatika"}],
        "tenants": [],
        "manufacturers": [],
        "device_types": [
            {"slug": "isr4451", "model": "ISR4451-X", "manufacturer": "cisco"},
            {"slug": "dcs-7050tx-48", "model": "DCS-7050TX-48", "manufacturer": "arista"},
            {"slug": "rb4011", "model": "RB4011", "manufacturer": "mikrotik"},
            {"slug": "crs328-24p", "model": "CRS328-24P", "manufacturer": "mikrotik"},
        ],
        "devices": [],
        "cables": [],
        "vlans": [],
        "prefixes": [{"prefix": "10.10.0.0/24", "site": "diskominfo", "description": "management"}],
    }


def _scaled_core(n_dist: int) -> dict[str, Any]:
    core_ports = [{"name": f"GigabitEthernet0/{k + 3}", "ip": f"10.30.255.{2 * k}/31"} for k in range(n_dist)]
    return {
        "name": "core-diskominfo-01",
        "role": "core-router",
        "platform": "cisco_ios",
        "site": "diskominfo",
        "device_type": "isr4451",
        "interfaces": [{"name": "GigabitEthernet0/0", "ip": "10.10.0.1/24", "mgmt_only": True}, *core_ports],
        "primary_ip4": "10.10.0.1/24",
    }


def _add_scaled_skpd(
    data: dict[str, Any], n: int, scale: _Scale, dist_ports: list[list[dict[str, Any]]]
) -> None:
    """SKPD ``n``: tenant, site, VLAN, prefixes, its edge on a distribution port, its switches."""
    slug = f"skpd{n:03d}"
    dist, port = (n - 1) // 40, 2 + (n - 1) % 40
    p2p = f"10.30.{(n - 1) // 128}.{2 * ((n - 1) % 128)}"
    cir = max(1, 450 // scale.n_skpd)
    data["tenants"].append(
        {"slug": slug, "name": f"SKPD {n:03d}", "bw_cir_mbps": cir, "bw_mir_mbps": cir * 2}
    )
    data["sites"].append({"slug": slug, "name": f"Kantor SKPD {n:03d}", "tenant": slug})
    data["vlans"].append({"vid": n * 10, "name": f"Skpd{n:03d}-Staf", "site": slug, "tenant": slug})
    data["prefixes"].append({"prefix": f"10.20.{n}.0/24", "site": slug, "tenant": slug, "vlan": n * 10})
    data["prefixes"].append({"prefix": f"{p2p}/31", "tenant": slug, "tags": ["jaringan-intra"]})
    dist_ports[dist].append({"name": f"Ethernet{port}", "ip": f"{p2p}/31"})
    last = int(p2p.rsplit(".", 1)[1]) + 1
    edge_ip = f"10.20.{n}.1/24"
    data["devices"].append(
        {
            "name": f"rtr-{slug}",
            "role": "skpd-edge",
            "platform": "mikrotik_routeros",
            "site": slug,
            "tenant": slug,
            "device_type": "rb4011",
            "interfaces": [
                {"name": "ether1", "ip": f"{p2p.rsplit('.', 1)[0]}.{last}/31"},
                {"name": "ether2", "ip": edge_ip, "untagged_vlan": n * 10},
            ],
            "primary_ip4": edge_ip,
        }
    )
    data["cables"].append(
        {
            "a": {"device": f"dist-diskominfo-{dist + 1:02d}", "interface": f"Ethernet{port}"},
            "b": {"device": f"rtr-{slug}", "interface": "ether1"},
            "tags": ["jaringan-intra"],
        }
    )
    for s in range(1, scale.switches(n) + 1):
        _add_scaled_switch(data, n, s, scale.switches(n))


def _add_scaled_switch(data: dict[str, Any], n: int, s: int, count: int) -> None:
    """Access switch ``s`` of SKPD ``n``: the first hangs on the edge, the others on the first."""
    slug = f"skpd{n:03d}"
    ip = f"10.20.{n}.{s + 1}/24"
    name = f"sw-{slug}-{s:02d}"
    data["devices"].append(
        {
            "name": name,
            "role": "access-switch",
            "platform": "mikrotik_routeros",
            "site": slug,
            "tenant": slug,
            "device_type": "crs328-24p",
            "interfaces": [
                {"name": "ether1", "ip": ip, "untagged_vlan": n * 10},
                *([{"name": f"ether{k}"} for k in range(2, count + 1)] if s == 1 else []),
            ],
            "primary_ip4": ip,
        }
    )
    up = (f"rtr-{slug}", "ether2") if s == 1 else (f"sw-{slug}-01", f"ether{s}")
    data["cables"].append(
        {"a": {"device": up[0], "interface": up[1]}, "b": {"device": name, "interface": "ether1"}}
    )


def _add_scaled_distribution(data: dict[str, Any], k: int, ports: list[dict[str, Any]]) -> None:
    """Distribution switch ``k`` (0-based), listed right after the core, cabled to it."""
    mgmt = f"10.10.0.{11 + k}/24"
    data["devices"].insert(
        1 + k,
        {
            "name": f"dist-diskominfo-{k + 1:02d}",
            "role": "distribution",
            "platform": "arista_eos",
            "site": "diskominfo",
            "device_type": "dcs-7050tx-48",
            "interfaces": [
                {"name": "Management1", "ip": mgmt, "mgmt_only": True},
                {"name": "Ethernet1", "ip": f"10.30.255.{2 * k + 1}/31"},
                *ports,
            ],
            "primary_ip4": mgmt,
        },
    )
    data["cables"].append(
        {
            "a": {"device": "core-diskominfo-01", "interface": f"GigabitEthernet0/{k + 3}"},
            "b": {"device": f"dist-diskominfo-{k + 1:02d}", "interface": "Ethernet1"},
            "tags": ["jaringan-intra"],
        }
    )
