"""The Nornir apply task over real SSH: sshd on 127.0.0.1 (its own config and keys), commands run
into a namespace core router, so nothing touches the root namespace's interfaces.

Under Nornir's own dry-run the task shows the diff and changes nothing; a real run applies; a second
real run has no diff."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from simpul.templates.bandwidth import render_bandwidth

from .conftest import load_plan

pytestmark = [
    pytest.mark.netns,
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or not Path("/usr/sbin/sshd").exists() or not shutil.which("ssh-keygen"),
        reason="needs root and OpenSSH server",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@pytest.fixture
def sshd(tmp_path):
    """A throwaway sshd on loopback accepting one generated key for root."""
    (tmp_path / "run").mkdir()
    key = tmp_path / "id_ed25519"
    host_key = tmp_path / "host_ed25519"
    for path in (key, host_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    auth = tmp_path / "authorized_keys"
    auth.write_text((tmp_path / "id_ed25519.pub").read_text())
    auth.chmod(0o600)
    port = _free_port()
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {tmp_path}/sshd.pid\n"
        f"AuthorizedKeysFile {auth}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
        "StrictModes no\nUsePAM no\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield port, key
    proc.terminate()
    proc.wait(timeout=10)


def _nornir(port: int, key: Path, ns: str, state_dir: Path):
    from nornir.core import Nornir
    from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
    from nornir.core.plugins.connections import ConnectionPluginRegister
    from nornir.core.state import GlobalState
    from nornir.plugins.runners import SerialRunner

    ConnectionPluginRegister.auto_register()
    host = Host(
        name="core-lab",
        hostname="127.0.0.1",
        port=port,
        username="root",
        platform="linux",
        data={"bandwidth_state_dir": str(state_dir), "bandwidth_exec_prefix": f"ip netns exec {ns}"},
        connection_options={
            "netmiko": ConnectionOptions(
                extras={"use_keys": True, "key_file": str(key), "allow_agent": False}
            )
        },
    )
    return Nornir(
        inventory=Inventory(hosts=Hosts({"core-lab": host}), groups=Groups(), defaults=Defaults()),
        runner=SerialRunner(),
        data=GlobalState(dry_run=True),  # what `simpul bandwidth apply` without --commit builds
    )


def _classes(ns: str) -> str:
    return subprocess.run(
        ["ip", "netns", "exec", ns, "tc", "class", "show", "dev", "up0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_dry_run_then_commit_then_idempotent(sshd, core_ns, tmp_path):
    from nornir_tasks.bandwidth import bandwidth_apply_linux

    port, key = sshd
    script = render_bandwidth(load_plan("plan3.yaml"), "linux", uplink="up0")
    nr = _nornir(port, key, core_ns, tmp_path / "state")

    def run():  # type: ignore[no-untyped-def]
        return nr.run(task=bandwidth_apply_linux, script=script, uplink="up0")["core-lab"][0]

    try:
        dry = run()  # Nornir's global dry-run
        assert not dry.failed, dry.exception
        assert dry.changed is True and "+tc class add" in dry.diff
        assert "htb" not in _classes(core_ns)  # the dry run pushed nothing

        nr.data.dry_run = False
        first = run()
        assert not first.failed, first.exception
        assert first.changed is True
        assert "rate 10Mbit ceil 40Mbit" in _classes(core_ns)

        second = run()
        assert not second.failed, second.exception
        assert (second.changed, second.diff) == (False, ""), second.diff

        # someone deletes the shaper: the device drifted, the diff shows it again
        subprocess.run(
            ["ip", "netns", "exec", core_ns, "tc", "qdisc", "del", "dev", "up0", "root"], check=True
        )
        # the task's own override (nornir_napalm's `dry_run=`) wins over the global setting
        drift = nr.run(task=bandwidth_apply_linux, script=script, uplink="up0", dry_run=True)["core-lab"][0]
        assert drift.changed is True
        assert "htb" not in _classes(core_ns)
    finally:
        nr.close_connections()
