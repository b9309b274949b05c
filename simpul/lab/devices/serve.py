"""The device-lab server: every simulated SSH device of a DeviceLab in one process.

    python -m simpul.lab.devices.serve --spec SPEC.json --state-dir DIR

``SIMPUL_LAB_LATENCY_MS`` (environment, default 0) delays every answer of every device by that
many milliseconds: a slow kecamatan link, for benchmarks of many workers (benches/scale_workers.py).

Parses each platform's NOS plugin once, starts one fakenos SSH listener per device on
``lab.host``, writes ``DIR/devices.json`` then ``DIR/ready``, and serves until SIGTERM/SIGINT.
Exit code 2 (message on stderr) when the spec is unreadable or a port is already taken.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paramiko
from fakenos.core.nos import Nos

from simpul.lab.devices import shell
from simpul.lab.devices.shell import LabShell, LabSshServer
from simpul.lab.devices.state import STATE_CLASSES, skip_reason
from simpul.lab.spec import DeviceLab

log = logging.getLogger(__name__)

PLUGIN_DIR = Path(__file__).resolve().parent


def host_key(state_dir: Path) -> paramiko.PKey:
    """The lab's SSH host key: generated once per state dir, kept 0600."""
    path = state_dir / "ssh_host_rsa_key"
    if path.exists():
        return paramiko.RSAKey.from_private_key_file(str(path))
    key = paramiko.RSAKey.generate(2048)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        key.write_private_key(handle)
    return key


def stop_all(servers: list[LabSshServer], grace: float = 3.0) -> None:
    """Stop every listener at once: close all sockets first, then join with one shared deadline."""
    for server in servers:
        server._is_running.clear()
        if server._socket is not None:
            server._socket.close()
        server._close_active_connections()
    deadline = time.monotonic() + grace
    for server in servers:
        threads = [t for t in (server._listen_thread, *server._connection_threads) if t is not None]
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def serve(lab: DeviceLab, state_dir: Path, stop: threading.Event) -> int:
    t0 = time.monotonic()
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "ready").unlink(missing_ok=True)
    key = host_key(state_dir)
    peers = {d.name: d for d in lab.devices}
    noses: dict[str, Nos] = {}
    servers: list[LabSshServer] = []
    started: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    try:
        for device in lab.devices:
            reason = skip_reason(device.platform)
            if reason:
                skipped.append({"name": device.name, "platform": device.platform, "reason": reason})
                continue
            if device.platform not in noses:  # parse each platform definition once, share it
                noses[device.platform] = Nos(filename=str(PLUGIN_DIR / f"nos_{device.platform}.py"))
            state = STATE_CLASSES[device.platform](device, lab, peers)
            server = LabSshServer(
                shell=LabShell,
                nos=noses[device.platform],
                nos_inventory_config={},
                port=device.ssh_port,
                username=lab.username,
                password=lab.password,
                shell_configuration={"base_prompt": device.name, "device": state},
                address=lab.host,
                ssh_banner=f"simpul lab device {device.name}",
                host_key=key,
            )
            try:
                server.start()
            except OSError as err:
                sys.stderr.write(
                    f"E4002 port {device.ssh_port} (device {device.name}) is already in use: {err.strerror}\n"
                )
                stop_all(servers)
                return 2
            servers.append(server)
            started.append(
                {
                    "name": device.name,
                    "platform": device.platform,
                    "host": lab.host,
                    "port": device.ssh_port,
                    "started_at": datetime.now(UTC).isoformat(),
                }
            )
        startup = time.monotonic() - t0
        status = {
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat(),
            "startup_seconds": round(startup, 3),
            "host": lab.host,
            "drift": list(lab.drift),
            "devices": started,
            "skipped": skipped,
        }
        _atomic_write(state_dir / "devices.json", json.dumps(status, indent=2))
        _atomic_write(state_dir / "ready", f"{os.getpid()}\n")
        log.info("%d devices listening after %.1f s (%d skipped)", len(servers), startup, len(skipped))
        stop.wait()
    finally:
        (state_dir / "ready").unlink(missing_ok=True)
        stop_all(servers)
    return 0


LATENCY_ENV = "SIMPUL_LAB_LATENCY_MS"


def answer_delay(value: str | None) -> float:
    """Seconds each answer waits, from ``SIMPUL_LAB_LATENCY_MS``; ValueError when it is no number.

    >>> answer_delay("300"), answer_delay(None), answer_delay("")
    (0.3, 0.0, 0.0)
    """
    if not value:
        return 0.0
    ms = float(value)
    if not 0 <= ms <= 60_000:
        raise ValueError(f"{ms:g} is outside 0..60000")
    return ms / 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simpul.lab.devices.serve", description=__doc__)
    parser.add_argument("--spec", required=True, type=Path, help="DeviceLab JSON")
    parser.add_argument("--state-dir", required=True, type=Path, help="where devices.json and ready go")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)
    logging.getLogger("fakenos").setLevel(logging.CRITICAL)
    try:
        shell.ANSWER_DELAY = answer_delay(os.environ.get(LATENCY_ENV))
    except ValueError as err:
        sys.stderr.write(f"E2001 {LATENCY_ENV}: not a latency in milliseconds: {err}\n")
        return 2
    try:
        lab = DeviceLab.model_validate_json(args.spec.read_text())
    except (OSError, ValueError) as err:
        sys.stderr.write(f"E2001 {args.spec}: not a readable DeviceLab spec: {err}\n")
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return serve(lab, args.state_dir, stop)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    # Session threads of clients still connected must not keep a stopped lab alive.
    os._exit(code)
