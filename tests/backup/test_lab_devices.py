"""Backup of the lab's own simulated devices (simpul.lab.devices, stateful fakenos plugins).

The lab plants realistic secrets (LabSecrets) in every running config; none may reach the repo.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simpul.services.backup import run_backup
from simpul.store import GitStore
from tests.backup.conftest import Device, all_repo_text, git, make_nornir
from tests.backup.sshdevice import free_range

pytestmark = [pytest.mark.devices, pytest.mark.slow]


@pytest.fixture(scope="module")
def lab_devices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[Device]]]:
    from simpul.lab.devices import start_devices, stop_devices
    from simpul.lab.devices.synthetic import synthetic_lab

    state = tmp_path_factory.mktemp("lab-devices")
    lab = synthetic_lab(9, password="Lab" + secrets.token_hex(8), base_port=free_range(9))
    start_devices(lab, state)
    try:
        devices = [Device(d.name, d.platform, d.ssh_port, d.skpd, d.site) for d in lab.devices]
        yield lab, devices
    finally:
        stop_devices(state)


def test_lab_devices_back_up_clean_and_quiet(
    lab_devices: tuple[Any, list[Device]], rules: Any, tmp_path: Path
) -> None:
    lab, devices = lab_devices
    repo = tmp_path / "repo"
    first = run_backup(
        make_nornir(devices, lab.password, timeout=20), GitStore(repo), rules, secrets=[lab.password]
    )
    assert first.failed == {}
    assert sorted(first.changed) == sorted(d.name for d in devices)
    assert {d.platform for d in devices} == {"arista_eos", "cisco_ios", "mikrotik_routeros"}
    second = run_backup(make_nornir(devices, lab.password, timeout=20), GitStore(repo), rules)
    assert second.commit is None and second.failed == {}, (
        GitStore(repo).diff(second.changed[0]) if second.changed else ""
    )
    planted = [v for d in lab.devices for v in d.secrets.model_dump().values()] + [lab.password]
    text = all_repo_text(repo)
    assert [s for s in planted if s in text] == []
    assert git(repo, "fsck", "--strict") == ""
