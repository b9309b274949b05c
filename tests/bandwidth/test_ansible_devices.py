"""playbooks/bandwidth.yml with a real ansible-playbook against the lab's simulated devices.

Cisco IOS: the demo core (inventory from NetBox with nb_inventory, as `simpul lab env` sets it up),
cisco.ios.ios_config with the rendered MQC config. MikroTik: rtr-disdik standing in for a MikroTik
core (uplink ether1), community.routeros.command with simpul's own diff. For both: check mode
changes nothing, the first run applies, the second run reports changed=0.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simpul.core.bandwidth_diff import ios_owned_text, routeros_remediation
from simpul.devices.runner import build_nornir
from simpul.inventory import Filters
from simpul.netbox import bandwidth as sot_bw
from simpul.templates.bandwidth import render_bandwidth

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CORE, ROUTER = "core-diskominfo-01", "rtr-disdik"


@pytest.fixture(scope="module")
def devices(lab: Any) -> Iterator[Any]:
    lab.netbox.lab.reset("seeded")
    lab.clear()
    yield lab
    lab.clear()


def _play(lab: Any, *extra: str) -> subprocess.CompletedProcess[str]:
    env = lab.env() | {
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
        "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "30",
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "60",
        "ANSIBLE_LOCALHOST_WARNING": "False",
    }
    cmd = [
        str(BIN / "ansible-playbook"), str(ROOT / "playbooks" / "bandwidth.yml"),
        "-e", f"simpul_bandwidth_simpul={BIN / 'simpul'}",
        *extra,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False, timeout=600)


def _changed(run: subprocess.CompletedProcess[str], host: str) -> int:
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-3000:]
    match = re.search(
        rf"{re.escape(host)}\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", run.stdout
    )
    assert match, run.stdout[-4000:]
    return int(match.group(1))


def _read(lab: Any, host: str, command: str) -> str:
    from nornir.core.plugins.connections import ConnectionPluginRegister

    ConnectionPluginRegister.auto_register()
    nr = build_nornir(lab.settings(), Filters(device=(host,)))
    try:
        conn = nr.inventory.hosts[host].get_connection("netmiko", nr.config)
        if host == CORE:
            conn.enable()
        return "\n".join(str(conn.send_command(c)) for c in command.split(";"))
    finally:
        nr.close_connections()


def test_ios_play_check_apply_idempotent(devices: Any) -> None:
    sot = sot_bw.load(devices.netbox.api())
    uplink = next(u.interface for u in sot.uplinks if u.device == CORE)  # what render picks by default
    rendered = render_bandwidth(sot.plan, "ios", uplink=uplink)
    limit = ("--limit", CORE)

    check = _play(devices, *limit, "--check", "--diff")
    assert _changed(check, CORE) == 1
    assert "SIMPUL-BW" not in _read(devices, CORE, "show running-config")  # check mode pushed nothing

    first = _play(devices, *limit)
    assert _changed(first, CORE) == 1
    running = _read(devices, CORE, "show running-config")
    assert ios_owned_text(running) == ios_owned_text(rendered)
    assert ios_owned_text(_read(devices, CORE, "show startup-config")) == ios_owned_text(rendered)

    second = _play(devices, *limit)
    assert _changed(second, CORE) == 0


def test_routeros_play_check_apply_idempotent(devices: Any) -> None:
    rendered = render_bandwidth(sot_bw.load(devices.netbox.api()).plan, "routeros", uplink="ether1")
    menus = "/ip firewall address-list export;/ip firewall mangle export;/queue tree export"
    target = (
        "--limit",
        ROUTER,
        "-e",
        f"simpul_bandwidth_routeros_hosts={ROUTER}",
        "-e",
        "simpul_bandwidth_uplink=ether1",
    )

    check = _play(devices, *target, "--check")
    assert _changed(check, ROUTER) == 1
    assert "simpul" not in _read(devices, ROUTER, menus)  # check mode pushed nothing

    first = _play(devices, *target)
    assert _changed(first, ROUTER) == 1
    assert routeros_remediation(_read(devices, ROUTER, menus), rendered).commands == ()

    second = _play(devices, *target)
    assert _changed(second, ROUTER) == 0
