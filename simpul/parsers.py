"""Parsers for the show commands ``simpul lan collect`` runs: device text in, plain JSON-able data out.

Where ntc-templates (shipped with netmiko) already parses a command of a stable format, it is used
(IOS, EOS); RouterOS tables and ``print detail`` are read here by their own header and ``key=value``
pairs (RouterOS 6 and 7 alike: a template breaks on each new flag or column), as are Linux ``ip -j``
and lldpd's JSON (both ``-f json0`` and ``-f json``). Every parser is a pure function of the text
(the TextFSM templates are package data), and the collect steps of the platform table
(``simpul.devices.platforms``) say which command each one reads:
``tests/lan/parsers/<platform>/<step>/<case>/`` holds real device output (``input.txt``; public
outputs name their source and licence in ``SOURCE``) and the expected result (``expected.json``),
discovered automatically.

Shapes (lists of dicts, keys always present):

- facts: ``{hostname, model, serial, os_version, vendor}``
- interfaces: ``[{name, enabled, up, mac}]``; addresses: ``[{interface, address}]`` (CIDR)
- vlans: ``[{vid, name, interfaces}]``; neighbours: ``[{local_port, remote_device, remote_port,
  remote_mgmt_ip, protocol, local_bridge}]``; a neighbour command that can say the protocol is off
  (IOS ``% LLDP is not enabled``) returns ``{neighbors, discovery: {protocol: enabled}}``

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
    protocol: str | None  # lldp, cdp or mndp when the output says; None: the platform's own
    local_bridge: str | None  # the bridge the local port is in, when the output says (RouterOS)


class NeighbourRead(TypedDict):
    """A neighbour command's output: the neighbours, and whether the protocol runs at all."""

    neighbors: list[Neighbor]
    discovery: dict[str, bool]  # protocol -> enabled on the device


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


# --- Cisco IOS (napalm covers facts, interfaces, addresses) ------------------------------------------

_MAC_NOTATION = re.compile(
    r"^(?:[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}|[0-9a-f]{12})$",
    re.I,
)


def remote_port_name(port_id: str | None, description: str | None) -> str | None:
    """The neighbour's port as a name: its port ID, unless that is a MAC address or a bare number
    (lldpd's default, many switches' "locally assigned") and the port description gives the name.

    >>> remote_port_name("52:54:00:aa:bb:01", "eth0"), remote_port_name("502", "ge-0/0/0.0")
    ('eth0', 'ge-0/0/0.0')
    >>> remote_port_name("Gi0/1", "uplink to core"), remote_port_name("52:54:00:aa:bb:01", None)
    ('Gi0/1', '52:54:00:aa:bb:01')
    """
    port_id, description = _advertised(port_id), _advertised(description)
    if port_id and description and (_MAC_NOTATION.match(port_id) or port_id.isdigit()):
        return description
    return port_id or description


def _advertised(value: str | None) -> str | None:
    """None for an empty or ``not advertised`` field.

    >>> _advertised(" - not advertised"), _advertised(' "eth0" ')
    (None, 'eth0')
    """
    value = (value or "").strip().strip('"').strip()
    return None if not value or "not advertised" in value else value


def _protocol_off(text: str, protocol: str) -> bool:
    """True when the device says the protocol does not run (``% LLDP is not enabled``)."""
    return f"% {protocol} is not enabled".lower() in text.lower()


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


_LLDP_BRIEF_HEADER = re.compile(r"^(?:Capability codes:|Device ID\s+Local Intf\b)", re.M)


def parse_ios_lldp_detail(text: str) -> NeighbourRead:
    """``show lldp neighbors detail`` then ``show lldp neighbors`` (ntc-templates).

    Older IOS prints no ``Local Intf`` in the detail; the entries are then placed on the local ports
    of the brief table, which lists them in the same order (what napalm does). ``% LLDP is not
    enabled`` is said, not a zero.

    >>> parse_ios_lldp_detail("% LLDP is not enabled")
    {'neighbors': [], 'discovery': {'lldp': False}}
    """
    if _protocol_off(text, "LLDP"):
        return NeighbourRead(neighbors=[], discovery={"lldp": False})
    split = _LLDP_BRIEF_HEADER.search(text)
    detail, brief = (text[: split.start()], text[split.start() :]) if split else (text, "")
    rows = _textfsm("cisco_ios", "show lldp neighbors detail", detail)
    unplaced = [row for row in rows if not row.get("local_interface")]
    if unplaced:
        ports = [r["local_interface"] for r in _textfsm("cisco_ios", "show lldp neighbors", brief)]
        if len(ports) != len(rows):
            raise ParseError(
                f"`show lldp neighbors detail`: {len(unplaced)} entries without Local Intf (older IOS) and "
                f"`show lldp neighbors` lists {len(ports)} of {len(rows)}: cannot place them on local ports"
            )
        for row, port in zip(rows, ports, strict=True):
            row["local_interface"] = row.get("local_interface") or port
    neighbors = [
        Neighbor(
            local_port=_iface(row["local_interface"]),
            remote_device=_advertised(row.get("neighbor_name")) or row.get("chassis_id") or "?",
            remote_port=remote_port_name(row.get("neighbor_port_id"), row.get("neighbor_interface")),
            remote_mgmt_ip=_ipv4(row.get("mgmt_address")),
            protocol="lldp",
            local_bridge=None,
        )
        for row in rows
    ]
    return NeighbourRead(neighbors=neighbors, discovery={"lldp": True})


def parse_ios_cdp_detail(text: str) -> NeighbourRead:
    """``show cdp neighbors detail`` (ntc-templates); ``% CDP is not enabled`` is said, not a zero.

    >>> parse_ios_cdp_detail("% CDP is not enabled")
    {'neighbors': [], 'discovery': {'cdp': False}}
    """
    if _protocol_off(text, "CDP"):
        return NeighbourRead(neighbors=[], discovery={"cdp": False})
    neighbors = [
        Neighbor(
            local_port=_iface(row["local_interface"]),
            remote_device=row["neighbor_name"],
            remote_port=row.get("neighbor_interface") or None,
            remote_mgmt_ip=_ipv4(row.get("mgmt_address")),
            protocol="cdp",
            local_bridge=None,
        )
        for row in _textfsm("cisco_ios", "show cdp neighbors detail", text)
        if row.get("local_interface")
    ]
    return NeighbourRead(neighbors=neighbors, discovery={"cdp": True})


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
            remote_mgmt_ip=_ipv4(row.get("mgmt_address")),
            protocol="lldp",
            local_bridge=None,
        )
        for row in _textfsm("arista_eos", "show lldp neighbors detail", text)
        if row.get("local_interface")
    ]


# --- MikroTik RouterOS 6 and 7 -------------------------------------------------------------------------
#
# RouterOS tables are read by their own header (``#  NAME  TYPE ...``), not by a fixed template: a
# new flag (RouterOS 7's ``S`` slave on addresses), a new column or a comment line of either version's
# style must not make a whole router "unreadable output".

_ENTRY = re.compile(r"^(\s*)(\d+)(\s+)(.*)$")
_ROS_PROMPT = re.compile(r"^\s*\[[^\]\s]+@[^\]]+\]\s*(?:/[\w/-]*\s*)?>.*$")
_ROS_FLAG_DEF = re.compile(r"(?:^|[,;:]\s*)([A-Z])\s+-\s+[A-Za-z]")
_ROS_HEADER = re.compile(r"^\s*#\s+[A-Z][A-Z0-9-]*(\s|$)")
_ALL_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def strip_ros_prompt(text: str) -> str:
    """Drop RouterOS prompt lines (``[admin@rtr-disdik] >``) netmiko sometimes leaves in the output.

    >>> strip_ros_prompt("name: rtr-x\\n[admin@rtr-x] > ")
    'name: rtr-x'
    """
    return "\n".join(line for line in text.splitlines() if not _ROS_PROMPT.match(line)).rstrip()


class RosRow(TypedDict):
    flags: str
    cells: list[str]
    comment: str | None


class RosTable(TypedDict):
    columns: list[str]
    rows: list[RosRow]


def _ros_flag_letters(lines: list[str]) -> frozenset[str]:
    """The flag letters the ``Flags:`` legend declares (6: ``X - disabled,``; 7: ``X - DISABLED;``)."""
    letters = {
        m.group(1) for line in lines if line.startswith("Flags:") for m in _ROS_FLAG_DEF.finditer(line)
    }
    return frozenset(letters) or _ALL_LETTERS


def ros_table(text: str, command: str) -> RosTable:
    """A RouterOS ``print`` table of version 6 or 7: its columns and rows (flags, cells, comment).

    Flags are the letters between the entry number and the first column; a ``;;; comment`` belongs
    to the next entry, whether it stands on its own line (RouterOS 7) or after the entry's number and
    flags with the cells on the next line (RouterOS 6).

    >>> t = ros_table('''Flags: X - disabled, I - invalid, D - dynamic
    ...  #   ADDRESS            NETWORK         INTERFACE
    ...  0   1.2.3.6/30         1.2.3.4         ether1
    ...  1 X ;;; test ip2
    ...      192.167.1.99/27    192.167.1.0     eth2_vlan2''', "/ip address print")
    >>> t["columns"], [(r["flags"], r["cells"][0], r["comment"]) for r in t["rows"]]
    (['ADDRESS', 'NETWORK', 'INTERFACE'], [('', '1.2.3.6/30', None), ('X', '192.167.1.99/27', 'test ip2')])
    >>> ros_table('''Flags: X - DISABLED; I - INVALID; D - DYNAMIC; S - SLAVE
    ... Columns: ADDRESS, NETWORK, INTERFACE
    ... #    ADDRESS            NETWORK       INTERFACE
    ... ;;; defconf
    ... 0 IS 192.168.88.1/24    192.168.88.0  ether2''', "/ip address print")["rows"]
    [{'flags': 'IS', 'cells': ['192.168.88.1/24', '192.168.88.0', 'ether2'], 'comment': 'defconf'}]
    """
    _reject_error(text, command)
    lines = strip_ros_prompt(text).splitlines()
    header = next((i for i, line in enumerate(lines) if _ROS_HEADER.match(line)), None)
    if header is None:
        if any(_ENTRY.match(line) for line in lines):
            raise ParseError(f"`{command}`: no column header (#  NAME ...) in the output")
        return RosTable(columns=[], rows=[])
    columns = lines[header].split()[1:]
    first_col = lines[header].index(columns[0])
    letters = _ros_flag_letters(lines[:header])
    rows: list[RosRow] = []
    comment: str | None = None  # RouterOS 7: a comment line before its entry
    waiting: tuple[str, str] | None = None  # RouterOS 6: (flags, comment) whose cells follow
    for line in lines[header + 1 :]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith(";;;"):
            comment = stripped[3:].strip()
            continue
        match = _ENTRY.match(line)
        if match is None:
            if waiting is not None:
                rows.append(RosRow(flags=waiting[0], cells=line.split(), comment=waiting[1]))
                waiting = None
            continue
        flags, rest = _ros_flags(line, match.start(4), first_col, letters)
        if rest.startswith(";;;"):
            waiting, comment = (flags, rest[3:].strip()), None
            continue
        rows.append(RosRow(flags=flags, cells=rest.split(), comment=comment))
        comment = None
    return RosTable(columns=columns, rows=rows)


def _ros_flags(line: str, start: int, first_col: int, letters: frozenset[str]) -> tuple[str, str]:
    """(flags, the rest) of an entry line: flag letters stand left of the first column, in one word
    (RouterOS 7: ``RS``) or in fixed places with gaps (RouterOS 6: ``D S``).

    >>> _ros_flags(" 6 D S lte1   lte", 3, 7, frozenset("DXRS"))
    ('DS', 'lte1   lte')
    >>> _ros_flags(" 3    LAN    ether", 3, 6, frozenset("DXRS"))
    ('', 'LAN    ether')
    """
    flags, pos = "", start
    for word in re.finditer(r"\S+", line[start:]):
        at = start + word.start()
        if at >= first_col or not set(word.group()) <= letters:
            break
        flags, pos = flags + word.group(), start + word.end()
    return flags, line[pos:].strip()


def _ros_cell(table: RosTable, row: RosRow, column: str) -> str | None:
    """The cell of ``column`` when the row has every column's cell (no empty or spaced cells)."""
    if column not in table["columns"] or len(row["cells"]) != len(table["columns"]):
        return None
    return row["cells"][table["columns"].index(column)]


def parse_mikrotik_interfaces(text: str) -> list[Interface]:
    """``/interface print``: X = disabled, R = running (RouterOS 6 and 7).

    >>> parse_mikrotik_interfaces('''Flags: D - DYNAMIC; X - DISABLED; R - RUNNING; S - SLAVE
    ... Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS
    ...  #    NAME          TYPE    ACTUAL-MTU  L2MTU  MAC-ADDRESS
    ...  0 R  ;;; uplink
    ...         ether1        ether         1500   1598  52:54:00:11:46:81
    ...  1 X    ether2        ether         1500   1598  52:54:00:7A:BA:F0''')[1]
    {'name': 'ether2', 'enabled': False, 'up': False, 'mac': '52:54:00:7a:ba:f0'}
    """
    table = ros_table(text, "/interface print")
    out: list[Interface] = []
    for row in table["rows"]:
        cells = row["cells"]
        if not cells:
            continue
        mac = next((c for c in reversed(cells) if normalise_mac(c) and ":" in c), None)
        out.append(
            Interface(
                name=cells[0], enabled="X" not in row["flags"], up="R" in row["flags"], mac=normalise_mac(mac)
            )
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
    table = ros_table(text, "/interface vlan print")
    out: list[VlanRow] = []
    for row in table["rows"]:
        cells = row["cells"]
        vid = _ros_cell(table, row, "VLAN-ID") or (cells[-2] if len(cells) >= 3 else "")
        if not vid.isdigit() or not 1 <= int(vid) <= 4094:
            raise ParseError(
                f"`/interface vlan print`: cannot read the VLAN id of the row {' '.join(cells)!r}"
            )
        out.append(VlanRow(vid=int(vid), name=cells[0], interfaces=[cells[0]]))
    return out


def parse_mikrotik_addresses(text: str) -> list[Address]:
    """``/ip address print`` (RouterOS 6 and 7, any flags); disabled (X) addresses are left out.

    >>> parse_mikrotik_addresses('''Flags: X - DISABLED; I - INVALID; D - DYNAMIC; S - SLAVE
    ... Columns: ADDRESS, NETWORK, INTERFACE
    ... #    ADDRESS            NETWORK       INTERFACE
    ... 0  S 10.20.3.1/24       10.20.3.0     ether2
    ... 1 X  10.20.9.1/24       10.20.9.0     ether3''')
    [{'interface': 'ether2', 'address': '10.20.3.1/24'}]
    """
    table = ros_table(text, "/ip address print")
    out: list[Address] = []
    for row in table["rows"]:
        cells = row["cells"]
        address = _ros_cell(table, row, "ADDRESS") or next((c for c in cells if "/" in c), "")
        interface = _ros_cell(table, row, "INTERFACE") or (cells[-1] if len(cells) >= 2 else "")
        if "/" not in address or not interface or not _is_ip_interface(address):
            raise ParseError(f"`/ip address print`: cannot read the row {' '.join(cells)!r}")
        if "X" not in row["flags"]:
            out.append(Address(interface=interface, address=address))
    return out


def _is_ip_interface(text: str) -> bool:
    try:
        ipaddress.ip_interface(text)
    except ValueError:
        return False
    return True


_ROS_KV = re.compile(r'([\w.-]+)=("(?:[^"\\]|\\.)*"|\S*)')
_ROS_DETAIL_ENTRY = re.compile(r"^\s*\d+\s+(?:[A-Z]{1,4}\s+)?[\w.-]+=")


def ros_detail(text: str, command: str) -> list[dict[str, str]]:
    """The entries of a RouterOS ``print detail`` (``key=value`` pairs, quotes removed; an entry's
    wrapped lines joined).

    >>> ros_detail(''' 0 interface=ether2,bridge_local identity="sw 1" system-caps=""
    ...    interface-name="ether1"
    ...
    ...  1 interface=ether3 identity=ap''', "/ip neighbor print detail")[0]
    {'interface': 'ether2,bridge_local', 'identity': 'sw 1', 'system-caps': '', 'interface-name': 'ether1'}
    """
    _reject_error(text, command)
    entries: list[list[str]] = []
    for line in strip_ros_prompt(text).splitlines():
        if _ROS_DETAIL_ENTRY.match(line):
            entries.append([line])
        elif line.strip() and entries and not line.startswith(("Flags:", "Columns:")):
            entries[-1].append(line)
    if not entries and "=" in text:
        raise ParseError(f"`{command}`: no numbered entry in the output")
    return [
        {key: value[1:-1] if value.startswith('"') else value for key, value in _ROS_KV.findall(" ".join(e))}
        for e in entries
    ]


_DISCOVERY_PREFERENCE = ("lldp", "mndp", "cdp")


def parse_mikrotik_neighbors(text: str) -> list[Neighbor]:
    """``/ip neighbor print detail`` (RouterOS 6 and 7): MNDP/LLDP/CDP entries.

    ``interface=ether2,bridge_local`` is the local port ``ether2`` in the bridge ``bridge_local``;
    ``interface-name`` is the neighbour's own port; ``discovered-by`` (RouterOS 7) names the protocol.

    >>> parse_mikrotik_neighbors(''' 0 interface=ether2,bridge_local mac-address=12:34:56:78:90:AB
    ...   identity="sw-disdik-01" interface-name="ether1" discovered-by=lldp,mndp''')
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'local_port': 'ether2', 'remote_device': 'sw-disdik-01', 'remote_port': 'ether1',
      'remote_mgmt_ip': None, 'protocol': 'lldp', 'local_bridge': 'bridge_local'}]
    """
    out: list[Neighbor] = []
    for entry in ros_detail(text, "/ip neighbor print detail"):
        local, _, bridge = entry.get("interface", "").partition(",")
        if not local:
            continue
        found = set(entry.get("discovered-by", "").split(","))
        out.append(
            Neighbor(
                local_port=local,
                remote_device=entry.get("identity") or normalise_mac(entry.get("mac-address")) or "?",
                remote_port=entry.get("interface-name") or None,
                remote_mgmt_ip=_ipv4(entry.get("address4")) or _ipv4(entry.get("address")),
                protocol=next((p for p in _DISCOVERY_PREFERENCE if p in found), None),
                local_bridge=bridge or None,
            )
        )
    return out


def _ipv4(value: str | None) -> str | None:
    """``value`` when it is an IPv4 address, else None.

    >>> _ipv4("10.0.0.1"), _ipv4("fe80::1"), _ipv4("")
    ('10.0.0.1', None, None)
    """
    try:
        return str(ipaddress.IPv4Address((value or "").strip()))
    except ValueError:
        return None


_ROS_PROTOCOLS = ("cdp", "lldp", "mndp")


def parse_mikrotik_discovery_settings(text: str) -> dict[str, bool]:
    """``/ip neighbor discovery-settings print``: which neighbour protocols run (RouterOS 6.41+).

    ``discover-interface-list: none`` turns discovery off on every port; ``protocol`` (RouterOS 7)
    lists the protocols that run; without it (RouterOS 6) CDP, LLDP and MNDP all run.

    >>> parse_mikrotik_discovery_settings("  discover-interface-list: LAN\\n  protocol: lldp,mndp")
    {'cdp': False, 'lldp': True, 'mndp': True}
    >>> parse_mikrotik_discovery_settings("  discover-interface-list: none\\n  protocol: cdp,lldp,mndp")
    {'cdp': False, 'lldp': False, 'mndp': False}
    """
    _reject_error(text, "/ip neighbor discovery-settings print")
    fields = dict(re.findall(r"^\s*([\w-]+):\s*(.*?)\s*$", strip_ros_prompt(text), re.M))
    if "discover-interface-list" not in fields:
        raise ParseError("`/ip neighbor discovery-settings print`: no discover-interface-list: line")
    running = set(fields.get("protocol", ",".join(_ROS_PROTOCOLS)).split(","))
    on = fields["discover-interface-list"] != "none"
    return {protocol: on and protocol in running for protocol in _ROS_PROTOCOLS}


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


def _listed(value: Any) -> list[Any]:
    """lldpcli's ``json`` gives one item as itself and many as a list; ``json0`` always a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _lldp_value(value: Any) -> str | None:
    """The first value of a field: ``[{"value": x}]`` (json0), ``{"value": x}`` or ``x`` (json)."""
    for item in _listed(value):
        found = item.get("value") if isinstance(item, dict) else item
        if found not in (None, ""):
            return str(found)
    return None


def _lldp_interfaces(data: Any) -> list[tuple[str, dict[str, Any]]]:
    """(local port, neighbour block) pairs of either lldpcli JSON format.

    json0: ``{"lldp": [{"interface": [{"name": "eth0", ...}]}]}``; json: ``{"lldp": {"interface":
    {"eth0": {...}}}}``, or a list of such one-key dicts when there are several.
    """
    out: list[tuple[str, dict[str, Any]]] = []
    for block in _listed(data.get("lldp") if isinstance(data, dict) else None):
        for iface in _listed(block.get("interface") if isinstance(block, dict) else None):
            if not isinstance(iface, dict):
                continue
            if "name" in iface and isinstance(iface["name"], str):
                out.append((iface["name"], iface))
            else:
                out += [(name, body) for name, body in iface.items() if isinstance(body, dict)]
    return out


def _lldp_chassis(raw: Any) -> tuple[str | None, dict[str, Any]]:
    """(system name, chassis fields): json0 lists them, json keys the chassis by its name."""
    chassis = _listed(raw)[0] if _listed(raw) else {}
    if not isinstance(chassis, dict):
        return None, {}
    if "id" in chassis or "name" in chassis:
        return _lldp_value(chassis.get("name")), chassis
    if len(chassis) == 1:
        name, body = next(iter(chassis.items()))
        return str(name), body if isinstance(body, dict) else {}
    return None, chassis


def parse_lldpcli_json0(text: str) -> list[Neighbor]:
    """``lldpcli show neighbors -f json0`` (or ``-f json``: both shapes are read).

    The remote port is the port ID, unless lldpd sent its default, the MAC address, and the port
    description names the interface (see :func:`remote_port_name`).

    >>> parse_lldpcli_json0('''{"lldp": {"interface": {"eth1": {"via": "LLDP", "chassis":
    ...   {"sw-1": {"id": {"type": "mac", "value": "52:54:00:00:00:01"}, "mgmt-ip": "10.0.0.2"}},
    ...   "port": {"id": {"type": "mac", "value": "52:54:00:00:00:02"}, "descr": "eth0"}}}}}''')
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'local_port': 'eth1', 'remote_device': 'sw-1', 'remote_port': 'eth0', 'remote_mgmt_ip': '10.0.0.2',
      'protocol': 'lldp', 'local_bridge': None}]
    """
    out: list[Neighbor] = []
    for local, iface in _lldp_interfaces(_json(text, "lldpcli show neighbors -f json0")):
        name, chassis = _lldp_chassis(iface.get("chassis"))
        ports = _listed(iface.get("port"))
        port = ports[0] if ports and isinstance(ports[0], dict) else {}
        mgmt = [_ipv4(_lldp_value(m)) for m in _listed(chassis.get("mgmt-ip"))]
        via = str(iface.get("via") or "LLDP").lower()
        out.append(
            Neighbor(
                local_port=local,
                remote_device=name or _lldp_value(chassis.get("id")) or "?",
                remote_port=remote_port_name(_lldp_value(port.get("id")), _lldp_value(port.get("descr"))),
                remote_mgmt_ip=next((m for m in mgmt if m), None),
                protocol="cdp" if via.startswith("cdp") else "lldp",
                local_bridge=None,
            )
        )
    return out
