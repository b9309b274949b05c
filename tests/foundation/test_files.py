"""Atomic writes: the old file or the new one, never half of one, and no temporary file left."""

from __future__ import annotations

from pathlib import Path

import pytest

from simpul.store.files import write_atomic


def test_replaces_the_file_whole_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "disdik.json"
    write_atomic(target, "old\n")
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["disdik.json"]
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_write_keeps_what_was_there_and_removes_its_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report"
    target.mkdir()  # a directory where the file should go: the rename fails
    (target / "index.html").write_text("last good")
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert (target / "index.html").read_text() == "last good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]
