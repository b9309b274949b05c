"""Fixtures for the Linux namespace lab: a real lab of 3 edges and 2 servers (root only), torn down after.

Every namespace prefix of this suite is ``<tag><pid>-``: at session start, whatever a killed earlier
session left behind (namespaces, the processes in them, socat forwarders) is removed when that pid
is gone.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from simpul.lab.netns import (
    NetnsEdge,
    NetnsLab,
    NetnsServer,
    NetnsServerPort,
    NetnsStatus,
    netns_down,
    netns_up,
    sweep_prefix,
)

T = TypeVar("T")

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="the namespace lab needs root (ip netns); CI runs as root"
)


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 right now (the kernel picks them)."""
    socks, ports = [], []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        socks.append(sock)
        ports.append(sock.getsockname()[1])
    for sock in socks:
        sock.close()
    return ports


TAGS = "tdrpskog"  # the first letter of every prefix this suite makes
_OURS = re.compile(rf"^([{TAGS}])(\d+)-")


def unique_prefix(tag: str) -> str:
    assert tag in TAGS, f"add {tag!r} to TAGS so a killed run's leftovers are swept"
    return f"{tag}{os.getpid()}-"


def sweep_dead_sessions() -> list[str]:
    """Remove namespaces and forwarders of this suite's prefixes whose session (pid) is gone."""
    if os.geteuid() != 0:
        return []
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    prefixes = set()
    for line in listing.splitlines():
        match = _OURS.match(line.split(" ", 1)[0])
        if match and not os.path.exists(f"/proc/{match.group(2)}"):
            prefixes.add(f"{match.group(1)}{match.group(2)}-")
    return [item for prefix in sorted(prefixes) for item in sweep_prefix(prefix)]


def make_lab(
    prefix: str, names: list[tuple[str, str, int]], servers: list[tuple[str, str]] | None = None
) -> NetnsLab:
    """Edges (name, skpd, n) by the demo conventions, and servers (name, eno1 address)."""
    servers = servers or []
    ports = free_ports(len(names) + len(servers))
    return NetnsLab(
        prefix=prefix,
        password=secrets.token_urlsafe(16),
        edges=tuple(
            NetnsEdge.demo(name, skpd, n, port)
            for (name, skpd, n), port in zip(names, ports[: len(names)], strict=True)
        ),
        servers=tuple(
            NetnsServer(name=name, ssh_port=port, ports=(NetnsServerPort(name="eno1", ip=ip),))
            for (name, ip), port in zip(servers, ports[len(names) :], strict=True)
        ),
    )


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


EDGES = [("rtr-dinsos", "dinsos", 5), ("rtr-disdik", "disdik", 3), ("rtr-dinkes", "dinkes", 7)]
SERVERS = [("kvm-pusat-data-01", "10.10.0.21/24"), ("srv-dns-01", "10.10.0.26/24")]


@pytest.fixture(scope="session")
def netns_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NetnsLab, Path, NetnsStatus]]:
    if os.geteuid() != 0:
        pytest.skip("the namespace lab needs root (ip netns); CI runs as root")
    sweep_dead_sessions()
    lab = make_lab(unique_prefix("t"), EDGES, SERVERS)
    state_dir = tmp_path_factory.mktemp("netns-lab")
    status = netns_up(lab, state_dir)
    try:
        yield lab, state_dir, status
    finally:
        netns_down(state_dir)
