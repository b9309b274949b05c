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
from collections.abc import Callable, Hashable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import pynetbox
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from simpul.errors import InputError
from simpul.netbox.bootstrap import ROLES, TAGS, bootstrap, manufacturers, platform_manufacturer
from simpul.netbox.upsert import Counts, Upserter, keyed
from simpul.platforms import PLATFORMS

log = logging.getLogger(__name__)

DEMO_FILE = "demo_regency.yaml"
_DNS_NAME = re.compile(r"^[0-9A-Za-z_-]+(\.[0-9A-Za-z_-]+)*$")  # NetBox refuses other dns_name values
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=100)]


# --------------------------------------------------------------------------- the seed file's shape


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
        if value is None:
            return None
        if "/" not in value:
            raise ValueError(f"{value!r} needs a prefix length, e.g. {value}/24")
        try:
            ipaddress.ip_interface(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address with prefix length") from None
        return value


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
    name: str
    type: str
    site: str | None = None
    description: str = ""


class VirtualMachine(M):
    name: str
    cluster: str
    tenant: str | None = None
    role: str = "server"
    platform: str | None = "linux"
    status: Literal["active", "planned", "staged", "failed", "offline", "decommissioning"] = "active"
    vcpus: float | None = Field(default=None, gt=0)
    memory_mb: int | None = Field(default=None, ge=0)
    disk_gb: int | None = Field(default=None, ge=0)
    description: str = ""
    tags: tuple[str, ...] = ()


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


# --------------------------------------------------------------------------- errors with lines

Path_ = tuple[str | int, ...]


def field_path(loc: Path_) -> str:
    """``("devices", 4, "platform")`` -> ``devices[4].platform``.

    >>> field_path(("devices", 4, "interfaces", 0, "ip"))
    'devices[4].interfaces[0].ip'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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


class Marks:
    """YAML line numbers by data path, so errors can say ``file:line``."""

    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}

    def line(self, loc: Path_) -> int | None:
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get(())


def _walk(node: yaml.Node, path: Path_, marks: Marks, dupes: list[tuple[Path_, str]]) -> None:
    marks.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dupes.append(((*path, key), f"duplicate key {key!r}"))
            seen.add(key)
            marks.lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), marks, dupes)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), marks, dupes)


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: pydantic parses them, so a bad date gets a line too."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, source: str) -> tuple[Any, Marks]:
    """YAML text -> (data, line marks); a syntax error becomes an InputError with its line."""
    marks = Marks()
    dupes: list[tuple[Path_, str]] = []
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
            source=source,
            line=mark.line + 1 if mark else None,
            hint="check the indentation and quoting around that line",
        ) from None
    if node is not None:
        _walk(node, (), marks, dupes)
    if dupes:
        raise SeedFileError(
            [InputError(msg, source=source, line=marks.line(p), field=field_path(p)) for p, msg in dupes]
        )
    return data, marks


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
    data, marks = parse_yaml(text, source)
    return validate_seed(data, source=source, marks=marks)


def validate_seed(data: Any, source: str | None = None, marks: Marks | None = None) -> SeedFile:
    """Shape and references of a seed (a dict as parsed from YAML)."""
    marks = marks or Marks()

    def problem(loc: Path_, msg: str) -> InputError:
        return InputError(msg, source=source, line=marks.line(loc), field=field_path(loc) or None)

    if not isinstance(data, dict):
        raise SeedFileError([problem((), "a seed file is a YAML mapping with region, sites, tenants, ...")])
    try:
        seed = SeedFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown field {loc[-1]!r}"
            elif err["type"] == "missing":
                msg = f"missing field {loc[-1]!r}"
            problems.append(problem(loc, msg))
        raise SeedFileError(problems) from None
    problems = [problem(loc, msg) for loc, msg in check_references(seed)]
    if problems:
        raise SeedFileError(problems)
    return seed


def _known(kind: str, value: str, known: set[str] | dict[str, Any]) -> str:
    names = sorted(known)
    shown = ", ".join(names[:12]) + (f" (+{len(names) - 12} more)" if len(names) > 12 else "")
    return f"unknown {kind} {value!r}; known: {shown or '(none in this file)'}"


def check_references(seed: SeedFile) -> list[tuple[Path_, str]]:
    """Every cross-reference of the file, and every duplicate; (data path, message) per problem."""
    out: list[tuple[Path_, str]] = []

    def unique(section: str, keys: list[Hashable], what: str) -> None:
        seen: dict[Hashable, int] = {}
        for index, k in enumerate(keys):
            if k in seen:
                out.append(((section, index), f"duplicate {what} {k!r} (first at {section}[{seen[k]}])"))
            else:
                seen[k] = index

    unique("sites", [s.slug for s in seed.sites], "site")
    unique("tenants", [t.slug for t in seed.tenants], "tenant")
    unique("manufacturers", [m.slug for m in seed.manufacturers], "manufacturer")
    unique("device_types", [d.slug for d in seed.device_types], "device type")
    unique(
        "device_types",
        [(d.manufacturer, d.model) for d in seed.device_types],
        "device type (manufacturer, model)",
    )
    unique("devices", [d.name for d in seed.devices], "device")
    unique("vlans", [(v.site, v.vid) for v in seed.vlans], "VLAN (site, vid)")
    unique("prefixes", [p.prefix for p in seed.prefixes], "prefix")
    unique("providers", [p.slug for p in seed.providers], "provider")
    unique("circuit_types", [c.slug for c in seed.circuit_types], "circuit type")
    unique("circuits", [(c.provider, c.cid) for c in seed.circuits], "circuit")
    unique("cluster_types", [c.slug for c in seed.cluster_types], "cluster type")
    unique("clusters", [c.name for c in seed.clusters], "cluster")
    unique("virtual_machines", [v.name for v in seed.virtual_machines], "virtual machine")

    sites = {s.slug for s in seed.sites}
    tenants = {t.slug for t in seed.tenants}
    makers = {m.slug for m in seed.manufacturers} | set(manufacturers())
    types = {d.slug for d in seed.device_types}
    vlans = {(v.site, v.vid) for v in seed.vlans}
    tags = set(TAGS)

    def ref(loc: Path_, kind: str, value: str | None, known: set[str] | dict[str, Any]) -> None:
        if value is not None and value not in known:
            out.append((loc, _known(kind, value, known)))

    def tag_refs(loc: Path_, values: tuple[str, ...]) -> None:
        for index, tag in enumerate(values):
            ref((*loc, "tags", index), "tag", tag, tags)

    for i, s in enumerate(seed.sites):
        ref(("sites", i, "tenant"), "tenant", s.tenant, tenants)
        tag_refs(("sites", i), s.tags)
    for i, t in enumerate(seed.tenants):
        if t.bw_cir_mbps is not None and t.bw_mir_mbps is not None and t.bw_cir_mbps > t.bw_mir_mbps:
            out.append(
                (
                    ("tenants", i, "bw_cir_mbps"),
                    f"CIR {t.bw_cir_mbps} Mbps is above MIR {t.bw_mir_mbps} Mbps; CIR must be <= MIR",
                )
            )
        tag_refs(("tenants", i), t.tags)
    for i, d in enumerate(seed.device_types):
        ref(("device_types", i, "manufacturer"), "manufacturer", d.manufacturer, makers)

    type_maker = {d.slug: d.manufacturer for d in seed.device_types}
    interfaces: dict[str, dict[str, str | None]] = {}  # device -> interface -> ip
    addresses: dict[str, Path_] = {}
    for i, dev in enumerate(seed.devices):
        loc: Path_ = ("devices", i)
        ref((*loc, "role"), "role", dev.role, ROLES)
        ref((*loc, "platform"), "platform", dev.platform, PLATFORMS)
        ref((*loc, "site"), "site", dev.site, sites)
        ref((*loc, "tenant"), "tenant", dev.tenant, tenants)
        ref((*loc, "device_type"), "device type", dev.device_type, types)
        bound = platform_manufacturer(dev.platform) if dev.platform in PLATFORMS else None
        if bound and dev.device_type in type_maker and type_maker[dev.device_type] != bound:
            out.append(
                (
                    (*loc, "device_type"),
                    f"platform {dev.platform} runs on {bound} device types; "
                    f"{dev.device_type!r} is made by {type_maker[dev.device_type]}",
                )
            )
        tag_refs(loc, dev.tags)
        names: dict[str, str | None] = {}
        for j, itf in enumerate(dev.interfaces):
            if itf.name in names:
                out.append(((*loc, "interfaces", j, "name"), f"duplicate interface {itf.name!r}"))
            names[itf.name] = itf.ip
            if itf.untagged_vlan is not None and (dev.site, itf.untagged_vlan) not in vlans:
                out.append(
                    (
                        (*loc, "interfaces", j, "untagged_vlan"),
                        f"no VLAN {itf.untagged_vlan} at site {dev.site!r} in vlans",
                    )
                )
            if itf.ip is not None:
                if itf.ip in addresses:
                    out.append(
                        (
                            (*loc, "interfaces", j, "ip"),
                            f"address {itf.ip} is also on {field_path(addresses[itf.ip])}",
                        )
                    )
                addresses.setdefault(itf.ip, (*loc, "interfaces", j, "ip"))
        interfaces[dev.name] = names
        if dev.primary_ip4 is not None and dev.primary_ip4 not in names.values():
            ips = sorted(ip for ip in names.values() if ip)
            out.append(
                (
                    (*loc, "primary_ip4"),
                    f"{dev.primary_ip4} is not the ip of any of its interfaces ({', '.join(ips) or 'none'})",
                )
            )

    cabled: dict[tuple[str, str], Path_] = {}

    def end_ref(loc: Path_, device: str | None, interface: str | None) -> None:
        if device is None:
            return
        if device not in interfaces:
            out.append(((*loc, "device"), _known("device", device, set(interfaces))))
            return
        if interface is None:
            out.append(((*loc, "interface"), "missing field 'interface'"))
            return
        if interface not in interfaces[device]:
            out.append(
                (
                    (*loc, "interface"),
                    _known(f"interface of {device}:", interface, set(interfaces[device])),
                )
            )
            return
        if (device, interface) in cabled:
            out.append(
                (
                    (*loc, "interface"),
                    f"{device} {interface} is already cabled at {field_path(cabled[(device, interface)])}",
                )
            )
        cabled.setdefault((device, interface), loc)

    for i, cab in enumerate(seed.cables):
        end_ref(("cables", i, "a"), cab.a.device, cab.a.interface)
        end_ref(("cables", i, "b"), cab.b.device, cab.b.interface)
        tag_refs(("cables", i), cab.tags)
    for i, v in enumerate(seed.vlans):
        ref(("vlans", i, "site"), "site", v.site, sites)
        ref(("vlans", i, "tenant"), "tenant", v.tenant, tenants)
        tag_refs(("vlans", i), v.tags)
    for i, p in enumerate(seed.prefixes):
        ref(("prefixes", i, "site"), "site", p.site, sites)
        ref(("prefixes", i, "tenant"), "tenant", p.tenant, tenants)
        if p.vlan is not None and (p.site, p.vlan) not in vlans:
            out.append((("prefixes", i, "vlan"), f"no VLAN {p.vlan} at site {p.site!r} in vlans"))
        tag_refs(("prefixes", i), p.tags)
    providers = {p.slug for p in seed.providers}
    circuit_types = {c.slug for c in seed.circuit_types}
    for i, c in enumerate(seed.circuits):
        ref(("circuits", i, "provider"), "provider", c.provider, providers)
        ref(("circuits", i, "type"), "circuit type", c.type, circuit_types)
        ref(("circuits", i, "tenant"), "tenant", c.tenant, tenants)
        tag_refs(("circuits", i), c.tags)
        if c.termination is not None:
            ref(("circuits", i, "termination", "site"), "site", c.termination.site, sites)
            end_ref(("circuits", i, "termination"), c.termination.device, c.termination.interface)
    cluster_types = {c.slug for c in seed.cluster_types}
    for i, cl in enumerate(seed.clusters):
        ref(("clusters", i, "type"), "cluster type", cl.type, cluster_types)
        ref(("clusters", i, "site"), "site", cl.site, sites)
    clusters = {c.name for c in seed.clusters}
    for i, vm in enumerate(seed.virtual_machines):
        ref(("virtual_machines", i, "cluster"), "cluster", vm.cluster, clusters)
        ref(("virtual_machines", i, "tenant"), "tenant", vm.tenant, tenants)
        ref(("virtual_machines", i, "role"), "role", vm.role, ROLES)
        ref(("virtual_machines", i, "platform"), "platform", vm.platform, PLATFORMS)
        tag_refs(("virtual_machines", i), vm.tags)
    return out


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


def seed_regency(api: pynetbox.api, data: SeedFile | dict[str, Any]) -> Counts:
    """Upsert a whole regency (bootstrap included); a second run creates and updates nothing."""
    seed = data if isinstance(data, SeedFile) else validate_seed(data)
    counts, ids = bootstrap(api)
    up = Upserter(api, counts)
    tags = ids.tags
    by_slug = _by("slug")

    region = up.sync(
        "region",
        "dcim.regions",
        [(seed.region.slug, seed.region.model_dump())],
        by_slug,
    )[seed.region.slug]["id"]
    tenant_ids = {
        str(k): v["id"]
        for k, v in up.sync(
            "tenant",
            "tenancy.tenants",
            [
                (
                    t.slug,
                    {
                        "name": t.name,
                        "slug": t.slug,
                        "group": ids.tenant_group,
                        "description": t.description,
                        "tags": _tag_ids(tags, t.tags),
                        "custom_fields": {
                            "skpd_mandiri_tik": t.skpd_mandiri_tik,
                            "bw_cir_mbps": t.bw_cir_mbps,
                            "bw_mir_mbps": t.bw_mir_mbps,
                            "lan_diagram_date": t.lan_diagram_date,
                            "backup_policy": t.backup_policy,
                        },
                    },
                )
                for t in seed.tenants
            ],
            by_slug,
        ).items()
    }

    def tenant(slug: str | None) -> int | None:
        return tenant_ids[slug] if slug else None

    site_ids = {
        str(k): v["id"]
        for k, v in up.sync(
            "site",
            "dcim.sites",
            [
                (
                    s.slug,
                    {
                        "name": s.name,
                        "slug": s.slug,
                        "region": region,
                        "tenant": tenant(s.tenant),
                        "status": "active",
                        "description": s.description,
                        "physical_address": s.physical_address,
                        "tags": _tag_ids(tags, s.tags),
                    },
                )
                for s in seed.sites
            ],
            by_slug,
        ).items()
    }
    maker_ids = dict(ids.manufacturers)
    maker_ids.update(
        {
            str(k): v["id"]
            for k, v in up.sync(
                "manufacturer",
                "dcim.manufacturers",
                [(m.slug, {"name": m.name, "slug": m.slug}) for m in seed.manufacturers],
                by_slug,
            ).items()
        }
    )
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
    type_ids = {d.slug: types_by_model[(maker_ids[d.manufacturer], d.model)]["id"] for d in seed.device_types}
    vlans = up.sync(
        "vlan",
        "ipam.vlans",
        [
            (
                (site_ids.get(v.site or ""), v.vid),
                {
                    "vid": v.vid,
                    "name": v.name,
                    "site": site_ids.get(v.site or ""),
                    "tenant": tenant(v.tenant),
                    "status": "active",
                    "description": v.description,
                    "tags": _tag_ids(tags, v.tags),
                },
            )
            for v in seed.vlans
        ],
        keyed(lambda o: (_fk(o, "site"), o["vid"]), "site", "vid"),
    )

    def vlan_id(site: str | None, vid: int | None) -> int | None:
        return vlans[(site_ids.get(site or ""), vid)]["id"] if vid else None

    up.sync(
        "prefix",
        "ipam.prefixes",
        [
            (
                p.prefix,
                {
                    "prefix": p.prefix,
                    "scope_type": "dcim.site" if p.site else None,
                    "scope_id": site_ids[p.site] if p.site else None,
                    "tenant": tenant(p.tenant),
                    "vlan": vlan_id(p.site, p.vlan),
                    "status": p.status,
                    "description": p.description,
                    "tags": _tag_ids(tags, p.tags),
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
    devices = up.sync(
        "device",
        "dcim.devices",
        [
            (
                d.name,
                {
                    "name": d.name,
                    "role": ids.roles[d.role],
                    "device_type": type_ids[d.device_type],
                    "platform": ids.platforms[d.platform],
                    "site": site_ids[d.site],
                    "tenant": tenant(d.tenant),
                    "status": d.status,
                    "serial": d.serial,
                    "description": d.description,
                    "tags": _tag_ids(tags, d.tags),
                },
            )
            for d in seed.devices
        ],
        _by("name", "primary_ip4"),
    )
    new_devices = {devices[k]["id"] for k in up.last_created}
    device_id = {d.name: devices[d.name]["id"] for d in seed.devices}
    itfs = up.sync(
        "interface",
        "dcim.interfaces",
        [
            (
                (device_id[d.name], i.name),
                {
                    "device": device_id[d.name],
                    "name": i.name,
                    "type": i.type,
                    "description": i.description,
                    "enabled": i.enabled,
                    "mgmt_only": i.mgmt_only,
                    "mode": "access" if i.untagged_vlan else None,
                    "untagged_vlan": vlan_id(d.site, i.untagged_vlan),
                },
            )
            for d in seed.devices
            for i in d.interfaces
        ],
        keyed(lambda o: (_fk(o, "device"), o["name"]), "device", "name"),
    )

    def itf_id(dev: str, name: str) -> int:
        return int(itfs[(device_id[dev], name)]["id"])

    def end(dev: str, name: str) -> dict[str, Any]:
        return {"object_type": "dcim.interface", "object_id": itf_id(dev, name)}

    _sync_cables(
        up,
        [
            (
                [end(c.a.device, c.a.interface)],
                [end(c.b.device, c.b.interface)],
                {
                    "type": c.type,
                    "status": "connected",
                    "label": c.label,
                    "description": c.description,
                    "tags": _tag_ids(tags, c.tags),
                },
            )
            for c in seed.cables
        ],
    )
    ips = up.sync(
        "ip address",
        "ipam.ip_addresses",
        [
            (
                i.ip,
                {
                    "address": i.ip,
                    "status": "active",
                    "tenant": tenant(d.tenant),
                    "assigned_object_type": "dcim.interface",
                    "assigned_object_id": itf_id(d.name, i.name),
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
        [(devices[d.name], {"primary_ip4": ips[d.primary_ip4]["id"]}) for d in seed.devices if d.primary_ip4],
        fresh=new_devices,
    )
    _sync_circuits(up, seed=seed, site_ids=site_ids, tenant=tenant, tags=tags, itf_id=itf_id)
    _sync_vms(
        up, seed=seed, site_ids=site_ids, tenant=tenant, tags=tags, roles=ids.roles, platforms=ids.platforms
    )
    return counts


def _sync_cables(
    up: Upserter,
    wanted: list[tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]],
) -> None:
    """Cables are identified by their two ends, whichever is A."""

    def ends_key(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> frozenset[tuple[str, int]]:
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


def _sync_circuits(
    up: Upserter,
    *,
    seed: SeedFile,
    site_ids: dict[str, int],
    tenant: Any,
    tags: dict[str, int],
    itf_id: Any,
) -> None:
    by_slug = _by("slug")
    providers = up.sync(
        "provider",
        "circuits.providers",
        [(p.slug, {"name": p.name, "slug": p.slug}) for p in seed.providers],
        by_slug,
    )
    types = up.sync(
        "circuit type",
        "circuits.circuit_types",
        [(c.slug, {"name": c.name, "slug": c.slug}) for c in seed.circuit_types],
        by_slug,
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
                    "tenant": tenant(c.tenant),
                    "description": c.description,
                    "tags": _tag_ids(tags, c.tags, ("simpul", "internet")),
                },
            )
            for c in seed.circuits
        ],
        keyed(lambda o: (_fk(o, "provider"), o["cid"]), "provider", "cid"),
    )
    terms = [c for c in seed.circuits if c.termination is not None]
    made = up.sync(
        "circuit termination",
        "circuits.circuit_terminations",
        [
            (
                (circuits[(providers[c.provider]["id"], c.cid)]["id"], "A"),
                {
                    "circuit": circuits[(providers[c.provider]["id"], c.cid)]["id"],
                    "term_side": "A",
                    "termination_type": "dcim.site",
                    "termination_id": site_ids[c.termination.site],
                    "port_speed": c.termination.port_speed,
                },
            )
            for c in terms
            if c.termination is not None
        ],
        keyed(lambda o: (_fk(o, "circuit"), o.get("term_side")), "circuit", "term_side"),
    )
    wanted = []
    for c in terms:
        t = c.termination
        if t is None or t.device is None or t.interface is None:
            continue
        term = made[(circuits[(providers[c.provider]["id"], c.cid)]["id"], "A")]
        wanted.append(
            (
                [{"object_type": "circuits.circuittermination", "object_id": term["id"]}],
                [{"object_type": "dcim.interface", "object_id": itf_id(t.device, t.interface)}],
                {"status": "connected", "label": c.cid, "tags": _tag_ids(tags, (), ("simpul", "internet"))},
            )
        )
    if wanted:
        _sync_cables(up, wanted)


def _sync_vms(
    up: Upserter,
    *,
    seed: SeedFile,
    site_ids: dict[str, int],
    tenant: Any,
    tags: dict[str, int],
    roles: dict[str, int],
    platforms: dict[str, int],
) -> None:
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
                    "scope_id": site_ids[c.site] if c.site else None,
                    "description": c.description,
                    "tags": _tag_ids(tags, (), ("simpul", "pusat-data")),
                },
            )
            for c in seed.clusters
        ],
        _by("name"),
    )
    cluster_site = {c.name: c.site for c in seed.clusters}
    if not seed.virtual_machines:
        return
    up.sync(
        "virtual machine",
        "virtualization.virtual_machines",
        [
            (
                v.name,
                {
                    "name": v.name,
                    "cluster": clusters[v.cluster]["id"],
                    "site": site_ids.get(cluster_site.get(v.cluster) or ""),
                    "tenant": tenant(v.tenant),
                    "role": roles[v.role],
                    "platform": platforms[v.platform] if v.platform else None,
                    "status": v.status,
                    "vcpus": v.vcpus,
                    "memory": v.memory_mb,
                    "disk": v.disk_gb * 1000 if v.disk_gb is not None else None,
                    "description": v.description,
                    "tags": _tag_ids(tags, v.tags),
                },
            )
            for v in seed.virtual_machines
        ],
        _by("name"),
    )


# --------------------------------------------------------------------------- a regency of any size


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
    n_skpd = max(1, min(250, n_devices // 8))
    n_dist = -(-n_skpd // 40)
    while 1 + n_dist + n_skpd > n_devices:
        n_skpd -= 1
        n_dist = -(-n_skpd // 40)
    n_switch = n_devices - 1 - n_dist - n_skpd
    cir = max(1, 450 // n_skpd)
    data: dict[str, Any] = {
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
    devices, cables = data["devices"], data["cables"]
    core_ports = [{"name": f"GigabitEthernet0/{k + 3}", "ip": f"10.30.255.{2 * k}/31"} for k in range(n_dist)]
    devices.append(
        {
            "name": "core-diskominfo-01",
            "role": "core-router",
            "platform": "cisco_ios",
            "site": "diskominfo",
            "device_type": "isr4451",
            "interfaces": [
                {"name": "GigabitEthernet0/0", "ip": "10.10.0.1/24", "mgmt_only": True},
                *core_ports,
            ],
            "primary_ip4": "10.10.0.1/24",
        }
    )
    per_skpd = [n_switch // n_skpd + (1 if k < n_switch % n_skpd else 0) for k in range(n_skpd)]
    dist_ports: list[list[dict[str, Any]]] = [[] for _ in range(n_dist)]
    for n in range(1, n_skpd + 1):
        slug = f"skpd{n:03d}"
        dist, port = (n - 1) // 40, 2 + (n - 1) % 40
        p2p = f"10.30.{(n - 1) // 128}.{2 * ((n - 1) % 128)}"
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
        devices.append(
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
        cables.append(
            {
                "a": {"device": f"dist-diskominfo-{dist + 1:02d}", "interface": f"Ethernet{port}"},
                "b": {"device": f"rtr-{slug}", "interface": "ether1"},
                "tags": ["jaringan-intra"],
            }
        )
        for s in range(1, per_skpd[n - 1] + 1):
            ip = f"10.20.{n}.{s + 1}/24"
            name = f"sw-{slug}-{s:02d}"
            devices.append(
                {
                    "name": name,
                    "role": "access-switch",
                    "platform": "mikrotik_routeros",
                    "site": slug,
                    "tenant": slug,
                    "device_type": "crs328-24p",
                    "interfaces": [
                        {"name": "ether1", "ip": ip, "untagged_vlan": n * 10},
                        *([{"name": f"ether{k}"} for k in range(2, per_skpd[n - 1] + 1)] if s == 1 else []),
                    ],
                    "primary_ip4": ip,
                }
            )
            up = (f"rtr-{slug}", "ether2") if s == 1 else (f"sw-{slug}-01", f"ether{s}")
            cables.append(
                {"a": {"device": up[0], "interface": up[1]}, "b": {"device": name, "interface": "ether1"}}
            )
    for k in range(n_dist):
        mgmt = f"10.10.0.{11 + k}/24"
        devices.insert(
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
                    *dist_ports[k],
                ],
                "primary_ip4": mgmt,
            },
        )
        cables.append(
            {
                "a": {"device": "core-diskominfo-01", "interface": f"GigabitEthernet0/{k + 3}"},
                "b": {"device": f"dist-diskominfo-{k + 1:02d}", "interface": "Ethernet1"},
                "tags": ["jaringan-intra"],
            }
        )
    return data
