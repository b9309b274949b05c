"""Benchmark: up / LLDP convergence / down of the Linux namespace lab for 10 and 50 SKPD edges.

Run as root: ``.venv/bin/python benches/netns_lab.py [N ...]`` (default 10 50). Prints figures only.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import tempfile
import time
from pathlib import Path

import paramiko

from simpul.lab.netns import NetnsEdge, NetnsLab, netns_down, netns_up, wait_lldp


def free_ports(count: int) -> list[int]:
    socks = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        socks.append(sock)
    ports = [s.getsockname()[1] for s in socks]
    for sock in socks:
        sock.close()
    return ports


def ssh_round(lab: NetnsLab) -> float:
    """Seconds for one password login + `ip -br addr` on every edge, one after the other."""
    start = time.perf_counter()
    for edge in lab.edges:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # lab host keys, made per lab
        client.connect(
            "127.0.0.1",
            port=edge.ssh_port,
            username=lab.username,
            password=lab.password,
            look_for_keys=False,
            allow_agent=False,
        )
        _, out, _ = client.exec_command("ip -br addr")
        assert edge.p2p_edge_ip in out.read().decode()
        client.close()
    return time.perf_counter() - start


def bench(n: int) -> None:
    ports = free_ports(n)
    lab = NetnsLab(
        prefix=f"b{os.getpid() % 10000}-",
        password=secrets.token_urlsafe(16),
        edges=tuple(
            NetnsEdge.demo(f"rtr-skpd{i:03d}", f"skpd{i:03d}", i, ports[i - 1]) for i in range(1, n + 1)
        ),
    )
    with tempfile.TemporaryDirectory() as tmp:
        state_dir = Path(tmp)
        t0 = time.perf_counter()
        status = netns_up(lab, state_dir)
        t_up = time.perf_counter() - t0
        t0 = time.perf_counter()
        converged = wait_lldp(state_dir, timeout=60)
        t_lldp = time.perf_counter() - t0
        t_ssh = ssh_round(lab)
        t0 = time.perf_counter()
        netns_up(lab, state_dir)
        t_again = time.perf_counter() - t0
        t0 = time.perf_counter()
        netns_down(state_dir)
        t_down = time.perf_counter() - t0
    print(
        f"edges={n:3d} namespaces={len(status.nodes):3d} processes={len(status.processes):3d} "
        f"up={t_up:.2f}s lldp_converged={'yes' if converged else 'NO'} in {t_lldp:.2f}s after up "
        f"ssh_all_edges={t_ssh:.2f}s ({n / t_ssh:.1f} logins/s) second_up={t_again * 1000:.0f}ms "
        f"down={t_down:.2f}s pss={status.pss_kib / 1024:.0f}MiB"
    )


def main() -> None:
    if os.geteuid() != 0:
        sys.exit("needs root")
    for n in [int(a) for a in sys.argv[1:]] or [10, 50]:
        bench(n)


if __name__ == "__main__":
    main()
