"""A real redis-server on a free loopback port, real lab devices, real ``simpul worker`` processes.

Nothing is left behind by a killed run: every redis-server and worker started here runs in a
directory holding ``owner`` (the pytest pid); the next session kills those whose owner is dead.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.backup.sshdevice import free_port, free_range

SIMPUL = str(Path(sys.executable).parent / "simpul")
MARK = "simpul-scale-test"


def _sweep_stale() -> None:
    """Kill redis-servers and workers of earlier sessions whose pytest process is gone."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            owner = int((Path(cwd) / "owner").read_text().split()[0]) if MARK in cwd else None
        except (OSError, ValueError):
            continue
        if owner is not None and not Path(f"/proc/{owner}").exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(proc.name), signal.SIGKILL)


@dataclass
class Redis:
    port: int
    proc: subprocess.Popen[bytes]

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    import redis

    _sweep_stale()
    home = tmp_path_factory.mktemp(MARK + "-redis")
    (home / "owner").write_text(f"{os.getpid()}\n")
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = redis.Redis(port=port)
    for _ in range(200):
        with contextlib.suppress(redis.exceptions.ConnectionError):
            client.ping()
            break
        time.sleep(0.05)
    try:
        yield Redis(port=port, proc=proc)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class Lab:
    lab: Any
    state: Path

    def hosts(self) -> list[Any]:
        from simpul.inventory import InventoryHost

        return [
            InventoryHost(d.name, "127.0.0.1", d.ssh_port, d.platform, d.role, d.site, d.skpd)
            for d in self.lab.devices
        ]


@pytest.fixture(scope="module")
def slow_lab(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> Iterator[Lab]:
    """Six lab devices behind a slow link (every answer 250 ms late): a batch takes seconds."""
    from simpul.lab.devices import start_devices, stop_devices, sweep_orphaned_servers
    from simpul.lab.devices.synthetic import synthetic_lab

    base = tmp_path_factory.getbasetemp().parent
    sweep_orphaned_servers(base)
    state = tmp_path_factory.mktemp("scale-lab")
    lab = synthetic_lab(6, password="Lab" + secrets.token_hex(8), base_port=free_range(6))
    monkeypatch_module.setenv("SIMPUL_LAB_LATENCY_MS", "250")
    start_devices(lab, state)
    monkeypatch_module.delenv("SIMPUL_LAB_LATENCY_MS")
    try:
        yield Lab(lab=lab, state=state)
    finally:
        stop_devices(state)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def worker_env(lab: Lab, timeout: float = 10.0) -> dict[str, str]:
    # only the device credentials; the session's isolation (no settings file, its own state dir) stays
    keep = ("SIMPUL_SETTINGS", "SIMPUL_STATE_DIR", "SIMPUL_CACHE_DIR")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMPUL_") or k in keep}
    env.update(
        SIMPUL_DEVICE_USERNAME=lab.lab.username,
        SIMPUL_DEVICE_PASSWORD=lab.lab.password,
        SIMPUL_DEVICE_TIMEOUT=str(timeout),
    )
    return env


@pytest.fixture()
def workers(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``simpul worker`` processes; every one still running is stopped at the end."""
    home = tmp_path / (MARK + "-workers")
    home.mkdir()
    (home / "owner").write_text(f"{os.getpid()}\n")
    started: list[subprocess.Popen[str]] = []

    def start(url: str, name: str, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
        with open(home / f"{name}.log", "w") as log:  # read by worker_logs() when a wait fails
            proc = subprocess.Popen(
                [SIMPUL, "worker", "--queue", url, "--name", name, *extra],
                cwd=home,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
    for proc in started:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def worker_logs(tmp_path: Path) -> str:
    """What the workers of this test printed (for the message of a failed wait)."""
    logs = sorted((tmp_path / (MARK + "-workers")).glob("*.log"))
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in logs)


def wait_for(
    check: Callable[[], Any], timeout: float = 60.0, what: str = "", explain: Callable[[], str] | None = None
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what or check}" + (f"\n{explain()}" if explain else ""))
