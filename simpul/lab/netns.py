"""Linux devices in network namespaces: the Diskominfo core, an ISP, the linux SKPD edges and servers.

Needs root. Everything lives inside namespaces this module creates (``<prefix>core``, ``<prefix>isp``,
``<prefix><edge>``, ``<prefix>lan-<skpd>``, ``<prefix><server>`` and ``<prefix>dc``, the data-centre
segment the servers are plugged into); the veth pairs are created directly inside them, so the
root namespace gets no interface and no address. Each edge runs a real lldpd and a real sshd; the
core runs lldpd too, so LLDP on both sides is real. Each server runs a real sshd and holds its NetBox
addresses. Every sshd is reached from the root namespace through a ``socat`` forwarder on
127.0.0.1:<ssh_port> that execs ``ip netns exec <ns> socat STDIO TCP:127.0.0.1:22`` (the namespace's
own loopback) per connection.

SSH login (documented in docs/lab-netns.md): a lab user (``lab.username``, uid 0) exists only in a
passwd/shadow pair written to the state dir and bind-mounted over /etc/passwd and /etc/shadow in the
private mount namespace of the lab sshd (``ip netns exec`` already gives it one). The system's own
accounts files are never touched; every other account is locked for that sshd (``AllowUsers``).

State is ``<state_dir>/netns.json``: the namespaces and the pids (with their start times, so a
recycled pid is never killed) that ``netns_down`` removes. ``/run/simpul/netns-owner-<prefix>``
names the state dir that owns a prefix, so the leftovers of a killed lab are recognised as such and
removed by the next ``netns_up`` with that prefix (``sweep_prefix``).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
import logging
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simpul.errors import LabError, PortInUseError
from simpul.lab.spec import LabNeighbor

log = logging.getLogger(__name__)

STATE_FILE = "netns.json"
STATE_VERSION = 1
IFNAME_MAX = 15
REQUIRED_TOOLS = ("ip", "lldpd", "lldpcli", "sshd", "ssh-keygen", "socat", "openssl", "unshare")
READY_TIMEOUT_S = 30.0

_IFNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{0,7}-$")
_RESERVED = ("core", "isp", "dc")
RUN_DIR = Path("/run/simpul")
BRIDGE = "br0"  # the data-centre segment's bridge, in <prefix>dc

# Popen objects of the daemons this process started, so down() can reap them (no zombies in tests).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def short_ifname(name: str) -> str:
    """A Linux interface name (<= 15 chars, no '/') for ``name``: itself when it fits, else shortened.

    Examples:
        >>> short_ifname("rtr-dinsos")
        'rtr-dinsos'
        >>> short_ifname("rtr-dinas-kependudukan")
        'rtr-dina-a61ca4'
        >>> len(short_ifname("rtr-dinas-kependudukan"))
        15
        >>> short_ifname("Gi0/1")
        'Gi0_1'
    """
    clean = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    if len(clean) <= IFNAME_MAX:
        return clean
    digest = hashlib.sha1(name.encode()).hexdigest()[:6]
    return f"{clean[: IFNAME_MAX - 7]}-{digest}"


def _ifname(value: str) -> str:
    if not _IFNAME_RE.match(value):
        raise ValueError(f"{value!r} is not a Linux interface name (1-15 of A-Z a-z 0-9 _ . -)")
    return value


def _device_name(value: str) -> str:
    if not _NAME_RE.match(value) or value in _RESERVED or value.startswith("lan-"):
        raise ValueError(
            f"{value!r} cannot name a namespace (A-Z a-z 0-9 _ . -, not 'core', 'isp', 'dc' or 'lan-...')"
        )
    return value


def _iface(value: str) -> ipaddress.IPv4Interface:
    try:
        return ipaddress.IPv4Interface(value)
    except ValueError as err:
        raise ValueError(f"{value!r} is not an IPv4 address with prefix length, e.g. 10.30.0.3/31") from err


class NetnsEdge(Frozen):
    """One SKPD edge of the linux platform: a namespace with an uplink to core and a LAN behind it."""

    name: str  # the NetBox device name, e.g. rtr-dinsos (also its LLDP system name and hostname)
    skpd: str  # tenant slug, e.g. dinsos; names the LAN host namespace lan-<skpd>
    ssh_port: int = Field(ge=1024, le=65535)  # forwarder port on 127.0.0.1 in the root namespace
    uplink_port: str = "eth0"  # on the edge, towards core
    core_port: str = ""  # on the core, towards this edge; default: short_ifname(name)
    p2p_core_ip: str  # Jaringan Intra /31, core (distribution) side, e.g. 10.30.0.10/31
    p2p_edge_ip: str  # edge side, e.g. 10.30.0.11/31
    lan_port: str = "eth1"
    lan_ip: str  # the edge's LAN address, e.g. 10.20.5.1/24
    lan_host_ip: str  # the LAN host namespace's address, e.g. 10.20.5.100/24

    @model_validator(mode="before")
    @classmethod
    def _default_core_port(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("core_port") and data.get("name"):
            data = {**data, "core_port": short_ifname(str(data["name"]))}
        return data

    @field_validator("name", "skpd")
    @classmethod
    def _name(cls, value: str) -> str:
        return _device_name(value)

    @field_validator("uplink_port", "core_port", "lan_port")
    @classmethod
    def _port(cls, value: str) -> str:
        return _ifname(value)

    @field_validator("p2p_core_ip", "p2p_edge_ip", "lan_ip", "lan_host_ip")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return str(_iface(value))

    @model_validator(mode="after")
    def _subnets(self) -> NetnsEdge:
        core, edge = _iface(self.p2p_core_ip), _iface(self.p2p_edge_ip)
        if core.network != edge.network or core.ip == edge.ip:
            raise ValueError(f"{self.name}: p2p_core_ip and p2p_edge_ip must be two addresses of one prefix")
        lan, host = _iface(self.lan_ip), _iface(self.lan_host_ip)
        if lan.network != host.network or lan.ip == host.ip:
            raise ValueError(f"{self.name}: lan_ip and lan_host_ip must be two addresses of one prefix")
        if self.uplink_port == self.lan_port:
            raise ValueError(f"{self.name}: uplink_port and lan_port must differ")
        return self

    @classmethod
    def demo(cls, name: str, skpd: str, n: int, ssh_port: int) -> NetnsEdge:
        """An edge addressed by the demo regency's conventions (docs/demo-regency.md) for SKPD number n.

        Examples:
            >>> e = NetnsEdge.demo("rtr-dinsos", "dinsos", 5, 22005)
            >>> e.p2p_core_ip, e.p2p_edge_ip, e.lan_ip, e.lan_host_ip, e.core_port
            ('10.30.0.10/31', '10.30.0.11/31', '10.20.5.1/24', '10.20.5.100/24', 'rtr-dinsos')
        """
        return cls(
            name=name,
            skpd=skpd,
            ssh_port=ssh_port,
            p2p_core_ip=f"10.30.0.{2 * n}/31",
            p2p_edge_ip=f"10.30.0.{2 * n + 1}/31",
            lan_ip=f"10.20.{n}.1/24",
            lan_host_ip=f"10.20.{n}.100/24",
        )


class NetnsServerPort(Frozen):
    """One interface of a server, with its NetBox address (if any)."""

    name: str  # as NetBox names it, e.g. eno1
    ip: str | None = None  # e.g. 10.10.0.21/24

    @field_validator("name")
    @classmethod
    def _port(cls, value: str) -> str:
        return _ifname(value)

    @field_validator("ip")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        return None if value is None else str(_iface(value))


class NetnsServer(Frozen):
    """A Linux server (the Pusat Data's): its own namespace, a real sshd, its NetBox addresses.

    Each port is a veth whose other end is on the bridge of the data-centre segment (``<prefix>dc``),
    so the servers reach each other on their NetBox addresses and nothing else.
    """

    name: str  # the NetBox device name, e.g. srv-dns-01 (also its hostname)
    ssh_port: int = Field(ge=1024, le=65535)  # forwarder port on 127.0.0.1 in the root namespace
    ports: tuple[NetnsServerPort, ...] = (NetnsServerPort(name="eth0"),)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _device_name(value)

    @model_validator(mode="after")
    def _unique_ports(self) -> NetnsServer:
        names = [p.name for p in self.ports]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate port names")
        return self

    def segment_port(self, port: str) -> str:
        """The name of ``port``'s other end on the data-centre bridge.

        Examples:
            >>> NetnsServer(name="srv-dns-01", ssh_port=2222).segment_port("eno1")
            'srv-dns-01.eno1'
        """
        return short_ifname(f"{self.name}.{port}")


class NetnsCore(Frozen):
    """The Diskominfo core router (it also stands in for the distribution switches)."""

    name: str = "core-diskominfo-01"
    uplink_port: str = "isp0"  # towards the ISP namespace
    uplink_ip: str = "100.64.0.2/30"

    @field_validator("uplink_port")
    @classmethod
    def _port(cls, value: str) -> str:
        return _ifname(value)

    @field_validator("uplink_ip")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return str(_iface(value))


class NetnsIsp(Frozen):
    """The ISP behind the internet uplink; its address is what the LANs ping as 'the internet'."""

    name: str = "isp"
    port: str = "eth0"
    ip: str = "100.64.0.1/30"

    @field_validator("port")
    @classmethod
    def _port(cls, value: str) -> str:
        return _ifname(value)

    @field_validator("ip")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return str(_iface(value))


class NetnsLab(Frozen):
    """Everything needed to build the Linux half of the lab."""

    prefix: str = "snl-"  # namespace name prefix, so several labs never collide
    username: str = "admin"  # the lab SSH user (see module docstring)
    # generated per lab, never a constant in the repo; kept out of repr() and model_dump()
    password: str = Field(repr=False, exclude=True)
    core: NetnsCore = NetnsCore()
    isp: NetnsIsp = NetnsIsp()
    edges: tuple[NetnsEdge, ...] = ()
    servers: tuple[NetnsServer, ...] = ()

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX_RE.match(value):
            raise ValueError(
                f"{value!r}: a prefix is 1-8 lowercase letters/digits starting with a letter + '-'"
            )
        return value

    @field_validator("username")
    @classmethod
    def _user(cls, value: str) -> str:
        if not re.match(r"^[a-z_][a-z0-9_-]{0,31}$", value):
            raise ValueError(f"{value!r} is not a valid user name")
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        if len(value) < 8 or "\n" in value:
            raise ValueError("the lab password needs at least 8 characters on one line")
        return value

    @model_validator(mode="after")
    def _unique(self) -> NetnsLab:
        core = _iface(self.core.uplink_ip)
        isp = _iface(self.isp.ip)
        if core.network != isp.network or core.ip == isp.ip:
            raise ValueError("core.uplink_ip and isp.ip must be two addresses of one prefix")
        segment_ports = [s.segment_port(p.name) for s in self.servers for p in s.ports]
        for field, values in (
            ("name", [name for name, _ in self.ssh_devices()]),
            ("skpd", [e.skpd for e in self.edges]),
            ("ssh_port", [str(port) for _, port in self.ssh_devices()]),
            ("server port", [*segment_ports, BRIDGE]),
            ("core_port", [e.core_port for e in self.edges] + [self.core.uplink_port]),
            ("LAN prefix", [str(_iface(e.lan_ip).network) for e in self.edges]),
            ("p2p prefix", [str(_iface(e.p2p_edge_ip).network) for e in self.edges] + [str(core.network)]),
        ):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"edges: duplicate {field}: {', '.join(dupes)}")
        return self

    def ssh_devices(self) -> list[tuple[str, int]]:
        """(device, forwarder port) of every device with an sshd: the edges, then the servers."""
        return [(e.name, e.ssh_port) for e in self.edges] + [(s.name, s.ssh_port) for s in self.servers]

    def fingerprint(self) -> str:
        """Identifies the lab (password included, only as part of a digest)."""
        body = self.model_dump_json(exclude={"password"})
        return hashlib.sha256(f"{body}\0{self.password}".encode()).hexdigest()


# --- status --------------------------------------------------------------------------------


class NetnsNode(Frozen):
    namespace: str
    role: Literal["core", "isp", "edge", "lan", "server", "dc"]
    device: str  # the device name (edges, servers, core), "isp", "dc", or lan-<skpd>
    exists: bool
    ssh_port: int | None = None


class NetnsProcess(Frozen):
    name: Literal["lldpd", "sshd", "socat"]
    device: str
    namespace: str | None  # None: the socat forwarder in the root namespace
    pid: int
    alive: bool
    pss_kib: int = 0  # proportional memory (shared pages split)


class NetnsStatus(Frozen):
    state_dir: str
    prefix: str | None = None
    phase: Literal["down", "building", "running"] = "down"
    running: bool = False  # every namespace exists and every process is alive
    host: str = "127.0.0.1"
    username: str | None = None
    nodes: tuple[NetnsNode, ...] = ()
    processes: tuple[NetnsProcess, ...] = ()
    ssh_ports: dict[str, int] = Field(default_factory=dict)
    started_at: float | None = None  # epoch seconds
    startup_seconds: float | None = None
    pss_kib: int = 0  # memory of every process started (lldpd, sshd, socat), proportional set size
    problems: tuple[str, ...] = ()


# --- small helpers ---------------------------------------------------------------------------


def require_root(euid: int | None = None) -> None:
    """Raise LabError unless running as root (namespaces need CAP_SYS_ADMIN)."""
    if (os.geteuid() if euid is None else euid) != 0:
        raise LabError(
            "the Linux namespace lab needs root",
            field="netns",
            hint="run as root (CI does), or start only the SSH devices: they need no root",
        )


def _require_tools() -> None:
    missing = [t for t in REQUIRED_TOOLS if shutil.which(t) is None]
    if missing:
        raise LabError(
            f"missing tools for the namespace lab: {', '.join(missing)}",
            field="netns",
            hint="apt-get install -y iproute2 lldpd openssh-server socat openssl util-linux",
        )


def _run(argv: Sequence[str], *, input_text: str | None = None, check: bool = True) -> str:
    proc = subprocess.run(list(argv), input=input_text, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise LabError(f"{shlex.join(argv[:4])}... failed: {proc.stderr.strip()[-500:]}", field="netns")
    return proc.stdout


def exec_in(namespace: str, argv: Sequence[str], *, check: bool = True, timeout: float = 60.0) -> str:
    """Run ``argv`` inside network namespace ``namespace`` and return its stdout.

    Raises LabError with the command's stderr when it fails and ``check`` is set.
    """
    cmd = ["ip", "netns", "exec", namespace, *argv]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout)
    if check and proc.returncode != 0:
        raise LabError(
            f"{shlex.join(argv)} in namespace {namespace} exited {proc.returncode}: {proc.stderr.strip()}",
            field="netns",
        )
    return proc.stdout


def _namespaces() -> set[str]:
    out = _run(["ip", "netns", "list"], check=False)
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, pgid, starttime) of a pid, or None when it does not exist."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[2]), int(fields[19])


def _alive(pid: int, starttime: int) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[0] not in ("Z", "X") and stat[2] == starttime


def _memory_kib(pid: int, field: str = "Pss:") -> int:
    """Proportional set size (shared libraries split between their users): sums honestly."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def _ns_names(lab: NetnsLab) -> dict[str, tuple[str, str]]:
    """namespace -> (role, device)."""
    names = {f"{lab.prefix}core": ("core", lab.core.name), f"{lab.prefix}isp": ("isp", lab.isp.name)}
    for edge in lab.edges:
        names[f"{lab.prefix}{edge.name}"] = ("edge", edge.name)
        names[f"{lab.prefix}lan-{edge.skpd}"] = ("lan", f"lan-{edge.skpd}")
    for server in lab.servers:
        names[f"{lab.prefix}{server.name}"] = ("server", server.name)
    if lab.servers:
        names[f"{lab.prefix}dc"] = ("dc", "dc")
    return names


def _sock_dir(state_dir: Path) -> Path:
    # Unix socket paths are limited to 108 bytes: keep lldpd sockets short, out of deep tmp dirs.
    digest = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:10]
    return Path("/run/simpul") / f"netns-{digest}"


# --- state -----------------------------------------------------------------------------------


def _read_state(state_dir: Path) -> dict[str, Any] | None:
    path = state_dir / STATE_FILE
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise LabError(
            f"unreadable lab state: {err}", source=str(path), hint="remove the file after checking ip netns"
        ) from err
    return data


def _write_state(state_dir: Path, state: dict[str, Any]) -> None:
    path = state_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def _spec_from_state(state: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = state["spec"]
    return spec


# --- configuration text ----------------------------------------------------------------------


def _routes(lab: NetnsLab) -> dict[str, list[str]]:
    """namespace -> ``ip -batch`` lines for its routes (all ``replace``: re-applying restores them)."""
    p = lab.prefix
    isp_ip = _iface(lab.isp.ip).ip
    core_up = _iface(lab.core.uplink_ip).ip
    routes: dict[str, list[str]] = {f"{p}core": [f"route replace default via {isp_ip}"], f"{p}isp": []}
    for e in lab.edges:
        edge_ip = _iface(e.p2p_edge_ip).ip
        lan_net = _iface(e.lan_ip).network
        routes[f"{p}core"].append(f"route replace {lan_net} via {edge_ip}")
        routes[f"{p}isp"].append(f"route replace {lan_net} via {core_up}")
        routes[f"{p}isp"].append(f"route replace {_iface(e.p2p_core_ip).network} via {core_up}")
        routes[f"{p}{e.name}"] = [f"route replace default via {_iface(e.p2p_core_ip).ip}"]
        routes[f"{p}lan-{e.skpd}"] = [f"route replace default via {_iface(e.lan_ip).ip}"]
    return routes


def _addresses(lab: NetnsLab) -> dict[str, list[tuple[str, str]]]:
    """namespace -> [(interface, cidr)] as planned."""
    p = lab.prefix
    addrs: dict[str, list[tuple[str, str]]] = {
        f"{p}core": [(lab.core.uplink_port, lab.core.uplink_ip)],
        f"{p}isp": [(lab.isp.port, lab.isp.ip)],
    }
    for e in lab.edges:
        addrs[f"{p}core"].append((e.core_port, e.p2p_core_ip))
        addrs[f"{p}{e.name}"] = [(e.uplink_port, e.p2p_edge_ip), (e.lan_port, e.lan_ip)]
        addrs[f"{p}lan-{e.skpd}"] = [("eth0", e.lan_host_ip)]
    for srv in lab.servers:
        addrs[f"{p}{srv.name}"] = [(port.name, port.ip) for port in srv.ports if port.ip]
    if lab.servers:
        addrs[f"{p}dc"] = []
    return addrs


def _segment_lines(lab: NetnsLab) -> dict[str, list[str]]:
    """namespace -> lines for the servers' links: every port up, and plugged into the dc bridge."""
    lines: dict[str, list[str]] = {}
    if not lab.servers:
        return lines
    dc = lines.setdefault(f"{lab.prefix}dc", [f"link set {BRIDGE} up"])
    for srv in lab.servers:
        lines[f"{lab.prefix}{srv.name}"] = [f"link set {port.name} up" for port in srv.ports]
        for port in srv.ports:
            peer = srv.segment_port(port.name)
            dc += [f"link set {peer} master {BRIDGE}", f"link set {peer} up"]
    return lines


def _config_lines(lab: NetnsLab) -> dict[str, list[str]]:
    """namespace -> the ``ip -batch`` lines that configure it as planned (re-applying restores it)."""
    routes = _routes(lab)
    segment = _segment_lines(lab)
    config = {}
    for ns, addrs in _addresses(lab).items():
        lines = ["link set lo up", *segment.get(ns, [])]
        for iface, cidr in addrs:
            lines += [
                f"link set {iface} up",
                f"addr flush dev {iface} scope global",
                f"addr add {cidr} dev {iface}",
            ]
        config[ns] = lines + routes.get(ns, [])
    return config


def _lldpd_conf(system_name: str) -> str:
    return (
        f"configure system hostname {system_name}\n"
        "configure lldp tx-interval 1\n"
        "configure lldp portidsubtype ifname\n"
    )


def _sshd_config(files: Path, username: str) -> str:
    return "\n".join(
        [
            "ListenAddress 0.0.0.0:22",
            f"HostKey {files / 'ssh_host_ed25519_key'}",
            f"PidFile {files / 'sshd.pid'}",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication yes",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication no",
            "AuthorizedKeysFile none",
            "PermitRootLogin yes",  # the lab user has uid 0 so it can run tc/ip; see the docs
            f"AllowUsers {username}",
            "PermitEmptyPasswords no",
            "X11Forwarding no",
            "PrintMotd no",
            "UseDNS no",
            "MaxStartups 100:30:200",
            "Subsystem sftp internal-sftp",
            "",
        ]
    )


def _accounts(files: Path, username: str, password_hash: str) -> None:
    """The passwd/shadow pair the lab sshd sees instead of the system's (only the lab user can log in)."""
    home = files / "home"
    home.mkdir(exist_ok=True)
    # A '$' prompt although the uid is 0: netmiko's linux driver takes '#' for a user who ran
    # `sudo -s` and, on disconnect, sends an extra `exit` and waits 10 s for a '$' that never comes.
    (home / ".bash_profile").write_text(f"PS1='{username}@\\h:\\w$ '\nexport PS1\n")
    entry = f"{username}:x:0:0:simpul lab:{home}:/bin/bash"
    system = [line for line in Path("/etc/passwd").read_text().splitlines() if line]
    passwd = [line for line in system if line.split(":", 1)[0] != username] + [entry]
    (files / "passwd").write_text("\n".join(passwd) + "\n")
    shadow = files / "shadow"
    shadow.touch(mode=0o600)
    shadow.chmod(0o600)
    shadow.write_text(f"{username}:{password_hash}:19000:0:99999:7:::\n")


# --- up / down / status --------------------------------------------------------------------


def netns_up(lab: NetnsLab, state_dir: Path, *, euid: int | None = None) -> NetnsStatus:
    """Build the namespaces and start lldpd, sshd and the forwarders; a no-op if this lab already runs.

    What a killed earlier lab of the same prefix left behind (namespaces, forwarders) is removed
    first. Raises LabError without root, when a different lab runs in ``state_dir`` or another live
    lab owns the prefix; PortInUseError when a forwarder port is taken. On any failure everything
    started so far is removed again.
    """
    require_root(euid)
    _require_tools()
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    if _read_state(state_dir) is not None:
        status = _reuse_or_clear(lab, state_dir)
        if status is not None:
            return status
    namespaces = _ns_names(lab)
    _claim_prefix(lab.prefix, state_dir)
    _check_ports(lab)
    started = time.time()
    state = {
        "version": STATE_VERSION,
        "phase": "building",
        "prefix": lab.prefix,
        "fingerprint": lab.fingerprint(),
        "spec": lab.model_dump(mode="json", exclude={"password"}),
        "namespaces": namespaces,
        "processes": [],
        "sock_dir": str(_sock_dir(state_dir)),
        "builder_pid": os.getpid(),
        "started_at": started,
        "startup_seconds": None,
    }
    _write_state(state_dir, state)
    try:
        _build(lab, state_dir, state)
        _start_daemons(lab, state_dir, state)
        _wait_ready(lab, state_dir, state)
    except BaseException:
        log.warning("netns lab failed to start; removing what was started")
        netns_down(state_dir)
        raise
    state["phase"] = "running"
    state["startup_seconds"] = round(time.time() - started, 3)
    _write_state(state_dir, state)
    log.info(
        "netns lab up: %d edges, %d servers in %.2f s",
        len(lab.edges),
        len(lab.servers),
        state["startup_seconds"],
    )
    return netns_status(state_dir)


def _reuse_or_clear(lab: NetnsLab, state_dir: Path) -> NetnsStatus | None:
    """The status when this very lab already runs from ``state_dir``; else clear what is there."""
    status = netns_status(state_dir)
    state = _read_state(state_dir) or {}
    if state.get("fingerprint") == lab.fingerprint() and status.running:
        log.info("netns lab in %s already running", state_dir)
        return status
    if status.running:
        raise LabError(
            "a different namespace lab is running in this state dir",
            source=str(state_dir / STATE_FILE),
            hint="run `simpul lab down` (netns_down) first",
        )
    log.info("netns lab in %s is incomplete (%s): rebuilding", state_dir, "; ".join(status.problems))
    netns_down(state_dir)
    return None


def _check_ports(lab: NetnsLab) -> None:
    kinds = {e.name: "edges" for e in lab.edges} | {s.name: "servers" for s in lab.servers}
    for name, port in lab.ssh_devices():
        if not _port_free(port):
            raise PortInUseError(
                f"port {port} on 127.0.0.1 (SSH forwarder of {name}) is already in use",
                field=f"{kinds[name]}[{name}].ssh_port",
                hint="stop what listens there (ss -ltnp) or choose other ports",
            )


# --- who owns a prefix; what a killed lab left behind ------------------------------------------


def _owner_file(prefix: str) -> Path:
    return RUN_DIR / f"netns-owner-{prefix}"


def _claim_prefix(prefix: str, state_dir: Path) -> None:
    """Make ``state_dir`` the owner of ``prefix``, removing a dead earlier owner's leftovers first.

    Raises LabError when a live lab in another state dir owns the prefix.
    """
    for owner in _owners(prefix):
        if owner != state_dir.resolve() and _lab_alive(owner):
            raise LabError(
                f"namespace prefix {prefix!r} belongs to the lab running from {owner}",
                field="prefix",
                hint="stop that lab (simpul lab down, with its SIMPUL_LAB_DIR) or give this one "
                "another prefix (SIMPUL_LAB_NETNS_PREFIX)",
            )
    removed = sweep_prefix(prefix)
    if removed:
        log.warning("removed what an earlier lab with prefix %r left behind: %s", prefix, ", ".join(removed))
    owner_file = _owner_file(prefix)
    RUN_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    tmp = owner_file.with_name(f"{owner_file.name}.{os.getpid()}.tmp")
    tmp.write_text(f"{state_dir.resolve()}\n")
    tmp.replace(owner_file)


def _owners(prefix: str) -> set[Path]:
    """State dirs of labs using ``prefix``: the owner file, and the sshd configs running in its namespaces."""
    owners = set()
    with contextlib.suppress(OSError):
        owners.add(Path(_owner_file(prefix).read_text().strip()))
    namespaces = [ns for ns in _namespaces() if ns.startswith(prefix)]
    for pid in _pids_in(namespaces):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "-f" in argv[:-1]:
            config = Path(argv[argv.index("-f") + 1])  # <state_dir>/netns/<device>/sshd_config
            if config.name == "sshd_config" and config.parent.parent.name == "netns":
                owners.add(config.parent.parent.parent)
    return owners


def _lab_alive(state_dir: Path) -> bool:
    """Is the lab of ``state_dir`` running, or being built by a process that is still alive?"""
    try:
        state = _read_state(state_dir)
    except LabError:
        return False
    if state is None:
        return False
    if state.get("phase") == "building":
        builder = state.get("builder_pid")
        return isinstance(builder, int) and _proc_stat(builder) is not None
    return netns_status(state_dir).running


def _forwarders(prefix: str) -> list[int]:
    """Pids of socat forwarders (root namespace) whose target is a namespace of ``prefix``."""
    marker = f"EXEC:ip netns exec {prefix}".encode()
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry.name}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"socat") and any(arg.startswith(marker) for arg in argv):
            pids.append(int(entry.name))
    return pids


def sweep_prefix(prefix: str) -> list[str]:
    """Remove every namespace named ``<prefix>...``, what runs in it, and its socat forwarders.

    For leftovers of a lab that was killed and could not tear itself down; the caller makes sure
    no live lab owns ``prefix``. Returns what was removed (namespaces, then ``socat <pid>``).
    """
    if not _PREFIX_RE.match(prefix):
        raise LabError(f"{prefix!r} is not a namespace lab prefix", field="prefix")
    namespaces = sorted(ns for ns in _namespaces() if ns.startswith(prefix))
    forwarders = _forwarders(prefix)
    for pid in [*forwarders, *_pids_in(namespaces)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if namespaces:
        _run(
            ["ip", "-force", "-batch", "-"],
            input_text="".join(f"netns del {ns}\n" for ns in namespaces),
            check=False,
        )
    return namespaces + [f"socat {pid}" for pid in forwarders]


def _parallel(cmds: Iterable[tuple[list[str], str | None]]) -> None:
    """Run commands concurrently (each with optional stdin); raise LabError on the first failure."""
    procs = [
        (
            argv,
            text,
            subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if text is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for argv, text in cmds
    ]
    errors = []
    for argv, text, proc in procs:
        _, err = proc.communicate(text)
        if proc.returncode != 0:
            errors.append(f"{shlex.join(argv[:5])}: {err.strip()[-300:]}")
    if errors:
        raise LabError(f"building the namespace lab failed: {errors[0]}", field="netns")


def lab_mac(device: str, port: str) -> str:
    """A stable, locally administered MAC per (device, port).

    Real hardware keeps its MACs across reboots; so must the lab, or every lab start would change
    each Linux edge's backed-up state (MACs, EUI-64 link-local addresses) and its LLDP chassis id.
    """
    digest = hashlib.sha256(f"{device}/{port}".encode()).digest()
    return ":".join(f"{b:02x}" for b in (0x02, *digest[:5]))


def _build(lab: NetnsLab, state_dir: Path, state: dict[str, Any]) -> None:
    """Namespaces, links, addresses and routes, then each sshd's and lldpd's files."""
    _run(["ip", "-batch", "-"], input_text="\n".join(_link_batch(lab, state["namespaces"])) + "\n")
    forwarding = {f"{lab.prefix}core", *(f"{lab.prefix}{e.name}" for e in lab.edges)}
    config = _config_lines(lab)
    cmds = []
    for ns in state["namespaces"]:
        if ns in forwarding:
            script = "echo 1 > /proc/sys/net/ipv4/ip_forward && exec ip -batch -"
            argv = ["ip", "netns", "exec", ns, "sh", "-c", script]
        else:
            argv = ["ip", "-n", ns, "-batch", "-"]
        cmds.append((argv, "\n".join(config[ns]) + "\n"))
    _parallel(cmds)
    _write_daemon_files(lab, state_dir, Path(state["sock_dir"]))


def _link_batch(lab: NetnsLab, namespaces: Iterable[str]) -> list[str]:
    """``ip -batch`` lines (root namespace) adding the namespaces and every veth pair and bridge."""
    p = lab.prefix
    batch = [f"netns add {ns}" for ns in namespaces]

    def veth(ns_a: str, dev_a: str, port_a: str, ns_b: str, dev_b: str, port_b: str) -> str:
        return (
            f"link add name {port_a} address {lab_mac(dev_a, port_a)} netns {p}{ns_a} type veth "
            f"peer name {port_b} address {lab_mac(dev_b, port_b)} netns {p}{ns_b}"
        )

    batch.append(veth("core", lab.core.name, lab.core.uplink_port, "isp", lab.isp.name, lab.isp.port))
    for e in lab.edges:
        batch.append(veth(e.name, e.name, e.uplink_port, "core", lab.core.name, e.core_port))
        batch.append(veth(e.name, e.name, e.lan_port, f"lan-{e.skpd}", f"lan-{e.skpd}", "eth0"))
    if lab.servers:
        batch.append(f"link add name {BRIDGE} address {lab_mac('dc', BRIDGE)} netns {p}dc type bridge")
    for srv in lab.servers:
        for port in srv.ports:
            batch.append(veth(srv.name, srv.name, port.name, "dc", "dc", srv.segment_port(port.name)))
    return batch


def _write_daemon_files(lab: NetnsLab, state_dir: Path, sock_dir: Path) -> None:
    """lldpd configs (core, edges); sshd config, accounts and host key of every SSH device."""
    password_hash = _run(["openssl", "passwd", "-6", "-stdin"], input_text=lab.password + "\n").strip()
    sock_dir.mkdir(parents=True, exist_ok=True)
    for path in (sock_dir.parent, sock_dir):
        path.chmod(0o755)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    for device in [lab.core.name, *(e.name for e in lab.edges)]:
        (state_dir / "netns" / device).mkdir(parents=True, exist_ok=True)
        # next to the socket, not in the state dir: lldpd runs lldpcli as _lldpd, and state dirs
        # (pytest's tmp dirs, ~/.local/state) are often mode 0700
        conf = sock_dir / f"{device}.conf"
        conf.write_text(_lldpd_conf(device))
        conf.chmod(0o644)
    keygen: list[tuple[list[str], str | None]] = []
    for name, _ in lab.ssh_devices():
        files = state_dir / "netns" / name
        files.mkdir(parents=True, exist_ok=True)
        (files / "sshd_config").write_text(_sshd_config(files, lab.username))
        _accounts(files, lab.username, password_hash)
        key = files / "ssh_host_ed25519_key"
        if not key.exists():  # host keys are generated once per lab and kept across up/down
            keygen.append((["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], None))
    _parallel(keygen)


def _spawn(
    state_dir: Path, state: dict[str, Any], name: str, device: str, namespace: str | None, argv: list[str]
) -> None:
    logfile = state_dir / "netns" / device / f"{name}.log"
    with logfile.open("ab") as out:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    _CHILDREN[proc.pid] = proc
    stat = _proc_stat(proc.pid)
    state["processes"].append(
        {
            "name": name,
            "device": device,
            "namespace": namespace,
            "pid": proc.pid,
            "starttime": stat[2] if stat else 0,
        }
    )


def _start_daemons(lab: NetnsLab, state_dir: Path, state: dict[str, Any]) -> None:
    """lldpd on the core and the edges; sshd and its forwarder for every SSH device."""
    p = lab.prefix
    sock_dir = Path(state["sock_dir"])
    for device in [lab.core.name, *(e.name for e in lab.edges)]:
        ns = f"{p}core" if device == lab.core.name else f"{p}{device}"
        conf, sock = sock_dir / f"{device}.conf", sock_dir / f"{device}.sock"
        # not in a UTS namespace of its own: lldpd resolves its hostname (DNS) and would stall 10 s
        argv = ["ip", "netns", "exec", ns, "lldpd", "-d", "-u", str(sock), "-O", str(conf)]
        _spawn(state_dir, state, "lldpd", device, ns, argv)
    for name, ssh_port in lab.ssh_devices():
        _start_sshd(state_dir, state, name, f"{p}{name}", ssh_port)
    _write_state(state_dir, state)


def _start_sshd(state_dir: Path, state: dict[str, Any], device: str, ns: str, ssh_port: int) -> None:
    files = state_dir / "netns" / device
    (files / "sshd.pid").unlink(missing_ok=True)  # readiness is this file appearing
    # unshare --uts: the sessions see the device's hostname; the bind mounts stay in the private
    # mount namespace `ip netns exec` gives this sshd, so the system's accounts are untouched.
    script = (
        f"hostname {shlex.quote(device)}"
        f" && mount --bind {shlex.quote(str(files / 'passwd'))} /etc/passwd"
        f" && mount --bind {shlex.quote(str(files / 'shadow'))} /etc/shadow"
        f" && exec /usr/sbin/sshd -D -e -f {shlex.quote(str(files / 'sshd_config'))}"
    )
    argv = ["ip", "netns", "exec", ns, "unshare", "--uts", "sh", "-c", script]
    _spawn(state_dir, state, "sshd", device, ns, argv)
    target = f"EXEC:ip netns exec {ns} socat STDIO TCP\\:127.0.0.1\\:22"
    listen = f"TCP-LISTEN:{ssh_port},bind=127.0.0.1,reuseaddr,fork"
    _spawn(state_dir, state, "socat", device, None, ["socat", listen, target])


def _wait_ready(lab: NetnsLab, state_dir: Path, state: dict[str, Any]) -> None:
    sock_dir = Path(state["sock_dir"])
    pending: dict[str, Any] = {}
    for name, ssh_port in lab.ssh_devices():
        pending[f"sshd {name}"] = state_dir / "netns" / name / "sshd.pid"
        pending[f"socat {name}"] = ssh_port
    for device in [lab.core.name, *(e.name for e in lab.edges)]:
        pending[f"lldpd {device}"] = sock_dir / f"{device}.sock"
    procs = {f"{p['name']} {p['device']}": p for p in state["processes"]}
    deadline = time.monotonic() + READY_TIMEOUT_S
    while pending:
        for key, check in list(pending.items()):
            proc = procs[key]
            if not _alive(proc["pid"], proc["starttime"]):
                raise _start_failure(lab, state_dir, key, proc, check)
            ready = _listening(check) if isinstance(check, int) else Path(check).exists()
            if ready:
                del pending[key]
        if not pending:
            break
        if time.monotonic() > deadline:
            raise LabError(f"not ready after {READY_TIMEOUT_S:.0f} s: {', '.join(sorted(pending))}")
        time.sleep(0.05)


def _start_failure(lab: NetnsLab, state_dir: Path, key: str, proc: dict[str, Any], check: Any) -> LabError:
    """The error for a daemon that exited at start: the last lines of its log; a taken port by name."""
    logfile = state_dir / "netns" / proc["device"] / f"{proc['name']}.log"
    tail = logfile.read_text(errors="replace").strip().splitlines()[-3:] if logfile.exists() else []
    if proc["name"] == "socat" and not _listening(check):
        kind = "servers" if any(s.name == proc["device"] for s in lab.servers) else "edges"
        return PortInUseError(
            f"the SSH forwarder of {proc['device']} could not listen on 127.0.0.1:{check}: "
            + " | ".join(tail),
            field=f"{kind}[{proc['device']}].ssh_port",
            hint="choose another port",
        )
    return LabError(f"{key} exited at start: {' | '.join(tail)}", source=str(logfile))


def netns_down(state_dir: Path) -> bool:
    """Stop exactly the processes the lab started and delete its namespaces; False if nothing was up."""
    state_dir = Path(state_dir)
    state = _read_state(state_dir)
    if state is None:
        return False
    procs = [p for p in state.get("processes", []) if _alive(p["pid"], p["starttime"])]
    for p in procs:
        stat = _proc_stat(p["pid"])
        # each daemon leads its own process group (start_new_session): the group is exactly its own
        # children (lldpd's worker, socat's per-connection forks).
        target = -p["pid"] if stat and stat[1] == p["pid"] else p["pid"]
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGTERM)
    _wait_gone(procs, 3.0, signal.SIGKILL)
    _wait_gone(procs, 2.0, None)
    for p in state.get("processes", []):
        child = _CHILDREN.pop(p["pid"], None)
        if child is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=1)

    existing = _namespaces()
    ours = [ns for ns in state.get("namespaces", {}) if ns in existing]
    # whatever still runs inside our namespaces (SSH sessions, their children) is ours too
    for pid in _pids_in(ours):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if ours:
        _run(
            ["ip", "-force", "-batch", "-"],
            input_text="".join(f"netns del {ns}\n" for ns in ours),
            check=False,
        )
    left = sorted(set(ours) & _namespaces())
    if left:
        raise LabError(f"could not delete namespaces: {', '.join(left)}", hint="ip netns del NAME")
    sock_dir = state.get("sock_dir")
    if sock_dir:
        shutil.rmtree(sock_dir, ignore_errors=True)
    _release_prefix(state.get("prefix"), state_dir)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    log.info("netns lab in %s down (%d processes, %d namespaces)", state_dir, len(procs), len(ours))
    return True


def _release_prefix(prefix: str | None, state_dir: Path) -> None:
    if not prefix:
        return
    owner_file = _owner_file(prefix)
    with contextlib.suppress(OSError):
        if Path(owner_file.read_text().strip()) == state_dir.resolve():
            owner_file.unlink()


def _pids_in(namespaces: Iterable[str]) -> list[int]:
    """Pids living in these network namespaces (one pass over /proc, like `ip netns pids` for all)."""
    inodes = set()
    for ns in namespaces:
        with contextlib.suppress(FileNotFoundError):
            st = os.stat(f"/run/netns/{ns}")
            inodes.add((st.st_dev, st.st_ino))
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                st = os.stat(f"/proc/{entry.name}/ns/net")
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in inodes:
                pids.append(int(entry.name))
    return pids


def _wait_gone(procs: list[dict[str, Any]], timeout: float, then: signal.Signals | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            child = _CHILDREN.get(p["pid"])
            if child is not None:
                child.poll()  # reaps it if it is our child
        if not any(_alive(p["pid"], p["starttime"]) for p in procs):
            return
        time.sleep(0.05)
    if then is not None:
        for p in procs:
            if _alive(p["pid"], p["starttime"]):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(p["pid"], then)


def netns_status(state_dir: Path) -> NetnsStatus:
    """What runs: namespaces, processes (alive or not), SSH ports, start-up time and memory."""
    state_dir = Path(state_dir)
    state = _read_state(state_dir)
    if state is None:
        return NetnsStatus(state_dir=str(state_dir))
    existing = _namespaces()
    spec = _spec_from_state(state)
    ports = {d["name"]: d["ssh_port"] for d in [*spec.get("edges", []), *spec.get("servers", [])]}
    nodes = tuple(
        NetnsNode(namespace=ns, role=role, device=device, exists=ns in existing, ssh_port=ports.get(device))
        for ns, (role, device) in state["namespaces"].items()
    )
    processes = []
    for p in state["processes"]:
        alive = _alive(p["pid"], p["starttime"])
        processes.append(
            NetnsProcess(
                name=p["name"],
                device=p["device"],
                namespace=p["namespace"],
                pid=p["pid"],
                alive=alive,
                pss_kib=_memory_kib(p["pid"]) if alive else 0,
            )
        )
    problems = [f"namespace {n.namespace} is missing" for n in nodes if not n.exists]
    problems += [f"{p.name} of {p.device} (pid {p.pid}) is not running" for p in processes if not p.alive]
    expected = 1 + 3 * len(spec.get("edges", [])) + 2 * len(spec.get("servers", []))
    if state["phase"] == "running" and len(processes) != expected:
        problems.append(f"{len(processes)} processes recorded, {expected} expected")
    if state["phase"] != "running":
        problems.append(f"phase is {state['phase']}")
    return NetnsStatus(
        state_dir=str(state_dir),
        prefix=state["prefix"],
        phase=state["phase"],
        running=not problems,
        username=spec.get("username"),
        nodes=nodes,
        processes=tuple(processes),
        ssh_ports=ports,
        started_at=state.get("started_at"),
        startup_seconds=state.get("startup_seconds"),
        pss_kib=sum(p.pss_kib for p in processes),
        problems=tuple(problems),
    )


# --- reading and drifting the running lab ---------------------------------------------------------


def _require_state(state_dir: Path) -> dict[str, Any]:
    state = _read_state(Path(state_dir))
    if state is None:
        raise LabError(
            "the namespace lab is not up", source=str(Path(state_dir) / STATE_FILE), hint="netns_up first"
        )
    return state


def _lab_from_state(state: dict[str, Any]) -> NetnsLab:
    # the password is not stored; a placeholder satisfies the model (only used for names/addresses)
    return NetnsLab.model_validate({**state["spec"], "password": "not-stored-here"})


def namespace_of(state_dir: Path, device: str) -> str:
    """The namespace holding ``device`` (an edge or core name, "isp", or "lan-<skpd>")."""
    state = _require_state(state_dir)
    for ns, (_, name) in state["namespaces"].items():
        if name == device:
            return str(ns)
    known = ", ".join(sorted(name for _, name in state["namespaces"].values()))
    raise LabError(f"no device {device!r} in the namespace lab", field="device", hint=f"one of: {known}")


def lldp_neighbors(state_dir: Path, device: str) -> list[LabNeighbor]:
    """LLDP neighbours as ``device``'s lldpd sees them (core or an edge), read with lldpcli json0."""
    state = _require_state(state_dir)
    namespace_of(state_dir, device)
    sock = Path(state["sock_dir"]) / f"{device}.sock"
    if not sock.exists():
        raise LabError(f"{device} runs no lldpd", field="device", hint="LLDP runs on the core and the edges")
    out = _run(["lldpcli", "-u", str(sock), "show", "neighbors", "-f", "json0"])
    return parse_lldp_json0(out)


def wait_lldp(state_dir: Path, timeout: float = 30.0) -> bool:
    """Wait until LLDP matches the plan: every edge sees the core on its uplink, the core sees every edge.

    Returns False after ``timeout`` seconds (lldpd sends every second; it converges in ~2 s).
    """
    state = _require_state(state_dir)
    lab = _lab_from_state(state)
    want = {lab.core.name: {(e.core_port, e.name, e.uplink_port) for e in lab.edges}}
    for e in lab.edges:
        want[e.name] = {(e.uplink_port, lab.core.name, e.core_port)}
    deadline = time.monotonic() + timeout
    while True:
        pending = [
            d
            for d, expected in want.items()
            if {(n.local_port, n.remote_device, n.remote_port) for n in lldp_neighbors(state_dir, d)}
            != expected
        ]
        if not pending:
            return True
        if time.monotonic() > deadline:
            log.warning("LLDP not converged after %.0f s on: %s", timeout, ", ".join(pending))
            return False
        time.sleep(0.2)


def parse_lldp_json0(text: str) -> list[LabNeighbor]:
    """Neighbours from ``lldpcli show neighbors -f json0`` (json0 always uses lists: a stable shape).

    Examples:
        >>> parse_lldp_json0('{"lldp": [{}]}')
        []
        >>> doc = {"lldp": [{"interface": [{"name": "eth0", "chassis": [{
        ...     "id": [{"type": "mac", "value": "d6:10:97:9e:56:da"}], "name": [{"value": "core-x"}],
        ...     "descr": [{"value": "Debian GNU/Linux 12"}],
        ...     "mgmt-ip": [{"value": "10.30.0.2"}, {"value": "fe80::1"}]}],
        ...     "port": [{"id": [{"type": "ifname", "value": "rtr-e1"}]}]}]}]}
        >>> n = parse_lldp_json0(json.dumps(doc))[0]
        >>> n.local_port, n.remote_device, n.remote_port, n.remote_mgmt_ip, n.remote_mac
        ('eth0', 'core-x', 'rtr-e1', '10.30.0.2', 'd6:10:97:9e:56:da')
    """

    def first(items: list[dict[str, Any]] | None, key: str = "value") -> str:
        return str(items[0].get(key, "")) if items else ""

    data = json.loads(text)
    neighbors = []
    for block in data.get("lldp", []):
        for iface in block.get("interface", []):
            chassis = (iface.get("chassis") or [{}])[0]
            port = (iface.get("port") or [{}])[0]
            ipv4 = [m["value"] for m in chassis.get("mgmt-ip", []) if ":" not in m.get("value", ":")]
            chassis_id = (chassis.get("id") or [{}])[0]
            neighbors.append(
                LabNeighbor(
                    local_port=iface.get("name", ""),
                    remote_device=first(chassis.get("name")),
                    remote_port=first(port.get("id")),
                    remote_platform=first(chassis.get("descr")),
                    remote_mgmt_ip=ipv4[0] if ipv4 else None,
                    remote_mac=chassis_id.get("value", "")
                    if chassis_id.get("type") == "mac"
                    else "00:00:00:00:00:00",
                )
            )
    return neighbors


def _edge(lab: NetnsLab, device: str) -> NetnsEdge:
    for edge in lab.edges:
        if edge.name == device:
            return edge
    raise LabError(
        f"{device!r} is not an edge of the namespace lab",
        field="device",
        hint="one of: " + ", ".join(e.name for e in lab.edges),
    )


def _reapply_routes(lab: NetnsLab, namespaces: Iterable[str]) -> None:
    """Re-add the planned routes the kernel dropped (link down, address change); unreachable ones wait."""
    routes = _routes(lab)
    for ns in namespaces:
        for line in routes[ns]:
            out = subprocess.run(["ip", "-n", ns, *line.split()], capture_output=True, text=True, check=False)
            if out.returncode != 0:
                log.info("route %r in %s not restored yet: %s", line, ns, out.stderr.strip())


def set_link(state_dir: Path, device: str, up: bool) -> None:
    """Drift 'missing link': take the edge <-> core link down on both ends (or bring it back)."""
    state = _require_state(state_dir)
    lab = _lab_from_state(state)
    edge = _edge(lab, device)
    p = lab.prefix
    word = "up" if up else "down"
    _run(["ip", "-n", f"{p}{edge.name}", "link", "set", edge.uplink_port, word])
    _run(["ip", "-n", f"{p}core", "link", "set", edge.core_port, word])
    if up:
        _reapply_routes(lab, [f"{p}{edge.name}", f"{p}core"])
    log.info("netns drift: link %s <-> %s %s", edge.name, lab.core.name, word)


def set_address(state_dir: Path, device: str, iface: str, cidr: str) -> None:
    """Drift 'changed IP': replace the IPv4 address of ``iface`` on ``device`` (an edge or the core)."""
    state = _require_state(state_dir)
    lab = _lab_from_state(state)
    try:
        new = str(_iface(cidr))
    except ValueError as err:
        raise LabError(str(err), field="cidr") from None
    ns = namespace_of(state_dir, device)
    planned = dict(_addresses(lab).get(ns, []))
    if iface not in planned:
        raise LabError(
            f"{device} has no interface {iface!r}", field="iface", hint=f"one of: {', '.join(planned)}"
        )
    _run(["ip", "-n", ns, "-4", "addr", "flush", "dev", iface, "scope", "global"])
    _run(["ip", "-n", ns, "addr", "add", new, "dev", iface])
    _reapply_routes(lab, [ns])
    log.info("netns drift: %s %s address set to %s", device, iface, new)


def restore(state_dir: Path) -> None:
    """Clear namespace drift: every planned link up, address and route back as the spec says."""
    state = _require_state(state_dir)
    lab = _lab_from_state(state)
    for edge in lab.edges:
        set_link(state_dir, edge.name, True)
    config = _config_lines(lab)
    cmds = [(["ip", "-n", ns, "-batch", "-"], "\n".join(config[ns]) + "\n") for ns in state["namespaces"]]
    _parallel(cmds)
