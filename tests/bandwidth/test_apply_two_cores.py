"""`simpul bandwidth apply` on two core routers of different platforms: one concurrent Nornir run.

The demo regency has one core (Cisco IOS); here NetBox gets a second one: the lab's MikroTik
``rtr-disdik`` becomes a core router with its own internet circuit cabled to ``ether5``. Each router
gets the plan rendered for its platform's target (``PlatformSpec.bandwidth_target``: ios, routeros),
both are pushed in ONE Nornir run (Nornir logs one task run on 2 hosts), and one router failing
(its SSH port closed) does not stop the other. NetBox and the devices are reset when the module ends.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nornir_tasks.bandwidth import ios_running, routeros_running
from simpul.core.bandwidth_diff import ios_remediation, routeros_remediation
from simpul.devices.runner import build_nornir
from simpul.inventory import Filters
from simpul.netbox import bandwidth as sot_bw
from simpul.services import bandwidth as service
from simpul.templates.bandwidth import render_bandwidth

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]
CORE, ROUTER = "core-diskominfo-01", "rtr-disdik"
ROUTER_UPLINK = "ether5"


def _make_router_a_core(api: Any) -> None:
    """rtr-disdik: role core-router, a 100 Mbps internet circuit cabled to a new ether5."""
    router = api.dcim.devices.get(name=ROUTER)
    router.role = api.dcim.device_roles.get(slug=sot_bw.CORE_ROLE).id
    router.save()
    itf = api.dcim.interfaces.create(device=router.id, name=ROUTER_UPLINK, type="1000base-t")
    circuit = api.circuits.circuits.create(
        cid="TLK-DISDIK-TEST",
        provider=api.circuits.providers.get(slug="telkom").id,
        type=api.circuits.circuit_types.get(slug=sot_bw.CIRCUIT_TYPE).id,
        status="active",
        commit_rate=100_000,  # Kbps
    )
    term = api.circuits.circuit_terminations.create(
        circuit=circuit.id, term_side="A", termination_type="dcim.site", termination_id=router.site.id
    )
    api.dcim.cables.create(
        a_terminations=[{"object_type": "circuits.circuittermination", "object_id": term.id}],
        b_terminations=[{"object_type": "dcim.interface", "object_id": itf.id}],
        status="connected",
    )


@pytest.fixture(scope="module")
def cores(lab: Any) -> Iterator[Any]:
    lab.netbox.lab.reset("seeded")
    lab.clear()  # both routers as their specs build them, whatever ran before
    _make_router_a_core(lab.netbox.api())
    try:
        yield lab
    finally:
        lab.netbox.lab.reset("seeded")
        lab.clear()


def _left_to_do(lab: Any) -> dict[str, tuple[str, ...]]:
    """What each router still lacks of the plan NetBox holds now (read from the devices)."""
    sot = sot_bw.load(lab.netbox.api())
    nr = build_nornir(lab.settings(), Filters(device=(CORE, ROUTER)))
    try:
        core = nr.inventory.hosts[CORE].get_connection("netmiko", nr.config)
        router = nr.inventory.hosts[ROUTER].get_connection("netmiko", nr.config)
        ios = render_bandwidth(sot.plan, "ios", uplink="GigabitEthernet0/1")
        ros = render_bandwidth(sot.plan, "routeros", uplink=ROUTER_UPLINK)
        return {
            CORE: ios_remediation(ios_running(core), ios).commands,
            ROUTER: routeros_remediation(routeros_running(router), ros).commands,
        }
    finally:
        nr.close_connections()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_both_platforms_in_one_run_then_nothing_left(cores: Any, caplog: pytest.LogCaptureFixture) -> None:
    settings = cores.settings()
    request = service.ApplyRequest(commit=True, devices=(CORE, ROUTER))
    assert {u.device for u in sot_bw.load(cores.netbox.api()).uplinks} == {CORE, ROUTER}

    with caplog.at_level(logging.INFO, logger="nornir.core"):
        result = service.apply(settings, request)
    runs = [m for r in caplog.records if (m := r.getMessage()).startswith("Running task 'bandwidth_apply'")]
    assert len(runs) == 1 and runs[0].endswith("on 2 hosts"), runs  # one Nornir run, both routers

    assert result.exit_code == 0, result.as_json()
    assert {name: (r.platform, r.outcome.changed) for name, r in result.routers.items()} == {
        CORE: ("cisco_ios", True),
        ROUTER: ("mikrotik_routeros", True),
    }
    assert any(c.startswith("policy-map SIMPUL-BW") for c in result.routers[CORE].commands)
    queue = "/queue tree add name=simpul-up parent=ether5"
    assert any(c.startswith(queue) for c in result.routers[ROUTER].commands)
    assert _left_to_do(cores) == {CORE: (), ROUTER: ()}  # running + remediation == rendered, on both

    again = service.apply(settings, request)
    assert {name: r.outcome.changed for name, r in again.routers.items()} == {CORE: False, ROUTER: False}


def test_one_failing_router_does_not_stop_the_other(cores: Any, simpul_cli: Any, tmp_path: Path) -> None:
    # a new allocation for disdik: both routers differ from the plan again
    api = cores.netbox.api()
    disdik = api.tenancy.tenants.get(slug="disdik")
    disdik.custom_fields[sot_bw.CIR_FIELD] = 20
    disdik.save()
    assert set(_left_to_do(cores)[CORE]) and set(_left_to_do(cores)[ROUTER])

    # the IOS core's SSH port is closed: the MikroTik is still pushed, the core named with its reason
    overrides = json.loads(Path(cores.env()["SIMPUL_INVENTORY_OVERRIDES"]).read_text())
    overrides["hosts"][CORE] = {**overrides["hosts"][CORE], "hostname": "127.0.0.1", "port": _closed_port()}
    broken = tmp_path / "overrides.json"
    broken.write_text(json.dumps(overrides))
    args = ("bandwidth", "apply", "--commit", "--json", "--device", CORE, "--device", ROUTER)
    run = simpul_cli(*args, env={**cores.env(), "SIMPUL_INVENTORY_OVERRIDES": str(broken)})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    data = json.loads(run.stdout)
    assert data["ok"] is False and data["committed"] is True
    assert data["devices"][CORE] == {
        "platform": "cisco_ios",
        "changed": False,
        "failed": True,
        "diff": "",
        "commands": [],
        "error": "unreachable: connection refused",
    }
    router = data["devices"][ROUTER]
    assert (router["failed"], router["changed"]) == (False, True), router
    assert "limit-at=20000k" in router["diff"]
    assert _left_to_do(cores)[ROUTER] == ()

    # the core answers again: only it changes now
    run = simpul_cli(*args, env=cores.env())
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads(run.stdout)
    assert {name: d["changed"] for name, d in data["devices"].items()} == {CORE: True, ROUTER: False}
    assert _left_to_do(cores) == {CORE: (), ROUTER: ()}
