"""The regulatory map as data (a bad file: exit 2 naming file, line and field; nothing run) and the lock
(a second run exits 2 at once; a lock file left by a killed run never blocks). No NetBox needed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from simpul.core.nightly import CHECKS, REGENCY_CHECKS
from simpul.errors import InputError
from simpul.services.nightly import NightlyBusy, load_obligations, nightly_lock
from simpul.settings import load_settings
from tests.conftest import ROOT, run_simpul

PERBUP = {"14.5", "14.8", "16.1", "16.2", "17", "18.2", "18.3", "19.2", "20.1", "20.2"}


def _settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_settings(env={"SIMPUL_STATE_DIR": str(tmp_path)}, settings_file=False)


def _env(tmp_path: Path) -> dict[str, str]:
    # a NetBox that is never reached: every test here must stop before asking it
    return {
        **os.environ,
        "SIMPUL_STATE_DIR": str(tmp_path),
        "NETBOX_URL": "http://127.0.0.1:9",
        "NETBOX_TOKEN": "x",
    }


def test_the_shipped_map_covers_the_perbup_and_the_kominfo_guidance(tmp_path: Path) -> None:
    obligations = {o.id: o for o in load_obligations(_settings(tmp_path))}
    assert PERBUP | {"kominfo.bandwidth", "kominfo.continuity"} <= set(obligations)
    for o in obligations.values():
        assert o.requirement["id"] and o.requirement["en"] and o.evidence["id"] and o.evidence["en"]
        assert o.check is None or o.check in CHECKS or o.check in REGENCY_CHECKS
    continuity = obligations["kominfo.continuity"]
    assert (continuity.check, continuity.scope) == ("internet.continuity", "regency")
    assert obligations["14.5"].requirement["id"].startswith("Setiap SKPD")


BAD = [
    ("evidence: {id: a}", 9, "obligations[0].evidence.en", "required"),
    ("check: pusat_data.nowhere", 8, "obligations[0].check", "no check 'pusat_data.nowhere'"),
    ("scope: province", 10, "obligations[0].scope", "province"),
]


@pytest.mark.parametrize(("line", "lineno", "field", "words"), BAD)
def test_a_bad_map_is_exit_2_with_file_line_field(
    tmp_path: Path, line: str, lineno: int, field: str, words: str
) -> None:
    rows = {
        "check": "check: pusat_data.placement",
        "evidence": "evidence: {id: a, en: b}",
        "scope": "scope: skpd",
    }
    rows[line.split(":", maxsplit=1)[0]] = line
    bad = tmp_path / "obligations.yaml"
    bad.write_text(
        "version: 1\nobligations:\n"
        '  - id: "14.5"\n    source: Perbup\n    article: Pasal 14 ayat (5)\n'
        "    requirement: {id: a, en: b}\n"
        f"    # the requirement above\n    {rows['check']}\n    {rows['evidence']}\n    {rows['scope']}\n"
    )
    with pytest.raises(InputError) as err:
        load_obligations(_settings(tmp_path), bad)
    assert err.value.location() == f"{bad}:{lineno}: {field}" and words in err.value.message
    done = run_simpul("nightly", "--obligations", str(bad), env=_env(tmp_path / "state"))
    assert done.returncode == 2, done.stderr
    assert f"{bad}:{lineno}: {field}" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "state" / "report").exists()  # nothing written


def test_an_id_listed_twice_is_refused(tmp_path: Path) -> None:
    row = '  - {id: "17", source: P, article: A, requirement: {id: a, en: b}, check: null,\n'
    row += "     evidence: {id: a, en: b}}\n"
    bad = tmp_path / "twice.yaml"
    bad.write_text("version: 1\nobligations:\n" + row + row)
    with pytest.raises(InputError, match="listed twice") as err:
        load_obligations(_settings(tmp_path), bad)
    assert err.value.line == 5


def test_a_regency_check_on_an_skpd_row_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "scope.yaml"
    bad.write_text(
        "version: 1\nobligations:\n"
        "  - {id: net, source: P, article: A, requirement: {id: a, en: b},\n"
        "     check: internet.continuity, evidence: {id: a, en: b}}\n"
    )
    with pytest.raises(InputError, match="judges the whole regency") as err:
        load_obligations(_settings(tmp_path), bad)
    assert err.value.line == 4 and "scope: regency" in (err.value.hint or "")


def test_an_unknown_stage_is_exit_2(tmp_path: Path) -> None:
    done = run_simpul("nightly", "--only", "coffee", env=_env(tmp_path))
    assert done.returncode == 2 and "no stage 'coffee'" in done.stderr and "backup" in done.stderr


def test_a_second_run_exits_2_at_once(tmp_path: Path) -> None:
    with nightly_lock(_settings(tmp_path)):
        done = run_simpul("nightly", "--json", env=_env(tmp_path), timeout=30)
    assert done.returncode == 2, done.stderr
    assert "another simpul nightly run is in progress" in done.stderr and str(os.getpid()) in done.stderr
    assert "Traceback" not in done.stderr


def test_a_lock_left_by_a_killed_run_does_not_block(tmp_path: Path) -> None:
    """A process that held the lock is killed: its file stays, its lock goes with it."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from simpul.settings import load_settings; "
            "from simpul.services.nightly import nightly_lock; "
            f"env = {{'SIMPUL_STATE_DIR': {str(tmp_path)!r}}}; "
            "cm = nightly_lock(load_settings(env=env, settings_file=False)); "
            "cm.__enter__(); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(NightlyBusy, match=f"pid {holder.pid}"), nightly_lock(_settings(tmp_path)):
            pass
    finally:
        holder.kill()
        holder.wait()
    assert (tmp_path / "nightly.lock").exists()  # the stale file is still there
    with nightly_lock(_settings(tmp_path)) as path:
        assert path.read_text().strip() == str(os.getpid())
