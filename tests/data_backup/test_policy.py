"""Backup policies as data: the shipped ones are valid, the schema file is what the model says, and a
bad file is refused naming its file, line and field (exit 2 from the CLI)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from simpul.core.data_backup import load_policy, parse_calendar, policy_json_schema
from simpul.errors import InputError
from simpul.services.data_backup import load_policies
from tests.data_backup.conftest import ROOT, TEST_POLICY

POLICIES = ROOT / "backup_policies"


def test_shipped_policies_are_valid_and_named_by_the_demo() -> None:
    policies = load_policies(POLICIES)
    assert set(policies) == {"kritis", "mandiri-tik", "standar"}
    demo = yaml.safe_load((ROOT / "simpul/netbox/demo_regency.yaml").read_text())
    named = {t.get("backup_policy") for t in demo["tenants"]}
    assert named <= set(policies), "every policy the demo regency names has a file"
    for name, policy in policies.items():
        gap = parse_calendar(policy.schedule).max_gap_hours()
        assert gap <= policy.rpo_hours, name


def test_schema_file_is_the_model() -> None:
    on_disk = json.loads((POLICIES / "data_policy.schema.json").read_text())
    assert on_disk == json.loads(json.dumps(policy_json_schema())), "regenerate data_policy.schema.json"
    for path in POLICIES.glob("*.yaml"):
        if path.stem != "config_scrub":
            jsonschema.validate(yaml.safe_load(path.read_text()), on_disk)


BAD = [
    # (change to the test policy, line, field, words in the message)
    (("rpo_hours: 8", "rpo_hours: 4"), 12, "rpo_hours", "leaves up to 6.0 h between two runs"),
    (("keep_daily: 3", "keep_dayly: 3"), 13, "retention.keep_dayly", "unknown field 'keep_dayly'"),
    (("- path: /srv", "- path: srv"), 5, "sources.paths[0].path", "absolute path"),
    (("names: all", "names: [simduk, 'bad name']"), 9, "sources.databases[0].names", "'bad name'"),
    (("engine: postgresql", "engine: oracle"), 8, "sources.databases[0].engine", "postgresql"),
    (('"*-*-* 00/6:00:00"', '"*-*-* 25:00"'), 11, "schedule", "hour '25' is out of range"),
    (("{keep_last: 2, keep_daily: 3}", "{keep_last: 0}"), 13, "retention", "keeps nothing"),
    (("rpo_hours: 8\n", ""), 1, "rpo_hours", "missing field 'rpo_hours'"),
    (("snapshot: latest", "snapshot: oldest"), 14, "drill.snapshot", "'latest' or 'random'"),
    (("version: 1", "version: 1\nversion: 1"), 2, "version", "given twice"),
]


@pytest.mark.parametrize(("change", "line", "field", "words"), BAD, ids=[b[2] + ":" + b[3][:20] for b in BAD])
def test_bad_policy_names_file_line_and_field(
    change: tuple[str, str], line: int, field: str, words: str
) -> None:
    text = TEST_POLICY.replace(*change)
    assert text != TEST_POLICY
    with pytest.raises(InputError) as caught:
        load_policy(text, "backup_policies/uji.yaml", name="uji")
    err = caught.value
    assert (err.source, err.line, err.field) == ("backup_policies/uji.yaml", line, field), err.render()
    assert words in err.message, err.render()
    assert err.exit_code == 2


def test_policy_that_is_not_yaml() -> None:
    with pytest.raises(InputError) as caught:
        load_policy("sources: [a\nschedule: x\n", "p.yaml", name="p")
    assert caught.value.line == 2 and "not valid YAML" in caught.value.message


def test_cli_exits_2_on_a_bad_policy(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "uji.yaml").write_text(TEST_POLICY.replace("keep_daily", "keep_dayly"))
    estate = tmp_path / "estate.yaml"
    estate.write_text(
        "skpd:\n  disdik:\n    policy: uji\n    servers: {srv-1: {runner: local, root: /nonexistent}}\n"
    )
    code = "from simpul.cli.data_backup import app; app(prog_name='simpul backup data')"
    proc = subprocess.run(
        [sys.executable, "-c", code, "run", "--estate", str(estate), "--policies", str(policies)],
        capture_output=True,
        text=True,
        env={**os.environ, "SIMPUL_STATE_DIR": str(tmp_path), "COLUMNS": "200"},
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"E2001 {policies}/uji.yaml:13: retention.keep_dayly: unknown field 'keep_dayly'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_estate_file_errors_name_the_line(tmp_path: Path) -> None:
    from simpul.services.data_backup import Sources, run_backups
    from simpul.settings import load_settings

    estate = tmp_path / "estate.yaml"
    estate.write_text("skpd:\n  disdik:\n    policy: uji\n    servers:\n      srv-1: {runner: telnet}\n")
    settings = load_settings(env={"SIMPUL_STATE_DIR": str(tmp_path)}, settings_file=False)
    with pytest.raises(InputError) as caught:
        from simpul.services.data_backup import RunRequest

        run_backups(settings, RunRequest(sources=Sources(estate=estate)))
    assert caught.value.line == 5 and caught.value.field == "skpd.disdik.servers.srv-1.runner"


# -- the schedule parser agrees with systemd ---------------------------------------------------------

CALENDARS = [
    "daily",
    "hourly",
    "weekly",
    "monthly",
    "*-*-* 01:30:00",
    "*-*-* 00/6:15:00",
    "Mon..Fri *-*-* 18:00",
    "Sat,Sun *-*-* 03:15",
    "*-*-01,15 02:00",
    "*-01,07-01 04:00:00",
    "*-*-* 0/4:00",
    "Mon *-*-* 12:00",
    "2027-*-* 08:00",
]


@pytest.mark.parametrize("expression", CALENDARS)
def test_calendar_occurrences_match_systemd(expression: str) -> None:
    """The first occurrences of each expression, from systemd's own parser and from ours."""
    proc = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=8", "--base-time=2025-12-31 23:59:59 UTC", expression],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    systemd = [
        dt.datetime.strptime(m, "%Y-%m-%d %H:%M:%S")
        for m in re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", proc.stdout)
    ]
    ours = []
    for when in parse_calendar(expression).occurrences(dt.date(2026, 1, 1), 3000):
        ours.append(when)
        if len(ours) == len(systemd):
            break
    assert ours == systemd


@pytest.mark.parametrize(
    "expression", ["Mon..Funday 10:00", "*-*-* 10:61", "*-*~01", "*-*-* 01:00 Asia/Jakarta"]
)
def test_calendar_refusals(expression: str) -> None:
    with pytest.raises(ValueError):
        parse_calendar(expression)
