"""playbooks/vps.yml with a real ansible-playbook: the same library as ``simpul vps``; check mode
is the plan (nothing written anywhere), a real run requests and creates, a second run changes
nothing, a bad request fails the play with simpul's message and writes nothing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT
from tests.vps.conftest import VpsLab, netbox_counts, prepare_pusat_data, vps_env, vps_name

pytestmark = [pytest.mark.netbox, pytest.mark.slow]
PLAYBOOK = ROOT / "playbooks" / "vps.yml"


def _play(env: dict[str, str], extra: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **env,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    }
    cmd = [str(Path(sys.executable).parent / "ansible-playbook"), str(PLAYBOOK), "-e", f"@{extra}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600, check=False)


def _recap_changed(out: str) -> int:
    match = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)", out)
    assert match, out
    return int(match.group(1))


def test_playbook_check_run_and_second_run(netbox_seeded: Any, vps_lab: VpsLab, tmp_path: Path) -> None:
    prepare_pusat_data(netbox_seeded)
    env = vps_env(netbox_seeded, vps_lab)
    names = [vps_name("ans1"), vps_name("ans2")]
    extra = tmp_path / "vps.yml"
    extra.write_text(
        yaml.safe_dump(
            {
                "simpul_vps_skpd": "vpsc",
                "simpul_vps_requests": [
                    {"skpd": "vpsc", "name": n, "vcpus": 1, "memory_mb": 256, "disk_gb": 3} for n in names
                ],
            }
        )
    )
    api = netbox_seeded.api()
    before, domains = netbox_counts(api), vps_lab.domains()

    check = _play(env, extra, "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert _recap_changed(check.stdout) >= 1
    assert netbox_counts(api) == before and vps_lab.domains() == domains, "check mode writes nothing"

    run = _play(env, extra)
    assert run.returncode == 0, run.stdout + run.stderr
    assert {n: vps_lab.domains().get(n) for n in names} == {n: "running" for n in names}
    assert all(api.virtualization.virtual_machines.get(name=n).status.value == "active" for n in names)

    again = _play(env, extra)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _recap_changed(again.stdout) == 0, again.stdout

    bad = tmp_path / "bad.yml"
    bad.write_text(
        yaml.safe_dump(
            {
                "simpul_vps_requests": [
                    {
                        "skpd": "tidak-ada",
                        "name": vps_name("ans3"),
                        "vcpus": 1,
                        "memory_mb": 256,
                        "disk_gb": 3,
                    }
                ]
            }
        )
    )
    after = netbox_counts(api)
    failed = _play(env, bad)
    assert failed.returncode != 0
    assert "unknown SKPD 'tidak-ada'" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
    assert netbox_counts(api) == after
