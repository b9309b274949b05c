"""The commit-confirm path of the push (IOS archive revert timer / EOS config sessions, via napalm).

Tested with napalm's own ``mock`` driver (``napalm.base.mock.MockDriver``: one JSON file per call
under ``optional_args.path``), because no simulator supports napalm's load/commit/confirm/rollback
(docs: /work/shared/LAB_FACTS.md, "napalm load_*_candidate/compare_config/commit_config do not work
against any simulator"). What is asserted is simpul's side: which napalm calls the task makes, in
which order, and what it reports; the device side is the mock's canned answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nornir_tasks.intended import PushFailed, PushPlan, PushReport, intended_push
from simpul.core.remediation import remediate
from simpul.devices.runner import build_nornir
from simpul.inventory import InventoryHost
from simpul.settings import load_settings

BEFORE = "hostname rtr-dinkes\nntp server 10.10.0.123\nsnmp-server location Kabupaten Sekadau\nend\n"
INTENDED = "hostname rtr-dinkes\nntp server 10.10.0.11\nsnmp-server location Kabupaten Sekadau\n"
AFTER = "hostname rtr-dinkes\nntp server 10.10.0.11\nsnmp-server location Kabupaten Sekadau\nend\n"


def _judge(running: str) -> str | None:
    return None if not remediate("cisco_ios", running, INTENDED).commands else "ntp: differs"


def _mock_dir(tmp_path: Path, **calls: Any) -> Path:
    path = tmp_path / "mock"
    path.mkdir()
    for name, value in calls.items():
        (path / name.replace("__", ".")).write_text(json.dumps(value))
    return path


def _run(path: Path, dry_run: bool = False) -> tuple[Any, Any]:
    settings = load_settings(env={}, settings_file=False)
    host = InventoryHost(
        name="rtr-dinkes",
        hostname="127.0.0.1",
        port=22,
        platform="cisco_ios",
        role=None,
        site=None,
        skpd=None,
    )
    nr = build_nornir(settings, hosts=[host], dry_run=dry_run)
    options = nr.inventory.hosts["rtr-dinkes"].connection_options["napalm"]
    options.platform = "mock"  # napalm's own mock driver instead of ios
    options.extras = {"optional_args": {"path": str(path)}}
    plans = {"rtr-dinkes": PushPlan(intended=INTENDED, judge=_judge)}
    agg = nr.run(task=intended_push, plans=plans, commit_confirm=120, on_failed=True)
    device = nr.inventory.hosts["rtr-dinkes"].connections["napalm"].connection
    return agg["rtr-dinkes"], device


def _running(text: str) -> dict[str, str]:
    return {"running": text, "startup": "", "candidate": ""}


def test_commit_confirm_applies_rechecks_and_confirms(tmp_path: Path) -> None:
    path = _mock_dir(
        tmp_path,
        get_config__1=_running(BEFORE),
        load_merge_candidate__1={},
        commit_config__1={},
        get_config__2=_running(AFTER),
        confirm_commit__1={},
    )
    result, device = _run(path)
    assert not result.failed
    report = result[0].result
    assert isinstance(report, PushReport)
    assert (report.result, report.compliant_after, result[0].changed) == ("applied", True, True)
    assert report.commands == ("no ntp server 10.10.0.123", "ntp server 10.10.0.11")
    assert device.calls == {
        "get_config": 2,
        "load_merge_candidate": 1,
        "commit_config": 1,
        "confirm_commit": 1,
    }
    assert device.has_pending_commit() is False


def test_commit_confirm_not_compliant_after_rolls_back(tmp_path: Path) -> None:
    path = _mock_dir(
        tmp_path,
        get_config__1=_running(BEFORE),
        load_merge_candidate__1={},
        commit_config__1={},
        get_config__2=_running(BEFORE),  # the device did not take it
    )
    result, device = _run(path)
    assert result.failed
    error = result[0].exception
    assert isinstance(error, PushFailed) and error.rolled_back is True
    assert error.reason == "rejected: not compliant after the push (ntp: differs)"
    assert "confirm_commit" not in device.calls
    assert device.has_pending_commit() is False  # rollback() ended the pending commit


def test_commit_confirm_failed_commit_discards_the_candidate(tmp_path: Path) -> None:
    path = _mock_dir(
        tmp_path,
        get_config__1=_running(BEFORE),
        load_merge_candidate__1={},
        commit_config__1={"exception": "napalm.base.exceptions.CommitError", "args": ["% Invalid input"]},
        discard_config__1={},
    )
    result, device = _run(path)
    error = result[0].exception
    assert isinstance(error, PushFailed) and error.rolled_back is True
    assert error.category == "rejected" and error.message.startswith("the commit failed")
    assert device.calls["discard_config"] == 1 and "confirm_commit" not in device.calls


def test_commit_confirm_device_gone_after_commit_leaves_it_to_the_revert_timer(tmp_path: Path) -> None:
    path = _mock_dir(
        tmp_path,
        get_config__1=_running(BEFORE),
        load_merge_candidate__1={},
        commit_config__1={},
        get_config__2={"exception": "socket.timeout", "args": ["timed out"]},
    )
    result, device = _run(path)
    error = result[0].exception
    assert isinstance(error, PushFailed) and error.rolled_back is True
    assert error.category == "timeout" and "revert timer (120s)" in error.message
    assert "confirm_commit" not in device.calls


@pytest.mark.parametrize("before", [BEFORE, AFTER])
def test_commit_confirm_dry_run_and_nothing_to_do_only_read(tmp_path: Path, before: str) -> None:
    path = _mock_dir(tmp_path, get_config__1=_running(before))
    result, device = _run(path, dry_run=True)
    assert not result.failed
    assert device.calls == {"get_config": 1}
    assert result[0].changed is (before == BEFORE)
