"""The one slow VPS test: a VPS boots (QEMU TCG, ~1 minute) and answers SSH with the SKPD's key;
from inside, its hostname, vCPUs, memory, disk and address are what NetBox says. Then a live
resize is seen from inside too."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.vps.conftest import VpsLab, prepare_pusat_data, vps_env, vps_json, vps_name

pytestmark = [pytest.mark.netbox, pytest.mark.slow]


TRANSIENT = ("Connection reset", "Connection refused", "kex_exchange_identification", "Connection closed")


def _ssh(key: Path, address: str, command: str) -> str:
    """Run a command in the guest over SSH; a TCG guest's sshd may still drop the first handshakes
    (slow key exchange under load): those are retried for up to 90 s, anything else fails at once."""
    deadline = time.monotonic() + 90
    while True:
        out = _ssh_once(key, address, command)
        transient = out.returncode == 255 and any(t in out.stderr for t in TRANSIENT)
        if not transient or time.monotonic() > deadline:
            break
        time.sleep(3)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _ssh_once(key: Path, address: str, command: str) -> subprocess.CompletedProcess[str]:
    host, port = address.rsplit(":", 1)
    return subprocess.run(
        [
            "ssh",
            "-i",
            str(key),
            "-p",
            port,
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=30",
            f"admin@{host}",
            command,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_vps_boots_with_its_hostname_address_key_and_size(
    netbox_seeded: Any, vps_lab: VpsLab, tmp_path: Path
) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    prepare_pusat_data(netbox_seeded)
    env = vps_env(netbox_seeded, vps_lab)
    name = vps_name("boot")
    code, req = vps_json(
        "request",
        "--skpd",
        "vpsa",
        "--name",
        name,
        "--vcpus",
        "1",
        "--memory-mb",
        "512",
        "--disk-gb",
        "4",
        "--ssh-key",
        f"{key}.pub",
        env=env,
    )
    assert code == 0, req
    t0 = time.monotonic()
    code, out = vps_json("apply", "--name", name, "--commit", "--wait", env=env)
    boot = time.monotonic() - t0
    assert code == 0 and out["vms"][name]["result"] == "applied", out
    address = next(
        r["address"] for r in vps_json("list", "--skpd", "vpsa", env=env)[1]["vms"] if r["name"] == name
    )
    inside = _ssh(
        key,
        address,
        "hostname; nproc; awk '/MemTotal/ {print $2}' /proc/meminfo; "
        "lsblk -b -dn -o SIZE /dev/vda; ip -4 -o addr show scope global",
    )
    hostname, cpus, mem_kib, disk, addr = inside.strip().splitlines()[:5]
    assert hostname == name
    assert int(cpus) == 1
    assert 400_000 < int(mem_kib) <= 512 * 1024  # 512 MB less what the kernel keeps
    assert int(disk) == 4 * 1024**3
    assert req["ip"] in addr
    print(f"boot to SSH: {boot:.0f} s")

    api = netbox_seeded.api()
    vm = api.virtualization.virtual_machines.get(name=name)
    vm.update({"vcpus": 2, "memory": 768})
    code, out = vps_json("apply", "--name", name, "--commit", env=env)
    assert code == 0 and out["vms"][name]["action"] == "resize"
    # the guest sees the hot-plugged vCPU (present under /sys; whether and when a slow TCG guest
    # brings it online is the guest's business: a CI run saw it still offline after 60 s) and memory
    probe = "ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l; awk '/MemTotal/ {print $2}' /proc/meminfo"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        cpus_mem = _ssh(key, address, probe).split()
        if int(cpus_mem[0]) == 2 and int(cpus_mem[1]) > 600_000:
            break
        time.sleep(3)
    assert int(cpus_mem[0]) == 2 and int(cpus_mem[1]) > 600_000, cpus_mem
