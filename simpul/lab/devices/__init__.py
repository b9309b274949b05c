"""Simulated SSH devices of the lab: start, stop and inspect the device server process.

One detached process (``python -m simpul.lab.devices.serve``) serves every device of a
``DeviceLab`` on ``lab.host``; its state directory holds ``spec.json`` (0600: it carries the lab
password), ``devices.json``, ``ready``, ``serve.log`` and the lab's SSH host key.

To change what the devices are (a drift scenario), call ``start_devices`` again with the patched
spec: it stops the running server of that state directory first (device state is rebuilt from
the spec; unsaved config changes are lost, as on a reboot).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from simpul.errors import LabError, PortInUseError
from simpul.lab.devices.state import skip_reason
from simpul.lab.devices.synthetic import synthetic_lab
from simpul.lab.spec import DeviceLab

__all__ = [
    "DevicesStatus",
    "RunningDevice",
    "SkippedDevice",
    "check_ports",
    "devices_status",
    "skipped_devices",
    "start_devices",
    "stop_devices",
    "sweep_orphaned_servers",
    "synthetic_lab",
]

log = logging.getLogger(__name__)

STARTED_BY = "started-by"  # "<pid> <starttime>" of the process that started the server

# Popen objects of servers this process started, so stopping them also reaps them (no zombie).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RunningDevice(_Frozen):
    name: str
    platform: str
    host: str
    port: int
    started_at: str


class SkippedDevice(_Frozen):
    name: str
    platform: str
    reason: str


class DevicesStatus(_Frozen):
    state_dir: str
    running: bool
    pid: int | None = None
    count: int = 0
    startup_seconds: float | None = None
    rss_mb: float | None = None
    started_at: str | None = None
    drift: tuple[str, ...] = ()
    devices: tuple[RunningDevice, ...] = ()
    skipped: tuple[SkippedDevice, ...] = ()


def skipped_devices(lab: DeviceLab) -> list[SkippedDevice]:
    """Devices whose platform the SSH lab cannot simulate, each with the reason."""
    result = []
    for device in lab.devices:
        reason = skip_reason(device.platform)
        if reason:
            result.append(SkippedDevice(name=device.name, platform=device.platform, reason=reason))
    return result


def check_ports(lab: DeviceLab) -> None:
    """Raise PortInUseError naming the first port (and its device) that cannot be bound."""
    seen: dict[int, str] = {}
    for device in lab.devices:
        if skip_reason(device.platform):
            continue
        if device.ssh_port in seen:
            raise PortInUseError(
                f"port {device.ssh_port} is given to both {seen[device.ssh_port]} and {device.name}",
                field=f"devices[{device.name}].ssh_port",
                hint="give every simulated device its own port",
            )
        seen[device.ssh_port] = device.name
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((lab.host, device.ssh_port))
            except OSError as err:
                what = (
                    "is already in use"
                    if err.errno == errno.EADDRINUSE
                    else f"cannot be bound ({err.strerror})"
                )
                raise PortInUseError(
                    f"port {device.ssh_port} for device {device.name} on {lab.host} {what}",
                    field=f"devices[{device.name}].ssh_port",
                    hint=f"stop what listens there (ss -ltnp 'sport = :{device.ssh_port}') "
                    "or choose other ports",
                ) from None


def _proc_state(pid: int) -> str | None:
    """The state letter of /proc/PID/stat (R, S, Z, ...), None when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _alive(pid: int) -> bool:
    return _proc_state(pid) not in (None, "Z", "X")


def _starttime(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def _server_state_dir(pid: int) -> Path | None:
    """The ``--state-dir`` of a device server process, None when ``pid`` is not one."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    if "simpul.lab.devices.serve" not in argv or "--state-dir" not in argv[:-1]:
        return None
    return Path(argv[argv.index("--state-dir") + 1])


def sweep_orphaned_servers(under: Path) -> list[int]:
    """Stop device servers below ``under`` whose starter is gone (a killed test session); their pids.

    For test roots only: a server started by ``simpul lab up`` outlives its starter on purpose.
    A server whose state dir vanished, or whose ``started-by`` process is dead, is an orphan.
    """
    root = Path(under).resolve()
    stopped = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        state_dir = _server_state_dir(pid)
        if state_dir is None or not state_dir.is_relative_to(root) or not _orphaned(state_dir):
            continue
        log.warning("stopping device server %d of a dead session (%s)", pid, state_dir)
        _terminate(pid, grace=5.0)
        stopped.append(pid)
    return stopped


def _orphaned(state_dir: Path) -> bool:
    try:
        pid_text, start_text = (state_dir / STARTED_BY).read_text().split()
    except (OSError, ValueError):
        return not state_dir.exists()
    return _starttime(int(pid_text)) != (None if start_text == "None" else int(start_text))


def _is_our_server(pid: int, state_dir: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"simpul.lab.devices.serve" in cmdline and str(state_dir).encode() in cmdline


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _read_status_file(state_dir: Path) -> dict[str, object] | None:
    path = state_dir / "devices.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except ValueError as err:
        raise LabError(f"{path} is not valid JSON: {err}", source=str(path), hint="remove the file") from None
    return data if isinstance(data, dict) else None


def devices_status(state_dir: Path) -> DevicesStatus:
    """What runs from ``state_dir``: pid, devices, start-up time, memory and planted drift."""
    state_dir = Path(state_dir).resolve()
    data = _read_status_file(state_dir)
    if data is None:
        return DevicesStatus(state_dir=str(state_dir), running=False)
    pid = int(str(data.get("pid", 0)))
    running = _alive(pid) and _is_our_server(pid, state_dir)
    devices = tuple(RunningDevice(**d) for d in data.get("devices", []))  # type: ignore[attr-defined]
    return DevicesStatus(
        state_dir=str(state_dir),
        running=running,
        pid=pid,
        count=len(devices),
        startup_seconds=data.get("startup_seconds"),  # type: ignore[arg-type]
        rss_mb=_rss_mb(pid) if running else None,
        started_at=data.get("started_at"),  # type: ignore[arg-type]
        drift=tuple(data.get("drift", ())),  # type: ignore[arg-type]
        devices=devices,
        skipped=tuple(SkippedDevice(**s) for s in data.get("skipped", [])),  # type: ignore[attr-defined]
    )


def start_devices(
    lab: DeviceLab, state_dir: Path, timeout: float = 120.0, *, restart: bool = True
) -> DevicesStatus:
    """Start every simulatable device of ``lab`` in one detached server process; wait until all listen.

    A server already running from ``state_dir`` is stopped first (so this also applies a patched
    spec; device state is rebuilt as on a reboot). With ``restart=False`` a server already serving
    exactly this spec is kept as it is. Raises PortInUseError (before anything starts) when a port is
    taken, LabError when the server fails or is not ready within ``timeout`` seconds. Devices of
    other platforms are skipped and listed in ``DevicesStatus.skipped``.
    """
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    if not restart:
        running = _serving(lab, state_dir)
        if running is not None:
            return running
    stop_devices(state_dir)
    check_ports(lab)
    spec_path = state_dir / "spec.json"
    fd = os.open(spec_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(lab.model_dump_json())
    for stale in ("ready", "devices.json"):
        (state_dir / stale).unlink(missing_ok=True)
    log_path = state_dir / "serve.log"
    with open(log_path, "ab") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "simpul.lab.devices.serve",
                "--spec",
                str(spec_path),
                "--state-dir",
                str(state_dir),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # detached: survives the CLI that started it
            close_fds=True,
        )
    _CHILDREN[proc.pid] = proc
    (state_dir / STARTED_BY).write_text(f"{os.getpid()} {_starttime(os.getpid())}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (state_dir / "ready").exists():
            status = devices_status(state_dir)
            if status.pid == proc.pid:
                log.info("%d devices ready in %.1f s", status.count, status.startup_seconds or 0)
                return status
        code = proc.poll()
        if code is not None:
            _CHILDREN.pop(proc.pid, None)
            tail = log_path.read_text(errors="replace").strip().splitlines()[-3:]
            message = "; ".join(tail) or f"exit code {code}"
            if "E4002" in message:
                raise PortInUseError(message.split("E4002 ", 1)[-1], source=str(log_path))
            raise LabError(f"the device server stopped at start-up: {message}", source=str(log_path))
        time.sleep(0.05)
    _terminate(proc.pid)
    raise LabError(
        f"the device server was not ready within {timeout:.0f} s",
        source=str(log_path),
        hint="read serve.log; for large labs pass a longer timeout",
    )


def _serving(lab: DeviceLab, state_dir: Path) -> DevicesStatus | None:
    """The status of the server of ``state_dir`` when it is up and serves exactly ``lab``."""
    status = devices_status(state_dir)
    try:
        same = (state_dir / "spec.json").read_text() == lab.model_dump_json()
    except OSError:
        return None
    return status if status.running and same and (state_dir / "ready").exists() else None


def _terminate(pid: int, grace: float = 15.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        log.warning("device server %d ignored SIGTERM for %.0f s; killing it", pid, grace)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.05)
    proc = _CHILDREN.pop(pid, None)
    if proc is not None:
        proc.wait()  # reap it: no zombie left behind in a long-running caller
    elif _proc_state(pid) == "Z":
        with contextlib.suppress(ChildProcessError):  # not our child: its parent (or init) reaps it
            os.waitpid(pid, 0)


def stop_devices(state_dir: Path) -> None:
    """Stop the device server started from ``state_dir`` (exactly its pid) and wait until it is gone."""
    state_dir = Path(state_dir).resolve()
    data = _read_status_file(state_dir)
    if data is None:
        return
    pid = int(str(data.get("pid", 0)))
    if (pid and _alive(pid) and _is_our_server(pid, state_dir)) or pid in _CHILDREN:
        _terminate(pid)
    for stale in ("ready", "devices.json"):
        (state_dir / stale).unlink(missing_ok=True)
