"""roles/simpul_backup_schedule applied by a real ansible-playbook into a temporary root.

--check --diff first (nothing written), then for real, then again (changed=0); the cron variant;
and the installed job script run twice at once under its real flock lock.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.backup.conftest import ROOT

pytestmark = pytest.mark.slow
PLAYBOOK = [str(Path(sys.executable).parent / "ansible-playbook")]


def _apply(tmp_path: Path, root: Path, *extra: str, **variables: object) -> subprocess.CompletedProcess[str]:
    play = tmp_path / "schedule.yml"
    play.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Install the simpul nightly job",
                    "hosts": "localhost",
                    "connection": "local",
                    "gather_facts": False,
                    "roles": [{"role": "simpul_backup_schedule"}],
                }
            ]
        )
    )
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(
        yaml.safe_dump(
            {
                "simpul_backup_schedule_root": str(root),
                "ansible_python_interpreter": sys.executable,
                **variables,
            }
        )
    )
    env = {
        **os.environ,
        "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
    }
    return subprocess.run(
        [*PLAYBOOK, "-i", "localhost,", str(play), "-e", f"@{vars_file}", *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def _changed(proc: subprocess.CompletedProcess[str]) -> int:
    match = re.search(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", proc.stdout)
    assert match, proc.stdout + proc.stderr
    return int(match.group(1))


def test_systemd_timer_check_apply_idempotent(tmp_path: Path) -> None:
    root = tmp_path / "root"
    check = _apply(tmp_path, root, "--check", "--diff")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "OnCalendar=*-*-* 02:00:00" in check.stdout  # the diff shows the unit to be written
    assert not root.exists() or not any(root.rglob("*.timer"))

    first = _apply(tmp_path, root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _changed(first) > 0
    unit = root / "etc/systemd/system"
    service = (unit / "simpul-config-backup.service").read_text()
    timer = (unit / "simpul-config-backup.timer").read_text()
    script = root / "usr/local/sbin/simpul-config-backup"
    assert "ExecStart=/usr/local/sbin/simpul-config-backup" in service and "Type=oneshot" in service
    assert "OnCalendar=*-*-* 02:00:00" in timer and "Persistent=true" in timer
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert "flock --nonblock" in text and "/run/lock/simpul-config-backup.lock" in text
    assert "backup configs --repo /var/lib/simpul/backups --json" in text
    assert not (root / "etc/cron.d/simpul-config-backup").exists()
    # systemd's own parser on the units (the job script is not installed on this host: not asked)
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(unit / "simpul-config-backup.timer")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert not re.search(r"Unknown (key|section)|[Ff]ailed to parse|Invalid", verify.stderr), verify.stderr

    second = _apply(tmp_path, root)
    assert second.returncode == 0 and _changed(second) == 0, second.stdout


def test_cron_alternative_replaces_the_timer(tmp_path: Path) -> None:
    root = tmp_path / "root"
    assert _apply(tmp_path, root).returncode == 0
    cron = _apply(tmp_path, root, simpul_backup_schedule_method="cron", simpul_backup_schedule_time="01:30")
    assert cron.returncode == 0, cron.stdout
    entry = (root / "etc/cron.d/simpul-config-backup").read_text()
    assert "30 1 * * * root /usr/local/sbin/simpul-config-backup" in entry
    assert not (root / "etc/systemd/system/simpul-config-backup.timer").exists()
    again = _apply(tmp_path, root, simpul_backup_schedule_method="cron", simpul_backup_schedule_time="01:30")
    assert _changed(again) == 0


def test_bad_method_is_refused(tmp_path: Path) -> None:
    proc = _apply(tmp_path, tmp_path / "root", simpul_backup_schedule_method="anacron")
    assert proc.returncode != 0 and "simpul_backup_schedule_method must be systemd or cron" in proc.stdout


def test_two_runs_never_overlap(tmp_path: Path) -> None:
    """The installed script, run twice at once: the second exits 75 at once, the first finishes."""
    root, logs = tmp_path / "root", tmp_path / "logs"
    fake = tmp_path / "fake-simpul"
    fake.write_text(f"#!/bin/sh\necho start >> {tmp_path}/runs; sleep 3; echo '{{\"changed\": []}}'\n")
    fake.chmod(0o755)
    logs.mkdir()
    proc = _apply(
        tmp_path,
        root,
        simpul_backup_schedule_simpul=str(fake),
        simpul_backup_schedule_log_dir=str(logs),
        simpul_backup_schedule_lock=str(tmp_path / "nightly.lock"),
        simpul_backup_schedule_extra_commands=[f"sh -c 'echo audit >> {tmp_path}/runs'"],
    )
    assert proc.returncode == 0, proc.stdout
    script = str(root / "usr/local/sbin/simpul-config-backup")
    first = subprocess.Popen([script])
    time.sleep(1)
    second = subprocess.run([script], check=False, timeout=10)
    assert second.returncode == 75
    assert first.wait(timeout=20) == 0
    assert (tmp_path / "runs").read_text() == "start\naudit\n"
    assert list(logs.glob("backup-*.json"))
    assert shutil.which("flock")
