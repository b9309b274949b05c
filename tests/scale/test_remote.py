"""Every device-bound capability on the queue: ``--queue`` hands a command's device work to ``simpul
worker``s and the command's answer is the same as a local run's.

The whole lab (seeded NetBox, the 78 simulated devices), a real redis-server and a real ``simpul
worker`` process that has only the device credentials (no NetBox, no project settings). The
coordinator's own device password is wrong, so a device can only have answered through the worker.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simpul.scale.queue import connect, live_workers
from tests.conftest import run_simpul
from tests.scale.conftest import Redis, wait_for, worker_logs

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]

SKPD = "disdik"
CORE = "core-diskominfo-01"


def _envs(lab: Any, url: str) -> tuple[dict[str, str], dict[str, str]]:
    """(worker, coordinator) environments: the worker knows the devices' credentials and nothing else."""
    keep = ("SIMPUL_SETTINGS", "SIMPUL_STATE_DIR", "SIMPUL_CACHE_DIR")
    worker = {k: v for k, v in os.environ.items() if not k.startswith(("SIMPUL_", "NETBOX_")) or k in keep}
    worker.update(
        SIMPUL_DEVICE_USERNAME="admin",
        SIMPUL_DEVICE_PASSWORD=lab.password,
        SIMPUL_WORKERS="16",
        SIMPUL_DEVICE_TIMEOUT="60",
    )
    local = {**lab.env(), "SIMPUL_WORKERS": "16", "SIMPUL_DEVICE_TIMEOUT": "60"}
    coordinator = {
        **local,
        "SIMPUL_QUEUE_URL": url,
        "SIMPUL_DEVICE_PASSWORD": "the-coordinator-never-logs-in",
    }
    return worker, coordinator


@pytest.fixture()
def queued(
    lab: Any, redis_server: Redis, workers: Callable[..., Any], tmp_path: Path
) -> tuple[dict[str, str], dict[str, str]]:
    """(local env, coordinator env) with one live worker on a fresh queue database."""
    lab.clear()
    url = redis_server.url(7)
    connect(url).flushdb()
    worker_env, coordinator_env = _envs(lab, url)
    workers(url, "w-remote", worker_env)
    wait_for(
        lambda: "w-remote" in live_workers(connect(url)),
        what="the worker",
        explain=lambda: worker_logs(tmp_path),
    )
    local = {k: v for k, v in coordinator_env.items() if k != "SIMPUL_QUEUE_URL"}
    local["SIMPUL_DEVICE_PASSWORD"] = lab.password
    return local, coordinator_env


def _json(proc: Any) -> Any:
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def _snapshots(out: Path) -> dict[str, Any]:
    snaps = {}
    for path in sorted(out.glob("*.json")):
        data = json.loads(path.read_text())
        data.pop("collected_at", None)
        snaps[path.name] = data
    return snaps


def test_lan_collect_on_a_worker_writes_what_a_local_collect_writes(
    queued: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    local_env, coordinator_env = queued
    here = run_simpul(
        "lan", "collect", "--skpd", SKPD, "--out", str(tmp_path / "here"), "--json", env=local_env
    )
    there = run_simpul(
        "lan",
        "collect",
        "--skpd",
        SKPD,
        "--out",
        str(tmp_path / "there"),
        "--queue",
        coordinator_env["SIMPUL_QUEUE_URL"],
        "--json",
        env=coordinator_env,
    )
    assert here.returncode == 0, here.stdout + here.stderr
    assert there.returncode == 0, there.stdout + there.stderr + worker_logs(tmp_path)
    assert _json(there)["devices"] == _json(here)["devices"] > 0
    local, remote = _snapshots(tmp_path / "here"), _snapshots(tmp_path / "there")
    assert list(remote) == [f"{SKPD}.json"]
    assert remote == local  # devices, interfaces, VLANs, neighbours: the same parsed state


def test_live_compliance_reads_running_configs_on_a_worker_scrubbed(
    queued: tuple[dict[str, str], dict[str, str]], tmp_path: Path, lab: Any
) -> None:
    from simpul.lab.build import lab_secrets

    local_env, coordinator_env = queued
    args = ("intended", "check", "--live", "--skpd", SKPD, "--json")
    here = run_simpul(*args, env=local_env)
    there = run_simpul(*args, "--queue", coordinator_env["SIMPUL_QUEUE_URL"], env=coordinator_env)
    assert here.returncode in (0, 1) and there.returncode == here.returncode, there.stdout + there.stderr
    local, remote = _json(here), _json(there)
    assert remote["devices"] and remote["devices"] == local["devices"]
    assert not [d for d in remote.get("failed", {}) or {}]  # every device answered through the worker
    secrets = [v for v in lab_secrets(lab.whole.paths.root).values() if v]
    assert [s for s in secrets if s in there.stdout + there.stderr] == []


def test_what_crosses_the_queue_is_scrubbed(
    queued: tuple[dict[str, str], dict[str, str]], lab: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records the coordinator reads back from Redis: a running config only after the worker
    scrubbed it (the lab's planted secrets are in every device's running config)."""
    from nornir_tasks.backup import backup_config
    from simpul.devices.runner import build_nornir, run_on_devices
    from simpul.inventory import Filters
    from simpul.lab.build import lab_secrets
    from simpul.scale import remote
    from simpul.settings import load_settings

    _local_env, coordinator_env = queued
    crossed: list[dict[str, Any]] = []
    real = remote.outcome_of
    monkeypatch.setattr(
        remote, "outcome_of", lambda record, task: crossed.append(record) or real(record, task)
    )
    settings = load_settings(env=coordinator_env, settings_file=False)
    nornir = build_nornir(settings, Filters(skpd=(SKPD,)))
    with remote.on_queue(settings, coordinator_env["SIMPUL_QUEUE_URL"]):
        outcomes = run_on_devices(nornir, backup_config, secrets=settings.secrets(), name="backup_config")
    answered = {name for name, o in outcomes.items() if o.ok}
    assert answered and answered == {r["name"] for r in crossed if r["error"] is None}
    text = json.dumps(crossed)
    assert "hostname" in text or "/system identity" in text
    secrets = [v for v in lab_secrets(lab.whole.paths.root).values() if v]
    assert [s for s in secrets if s in text] == []


def test_bandwidth_dry_run_and_continuity_on_a_worker(
    queued: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    local_env, coordinator_env = queued
    url = coordinator_env["SIMPUL_QUEUE_URL"]
    here = _json(run_simpul("bandwidth", "apply", "--json", env=local_env))
    there = _json(run_simpul("bandwidth", "apply", "--json", "--queue", url, env=coordinator_env))
    assert there["committed"] is False
    assert there["ok"] and CORE in there["devices"]
    assert there["devices"] == here["devices"]  # the same diff, nothing pushed
    here_c = run_simpul("bandwidth", "continuity", "--json", env=local_env)
    there_c = run_simpul("bandwidth", "continuity", "--json", "--queue", url, env=coordinator_env)
    assert there_c.returncode == here_c.returncode == 0, there_c.stdout + there_c.stderr
    assert _json(there_c) == _json(here_c)


def test_no_worker_on_the_queue_stops_a_collect_before_it_writes(
    lab: Any, redis_server: Redis, tmp_path: Path
) -> None:
    url = redis_server.url(8)
    _worker_env, coordinator_env = _envs(lab, url)
    out = tmp_path / "snaps"
    proc = run_simpul(
        "lan", "collect", "--skpd", SKPD, "--out", str(out), "--queue", url, env=coordinator_env
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no simpul worker is listening" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_intended_push_on_a_worker_brings_drift_back_and_the_coordinator_records_it(
    queued: tuple[dict[str, str], dict[str, str]], lab: Any, tmp_path: Path
) -> None:
    """ntp-drift on rtr-dinkes: the worker gets the plan (intended config, what simpul owns, the
    compliance judge as data), pushes, re-reads, re-checks and saves; the coordinator writes the
    history. The dry run through the queue says what a local dry run says."""
    from simpul.services.intended import history_store
    from simpul.settings import load_settings

    local_env, coordinator_env = queued
    state = {"SIMPUL_STATE_DIR": str(tmp_path / "state")}
    local_env, coordinator_env = {**local_env, **state}, {**coordinator_env, **state}
    url = coordinator_env["SIMPUL_QUEUE_URL"]
    args = ("intended", "push", "--device", "rtr-dinkes", "--device", "sw-disdik-01", "--json")
    lab.plant("ntp-drift")
    try:
        dry_here = _json(run_simpul(*args, env=local_env))
        dry_there = _json(run_simpul(*args, "--queue", url, env=coordinator_env))
        assert dry_there == dry_here
        assert dry_there["devices"]["rtr-dinkes"]["reason"] == "dry run: nothing was pushed"
        pushed = run_simpul(*args, "--commit", "--queue", url, env=coordinator_env)
        assert pushed.returncode == 0, pushed.stdout + pushed.stderr + worker_logs(tmp_path)
        devices = _json(pushed)["devices"]
        assert devices["rtr-dinkes"]["result"] == "applied" and devices["rtr-dinkes"]["compliant_after"]
        assert devices["sw-disdik-01"]["result"] == "unchanged"
        again = _json(run_simpul(*args, env=local_env))  # read locally: the push really happened
        assert again["devices"]["rtr-dinkes"]["changed"] is False
        store = history_store(load_settings(env=coordinator_env, settings_file=False))
        states = {(r.subject, r.state) for r in store.iter_states("intended-push")}
        assert ("rtr-dinkes", "applied") in states and ("sw-disdik-01", "unchanged") in states
    finally:
        lab.clear()


def test_nightly_runs_all_its_device_stages_on_the_workers(
    queued: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    """``simpul nightly --queue``: config backup, LAN collect and internet continuity all reach the
    devices through the worker (the coordinator's own password is wrong); it alone writes the
    repository, the snapshots, the history and the report."""
    _local_env, coordinator_env = queued
    env = {
        **coordinator_env,
        "SIMPUL_STATE_DIR": str(tmp_path / "state"),
        "SIMPUL_LIBVIRT_URI": f"qemu+unix:///system?socket={tmp_path}/no-libvirt.sock",
    }
    url = env["SIMPUL_QUEUE_URL"]
    only = [arg for stage in ("backup", "lan", "bandwidth", "report") for arg in ("--only", stage)]
    proc = run_simpul(
        "nightly", *only, "--queue", url, "--json", "--report", str(tmp_path / "r"), env=env, timeout=900
    )
    result = _json(proc)
    stages = result["stages"]
    for name in ("backup", "lan", "bandwidth"):
        assert stages[name]["status"] == "ok", (name, stages[name], worker_logs(tmp_path))
    assert stages["backup"]["counts"]["devices"] == 78 and stages["backup"]["failures"] == {}
    assert stages["lan"]["failures"] == {}
    assert (tmp_path / "r" / "index.html").exists()
