"""``simpul backup data run`` and ``status`` on the lab: dry run first, then real agents (real restic,
real PostgreSQL dumps), one failing SKPD never stopping the others, and the JSON shapes of issue 13."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from simpul.lab.data_backup import DataBackupLab
from simpul.services.data_backup import (
    RunRequest,
    StatusRequest,
    backup_status,
    read_snapshots,
    run_backups,
)
from tests.data_backup.conftest import cli, lab_settings, lab_sources

pytestmark = pytest.mark.slow

STATUS_KEYS = {"policy", "last_snapshot", "age_hours", "rpo_hours", "rpo_ok", "last_drill"}


def test_dry_run_starts_nothing(lab: DataBackupLab) -> None:
    result = run_backups(lab_settings(lab), RunRequest(sources=lab_sources(lab)))
    assert result.dry_run and result.exit_code == 0
    by = {s.skpd: s for s in result.skpd}
    assert by["bappeda"].result == "skipped" and "Pasal 16" in (by["bappeda"].skipped or "")
    (server,) = by["disdukcapil"].servers
    assert server.result == "planned"
    assert any("pg_dump" in step and "--stdin" in step for step in server.plan)
    assert read_snapshots(lab.target, "disdukcapil") == []


def test_run_backs_up_files_and_databases(lab: DataBackupLab) -> None:
    proc = cli(lab, "run", "--commit", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    assert out["dry_run"] is False
    servers = out["skpd"]["disdukcapil"]["servers"]["srv-disdukcapil-01"]
    assert servers["result"] == "ok" and servers["sources"] == {"files-srv": "ok", "pg-simduk": "ok"}
    assert out["skpd"]["disdik"]["servers"]["srv-disdik-01"]["sources"] == {"files-srv": "ok"}
    assert out["skpd"]["bappeda"]["result"] == "skipped"
    snaps = read_snapshots(lab.target, "disdukcapil")
    paths = {p for s in snaps for p in s.paths}
    assert "/pg-simduk.sql" in paths
    assert not any("cache" in p or p.endswith(".tmp") for p in paths)


def test_status_json_is_the_issue_shape(lab: DataBackupLab) -> None:
    proc = cli(lab, "status", "--json")
    assert proc.returncode == 1, "bappeda has no policy: a finding"
    out = json.loads(proc.stdout)
    assert set(out) == {"skpd"} and set(out["skpd"]) == {"bappeda", "disdik", "disdukcapil"}
    for facts in out["skpd"].values():
        assert set(facts) == STATUS_KEYS
    ok = out["skpd"]["disdukcapil"]
    assert ok["policy"] == "uji" and ok["rpo_hours"] == 8.0 and ok["rpo_ok"] is True
    assert dt.datetime.fromisoformat(ok["last_snapshot"]).tzinfo is not None and ok["age_hours"] < 1
    assert out["skpd"]["bappeda"] == {
        "policy": None,
        "last_snapshot": None,
        "age_hours": None,
        "rpo_hours": None,
        "rpo_ok": False,
        "last_drill": None,
    }
    human = cli(lab, "status")
    assert "DBK-001 bappeda" in human.stdout and "Pasal 16 ayat (1)" in human.stdout


def test_status_judges_the_rpo_against_the_clock(lab: DataBackupLab) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)
    result = backup_status(lab_settings(lab), StatusRequest(sources=lab_sources(lab), now=later))
    by = {s.skpd: s for s in result.statuses}
    assert not by["disdukcapil"].rpo.ok and "DBK-005" in [f.code for f in by["disdukcapil"].findings]
    assert by["disdik"].rpo.ok, "disdik's policy allows 26 h"


def test_one_failing_skpd_never_stops_the_others(lab: DataBackupLab) -> None:
    password = lab.server_root("srv-disdik-01") / "etc/simpul-backup/password"
    good = password.read_text()
    password.write_text("not-the-key\n")
    try:
        result = run_backups(lab_settings(lab), RunRequest(sources=lab_sources(lab), commit=True))
    finally:
        password.write_text(good)
    by = {s.skpd: s for s in result.skpd}
    assert result.exit_code == 1
    assert by["disdik"].result == "failed"
    assert by["disdik"].servers[0].reason == "auth: the repository password is wrong (no key found)"
    assert by["disdukcapil"].result == "ok"


def test_second_run_adds_little(lab: DataBackupLab) -> None:
    """Unchanged files deduplicate: a second run adds only new metadata (restic's own numbers)."""
    first = run_backups(
        lab_settings(lab), RunRequest(skpd=("disdik",), sources=lab_sources(lab), commit=True)
    )
    (server,) = first.skpd[0].servers
    assert server.result == "ok"
    data = Path(lab.server_root("srv-disdik-01")) / "srv/dapodik/data"
    total = sum(p.stat().st_size for p in data.iterdir())
    assert server.bytes_added < total


def test_estate_file_describes_the_installed_agents(lab: DataBackupLab) -> None:
    """What `run` plans from the estate file is what the installed agent does: same script."""
    from simpul.core.data_backup import Estate
    from simpul.services.data_backup import agent_config, agent_script

    estate = Estate.model_validate(yaml.safe_load(lab.estate_path.read_text()))
    for skpd, entry in estate.skpd.items():
        for server, access in entry.servers.items():
            if entry.policy is None:
                continue
            cfg = agent_config(skpd, server, entry.policy, lab.policy(entry.policy), access)
            installed = lab.server_root(server) / "usr/local/sbin/simpul-backup-agent"
            assert agent_script(cfg) == installed.read_text(), server
