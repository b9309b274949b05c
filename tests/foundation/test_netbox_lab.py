"""The lab NetBox: a real NetBox 4.7.3 booted from the cached dump, with clear errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from simpul.errors import LabError
from simpul.lab.netbox_lab import NetBoxLab, Ports, find_python312, pid_alive
from simpul.settings import load_settings

pytestmark = pytest.mark.netbox


def test_status_reports_a_running_netbox_47(netbox, simpul_cli) -> None:
    env = netbox.env()
    env["SIMPUL_LAB_DIR"] = str(netbox.lab.root.parent)
    env["SIMPUL_LAB_NETBOX_PORT"] = str(netbox.lab.ports.http)
    env["SIMPUL_LAB_PG_PORT"] = str(netbox.lab.ports.postgres)
    env["SIMPUL_LAB_REDIS_PORT"] = str(netbox.lab.ports.redis)
    out = simpul_cli("lab", "netbox", "status", "--json", env=env)
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["running"] is True and status["answers"] is True
    assert status["version"].startswith("4.7")
    assert status["url"] == netbox.url
    assert set(status["pids"]) == {"postgres", "redis", "gunicorn"}


def test_second_up_is_a_no_op(netbox) -> None:
    before = netbox.lab.state()
    again = netbox.lab.up()
    assert again.pids == before.pids
    assert all(pid_alive(p) for p in again.pids.values())


def test_reset_restores_the_reset_point(netbox) -> None:
    api = netbox.api()
    netbox.lab.reset("base")
    api.tenancy.tenants.create(name="Dinas Uji Reset", slug="dinas-uji-reset")
    assert api.tenancy.tenants.get(slug="dinas-uji-reset") is not None
    netbox.lab.reset("base")
    assert netbox.api().tenancy.tenants.get(slug="dinas-uji-reset") is None


def test_port_in_use_is_a_clear_error(netbox, tmp_path: Path, simpul_cli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = netbox.env()
        env.update(
            {
                "SIMPUL_LAB_DIR": str(tmp_path / "lab"),
                "SIMPUL_LAB_NETBOX_PORT": str(port),
                "SIMPUL_LAB_PG_PORT": str(port + 1),
                "SIMPUL_LAB_REDIS_PORT": str(port + 2),
            }
        )
        out = simpul_cli("lab", "netbox", "up", env=env)
    assert out.returncode == 2
    assert f"port {port}" in out.stderr and "SIMPUL_LAB_NETBOX_PORT" in out.stderr
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "lab" / "netbox" / "state.json").exists()


def test_missing_python312_says_what_to_install(tmp_path: Path) -> None:
    env = {"PYENV_ROOT": str(tmp_path / "no-pyenv"), "PATH": str(tmp_path)}
    with pytest.raises(LabError) as info:
        find_python312(env)
    assert "Python 3.12" in info.value.message
    assert "pyenv install 3.12" in (info.value.hint or "")


def test_down_stops_exactly_what_it_started() -> None:
    """A second, separate lab: up, then down leaves none of its processes alive."""
    import shutil

    from simpul.lab.netbox_lab import free_port, postgres_reachable_tempdir

    lab_dir = postgres_reachable_tempdir("simpul-test-lab2-")
    settings = load_settings(
        env={"SIMPUL_LAB_DIR": str(lab_dir), "SIMPUL_CACHE_DIR": str(load_settings().cache_dir)},
        settings_file=False,
    )
    lab = NetBoxLab(settings, Ports(http=free_port(), postgres=free_port(), redis=free_port()))
    state = lab.up()
    assert lab.answers() is not None
    assert lab.down() is True
    assert not any(pid_alive(p) for p in state.pids.values())
    assert lab.status()["running"] is False
    assert lab.down() is False
    shutil.rmtree(lab_dir)


def test_a_second_lab_waits_for_the_one_preparing_the_cache(tmp_path: Path) -> None:
    """Two labs on one machine share the cache: the second waits, says for what, then uses the result.

    The first is a real process holding the cache lock while it "makes the venv" (it links the
    real one when told to finish), as ``simpul lab netbox up`` does on a fresh machine.
    """
    import subprocess
    import sys
    import threading
    import time

    real_venv = NetBoxLab(load_settings()).venv
    settings = load_settings(
        env={"SIMPUL_CACHE_DIR": str(tmp_path / "cache"), "SIMPUL_LAB_DIR": str(tmp_path / "lab")},
        settings_file=False,
    )
    messages: list[str] = []
    lab = NetBoxLab(settings, progress=messages.append)
    lab.cache.mkdir(parents=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, json, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "status = {'pid': os.getpid(), 'step': 'migrating NetBox', 'done': 300, 'total': 336}\n"
            "open(sys.argv[2], 'w').write(json.dumps(status))\n"
            "print('locked', flush=True)\n"
            "sys.stdin.readline()\n"
            "os.symlink(sys.argv[3], sys.argv[4])\n"
            "os.unlink(sys.argv[2])\n",
            str(lab.cache_lock),
            str(lab.cache_status),
            str(real_venv),
            str(lab.venv),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "locked"
    done: list[Path] = []
    waiter = threading.Thread(target=lambda: done.append(lab.ensure_venv()))
    waiter.start()
    deadline = time.monotonic() + 60
    while not messages and time.monotonic() < deadline:
        time.sleep(0.1)
    assert messages and "waiting for another simpul" in messages[0]
    assert f"migrating NetBox (pid {holder.pid}): 300/336 migrations applied" in messages[0]
    assert done == []  # still waiting
    holder.stdin.write("done\n")
    holder.stdin.close()
    assert holder.wait(timeout=60) == 0
    waiter.join(timeout=60)
    assert done == [lab.venv]  # the venv the other one made: no second build
    assert not any("creating the NetBox" in m for m in messages)


def test_a_dumped_database_restores_under_the_running_netbox(netbox_empty, tmp_path: Path) -> None:
    """What caches the seeded demo regency: dump_db, then restore_db while NetBox keeps serving."""
    lab = netbox_empty.lab
    api = netbox_empty.api()
    api.tenancy.tenants.create(name="Dinas Uji Dump", slug="dinas-uji-dump")
    dump = tmp_path / "seeded.dump"
    lab.dump_db(dump)
    lab.reset("base")
    assert netbox_empty.api().tenancy.tenants.get(slug="dinas-uji-dump") is None
    lab.restore_db(dump)
    assert netbox_empty.api().tenancy.tenants.get(slug="dinas-uji-dump") is not None
    lab.reset("base")


def test_down_never_signals_a_pid_the_system_gave_to_another_process(tmp_path: Path) -> None:
    """After a reboot or a kill, state.json can name pids now used by unrelated processes."""
    import dataclasses
    import subprocess

    from simpul.lab.netbox_lab import LabState

    settings = load_settings(env={"SIMPUL_LAB_DIR": str(tmp_path / "lab")}, settings_file=False)
    lab = NetBoxLab(settings, Ports(http=1, postgres=2, redis=3))
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        lab.root.mkdir(parents=True)
        state = LabState(
            url=lab.url(),
            token="t",
            version="4.7.3",
            ports=dataclasses.asdict(lab.ports),
            pids={"gunicorn": bystander.pid, "redis": bystander.pid, "postgres": bystander.pid},
        )
        lab._save_state(state)
        assert lab.status()["running"] is False  # alive, but not this lab's process
        assert lab.down() is True
        assert bystander.poll() is None  # untouched
        assert lab.state() is None
    finally:
        bystander.kill()
        bystander.wait()
