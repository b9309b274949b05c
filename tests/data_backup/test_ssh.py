"""The SSH runner: ``simpul backup data run`` starts an SKPD server's installed agent over real SSH
(OpenSSH's sshd on a free loopback port, key authentication), the same script the local runner runs;
an SKPD server that does not answer SSH fails alone, with its reason."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from simpul.lab.data_backup import DataBackupLab, free_port, lab_tempdir
from simpul.providers.restic import port_answers
from simpul.services.data_backup import RunRequest, Sources, run_backups
from tests.data_backup.conftest import lab_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sshd() -> Iterator[tuple[int, Path]]:
    """An sshd of our own: its host key, its authorized key (ours), its pid file, its port."""
    base = lab_tempdir("simpul-sshd-")
    port = free_port()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / "host")], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / "id")], check=True)
    (base / "authorized_keys").write_text((base / "id.pub").read_text())
    (base / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {base / 'host'}\nPidFile {base / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {base / 'authorized_keys'}\nStrictModes no\nUsePAM no\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-e", "-f", str(base / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=(base / "sshd.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 20
        while not port_answers("127.0.0.1", port) and time.monotonic() < deadline:
            assert proc.poll() is None, (base / "sshd.log").read_text()
            time.sleep(0.05)
        yield port, base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        subprocess.run(["rm", "-rf", str(base)], check=False)


def test_run_over_ssh(lab: DataBackupLab, sshd: tuple[int, Path]) -> None:
    port, base = sshd
    estate = yaml.safe_load(lab.estate_path.read_text())
    for name, entry in estate["skpd"].items():
        for server, access in entry.get("servers", {}).items():
            entry["servers"][server] = {
                **access,
                "runner": "ssh",
                "host": "127.0.0.1",
                "port": port if name == "disdukcapil" else free_port(),  # disdik's server: nobody there
                "user": os.environ.get("USER", "root"),
                "identity": str(base / "id"),
                "known_hosts": str(base / "known_hosts"),
            }
    ssh_estate = base / "estate-ssh.yaml"
    ssh_estate.write_text(yaml.safe_dump(estate))
    sources = Sources(estate=ssh_estate, target=lab.target_path, policies=lab.policies_dir)
    result = run_backups(lab_settings(lab), RunRequest(sources=sources, commit=True))
    by = {s.skpd: s for s in result.skpd}
    (over_ssh,) = by["disdukcapil"].servers
    assert over_ssh.result == "ok", over_ssh.reason
    assert over_ssh.sources == {"files-srv": "ok", "pg-simduk": "ok"}
    (down,) = by["disdik"].servers
    assert (down.result, down.reason) == ("failed", "unreachable: ssh to srv-disdik-01 failed")
    assert result.exit_code == 1
