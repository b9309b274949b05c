"""The NetBox edge against a real NetBox 4.7 seeded with the demo regency (the suite's own lab NetBox)."""

from __future__ import annotations

import json
import socket

import pytest

from simpul.core.bandwidth import check
from simpul.netbox import bandwidth as sot_bw

pytestmark = [pytest.mark.netbox, pytest.mark.slow]


def test_load_reads_the_demo_regency(netbox_seeded):
    sot = sot_bw.load(netbox_seeded.api())
    plan = sot.plan
    assert plan.capacity.total_mbps == 500  # Telkom 300 + Lintasarta 200, commit_rate in Kbps
    assert {c.cid for c in plan.capacity.circuits} == {"TLK-SKD-001", "LA-SKD-001"}
    assert {(u.device, u.interface) for u in sot.uplinks} == {
        ("core-diskominfo-01", "GigabitEthernet0/1"),
        ("core-diskominfo-01", "GigabitEthernet0/2"),
    }
    disdik = plan.allocation("disdik")
    assert disdik is not None
    assert disdik.lan_prefixes == ("10.20.3.0/24",)  # the /31 towards the distribution is not a LAN
    assert (disdik.cir_mbps, disdik.mir_mbps) == (25, 100)
    assert check(plan) == []


def test_cli_plan_and_check_from_netbox(netbox_seeded, simpul_cli):
    run = simpul_cli("bandwidth", "check", "--json", env=netbox_seeded.env())
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ok"] is True
    run = simpul_cli("bandwidth", "render", "--target", "ios", env=netbox_seeded.env())
    assert run.returncode == 0, run.stderr
    assert "interface GigabitEthernet0/1\n service-policy output SIMPUL-BW-UP" in run.stdout


def test_propose_commit_writes_once_then_changes_nothing(netbox_seeded, simpul_cli):
    env = netbox_seeded.env()
    dry = simpul_cli("bandwidth", "propose", "--policy", "equal", "--json", env=env)
    assert dry.returncode == 0, dry.stderr
    dry_data = json.loads(dry.stdout)
    assert dry_data["changes"] and dry_data["written"] == 0
    before = sot_bw.load(netbox_seeded.api()).plan
    assert before.allocation("disdik").cir_mbps == 25  # the dry run wrote nothing

    first = simpul_cli("bandwidth", "propose", "--policy", "equal", "--commit", "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["written"] > 0
    after = sot_bw.load(netbox_seeded.api()).plan
    proposed = {a["slug"]: (a["cir_mbps"], a["mir_mbps"]) for a in dry_data["allocations"]}
    assert {a.slug: (a.cir_mbps, a.mir_mbps) for a in after.active()} == proposed
    assert check(after) == []

    second = simpul_cli("bandwidth", "propose", "--policy", "equal", "--commit", "--json", env=env)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["changes"] == []
    assert json.loads(second.stdout)["written"] == 0


def test_apply_reports_a_core_that_does_not_answer_and_pushes_nothing(netbox_seeded, simpul_cli, tmp_path):
    # the core's SSH port is closed: the run names the device and the reason, exits 1, pushes nothing
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    overrides = tmp_path / "overrides.json"
    overrides.write_text(
        json.dumps({"hosts": {"core-diskominfo-01": {"hostname": "127.0.0.1", "port": port}}})
    )
    env = {
        **netbox_seeded.env(),
        "SIMPUL_INVENTORY_OVERRIDES": str(overrides),
        "SIMPUL_DEVICE_PASSWORD": "x" * 12,
    }
    for extra in ((), ("--commit",)):
        run = simpul_cli("bandwidth", "apply", "--json", *extra, env=env)
        assert run.returncode == 1, run.stderr
        assert "Traceback" not in run.stderr
        data = json.loads(run.stdout)
        assert data["ok"] is False and data["committed"] is bool(extra)
        core = data["devices"]["core-diskominfo-01"]
        assert core["platform"] == "cisco_ios"
        assert core["failed"] is True and core["changed"] is False and core["commands"] == []
        assert core["error"] == "unreachable: connection refused", core["error"]


def test_unknown_skpd_and_no_circuit_are_exit_2(netbox_seeded, simpul_cli):
    env = netbox_seeded.env()
    run = simpul_cli("bandwidth", "verify", "--skpd", "bwtest-nope", env=env)
    assert run.returncode == 2
    assert "unknown SKPD bwtest-nope" in run.stderr
    api = netbox_seeded.api()
    for circuit in api.circuits.circuits.filter(type="internet"):
        circuit.delete()
    run = simpul_cli("bandwidth", "plan", env=env)
    assert run.returncode == 2
    assert "no internet circuit terminates on the core router" in " ".join(run.stderr.split())
    assert "Traceback" not in run.stderr
