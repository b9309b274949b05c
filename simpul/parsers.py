"""Parsers for the show commands ``simpul lan collect`` runs: device text in, plain JSON-able data out.

Where ntc-templates (shipped with netmiko) already parses a command, it is used; the rest (RouterOS
``/interface print`` and ``/interface vlan print``, Linux ``ip -j`` and ``lldpcli -f json0``) are
parsed here. Every parser is a pure function of the text (the TextFSM templates are package data),
and the collect steps of the platform table (``simpul.devices.platforms``) say which command each
one reads: ``tests/lan/parsers/<platform>/<step>/<case>/`` holds real device output (``input.txt``)
and the expected result (``expected.json``), discovered automatically.

Shapes (lists of dicts, keys always present):

- facts: ``{hostname, model, serial, os_version, vendor}``
- interfaces: ``[{name, enabled, up, mac}]``; addresses: ``[{interface, address}]`` (CIDR)
- vlans: ``[{vid, name, interfaces}]``; neighbours: ``[{local_port, remote_device, remote_port,
  remote_mgmt_ip}]``

Examples:
    >>> normalise_mac("5254.0030.C35C"), normalise_mac("52:54:00:DC:25:01"), normalise_mac("")
    ('52:54:00:30:c3:5c', '52:54:00:dc:25:01', None)
    >>> parse_mikrotik_identity("name: rtr-disdik")["hostname"]
    'rtr-disdik'
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from typing import Any, TypedDict

from netutils.interface import canonical_interface_name


class ParseError(ValueError):
    """The output does not look like what the command prints (another OS version, an error message)."""


class Facts(TypedDict):
    hostname: str | None
    model: str | None
    serial: str | None
    os_version: str | None
    vendor: str | None


class Interface(TypedDict):
    name: str
    enabled: bool | None
    up: bool | None
    mac: str | None


class Address(TypedDict):
    interface: str
    address: str  # CIDR


class VlanRow(TypedDict):
    vid: int
    name: str | None
    interfaces: list[str]


class Neighbor(TypedDict):
    local_port: str
    remote_device: str
    remote_port: str | None
    remote_mgmt_ip: str | None


_HEX = re.compile(r"[^0-9a-fA-F]")


def normalise_mac(raw: str | None) -> str | None:
    """Any MAC notation -> ``aa:bb:cc:dd:ee:ff``; None when there is none."""
    digits = _HEX.sub("", raw or "").lower()
    if len(digits) != 12:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _facts(**values: str | None) -> Facts:
    clean = {k: (v.strip() if isinstance(v, str) and v.strip() else None) for k, v in values.items()}
    return Facts(
        hostname=clean.get("hostname"),
        model=clean.get("model"),
        serial=clean.get("serial"),
        os_version=clean.get("os_version"),
        vendor=clean.get("vendor"),
    )


# ntc-templates' CliTable shares its index between calls and is not thread-safe (Nornir runs threads)
_TEXTFSM_LOCK = threading.Lock()


def _textfsm(platform: str, command: str, text: str) -> list[dict[str, Any]]:
    from ntc_templates.parse import ParsingException, parse_output
    from textfsm import TextFSMError

    if not text.strip():
        return []
    _reject_error(text, command)
    try:
        with _TEXTFSM_LOCK:
            rows: list[dict[str, Any]] = parse_output(platform=platform, command=command, data=text)
    except (ParsingException, TextFSMError) as err:
        raise ParseError(f"cannot parse `{command}` output ({err})") from None
    return rows


_ERRORS = ("% Invalid input", "% Incomplete command", "bad command name", "syntax error", "% Unknown command")


def _reject_error(text: str, command: str) -> None:
    for marker in _ERRORS:
        if marker.lower() in text.lower():
            raise ParseError(f"the device rejected `{command}`: {text.strip().splitlines()[0][:80]}")


def _iface(name: str) -> str:
    """Expand the short names tables print (``Gi0/2``, ``Et3``) to the interface's full name."""
    return canonical_interface_name(name.strip())


# --- Cisco IOS (napalm covers facts, interfaces, addresses, LLDP) ------------------------------------


def parse_ios_vlan_brief(text: str) -> list[VlanRow]:
    """``show vlan brief`` (ntc-templates ``cisco_ios_show_vlan``).

    >>> parse_ios_vlan_brief('''
    ... VLAN Name                             Status    Ports
    ... ---- -------------------------------- --------- -------------------------------
    ... 1    default                          active
    ... 40   Dinkes-Staf                      active    Gi0/2, Gi0/3''')[1]
    {'vid': 40, 'name': 'Dinkes-Staf', 'interfaces': ['GigabitEthernet0/2', 'GigabitEthernet0/3']}
    """
    return [
        VlanRow(
            vid=int(row["vlan_id"]),
            name=row["vlan_name"] or None,
            interfaces=[_iface(i) for i in row.get("interfaces") or []],
        )
        for row in _textfsm("cisco_ios", "show vlan brief", text)
    ]


# --- Arista EOS (no ``| json`` in the lab: text, parsed) --------------------------------------------


def parse_eos_version(text: str) -> Facts:
    """``show version``: model, serial, software image."""
    rows = _textfsm("arista_eos", "show version", text)
    if not rows:
        raise ParseError("`show version` printed nothing")
    row = rows[0]
    return _facts(
        model=row.get("model"), serial=row.get("serial_number"), os_version=row.get("image"), vendor="Arista"
    )


def parse_eos_hostname(text: str) -> Facts:
    """``show hostname``: the hostname (not the FQDN)."""
    rows = _textfsm("arista_eos", "show hostname", text)
    return _facts(hostname=rows[0].get("hostname") if rows else None)


class InterfacesAndAddresses(TypedDict):
    interfaces: list[Interface]
    addresses: list[Address]


def parse_eos_interfaces(text: str) -> InterfacesAndAddresses:
    """``show interfaces``: state, MAC and IPv4 address of every interface."""
    interfaces: list[Interface] = []
    addresses: list[Address] = []
    for row in _textfsm("arista_eos", "show interfaces", text):
        name = row["interface"]
        link = (row.get("link_status") or "").lower()
        protocol = (row.get("protocol_status") or "").lower()
        interfaces.append(
            Interface(
                name=name,
                enabled="administratively" not in link and "disabled" not in protocol,
                up=protocol.startswith("up"),
                mac=normalise_mac(row.get("mac_address")),
            )
        )
        if row.get("ip_address"):
            addresses.append(Address(interface=name, address=row["ip_address"]))
    return InterfacesAndAddresses(interfaces=interfaces, addresses=addresses)


def parse_eos_vlan(text: str) -> list[VlanRow]:
    """``show vlan`` / ``show vlan brief``."""
    return [
        VlanRow(
            vid=int(row["vlan_id"]),
            name=row["vlan_name"] or None,
            interfaces=[_iface(i) for i in row.get("interfaces") or [] if not i.startswith("Cpu")],
        )
        for row in _textfsm("arista_eos", "show vlan", text)
    ]


def parse_eos_lldp_detail(text: str) -> list[Neighbor]:
    """``show lldp neighbors detail``."""
    return [
        Neighbor(
            local_port=row["local_interface"],
            remote_device=row["neighbor_name"] or row["chassis_id"],
            remote_port=row.get("neighbor_interface") or None,
            remote_mgmt_ip=row.get("mgmt_address") or None,
        )
        for row in _textfsm("arista_eos", "show lldp neighbors detail", text)
        if row.get("local_interface")
    ]


# --- MikroTik RouterOS 7 ------------------------------------------------------------------------------

_ENTRY = re.compile(r"^\s*(\d+)(.*)$")
_ROS_PROMPT = re.compile(r"^\s*\[[^\]\s]+@[^\]]+\]\s*(?:/[\w/-]*\s*)?>.*$")


def strip_ros_prompt(text: str) -> str:
    """Drop RouterOS prompt lines (``[admin@rtr-disdik] >``) netmiko sometimes leaves in the output.

    >>> strip_ros_prompt("name: rtr-x\\n[admin@rtr-x] > ")
    'name: rtr-x'
    """
    return "\n".join(line for line in text.splitlines() if not _ROS_PROMPT.match(line)).rstrip()


def _ros_table(text: str, command: str) -> list[tuple[str, list[str], str | None]]:
    """Rows of a RouterOS ``print`` table: (flags, cells, comment).

    Flags are read from the columns left of the NAME header; a ``;;; comment`` line belongs to the
    entry whose number it carries, and that entry's cells follow on the next line.
    """
    _reject_error(text, command)
    lines = text.splitlines()
    name_col = None
    for line in lines:
        if re.match(r"^\s*#\s+NAME\b", line):
            name_col = line.index("NAME")
            break
    if name_col is None:
        if not any(_ENTRY.match(line) for line in lines):
            return []
        raise ParseError(f"`{command}`: no column header (#  NAME ...) in the output")
    rows: list[tuple[str, list[str], str | None]] = []
    pending: tuple[str, str] | None = None  # (flags, comment) waiting for its cells
    for line in lines:
        if not line.strip() or line.startswith(("Flags:", "Columns:")) or re.match(r"^\s*#\s", line):
            continue
        match = _ENTRY.match(line[:name_col])
        if match:
            flags = match.group(2).strip()
            rest = line[name_col:].strip()
            if rest.startswith(";;;"):
                pending = (flags, rest[3:].strip())
                continue
            rows.append((flags, rest.split(), None))
            pending = None
        elif pending is not None:
            rows.append((pending[0], line.split(), pending[1]))
            pending = None
    return rows


def parse_mikrotik_interfaces(text: str) -> list[Interface]:
    """``/interface print``: X = disabled, R = running.

    >>> parse_mikrotik_interfaces('''Flags: D - DYNAMIC; X - DISABLED; R - RUNNING; S - SLAVE
    ... Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS
    ...  #    NAME          TYPE    ACTUAL-MTU  L2MTU  MAC-ADDRESS
    ...  0 R  ;;; uplink
    ...         ether1        ether         1500   1598  52:54:00:11:46:81
    ...  1 X    ether2        ether         1500   1598  52:54:00:7A:BA:F0''')[1]
    {'name': 'ether2', 'enabled': False, 'up': False, 'mac': '52:54:00:7a:ba:f0'}
    """
    text = strip_ros_prompt(text)
    out: list[Interface] = []
    for flags, cells, _comment in _ros_table(text, "/interface print"):
        if not cells:
            continue
        mac = next((c for c in reversed(cells) if normalise_mac(c) and ":" in c), None)
        out.append(
            Interface(name=cells[0], enabled="X" not in flags, up="R" in flags, mac=normalise_mac(mac))
        )
    return out


def parse_mikrotik_vlans(text: str) -> list[VlanRow]:
    """``/interface vlan print``: the VLAN interface's name is the VLAN's name.

    >>> parse_mikrotik_vlans('''Flags: R - RUNNING
    ... Columns: NAME, MTU, ARP, VLAN-ID, INTERFACE
    ... #   NAME              MTU  ARP      VLAN-ID  INTERFACE
    ... 0 R Disdik-Staf      1500  enabled       30  bridge''')
    [{'vid': 30, 'name': 'Disdik-Staf', 'interfaces': ['Disdik-Staf']}]
    """
    text = strip_ros_prompt(text)
    out: list[VlanRow] = []
    for _flags, cells, _comment in _ros_table(text, "/interface vlan print"):
        if len(cells) < 3 or not cells[-2].isdigit():
            raise ParseError(f"`/interface vlan print`: cannot read the row {' '.join(cells)!r}")
        out.append(VlanRow(vid=int(cells[-2]), name=cells[0], interfaces=[cells[0]]))
    return out


def parse_mikrotik_addresses(text: str) -> list[Address]:
    """``/ip address print`` (ntc-templates); disabled (X) addresses are left out."""
    text = strip_ros_prompt(text)
    return [
        Address(interface=row["interface"], address=f"{row['ip']}/{row['subnet']}")
        for row in _textfsm("mikrotik_routeros", "ip address print", text)
        if "X" not in (row.get("flags") or "")
    ]


def parse_mikrotik_neighbors(text: str) -> list[Neighbor]:
    """``/ip neighbor print detail`` (ntc-templates): MNDP/LLDP/CDP entries; ``interface-name`` is the
    neighbour's own port."""
    text = strip_ros_prompt(text)
    return [
        Neighbor(
            local_port=row["interface"],
            remote_device=row.get("identity") or row.get("mac_address") or "?",
            remote_port=row.get("interface_name") or None,
            remote_mgmt_ip=row.get("ipv4_address") or row.get("ip_address") or None,
        )
        for row in _textfsm("mikrotik_routeros", "ip neighbor print detail", text)
        if row.get("interface")
    ]


def parse_mikrotik_identity(text: str) -> Facts:
    """``/system identity print``."""
    text = strip_ros_prompt(text)
    _reject_error(text, "/system identity print")
    match = re.search(r"^\s*name:\s*(.+?)\s*$", text, re.M)
    if not match:
        raise ParseError("`/system identity print`: no name: line")
    return _facts(hostname=match.group(1), vendor="MikroTik")


def parse_mikrotik_routerboard(text: str) -> Facts:
    """``/system routerboard print`` (ntc-templates): model, serial, firmware."""
    text = strip_ros_prompt(text)
    rows = _textfsm("mikrotik_routeros", "system routerboard print", text)
    if not rows:
        return _facts(vendor="MikroTik")
    row = rows[0]
    return _facts(
        model=row.get("hardware_model") or row.get("board_name"),
        serial=row.get("serial_number"),
        os_version=row.get("current_firmware"),
        vendor="MikroTik",
    )


# --- Linux (iproute2 JSON, lldpd json0) ------------------------------------------------------------


def _json(text: str, command: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        first = text.strip().splitlines()[0][:80] if text.strip() else "no output"
        raise ParseError(f"`{command}` did not print JSON ({err.msg}): {first}") from None


def parse_ip_link(text: str) -> list[Interface]:
    """``ip -j link``: loopback left out; ``up`` is the operational state (carrier)."""
    out: list[Interface] = []
    for link in _json(text, "ip -j link"):
        if link.get("link_type") == "loopback":
            continue
        flags = link.get("flags") or []
        out.append(
            Interface(
                name=str(link["ifname"]),
                enabled="UP" in flags,
                up=link.get("operstate") == "UP" or ("LOWER_UP" in flags and "UP" in flags),
                mac=normalise_mac(link.get("address")),
            )
        )
    return out


def parse_ip_addr(text: str) -> list[Address]:
    """``ip -j addr``: IPv4 addresses (loopback left out)."""
    out: list[Address] = []
    for link in _json(text, "ip -j addr"):
        if link.get("link_type") == "loopback":
            continue
        for info in link.get("addr_info") or []:
            if info.get("family") == "inet":
                address = f"{info['local']}/{info['prefixlen']}"
                ipaddress.ip_interface(address)
                out.append(Address(interface=str(link["ifname"]), address=address))
    return out


def parse_lldpcli_json0(text: str) -> list[Neighbor]:
    """``lldpcli show neighbors -f json0`` (json0 always uses lists: one shape for one or many)."""

    def first(items: Any) -> str | None:
        if isinstance(items, list) and items and isinstance(items[0], dict):
            value = items[0].get("value")
            return str(value) if value not in (None, "") else None
        return None

    out: list[Neighbor] = []
    for block in _json(text, "lldpcli show neighbors -f json0").get("lldp", []):
        for iface in block.get("interface", []):
            chassis = (iface.get("chassis") or [{}])[0]
            port = (iface.get("port") or [{}])[0]
            ipv4 = [m.get("value") for m in chassis.get("mgmt-ip", []) if ":" not in str(m.get("value", ":"))]
            out.append(
                Neighbor(
                    local_port=str(iface.get("name", "")),
                    remote_device=first(chassis.get("name")) or first(chassis.get("id")) or "?",
                    remote_port=first(port.get("id")),
                    remote_mgmt_ip=ipv4[0] if ipv4 else None,
                )
            )
    return out
