"""``simpul backup configs --queue``: real redis-server, real ``simpul worker`` processes, lab devices.

Only the coordinator writes the git store; a worker killed mid-job loses nothing and duplicates
nothing; a device that never answers fails alone on its own timeout.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simpul.inventory import InventoryHost
from simpul.scale.backup import run_on_workers
from simpul.scale.coordinator import QueueOptions
from simpul.scale.queue import connect, live_workers
from simpul.store import GitStore
from tests.backup.conftest import all_repo_text, git
from tests.backup.sshdevice import SilentPort
from tests.scale.conftest import Lab, Redis, wait_for, worker_env, worker_logs

pytestmark = [pytest.mark.devices, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "backup_policies" / "config_scrub.yaml"


def _backup(url: str, hosts: list[InventoryHost], repo: Path, **options: Any) -> Any:
    rules_text = {"text": RULES.read_text(), "source": str(RULES)}
    opts = QueueOptions(url=url, read_timeout=30, **options)
    return run_on_workers(connect(url), hosts, GitStore(repo), rules_text, opts, url=url)


def _planted(lab: Lab) -> list[str]:
    return [v for d in lab.lab.devices for v in d.secrets.model_dump().values()] + [lab.lab.password]


def test_workers_fetch_the_coordinator_commits_once(
    redis_server: Redis, slow_lab: Lab, workers: Callable[..., Any], tmp_path: Path
) -> None:
    url = redis_server.url(1)
    env = worker_env(slow_lab, timeout=3)
    for name in ("w-a", "w-b"):
        workers(url, name, env)
    wait_for(
        lambda: live_workers(connect(url)) >= {"w-a", "w-b"},
        what="two live workers",
        explain=lambda: worker_logs(tmp_path),
    )
    silent = SilentPort()
    try:
        hosts = [
            *slow_lab.hosts(),
            InventoryHost(
                "rtr-silent", "127.0.0.1", silent.port, "cisco_ios", "skpd-edge", "dinkes", "dinkes"
            ),
            InventoryHost(
                "rtr-elsewhere", None, 22, "cisco_ios", None, "x", "x", refused="not simulated in the lab"
            ),
        ]
        result = _backup(url, hosts, tmp_path / "repo")
    finally:
        silent.stop()
    lab_names = sorted(d.name for d in slow_lab.lab.devices)
    assert sorted(result.changed) == lab_names
    assert set(result.failed) == {"rtr-silent", "rtr-elsewhere"}
    assert result.failed["rtr-silent"].startswith(("timeout:", "unreachable:")), result.failed
    assert result.failed["rtr-elsewhere"] == "refused: not simulated in the lab"
    repo = tmp_path / "repo"
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert len(git(repo, "ls-files").split()) == len(lab_names)
    assert [s for s in _planted(slow_lab) if s in all_repo_text(repo)] == []
    status = GitStore(repo).status()
    assert status["rtr-silent"].result == "failed"
    # the run left no job and no result in Redis (scrubbed configs do not linger)
    keys = connect(url).keys("*")
    assert [k for k in keys if b"simpul-backup-" in k or k.startswith(b"simpul:results:")] == []


def test_a_worker_killed_mid_job_loses_and_duplicates_nothing(
    redis_server: Redis,
    slow_lab: Lab,
    workers: Callable[..., Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from rq import Queue
    from rq.registry import StartedJobRegistry

    url = redis_server.url(2)
    env = worker_env(slow_lab)
    doomed = workers(url, "w-doomed", env)
    conn = connect(url)
    wait_for(
        lambda: "w-doomed" in live_workers(conn),
        what="the first worker",
        explain=lambda: worker_logs(tmp_path),
    )
    out: dict[str, Any] = {}
    caplog.set_level(logging.WARNING, logger="simpul.scale.coordinator")
    coordinator = threading.Thread(
        target=lambda: out.setdefault("result", _backup(url, slow_lab.hosts(), tmp_path / "repo"))
    )
    coordinator.start()
    registry = StartedJobRegistry(queue=Queue("simpul", connection=conn))
    wait_for(registry.get_job_ids, what="a started job")
    doomed.send_signal(signal.SIGKILL)  # mid-job: its devices answer 250 ms late
    doomed.wait()
    workers(url, "w-spare", env)
    coordinator.join(timeout=120)
    assert not coordinator.is_alive()
    result = out["result"]
    assert sorted(result.changed) == sorted(d.name for d in slow_lab.lab.devices)
    assert result.failed == {}
    assert "worker w-doomed died holding" in caplog.text
    repo = tmp_path / "repo"
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    assert sorted(Path(p).stem for p in git(repo, "ls-files").split()) == sorted(result.changed)
    assert git(repo, "fsck", "--strict") == ""


def _simpul(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    from tests.scale.conftest import SIMPUL

    return subprocess.run([SIMPUL, *args], capture_output=True, text=True, check=False, timeout=60, env=env)


def test_no_worker_fails_clearly_and_writes_nothing(redis_server: Redis, tmp_path: Path) -> None:
    proc = _simpul("backup", "configs", "--queue", redis_server.url(3), "--repo", str(tmp_path / "repo"))
    assert proc.returncode == 2, proc.stderr
    assert "no simpul worker is listening on queue 'simpul'" in proc.stderr
    assert "simpul worker --queue URL" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "repo").exists()


def test_redis_down_exits_2(tmp_path: Path, slow_lab: Lab) -> None:
    from tests.backup.sshdevice import free_port

    url = f"redis://:hunter2pw@127.0.0.1:{free_port()}/0"
    proc = _simpul("backup", "configs", "--queue", url, "--repo", str(tmp_path / "repo"))
    assert proc.returncode == 2
    assert "the queue's Redis cannot be reached" in proc.stderr and "redis://***@127.0.0.1" in proc.stderr
    assert "hunter2pw" not in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "repo").exists()
    proc = _simpul("worker", "--queue", url, "--burst", env=worker_env(slow_lab))
    assert proc.returncode == 2 and "the queue's Redis cannot be reached" in proc.stderr


def test_a_worker_without_credentials_refuses_to_start(redis_server: Redis, slow_lab: Lab) -> None:
    env = worker_env(slow_lab)
    del env["SIMPUL_DEVICE_PASSWORD"]
    proc = _simpul("worker", "--queue", redis_server.url(4), "--burst", env=env)
    assert proc.returncode == 2
    assert "SIMPUL_DEVICE_PASSWORD" in proc.stderr and "Traceback" not in proc.stderr


def test_any_device_task_survives_a_worker_killed_mid_batch(
    redis_server: Redis,
    slow_lab: Lab,
    workers: Callable[..., Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The generic seam (LAN collect here) on the same engine: the dead worker's devices run again
    on another worker, each device ends with exactly one outcome, the same state a local run reads."""
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from nornir_tasks.collect import collect_state
    from simpul.devices.runner import build_nornir, run_on_devices
    from simpul.scale.remote import on_queue
    from simpul.settings import load_settings

    url = redis_server.url(3)
    env = worker_env(slow_lab, timeout=30)
    settings = load_settings(env=env, settings_file=False)
    local = run_on_devices(build_nornir(settings, hosts=slow_lab.hosts()), collect_state)
    assert all(o.ok for o in local.values()), {n: o.reason for n, o in local.items()}
    doomed = workers(url, "w-doomed-collect", env)
    conn = connect(url)
    wait_for(lambda: "w-doomed-collect" in live_workers(conn), explain=lambda: worker_logs(tmp_path))
    out: dict[str, Any] = {}
    caplog.set_level(logging.WARNING, logger="simpul.scale.coordinator")

    def coordinate() -> None:
        with on_queue(settings, url):
            nornir = build_nornir(settings, hosts=slow_lab.hosts())
            out["outcomes"] = run_on_devices(nornir, collect_state, name="collect_state")

    coordinator = threading.Thread(target=coordinate)
    coordinator.start()
    wait_for(StartedJobRegistry(queue=Queue("simpul", connection=conn)).get_job_ids, what="a started job")
    doomed.send_signal(signal.SIGKILL)  # mid-batch: every answer of its devices comes 250 ms late
    doomed.wait()
    workers(url, "w-spare-collect", env)
    coordinator.join(timeout=180)
    assert not coordinator.is_alive()
    outcomes = out["outcomes"]
    assert "worker w-doomed-collect died holding" in caplog.text
    assert {n: o.reason for n, o in outcomes.items() if not o.ok} == {}
    assert {n: o.result for n, o in outcomes.items()} == {n: o.result for n, o in local.items()}
    assert [k for k in conn.keys("*") if k.startswith(b"simpul:results:")] == []
