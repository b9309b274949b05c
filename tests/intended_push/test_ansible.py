"""playbooks/intended.yml with a real ansible-playbook against the lab's devices (one module-scoped lab).

Planted drift (NTP on the IOS rtr-dinkes, SNMP location on the RouterOS sw-disdik-01): --check --diff
shows the remediation and changes nothing; a real run makes both compliant; a second run reports
no change (idempotence tested, not claimed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simpul.lab.drift import apply_drift, load_scenario
from tests.intended.conftest import DEVICES, IntendedLab, device_args, invoke

pytestmark = [pytest.mark.devices, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DRIFTED = {"rtr-dinkes": "ntp", "sw-disdik-01": "snmp"}


def _inventory(lab: IntendedLab, path: Path) -> Path:
    groups: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
    for d in lab.lab.devices:
        groups.setdefault(f"platform_{d.platform}", {"hosts": {}})["hosts"][d.name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
        }
    path.write_text(json.dumps({"all": {"children": groups}}))
    return path


def _play(lab: IntendedLab, inventory: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = lab.env() | {"ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_FORKS": "7"}
    cmd = [
        str(BIN / "ansible-playbook"),
        "-i",
        str(inventory),
        str(ROOT / "playbooks" / "intended.yml"),
        *extra,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=900)


def _changed(run: subprocess.CompletedProcess[str]) -> dict[str, int]:
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-3000:]
    found = dict(
        re.findall(r"^(\S+)\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", run.stdout, re.M)
    )
    assert sorted(found) == sorted(DEVICES), run.stdout[-3000:]
    return {name: int(n) for name, n in found.items()}


def _live_findings(lab: IntendedLab) -> dict[str, set[str]]:
    data = json.loads(invoke(lab.env(), "check", *device_args(), "--live", "--json").stdout)
    return {
        name: {f for f, fc in dev["features"].items() if not fc["compliant"]}
        for name, dev in data["devices"].items()
        if not dev["compliant"]
    }


def test_play_check_diff_apply_idempotent(intended_lab: IntendedLab, tmp_path: Path) -> None:
    drifted = apply_drift(
        apply_drift(intended_lab.lab, load_scenario("ntp-drift")), load_scenario("snmp-location-drift")
    )
    intended_lab.start(drifted)
    inventory = _inventory(intended_lab, tmp_path / "inventory.json")
    want = {name: int(name in DRIFTED) for name in DEVICES}

    check = _play(intended_lab, inventory, "--check", "--diff")
    assert _changed(check) == want
    assert "no ntp server 10.10.0.123" in check.stdout and "ntp server 10.10.0.11" in check.stdout
    assert "/snmp set location=" in check.stdout
    assert _live_findings(intended_lab) == {name: {feature} for name, feature in DRIFTED.items()}

    apply = _play(intended_lab, inventory)
    assert _changed(apply) == want
    assert _live_findings(intended_lab) == {}

    again = _play(intended_lab, inventory)
    assert _changed(again) == dict.fromkeys(DEVICES, 0)
