"""Fixtures of the NetBox model tests.

The NetBox itself comes from the session fixtures ``netbox_url`` / ``netbox_token`` in
tests/conftest.py (the lab, booted once per session). For development against an already running
NetBox, export ``SIMPUL_TEST_NETBOX_URL`` and ``SIMPUL_TEST_NETBOX_TOKEN`` before pytest starts:
these tests then use that NetBox instead (an explicit opt-in, so a shell's NETBOX_URL pointing at a
production NetBox is never written to by tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pynetbox
import pytest

ROOT = Path(__file__).resolve().parents[2]
_DEV_URL = os.environ.get("SIMPUL_TEST_NETBOX_URL")
_DEV_TOKEN = os.environ.get("SIMPUL_TEST_NETBOX_TOKEN")

if _DEV_URL and _DEV_TOKEN:

    @pytest.fixture(scope="session")
    def netbox_url() -> str:
        return str(_DEV_URL)

    @pytest.fixture(scope="session")
    def netbox_token() -> str:
        return str(_DEV_TOKEN)


Run = Callable[..., subprocess.CompletedProcess[str]]


def run(*args: str, url: str | None = None, token: str | None = None, cwd: Path | None = None) -> Any:
    """The real ``simpul`` command, with only the NetBox settings given here."""
    env = {k: v for k, v in os.environ.items() if k not in ("NETBOX_URL", "NETBOX_TOKEN")}
    env["SIMPUL_SETTINGS"] = str(ROOT / "tests" / "netbox" / "no-such-settings.toml")
    env["SIMPUL_NETBOX_TIMEOUT"] = "120"  # a shared CI box can be slow; this only bounds a hang
    if url is not None:
        env["NETBOX_URL"] = url
    if token is not None:
        env["NETBOX_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "simpul", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="session")
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run


@pytest.fixture()
def nb(netbox_url: str, netbox_token: str) -> pynetbox.api:
    return pynetbox.api(netbox_url, token=netbox_token)


@pytest.fixture()
def nb_cli(netbox_url: str, netbox_token: str) -> Callable[..., Any]:
    """``simpul`` pointed at the test NetBox; ``--json`` output parsed."""

    def call(*args: str) -> Any:
        out = run(*args, url=netbox_url, token=netbox_token)
        assert out.returncode == 0, out.stderr + out.stdout
        return json.loads(out.stdout) if "--json" in args else out

    return call


@pytest.fixture()
def changes(nb: pynetbox.api) -> Callable[[], int]:
    """How many changes NetBox has recorded so far: every write adds to its change log."""
    return lambda: int(nb.core.object_changes.count())
