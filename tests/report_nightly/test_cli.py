"""``simpul report render``: the CLI over render_nightly, run as a user runs it (a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .conftest import History


def simpul(*args: str | Path, state: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SIMPUL_STATE_DIR": str(state), "SIMPUL_SETTINGS": str(state / "none.toml")}
    return subprocess.run(
        [sys.executable, "-m", "simpul", *map(str, args)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_report_render_writes_the_report_from_the_history(history: History) -> None:
    state = Path(history.settings.state_dir)
    done = simpul("report", "render", "--out", history.out, "--lang", "en", "--json", state=state)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout)
    assert facts["skpd_total"] == 3
    assert (history.out / "index.html").is_file() and (history.out / "summary.pdf").is_file()
    assert "Traceback" not in done.stderr


def test_report_render_without_a_nightly_run_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "report"
    done = simpul("report", "render", "--out", out, state=tmp_path / "state")
    assert done.returncode == 2
    assert "simpul nightly" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())
