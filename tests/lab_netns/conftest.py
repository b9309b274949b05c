"""Fixtures for the Linux namespace lab: a real 3-edge lab (root only), torn down at the end."""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from simpul.lab.netns import NetnsEdge, NetnsLab, NetnsStatus, netns_down, netns_up

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


def unique_prefix(tag: str) -> str:
    return f"{tag}{os.getpid() % 100000:05d}-"


def make_lab(prefix: str, names: list[tuple[str, str, int]]) -> NetnsLab:
    ports = free_ports(len(names))
    return NetnsLab(
        prefix=prefix,
        password=secrets.token_urlsafe(16),
        edges=tuple(
            NetnsEdge.demo(name, skpd, n, port) for (name, skpd, n), port in zip(names, ports, strict=True)
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


@pytest.fixture(scope="session")
def netns_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[NetnsLab, Path, NetnsStatus]]:
    if os.geteuid() != 0:
        pytest.skip("the namespace lab needs root (ip netns); CI runs as root")
    lab = make_lab(unique_prefix("t"), EDGES)
    state_dir = tmp_path_factory.mktemp("netns-lab")
    status = netns_up(lab, state_dir)
    try:
        yield lab, state_dir, status
    finally:
        netns_down(state_dir)
