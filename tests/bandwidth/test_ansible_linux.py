"""playbooks/bandwidth.yml with the simpul_bandwidth_linux role, run by the real ansible-playbook
against a namespace core router (local connection, commands prefixed with `ip netns exec`):
check mode changes nothing, the first run applies, the second run changes nothing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from .conftest import DATA

pytestmark = [
    pytest.mark.netns,
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces and tc"),
]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture
def core_ns():
    ns = f"sbwt-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    subprocess.run(
        ["ip", "-n", ns, "link", "add", "up0", "type", "veth", "peer", "name", "peer0"], check=True
    )
    subprocess.run(["ip", "-n", ns, "link", "set", "up0", "up"], check=True)
    yield ns
    subprocess.run(["ip", "netns", "del", ns], check=False)


def _play(ns: str, state: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    inventory = state.parent / "hosts.ini"
    inventory.write_text(
        "[lab]\ncore-lab ansible_connection=local ansible_python_interpreter=" + sys.executable + "\n"
    )
    env = dict(os.environ, ANSIBLE_ROLES_PATH=str(ROOT / "roles"), ANSIBLE_NOCOLOR="1")
    cmd = [
        str(BIN / "ansible-playbook"), "-i", str(inventory), str(ROOT / "playbooks" / "bandwidth.yml"),
        "-e", "simpul_bandwidth_hosts=lab",
        "-e", "simpul_bandwidth_linux_uplink=up0",
        "-e", f"simpul_bandwidth_linux_state_dir={state}",
        "-e", f"simpul_bandwidth_linux_simpul={BIN / 'simpul'}",
        "-e", f"simpul_bandwidth_linux_plan_file={DATA / 'plan3.yaml'}",
        "-e", json.dumps({"simpul_bandwidth_linux_exec_prefix": f"ip netns exec {ns}"}),
        *extra,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=300)


def _changed(run: subprocess.CompletedProcess[str]) -> int:
    match = re.search(r"core-lab\s*:\s*ok=\d+\s+changed=(\d+)", run.stdout)
    assert match, run.stdout + run.stderr
    return int(match.group(1))


def _classes(ns: str) -> str:
    return subprocess.run(
        ["ip", "netns", "exec", ns, "tc", "class", "show", "dev", "up0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_check_then_apply_then_idempotent(core_ns, tmp_path):
    state = tmp_path / "state"
    check = _play(core_ns, state, "--check", "--diff")
    assert check.returncode == 0, check.stdout + check.stderr
    assert _changed(check) >= 1
    assert "htb" not in _classes(core_ns)  # check mode pushed nothing

    first = _play(core_ns, state)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _changed(first) == 3  # state directory made, script installed, plan applied
    assert "rate 15Mbit ceil 25Mbit" in _classes(core_ns)

    second = _play(core_ns, state)
    assert second.returncode == 0, second.stdout + second.stderr
    assert _changed(second) == 0

    subprocess.run(["ip", "netns", "exec", core_ns, "tc", "qdisc", "del", "dev", "up0", "root"], check=True)
    third = _play(core_ns, state)  # the shaper vanished (reboot): the role puts it back
    assert _changed(third) == 1
    assert "rate 15Mbit ceil 25Mbit" in _classes(core_ns)
