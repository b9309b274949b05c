"""The git store on real git: layout, one commit per run, history by date, status, and kill -9."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simpul.errors import InputError, StoreError
from simpul.services.backup import BackupResult, Fetched, commit_backups
from simpul.services.lan import last_lan_change
from simpul.store import GitStore, read_status
from simpul.store.git_store import DeviceStatus
from tests.backup import killable
from tests.backup.conftest import ROOT, git

WIB = dt.timezone(dt.timedelta(hours=7))


def night(day: int, hour: int = 2) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0, tzinfo=WIB)


def test_missing_or_empty_directory_becomes_a_repo(tmp_path: Path) -> None:
    GitStore(tmp_path / "a" / "b")
    (tmp_path / "empty").mkdir()
    GitStore(tmp_path / "empty")
    for p in (tmp_path / "a" / "b", tmp_path / "empty"):
        assert git(p, "rev-parse", "--is-inside-work-tree").strip() == "true"


def test_non_empty_directory_that_is_not_a_repo_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError) as info:
        GitStore(tmp_path)
    assert info.value.exit_code == 2 and info.value.source == str(tmp_path)
    assert not (tmp_path / ".git").exists()


def test_one_commit_per_run_and_none_without_change(tmp_path: Path) -> None:
    store = GitStore(tmp_path / "repo")
    first = store.commit({"a/s/r1.cfg": "one\n", "a/s/r2.cfg": "two\n"}, "run 1", night(20))
    assert first and git(store.root, "rev-list", "--count", "HEAD").strip() == "1"
    assert store.commit({"a/s/r1.cfg": "one\n", "a/s/r2.cfg": "two\n"}, "run 2", night(21)) is None
    second = store.commit({"a/s/r1.cfg": "one\n", "a/s/r2.cfg": "TWO\n"}, "run 3", night(22))
    assert git(store.root, "show", "--name-only", "--format=", second or "").split() == ["a/s/r2.cfg"]
    assert git(store.root, "log", "-1", "--format=%s%n%cI").split("\n")[:2] == [
        "run 3",
        "2026-11-22T02:00:00+07:00",
    ]
    assert (store.root / "a/s/r2.cfg").read_text() == "TWO\n"
    assert git(store.root, "status", "--porcelain") == ""


def test_history_by_date_and_revision(tmp_path: Path) -> None:
    store = GitStore(tmp_path / "repo")
    store.commit({"_infra/diskominfo/core-diskominfo-01.cfg": "hostname core\nvlan 10\n"}, "n1", night(20))
    rev2 = store.commit(
        {"_infra/diskominfo/core-diskominfo-01.cfg": "hostname core\nvlan 20\n"}, "n2", night(21)
    )
    store.commit({"_infra/diskominfo/core-diskominfo-01.cfg": "hostname core\nvlan 30\n"}, "n3", night(22))
    os.environ["TZ"] = "Asia/Jakarta"  # dates are read in the machine's zone; WIB here
    time.tzset()
    try:
        assert "vlan 20" in store.show("core-diskominfo-01", at="2026-11-21")
        assert "vlan 30" in store.show("core-diskominfo-01")
        assert "vlan 10" in store.show("CORE-DISKOMINFO-01", at="2026-11-20T23:00")
        with pytest.raises(InputError, match="on or before 2026-11-19"):
            store.show("core-diskominfo-01", at="2026-11-19")
        since = store.diff(
            "core-diskominfo-01", since="2026-11-21"
        )  # from the state at the start of the 21st
        assert "-vlan 10" in since and "+vlan 30" in since
        last = store.diff("core-diskominfo-01")  # default: the last change
        assert "-vlan 20" in last and "+vlan 30" in last
        assert "-vlan 20" in store.diff("core-diskominfo-01", since=rev2)
        with pytest.raises(InputError, match="neither a date nor a revision"):
            store.diff("core-diskominfo-01", since="last tuesday")
        with pytest.raises(InputError, match="no backup of device 'rtr-nowhere'"):
            store.diff("rtr-nowhere")
    finally:
        del os.environ["TZ"]
        time.tzset()


def test_status_is_merged_and_replaced_atomically(tmp_path: Path) -> None:
    store = GitStore(tmp_path / "repo")
    t = night(22)
    store.write_status({"r1": DeviceStatus(device="r1", result="changed", time=t, last_success=t)})
    store.write_status({"r2": DeviceStatus(device="r2", result="failed", reason="timeout", time=t)})
    status = read_status(store.root)
    assert set(status) == {"r1", "r2"} and status["r2"].reason == "timeout"
    assert not list((store.root / ".git").glob("*.simpul-tmp"))
    json.loads((store.root / ".git" / "simpul-status.json").read_text())


def test_a_second_run_cannot_take_the_lock(tmp_path: Path) -> None:
    store = GitStore(tmp_path / "repo")
    with store.locked(), pytest.raises(StoreError, match="another backup run"), GitStore(store.root).locked():
        pass


# -- kill -9 ------------------------------------------------------------------------------------


def _spawn(*args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.backup.killable", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "READY", proc.stderr.read() if proc.stderr else line
    return proc


def _kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL


def _prepared(tmp_path: Path, n: int) -> GitStore:
    store = GitStore(tmp_path / "repo")
    store.commit(killable.files(n, 1), "version 1", night(21))
    return store


def _assert_sound(store: GitStore) -> None:
    assert (
        subprocess.run(
            ["git", "-C", str(store.root), "fsck", "--strict", "--no-dangling"],
            capture_output=True,
            text=True,
            check=False,
        ).returncode
        == 0
    )


@pytest.mark.parametrize("phase", ["before-ref", "after-ref"])
def test_kill_9_mid_commit_leaves_a_sound_repo_and_whole_files(tmp_path: Path, phase: str) -> None:
    n = 20
    store = _prepared(tmp_path, n)
    head = store.head()
    _kill(_spawn(f"commit-{phase}", str(store.root), str(n)))
    _assert_sound(store)
    versions = []
    for i, (path, _) in enumerate(sorted(killable.files(n, 1).items())):
        text = (store.root / path).read_text()
        assert text in (
            killable.content(int(path.split("-")[-1][:-4]), 1),
            killable.content(int(path.split("-")[-1][:-4]), 2),
        ), i
        versions.append("2" if "! version 2" in text else "1")
    if phase == "before-ref":
        assert store.head() == head and set(versions) == {"1"}  # nothing happened
    else:
        assert store.head() != head  # the commit point was passed: HEAD is version 2 ...
        assert versions.count("2") == 1  # ... and one file was replaced (whole) when the kill came
    # the next run (under the lock) first brings the working tree to HEAD, and leaves no debris
    with store.locked():
        pass
    want = "2" if phase == "after-ref" else "1"
    for path in killable.files(n, 1):
        assert f"! version {want}\n" in (store.root / path).read_text()
    assert git(store.root, "status", "--porcelain") == ""
    assert not list((store.root / ".git").glob("simpul-index-*"))
    _assert_sound(store)


def test_kill_9_of_a_real_backup_run_mid_fetch(tmp_path: Path) -> None:
    store = GitStore(tmp_path / "repo")
    old = {f"skpd/site/rtr-slow{i}.cfg": f"hostname rtr-slow{i}\nend\n" for i in range(3)}
    store.commit(old, "night 1", night(21))
    head = store.head()
    proc = _spawn("run", str(store.root), "pw-" + os.urandom(4).hex())
    time.sleep(3)  # SSH sessions open, the slow devices are "printing" their configs
    _kill(proc)
    _assert_sound(store)
    assert store.head() == head
    for path, text in old.items():
        assert (store.root / path).read_text() == text
    with store.locked():  # the lock died with the process
        assert git(store.root, "status", "--porcelain") == ""


# -- a device moved in NetBox: one file, the whole history ----------------------------------------

OLD = "disdik/disdik/rtr-x.cfg"
NEW = "dinkes/dinkes/rtr-x.cfg"
CONFIG = "".join(f"interface ether{i}\n comment port-{i}\n" for i in range(30))


def _run(store: GitStore, day: int, *fetched: Fetched) -> BackupResult:
    with store.locked():
        return commit_backups(store, fetched, night(day))


def test_a_move_is_a_rename_in_the_same_commit_as_the_new_content(tmp_path: Path) -> None:
    store = GitStore(tmp_path / "repo")
    first = _run(store, 20, Fetched("rtr-x", OLD, CONFIG), Fetched("rtr-y", "disdik/disdik/rtr-y.cfg", "y\n"))
    moved = _run(
        store,
        21,
        Fetched("rtr-x", NEW, CONFIG + "ip dns\n"),
        Fetched("rtr-y", "disdik/disdik/rtr-y.cfg", "y\n"),
    )
    assert moved.moved == {"rtr-x": (OLD, NEW)} and moved.changed == ("rtr-x",)
    assert moved.unchanged == ("rtr-y",) and moved.stale == {}
    assert git(store.root, "ls-files").split() == [NEW, "disdik/disdik/rtr-y.cfg"]
    assert not (store.root / OLD).exists() and (store.root / NEW).read_text() == CONFIG + "ip dns\n"
    assert git(store.root, "status", "--porcelain") == ""
    assert git(store.root, "diff-tree", "-r", "-M", "--name-status", "--format=", "HEAD").split()[1:] == [
        OLD,
        NEW,
    ]  # R<similarity> old new: git sees the rename
    follow = git(store.root, "log", "--follow", "--format=%H", "--", NEW).split()
    assert follow == [moved.commit, first.commit]
    message = git(store.root, "log", "-1", "--format=%B")
    assert f"rtr-x: {OLD} -> {NEW}" in message and "changed: rtr-x" in message
    # the history commands find it by name, before and after the move
    assert [sha for sha, _, _ in store.log("rtr-x")] == [moved.commit, first.commit]
    assert store.show("rtr-x") == CONFIG + "ip dns\n"
    assert store.show("rtr-x", at=first.commit) == CONFIG  # read from its old path
    diff = store.diff("rtr-x")
    assert f"rename from {OLD}" in diff and f"rename to {NEW}" in diff and "+ip dns" in diff
    assert "+ip dns" in store.diff("rtr-x", since=first.commit)
    status = read_status(store.root)["rtr-x"]
    assert (status.path, status.result) == (NEW, "changed")
    # moved back: still one file, three commits in its history
    back = _run(store, 22, Fetched("rtr-x", OLD, CONFIG + "ip dns\n"))
    assert back.moved == {"rtr-x": (NEW, OLD)} and "rtr-x.cfg" not in git(store.root, "ls-files", "dinkes")
    assert len(git(store.root, "log", "--follow", "--format=%H", "--", OLD).split()) == 3
    assert last_lan_change(store.root, ["rtr-x"]) == dt.date(2026, 11, 22)


def test_a_failed_device_that_moved_keeps_its_last_good_file_where_it_is(tmp_path: Path) -> None:
    store = GitStore(tmp_path / "repo")
    _run(store, 20, Fetched("rtr-x", OLD, CONFIG))
    head = store.head()
    result = _run(store, 21, Fetched("rtr-x", NEW, reason="timeout: the device did not answer in time"))
    assert result.commit is None and result.moved == {} and store.head() == head
    assert (store.root / OLD).read_text() == CONFIG and not (store.root / NEW).exists()
    status = read_status(store.root)["rtr-x"]
    assert (status.result, status.path, status.last_success) == ("failed", OLD, night(20))
    # its next good backup moves it
    assert _run(store, 22, Fetched("rtr-x", NEW, CONFIG)).moved == {"rtr-x": (OLD, NEW)}


def test_a_repo_with_two_files_for_one_device_is_repaired_by_the_next_run(tmp_path: Path) -> None:
    """What simpul before the fix left after a move: the old file stayed, a new one was added."""
    store = GitStore(tmp_path / "repo")
    store.commit({OLD: CONFIG, "a/s/sw-01.cfg": "sw old\n"}, "night 1", night(19))
    store.commit({NEW: CONFIG + "ip dns\n", "b/t/sw-01.cfg": "sw new\n"}, "night 2", night(20))
    # no longer "ambiguous": the newest file answers
    assert store.find("rtr-x") == NEW and store.show("rtr-x") == CONFIG + "ip dns\n"
    assert store.show("sw-01") == "sw new\n"
    # rtr-x backed up (unchanged), sw-01 failed: both keep only their newest file
    result = _run(
        store,
        21,
        Fetched("rtr-x", NEW, CONFIG + "ip dns\n"),
        Fetched("sw-01", "b/t/sw-01.cfg", reason="auth: authentication failed"),
    )
    assert result.commit is not None and result.moved == {}
    assert result.stale == {"rtr-x": (OLD,), "sw-01": ("a/s/sw-01.cfg",)}
    assert git(store.root, "ls-files").split() == ["b/t/sw-01.cfg", NEW]
    assert git(store.root, "show", "--name-status", "--format=", "HEAD").split() == [
        "D",
        "a/s/sw-01.cfg",
        "D",
        OLD,
    ]
    message = git(store.root, "log", "-1", "--format=%B")
    assert "removed stale duplicates" in message
    assert f"{OLD} (kept {NEW})" in message and "a/s/sw-01.cfg (kept b/t/sw-01.cfg)" in message
    assert not (store.root / "a").exists()  # no empty directories left behind
    # the repair is no change of the device's config: its history is its two real versions
    assert [subject for _, _, subject in store.log("rtr-x")] == ["night 2", "night 1"]
    assert _run(store, 22, Fetched("rtr-x", NEW, CONFIG + "ip dns\n")).commit is None


def test_kill_9_mid_move_leaves_one_file_per_device(tmp_path: Path) -> None:
    n = 20
    store = _prepared(tmp_path, n)
    _kill(_spawn("commit-move-after-ref", str(store.root), str(n)))
    _assert_sound(store)
    with store.locked():  # the next run: the working tree is HEAD's, the old paths are gone
        pass
    assert sorted(p.relative_to(store.root).as_posix() for p in store.root.glob("*/*/*.cfg")) == sorted(
        killable.moved(n)
    )
    assert git(store.root, "status", "--porcelain", "--untracked-files=all") == ""
