"""The faults of issue 13, each on the real thing: ``kill -9`` of the agent mid-backup, the Pusat Data
target down, a database dump dying midway. (Cross-SKPD credentials and a client's forget/prune:
test_target.py; secrets: test_drill.py.)"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simpul.core.data_backup import runs_of
from simpul.lab.data_backup import DataBackupLab
from simpul.providers.scratch_db import ScratchPostgres
from simpul.services.data_backup import (
    RunRequest,
    StatusRequest,
    backup_status,
    dinas_restic,
    read_snapshots,
    run_backups,
)
from tests.data_backup.conftest import lab_settings, lab_sources

pytestmark = pytest.mark.slow


def _run(lab: DataBackupLab, skpd: str = "disdukcapil") -> tuple[str, str | None]:
    result = run_backups(lab_settings(lab), RunRequest(skpd=(skpd,), sources=lab_sources(lab), commit=True))
    (server,) = result.skpd[0].servers
    return server.result, server.reason


def _last_good(lab: DataBackupLab, now: dt.datetime | None = None) -> tuple[dt.datetime | None, bool]:
    result = backup_status(
        lab_settings(lab), StatusRequest(skpd=("disdukcapil",), sources=lab_sources(lab), now=now)
    )
    (status,) = result.statuses
    return status.last_snapshot, status.rpo.ok


def _start_agent(lab: DataBackupLab, server: str) -> subprocess.Popen[str]:
    root = lab.server_root(server)
    return subprocess.Popen(
        ["bash", str(root / "usr/local/sbin/simpul-backup-agent")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": os.environ["PATH"], "TMPDIR": str(root / "tmp")},
        start_new_session=True,
    )


# The agent under a tiny init: a child subreaper that reaps whatever the kill leaves (systemd, PID 1
# of a real server, does the same). Without it an orphaned restic stays a zombie on this machine, and
# restic rightly keeps a zombie's lock (its pid still exists).
REAPER = """
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
agent = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, start_new_session=True, env=os.environ)
print(agent.pid, flush=True)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
"""


def _start_reaped_agent(lab: DataBackupLab, server: str) -> tuple[subprocess.Popen[str], int]:
    root = lab.server_root(server)
    reaper = subprocess.Popen(
        [sys.executable, "-c", REAPER, "bash", str(root / "usr/local/sbin/simpul-backup-agent")],
        stdout=subprocess.PIPE,
        text=True,
        env={"PATH": os.environ["PATH"], "TMPDIR": str(root / "tmp")},
    )
    assert reaper.stdout is not None
    return reaper, int(reaper.stdout.readline())


def _children_cmdlines(pgid: int) -> list[str]:
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if os.getpgid(int(proc.name)) != pgid:
                continue
            out.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ProcessLookupError):
            continue
    return out


def _wait_for(predicate, timeout: float = 60, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _repo(lab: DataBackupLab) -> Path:
    return Path(lab.target.repo_dir("disdukcapil"))


def test_kill_9_mid_backup(lab: DataBackupLab) -> None:
    """The whole agent (bash, restic) killed while uploading: stale lock and orphan packs, no snapshot
    counted; the next run clears the lock and succeeds; restic check is clean."""
    assert _run(lab) == ("ok", None)
    before, _ = _last_good(lab)
    big = lab.server_root("srv-disdukcapil-01") / "srv/simduk/besar.bin"
    big.write_bytes(os.urandom(300 * 1024 * 1024))
    packs_before = {p.name for p in (_repo(lab) / "data").rglob("*") if p.is_file()}
    reaper, agent = _start_reaped_agent(lab, "srv-disdukcapil-01")
    try:
        _wait_for(
            lambda: (
                len({p.name for p in (_repo(lab) / "data").rglob("*") if p.is_file()} - packs_before) >= 2
            ),
            what="the upload to start",
        )
        assert any("restic backup" in c for c in _children_cmdlines(agent))
        os.killpg(agent, signal.SIGKILL)
        reaper.wait(timeout=30)
    finally:
        big.unlink()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(agent, signal.SIGKILL)
        reaper.wait(timeout=30)
    assert list((_repo(lab) / "locks").iterdir()), "the killed restic left its lock"
    assert _last_good(lab)[0] == before, "the killed run counts for nothing"

    assert _run(lab) == ("ok", None), "the next run unlocks the stale lock and succeeds"
    assert not list((_repo(lab) / "locks").iterdir())
    after, ok = _last_good(lab)
    assert after is not None and before is not None and after > before and ok
    check = dinas_restic(lab.target, "disdukcapil").check(read_data_subset="100%")
    assert check.returncode == 0, check.stdout + check.stderr


def test_target_down_fails_loudly_and_loses_nothing(lab: DataBackupLab) -> None:
    assert lab.rest is not None
    before, _ = _last_good(lab)
    snapshots_before = {s.id for s in read_snapshots(lab.target, "disdukcapil")}
    lab.rest.stop()
    try:
        result, reason = _run(lab)
        assert result == "failed"
        assert reason == "unreachable: the Pusat Data backup target did not answer (connection refused)"
        late = dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)
        assert _last_good(lab, late) == (before, False), "status: the same last backup, now late"
    finally:
        lab.rest.start()
    assert {s.id for s in read_snapshots(lab.target, "disdukcapil")} == snapshots_before, "nothing lost"
    assert _run(lab) == ("ok", None)


def test_dump_dying_midway_is_never_a_good_snapshot(lab: DataBackupLab) -> None:
    """PostgreSQL drops pg_dump's connection in the middle of a large table: restic is killed before
    it can save the truncated stream, the run is failed and no good snapshot is counted for it."""
    pg = lab.databases["srv-disdukcapil-01-pg"]
    assert isinstance(pg, ScratchPostgres)
    pg.create_database("besar")
    pg.sql(
        "create table arsip as select i, repeat(md5(i::text), 8) as isi from generate_series(1, 1500000) i",
        db="besar",
    )
    before, _ = _last_good(lab)
    runs_before = {r.run_id for r in runs_of(read_snapshots(lab.target, "disdukcapil"))}
    agent = _start_agent(lab, "srv-disdukcapil-01")
    try:
        query = (
            "select pid from pg_stat_activity "
            "where datname = 'besar' and query ilike 'copy%' and state = 'active'"
        )
        _wait_for(lambda: pg.sql(query).strip() != "", what="pg_dump to be copying the big table")
        killed = pg.sql(f"select pg_terminate_backend(pid) from ({query}) q").strip()
        assert killed == "t"
        out, _ = agent.communicate(timeout=120)
    finally:
        if agent.poll() is None:
            os.killpg(agent.pid, signal.SIGKILL)
            agent.wait()
        pg.sql("drop database besar")
    assert agent.returncode == 1
    from simpul.core.data_backup import parse_agent_output

    report = parse_agent_output(out, agent.returncode)
    by = {s.source: s for s in report.sources}
    assert not by["pg-besar"].ok and "the dump failed midway" in (by["pg-besar"].reason or "")
    assert by["pg-simduk"].ok and by["files-srv"].ok
    snaps = read_snapshots(lab.target, "disdukcapil")
    assert not [s for s in snaps if s.tag("source") == "pg-besar"], "restic was killed: no truncated snapshot"
    (new_run,) = [r for r in runs_of(snaps) if r.run_id not in runs_before]
    assert not new_run.complete and "pg-besar" not in new_run.ok
    assert _last_good(lab)[0] == before, "an incomplete run does not move the last good backup"
    assert _run(lab) == ("ok", None), "and the next run is complete again"
