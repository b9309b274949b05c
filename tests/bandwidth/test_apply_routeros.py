"""The RouterOS apply task against a real (simulated) MikroTik over SSH.

The demo regency's core is Cisco IOS, so the lab's MikroTik ``rtr-disdik`` stands in for a MikroTik
core (uplink ``ether1``): the Nornir task is the same whatever the device's role. A dry run shows the
diff and changes nothing, --commit applies, a second commit changes nothing, a change made by hand
(a lowered ceiling, an extra address in one of our lists) shows up in the next dry run while items
simpul does not own are left alone. The device is restarted from its spec when the module ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nornir_tasks.bandwidth import bandwidth_apply_routeros, routeros_running
from simpul.core.bandwidth_diff import parse_ros_export, routeros_remediation
from simpul.devices.runner import build_nornir
from simpul.inventory import Filters
from simpul.netbox import bandwidth as sot_bw
from simpul.templates.bandwidth import render_bandwidth

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]
ROUTER = "rtr-disdik"


@pytest.fixture(scope="module")
def router(lab: Any) -> Iterator[Any]:
    from nornir.core.plugins.connections import ConnectionPluginRegister

    lab.netbox.lab.reset("seeded")
    lab.clear()
    ConnectionPluginRegister.auto_register()
    nr = build_nornir(lab.settings(), Filters(device=(ROUTER,)))
    try:
        yield nr
    finally:
        nr.close_connections()
        lab.clear()


@pytest.fixture(scope="module")
def rendered(lab: Any) -> str:
    return render_bandwidth(sot_bw.load(lab.netbox.api()).plan, "routeros", uplink="ether1")


def _run(nr: Any, config: str, commit: bool) -> Any:
    # nornir_napalm's shape: the task's dry_run= overrides Nornir's global dry-run for this call
    result = nr.run(task=bandwidth_apply_routeros, config=config, dry_run=not commit)[ROUTER][0]
    assert not result.failed, result.exception
    return result


def _conn(nr: Any) -> Any:
    return nr.inventory.hosts[ROUTER].get_connection("netmiko", nr.config)


def _ours(nr: Any) -> list[Any]:
    return [i for i in parse_ros_export(routeros_running(_conn(nr))) if "simpul" in i.line()]


def test_dry_run_commit_idempotent_and_drift(router: Any, rendered: str) -> None:
    assert _ours(router) == []

    dry = _run(router, rendered, commit=False)
    assert dry.changed is True
    assert "+/queue tree add name=simpul-up parent=ether1" in dry.diff
    assert "+/ip firewall address-list add list=simpul-bw-disdik address=10.20.3.0/24" in dry.diff
    assert _ours(router) == []  # the dry run pushed nothing

    first = _run(router, rendered, commit=True)
    assert first.changed is True and first.result == dry.result
    # running + remediation == rendered: nothing left to do, item for item
    assert routeros_remediation(routeros_running(_conn(router)), rendered).commands == ()
    wanted = parse_ros_export(rendered)
    assert sorted(i.line() for i in _ours(router)) == sorted(i.line() for i in wanted)

    second = _run(router, rendered, commit=True)
    assert (second.changed, second.diff, second.result) == (False, "", [])

    conn = _conn(router)
    for command in (
        "/queue tree set [find name=simpul-up-disdik] max-limit=1M",
        "/ip firewall address-list add list=simpul-bw-disdik address=10.99.0.0/24",
        "/queue tree add name=tamu parent=global max-limit=5M",  # not ours: left alone
    ):
        conn.send_command(command)  # by hand; the dry run below proves each took
    drift = _run(router, rendered, commit=False)
    assert drift.changed is True
    assert drift.result == [
        "/ip firewall address-list remove [find list=simpul-bw-disdik address=10.99.0.0/24]",
        "/queue tree set [find name=simpul-up-disdik] max-limit=100000k",
    ]
    assert "-/queue tree add name=simpul-up-disdik" in drift.diff and "max-limit=1M" in drift.diff
    assert "tamu" not in drift.diff

    fixed = _run(router, rendered, commit=True)
    assert fixed.changed is True
    assert _run(router, rendered, commit=False).changed is False
    assert "name=tamu" in str(conn.send_command("/queue tree export"))  # still there
