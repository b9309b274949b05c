"""Fixtures: a small hand-built device lab (disdik, dinkes, a distribution switch, one dead host)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simpul.lab.devices import start_devices, stop_devices
from simpul.lab.spec import DeviceLab
from tests.lab_devices.conftest import demo_lab, free_port_block


@pytest.fixture(scope="session")
def small_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeviceLab]:
    """The hand-built lab of tests/lab_devices (rtr-bappeda there is linux: nothing listens on its port)."""
    state: Path = tmp_path_factory.mktemp("lan-devlab")
    lab = demo_lab(free_port_block(8))
    start_devices(lab, state, timeout=60)
    try:
        yield lab
    finally:
        stop_devices(state)
