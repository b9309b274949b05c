"""Starting, inspecting and stopping the device server; bad input gets a clear error (exit code 2)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from simpul.errors import PortInUseError
from simpul.lab.devices import devices_status, start_devices, stop_devices

from .conftest import RunningLab, demo_lab, free_port_block

pytestmark = pytest.mark.devices


def test_status_reports_devices_memory_and_skipped_platforms(running_lab: RunningLab) -> None:
    status = devices_status(running_lab.state_dir)
    assert status.running and status.pid == running_lab.status.pid
    assert status.count == 5
    assert {d.name for d in status.devices} == {
        "rtr-disdik",
        "sw-disdik-01",
        "rtr-dinkes",
        "sw-dinkes-01",
        "dist-diskominfo-01",
    }
    assert status.rss_mb is not None and status.rss_mb > 0
    assert status.startup_seconds is not None
    (skipped,) = status.skipped
    assert skipped.name == "rtr-bappeda" and "network namespaces" in skipped.reason
    assert (running_lab.state_dir / "spec.json").stat().st_mode & 0o777 == 0o600


def test_stop_ends_exactly_our_pid_and_leaves_no_zombie(tmp_path: Path) -> None:
    lab = demo_lab(free_port_block(8))
    status = start_devices(lab, tmp_path, timeout=60)
    assert status.pid is not None and Path(f"/proc/{status.pid}").exists()
    stop_devices(tmp_path)
    assert not Path(f"/proc/{status.pid}").exists()  # neither running nor a zombie
    assert not devices_status(tmp_path).running
    with socket.socket() as sock:
        sock.bind((lab.host, lab.devices[0].ssh_port))  # the port is free again


def test_start_twice_restarts_with_the_new_spec(tmp_path: Path) -> None:
    base = free_port_block(8)
    first = start_devices(demo_lab(base), tmp_path, timeout=60)
    try:
        second = start_devices(demo_lab(base), tmp_path, timeout=60)
        assert second.pid != first.pid and second.running
        assert not Path(f"/proc/{first.pid}").exists()
    finally:
        stop_devices(tmp_path)


def test_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    lab = demo_lab(free_port_block(8))
    taken = next(d for d in lab.devices if d.name == "rtr-dinkes")
    with socket.socket() as squatter:
        squatter.bind((lab.host, taken.ssh_port))
        squatter.listen()
        with pytest.raises(PortInUseError) as info:
            start_devices(lab, tmp_path, timeout=60)
        assert f"port {taken.ssh_port}" in info.value.message and "rtr-dinkes" in info.value.message
        assert info.value.exit_code == 2
        assert not devices_status(tmp_path).running

        # the server itself says the same and exits 2 when started by hand
        spec = tmp_path / "spec.json"
        spec.write_text(lab.model_dump_json())
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "simpul.lab.devices.serve",
                "--spec",
                str(spec),
                "--state-dir",
                str(tmp_path),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 2
        assert f"port {taken.ssh_port} (device rtr-dinkes) is already in use" in proc.stderr


def test_bad_spec_file_exits_2(tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text('{"devices": "not a list"}')
    proc = subprocess.run(
        [sys.executable, "-m", "simpul.lab.devices.serve", "--spec", str(spec), "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "not a readable DeviceLab spec" in proc.stderr and "Traceback" not in proc.stderr
