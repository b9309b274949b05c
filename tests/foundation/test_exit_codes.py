"""Exit codes of every command: 2 for bad input or an unusable NetBox, 3 for a bug (crash file).

The commands here are small typer commands wrapped exactly as simpul's are (``handles_errors``):
what is under test is the wrapper every command shares, run through typer as a user would.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests
import typer
from typer.testing import CliRunner

from simpul.cli._common import handles_errors
from simpul.errors import InputError

SECRET = "s3cr3t-Passw0rd"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command("bug")
    @handles_errors
    def bug_command() -> None:
        raise RuntimeError(f"a bug that knows the password {SECRET}")

    @app.command("bad")
    @handles_errors
    def bad_command() -> None:
        raise InputError("VLAN 5000 is out of range", source="topology/x.yaml", line=3, hint="use 1-4094")

    @app.command("netbox")
    @handles_errors
    def netbox_command() -> None:
        requests.get("http://127.0.0.1:9/api/", timeout=2)  # port 9 (discard): nothing listens

    return app


@pytest.fixture()
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SIMPUL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SIMPUL_DEVICE_PASSWORD", SECRET)
    return tmp_path


def test_a_bug_exits_3_with_one_line_and_a_censored_crash_file(state: Path) -> None:
    logging.getLogger().setLevel(logging.WARNING)
    out = CliRunner().invoke(_app(), ["bug"])
    assert out.exit_code == 3
    assert "internal error" in out.output and "RuntimeError" in out.output
    assert "Traceback" not in out.output and SECRET not in out.output
    crashes = list((state / "crash").glob("crash-*.txt"))
    assert len(crashes) == 1
    text = crashes[0].read_text()
    assert "Traceback" in text and "RuntimeError" in text and "bug_command" in text
    assert SECRET not in text and "********" in text
    assert str(crashes[0]) in out.output.replace("\n", "")
    assert crashes[0].stat().st_mode & 0o077 == 0


def test_verbose_shows_the_traceback(state: Path) -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        out = CliRunner().invoke(_app(), ["bug"])
    finally:
        logging.getLogger().setLevel(logging.WARNING)
    assert out.exit_code == 3 and "Traceback" in out.output


def test_bad_input_exits_2_naming_the_place(state: Path) -> None:
    out = CliRunner().invoke(_app(), ["bad"])
    assert out.exit_code == 2
    assert "E2001 topology/x.yaml:3: VLAN 5000 is out of range" in out.output and "use 1-4094" in out.output
    assert not (state / "crash").exists()


def test_netbox_not_answering_exits_2_not_3(state: Path) -> None:
    out = CliRunner().invoke(_app(), ["netbox"])
    assert out.exit_code == 2
    assert "E3001 NetBox stopped answering" in out.output and "Traceback" not in out.output
    assert not (state / "crash").exists()
