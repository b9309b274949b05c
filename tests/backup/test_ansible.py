"""playbooks/backup_configs.yml with a real ansible-playbook against real SSH devices.

The Ansible path must write the same files as ``simpul backup configs`` (same library, same rules),
make one commit, none the second time, and fail the play when a device fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from simpul.services.backup import run_backup
from simpul.store import GitStore, read_status
from tests.backup.conftest import ROOT, Lab, all_repo_text, git, make_nornir
from tests.backup.sshdevice import free_port

pytestmark = [pytest.mark.devices, pytest.mark.slow]
PLAYBOOK = ROOT / "playbooks" / "backup_configs.yml"
DEVICES = ["rtr-dinkes", "rtr-disdik"]


def _inventory(lab: Lab, path: Path, extra: dict[str, Any] | None = None) -> Path:
    hosts: dict[str, Any] = {}
    for name in DEVICES:
        dev = lab.devices[name]
        hv: dict[str, Any] = {
            "ansible_host": "127.0.0.1",
            "ansible_port": dev.port,
            "platform": dev.platform,
            "tenant": dev.skpd,
            "site": dev.site,
            "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_cli_ssh_type": "paramiko",
            "ansible_user": "admin",
        }
        if dev.platform == "cisco_ios":
            hv |= {
                "ansible_network_os": "cisco.ios.ios",
                "ansible_become": True,
                "ansible_become_method": "enable",
            }
        else:
            hv |= {"ansible_network_os": "community.routeros.routeros", "ansible_user": "admin+ct511w4098h"}
        hosts[name] = hv
    hosts.update(extra or {})
    data = {
        "all": {
            "hosts": hosts,
            "vars": {
                "ansible_password": "{{ lookup('env', 'SIMPUL_DEVICE_PASSWORD') }}",
                "ansible_become_password": "{{ ansible_password }}",
            },
        }
    }
    path.write_text(yaml.safe_dump(data))
    return path


def _play(inventory: Path, repo: Path, password: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SIMPUL_DEVICE_PASSWORD": password,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "15",
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "30",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
    }
    cmd = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i",
        str(inventory),
        str(PLAYBOOK),
        "-e",
        f"simpul_backup_repo={repo}",
        *extra,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False, cwd=ROOT)


def test_playbook_writes_the_same_files_as_simpul(lab: Lab, rules: Any, tmp_path: Path) -> None:
    pw = lab.planted.password
    inventory = _inventory(lab, tmp_path / "hosts.yml")
    ansible_repo = tmp_path / "ansible-repo"

    check = _play(inventory, ansible_repo, pw, "--check")
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    assert not (ansible_repo / ".git").exists()  # --check writes nothing

    first = _play(inventory, ansible_repo, pw)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert git(ansible_repo, "rev-list", "--count", "HEAD").strip() == "1"

    simpul_repo = tmp_path / "simpul-repo"
    nornir = make_nornir([lab.devices[n] for n in DEVICES], pw)
    run_backup(nornir, GitStore(simpul_repo), rules)
    files = sorted(git(ansible_repo, "ls-files").split())
    assert (
        files
        == sorted(git(simpul_repo, "ls-files").split())
        == ["dinkes/dinkes/rtr-dinkes.cfg", "disdik/disdik/rtr-disdik.cfg"]
    )
    for f in files:
        assert (ansible_repo / f).read_text() == (simpul_repo / f).read_text()

    second = _play(inventory, ansible_repo, pw)
    assert second.returncode == 0
    assert git(ansible_repo, "rev-list", "--count", "HEAD").strip() == "1"  # nothing changed, no commit
    recap = second.stdout.split("PLAY RECAP")[1]
    assert all("changed=0" in line for line in recap.splitlines() if "changed=" in line), recap

    text = all_repo_text(ansible_repo) + first.stdout + first.stderr + second.stdout
    assert [s for s in lab.planted.all() if s in text] == []


def test_playbook_fails_for_a_failed_device_and_commits_the_others(lab: Lab, tmp_path: Path) -> None:
    gone = {
        "rtr-gone": {
            "ansible_host": "127.0.0.1",
            "ansible_port": free_port(),
            "platform": "cisco_ios",
            "tenant": "disbun",
            "site": "disbun",
            "ansible_connection": "ansible.netcommon.network_cli",
            "ansible_network_cli_ssh_type": "paramiko",
            "ansible_network_os": "cisco.ios.ios",
            "ansible_user": "admin",
        }
    }
    inventory = _inventory(lab, tmp_path / "hosts.yml", extra=gone)
    repo = tmp_path / "repo"
    proc = _play(inventory, repo, lab.planted.password)
    assert proc.returncode != 0
    assert "rtr-gone: unreachable: connection refused" in proc.stdout, proc.stdout[-4000:]
    assert sorted(git(repo, "ls-files").split()) == [
        "dinkes/dinkes/rtr-dinkes.cfg",
        "disdik/disdik/rtr-disdik.cfg",
    ]
    assert read_status(repo)["rtr-gone"].result == "failed"
