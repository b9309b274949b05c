"""The lab's Pusat Data services, as ``simpul lab up`` starts them for the demo regency: a libvirtd of
the lab's own (``simpul vps``) and the data-backup lab (``simpul backup data``), used with no flag
beyond the lab's environment; a killed run's leftovers cleaned by the next ``up``; ``down`` stops
both. Real NetBox (the session's, seeded), real libvirtd (QEMU TCG, nothing booted), real restic,
rclone, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LabNetBox, run_simpul

pytestmark = [pytest.mark.netbox, pytest.mark.slow]

DEMO_SERVERS = ["srv-dinkes-01", "srv-disdik-01", "srv-disdukcapil-01"]


def _needs() -> str | None:
    if os.geteuid() != 0:
        return "the lab's libvirtd needs root"
    missing = [t for t in ("libvirtd", "qemu-system-x86_64", "rclone", "restic") if shutil.which(t) is None]
    return f"missing: {', '.join(missing)}" if missing else None


@pytest.fixture(scope="module")
def pusat_data(netbox_seeded: LabNetBox) -> Iterator[tuple[Any, dict[str, str]]]:
    """A Lab of its own (lab and state directories under /var/tmp) on the session's NetBox, with only
    its Pusat Data services started; the environment ``simpul lab env`` would give."""
    why = _needs()
    if why:
        pytest.skip(why)
    from simpul.lab.data_backup import lab_tempdir
    from simpul.lab.orchestrate import Lab
    from simpul.settings import load_settings

    base = lab_tempdir("simpul-test-pd-")
    env = {
        **os.environ,
        **netbox_seeded.env(),
        "SIMPUL_LAB_DIR": str(base / "lab"),
        "SIMPUL_STATE_DIR": str(base / "state"),
        "COLUMNS": "200",
    }
    whole = Lab(load_settings(env=env, settings_file=False), netbox_seeded.lab.ports)
    try:
        whole.libvirt_up(image=True)  # the image is cached once per machine (tests/vps builds it too)
        whole.data_backup.up()
        yield whole, env
    finally:
        whole.libvirt.down()
        whole.data_backup.down()
        shutil.rmtree(base, ignore_errors=True)


def _json(env: dict[str, str], *args: str) -> tuple[int, Any]:
    done = run_simpul(*args, "--json", env=env)
    assert "Traceback" not in done.stderr, done.stderr
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"exit {done.returncode}: {done.stdout}\n{done.stderr}") from None


def test_vps_list_and_plan_against_the_lab_hypervisor(pusat_data: tuple[Any, dict[str, str]]) -> None:
    whole, env = pusat_data
    code, listed = _json(env, "vps", "list")
    demo = {r["name"]: r for r in listed["vms"]}
    assert listed["cluster"] == "pusat-data-kvm" and "vps-setwan-01" in demo and len(demo) >= 5
    assert all(r["power"] == "absent" for r in demo.values()), "a fresh lab hypervisor holds nothing"
    missing = {d["name"] for d in listed["drift"] if d["kind"] == "missing"}
    assert code == 1 and missing == set(demo) - {"vps-setwan-01"}, "staged ones are missing, planned not yet"
    code, plan = _json(env, "vps", "apply")
    assert code == 0, plan
    assert {v["action"] for v in plan["vms"].values()} == {"create"}
    assert whole.libvirt.domains() == {}, "a dry run defines nothing"
    code, done = _json(env, "vps", "apply", "--skpd", "inspektorat", "--commit")
    assert code == 0 and done["vms"]["vps-inspektorat-01"]["result"] == "applied", done
    assert whole.libvirt.domains() == {"vps-inspektorat-01": "shut off"}, "staged: defined, never booted"


def test_data_backup_run_drill_status_with_no_flags(pusat_data: tuple[Any, dict[str, str]]) -> None:
    whole, env = pusat_data
    status = whole.data_backup.status()
    assert status["running"] and status["servers"] == DEMO_SERVERS
    code, run = _json(env, "backup", "data", "run", "--commit")
    ran = {s: r for s, r in run["skpd"].items() if r["servers"]}
    assert sorted(ran) == ["dinkes", "disdik", "disdukcapil"]
    assert ran["disdukcapil"]["result"] == ran["disdik"]["result"] == "ok", ran
    # the demo's planted failure: dinkes' policy dumps PostgreSQL, its server runs none
    assert code == 1 and ran["dinkes"]["result"] == "failed", ran["dinkes"]
    assert run["skpd"]["setwan"]["servers"] == {}, "its VPS is planned: no agent runs there yet"
    code, drill = _json(env, "backup", "data", "drill", "--skpd", "disdik")
    assert code == 0 and drill["skpd"]["disdik"]["result"] == "passed", drill["skpd"]["disdik"]["reason"]
    assert drill["skpd"]["disdik"]["databases"] == {"pg-dapodik": "passed"}
    code, state = _json(env, "backup", "data", "status")
    assert code == 1, "most SKPD of the demo have no server backed up yet: findings"
    assert state["skpd"]["disdukcapil"]["rpo_ok"] is True
    assert state["skpd"]["disdik"]["last_drill"]["result"] == "passed"
    assert state["skpd"]["rsud"]["last_snapshot"] is None


def test_up_after_a_killed_run_and_down(pusat_data: tuple[Any, dict[str, str]]) -> None:
    """kill -9 of both daemons (what a killed `lab up` session leaves): the next up cleans the stale
    pid files, socket and state and starts again; down stops everything and unpublishes."""
    whole, env = pusat_data
    state = json.loads((whole.data_backup.root / "state.json").read_text())
    os.kill(int(state["rclone_pid"]), signal.SIGKILL)
    libvirtd = int(whole.libvirt.libvirtd_pid.read_text())
    os.kill(libvirtd, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (whole.data_backup.running() or whole.libvirt.running()):
        time.sleep(0.1)
    assert not whole.data_backup.running() and not whole.libvirt.running()
    whole.libvirt_up()
    whole.data_backup.up()
    assert whole.libvirt.running() and whole.data_backup.running()
    assert int(whole.libvirt.libvirtd_pid.read_text()) != libvirtd
    lines = "\n".join(whole.env_lines())
    assert "SIMPUL_LIBVIRT_URI=" in lines and "SIMPUL_DATA_BACKUP_TARGET=" in lines
    published = Path(env["SIMPUL_STATE_DIR"]) / "data-backup"
    assert sorted(p.name for p in published.iterdir()) == ["estate.yaml", "target.yaml"]
    assert whole.libvirt.down() and whole.data_backup.down()
    assert not whole.libvirt.running() and not whole.data_backup.running()
    assert list(published.iterdir()) == [], "the lab's estate and target are gone with it"
