"""Pure: what the LAN collection read from each device -> one ``Snapshot`` per SKPD.

``lan collect`` (``simpul.services.lan``) runs the read-only Nornir task on every SKPD device and
hands the parsed states and the failures here. A device that did not answer is recorded
(``reachable: false`` and the reason, never device output) and the others are kept. Hosts without an
SKPD (tenant) are Diskominfo's own and belong to no snapshot.

The management address recorded for a device is the one it really carries: NetBox's primary IP when
the device still has it, else the device's address in the same subnet (it was readdressed), else none
(unknown: says nothing in the diff).

Examples:
    >>> import datetime as dt
    >>> hosts = [HostInfo("rtr-disdik", "disdik", "mikrotik_routeros", "skpd-edge", "10.20.3.1", "mndp"),
    ...          HostInfo("sw-disdik-01", "disdik", "mikrotik_routeros", "access-switch", "10.20.3.2"),
    ...          HostInfo("dist-diskominfo-01", None, "arista_eos", "distribution")]
    >>> state = {"addresses": [{"interface": "ether2", "address": "10.20.3.1/24"}],
    ...          "neighbors": [{"local_port": "ether2", "remote_device": "sw-disdik-01",
    ...                         "remote_port": "ether1"}]}
    >>> now = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
    >>> snaps = snapshot_from_states(hosts, {"rtr-disdik": state},
    ...                              {"sw-disdik-01": "auth: authentication failed"}, now)
    >>> list(snaps)
    ['disdik']
    >>> [(d.name, d.reachable, d.mgmt_ip) for d in snaps["disdik"].devices]
    [('rtr-disdik', True, '10.20.3.1'), ('sw-disdik-01', False, '10.20.3.2')]
    >>> snaps["disdik"].devices[1].error
    'auth: authentication failed'
    >>> snaps["disdik"].devices[0].neighbors[0].protocol
    'mndp'
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simpul.core.snapshot import (
    NeighbourProtocol,
    Snapshot,
    SnapshotDevice,
    SnapshotDiscovery,
    SnapshotFacts,
    SnapshotInterface,
    SnapshotNeighbor,
    SnapshotVlan,
)
from simpul.core.topology import device_key, port_key

_PROTOCOLS: tuple[NeighbourProtocol, ...] = ("lldp", "cdp", "mndp")

_SVI = re.compile(r"^vlan[-_ ]?(\d{1,4})$", re.I)
_FACTS = ("hostname", "model", "serial", "os_version", "vendor")


@dataclass(frozen=True)
class HostInfo:
    """What the snapshot records about a host besides what the device says.

    ``protocol``: the neighbour protocol of an entry whose output does not name one
    (``PlatformSpec.neighbour_protocol``); None when the platform is unknown.
    """

    name: str
    skpd: str | None
    platform: str | None
    role: str | None
    primary_ip: str | None = None  # NetBox's, without prefix length
    protocol: NeighbourProtocol | None = None


def choose_mgmt_ip(primary: str | None, addresses: Iterable[str]) -> str | None:
    """The device's management address as it really is (see the module docstring).

    >>> choose_mgmt_ip("10.20.3.2", ["10.20.3.2/24"]), choose_mgmt_ip("10.20.3.2", ["10.20.3.12/24"])
    ('10.20.3.2', '10.20.3.12')
    >>> choose_mgmt_ip("10.20.3.2", ["10.30.0.7/31"]) is None, choose_mgmt_ip(None, ["10.20.3.2/24"])
    (True, None)
    """
    if not primary:
        return None
    want = ipaddress.ip_address(primary)
    ifaces = [ipaddress.ip_interface(a) for a in addresses]
    if any(i.ip == want for i in ifaces):
        return primary
    same = [i for i in ifaces if want in i.network and i.network.prefixlen < 31]
    return str(same[0].ip) if same else None


def _vlan_of(name: str, members: Mapping[str | None, int]) -> int | None:
    """An SVI's own VLAN (``Vlan40``), else the VLAN the port is a member of.

    >>> _vlan_of("Vlan40", {}), _vlan_of("Gi0/2", {"gigabitethernet0/2": 40}), _vlan_of("ether1", {})
    (40, 40, None)
    """
    svi = _SVI.match(name.strip())
    if svi and 1 <= int(svi.group(1)) <= 4094:
        return int(svi.group(1))
    return members.get(port_key(name))


def _addresses(state: Mapping[str, Any]) -> dict[str, list[str]]:
    """The IPv4 addresses (CIDR) of each interface, in the order the device listed them."""
    by_iface: dict[str, list[str]] = {}
    for addr in state.get("addresses", []):
        by_iface.setdefault(addr["interface"], []).append(addr["address"])
    return by_iface


def _interfaces(state: Mapping[str, Any], by_iface: Mapping[str, list[str]]) -> tuple[SnapshotInterface, ...]:
    members: dict[str | None, int] = {}
    for vlan in state.get("vlans", []):
        for iface in vlan.get("interfaces", []):
            members.setdefault(port_key(iface), int(vlan["vid"]))
    interfaces = []
    seen: set[str] = set()
    for iface in state.get("interfaces", []):
        seen.add(iface["name"])
        interfaces.append(
            SnapshotInterface(
                name=iface["name"],
                enabled=iface.get("enabled"),
                up=iface.get("up"),
                mac=iface.get("mac"),
                ipv4=tuple(by_iface.get(iface["name"], ())),
                vlan=_vlan_of(iface["name"], members),
            )
        )
    for name, addrs in by_iface.items():  # an address on an interface the listing did not show
        if name not in seen:
            interfaces.append(SnapshotInterface(name=name, ipv4=tuple(addrs), vlan=_vlan_of(name, members)))
    return tuple(interfaces)


def device_from_state(host: HostInfo, state: Mapping[str, Any]) -> SnapshotDevice:
    """One host's parsed state (``nornir_tasks.collect.DeviceState``) -> its snapshot entry.

    >>> dev = device_from_state(HostInfo("sw1", "x", "cisco_ios", None, "10.0.0.2", "lldp"), {
    ...     "interfaces": [{"name": "Gi0/2", "up": True}], "addresses": [
    ...         {"interface": "Vlan40", "address": "10.0.0.2/24"}],
    ...     "vlans": [{"vid": 40, "name": "Staf", "interfaces": ["Gi0/2"]}]})
    >>> [(i.name, i.vlan, i.ipv4) for i in dev.interfaces], dev.mgmt_ip
    ([('Gi0/2', 40, ()), ('Vlan40', 40, ('10.0.0.2/24',))], '10.0.0.2')
    """
    by_iface = _addresses(state)
    facts = state.get("facts") or {}
    return SnapshotDevice(
        name=host.name,
        platform=host.platform,
        role=host.role,
        mgmt_ip=choose_mgmt_ip(host.primary_ip, [a for addrs in by_iface.values() for a in addrs]),
        reachable=True,
        facts=SnapshotFacts(**{k: facts.get(k) for k in _FACTS}),
        interfaces=_interfaces(state, by_iface),
        vlans=tuple(
            SnapshotVlan(vid=int(v["vid"]), name=v.get("name"))
            for v in sorted(state.get("vlans", []), key=lambda v: int(v["vid"]))
        ),
        neighbors=_neighbours(state.get("neighbors", []), host.protocol),
        discovery=SnapshotDiscovery(
            **{p: bool(on) for p, on in (state.get("discovery") or {}).items() if p in _PROTOCOLS}
        ),
    )


def _neighbours(
    entries: Iterable[Mapping[str, Any]], default: NeighbourProtocol | None
) -> tuple[SnapshotNeighbor, ...]:
    """The device's neighbour entries, one per cable end: an entry LLDP and CDP both report (IOS
    runs both) is kept once, with the protocol of the first step that read it.

    >>> both = [{"local_port": "Gi0/1", "remote_device": "rtr-x", "remote_port": "Gi0/2", "protocol": "lldp"},
    ...         {"local_port": "GigabitEthernet0/1", "remote_device": "RTR-X", "remote_port": "Gi0/2",
    ...          "protocol": "cdp"}]
    >>> [(n.local_port, n.protocol) for n in _neighbours(both, "lldp")]
    [('Gi0/1', 'lldp')]
    """
    seen: dict[tuple[str | None, str, str | None], SnapshotNeighbor] = {}
    for n in entries:
        key = (port_key(n["local_port"]), device_key(n["remote_device"]), port_key(n.get("remote_port")))
        seen.setdefault(
            key,
            SnapshotNeighbor(
                local_port=n["local_port"],
                remote_device=n["remote_device"],
                remote_port=n.get("remote_port"),
                protocol=_protocol(n.get("protocol"), default),
            ),
        )
    return tuple(seen.values())


def _protocol(said: str | None, default: NeighbourProtocol | None) -> NeighbourProtocol | None:
    """The protocol the output named for a neighbour, else the platform's.

    >>> _protocol("cdp", "lldp"), _protocol(None, "mndp"), _protocol("edp", "lldp")
    ('cdp', 'mndp', 'lldp')
    """
    for known in _PROTOCOLS:
        if said == known:
            return known
    return default


def snapshot_from_states(
    hosts: Iterable[HostInfo],
    states: Mapping[str, Mapping[str, Any]],
    failures: Mapping[str, str],
    now: dt.datetime,
) -> dict[str, Snapshot]:
    """Per-host results -> one snapshot per SKPD (hosts without an SKPD are left out).

    ``states``: the parsed state of each host that answered; ``failures``: the reason of each that
    did not (``category: message``).
    """
    by_skpd: dict[str, list[SnapshotDevice]] = {}
    for host in sorted(hosts, key=lambda h: h.name):
        if not host.skpd:
            continue
        if host.name in states:
            device = device_from_state(host, states[host.name])
        else:
            device = SnapshotDevice(
                name=host.name,
                platform=host.platform,
                role=host.role,
                mgmt_ip=host.primary_ip,
                reachable=False,
                error=failures.get(host.name, "no answer"),
            )
        by_skpd.setdefault(host.skpd, []).append(device)
    return {
        skpd: Snapshot(schema_version=1, skpd=skpd, collected_at=now, devices=tuple(devices))
        for skpd, devices in sorted(by_skpd.items())
    }


def snapshot_json(snapshot: Snapshot) -> str:
    """The text of a snapshot file (what ``lan collect`` writes and ``parse_snapshot`` reads back)."""
    return json.dumps(snapshot.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "HostInfo",
    "NeighbourProtocol",
    "choose_mgmt_ip",
    "device_from_state",
    "snapshot_from_states",
    "snapshot_json",
]
