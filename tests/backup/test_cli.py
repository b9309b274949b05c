"""``simpul backup`` as a user runs it: real process, real files, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from simpul.store import GitStore
from simpul.store.git_store import DeviceStatus
from tests.backup.conftest import ROOT

SIMPUL = str(Path(sys.executable).parent / "simpul")
RULES = ROOT / "backup_policies" / "config_scrub.yaml"


def simpul(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SIMPUL, "backup", *args], capture_output=True, text=True, check=False, timeout=60)


def test_malformed_scrub_rule_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "config_scrub.yaml"
    lines = RULES.read_text().splitlines()
    target = next(i for i, line in enumerate(lines) if "name: snmp-community" in line) + 1  # its regex line
    lines[target] = lines[target].replace("(?P<secret>\\S+)", "(?P<secret>\\S+")
    bad.write_text("\n".join(lines) + "\n")
    proc = simpul("configs", "--rules", str(bad), "--repo", str(tmp_path / "repo"))
    assert proc.returncode == 2
    assert f"{bad}:{target + 1}: platforms.cisco_ios.secret[3].regex: regex does not compile" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "repo").exists()  # nothing was touched


def test_repo_path_not_git_and_not_empty_exits_2(tmp_path: Path) -> None:
    (tmp_path / "laporan.docx").write_text("not a backup")
    proc = simpul("configs", "--repo", str(tmp_path))
    assert proc.returncode == 2
    assert "is not a git repository and is not empty" in proc.stderr and str(tmp_path) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / ".git").exists()


def _repo(tmp_path: Path) -> Path:
    store = GitStore(tmp_path / "repo")
    wib = dt.timezone(dt.timedelta(hours=7))
    n1, n2 = dt.datetime(2026, 11, 21, 2, tzinfo=wib), dt.datetime(2026, 11, 22, 2, tzinfo=wib)
    store.commit({"disdik/disdik/rtr-disdik.cfg": "/ip address\nadd address=10.20.3.1/24\n"}, "n1", n1)
    store.commit({"disdik/disdik/rtr-disdik.cfg": "/ip address\nadd address=10.20.30.1/24\n"}, "n2", n2)
    store.write_status(
        {
            "rtr-disdik": DeviceStatus(device="rtr-disdik", result="changed", time=n2, last_success=n2),
            "rtr-dinkes": DeviceStatus(
                device="rtr-dinkes", result="failed", reason="auth: authentication failed", time=n2
            ),
        }
    )
    return store.root


def test_diff_show_status(tmp_path: Path) -> None:
    repo = str(_repo(tmp_path))
    proc = simpul("diff", "rtr-disdik", "--repo", repo)
    assert proc.returncode == 0
    assert "-add address=10.20.3.1/24" in proc.stdout and "+add address=10.20.30.1/24" in proc.stdout
    proc = simpul("show", "rtr-disdik", "--at", "2026-11-21T12:00+07:00", "--repo", repo)
    assert (proc.returncode, proc.stdout) == (0, "/ip address\nadd address=10.20.3.1/24\n")
    proc = simpul("status", "--json", "--repo", repo)
    assert proc.returncode == 1  # a device's last attempt failed
    data = json.loads(proc.stdout)
    by_name = {d["device"]: d for d in data["devices"]}
    assert by_name["rtr-dinkes"]["reason"] == "auth: authentication failed"
    assert by_name["rtr-disdik"]["result"] == "changed"
    proc = simpul("diff", "rtr-nowhere", "--repo", repo)
    assert proc.returncode == 2 and "no backup of device 'rtr-nowhere'" in proc.stderr
    proc = simpul("show", "rtr-disdik", "--at", "yesterday-ish", "--repo", repo)
    assert proc.returncode == 2 and "neither a date nor a revision" in proc.stderr


def test_history_commands_on_a_missing_repo_exit_2(tmp_path: Path) -> None:
    proc = simpul("status", "--repo", str(tmp_path / "none"))
    assert proc.returncode == 2 and "not a backup repository" in proc.stderr
