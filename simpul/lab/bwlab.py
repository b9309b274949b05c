"""The bandwidth lab: real namespaces, real tc HTB, real iperf3 traffic (needs root).

Topology, every address configured only inside namespaces this module creates (prefix ``sbw-``)::

    sbw-isp [isp0 198.51.100.1/30] ---- [up0 198.51.100.2/30] sbw-core [lanN <first host>] ----
        [eth0 <second host>] sbw-skpd-<slug>     (one per SKPD, addressed from its NetBox LAN prefix)

The Linux tc plan (``simpul/templates/bandwidth/linux_tc.j2``) runs in ``sbw-core`` with ``up0`` as the
uplink: upload is shaped on up0's egress, download on up0's ingress through ifb0. iperf3 servers
(one port per SKPD) listen in ``sbw-isp``; each SKPD namespace runs a client with ``-R`` (download).
198.51.100.0/30 is TEST-NET-2 (RFC 5737): never routed anywhere, and here it never leaves the lab.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from simpul.core.bandwidth import Plan, SkpdAllocation
from simpul.errors import LabError

log = logging.getLogger(__name__)

NS_PREFIX = "sbw-"
UPLINK = "up0"
ISP_ADDR = "198.51.100.1"
CORE_ADDR = "198.51.100.2"
BASE_PORT = 5301


@dataclass(frozen=True)
class LabSkpd:
    slug: str
    ns: str
    core_if: str
    core_addr: str  # CIDR on the core side
    host_addr: str  # CIDR in the SKPD namespace
    port: int  # the iperf3 server port in the ISP namespace


@dataclass
class BwLab:
    prefix: str
    skpds: list[LabSkpd] = field(default_factory=list)
    servers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def isp_ns(self) -> str:
        return f"{self.prefix}isp"

    @property
    def core_ns(self) -> str:
        return f"{self.prefix}core"

    def namespaces(self) -> list[str]:
        return [self.isp_ns, self.core_ns, *(s.ns for s in self.skpds)]


def _run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    log.debug("run %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise LabError(
            f"{' '.join(cmd)} failed (exit {proc.returncode}): {proc.stderr.strip()[:400]}",
            hint="the bandwidth lab needs root, iproute2, the ifb module and iperf3",
        )
    return proc


def _ns(ns: str, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return _run("ip", "netns", "exec", ns, *cmd, check=check)


def preflight() -> None:
    """Refuse early and clearly when the lab cannot run here."""
    if os.geteuid() != 0:
        raise LabError("the bandwidth lab needs root (network namespaces, tc)", hint="run as root")
    for tool in ("ip", "tc", "iperf3"):
        if shutil.which(tool) is None:
            raise LabError(f"{tool} is not installed", hint="apt-get install iproute2 iperf3")


def existing_namespaces(prefix: str = NS_PREFIX) -> list[str]:
    out = _run("ip", "netns", "list").stdout
    return [line.split()[0] for line in out.splitlines() if line.split() and line.startswith(prefix)]


def teardown(prefix: str = NS_PREFIX, lab: BwLab | None = None) -> None:
    """Stop the lab's iperf3 servers and delete every namespace with ``prefix`` (ours only)."""
    if lab is not None:
        for proc in lab.servers:
            if proc.poll() is None:
                proc.terminate()
        for proc in lab.servers:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        lab.servers.clear()
    for ns in existing_namespaces(prefix):
        _run("ip", "netns", "del", ns, check=False)


def _hosts(prefix: str) -> tuple[str, str]:
    net = ipaddress.ip_network(prefix)
    if net.version != 4 or net.prefixlen > 30:
        raise LabError(f"LAN prefix {prefix} cannot address the lab (need IPv4, /30 or larger)")
    first = net.network_address + 1
    return f"{first}/{net.prefixlen}", f"{first + 1}/{net.prefixlen}"


def build(allocations: Sequence[SkpdAllocation], prefix: str = NS_PREFIX) -> BwLab:
    """Create isp, core and one namespace per SKPD (first LAN prefix); replaces a stale lab."""
    preflight()
    teardown(prefix)
    lab = BwLab(prefix=prefix)
    try:
        for ns in (lab.isp_ns, lab.core_ns):
            _run("ip", "netns", "add", ns)
            _run("ip", "-n", ns, "link", "set", "lo", "up")
        _run(
            "ip", "-n", lab.core_ns, "link", "add", UPLINK, "type", "veth", "peer", "name", "isp0",
            "netns", lab.isp_ns,
        )  # fmt: skip
        _run("ip", "-n", lab.core_ns, "addr", "add", f"{CORE_ADDR}/30", "dev", UPLINK)
        _run("ip", "-n", lab.isp_ns, "addr", "add", f"{ISP_ADDR}/30", "dev", "isp0")
        _run("ip", "-n", lab.core_ns, "link", "set", UPLINK, "up")
        _run("ip", "-n", lab.isp_ns, "link", "set", "isp0", "up")
        _ns(lab.core_ns, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        for index, alloc in enumerate(sorted(allocations, key=lambda a: a.slug)):
            if not alloc.lan_prefixes:
                raise LabError(f"{alloc.slug} has no LAN prefix to address its namespace from")
            core_addr, host_addr = _hosts(alloc.lan_prefixes[0])
            skpd = LabSkpd(
                slug=alloc.slug,
                ns=f"{prefix}skpd-{alloc.slug}",
                core_if=f"lan{index}",
                core_addr=core_addr,
                host_addr=host_addr,
                port=BASE_PORT + index,
            )
            lab.skpds.append(skpd)
            _run("ip", "netns", "add", skpd.ns)
            _run("ip", "-n", skpd.ns, "link", "set", "lo", "up")
            _run(
                "ip", "-n", lab.core_ns, "link", "add", skpd.core_if, "type", "veth", "peer", "name", "eth0",
                "netns", skpd.ns,
            )  # fmt: skip
            _run("ip", "-n", lab.core_ns, "addr", "add", core_addr, "dev", skpd.core_if)
            _run("ip", "-n", skpd.ns, "addr", "add", host_addr, "dev", "eth0")
            _run("ip", "-n", lab.core_ns, "link", "set", skpd.core_if, "up")
            _run("ip", "-n", skpd.ns, "link", "set", "eth0", "up")
            _run("ip", "-n", skpd.ns, "route", "add", "default", "via", core_addr.split("/")[0])
            for lan in alloc.lan_prefixes:
                _run("ip", "-n", lab.isp_ns, "route", "add", lan, "via", CORE_ADDR)
    except BaseException:
        teardown(prefix)
        raise
    return lab


def apply_tc(lab: BwLab, script: str) -> None:
    """Run the rendered Linux tc script inside the core namespace."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as fh:
        fh.write(script)
        path = fh.name
    try:
        _ns(lab.core_ns, "sh", path)
    finally:
        os.unlink(path)


def start_servers(lab: BwLab) -> None:
    for skpd in lab.skpds:
        cmd = ["ip", "netns", "exec", lab.isp_ns, "iperf3", "-s", "-B", ISP_ADDR, "-p", str(skpd.port)]
        lab.servers.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    wanted = {f"{ISP_ADDR}:{s.port}" for s in lab.skpds}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        listening = _ns(lab.isp_ns, "ss", "-Hltn").stdout
        if all(w in listening for w in wanted):
            return
        time.sleep(0.05)
    raise LabError("iperf3 servers did not start within 10 s in the ISP namespace")


def _client(lab: BwLab, skpd: LabSkpd, seconds: int) -> subprocess.Popen[str]:
    cmd = [
        "ip", "netns", "exec", skpd.ns, "iperf3", "-c", ISP_ADDR, "-p", str(skpd.port), "-R",
        "-t", str(seconds), "-J",
    ]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _mbps(skpd: LabSkpd, proc: subprocess.Popen[str], seconds: int) -> float:
    out, err = proc.communicate(timeout=seconds + 30)
    try:
        data = json.loads(out)
    except json.JSONDecodeError:
        raise LabError(f"iperf3 for {skpd.slug} gave no JSON: {err.strip()[:300]}") from None
    if "error" in data:
        raise LabError(f"iperf3 for {skpd.slug}: {data['error']}")
    return round(float(data["end"]["sum_received"]["bits_per_second"]) / 1e6, 3)


def measure(lab: BwLab, slugs: Sequence[str], seconds: int) -> dict[str, float]:
    """Download goodput (Mbps) of each SKPD in ``slugs``, all running at the same time."""
    chosen = [s for s in lab.skpds if s.slug in slugs]
    procs = [(s, _client(lab, s, seconds)) for s in chosen]
    return {s.slug: _mbps(s, p, seconds) for s, p in procs}


@contextlib.contextmanager
def running(allocations: Sequence[SkpdAllocation], prefix: str = NS_PREFIX) -> Iterator[BwLab]:
    """Build the lab, start the iperf3 servers, and always tear everything down."""
    lab = build(allocations, prefix)
    try:
        start_servers(lab)
        yield lab
    finally:
        teardown(prefix, lab)


def run_verify(
    plan: Plan, tc_script: str, slugs: Sequence[str], seconds: int, prefix: str = NS_PREFIX
) -> dict[str, tuple[float, float]]:
    """Apply ``tc_script`` in the core, then measure each SKPD alone and all at once.

    Returns ``{slug: (alone_mbps, contended_mbps)}``.
    """
    chosen = [a for a in plan.active() if a.slug in slugs]
    with running(chosen, prefix) as lab:
        apply_tc(lab, tc_script)
        alone = {}
        for alloc in chosen:
            alone.update(measure(lab, [alloc.slug], seconds))
            log.info("%s alone: %s Mbps", alloc.slug, alone[alloc.slug])
        together = measure(lab, [a.slug for a in chosen], seconds)
        log.info("contended: %s", together)
    return {slug: (alone[slug], together[slug]) for slug in alone}
