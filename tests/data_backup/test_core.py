"""The pure core: the agent script (golden file, bash syntax), what an agent run reports, run markers,
retention and the status findings. No processes but ``bash -n``."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest

from simpul.core.data_backup import (
    MARKER_TAG,
    AgentConfig,
    DrillRecord,
    PostgresAccess,
    Retention,
    SkpdBackupFacts,
    Snapshot,
    agent_plan,
    load_policy,
    parse_agent_output,
    render_agent_script,
    retention_keep,
    retention_plan,
    runs_of,
    status_findings,
)
from tests.data_backup.conftest import ROOT, TEST_POLICY

GOLDEN = Path(__file__).parent / "golden"
UTC = dt.UTC


def _cfg(**extra: object) -> AgentConfig:
    policy = load_policy((ROOT / "backup_policies/kritis.yaml").read_text(), "kritis.yaml", name="kritis")
    values: dict[str, object] = {
        "skpd": "disdukcapil",
        "server": "srv-disdukcapil-01",
        "policy_name": "kritis",
    }
    return AgentConfig(policy=policy, **{**values, **extra})  # type: ignore[arg-type]


def test_agent_script_golden() -> None:
    """The script the role installs and the lab runs: a change to it is a reviewed change."""
    text = render_agent_script(_cfg())
    golden = GOLDEN / "simpul-backup-agent.kritis.sh"
    if os.environ.get("SIMPUL_REGEN_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text)
    assert text == golden.read_text()
    assert render_agent_script(_cfg()) == text, "deterministic: Ansible stays idempotent"


def test_agent_script_is_valid_bash_and_quotes_the_lab_root(tmp_path: Path) -> None:
    cfg = _cfg(
        root="/var/tmp/a lab/srv 1",
        postgres=PostgresAccess(host="127.0.0.1", port=5433, user="b", os_user=None),
    )
    script = tmp_path / "agent"
    script.write_text(render_agent_script(cfg))
    proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "ETC='/var/tmp/a lab/srv 1/etc/simpul-backup'" in script.read_text()


def test_no_secret_reaches_the_script_or_the_plan() -> None:
    """Credentials are files the script reads; the script and the dry-run plan name no secret."""
    cfg = _cfg()
    text = render_agent_script(cfg) + "\n".join(agent_plan(cfg))
    assert "RESTIC_PASSWORD_FILE" in text and "RESTIC_REPOSITORY_FILE" in text
    assert "RESTIC_PASSWORD=" not in text and "--password " not in text and "PGPASSWORD" not in text
    assert "--defaults-extra-file=/etc/simpul-backup/my.cnf" in text


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _source(name: str, rc: int = 0, prc: int = 0, snap: str | None = "0123abcd", err: str = "") -> str:
    summary = {"message_type": "summary", "snapshot_id": snap, "data_added": 10, "total_bytes_processed": 99}
    return json.dumps(
        {
            "event": "source",
            "source": name,
            "kind": "paths",
            "rc": rc,
            "producer_rc": prc,
            "seconds": 1.5,
            "summary": summary if snap else None,
            "error_b64": _b64(err),
            "producer_error_b64": _b64(err if prc else ""),
        }
    )


START = '{"event":"start","run":"R1","skpd":"disdik","server":"srv"}'
END_OK = (
    '{"event":"end","run":"R1","marker_rc":0,"marker":{"snapshot_id":"feedbeef"},"error_b64":"","failed":0}'
)

AGENT_CASES = [
    # (name, output lines, exit code, ok, category, words in the reason)
    ("all good", [START, _source("files-srv"), END_OK], 0, True, None, None),
    (
        "dump died midway",
        [START, _source("pg-simduk", prc=1, err="pg_dump: error: connection lost"), END_OK],
        1,
        False,
        "error",
        "pg-simduk: the dump failed midway (exit 1): pg_dump: error: connection lost",
    ),
    (
        "target down",
        [
            START,
            json.dumps(
                {"event": "target", "rc": 1, "error_b64": _b64("dial tcp: connect: connection refused")}
            ),
        ],
        1,
        False,
        "unreachable",
        "did not answer",
    ),
    ("killed mid-run", [START, _source("files-srv")], -9, False, "disconnected", "stopped before the end"),
    (
        "marker refused",
        [
            START,
            _source("files-srv"),
            json.dumps(
                {
                    "event": "end",
                    "run": "R1",
                    "marker_rc": 1,
                    "marker": None,
                    "failed": 0,
                    "error_b64": _b64("server response: 403 Forbidden (403)"),
                }
            ),
        ],
        1,
        False,
        "refused",
        "marker was not saved",
    ),
    ("already running", ['{"event":"busy"}'], 75, False, "error", "still going on"),
    (
        "garbage lines are ignored",
        ["restic: noise", START, _source("files-srv"), "{not json", END_OK],
        0,
        True,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("lines", "code", "ok", "category", "words"),
    [c[1:] for c in AGENT_CASES],
    ids=[c[0] for c in AGENT_CASES],
)
def test_agent_output(lines: list[str], code: int, ok: bool, category: str | None, words: str | None) -> None:
    report = parse_agent_output("\n".join(lines) + "\n", code)
    assert report.ok is ok
    assert report.category == category
    if words:
        assert report.reason is not None and words in report.reason


def _t(day: int, hour: int = 1) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


def _run(
    run: str, when: dt.datetime, sources: dict[str, str], complete: bool = True, host: str = "srv"
) -> list[Snapshot]:
    snaps = [
        Snapshot(sid * 8, sid * 8, when, host, ("simpul", f"source={src}", "kind=paths", f"run={run}"))
        for src, sid in sources.items()
    ]
    tags = (MARKER_TAG, f"run={run}", "added=5", "complete" if complete else "incomplete")
    marker_id = run.lower().replace("r", "m").ljust(8, "0")
    return [
        *snaps,
        Snapshot(
            marker_id, marker_id, when, host, tags + tuple(f"ok={s}@{i * 8}" for s, i in sources.items())
        ),
    ]


def test_only_marked_snapshots_count() -> None:
    """A truncated stream (a killed agent: a snapshot without a marker naming it) never counts."""
    snaps = _run("R1", _t(1), {"files-srv": "a"})
    snaps.append(
        Snapshot("b" * 8, "b" * 8, _t(2), "srv", ("simpul", "source=pg-db", "kind=postgresql", "run=R2"))
    )
    runs = runs_of(snaps)
    assert [r.run_id for r in runs] == ["R1"] and runs[0].ok == {"files-srv": "a" * 8}
    forged = Snapshot("c" * 8, "c" * 8, _t(3), "srv", (MARKER_TAG, "run=R3", "complete", "ok=pg-db@bbbbbbbb"))
    (r3,) = [r for r in runs_of([*snaps, forged]) if r.run_id == "R3"]
    assert r3.ok == {} and not r3.complete, "a marker cannot vouch for another run's snapshot"


def test_retention_follows_restic_rules() -> None:
    times = {f"d{d}h{h}": _t(d, h) for d in range(1, 11) for h in (1, 13)}
    keep = retention_keep(times, Retention(keep_last=3, keep_daily=5, keep_weekly=3))
    assert {"d10h13", "d10h1", "d9h13"} <= keep  # last 3
    assert {f"d{d}h13" for d in range(6, 11)} <= keep  # newest of the 5 newest days
    # ISO weeks 46 (Nov 9-10: d10h13, kept already), 45 (Nov 2-8: d8h13) and 44 (Sunday Nov 1: d1h13)
    assert "d8h13" in keep and "d1h13" in keep
    assert len(keep) == 7


def test_retention_plan_keeps_the_newest_complete_run_and_drops_orphans() -> None:
    snaps = _run("R1", _t(1), {"files-srv": "a"}) + _run("R2", _t(2), {"files-srv": "b"}, complete=False)
    orphan = Snapshot("9" * 8, "9" * 8, _t(2), "srv", ("simpul", "source=pg-db", "run=R9"))
    plan = retention_plan([*snaps, orphan], Retention(keep_last=1), now=_t(5))
    assert plan.keep_runs == ("m1000000", "m2000000"), "keep_last 1 = R2, and R1 is the newest complete"
    assert plan.forget == ("99999999",) and plan.ungrounded == ("99999999",)
    young = retention_plan([*snaps, orphan], Retention(keep_last=1), now=_t(2, 12))
    assert young.forget == (), "an unmarked snapshot younger than the grace period may be a run in progress"


def test_status_findings_cite_pasal_16() -> None:
    policy = load_policy(TEST_POLICY, "uji.yaml", name="uji")
    runs = tuple(runs_of(_run("R1", _t(1), {"files-srv": "a"}, host="srv-1")))
    now = _t(1, 12)
    late = status_findings(SkpdBackupFacts("disdik", "uji", policy, ("srv-1",), runs), now=now)
    assert late.as_json() == {
        "policy": "uji",
        "last_snapshot": "2026-11-01T01:00:00+00:00",
        "age_hours": 11.0,
        "rpo_hours": 8.0,
        "rpo_ok": False,
        "last_drill": None,
    }
    assert [(f.code, f.article) for f in late.findings] == [
        ("DBK-005", "Pasal 16 ayat (1)"),
        ("DBK-007", "Pasal 16 ayat (2)"),
    ]
    drilled = status_findings(
        SkpdBackupFacts("disdik", "uji", policy, ("srv-1",), runs, DrillRecord(_t(1, 2), "passed")),
        now=_t(1, 3),
    )
    assert drilled.findings == () and drilled.rpo.ok
    two_servers = status_findings(SkpdBackupFacts("disdik", "uji", policy, ("srv-1", "srv-2"), runs), now=now)
    assert two_servers.last_snapshot is None, "a server never backed up leaves the SKPD unprotected"
    assert "DBK-004" in [f.code for f in two_servers.findings]
    unknown = status_findings(SkpdBackupFacts("disdik", "hilang", None), now=now)
    assert [f.code for f in unknown.findings] == ["DBK-002"]
