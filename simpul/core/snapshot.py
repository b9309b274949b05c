"""The live state of one SKPD's LAN, as ``simpul lan collect`` writes it (one JSON file per SKPD).

The schema is versioned (``schema_version``, now ``1``): a reader refuses a version it does not know
rather than guess. ``snapshot_to_topology`` turns a snapshot into the ``Topology`` the diff compares:

- every device of the snapshot is a device, reachable or not (an unreachable one is known to exist;
  its facts are simply unknown, and a model/IP comparison with an unknown side says nothing);
- links come from LLDP (or CDP / MikroTik neighbour discovery) entries, de-duplicated: the entry
  seen from each end of a cable is one link, and an entry without a remote port merges into a fuller
  one between the same two devices;
- a device that says neighbour discovery is off (``discovery``: every protocol it reports on is
  ``false``, e.g. IOS with "% LLDP is not enabled" and "% CDP is not enabled") cannot show its links:
  a ``neighbour_discovery_off`` finding (OPS-002), never a silent "no neighbours";
- a neighbour that is not a device of the snapshot still yields the link, and a device entry with
  only a name (an undocumented switch, an access point, a server the collector does not log in to);
- EXCEPT the SKPD edge's uplink into Jaringan Intra: a neighbour that is a distribution or core
  device (``is_jaringan_intra``: role ``distribution``/``core-router`` or a name starting ``dist-``
  or ``core-``) is not part of the SKPD's LAN, so neither it nor the link to it appears;
- VLANs are the union over devices; an interface carrying VLAN *n* with an IPv4 address gives
  VLAN *n* its subnet.

Examples:
    >>> snap = Snapshot.model_validate({
    ...     "schema_version": 1, "skpd": "disdik", "collected_at": "2026-11-23T01:00:00+00:00",
    ...     "devices": [
    ...         {"name": "rtr-disdik", "platform": "mikrotik_routeros", "reachable": True,
    ...          "mgmt_ip": "10.20.3.1",
    ...          "facts": {"hostname": "rtr-disdik", "model": "RB4011"},
    ...          "interfaces": [{"name": "ether2", "up": True, "ipv4": ["10.20.3.1/24"], "vlan": 30}],
    ...          "vlans": [{"vid": 30, "name": "Disdik-Staf"}],
    ...          "neighbors": [
    ...              {"local_port": "ether1", "remote_device": "dist-diskominfo-01",
    ...               "remote_port": "Ethernet2"},
    ...              {"local_port": "ether2", "remote_device": "SW-DISDIK-01", "remote_port": "ether1"}]},
    ...         {"name": "sw-disdik-01", "platform": "mikrotik_routeros", "reachable": True,
    ...          "neighbors": [{"local_port": "ether1", "remote_device": "rtr-disdik",
    ...                         "remote_port": "ether2"}]},
    ...     ]})
    >>> t = snapshot_to_topology(snap)
    >>> [d.name for d in t.devices], len(t.links), t.vlans
    (['rtr-disdik', 'sw-disdik-01'], 1, (Vlan(vid=30, name='Disdik-Staf', subnet='10.20.3.0/24'),))
    >>> t.view.value, t.date.isoformat()
    ('live', '2026-11-23')
"""

from __future__ import annotations

import ipaddress
import json
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from simpul.core.findings import Finding, FindingKind, Severity
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan, device_key
from simpul.core.validation import input_error_from_validation
from simpul.errors import InputError

SCHEMA_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SnapshotFacts(_Frozen):
    hostname: str | None = None  # as the device calls itself (MikroTik identity)
    model: str | None = None
    serial: str | None = None
    os_version: str | None = None
    vendor: str | None = None


class SnapshotInterface(_Frozen):
    name: str
    enabled: bool | None = None
    up: bool | None = None
    mac: str | None = None
    ipv4: tuple[str, ...] = ()  # CIDR, e.g. "10.20.3.1/24"
    vlan: int | None = Field(default=None, ge=1, le=4094)  # access / untagged VLAN

    @field_validator("ipv4")
    @classmethod
    def _cidr(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            if "/" not in item:
                raise ValueError(f"{item!r} needs a prefix length, e.g. 10.20.3.1/24")
            ipaddress.ip_interface(item)  # raises ValueError with a clear message
        return value


class SnapshotVlan(_Frozen):
    vid: int = Field(ge=1, le=4094)
    name: str | None = None


NeighbourProtocol = Literal["lldp", "cdp", "mndp"]  # mndp = MikroTik neighbour discovery


class SnapshotNeighbor(_Frozen):
    local_port: str
    remote_device: str
    remote_port: str | None = None
    protocol: NeighbourProtocol | None = None  # the protocol that found it


class SnapshotDiscovery(_Frozen):
    """What the device said about each neighbour protocol: true, it runs; false, it is off; null,
    the device was not asked or cannot tell.

    >>> SnapshotDiscovery(lldp=False, cdp=True).said()
    {'lldp': False, 'cdp': True}
    """

    lldp: bool | None = None
    cdp: bool | None = None
    mndp: bool | None = None

    def said(self) -> dict[str, bool]:
        return {
            k: v for k, v in (("lldp", self.lldp), ("cdp", self.cdp), ("mndp", self.mndp)) if v is not None
        }


class SnapshotDevice(_Frozen):
    name: str  # the NetBox device name
    platform: str | None = None
    role: str | None = None  # NetBox device role slug
    mgmt_ip: str | None = None  # the address the collector used (NetBox primary IP), no prefix length
    reachable: bool
    error: str | None = None  # why it did not answer (never a secret)
    facts: SnapshotFacts | None = None
    interfaces: tuple[SnapshotInterface, ...] = ()
    vlans: tuple[SnapshotVlan, ...] = ()
    neighbors: tuple[SnapshotNeighbor, ...] = ()
    discovery: SnapshotDiscovery = SnapshotDiscovery()

    @property
    def discovery_off(self) -> bool:
        """True when the device answered and every neighbour protocol it reported on is off."""
        said = self.discovery.said()
        return self.reachable and bool(said) and not any(said.values())


class Snapshot(_Frozen):
    schema_version: Literal[1]
    skpd: str
    collected_at: AwareDatetime
    devices: tuple[SnapshotDevice, ...] = ()


def snapshot_json_schema() -> dict[str, object]:
    """The JSON Schema of a snapshot file (for docs and other tools).

    >>> snapshot_json_schema()["properties"]["schema_version"]["const"]
    1
    """
    return Snapshot.model_json_schema()


def parse_snapshot(text: str, *, source: str) -> Snapshot:
    """Validate a snapshot file's text; InputError names the file, line (for JSON syntax) and field.

    >>> parse_snapshot('{"schema_version": 2, "skpd": "x", "collected_at": "2026-01-01T00:00:00Z"}',
    ...                source="s.json")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: schema_version 2 is not supported (this simpul reads version 1)
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(
            f"not valid JSON: {err.msg}",
            source=source,
            line=err.lineno,
            hint="a snapshot is the JSON file `simpul lan collect` writes",
        ) from None
    if not isinstance(data, dict):
        raise InputError("a snapshot is a JSON object", source=source, line=1)
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise InputError(
            f"schema_version {version} is not supported (this simpul reads version {SCHEMA_VERSION})",
            source=source,
            field="schema_version",
            hint="collect the snapshot again with this simpul version",
        )
    try:
        return Snapshot.model_validate(data)
    except ValidationError as err:
        raise input_error_from_validation(
            err, source, hint="see simpul.core.snapshot for the snapshot schema"
        ) from None


def is_jaringan_intra(name: str, role: str | None = None) -> bool:
    """True for Diskominfo's own devices (distribution/core), which are not part of any SKPD's LAN.

    >>> is_jaringan_intra("dist-diskominfo-02"), is_jaringan_intra("X", "core-router")
    (True, True)
    >>> is_jaringan_intra("sw-disdik-01", "access-switch")
    False
    """
    key = device_key(name)
    return role in ("distribution", "core-router") or key.startswith(("dist-", "core-"))


def _resolve(remote: str, known: dict[str, str]) -> str:
    """A neighbour name as the snapshot's device name when it is one (also ``name.domain``)."""
    key = device_key(remote)
    if key in known:
        return known[key]
    short = key.split(".", 1)[0]
    return known.get(short, remote.strip())


def snapshot_to_topology(snapshot: Snapshot, *, source: str | None = None) -> Topology:
    """The live Topology of a snapshot (see the module docstring for the rules)."""
    lan = [d for d in snapshot.devices if not is_jaringan_intra(d.name, d.role)]
    devices = {
        device_key(d.name): TopoDevice(
            name=d.name,
            role=d.role,
            platform=d.platform,
            model=d.facts.model if d.facts else None,
            mgmt_ip=d.mgmt_ip,
        )
        for d in lan
    }
    links = _neighbour_links(snapshot, lan, devices)
    return Topology(
        skpd=snapshot.skpd,
        date=snapshot.collected_at.date(),
        view=View.LIVE,
        source=source,
        devices=tuple(devices.values()),
        links=tuple(links),
        vlans=_vlans(lan),
    )


def _neighbour_links(
    snapshot: Snapshot, lan: list[SnapshotDevice], devices: dict[str, TopoDevice]
) -> list[TopoLink]:
    """One link per cable seen by the LAN's devices; a neighbour not in ``devices`` is added to it."""
    known = {device_key(d.name): d.name for d in snapshot.devices}
    roles = {device_key(d.name): d.role for d in snapshot.devices}
    full: dict[object, TopoLink] = {}
    partial: list[TopoLink] = []  # seen without the remote port
    for d in lan:
        for n in d.neighbors:
            remote = _resolve(n.remote_device, known)
            rkey = device_key(remote)
            if is_jaringan_intra(remote, roles.get(rkey)) or rkey == device_key(d.name):
                continue
            if rkey not in devices:
                devices[rkey] = TopoDevice(name=remote)
            link = TopoLink(
                a=LinkEnd(device=d.name, port=n.local_port),
                b=LinkEnd(device=remote, port=n.remote_port or None),
            )
            if n.remote_port:
                full.setdefault(link.key(), link)
            else:
                partial.append(link)
    for link in partial:  # merges into a fuller entry between the same two devices, if there is one
        local = link.a.key()
        covered = any(
            local in (k.a.key(), k.b.key()) and k.devices_key() == link.devices_key() for k in full.values()
        )
        if not covered:
            full.setdefault(link.key(), link)
    return list(full.values())


def _vlans(lan: list[SnapshotDevice]) -> tuple[Vlan, ...]:
    """The union of the devices' VLANs; an addressed interface in VLAN n gives VLAN n its subnet."""
    vlans: dict[int, Vlan] = {}
    for d in sorted(lan, key=lambda x: device_key(x.name)):
        for v in d.vlans:
            old = vlans.get(v.vid)
            if old is None or (old.name is None and v.name):
                vlans[v.vid] = Vlan(
                    vid=v.vid, name=v.name or (old.name if old else None), subnet=old.subnet if old else None
                )
        for i in d.interfaces:
            if i.vlan is not None and i.ipv4:
                _add_subnet(vlans, i.vlan, str(ipaddress.ip_interface(i.ipv4[0]).network))
    return tuple(sorted(vlans.values(), key=lambda v: v.vid))


def _add_subnet(vlans: dict[int, Vlan], vid: int, subnet: str) -> None:
    old = vlans.get(vid)
    if old is None:
        vlans[vid] = Vlan(vid=vid, subnet=subnet)
    elif old.subnet is None:
        vlans[vid] = old.model_copy(update={"subnet": subnet})


def unreachable_devices(snapshot: Snapshot) -> frozenset[str]:
    """Keys of the devices that did not answer (their links and facts are unknown, not absent)."""
    return frozenset(device_key(d.name) for d in snapshot.devices if not d.reachable)


def unreachable_findings(snapshot: Snapshot) -> list[Finding]:
    """One ``device_unreachable`` finding per device that did not answer (Pasal 19 ayat (2): the Dinas
    must be able to inspect the LAN).

    >>> import datetime as dt
    >>> snap = Snapshot(schema_version=1, skpd="x", collected_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    ...                 devices=(SnapshotDevice(name="sw-x-01", reachable=False, error="timeout"),))
    >>> [(f.code, f.device, f.actual) for f in unreachable_findings(snap)]
    [('OPS-001', 'sw-x-01', 'timeout')]
    """
    return [
        Finding(
            kind=FindingKind.DEVICE_UNREACHABLE,
            severity=Severity.MEDIUM,
            device=d.name,
            expected="reachable",
            actual=d.error or "no answer",
            article="Pasal 19 ayat (2)",
            skpd=snapshot.skpd,
            message=f"{d.name} did not answer; its links and facts could not be checked",
        )
        for d in snapshot.devices
        if not d.reachable
    ]


def discovery_off_devices(snapshot: Snapshot) -> frozenset[str]:
    """Keys of the devices that answered but run no neighbour discovery (their links are unknown)."""
    return frozenset(device_key(d.name) for d in snapshot.devices if d.discovery_off)


def discovery_off_findings(snapshot: Snapshot) -> list[Finding]:
    """One ``neighbour_discovery_off`` finding per device that answered with every neighbour protocol
    off (Pasal 19 ayat (2): the Dinas must be able to inspect the LAN; zero neighbours would be a lie).

    >>> import datetime as dt
    >>> off = SnapshotDevice(name="sw-x-01", reachable=True, discovery={"lldp": False, "cdp": False})
    >>> cdp = SnapshotDevice(name="sw-x-02", reachable=True, discovery={"lldp": False, "cdp": True})
    >>> hash(off) != hash(cdp)
    True
    >>> snap = Snapshot(schema_version=1, skpd="x", collected_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    ...                 devices=(off, cdp))
    >>> [(f.code, f.device, f.actual) for f in discovery_off_findings(snap)]
    [('OPS-002', 'sw-x-01', 'cdp off, lldp off')]
    """
    return [
        Finding(
            kind=FindingKind.NEIGHBOUR_DISCOVERY_OFF,
            severity=Severity.MEDIUM,
            device=d.name,
            expected="LLDP or CDP on",
            actual=", ".join(f"{p} off" for p in sorted(d.discovery.said())),
            article="Pasal 19 ayat (2)",
            skpd=snapshot.skpd,
            message=f"neighbour discovery off on {d.name}: its links could not be checked",
        )
        for d in snapshot.devices
        if d.discovery_off
    ]


def silent_devices(snapshot: Snapshot) -> frozenset[str]:
    """Keys of the devices whose links cannot be known: they did not answer, or answered with
    neighbour discovery off. A diff calls none of their links missing."""
    return unreachable_devices(snapshot) | discovery_off_devices(snapshot)


def snapshot_findings(snapshot: Snapshot) -> list[Finding]:
    """What a snapshot itself tells the Dinas: OPS-001 per silent device, OPS-002 per device with
    neighbour discovery off."""
    return unreachable_findings(snapshot) + discovery_off_findings(snapshot)


__all__ = [
    "SCHEMA_VERSION",
    "NeighbourProtocol",
    "Snapshot",
    "SnapshotDevice",
    "SnapshotDiscovery",
    "SnapshotFacts",
    "SnapshotInterface",
    "SnapshotNeighbor",
    "SnapshotVlan",
    "discovery_off_devices",
    "discovery_off_findings",
    "is_jaringan_intra",
    "parse_snapshot",
    "silent_devices",
    "snapshot_findings",
    "snapshot_json_schema",
    "snapshot_to_topology",
    "unreachable_devices",
    "unreachable_findings",
]
