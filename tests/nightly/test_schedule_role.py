"""roles/simpul_nightly_schedule applied by a real ansible-playbook (playbooks/nightly.yml) into a
temporary root: --check --diff first (nothing written), then for real, then again (changed=0); the cron
variant replaces the timer, and its installed line really runs ``simpul nightly`` with the env file."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
PLAYBOOK = str(Path(sys.executable).parent / "ansible-playbook")


def _apply(tmp_path: Path, root: Path, *extra: str, **variables: object) -> subprocess.CompletedProcess[str]:
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(
        yaml.safe_dump(
            {
                "simpul_nightly_schedule_root": str(root),
                "ansible_python_interpreter": sys.executable,
                "ansible_connection": "local",
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
        [
            PLAYBOOK,
            "-i",
            "localhost,",
            str(ROOT / "playbooks" / "nightly.yml"),
            "-e",
            f"@{vars_file}",
            *extra,
        ],
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
    assert "OnCalendar=*-*-* 01:00:00" in check.stdout  # the diff shows the unit to be written
    assert not root.exists() or not any(root.rglob("*.timer"))

    first = _apply(tmp_path, root)
    assert first.returncode == 0, first.stdout + first.stderr
    assert _changed(first) > 0
    unit = root / "etc/systemd/system"
    service = (unit / "simpul-nightly.service").read_text()
    timer = (unit / "simpul-nightly.timer").read_text()
    assert "ExecStart=/opt/simpul/.venv/bin/simpul nightly --json --report /var/lib/simpul/report" in service
    assert "Type=oneshot" in service and "EnvironmentFile=-/etc/simpul/nightly.env" in service
    assert "OnCalendar=*-*-* 01:00:00" in timer and "Persistent=true" in timer
    assert not (root / "etc/cron.d/simpul-nightly").exists()
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(unit / "simpul-nightly.timer")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert not re.search(r"Unknown (key|section)|[Ff]ailed to parse|Invalid", verify.stderr), verify.stderr

    second = _apply(tmp_path, root)
    assert second.returncode == 0 and _changed(second) == 0, second.stdout


def test_cron_alternative_replaces_the_timer_and_runs(tmp_path: Path) -> None:
    root, logs = tmp_path / "root", tmp_path / "logs"
    assert _apply(tmp_path, root).returncode == 0
    fake = tmp_path / "fake-simpul"
    fake.write_text(f'#!/bin/sh\necho "$NETBOX_URL $*" >> {tmp_path}/runs\necho "{{}}"\n')
    fake.chmod(0o755)
    env_file = tmp_path / "nightly.env"
    env_file.write_text("NETBOX_URL=http://netbox.pemda.example\n")
    variables = {
        "simpul_nightly_schedule_method": "cron",
        "simpul_nightly_schedule_time": "01:30",
        "simpul_nightly_schedule_simpul": str(fake),
        "simpul_nightly_schedule_env_file": str(env_file),
        "simpul_nightly_schedule_log_dir": str(logs),
        "simpul_nightly_schedule_options": ["--only", "backup"],
    }
    cron = _apply(tmp_path, root, **variables)
    assert cron.returncode == 0, cron.stdout
    entry = (root / "etc/cron.d/simpul-nightly").read_text().splitlines()[-1]
    assert entry.startswith("30 1 * * * root ")
    assert not (root / "etc/systemd/system/simpul-nightly.timer").exists()
    assert _changed(_apply(tmp_path, root, **variables)) == 0
    logs.mkdir(exist_ok=True)  # the role made it under the root prefix; the command writes here
    subprocess.run(["sh", "-c", entry.split(" root ", 1)[1]], check=True, timeout=30)
    ran = (tmp_path / "runs").read_text()
    assert ran == "http://netbox.pemda.example nightly --json --report /var/lib/simpul/report --only backup\n"
    assert (logs / "nightly.json").read_text() == "{}\n"


def test_bad_method_is_refused(tmp_path: Path) -> None:
    proc = _apply(tmp_path, tmp_path / "root", simpul_nightly_schedule_method="anacron")
    assert proc.returncode != 0 and "simpul_nightly_schedule_method must be systemd or cron" in proc.stdout
