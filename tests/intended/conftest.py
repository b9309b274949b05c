"""Fixtures: the seeded demo regency in a real NetBox, and a few of its devices served for real.

The devices are built from NetBox exactly as ``simpul lab up`` builds them (``simpul.lab.build``):
interfaces, addresses, VLANs and the config contexts of the regency. A handful of devices cover
every platform and every kind of config-context assignment (region, role, site, tenant).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from simpul.lab.spec import DeviceLab
from tests.conftest import LabNetBox
from tests.lab_devices.conftest import free_port_block

#: ios core (role context), eos distribution (role context), eos Pusat Data (site context),
#: ios edge of the RSUD (tenant context), ios edge, RouterOS edge and switch (region context).
DEVICES = (
    "core-diskominfo-01",
    "dist-diskominfo-01",
    "sw-pusat-data-01",
    "rtr-rsud",
    "rtr-dinkes",
    "rtr-disdik",
    "sw-disdik-01",
)


@dataclass
class IntendedLab:
    netbox: LabNetBox
    lab: DeviceLab
    state: Path
    overrides: Path
    work: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = self.netbox.env()
        env.update(
            {
                "SIMPUL_DEVICE_USERNAME": self.lab.username,
                "SIMPUL_DEVICE_PASSWORD": self.lab.password,
                "SIMPUL_INVENTORY_OVERRIDES": str(self.overrides),
                "SIMPUL_BACKUP_REPO": str(self.work / "backups"),
                "SIMPUL_STATE_DIR": str(self.work / "state"),
            }
        )
        env.update(extra)
        return env

    def settings(self, **extra: str) -> Any:
        from simpul.settings import load_settings

        return load_settings(env=self.env(**extra), settings_file=False)

    def start(self, lab: DeviceLab | None = None) -> None:
        from simpul.lab.devices import start_devices

        start_devices(lab or self.lab, self.state)

    def stop(self) -> None:
        from simpul.lab.devices import stop_devices

        stop_devices(self.state)

    def backup(self) -> None:
        from simpul.inventory import Filters
        from simpul.services.backup import BackupRequest, backup_configs

        result = backup_configs(self.settings(), BackupRequest(filters=Filters(device=DEVICES)))
        assert result.failed == {}, result.failed


def invoke(env: dict[str, str], *args: str) -> Any:
    """``simpul intended ARGS`` in-process, with exactly ``env`` as the environment."""
    from simpul.cli.intended import app

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return CliRunner().invoke(app, list(args), catch_exceptions=False)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def device_args() -> list[str]:
    return [arg for name in DEVICES for arg in ("--device", name)]


@pytest.fixture(scope="module")
def intended_lab(netbox_seeded: LabNetBox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntendedLab]:
    from simpul.lab.build import build_device_lab, fetch_regency

    work = tmp_path_factory.mktemp("intended")
    creds = {
        "password": "Lab" + secrets.token_hex(8),
        "enable_secret": secrets.token_urlsafe(12),
        "user_password": secrets.token_urlsafe(12),
        "snmp_community": "snmp" + secrets.token_hex(6),
        "ipsec_psk": secrets.token_urlsafe(16),
        "ppp_secret": secrets.token_urlsafe(10),
    }
    whole, _skipped = build_device_lab(
        fetch_regency(netbox_seeded.api()), creds, free_port_block(len(DEVICES))
    )
    devices = [d for d in whole.devices if d.name in DEVICES]
    devices = [
        d.model_copy(update={"ssh_port": whole.devices[0].ssh_port + n}) for n, d in enumerate(devices)
    ]
    lab = whole.model_copy(update={"devices": tuple(devices)})
    assert sorted(d.name for d in lab.devices) == sorted(DEVICES)
    overrides = work / "overrides.json"
    hosts = {d.name: {"hostname": lab.host, "port": d.ssh_port} for d in lab.devices}
    overrides.write_text(json.dumps({"lab": True, "hosts": hosts}))
    handle = IntendedLab(
        netbox=netbox_seeded, lab=lab, state=work / "devices", overrides=overrides, work=work
    )
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()
