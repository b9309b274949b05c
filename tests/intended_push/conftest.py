"""Fixtures: the seeded demo regency and seven of its devices served for real (tests/intended's lab).

``push`` runs ``simpul intended push`` in-process on a Typer app holding ``push_command`` alone (the
lead mounts the same function under ``simpul intended``).
"""

from __future__ import annotations

import os
from typing import Any

import typer
from typer.testing import CliRunner

from simpul.cli.intended_push import push_command
from tests.intended.conftest import intended_lab  # noqa: F401 - the fixture, one lab per module

app = typer.Typer()
app.command("push")(push_command)


@app.callback()
def _main() -> None:
    """simpul intended (push only)."""


def push(env: dict[str, str], *args: str) -> Any:
    """``simpul intended push ARGS`` in-process, with exactly ``env`` as the environment."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return CliRunner().invoke(app, ["push", *args], catch_exceptions=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)
