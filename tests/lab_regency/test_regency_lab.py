"""The whole demo regency in the lab: every device simulated, every address on this machine.

Real NetBox, real fakenos devices, real namespaces with sshd (root): after ``lab up`` the lab's
inventory files hold the 78 demo devices, each on 127.0.0.0/8, and a backup with no filter gets
every one of them with no failure. Without namespaces the linux devices are left out with a reason,
refused by simpul before any connection, and unreachable for Ansible.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, LabHandle, LabNetBox, run_simpul
from tests.lab_netns.conftest import sweep_dead_sessions, unique_prefix

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]
_root = pytest.mark.skipif(os.geteuid() != 0, reason="linux devices need namespaces (root)")


def needs_root(test: Any) -> Any:
    return pytest.mark.netns(_root(test))


DEMO_DEVICES = 78
ANSIBLE_INVENTORY = str(Path(sys.executable).parent / "ansible-inventory")


def _loopback(address: str) -> bool:
    return ipaddress.ip_address(address) in ipaddress.ip_network("127.0.0.0/8")


def _netbox_devices(lab: Any) -> dict[str, dict[str, Any]]:
    from simpul.netbox.client import get_all

    devices = get_all(lab.netbox.api(), "dcim/devices", fields="name,platform,primary_ip4")
    return {d["name"]: d for d in devices}


def _ansible_hosts(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every host as Ansible sees it through the lab's ANSIBLE_INVENTORY (nb_inventory + the lab file)."""
    done = subprocess.run(
        [ANSIBLE_INVENTORY, "--list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    hostvars: dict[str, dict[str, Any]] = json.loads(done.stdout)["_meta"]["hostvars"]
    return hostvars


def _free_block(ranges: list[tuple[int, int]]) -> int:
    """A base port such that every port base+start .. base+end of each range is free on 127.0.0.1."""
    import random

    from simpul.lab.netbox_lab import port_free

    for _ in range(200):
        base = random.randrange(10000, 30000)  # below the ephemeral range (see tests/conftest.py)
        if all(port_free(base + i) for start, end in ranges for i in range(start, end)):
            return base
    raise RuntimeError("no free block of ports")


def _start_lab(netbox: LabNetBox, state: Path, *, netns: bool) -> tuple[Any, dict[str, Any]]:
    """A lab of its own (devices, namespaces, access files in ``state``) on the session's NetBox."""
    from simpul.lab.devices import sweep_orphaned_servers
    from simpul.lab.orchestrate import Lab, LabPaths
    from simpul.settings import load_settings

    sweep_dead_sessions()
    sweep_orphaned_servers(Path("/var/tmp"))
    settings = load_settings(
        env={**os.environ, "SIMPUL_LAB_DIR": str(netbox.lab.root.parent)}, settings_file=False
    )
    # devices from base, namespaces from base + 1000 (the lab's layout)
    base = _free_block([(0, 120), (1000, 1040)])
    whole = Lab(settings, netbox.lab.ports, device_base_port=base, netns_prefix=unique_prefix("g"))
    whole.paths = LabPaths(state)  # not the session lab's files
    return whole, whole.up(netns=netns)


def _stop_lab(whole: Any) -> None:
    from simpul.lab.devices import stop_devices
    from simpul.lab.netns import netns_down

    stop_devices(whole.paths.devices)
    if whole.paths.netns.exists() and os.geteuid() == 0:
        netns_down(whole.paths.netns)


@pytest.fixture(scope="module")
def regency(netbox_seeded: LabNetBox, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo regency's lab, namespaces included (as root)."""
    from simpul.lab.build import lab_secrets

    whole, _ = _start_lab(netbox_seeded, tmp_path_factory.mktemp("regency-lab"), netns=os.geteuid() == 0)
    try:
        yield LabHandle(whole=whole, netbox=netbox_seeded, password=lab_secrets(whole.paths.root)["password"])
    finally:
        _stop_lab(whole)


@needs_root
def test_every_demo_device_is_simulated_on_loopback(regency: Any) -> None:
    overrides = json.loads(regency.whole.paths.overrides.read_text())
    assert overrides["lab"] is True
    netbox = _netbox_devices(regency)
    assert len(netbox) == DEMO_DEVICES
    assert sorted(overrides["hosts"]) == sorted(netbox)
    assert overrides["not_simulated"] == {}
    for name, host in overrides["hosts"].items():
        assert _loopback(host["hostname"]), (name, host)
        assert isinstance(host["port"], int)
    servers = [n for n, d in netbox.items() if (d.get("platform") or {}).get("slug") == "linux"]
    assert len(servers) >= 12 and all(n in overrides["hosts"] for n in servers)

    lab_file = yaml.safe_load(regency.whole.paths.ansible.read_text())
    assert "children" not in lab_file["all"]
    assert sorted(lab_file["all"]["hosts"]) == sorted(netbox)
    assert all(_loopback(h["ansible_host"]) for h in lab_file["all"]["hosts"].values())


@needs_root
def test_ansible_sees_every_host_on_loopback(regency: Any) -> None:
    hosts = _ansible_hosts(regency.env())
    assert len(hosts) == DEMO_DEVICES
    far = {
        name: h.get("ansible_host") for name, h in hosts.items() if not _loopback(h.get("ansible_host", ""))
    }
    assert far == {}


@needs_root
def test_backup_of_every_device_without_a_filter_has_no_failure(regency: Any, tmp_path: Path) -> None:
    repo = tmp_path / "backups"
    first = run_simpul("backup", "configs", "--json", "--repo", str(repo), env=regency.env(), timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    result = json.loads(first.stdout)
    assert result["failed"] == {}
    assert len(result["changed"]) == DEMO_DEVICES
    assert regency.password not in first.stdout + first.stderr

    again = run_simpul("backup", "configs", "--json", "--repo", str(repo), env=regency.env(), timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    second = json.loads(again.stdout)
    assert second["failed"] == {} and second["changed"] == []  # the lab answers the same every time
    assert len(second["unchanged"]) == DEMO_DEVICES


@pytest.fixture(scope="module")
def without_netns(regency: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A second lab on the same NetBox as a user without root gets it: no namespaces."""
    other, result = _start_lab(regency.netbox, tmp_path_factory.mktemp("lab-without-netns"), netns=False)
    try:
        yield other, result
    finally:
        _stop_lab(other)


def test_without_namespaces_the_linux_devices_are_left_out_with_a_reason(
    regency: Any, without_netns: Any
) -> None:
    other, result = without_netns
    netbox = _netbox_devices(regency)
    linux = sorted(n for n, d in netbox.items() if (d.get("platform") or {}).get("slug") == "linux")
    assert sorted(item["name"] for item in result["skipped"]) == linux
    assert all("network namespaces" in item["reason"] for item in result["skipped"])
    assert result["simulated"] == DEMO_DEVICES - len(linux)

    overrides = json.loads(other.paths.overrides.read_text())
    assert overrides["lab"] is True
    assert sorted(overrides["hosts"]) == sorted(set(netbox) - set(linux))
    assert sorted(overrides["not_simulated"]) == linux
    lab_file = yaml.safe_load(other.paths.ansible.read_text())
    refused = lab_file["all"]["children"]["lab_not_simulated"]["hosts"]
    assert sorted(refused) == linux
    assert all(h["ansible_host"] == "127.0.0.1" for h in refused.values())
    assert all(h["ansible_connection"] == "not_simulated_in_the_lab" for h in refused.values())


def _env_of(lab: Any, other: Any) -> dict[str, str]:
    env = lab.env()
    env["SIMPUL_INVENTORY_OVERRIDES"] = str(other.paths.overrides)
    env["ANSIBLE_INVENTORY"] = f"{ROOT / 'inventory' / 'netbox.yml'},{other.paths.ansible}"
    return env


def test_without_namespaces_simpul_refuses_the_linux_devices(
    regency: Any, without_netns: Any, tmp_path: Path
) -> None:
    other, _ = without_netns
    done = run_simpul(
        "backup",
        "configs",
        "--json",
        "--platform",
        "linux",
        "--repo",
        str(tmp_path / "r"),
        env=_env_of(regency, other),
    )
    assert done.returncode == 1, done.stderr[-2000:]
    failed = json.loads(done.stdout)["failed"]
    linux = sorted(json.loads(other.paths.overrides.read_text())["not_simulated"])
    assert sorted(failed) == linux
    assert all("not simulated in the lab" in reason for reason in failed.values())


def test_without_namespaces_ansible_reaches_no_linux_device(regency: Any, without_netns: Any) -> None:
    other, _ = without_netns
    hosts = _ansible_hosts(_env_of(regency, other))
    assert len(hosts) == DEMO_DEVICES
    assert all(_loopback(h["ansible_host"]) for h in hosts.values())
    refused = {n for n, h in hosts.items() if h.get("ansible_connection") == "not_simulated_in_the_lab"}
    assert refused == set(json.loads(other.paths.overrides.read_text())["not_simulated"])
