"""`simpul bandwidth apply` against the demo regency's real (simulated) Cisco IOS core over SSH.

The `lab` fixture serves core-diskominfo-01 as a stateful IOS device built from the seeded NetBox:
a dry run shows the diff and changes nothing, --commit applies (and saves), a second --commit
changes nothing, and a change made by hand on the device shows up in the next dry run. The core is
restarted from its spec (lab.clear) when the module ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from simpul.core.bandwidth_diff import ios_owned_text
from simpul.devices.runner import build_nornir
from simpul.inventory import Filters
from simpul.netbox import bandwidth as sot_bw
from simpul.templates.bandwidth import render_bandwidth

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]
CORE = "core-diskominfo-01"


@pytest.fixture(scope="module")
def core(lab: Any) -> Iterator[Any]:
    lab.netbox.lab.reset("seeded")  # the demo allocation, whatever another module proposed
    lab.clear()  # a core as its spec builds it, whatever ran before
    yield lab
    lab.clear()


def _rendered(lab: Any) -> str:
    sot = sot_bw.load(lab.netbox.api())
    uplink = next(u.interface for u in sot.uplinks if u.device == CORE)
    return render_bandwidth(sot.plan, "ios", uplink=uplink)


def _session(lab: Any):  # type: ignore[no-untyped-def]
    from nornir.core.plugins.connections import ConnectionPluginRegister

    ConnectionPluginRegister.auto_register()
    nr = build_nornir(lab.settings(), Filters(device=(CORE,)))
    return nr, nr.inventory.hosts[CORE].get_connection("netmiko", nr.config)


def _show(lab: Any, command: str) -> str:
    nr, conn = _session(lab)
    try:
        conn.enable()
        return str(conn.send_command(command))
    finally:
        nr.close_connections()


def _configure(lab: Any, lines: list[str]) -> None:
    nr, conn = _session(lab)
    try:
        conn.enable()
        conn.send_config_set(lines)
    finally:
        nr.close_connections()


def _apply(lab: Any, simpul_cli: Any, *extra: str) -> dict[str, Any]:
    run = simpul_cli("bandwidth", "apply", "--device", CORE, "--json", *extra, env=lab.env())
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads(run.stdout)
    assert data["ok"] is True
    return dict(data["devices"][CORE])


def test_dry_run_commit_idempotent_and_drift(core: Any, simpul_cli: Any) -> None:
    rendered = _rendered(core)
    assert "SIMPUL-BW" not in _show(core, "show running-config")

    dry = _apply(core, simpul_cli)
    assert dry["platform"] == "cisco_ios" and dry["changed"] is True
    assert "+policy-map SIMPUL-BW-UP" in dry["diff"]
    assert "+ service-policy output SIMPUL-BW-UP" in dry["diff"]
    assert "SIMPUL-BW" not in _show(core, "show running-config")  # the dry run pushed nothing

    first = _apply(core, simpul_cli, "--commit")
    assert first["changed"] is True and first["commands"] == dry["commands"]
    running = _show(core, "show running-config")
    # running + remediation == rendered (the owned part, compared as hier_config sees it)
    assert ios_owned_text(running) == ios_owned_text(rendered)
    assert "interface GigabitEthernet0/1" in running and " service-policy output SIMPUL-BW-UP" in running
    assert ios_owned_text(_show(core, "show startup-config")) == ios_owned_text(rendered)  # saved

    second = _apply(core, simpul_cli, "--commit")
    assert (second["changed"], second["diff"], second["commands"]) == (False, "", [])

    # by hand: disdik's guarantee lowered and a class-map nobody planned; the next dry run shows both
    _configure(
        core,
        [
            "policy-map SIMPUL-BW-UP-SKPD",
            "class SIMPUL-BW-UP-DISDIK",
            "bandwidth 1000",
            "class-map match-any SIMPUL-BW-UP-LIAR",
            "match access-group name SIMPUL-BW-UP-LIAR",
        ],
    )
    drift = _apply(core, simpul_cli)
    assert drift["changed"] is True
    assert "-  bandwidth 1000" in drift["diff"] and "+  bandwidth 25000" in drift["diff"]
    assert "-class-map match-any SIMPUL-BW-UP-LIAR" in drift["diff"]
    assert drift["commands"] == [
        "policy-map SIMPUL-BW-UP-SKPD",
        " class SIMPUL-BW-UP-DISDIK",
        "  bandwidth 25000",
        "no class-map match-any SIMPUL-BW-UP-LIAR",
    ]
    assert "  bandwidth 1000" in _show(core, "show running-config")  # still a dry run

    fixed = _apply(core, simpul_cli, "--commit")
    assert fixed["changed"] is True
    assert ios_owned_text(_show(core, "show running-config")) == ios_owned_text(rendered)
    assert _apply(core, simpul_cli)["changed"] is False


def test_apply_human_output_is_a_dry_run_by_default(core: Any, simpul_cli: Any) -> None:
    run = simpul_cli("bandwidth", "apply", "--device", CORE, env=core.env())
    assert run.returncode == 0, run.stderr
    assert "dry run" in run.stdout and CORE in run.stdout


def test_unknown_device_is_bad_input(core: Any, simpul_cli: Any) -> None:
    run = simpul_cli("bandwidth", "apply", "--device", "no-such-core", env=core.env())
    assert run.returncode == 2
    assert "E2001" in run.stderr and "Traceback" not in run.stderr
