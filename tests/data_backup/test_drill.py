"""Restore drills on the demo estate with the real policies (kritis: PostgreSQL + MariaDB + files;
mandiri-tik: a random sample), their evidence, what they catch, and 0 secrets anywhere a user or a
log can see: process list, output, reports, logs, snapshots, the repo."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from simpul.core.data_backup import runs_of
from simpul.lab.data_backup import DataBackupLab, demo_estate
from simpul.providers.scratch_db import ScratchPostgres
from simpul.services.data_backup import (
    DrillRequest,
    RunRequest,
    dinas_restic,
    read_snapshots,
    restore_drill,
    run_backups,
)
from tests.data_backup.conftest import ROOT, cli, lab_settings, lab_sources, make_lab, write_policies

pytestmark = pytest.mark.slow

DRILL_KEYS = {"result", "files_checked", "bytes_restored", "restore_seconds", "databases", "reason"}


class ProcessWatch:
    """Reads every process's argv and environment while a run goes on, looking for secrets."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = [s.encode() for s in secrets if s]
        self.found: list[str] = []
        self.seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                for part in ("cmdline", "environ"):
                    try:
                        data = (proc / part).read_bytes()
                    except OSError:
                        continue
                    self.seen += 1
                    self.found += [f"{proc.name}/{part}" for s in self.secrets if s in data]

    def __enter__(self) -> ProcessWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DataBackupLab]:
    policies = write_policies(tmp_path_factory.mktemp("policies"))
    yield from make_lab(policies, demo_estate(rows=300, files=12))


@pytest.fixture(scope="module")
def outputs(demo: DataBackupLab) -> dict[str, subprocess.CompletedProcess[str]]:
    """One backup run and one drill through the CLI, the process list watched all along."""
    with ProcessWatch(demo.secrets()) as watch:
        run = cli(demo, "run", "--commit", "--json")
        drill = cli(demo, "drill", "--json", "--seed", "7")
    assert watch.seen > 1000, "the watcher really looked"
    assert watch.found == [], f"a secret was visible in /proc: {watch.found}"
    return {"run": run, "drill": drill, "status": cli(demo, "status", "--json")}


def test_demo_run(outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    run = json.loads(outputs["run"].stdout)
    assert outputs["run"].returncode == 1, "dinkes's server runs no PostgreSQL although its policy says so"
    disdukcapil = run["skpd"]["disdukcapil"]["servers"]["srv-disdukcapil-01"]
    assert disdukcapil["sources"] == {
        "files-var-www": "ok",
        "files-etc": "ok",
        "pg-simduk": "ok",
        "mysql-arsip": "ok",
    }
    assert run["skpd"]["disdik"]["result"] == "ok"
    dinkes = run["skpd"]["dinkes"]["servers"]["srv-dinkes-01"]
    assert dinkes["sources"]["pg-all"] == "failed"
    assert "could not list the postgresql databases" in dinkes["reason"]


def test_drill_json_and_evidence(
    demo: DataBackupLab, outputs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    proc = outputs["drill"]
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"skpd"}
    for facts in out["skpd"].values():
        assert set(facts) == DRILL_KEYS
    ok = out["skpd"]["disdukcapil"]
    assert ok["result"] == "passed" and ok["reason"] is None
    assert ok["databases"] == {"mysql-arsip": "passed", "pg-simduk": "passed"}
    assert ok["files_checked"] == 13, "kritis restores every file: 12 documents + app.conf (cache excluded)"
    assert ok["bytes_restored"] > 0 and ok["restore_seconds"] > 0
    assert out["skpd"]["disdik"]["files_checked"] == 6, "mandiri-tik samples 20: all 6 files of this server"
    assert out["skpd"]["dinkes"] == {
        "result": "failed",
        "files_checked": 0,
        "bytes_restored": 0,
        "restore_seconds": 0.0,
        "databases": {},
        "reason": "no complete backup to restore",
    }
    reports = sorted((Path(demo.target.reports_dir) / "disdukcapil").glob("drill-*.json"))
    assert len(reports) == 1
    evidence = json.loads(reports[0].read_text())
    assert (
        evidence["result"] == "passed"
        and evidence["seed"] == 7
        and evidence["article"] == "Pasal 16 ayat (2)"
    )
    assert evidence["database_details"]["pg-simduk"]["answer"] == "2", "penduduk and kartu_keluarga loaded"
    assert list((Path(demo.target.reports_dir) / "dinkes").glob("drill-*.json")), (
        "a failed drill is evidence too"
    )
    status = json.loads(outputs["status"].stdout)["skpd"]
    assert status["disdukcapil"]["last_drill"]["result"] == "passed"
    assert status["dinkes"]["last_drill"]["result"] == "failed"


def test_no_secret_in_outputs_reports_logs_snapshots_or_repo(
    demo: DataBackupLab, outputs: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    secrets = demo.secrets()
    assert len(secrets) >= 9
    texts = {
        f"{name} {kind}": getattr(p, kind) for name, p in outputs.items() for kind in ("stdout", "stderr")
    }
    for path in [*Path(demo.target.reports_dir).rglob("*.json"), demo.root / "pusat-data/rclone.log"]:
        texts[str(path)] = path.read_text()
    texts["estate.yaml"] = demo.estate_path.read_text()
    texts["target.yaml"] = demo.target_path.read_text()
    for name, text in texts.items():
        assert not [s for s in secrets if s in text], f"a secret in {name}"
    patterns = [arg for secret in secrets for arg in ("-e", secret)]
    tracked = subprocess.run(
        ["git", "grep", "-l", "-F", *patterns], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert tracked.stdout == "", "a secret in the simpul repository"
    # the agent's own credentials are never backed up, even by a policy that backs up /etc
    dinas = dinas_restic(demo.target, "disdukcapil")
    etc = next(s for s in read_snapshots(demo.target, "disdukcapil") if s.tag("source") == "files-etc")
    listed = [str(n["path"]) for n in dinas.ls(etc.short_id)]
    assert any(p.endswith("/etc/simduk/app.conf") for p in listed)
    assert not any("simpul-backup" in p for p in listed)
    creds = demo.server_root("srv-disdukcapil-01") / "etc/simpul-backup"
    assert {p.name: p.stat().st_mode & 0o777 for p in creds.iterdir()} == {
        "repository": 0o600,
        "password": 0o600,
        "pgpass": 0o600,
        "my.cnf": 0o600,
    }
    assert creds.stat().st_mode & 0o777 == 0o700


def test_only_due_drills(demo: DataBackupLab, outputs: dict[str, subprocess.CompletedProcess[str]]) -> None:
    """The Pusat Data's daily timer drills only the SKPD whose policy says one is due."""
    assert outputs["drill"].stdout
    due = restore_drill(lab_settings(demo), DrillRequest(sources=lab_sources(demo), only_due=True))
    assert due.drills == () and due.exit_code == 0


def test_drill_catches_a_check_query_that_fails(demo: DataBackupLab) -> None:
    """An emptied application database backs up fine, but the drill's check query proves it empty."""
    pg = demo.databases["srv-disdukcapil-01-pg"]
    assert isinstance(pg, ScratchPostgres)
    pg.sql("create database kosong")
    try:
        result = run_backups(
            lab_settings(demo), RunRequest(skpd=("disdukcapil",), sources=lab_sources(demo), commit=True)
        )
        assert result.exit_code == 0
        drill = restore_drill(
            lab_settings(demo), DrillRequest(skpd=("disdukcapil",), sources=lab_sources(demo))
        )
    finally:
        pg.sql("drop database kosong")
    (d,) = drill.drills
    assert (
        d.result == "failed" and d.databases["pg-kosong"] == "failed" and d.databases["pg-simduk"] == "passed"
    )
    assert "pg-kosong: the check query answered '0'" in (d.reason or "")


def test_drill_catches_a_damaged_repository(demo: DataBackupLab) -> None:
    """Bytes flipped in every pack of disdik's repository (a failing disk): the drill fails, it does
    not report restic's word for it."""
    packs = [p for p in (Path(demo.target.repo_dir("disdik")) / "data").rglob("*") if p.is_file()]
    assert runs_of(read_snapshots(demo.target, "disdik"))
    for pack in packs:
        data = bytearray(pack.read_bytes())
        for i in range(0, len(data), 512):
            data[i] ^= 0xFF
        pack.write_bytes(bytes(data))
    drill = restore_drill(lab_settings(demo), DrillRequest(skpd=("disdik",), sources=lab_sources(demo)))
    (d,) = drill.drills
    assert d.result == "failed" and d.reason
