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


def test_without_restart_a_server_serving_the_same_spec_is_kept(tmp_path: Path) -> None:
    lab = demo_lab(free_port_block(8))
    first = start_devices(lab, tmp_path, timeout=60)
    try:
        kept = start_devices(lab, tmp_path, timeout=60, restart=False)
        assert kept.pid == first.pid and kept.running
        changed = lab.model_copy(update={"drift": ("changed-config-line",)})
        again = start_devices(changed, tmp_path, timeout=60, restart=False)
        assert again.pid != first.pid and again.running  # another spec: restarted
    finally:
        stop_devices(tmp_path)


def test_a_server_whose_starter_died_is_swept_and_no_other(tmp_path: Path) -> None:
    """As after a killed test session: the detached server lives on; the next session stops it."""
    from simpul.lab.devices import sweep_orphaned_servers

    orphan_lab = demo_lab(free_port_block(8))
    (tmp_path / "orphan.json").write_text(orphan_lab.model_dump_json())
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from simpul.lab.devices import start_devices\n"
        "from simpul.lab.spec import DeviceLab\n"
        "lab = DeviceLab.model_validate_json(Path(sys.argv[1]).read_text())\n"
        "print(start_devices(lab, Path(sys.argv[2]), timeout=60).pid, flush=True)\n"
        "os._exit(0)  # no teardown, as a killed session\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "orphan.json"), str(tmp_path / "orphan")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    orphan_pid = int(done.stdout.split()[-1])
    ours_lab = demo_lab(free_port_block(8))  # chosen while the orphan holds its ports
    start_devices(ours_lab, tmp_path / "ours", timeout=60)
    try:
        assert devices_status(tmp_path / "orphan").running
        assert sweep_orphaned_servers(tmp_path) == [orphan_pid]
        assert not devices_status(tmp_path / "orphan").running
        assert devices_status(tmp_path / "ours").running  # its starter (this session) is alive
        with socket.socket() as sock:
            sock.bind((orphan_lab.host, orphan_lab.devices[0].ssh_port))  # its ports are free again
    finally:
        stop_devices(tmp_path / "ours")


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
