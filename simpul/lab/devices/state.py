"""The live state of one simulated device and every answer it gives, generated from a ``LabDevice``.

One ``DeviceState`` per device lives in the server process; every SSH session of that device
shares it, so a change made in config mode is seen by the next session. ``write memory`` copies
the running state to the startup state (MikroTik, like RouterOS, persists at once).

The fakenos NOS plugin files next to this module (``nos_*.py``) map command words to the
``cmd_*`` methods below; ``LabShell`` (``shell.py``) routes config-mode lines to ``configure``.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from netutils.interface import abbreviated_interface_name

from simpul.core.intended import RegencyConfig
from simpul.lab.spec import DeviceLab, LabDevice, LabNeighbor

#: Modes a session can be in; the shell turns them into prompts.
USER, ENABLE, CONFIG, CONFIG_IF, CONFIG_VLAN = "user", "enable", "config", "config-if", "config-vlan"
#: Section sub-modes (IOS ACL, class-map, policy-map, policy-map class); the name is the prompt's.
CONFIG_ACL, CONFIG_CMAP = "config-ext-nacl", "config-cmap"
CONFIG_PMAP, CONFIG_PMAP_C = "config-pmap", "config-pmap-c"
SECTION_MODES = (CONFIG_ACL, CONFIG_CMAP, CONFIG_PMAP, CONFIG_PMAP_C)


def _mac(seed: str) -> str:
    """A stable, locally administered MAC from a seed: ``52:54:00:xx:xx:xx``."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "52:54:00:" + ":".join(f"{b:02x}" for b in digest[:3])


def _cisco_mac(mac: str) -> str:
    """``52:54:00:ab:cd:ef`` -> ``5254.00ab.cdef``."""
    hexes = mac.replace(":", "").replace("-", "").replace(".", "").lower()
    return f"{hexes[0:4]}.{hexes[4:8]}.{hexes[8:12]}"


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _uptime_words(seconds: float) -> str:
    minutes = int(seconds // 60)
    weeks, minutes = divmod(minutes, 7 * 24 * 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    for value, unit in ((weeks, "week"), (days, "day"), (hours, "hour")):
        if value:
            parts.append(f"{value} {unit}{'s' if value != 1 else ''}")
    parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return ", ".join(parts)


@dataclass
class IfState:
    name: str
    description: str = ""
    enabled: bool = True
    link_up: bool = True
    mac: str = "00:00:00:00:00:00"
    ipv4: list[str] = field(default_factory=list)  # CIDR strings, first one is primary
    access_vlan: int | None = None
    mtu: int = 1500
    speed_mbps: int = 1000
    extra: list[str] = field(default_factory=list)  # further interface lines (IOS service-policy)

    @property
    def oper_up(self) -> bool:
        return self.enabled and self.link_up


@dataclass
class Config:
    """The part of a device that ``write memory`` saves and a reboot would restore."""

    hostname: str
    interfaces: dict[str, IfState]
    vlans: dict[int, str]
    extra: list[str]  # further global lines (IOS/EOS) or RouterOS command lines
    # children of section lines kept in ``extra`` (IOS ACL / class-map / policy-map): line ->
    # {child line: [grandchild lines]} (grandchildren: a policy-map class's actions)
    sections: dict[str, dict[str, list[str]]] = field(default_factory=dict)


class DeviceState:
    """Shared state and the answers common to the IOS-like platforms."""

    platform = ""
    vendor = ""
    # Remote uptime baseline: the lab pretends every device booted 9 days before the server.
    boot_offset = 9 * 24 * 3600 + 4 * 3600 + 17 * 60

    def __init__(self, device: LabDevice, lab: DeviceLab, peers: dict[str, LabDevice] | None = None) -> None:
        self.device = device
        self.username = lab.username
        self.password = lab.password
        self.peers = peers or {}
        self.started = time.time()
        interfaces = {}
        for itf in device.interfaces:
            mac = itf.mac if itf.mac != "00:00:00:00:00:00" else _mac(f"{device.name}/{itf.name}")
            interfaces[itf.name] = IfState(
                name=itf.name,
                description=itf.description,
                enabled=itf.enabled,
                link_up=itf.link_up,
                mac=mac,
                ipv4=[itf.ipv4] if itf.ipv4 else [],
                access_vlan=itf.access_vlan,
                mtu=itf.mtu,
                speed_mbps=itf.speed_mbps,
            )
        self.running = Config(
            hostname=device.name,
            interfaces=interfaces,
            vlans={v.vid: v.name for v in device.vlans},
            # a CLI keeps an identical top-level line once (a drift may add a line NetBox also gives)
            extra=list(dict.fromkeys([*self.regency_lines(device.regency), *device.extra_config])),
        )
        self.startup = copy.deepcopy(self.running)
        self.last_change = datetime.now(UTC)
        self.saved_at = self.last_change

    # -- helpers -------------------------------------------------------------------------
    @property
    def hostname(self) -> str:
        return self.running.hostname

    @property
    def chassis_mac(self) -> str:
        return _mac(self.device.name + "/chassis")

    def uptime_seconds(self) -> float:
        return time.time() - self.started + self.boot_offset

    def neighbors(self) -> list[LabNeighbor]:
        """LLDP entries on ports whose link is up (a shut or unplugged port sees nobody)."""
        result = []
        for nbr in self.device.neighbors:
            itf = self.running.interfaces.get(nbr.local_port)
            if itf is not None and not itf.oper_up:
                continue
            result.append(nbr)
        return result

    def peer(self, name: str) -> LabDevice | None:
        return self.peers.get(name)

    def peer_description(self, nbr: LabNeighbor) -> str:
        peer = self.peer(nbr.remote_device)
        if peer is None:
            return nbr.remote_platform or "unknown"
        return describe_platform(peer)

    def touch(self) -> None:
        self.last_change = datetime.now(UTC)

    def save(self) -> None:
        self.startup = copy.deepcopy(self.running)
        self.saved_at = datetime.now(UTC)

    def vlan_ports(self, vid: int) -> list[str]:
        ports = [i.name for i in self.running.interfaces.values() if i.access_vlan == vid]
        for vlan in self.device.vlans:
            if vlan.vid == vid:
                ports += [p for p in vlan.ports if p not in ports]
        return ports

    # -- commands every IOS-like platform answers -----------------------------------------
    def cmd_empty(self, base_prompt: str = "", current_prompt: str = "", command: str = "") -> str:
        return ""

    def cmd_show_privilege(self, base_prompt: str, current_prompt: str, command: str) -> str:
        level = 1 if current_prompt.endswith(">") else 15
        return f"Current privilege level is {level}"

    def cmd_show_clock(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return datetime.now(UTC).strftime("*%H:%M:%S.000 UTC %a %b %d %Y")

    def cmd_write_memory(self, base_prompt: str, current_prompt: str, command: str) -> str:
        self.save()
        return "[OK]"

    def configure(self, line: str, mode: str, context: str) -> tuple[str, str, str]:
        """Apply one config-mode line: returns (output, new mode, new context)."""
        raise NotImplementedError

    def regency_lines(self, regency: RegencyConfig) -> list[str]:
        """The regency-wide lines (NetBox config context) as this platform writes them.

        They live in the running config's ``extra`` lines, so a pushed change (``no ntp server X``,
        ``/system ntp client set ...``) changes them like any other line.
        """
        return []


def describe_platform(device: LabDevice) -> str:
    if device.platform == "cisco_ios":
        return f"Cisco IOS Software, {device.model} Software, Version {device.os_version}, RELEASE SOFTWARE"
    if device.platform == "arista_eos":
        return f"Arista Networks EOS version {device.os_version} running on an Arista {device.model}"
    if device.platform == "mikrotik_routeros":
        return f"MikroTik RouterOS {device.os_version} (stable) {device.model}"
    return f"{device.platform} {device.model} {device.os_version}"


_IOS_MASK_RE = re.compile(r"^ip address (\S+) (\S+)( secondary)?$")


class IosLikeState(DeviceState):
    """Config-mode grammar shared by Cisco IOS and Arista EOS (interfaces, VLANs, global lines)."""

    def configure(self, line: str, mode: str, context: str) -> tuple[str, str, str]:
        """One config-mode line: (output, next mode, next context), as the device would take it."""
        words = line.split()
        if line in ("end", "exit"):
            return self._leave(line, mode, context)
        if mode in SECTION_MODES:
            handled = self._configure_section(line, mode, context)
            if handled is not None:
                return handled
            mode, context = CONFIG, ""  # not a sub-mode command: IOS tries it as a global one
        section = self._section_mode(words)
        if section is not None:
            self._keep_line(line)
            self.running.sections.setdefault(line, {})
            return "", section, line
        if words[0] == "do" and len(words) > 1:
            return "\x00do " + " ".join(words[1:]), mode, context  # the shell runs it as exec command
        # Global commands that also leave a sub-mode, as on a real device.
        entered = self._enter_submode(words, mode, context)
        if entered is not None:
            return entered
        handled = self._configure_submode(line, words, mode, context)
        if handled is not None:
            return handled
        return self._configure_global(line, words, mode, context)

    @staticmethod
    def _leave(line: str, mode: str, context: str) -> tuple[str, str, str]:
        """``end`` (back to enable) or ``exit`` (one level up)."""
        if line == "end":
            return "", ENABLE, ""
        if mode == CONFIG_PMAP_C:
            return "", CONFIG_PMAP, context.partition("\x1f")[0]
        return "", (CONFIG if mode in (CONFIG_IF, CONFIG_VLAN, *SECTION_MODES) else ENABLE), ""

    #: Global commands a device holds once: a new value replaces the old line (as IOS and EOS do).
    SINGLE_VALUED = (
        "clock timezone ",
        "snmp-server location ",
        "snmp-server contact ",
        "ip domain name ",
        "ip domain-name ",
        "logging trap ",
        "banner motd ",
    )

    def _keep_line(self, line: str) -> None:
        if line in self.running.extra:
            return
        single = next((p for p in self.SINGLE_VALUED if line.startswith(p)), None)
        if single is not None:
            self.running.extra = [x for x in self.running.extra if not x.startswith(single)]
        self.running.extra.append(line)
        self.touch()

    @staticmethod
    def rejects(words: list[str]) -> bool:
        """Lines the lab device refuses like a real one (so a push that sends one is rolled back):
        ``ntp server`` / ``logging host`` without a valid address, ``snmp-server location`` without text.
        """
        if words[:2] in (["ntp", "server"], ["logging", "host"]):
            target = words[2] if len(words) > 2 else ""
            return not re.fullmatch(r"(\d{1,3}\.){3}\d{1,3}|[a-z][\w.-]*", target) or (
                target[0].isdigit() and not _is_ipv4(target)
            )
        return words[:2] in (["snmp-server", "location"], ["snmp-server", "contact"]) and len(words) < 3

    def regency_lines(self, regency: RegencyConfig) -> list[str]:
        aaa = regency.aaa
        return [
            *(
                [
                    "aaa new-model",
                    f"aaa authentication login default {aaa.authentication}",
                    f"aaa authorization exec default {aaa.authorization}",
                ]
                if aaa.new_model
                else []
            ),
            *self.dns_lines(regency),
            f"logging trap {regency.syslog_level}",
            *(f"logging host {s}" for s in regency.syslog_servers),
            *(f"ntp server {s}" for s in regency.ntp_servers),
            f"clock timezone {regency.timezone}",
            f"snmp-server location {regency.snmp.location}",
            f"snmp-server contact {regency.snmp.contact}",
            *(["lldp run"] if regency.lldp else []),
            *([self.banner_line(regency.banner)] if regency.banner else []),
        ]

    def dns_lines(self, regency: RegencyConfig) -> list[str]:
        return [f"ip domain name {regency.domain}", *(f"ip name-server {s}" for s in regency.dns_servers)]

    def banner_line(self, text: str) -> str:
        return f"banner motd ^C{text}^C"

    def _enter_submode(self, words: list[str], mode: str, context: str) -> tuple[str, str, str] | None:
        """``interface NAME`` / ``vlan N``: into that sub-mode (creating a logical interface or VLAN)."""
        cfg = self.running
        if words[0] == "interface" and len(words) >= 2:
            name = self.canonical_interface(" ".join(words[1:]))
            if name not in cfg.interfaces:
                if not re.match(r"^(Loopback|Vlan|Tunnel|Port-channel)\d+", name):
                    return self.invalid(), mode, context
                cfg.interfaces[name] = IfState(name=name, mac=self.chassis_mac)
                self.touch()
            return "", CONFIG_IF, name
        if words[0] == "vlan" and len(words) == 2 and words[1].isdigit():
            vid = int(words[1])
            if vid not in cfg.vlans:
                cfg.vlans[vid] = f"VLAN{vid:04d}"
                self.touch()
            return "", CONFIG_VLAN, str(vid)
        return None

    def _configure_submode(
        self, line: str, words: list[str], mode: str, context: str
    ) -> tuple[str, str, str] | None:
        """A line of the interface or VLAN sub-mode; None when it is not one of theirs."""
        cfg = self.running
        if mode == CONFIG_IF and context in cfg.interfaces:
            out = self._configure_interface(cfg.interfaces[context], line)
            if out is not None:
                return out, mode, context
        if mode == CONFIG_VLAN and context.isdigit() and words[0] == "name" and len(words) >= 2:
            cfg.vlans[int(context)] = " ".join(words[1:])
            self.touch()
            return "", mode, context
        return None

    def _configure_global(self, line: str, words: list[str], mode: str, context: str) -> tuple[str, str, str]:
        """hostname, ``no vlan N``; any other global line is kept verbatim (``no <line>`` removes it).

        Enough for idempotent pushes of ntp/logging/snmp/banner-style lines.
        """
        cfg = self.running
        if words[0] == "hostname" and len(words) == 2:
            cfg.hostname = words[1]
            self.touch()
        elif words[:1] == ["no"] and len(words) == 3 and words[1] == "vlan" and words[2].isdigit():
            cfg.vlans.pop(int(words[2]), None)
            self.touch()
        elif mode in (CONFIG_IF, CONFIG_VLAN) or self.rejects(words):
            return self.invalid(), mode, context
        elif words in (["no", "cdp", "run"], ["cdp", "run"]):  # a default: only its negation shows
            self._set_line("no cdp run", present=words[0] == "no")
        elif words[0] == "no":
            target = " ".join(words[1:])
            kept = [x for x in cfg.extra if x != target and not x.startswith(target + " ")]
            if kept != cfg.extra:
                for gone in set(cfg.extra) - set(kept):
                    cfg.sections.pop(gone, None)
                cfg.extra = kept
                self.touch()
        else:
            self._keep_line(line)
        return "", CONFIG, ""

    def _set_line(self, line: str, *, present: bool) -> None:
        """Keep or drop one verbatim global line."""
        cfg = self.running
        if present and line not in cfg.extra:
            cfg.extra.append(line)
            self.touch()
        elif not present and line in cfg.extra:
            cfg.extra.remove(line)
            self.touch()

    @staticmethod
    def _section_mode(words: list[str]) -> str | None:
        """The sub-mode a global line opens (IOS ACL, class-map, policy-map), or None."""
        if words[:2] == ["ip", "access-list"] and len(words) >= 4 and words[2] in ("extended", "standard"):
            return CONFIG_ACL
        if words[0] == "class-map" and len(words) >= 2:
            return CONFIG_CMAP
        if words[0] == "policy-map" and len(words) >= 2:
            return CONFIG_PMAP
        return None

    _PMAP_C_ACTIONS = (
        "bandwidth",
        "shape",
        "service-policy",
        "fair-queue",
        "police",
        "priority",
        "set",
        "queue-limit",
        "random-detect",
    )

    def _configure_section(self, line: str, mode: str, context: str) -> tuple[str, str, str] | None:
        """A line inside an ACL / class-map / policy-map (class); None when it is none of theirs."""
        header, _, klass = context.partition("\x1f")
        children = self.running.sections.setdefault(header, {})
        words = line.split()
        negate = words[0] == "no" and len(words) > 1
        body = words[1:] if negate else words
        if mode == CONFIG_PMAP_C:
            if body[0] in self._PMAP_C_ACTIONS:
                self._class_action(children.setdefault(klass, []), body, negate)
                return "", mode, context
            return self._configure_section(line, CONFIG_PMAP, header)
        if mode == CONFIG_PMAP:
            return self._policy_map_line(children, body, negate, header)
        if mode == CONFIG_CMAP:
            if body[0] in ("match", "description"):
                return self._section_line(children, body, negate, mode, header)
            return None
        return self._acl_line(children, body, negate, mode, header)

    def _class_action(self, actions: list[str], body: list[str], negate: bool) -> None:
        """An action of a policy-map class; a new value replaces the old one where it stood (as IOS)."""
        key = " ".join(body[:2]) if body[0] in ("shape", "service-policy") else body[0]
        same = [n for n, a in enumerate(actions) if a == key or a.startswith(key + " ")]
        kept = [a for n, a in enumerate(actions) if n not in same]
        if not negate:
            kept.insert(same[0] if same else len(kept), " ".join(body))
        actions[:] = kept
        self.touch()

    def _policy_map_line(
        self, children: dict[str, list[str]], body: list[str], negate: bool, header: str
    ) -> tuple[str, str, str] | None:
        """``class NAME`` (into the class, or ``no`` removes it) or a description of a policy-map."""
        if body[0] == "class" and len(body) >= 2:
            child = " ".join(body)
            if negate:
                children.pop(child, None)
                self.touch()
                return "", CONFIG_PMAP, header
            if child not in children:
                children[child] = []
                self.touch()
            return "", CONFIG_PMAP_C, header + "\x1f" + child
        if body[0] == "description":
            return self._section_line(children, body, negate, CONFIG_PMAP, header)
        return None

    def _acl_line(
        self, children: dict[str, list[str]], body: list[str], negate: bool, mode: str, header: str
    ) -> tuple[str, str, str] | None:
        """An ACL entry, with or without a sequence number (IOS prints them without)."""
        seq = int(body[0]) if body and body[0].isdigit() else None
        entry = body[1:] if seq is not None else body
        if negate and seq is not None and not entry:
            keys = list(children)
            if 0 < seq // 10 <= len(keys) and seq % 10 == 0:
                children.pop(keys[seq // 10 - 1])
                self.touch()
            return "", mode, header
        if not entry or entry[0] not in ("permit", "deny", "remark"):
            return None
        text = " ".join(entry)
        if negate:
            children.pop(text, None)
        elif text not in children:
            keys = list(children)
            at = len(keys) if seq is None else min(len(keys), max(0, (seq - 1) // 10))
            keys.insert(at, text)
            rebuilt = {k: children.get(k, []) for k in keys}
            children.clear()
            children.update(rebuilt)
        self.touch()
        return "", mode, header

    def _section_line(
        self, children: dict[str, list[str]], body: list[str], negate: bool, mode: str, header: str
    ) -> tuple[str, str, str]:
        text = " ".join(body)
        if negate:
            for key in [k for k in children if k == text or k.startswith(text + " ")]:
                children.pop(key)
        else:
            children.setdefault(text, [])
        self.touch()
        return "", mode, header

    def _configure_interface(self, itf: IfState, line: str) -> str | None:
        """A line of the interface sub-mode: "" when taken, an error text, or None when not one of its."""
        words = line.split()
        if self.platform == "cisco_ios" and words[-3:-2] == ["service-policy"] and len(words) in (3, 4):
            return self._interface_service_policy(itf, words)
        if line.startswith("ip address ") and len(words) >= 3:
            return self._interface_address(itf, line, words)
        if words[0] == "description":
            itf.description = line.split(None, 1)[1] if len(words) > 1 else ""
        elif line == "no description":
            itf.description = ""
        elif line in ("shutdown", "no shutdown"):
            itf.enabled = line == "no shutdown"
        elif line == "no ip address":
            itf.ipv4 = []
        elif words[:3] == ["switchport", "access", "vlan"] and len(words) == 4 and words[3].isdigit():
            itf.access_vlan = int(words[3])
        elif words[:1] == ["mtu"] and len(words) == 2 and words[1].isdigit():
            itf.mtu = int(words[1])
        elif words[0] in ("switchport", "no", "spanning-tree", "speed", "duplex", "negotiation"):
            return ""  # accepted, not modelled
        else:
            return None
        self.touch()
        return ""

    def _interface_service_policy(self, itf: IfState, words: list[str]) -> str | None:
        """``[no] service-policy input|output NAME``: one policy per direction."""
        negate = words[0] == "no"
        if negate and len(words) != 4:
            return None
        direction = " ".join(words[-3:-1])
        itf.extra = [x for x in itf.extra if not x.startswith(direction + " ")]
        if not negate:
            itf.extra.append(" ".join(words[-3:]))
        self.touch()
        return ""

    def _interface_address(self, itf: IfState, line: str, words: list[str]) -> str:
        """``ip address A M [secondary]``: the primary replaced, a secondary added."""
        cidr = self._cidr(words[2:])
        if cidr is None:
            return self.invalid()
        if line.endswith(" secondary"):
            if cidr not in itf.ipv4:
                itf.ipv4.append(cidr)
        else:
            itf.ipv4 = [cidr, *itf.ipv4[1:]]
        self.touch()
        return ""

    @staticmethod
    def _cidr(args: list[str]) -> str | None:
        try:
            if "/" in args[0]:
                return str(ipaddress.ip_interface(args[0]))
            iface = ipaddress.ip_interface(f"{args[0]}/{args[1]}")
            return f"{iface.ip}/{iface.network.prefixlen}"
        except (ValueError, IndexError):
            return None

    def canonical_interface(self, name: str) -> str:
        name = name.replace(" ", "")
        for full in self.running.interfaces:
            if full.lower() == name.lower():
                return full
            if abbreviated_interface_name(full).lower() == name.lower():
                return full
        prefixes = {
            "gi": "GigabitEthernet",
            "fa": "FastEthernet",
            "te": "TenGigabitEthernet",
            "et": "Ethernet",
            "lo": "Loopback",
            "vl": "Vlan",
            "ma": "Management",
        }
        match = re.match(r"^([A-Za-z-]+)(\d.*)$", name)
        if match:
            word, number = match.groups()
            for short, full in prefixes.items():
                if full.lower().startswith(word.lower()) and word.lower().startswith(short):
                    return full + number
        return name

    def invalid(self) -> str:
        return "% Invalid input detected at '^' marker."

    @staticmethod
    def _netmask(cidr: str) -> tuple[str, str]:
        iface = ipaddress.ip_interface(cidr)
        return str(iface.ip), str(iface.network.netmask)


# =========================================================================================
# Cisco IOS
# =========================================================================================
class IosState(IosLikeState):
    platform = "cisco_ios"
    vendor = "Cisco"

    def render_config(self, cfg: Config, *, startup: bool = False) -> str:
        s = self.device.secrets
        lines = [
            "version " + ".".join(self.device.os_version.split(".")[:2]),
            "service timestamps debug datetime msec",
            "service timestamps log datetime msec",
            "service password-encryption",
            "!",
            f"hostname {cfg.hostname}",
            "!",
            "boot-start-marker",
            "boot-end-marker",
            "!",
            f"enable secret 9 {s.enable_secret}",
            "!",
            "ip ssh version 2",
            "!",
            f"username {self.username} privilege 15 secret 9 {s.user_password}",
            "!",
            "crypto isakmp policy 10",
            " encr aes 256",
            " hash sha256",
            " authentication pre-share",
            " group 14",
            f"crypto isakmp key {s.ipsec_psk} address 0.0.0.0",
            "!",
        ]
        for vid, name in sorted(cfg.vlans.items()):
            lines += [f"vlan {vid}", f" name {name}", "!"]
        for itf in cfg.interfaces.values():
            lines.append(f"interface {itf.name}")
            if itf.description:
                lines.append(f" description {itf.description}")
            if itf.access_vlan is not None:
                lines += [" switchport mode access", f" switchport access vlan {itf.access_vlan}"]
            if itf.ipv4:
                for n, cidr in enumerate(itf.ipv4):
                    ip, mask = self._netmask(cidr)
                    lines.append(f" ip address {ip} {mask}" + (" secondary" if n else ""))
            elif itf.access_vlan is None:
                lines.append(" no ip address")
            if itf.mtu != 1500:
                lines.append(f" mtu {itf.mtu}")
            lines += [f" {x}" for x in itf.extra]
            if not itf.enabled:
                lines.append(" shutdown")
            lines.append("!")
        lines += [
            "ip forward-protocol nd",
            "no ip http server",
            "no ip http secure-server",
            "!",
            f"snmp-server community {s.snmp_community} RO",
            "!",
        ]
        for entry in cfg.extra:
            lines.append(entry)
            for child, grandchildren in cfg.sections.get(entry, {}).items():
                lines.append(f" {child}")
                lines += [f"  {g}" for g in grandchildren]
        lines += [
            "!",
            "line con 0",
            " logging synchronous",
            "line vty 0 4",
            " transport input ssh",
            "!",
            "end",
        ]
        body = "\n".join(lines)
        stamp = (self.saved_at if startup else self.last_change).strftime("%H:%M:%S UTC %a %b %d %Y")
        if startup:
            head = f"Using {len(body)} out of 262144 bytes\n!\n! NVRAM config last updated at {stamp}\n!"
            return head + "\n" + body
        head = (
            f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n!\n"
            f"! Last configuration change at {stamp} by {self.username}\n!"
        )
        return head + "\n" + body

    def cmd_show_running_config(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return self.render_config(self.running)

    def cmd_show_startup_config(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return self.render_config(self.startup, startup=True)

    def cmd_write_memory(self, base_prompt: str, current_prompt: str, command: str) -> str:
        self.save()
        return "Building configuration...\n[OK]"

    def cmd_show_version(self, base_prompt: str, current_prompt: str, command: str) -> str:
        d = self.device
        model = d.model.replace(" ", "-")
        train = model.split("-")[0].upper()
        return "\n".join(
            [
                f"Cisco IOS Software, {train} Software ({train}-UNIVERSALK9-M), Version {d.os_version}, "
                "RELEASE SOFTWARE (fc2)",
                "Technical Support: http://www.cisco.com/techsupport",
                "Copyright (c) 1986-2023 by Cisco Systems, Inc.",
                "Compiled Thu 20-Jul-23 10:12 by prod_rel_team",
                "",
                f"ROM: Bootstrap program is {train} boot loader",
                "",
                f"{self.hostname} uptime is {_uptime_words(self.uptime_seconds())}",
                "System returned to ROM by power-on",
                f'System image file is "flash:{train.lower()}-universalk9-mz.bin"',
                "",
                f"cisco {model} (revision 1.0) processor with 1795999K/6147K bytes of memory.",
                f"Processor board ID {d.serial}",
                f"{len(self.running.interfaces)} Gigabit Ethernet interfaces",
                "32768K bytes of non-volatile configuration memory.",
                "",
                f"Model number                    : {model}",
                f"System serial number            : {d.serial}",
                "",
                "Configuration register is 0x2102",
            ]
        )

    def cmd_show_hosts(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return (
            "Default domain is sekadau.go.id\nName/address lookup uses domain service\n"
            "Name servers are 10.10.0.53\n\nCodes: UN - unknown, EX - expired, OK - OK, ?? - revalidate\n"
            "       temp - temporary, perm - permanent\n       NA - Not Applicable None - Not defined\n\n"
            "Host                      Port  Flags      Age Type   Address(es)"
        )

    def _status(self, itf: IfState) -> tuple[str, str]:
        if not itf.enabled:
            return "administratively down", "down"
        return ("up", "up") if itf.link_up else ("down", "down")

    def cmd_show_interfaces(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = []
        for itf in self.running.interfaces.values():
            status, proto = self._status(itf)
            hw = "iGbE" if itf.name.startswith("Gigabit") else "EtherSVI"
            out.append(f"{itf.name} is {status}, line protocol is {proto} ")
            mac = _cisco_mac(itf.mac)
            out.append(f"  Hardware is {hw}, address is {mac} (bia {mac})")
            if itf.description:
                out.append(f"  Description: {itf.description}")
            if itf.ipv4:
                out.append(f"  Internet address is {itf.ipv4[0]}")
            out += [
                f"  MTU {itf.mtu} bytes, BW {itf.speed_mbps * 1000} Kbit/sec, DLY 10 usec, ",
                "     reliability 255/255, txload 1/255, rxload 1/255",
                "  Encapsulation ARPA, loopback not set",
                "  Keepalive set (10 sec)",
                f"  Full Duplex, {itf.speed_mbps}Mbps, media type is RJ45",
                "  ARP type: ARPA, ARP Timeout 04:00:00",
                "  Last input 00:00:00, output 00:00:00, output hang never",
                '  Last clearing of "show interface" counters never',
                "  Input queue: 0/375/0/0 (size/max/drops/flushes); Total output drops: 0",
                "     0 packets input, 0 bytes, 0 no buffer",
                "     0 packets output, 0 bytes, 0 underruns",
            ]
        return "\n".join(out)

    def cmd_show_ip_interface(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = []
        for itf in self.running.interfaces.values():
            status, proto = self._status(itf)
            out.append(f"{itf.name} is {status}, line protocol is {proto}")
            if itf.ipv4:
                out.append(f"  Internet address is {itf.ipv4[0]}")
                out += [f"  Secondary address {c}" for c in itf.ipv4[1:]]
                out += ["  Broadcast address is 255.255.255.255", f"  MTU is {itf.mtu} bytes"]
            else:
                out.append("  Internet protocol processing disabled")
        return "\n".join(out)

    def cmd_show_ip_interface_brief(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = [f"{'Interface':<27}{'IP-Address':<16}OK? Method Status                Protocol"]
        for itf in self.running.interfaces.values():
            status, proto = self._status(itf)
            ip = ipaddress.ip_interface(itf.ipv4[0]).ip if itf.ipv4 else "unassigned"
            method = "NVRAM" if itf.ipv4 else "unset"
            out.append(f"{itf.name:<27}{ip!s:<16}YES {method:<7}{status:<22}{proto}")
        return "\n".join(out)

    def cmd_show_vlan(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = [
            "",
            "VLAN Name                             Status    Ports",
            "---- -------------------------------- --------- -------------------------------",
        ]
        vlans = {1: "default", **self.running.vlans}
        for vid, name in sorted(vlans.items()):
            ports = ", ".join(abbreviated_interface_name(p) for p in self.vlan_ports(vid))
            out.append(f"{vid:<4} {name:<32} {'active':<9} {ports}".rstrip())
        if "brief" not in command:
            out += ["", "VLAN Type  SAID       MTU   Parent RingNo BridgeNo Stp  BrdgMode Trans1 Trans2"]
            out += ["---- ----- ---------- ----- ------ ------ -------- ---- -------- ------ ------"]
            out += [
                f"{vid:<4} enet  {100000 + vid:<10} 1500  -      -      -        -    -        0      0"
                for vid in sorted(vlans)
            ]
        return "\n".join(out)

    # IOS ships with CDP on and LLDP off: ``lldp run`` turns LLDP on, ``no cdp run`` turns CDP off
    @property
    def lldp_on(self) -> bool:
        return "lldp run" in self.running.extra

    @property
    def cdp_on(self) -> bool:
        return "no cdp run" not in self.running.extra

    def cmd_show_cdp_neighbors_detail(self, base_prompt: str, current_prompt: str, command: str) -> str:
        """CDP entries of the neighbours that speak it (Cisco, and MikroTik with CDP in its protocols)."""
        if not self.cdp_on:
            return "% CDP is not enabled"
        out: list[str] = []
        for n in self.neighbors():
            peer = self.peer(n.remote_device)
            platform = peer.platform if peer else ""
            if platform not in ("cisco_ios", "mikrotik_routeros"):
                continue
            mgmt = n.remote_mgmt_ip or (peer.mgmt_ip if peer else None)
            caps = "Router Switch IGMP" if self._is_router(n.remote_device) else "Switch IGMP"
            model = ("cisco " if platform == "cisco_ios" else "MikroTik ") + (peer.model if peer else "")
            out += [
                "-------------------------",
                f"Device ID: {n.remote_device}",
                "Entry address(es): ",
                *([f"  IP address: {mgmt}"] if mgmt else []),
                f"Platform: {model},  Capabilities: {caps} ",
                f"Interface: {n.local_port},  Port ID (outgoing port): {n.remote_port}",
                "Holdtime : 134 sec",
                "",
                "Version :",
                self.peer_description(n),
                "",
                "advertisement version: 2",
                "Duplex: full",
                "Management address(es): ",
                *([f"  IP address: {mgmt}"] if mgmt else []),
                "",
            ]
        return "\n".join(out)

    def cmd_show_lldp_neighbors(self, base_prompt: str, current_prompt: str, command: str) -> str:
        if not self.lldp_on:
            return "% LLDP is not enabled"
        nbrs = self.neighbors()
        out = [
            "Capability codes:",
            "    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
            "    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other",
            "",
            "Device ID           Local Intf     Hold-time  Capability      Port ID",
        ]
        for n in nbrs:
            caps = "R" if self._is_router(n.remote_device) else "B"
            local = abbreviated_interface_name(n.local_port)
            out.append(f"{n.remote_device[:20]:<20}{local:<15}{120:<11}{caps:<16}{n.remote_port}")
        out += ["", f"Total entries displayed: {len(nbrs)}"]
        return "\n".join(out)

    def _is_router(self, name: str) -> bool:
        peer = self.peer(name)
        role = (peer.role or "") if peer else ""
        return "router" in role or "edge" in role or name.startswith(("rtr-", "core-"))

    def cmd_show_lldp_neighbors_detail(self, base_prompt: str, current_prompt: str, command: str) -> str:
        if not self.lldp_on:
            return "% LLDP is not enabled"
        nbrs = self.neighbors()
        out: list[str] = []
        for n in nbrs:
            peer = self.peer(n.remote_device)
            chassis = (
                n.remote_mac if n.remote_mac != "00:00:00:00:00:00" else _mac(n.remote_device + "/chassis")
            )
            caps = "B,R" if self._is_router(n.remote_device) else "B"
            mgmt = n.remote_mgmt_ip or (peer.mgmt_ip if peer else None)
            out += [
                "------------------------------------------------",
                f"Local Intf: {abbreviated_interface_name(n.local_port)}",
                f"Chassis id: {_cisco_mac(chassis)}",
                f"Port id: {n.remote_port}",
                f"Port Description: {n.remote_port}",
                f"System Name: {n.remote_device}",
                "",
                "System Description: ",
                self.peer_description(n),
                "",
                "Time remaining: 104 seconds",
                f"System Capabilities: {caps}",
                f"Enabled Capabilities: {caps}",
                "Management Addresses:",
                f"    IP: {mgmt}" if mgmt else "    - not advertised",
                "Auto Negotiation - supported, enabled",
                "Physical media capabilities:",
                "    1000baseT(FD)",
                "Media Attachment Unit type: 30",
                "Vlan ID: - not advertised",
                "",
            ]
        out += ["", f"Total entries displayed: {len(nbrs)}"]
        return "\n".join(out)

    def cmd_show_ipv6_interface(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return ""


# =========================================================================================
# Arista EOS
# =========================================================================================
class EosState(IosLikeState):
    platform = "arista_eos"
    vendor = "Arista"

    def invalid(self) -> str:
        return "% Invalid input"

    def dns_lines(self, regency: RegencyConfig) -> list[str]:
        return [
            f"ip domain-name {regency.domain}",
            *(f"ip name-server vrf default {s}" for s in regency.dns_servers),
        ]

    def banner_line(self, text: str) -> str:
        return f"banner motd {text}"

    def regency_lines(self, regency: RegencyConfig) -> list[str]:
        return [x for x in super().regency_lines(regency) if x != "aaa new-model"]

    def render_config(self, cfg: Config, *, startup: bool = False) -> str:
        s = self.device.secrets
        lines = [
            f"! Command: show {'startup' if startup else 'running'}-config",
            f"! device: {cfg.hostname} ({self.device.model}, EOS-{self.device.os_version})",
            "!",
            "! boot system flash:/EOS.swi",
            "!",
            "no aaa root",
            "!",
            f"username {self.username} privilege 15 role network-admin secret sha512 {s.user_password}",
            "!",
            "transceiver qsfp default-mode 4x10G",
            "!",
            "service routing protocols model multi-agent",
            "!",
            f"hostname {cfg.hostname}",
            "!",
            f"snmp-server community {s.snmp_community} ro",
            "!",
            "spanning-tree mode mstp",
            "!",
            f"enable password sha512 {s.enable_secret}",
            "!",
        ]
        for vid, name in sorted(cfg.vlans.items()):
            lines += [f"vlan {vid}", f"   name {name}", "!"]
        for itf in cfg.interfaces.values():
            lines.append(f"interface {itf.name}")
            if itf.description:
                lines.append(f"   description {itf.description}")
            if not itf.enabled:
                lines.append("   shutdown")
            if itf.mtu != 1500:
                lines.append(f"   mtu {itf.mtu}")
            if itf.access_vlan is not None:
                lines.append(f"   switchport access vlan {itf.access_vlan}")
            if itf.ipv4:
                lines.append("   no switchport")
                for n, cidr in enumerate(itf.ipv4):
                    lines.append(f"   ip address {cidr}" + (" secondary" if n else ""))
            lines.append("!")
        lines += [
            "ip routing",
            "!",
            "ip security",
            "   ike policy IKE-SKPD",
            "      encryption aes256",
            "   sa policy SA-SKPD",
            "   profile VPN-SKPD",
            "      ike-policy IKE-SKPD",
            "      sa-policy SA-SKPD",
            f"      shared-key 7 {s.ipsec_psk}",
            "!",
        ]
        lines += cfg.extra
        lines += ["!", "management api http-commands", "   no shutdown", "!", "end"]
        return "\n".join(lines)

    def cmd_show_running_config(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return self.render_config(self.running)

    def cmd_show_startup_config(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return self.render_config(self.startup, startup=True)

    def cmd_write_memory(self, base_prompt: str, current_prompt: str, command: str) -> str:
        self.save()
        return "Copy completed successfully."

    def _uptime_eos(self) -> str:
        words = _uptime_words(self.uptime_seconds())
        head, _, tail = words.rpartition(", ")
        return f"{head} and {tail}" if head else tail

    def cmd_show_version(self, base_prompt: str, current_prompt: str, command: str) -> str:
        d = self.device
        mac = _cisco_mac(self.chassis_mac)
        return "\n".join(
            [
                f"Arista {d.model}",
                "Hardware version: 11.01",
                f"Serial number: {d.serial}",
                f"Hardware MAC address: {mac}",
                f"System MAC address: {mac}",
                "",
                f"Software image version: {d.os_version}",
                "Architecture: x86_64",
                f"Internal build version: {d.os_version}-30446114.4273F",
                "Internal build ID: 7da0b2a5-1a5f-4ab1-9a72-36ef7a5d8ba5",
                "Image format version: 3.0",
                "Image optimization: Default",
                "",
                f"Uptime: {self._uptime_eos()}",
                "Total memory: 8099732 kB",
                "Free memory: 6122428 kB",
            ]
        )

    def cmd_show_hostname(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return f"Hostname: {self.hostname}\nFQDN:     {self.hostname}.sekadau.go.id"

    def _status(self, itf: IfState) -> tuple[str, str, str]:
        if not itf.enabled:
            return "administratively down", "down", "disabled"
        return ("up", "up", "connected") if itf.link_up else ("down", "down", "notconnect")

    def cmd_show_interfaces(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = []
        for itf in self.running.interfaces.values():
            status, proto, state = self._status(itf)
            mac = _cisco_mac(itf.mac)
            out.append(f"{itf.name} is {status}, line protocol is {proto} ({state})")
            out.append(f"  Hardware is Ethernet, address is {mac} (bia {mac})")
            if itf.description:
                out.append(f"  Description: {itf.description}")
            if itf.ipv4:
                out += [f"  Internet address is {itf.ipv4[0]}", "  Broadcast address is 255.255.255.255"]
            out += [
                f"  IP MTU {itf.mtu} bytes , BW {itf.speed_mbps * 1000} kbit",
                f"  Full-duplex, {itf.speed_mbps // 1000 or 1}Gb/s, auto negotiation: off, uplink: off",
                "  Up 9 days, 4 hours, 17 minutes",
                "  Loopback Mode : None",
                "  0 link status changes since last clear",
            ]
        return "\n".join(out)

    def cmd_show_ip_interface_brief(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = [
            "                                                                Address",
            "Interface         IP Address           Status       Protocol           MTU    Owner",
            "----------------- -------------------- ------------ -------------- ---------- -------",
        ]
        for itf in self.running.interfaces.values():
            if not itf.ipv4:
                continue
            status, proto, _ = self._status(itf)
            status = "adm down" if status.startswith("admin") else status
            out.append(f"{itf.name:<18}{itf.ipv4[0]:<21}{status:<13}{proto:<15}{itf.mtu:<11}")
        return "\n".join(out)

    def cmd_show_vlan(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = [
            "VLAN  Name                             Status    Ports",
            "----- -------------------------------- --------- -------------------------------",
        ]
        vlans = {1: "default", **self.running.vlans}
        for vid, name in sorted(vlans.items()):
            ports = ", ".join(abbreviated_interface_name(p) for p in self.vlan_ports(vid))
            out.append(f"{vid:<5} {name:<32} {'active':<9} {ports}".rstrip())
        return "\n".join(out)

    def cmd_show_lldp_neighbors(self, base_prompt: str, current_prompt: str, command: str) -> str:
        nbrs = self.neighbors()
        out = [
            "Last table change time   : 0:12:34 ago",
            f"Number of table inserts  : {len(nbrs)}",
            "Number of table deletes  : 0",
            "Number of table drops    : 0",
            "Number of table age-outs : 0",
            "",
            "Port          Neighbor Device ID       Neighbor Port ID    TTL",
            "---------- ------------------------ ---------------------- ---",
        ]
        for n in nbrs:
            local = abbreviated_interface_name(n.local_port)
            out.append(f"{local:<11}{n.remote_device:<25}{n.remote_port:<23}120")
        return "\n".join(out)

    def cmd_show_lldp_neighbors_detail(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out: list[str] = []
        for n in self.neighbors():
            peer = self.peer(n.remote_device)
            chassis = _cisco_mac(
                n.remote_mac if n.remote_mac != "00:00:00:00:00:00" else _mac(n.remote_device + "/chassis")
            )
            mgmt = n.remote_mgmt_ip or (peer.mgmt_ip if peer else None)
            out += [
                f"Interface {n.local_port} detected 1 LLDP neighbors:",
                "",
                f'  Neighbor {chassis}/"{n.remote_port}", age 8 seconds',
                "  Discovered 0:12:34 ago; Last changed 0:12:34 ago",
                "  - Chassis ID type: MAC address (4)",
                f"    Chassis ID     : {chassis}",
                "  - Port ID type: Interface name (5)",
                f'    Port ID     : "{n.remote_port}"',
                "  - Time To Live: 120 seconds",
                f'  - Port Description: "{n.remote_port}"',
                f'  - System Name: "{n.remote_device}"',
                f'  - System Description: "{self.peer_description(n)}"',
                "  - System Capabilities : Bridge, Router",
                "    Enabled Capabilities: Bridge, Router",
            ]
            if mgmt:
                out += ["  - Management Address Subtype: IPv4 (1)", f"    Management Address        : {mgmt}"]
            out.append("")
        return "\n".join(out)


# =========================================================================================
# MikroTik RouterOS
# =========================================================================================
_ROS_ARG_RE = re.compile(r'([\w.-]+)=("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S+)')


def parse_ros_args(text: str) -> dict[str, str]:
    """``address=10.0.0.1/24 interface=ether2 comment="a b"`` -> a dict.

    Examples:
        >>> parse_ros_args('address=10.0.0.1/24 interface=ether2 comment="LAN staf"')
        {'address': '10.0.0.1/24', 'interface': 'ether2', 'comment': 'LAN staf'}
    """
    return {k: v[1:-1] if v.startswith('"') else v for k, v in _ROS_ARG_RE.findall(text)}


def _ros_quote(value: str) -> str:
    return f'"{value}"' if (" " in value or not value) else value  # (values never hold a quote here)


class RouterOsState(DeviceState):
    platform = "mikrotik_routeros"
    vendor = "MikroTik"

    @property
    def version(self) -> str:
        return self.device.os_version

    @property
    def software_id(self) -> str:
        digest = hashlib.sha256(self.device.serial.encode()).hexdigest().upper()
        return f"{digest[:4]}-{digest[4:8]}"

    def save(self) -> None:  # RouterOS persists every change at once
        super().save()

    def regency_lines(self, regency: RegencyConfig) -> list[str]:
        q = _ros_quote
        lines = [f"/ip dns set servers={','.join(regency.dns_servers)}"] if regency.dns_servers else []
        lines.append(f"/system clock set time-zone-name={regency.timezone}")
        if regency.ntp_servers:
            lines.append(f"/system ntp client set enabled=yes servers={','.join(regency.ntp_servers)}")
        topic = {"debugging": "debug", "informational": "info", "warnings": "warning", "errors": "error"}
        for n, server in enumerate(regency.syslog_servers, start=1):
            lines.append(f"/system logging action add name=syslog{n} remote={server} target=remote")
        for n, _server in enumerate(regency.syslog_servers, start=1):
            level = topic.get(regency.syslog_level, regency.syslog_level)
            lines.append(f"/system logging add action=syslog{n} topics={level}")
        return [
            *lines,
            f"/snmp set contact={q(regency.snmp.contact)} enabled=yes location={q(regency.snmp.location)}",
            f"/user aaa set use-radius={'no' if regency.aaa.authentication == 'local' else 'yes'}",
            "/ip neighbor discovery-settings set discover-interface-list="
            + ("all" if regency.lldp else "none")
            + " protocol=cdp,lldp,mndp",
            *([f"/system note set note={q(regency.banner)} show-at-login=yes"] if regency.banner else []),
        ]

    def touch(self) -> None:
        super().touch()
        self.save()

    # -- configuration -----------------------------------------------------------------
    def configure_ros(self, line: str) -> str | None:
        """Apply a RouterOS command that changes state; None when ``line`` is no such command."""
        match = re.match(r"^/?([\w /-]+?)\s+(add|set|remove|enable|disable)\b\s*(.*)$", line)
        if not match:
            return None
        path, verb, rest = match.group(1).strip(), match.group(2), match.group(3).strip()
        args = parse_ros_args(rest)
        if path == "system identity" and verb == "set" and "name" in args:
            self.running.hostname = args["name"]
            error = None
        elif path == "ip address" and verb in ("add", "remove"):
            error = self._ros_address(verb, rest, args)
        elif path in ("interface", "interface ethernet") and verb in ("set", "enable", "disable"):
            error = self._ros_interface(verb, rest, args)
        elif path == "interface vlan" and (verb == "remove" or (verb == "add" and "vlan-id" in args)):
            self._ros_vlan(verb, rest, args)
            error = None
        elif verb in ("set", "remove") and rest.startswith("[") and path != "system identity":
            error = self._ros_find(path, verb, rest)
        else:
            error = self._ros_keep(path, verb, rest)
        if error is not None:
            return error
        self.touch()
        return ""

    def _ros_address(self, verb: str, rest: str, args: dict[str, str]) -> str | None:
        """``/ip address add|remove``; the error text RouterOS prints, or None."""
        if verb == "add":
            itf = self.running.interfaces.get(args.get("interface", ""))
            if itf is None or "address" not in args:
                return "failure: input does not match any value of interface"
            cidr = str(ipaddress.ip_interface(args["address"]))
            if cidr not in itf.ipv4:
                itf.ipv4.append(cidr)
            return None
        wanted = parse_ros_args(rest.strip("[] ").removeprefix("find").strip()).get("address")
        for itf in self.running.interfaces.values():
            itf.ipv4 = [c for c in itf.ipv4 if c != wanted and c.split("/")[0] != wanted]
        return None

    def _ros_interface(self, verb: str, rest: str, args: dict[str, str]) -> str | None:
        """``/interface [ethernet] set|enable|disable``: state, comment, MTU."""
        itf = self.running.interfaces.get(self._ros_target(rest) or "")
        if itf is None:
            return "no such item"
        if verb != "set":
            itf.enabled = verb == "enable"
        if "disabled" in args:
            itf.enabled = args["disabled"] in ("no", "false")
        if "comment" in args:
            itf.description = args["comment"]
        if "mtu" in args and args["mtu"].isdigit():
            itf.mtu = int(args["mtu"])
        return None

    def _ros_vlan(self, verb: str, rest: str, args: dict[str, str]) -> None:
        cfg = self.running
        if verb == "add":
            cfg.vlans[int(args["vlan-id"])] = args.get("name", f"vlan{args['vlan-id']}")
        else:
            name = self._ros_target(rest)
            cfg.vlans = {vid: n for vid, n in cfg.vlans.items() if n != name}

    def _ros_find(self, path: str, verb: str, rest: str) -> str | None:
        """``/path set|remove [find k=v ...] args``: change the menu's ``add`` entries matching every k=v.

        How a script edits items it added, e.g. a queue's max-limit.
        """
        find = re.match(r"^\[\s*find\s*(?:where\s+)?([^\]]*)\]\s*(.*)$", rest)
        if not find:
            return "expected end of command"
        match_args, changes = parse_ros_args(find.group(1)), parse_ros_args(find.group(2))
        kept = []
        for entry in self.running.extra:
            item = re.match(rf"^/{re.escape(path)} add (.*)$", entry)
            if item and all(parse_ros_args(item.group(1)).get(k) == v for k, v in match_args.items()):
                if verb == "remove":
                    continue
                args = {**parse_ros_args(item.group(1)), **changes}
                kept.append(f"/{path} add " + " ".join(f"{k}={_ros_quote(v)}" for k, v in args.items()))
            else:
                kept.append(entry)
        self.running.extra = kept
        return None

    def _ros_keep(self, path: str, verb: str, rest: str) -> str | None:
        """Any other command is kept verbatim (``remove`` drops the entry it names); a ``set`` of a
        singleton menu (``/snmp set``, ``/system ntp client set``) merges into that menu's one line."""
        cfg = self.running
        entry = f"/{path} {verb} {rest}".strip()
        if (
            verb == "set"
            and "servers" in (args := parse_ros_args(rest))
            and not all(
                _is_ipv4(x) or re.fullmatch(r"[a-z][\w.-]*", x) for x in args["servers"].split(",") if x
            )
        ):
            return "failure: invalid value for argument servers"
        if verb == "remove":
            cfg.extra = [x for x in cfg.extra if x.split(" ", 2)[-1] != rest]
        elif verb == "set" and not rest.startswith("["):
            prefix = f"/{path} set "
            old = next((x for x in cfg.extra if x.startswith(prefix)), None)
            merged = {**(parse_ros_args(old[len(prefix) :]) if old else {}), **parse_ros_args(rest)}
            line = prefix + " ".join(f"{k}={_ros_quote(v)}" for k, v in merged.items())
            cfg.extra = [line if x == old else x for x in cfg.extra] if old else [*cfg.extra, line]
        elif entry not in cfg.extra:
            cfg.extra.append(entry)
        return None

    def cmd_export_path(self, path: str) -> str:
        """``/<path> export``: the export of one menu (RouterOS prints a header, then the menu)."""
        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        lines = [f"# {now} by RouterOS {self.version}", f"# software id = {self.software_id}", f"/{path}"]
        for entry in self.running.extra:
            match = re.match(rf"^/{re.escape(path)} (add|set) (.*)$", entry)
            if match:
                lines.append(f"{match.group(1)} {match.group(2)}")
        return "\n".join(lines) if len(lines) > 3 else "\n".join(lines[:2])

    @staticmethod
    def _ros_target(rest: str) -> str | None:
        find = re.search(r"\[\s*find\s+(?:default-)?name=\"?([\w.-]+)\"?\s*\]", rest)
        if find:
            return find.group(1)
        first = rest.split(maxsplit=1)[0] if rest.split() else ""
        return first if first and "=" not in first else None

    # -- answers -----------------------------------------------------------------------
    def cmd_export(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return self.render_export(hide_sensitive="hide-sensitive" in command)

    def render_export(self, *, hide_sensitive: bool = False) -> str:
        """``/export`` of the running state, with the planted secrets unless ``hide_sensitive``."""
        d, s, cfg = self.device, self.device.secrets, self.running

        def secret(value: str) -> str:
            return "" if hide_sensitive else value

        now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
        out = [
            f"# {now} by RouterOS {self.version}",
            f"# software id = {self.software_id}",
            "#",
            f"# model = {d.model}",
            f"# serial number = {d.serial}",
            "/interface bridge",
            "add name=bridge",
            *self._export_interfaces(),
            "/ip ipsec peer",
            "add address=10.30.0.0/16 exchange-mode=ike2 name=peer-diskominfo",
            "/ip ipsec identity",
            f'add peer=peer-diskominfo secret="{secret(s.ipsec_psk)}"',
            *self._export_addresses(),
            "/ppp secret",
            f'add name=vpn-teknisi password="{secret(s.ppp_secret)}" profile=default-encryption service=l2tp',
            "/snmp community",
            "set [ find default=yes ] disabled=yes",
            f'add addresses=10.10.0.0/24 name="{secret(s.snmp_community)}"',
            "/system identity",
            f"set name={_ros_quote(cfg.hostname)}",
            "/user",
            f'add group=full name=noc password="{secret(s.user_password)}"',
            *self._export_extra(),
        ]
        return "\n".join(out)

    def _export_interfaces(self) -> list[str]:
        """``/interface ethernet``, ``/interface vlan`` and the bridge ports of the export."""
        cfg = self.running
        out = ["/interface ethernet"]
        for itf in cfg.interfaces.values():
            if not itf.name.startswith(("ether", "sfp")):
                continue
            opts = []
            if itf.description:
                opts.append(f"comment={_ros_quote(itf.description)}")
            if not itf.enabled:
                opts.append("disabled=yes")
            if itf.mtu != 1500:
                opts.append(f"mtu={itf.mtu}")
            if opts:
                out.append(f"set [ find default-name={itf.name} ] " + " ".join(opts))
        if cfg.vlans:
            out.append("/interface vlan")
            out += [
                f"add interface=bridge name={_ros_quote(n)} vlan-id={vid}"
                for vid, n in sorted(cfg.vlans.items())
            ]
        access = [i for i in cfg.interfaces.values() if i.access_vlan is not None]
        if access:
            out.append("/interface bridge port")
            out += [f"add bridge=bridge interface={i.name} pvid={i.access_vlan}" for i in access]
        return out

    def _export_addresses(self) -> list[str]:
        addresses = [(c, i.name) for i in self.running.interfaces.values() for c in i.ipv4]
        if not addresses:
            return []
        out = ["/ip address"]
        for cidr, name in addresses:
            net = ipaddress.ip_interface(cidr).network.network_address
            out.append(f"add address={cidr} interface={name} network={net}")
        return out

    def _export_extra(self) -> list[str]:
        """The kept ``add|set|enable|disable`` lines, grouped by menu."""
        by_path: dict[str, list[str]] = {}
        for entry in self.running.extra:
            match = re.match(r"^/([\w /-]+?)\s+(add|set|enable|disable)\b\s*(.*)$", entry)
            if match:
                by_path.setdefault(match.group(1), []).append(f"{match.group(2)} {match.group(3)}".strip())
        out = []
        for path, entries in by_path.items():
            out.append(f"/{path}")
            out += entries
        return out

    def cmd_interface_print(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = [
            "Flags: D - DYNAMIC; X - DISABLED; R - RUNNING; S - SLAVE",
            "Columns: NAME, TYPE, ACTUAL-MTU, L2MTU, MAC-ADDRESS",
            " #    NAME          TYPE    ACTUAL-MTU  L2MTU  MAC-ADDRESS      ",
        ]
        rows = list(self.running.interfaces.values())
        for n, itf in enumerate(rows):
            flags = ("X" if not itf.enabled else "R" if itf.link_up else " ") + (
                "S" if itf.access_vlan is not None else " "
            )
            if itf.description:
                out.append(f"{n:>2} {flags} ;;; {itf.description}")
                out.append(f"        {itf.name:<14}ether   {itf.mtu:>10}  {1598:>5}  {itf.mac.upper()}")
            else:
                out.append(
                    f"{n:>2} {flags}   {itf.name:<14}ether   {itf.mtu:>10}  {1598:>5}  {itf.mac.upper()}"
                )
        base = len(rows)
        out.append(f"{base:>2} R    {'bridge':<14}bridge  {1500:>10}  {1598:>5}  {self.chassis_mac.upper()}")
        for k, (vid, name) in enumerate(sorted(self.running.vlans.items()), start=1):
            out.append(
                f"{base + k:>2} R    {name:<14}vlan    {1500:>10}  {1594:>5}  {self.chassis_mac.upper()}"
            )
            del vid
        return "\n".join(out)

    def cmd_ip_address_print(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = [
            "Flags: D - DYNAMIC",
            "Columns: ADDRESS, NETWORK, INTERFACE",
            "#   ADDRESS            NETWORK       INTERFACE",
        ]
        n = 0
        for itf in self.running.interfaces.values():
            for cidr in itf.ipv4:
                net = ipaddress.ip_interface(cidr).network.network_address
                out.append(f"{n:<4}{cidr:<19}{net!s:<14}{itf.name}")
                n += 1
        return "\n".join(out)

    def cmd_interface_vlan_print(self, base_prompt: str, current_prompt: str, command: str) -> str:
        out = [
            "Flags: R - RUNNING",
            "Columns: NAME, MTU, ARP, VLAN-ID, INTERFACE",
            "#   NAME              MTU  ARP      VLAN-ID  INTERFACE",
        ]
        for n, (vid, name) in enumerate(sorted(self.running.vlans.items())):
            out.append(f"{n:<2}R {name:<17}1500  enabled  {vid:>7}  bridge")
        return "\n".join(out)

    def discovery_settings(self) -> dict[str, str]:
        """``/ip neighbor discovery-settings`` as configured (RouterOS 7 defaults where not set)."""
        prefix = "/ip neighbor discovery-settings set "
        line = next((x for x in self.running.extra if x.startswith(prefix)), None)
        return {
            "discover-interface-list": "all",
            "protocol": "cdp,lldp,mndp",
            **(parse_ros_args(line[len(prefix) :]) if line else {}),
        }

    def cmd_ip_neighbor_discovery_settings_print(
        self, base_prompt: str, current_prompt: str, command: str
    ) -> str:
        settings = self.discovery_settings()
        return "\n".join(
            [
                f"   discover-interface-list: {settings['discover-interface-list']}",
                f"                  protocol: {settings['protocol']}",
                "  lldp-med-net-policy-vlan: disabled",
                "                      mode: tx-and-rx",
            ]
        )

    def cmd_ip_neighbor_print(self, base_prompt: str, current_prompt: str, command: str) -> str:
        # discovery on no interface: no neighbour is seen
        nbrs = self.neighbors() if self.discovery_settings()["discover-interface-list"] != "none" else []
        if "detail" in command:
            out: list[str] = []
            for n, nbr in enumerate(nbrs):
                peer = self.peer(nbr.remote_device)
                mgmt = nbr.remote_mgmt_ip or (peer.mgmt_ip if peer else "") or ""
                mac = (
                    nbr.remote_mac
                    if nbr.remote_mac != "00:00:00:00:00:00"
                    else _mac(nbr.remote_device + "/chassis")
                )
                platform = "MikroTik" if peer is None else vendor_name(peer)
                version = peer.os_version if peer else ""
                board = (peer.model if peer else "").replace(" ", "-")
                out.append(
                    f" {n} interface={nbr.local_port} address={mgmt} address4={mgmt} "
                    f'mac-address={mac.upper()} identity="{nbr.remote_device}" platform="{platform}" '
                    f'version="{version}" unpack=none age=31s uptime=1w2d4h17m board="{board}" ipv6=no '
                    f'interface-name="{nbr.remote_port}" system-caps=bridge,router '
                    "system-caps-enabled=bridge,router"
                )
                out.append("")
            return "\n".join(out)
        out = [
            "Columns: INTERFACE, ADDRESS, MAC-ADDRESS, IDENTITY, VERSION, BOARD",
            "#  INTERFACE  ADDRESS       MAC-ADDRESS        IDENTITY              VERSION          BOARD",
        ]
        for n, nbr in enumerate(nbrs):
            peer = self.peer(nbr.remote_device)
            mgmt = nbr.remote_mgmt_ip or (peer.mgmt_ip if peer else "") or ""
            mac = (
                nbr.remote_mac
                if nbr.remote_mac != "00:00:00:00:00:00"
                else _mac(nbr.remote_device + "/chassis")
            )
            version = peer.os_version if peer else ""
            board = (peer.model if peer else "").replace(" ", "-")
            out.append(
                f"{n:<3}{nbr.local_port:<11}{mgmt:<14}{mac.upper():<19}{nbr.remote_device:<22}{version:<17}{board}"
            )
        return "\n".join(out)

    def cmd_system_identity_print(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return f"  name: {self.hostname}"

    def cmd_system_resource_print(self, base_prompt: str, current_prompt: str, command: str) -> str:
        up = int(self.uptime_seconds())
        weeks, rem = divmod(up, 7 * 86400)
        days, rem = divmod(rem, 86400)
        hours, rem = divmod(rem, 3600)
        minutes, seconds = divmod(rem, 60)
        uptime = (f"{weeks}w" if weeks else "") + f"{days}d{hours}h{minutes}m{seconds}s"
        rows = [
            ("uptime", uptime),
            ("version", f"{self.version} (stable)"),
            ("build-time", "Apr/17/2024 12:47:58"),
            ("factory-software", "7.1"),
            ("free-memory", "842.1MiB"),
            ("total-memory", "1024.0MiB"),
            ("cpu", "ARMv7"),
            ("cpu-count", "4"),
            ("cpu-frequency", "1400MHz"),
            ("cpu-load", "1%"),
            ("free-hdd-space", "431.3MiB"),
            ("total-hdd-space", "512.0MiB"),
            ("write-sect-since-reboot", "2190"),
            ("write-sect-total", "49127"),
            ("bad-blocks", "0%"),
            ("architecture-name", "arm"),
            ("board-name", self.device.model),
            ("platform", "MikroTik"),
        ]
        return "\n".join(f"{k:>25}: {v}" for k, v in rows)

    def cmd_system_routerboard_print(self, base_prompt: str, current_prompt: str, command: str) -> str:
        rows = [
            ("routerboard", "yes"),
            ("board-name", self.device.model),
            ("model", self.device.model),
            ("revision", "r2"),
            ("serial-number", self.device.serial),
            ("firmware-type", "al2"),
            ("factory-firmware", "6.45.9"),
            ("current-firmware", self.version),
            ("upgrade-firmware", self.version),
        ]
        return "\n".join(f"{k:>18}: {v}" for k, v in rows)

    def cmd_user_print(self, base_prompt: str, current_prompt: str, command: str) -> str:
        return (
            "Columns: NAME, GROUP, LAST-LOGGED-IN\n"
            "# NAME   GROUP  LAST-LOGGED-IN      \n"
            f"0 {self.username:<7}full   {datetime.now(UTC):%Y-%m-%d %H:%M:%S}\n"
            "1 noc    full"
        )


def vendor_name(device: LabDevice) -> str:
    return {"cisco_ios": "Cisco", "arista_eos": "Arista", "mikrotik_routeros": "MikroTik"}.get(
        device.platform, ""
    )


STATE_CLASSES: dict[str, type[DeviceState]] = {
    "cisco_ios": IosState,
    "arista_eos": EosState,
    "mikrotik_routeros": RouterOsState,
}


SIMULATED = tuple(STATE_CLASSES)


def skip_reason(platform: str) -> str | None:
    """Why a device of this platform is not started, or None when it is simulated.

    Examples:
        >>> skip_reason("cisco_ios") is None
        True
        >>> skip_reason("linux")
        'platform linux runs in Linux network namespaces, not as a simulated SSH device'
        >>> skip_reason("juniper_junos")
        'platform juniper_junos cannot be simulated (simulated: cisco_ios, arista_eos, mikrotik_routeros)'
    """
    if platform in SIMULATED:
        return None
    if platform == "linux":
        return f"platform {platform} runs in Linux network namespaces, not as a simulated SSH device"
    return f"platform {platform} cannot be simulated (simulated: {', '.join(SIMULATED)})"
