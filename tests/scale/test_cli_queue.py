"""``simpul backup configs --queue`` end to end: NetBox inventory, a real worker, the real CLI.

The coordinator reads NetBox and commits; the worker has only the device credentials (no NetBox
URL, no token, no repo) and still backs up every device: the job carried everything else.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simpul.scale.queue import connect, live_workers
from tests.backup.conftest import all_repo_text, git
from tests.backup.sshdevice import free_range
from tests.conftest import LabNetBox, run_simpul
from tests.scale.conftest import Redis, wait_for, worker_logs

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]

DEVICES = ("rtr-disdik", "sw-disdik-01", "rtr-dinkes")


def test_backup_configs_through_a_worker(
    netbox_seeded: LabNetBox, redis_server: Redis, workers: Callable[..., Any], tmp_path: Path
) -> None:
    from simpul.lab.build import build_device_lab, fetch_regency
    from simpul.lab.devices import start_devices, stop_devices

    creds = {
        "password": "Lab" + secrets.token_hex(8),
        "enable_secret": secrets.token_urlsafe(12),
        "user_password": secrets.token_urlsafe(12),
        "snmp_community": "snmp" + secrets.token_hex(6),
        "ipsec_psk": secrets.token_urlsafe(16),
        "ppp_secret": secrets.token_urlsafe(10),
    }
    whole, _ = build_device_lab(fetch_regency(netbox_seeded.api()), creds, free_range(100))
    lab = whole.model_copy(update={"devices": tuple(d for d in whole.devices if d.name in DEVICES)})
    overrides = tmp_path / "overrides.json"
    overrides.write_text(
        json.dumps(
            {
                "lab": True,
                "hosts": {d.name: {"hostname": "127.0.0.1", "port": d.ssh_port} for d in lab.devices},
            }
        )
    )
    url = redis_server.url(5)
    keep = ("SIMPUL_SETTINGS", "SIMPUL_STATE_DIR", "SIMPUL_CACHE_DIR")  # the session's isolation
    worker_env = {
        k: v for k, v in netbox_seeded.env().items() if not k.startswith(("SIMPUL_", "NETBOX_")) or k in keep
    }
    worker_env.update(SIMPUL_DEVICE_USERNAME=lab.username, SIMPUL_DEVICE_PASSWORD=lab.password)
    coordinator_env = {
        **netbox_seeded.env(),
        "SIMPUL_INVENTORY_OVERRIDES": str(overrides),
        "SIMPUL_QUEUE_URL": url,
        "SIMPUL_DEVICE_PASSWORD": "the-coordinator-never-logs-in",
    }
    state = tmp_path / "devices"
    start_devices(lab, state)
    try:
        workers(url, "w-only", worker_env)
        wait_for(
            lambda: "w-only" in live_workers(connect(url)),
            what="the worker",
            explain=lambda: worker_logs(tmp_path),
        )
        repo = tmp_path / "repo"
        devices = [arg for name in DEVICES for arg in ("--device", name)]
        proc = run_simpul(
            "backup", "configs", *devices, "--queue", url, "--repo", str(repo), "--json", env=coordinator_env
        )
    finally:
        stop_devices(state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    assert sorted(result["changed"]) == sorted(DEVICES) and result["failed"] == {}
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert "disdik/disdik/rtr-disdik.cfg" in git(repo, "ls-files").split()
    assert [s for s in creds.values() if s in all_repo_text(repo)] == []


def test_nightly_takes_the_queue_for_its_config_backup(
    netbox_seeded: LabNetBox, redis_server: Redis, tmp_path: Path
) -> None:
    """``simpul nightly --queue URL``: the backup stage goes through the RQ coordinator. With no worker
    listening it fails as the coordinator does (clearly, nothing committed); the run goes on."""
    env = {**netbox_seeded.env(), "SIMPUL_STATE_DIR": str(tmp_path / "state")}
    args = ("--only", "backup", "--queue", redis_server.url(6), "--json", "--report", str(tmp_path / "r"))
    proc = run_simpul("nightly", *args, env=env)
    assert "Traceback" not in proc.stderr
    result = json.loads(proc.stdout)
    backup = result["stages"]["backup"]
    assert backup["status"] == "failed", backup
    assert "no simpul worker" in backup["message"]
    assert proc.returncode == 2  # the stage's own error: bad setup, as `backup configs --queue` says
    assert not (tmp_path / "state" / "backups").exists()  # nothing committed
