"""Nornir task: read one device's live LAN state (facts, interfaces, IPv4, VLANs, neighbours). Read-only.

One function per platform family (the NetBox platform slug, ``host.data["netbox_platform"]``, else
``host.platform``), each returning a :class:`DeviceState` dict the parsers in ``simpul.parsers`` made:

- ``cisco_ios``: napalm ``ios`` getters (facts, interfaces, interfaces_ip, lldp_neighbors_detail)
  plus ``show vlan brief`` over the same session;
- ``arista_eos``: netmiko ``show version``, ``show hostname``, ``show interfaces``, ``show vlan``,
  ``show lldp neighbors detail`` (text: no ``| json`` needed);
- ``mikrotik_routeros``: netmiko ``/system identity print``, ``/system routerboard print``,
  ``/interface print``, ``/ip address print``, ``/interface vlan print``, ``/ip neighbor print detail``
  (MikroTik neighbour discovery: MNDP, LLDP and CDP entries alike);
- ``linux``: netmiko ``hostname``, ``ip -j link``, ``ip -j addr``, ``lldpcli show neighbors -f json0``
  (a host without lldpd has no neighbours, not a failure).

Nothing is changed on the device (``changed=False``, no dry-run to honour). Connections are closed at
the end of the task.
"""

from __future__ import annotations

import logging
from typing import Any, TypedDict

from nornir.core.task import Result, Task

from simpul.parsers import (
    Address,
    Facts,
    Interface,
    Neighbor,
    VlanRow,
    normalise_mac,
    parse_eos_hostname,
    parse_eos_interfaces,
    parse_eos_lldp_detail,
    parse_eos_version,
    parse_eos_vlan,
    parse_ios_vlan_brief,
    parse_ip_addr,
    parse_ip_link,
    parse_lldpcli_json0,
    parse_mikrotik_addresses,
    parse_mikrotik_identity,
    parse_mikrotik_interfaces,
    parse_mikrotik_neighbors,
    parse_mikrotik_routerboard,
    parse_mikrotik_vlans,
)

log = logging.getLogger(__name__)

READ_TIMEOUT = 60.0


class UnsupportedPlatform(ValueError):
    """simpul does not know how to read this platform's LAN state."""


class DeviceState(TypedDict):
    facts: Facts
    interfaces: list[Interface]
    addresses: list[Address]
    vlans: list[VlanRow]
    neighbors: list[Neighbor]


def collect_platform(host: Any) -> str:
    return str(host.data.get("netbox_platform") or host.platform or "")


def _netmiko(task: Task) -> Any:
    return task.host.get_connection("netmiko", task.nornir.config)


def _send(conn: Any, command: str) -> str:
    return str(conn.send_command(command, read_timeout=READ_TIMEOUT))


def _ios(task: Task) -> DeviceState:
    device = task.host.get_connection("napalm", task.nornir.config)
    facts = device.get_facts()
    interfaces = device.get_interfaces()
    addresses = device.get_interfaces_ip()
    lldp = device.get_lldp_neighbors_detail()
    vlan_text = device.cli(["show vlan brief"])["show vlan brief"]
    return DeviceState(
        facts=Facts(
            hostname=facts.get("hostname") or None,
            model=facts.get("model") or None,
            serial=facts.get("serial_number") or None,
            os_version=facts.get("os_version") or None,
            vendor=facts.get("vendor") or None,
        ),
        interfaces=[
            Interface(
                name=name,
                enabled=bool(data.get("is_enabled")),
                up=bool(data.get("is_up")),
                mac=normalise_mac(data.get("mac_address")),
            )
            for name, data in interfaces.items()
        ],
        addresses=[
            Address(interface=name, address=f"{ip}/{info['prefix_length']}")
            for name, families in addresses.items()
            for ip, info in (families.get("ipv4") or {}).items()
        ],
        vlans=parse_ios_vlan_brief(vlan_text),
        neighbors=[
            Neighbor(
                local_port=local,
                remote_device=entry.get("remote_system_name") or entry.get("remote_chassis_id") or "?",
                remote_port=entry.get("remote_port") or None,
                remote_mgmt_ip=None,
            )
            for local, entries in lldp.items()
            for entry in entries
        ],
    )


def _eos(task: Task) -> DeviceState:
    conn = _netmiko(task)
    conn.enable()
    version = parse_eos_version(_send(conn, "show version"))
    hostname = parse_eos_hostname(_send(conn, "show hostname"))
    ifaces = parse_eos_interfaces(_send(conn, "show interfaces"))
    return DeviceState(
        facts={**version, "hostname": hostname["hostname"]},
        interfaces=ifaces["interfaces"],
        addresses=ifaces["addresses"],
        vlans=parse_eos_vlan(_send(conn, "show vlan")),
        neighbors=parse_eos_lldp_detail(_send(conn, "show lldp neighbors detail")),
    )


def _routeros(task: Task) -> DeviceState:
    conn = _netmiko(task)
    identity = parse_mikrotik_identity(_send(conn, "/system identity print"))
    board = parse_mikrotik_routerboard(_send(conn, "/system routerboard print"))
    return DeviceState(
        facts={**board, "hostname": identity["hostname"]},
        interfaces=parse_mikrotik_interfaces(_send(conn, "/interface print")),
        addresses=parse_mikrotik_addresses(_send(conn, "/ip address print")),
        vlans=parse_mikrotik_vlans(_send(conn, "/interface vlan print")),
        neighbors=parse_mikrotik_neighbors(_send(conn, "/ip neighbor print detail")),
    )


def _linux(task: Task) -> DeviceState:
    conn = _netmiko(task)
    hostname = _send(conn, "hostname").strip() or None
    release = _send(conn, '. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"').strip() or None
    lldp_text = _send(conn, "lldpcli show neighbors -f json0 2>/dev/null || echo '{}'")
    try:
        neighbors = parse_lldpcli_json0(lldp_text)
    except ValueError:
        log.info("%s: no lldpd answer; no neighbours read", task.host.name)
        neighbors = []
    return DeviceState(
        facts=Facts(hostname=hostname, model=None, serial=None, os_version=release, vendor=None),
        interfaces=parse_ip_link(_send(conn, "ip -j link")),
        addresses=parse_ip_addr(_send(conn, "ip -j addr")),
        vlans=[],
        neighbors=neighbors,
    )


COLLECTORS = {
    "cisco_ios": _ios,
    "arista_eos": _eos,
    "mikrotik_routeros": _routeros,
    "linux": _linux,
}


def collect_state(task: Task) -> Result:
    """Read the host's LAN state; ``Result.result`` is a :class:`DeviceState`."""
    slug = collect_platform(task.host)
    collector = COLLECTORS.get(slug)
    if collector is None:
        raise UnsupportedPlatform(f"platform {slug or '(none)'!r} is not collected")
    try:
        state = collector(task)
    finally:
        task.host.close_connections()
    return Result(host=task.host, result=state, changed=False)
