"""Fixtures for the diagram, snapshot and LAN diff tests: data files and a CLI runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from simpul.cli import app

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
BAD = HERE / "bad"
ROOT = HERE.parent.parent


@pytest.fixture
def simpul() -> Callable[..., Result]:
    """Run ``simpul ARGS...`` in-process; stdout and stderr are kept apart."""
    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        return runner.invoke(app, [str(a) for a in args])

    return run
