"""Session fixtures: one real NetBox 4.7 per test session, booted from the cached migrated dump.

Modules that write to NetBox ask for ``netbox_empty`` (reset to the freshly migrated state) or
``netbox_seeded`` (bootstrap + demo regency, restored from a template database in ~1 s).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simpul.lab.netbox_lab import NetBoxLab, Ports, free_port, postgres_reachable_tempdir
from simpul.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
SIMPUL = str(Path(sys.executable).parent / "simpul")


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the developer's own settings file or points at a production NetBox."""
    base = tmp_path_factory.mktemp("simpul-state")
    saved = dict(os.environ)
    for key in list(os.environ):
        if key.startswith("SIMPUL_") and key not in (
            "SIMPUL_CACHE_DIR",
            "SIMPUL_PYTHON312",
            "SIMPUL_REGEN_GOLDEN",
        ):
            del os.environ[key]
    os.environ.pop("NETBOX_URL", None)
    os.environ.pop("NETBOX_TOKEN", None)
    os.environ["SIMPUL_SETTINGS"] = str(base / "no-settings.toml")
    os.environ["SIMPUL_STATE_DIR"] = str(base)
    if "SIMPUL_CACHE_DIR" not in saved:
        # the NetBox venv and migrated dump are shared with `simpul lab` on this machine
        os.environ["SIMPUL_CACHE_DIR"] = str(load_settings(env={}, settings_file=False).cache_dir)
    yield
    os.environ.clear()
    os.environ.update(saved)


@dataclass
class LabNetBox:
    lab: NetBoxLab
    url: str
    token: str

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["NETBOX_URL"] = self.url
        env["NETBOX_TOKEN"] = self.token
        return env

    def settings(self, **extra: str) -> Settings:
        env = self.env()
        env.update(extra)
        return load_settings(env=env, settings_file=False)

    def api(self):  # type: ignore[no-untyped-def]
        from simpul.netbox.client import connect

        return connect(self.settings())


@pytest.fixture(scope="session")
def netbox() -> Iterator[LabNetBox]:
    """A real NetBox 4.7.3 on free loopback ports, for the whole session."""
    _sweep_dead_sessions_netboxes()
    lab_dir = postgres_reachable_tempdir("simpul-test-lab-")
    (lab_dir / OWNER_FILE).write_text(str(os.getpid()))
    settings = load_settings(env={**os.environ, "SIMPUL_LAB_DIR": str(lab_dir)}, settings_file=False)
    ports = Ports(http=free_port(), postgres=free_port(), redis=free_port())
    lab = NetBoxLab(settings, ports)
    try:
        state = lab.up()
        yield LabNetBox(lab=lab, url=state.url, token=state.token)
    finally:
        lab.down()
        shutil.rmtree(lab_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def _seeded_point(netbox: LabNetBox) -> str:
    """Bootstrap + demo seed once per session, saved as the ``seeded`` reset point."""
    from simpul.netbox.bootstrap import bootstrap
    from simpul.netbox.seed import load_demo, seed_regency

    netbox.lab.reset("base")
    api = netbox.api()
    bootstrap(api)
    seed_regency(api, load_demo())
    netbox.lab.snapshot("seeded")
    return "seeded"


@pytest.fixture(scope="module")
def netbox_empty(netbox: LabNetBox) -> LabNetBox:
    """NetBox as freshly migrated (admin + token only), reset for this module."""
    netbox.lab.reset("base")
    return netbox


@pytest.fixture(scope="module")
def netbox_seeded(netbox: LabNetBox, _seeded_point: str) -> LabNetBox:
    """NetBox with simpul's bootstrap and the demo regency, reset for this module."""
    netbox.lab.reset("seeded")
    return netbox


@pytest.fixture(scope="session")
def netbox_url(netbox: LabNetBox) -> str:
    return netbox.url


@pytest.fixture(scope="session")
def netbox_token(netbox: LabNetBox) -> str:
    return netbox.token


def run_simpul(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run the real ``simpul`` command as a user would."""
    return subprocess.run(
        [SIMPUL, *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        cwd=cwd or ROOT,
        timeout=timeout,
        check=False,
    )


@pytest.fixture()
def simpul_cli():  # type: ignore[no-untyped-def]
    return run_simpul


def _free_port_range(count: int) -> int:
    """A base port with ``count`` free ports above it (for the simulated devices)."""
    import random

    from simpul.lab.netbox_lab import port_free

    for _ in range(50):
        # below the kernel's ephemeral range (32768-60999): an outgoing connection of this very
        # run can take an ephemeral port between our check and the device server's bind
        base = random.randrange(10000, 32768 - count)
        if all(port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no free port range for the lab devices")


@dataclass
class LabHandle:
    """The whole lab: seeded NetBox + simulated devices (+ namespaces as root)."""

    whole: Any
    netbox: LabNetBox
    password: str

    def env(self) -> dict[str, str]:
        env = self.netbox.env()
        env.update(
            {
                "SIMPUL_LAB_DIR": str(self.whole.paths.root),
                "SIMPUL_LAB_NETBOX_PORT": str(self.netbox.lab.ports.http),
                "SIMPUL_LAB_PG_PORT": str(self.netbox.lab.ports.postgres),
                "SIMPUL_LAB_REDIS_PORT": str(self.netbox.lab.ports.redis),
                "SIMPUL_LAB_DEVICE_BASE_PORT": str(self.whole.device_base_port),
                "SIMPUL_DEVICE_USERNAME": "admin",
                "SIMPUL_DEVICE_PASSWORD": self.password,
                "SIMPUL_INVENTORY_OVERRIDES": str(self.whole.paths.overrides),
                "NETBOX_API": self.netbox.url,
                "ANSIBLE_INVENTORY": f"{ROOT / 'inventory' / 'netbox.yml'},{self.whole.paths.ansible}",
                "ANSIBLE_HOST_KEY_CHECKING": "False",
            }
        )
        return env

    def settings(self, **extra: str) -> Settings:
        env = self.env()
        env.update(extra)
        return load_settings(env=env, settings_file=False)

    def plant(self, scenario: str) -> None:
        self.whole.plant(scenario)

    def clear(self) -> None:
        self.whole.clear()


_TEST_NS = re.compile(r"^s(\d+)-")


def _sweep_dead_sessions_namespaces() -> None:
    """Remove namespaces (and their socat forwarders) left by a test session that was killed.

    A killed run cannot tear its lab down; without this the next run on the same machine would
    find the names taken. Only prefixes of this suite's own shape (``s<pid>-``) whose session is
    gone are touched; device servers whose starter died are stopped too.
    """
    from simpul.lab.devices import sweep_orphaned_servers
    from simpul.lab.netns import sweep_prefix

    sweep_orphaned_servers(Path("/var/tmp"))
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
    dead = set()
    for line in listing.stdout.splitlines():
        match = _TEST_NS.match(line.split(" ", 1)[0])
        if match and not Path(f"/proc/{match.group(1)}").exists():
            dead.add(f"s{match.group(1)}-")
    for prefix in sorted(dead):
        sweep_prefix(prefix)


OWNER_FILE = "simpul-test-owner.pid"


def _sweep_dead_sessions_netboxes() -> None:
    """Stop the NetBox labs (PostgreSQL, Redis, gunicorn) of test sessions that were killed.

    Each session writes its pid into its lab directory; a directory whose owner is gone is
    stopped through its own state file (only the pids it started) and removed.
    """
    for owner in Path("/var/tmp").glob(f"simpul-test-lab-*/{OWNER_FILE}"):
        try:
            pid = int(owner.read_text().strip())
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{pid}").exists():
            continue
        lab_dir = owner.parent
        settings = load_settings(env={**os.environ, "SIMPUL_LAB_DIR": str(lab_dir)}, settings_file=False)
        try:
            NetBoxLab(settings).down()
        finally:
            shutil.rmtree(lab_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def lab(netbox: LabNetBox, _seeded_point: str) -> Iterator[LabHandle]:
    """Devices built from the seeded demo regency; drift cleared again after each user."""
    from simpul.lab.build import lab_secrets
    from simpul.lab.orchestrate import Lab

    _sweep_dead_sessions_namespaces()
    netbox.lab.reset("seeded")
    settings = load_settings(
        env={**os.environ, "SIMPUL_LAB_DIR": str(netbox.lab.root.parent)}, settings_file=False
    )
    whole = Lab(
        settings,
        netbox.lab.ports,
        device_base_port=_free_port_range(1200),
        netns_prefix=f"s{os.getpid()}-",  # per session: a killed run's leftovers never collide
    )
    whole.up()
    try:
        yield LabHandle(whole=whole, netbox=netbox, password=lab_secrets(whole.paths.root)["password"])
    finally:
        whole.down()
