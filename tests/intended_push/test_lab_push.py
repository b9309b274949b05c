"""`simpul intended push` against the real lab: seeded NetBox 4.7 and real SSH devices built from it.

One module-scoped lab (IOS, EOS and RouterOS devices of the demo regency), in file order: a fresh lab
pushes nothing; planted drift (NTP on the IOS rtr-dinkes, SNMP location on the RouterOS
sw-disdik-01) shows in a dry run that changes nothing; --commit makes both compliant; a second push
is unchanged; a line the IOS devices reject rolls those devices back while the RouterOS one applies;
every push is in the history store.
"""

from __future__ import annotations

import getpass
import json
import shutil
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from simpul.lab.drift import apply_drift, load_scenario
from simpul.lab.spec import DeviceLab
from tests.intended.conftest import DEVICES, IntendedLab, device_args, invoke
from tests.intended_push.conftest import push

pytestmark = [pytest.mark.devices, pytest.mark.slow]

DRIFTED = {"rtr-dinkes": "ntp", "sw-disdik-01": "snmp"}
UNCHANGED = {"result": "unchanged", "changed": False, "compliant_after": True, "reason": None}


def _push(lab: IntendedLab, *extra: str) -> tuple[int, dict[str, Any]]:
    result = push(lab.env(), *device_args(), "--json", *extra)
    return result.exit_code, json.loads(result.stdout)["devices"]


def _live_findings(lab: IntendedLab) -> dict[str, set[str]]:
    data = json.loads(invoke(lab.env(), "check", *device_args(), "--live", "--json").stdout)
    assert data["failed"] == {}
    return {
        name: {f for f, fc in dev["features"].items() if not fc["compliant"]}
        for name, dev in data["devices"].items()
        if not dev["compliant"]
    }


def _drifted(lab: IntendedLab) -> DeviceLab:
    return apply_drift(apply_drift(lab.lab, load_scenario("ntp-drift")), load_scenario("snmp-location-drift"))


def test_a_fresh_lab_has_nothing_to_push(intended_lab: IntendedLab) -> None:
    code, devices = _push(intended_lab)
    assert code == 0
    assert devices == dict.fromkeys(DEVICES, UNCHANGED)


def test_drift_dry_run_prints_the_remediation_and_changes_nothing(intended_lab: IntendedLab) -> None:
    intended_lab.start(_drifted(intended_lab))
    assert _live_findings(intended_lab) == {name: {feature} for name, feature in DRIFTED.items()}
    code, devices = _push(intended_lab)
    assert code == 0  # a dry run that could push is not a failure
    for name in DEVICES:
        if name in DRIFTED:
            assert devices[name] == {
                "result": "unchanged",
                "changed": True,
                "compliant_after": False,
                "reason": "dry run: nothing was pushed",
            }
        else:
            assert devices[name] == UNCHANGED, name
    table = push(intended_lab.env(), "--device", "rtr-dinkes", "--device", "sw-disdik-01")
    assert "no ntp server 10.10.0.123" in table.stdout
    assert "ntp server 10.10.0.11" in table.stdout
    assert '/snmp set location="Kabupaten Sekadau"' in table.stdout.replace("\n", "") or (
        "/snmp set location=" in table.stdout
    )
    assert "dry run" in table.stdout
    # --feature narrows the remediation and the check to one feature: only the SNMP drift is seen
    code, snmp_only = _push(intended_lab, "--feature", "snmp")
    assert code == 0
    assert {n for n, d in snmp_only.items() if d["changed"]} == {"sw-disdik-01"}
    assert snmp_only["rtr-dinkes"] == UNCHANGED
    bad = push(intended_lab.env(), "--feature", "no-such-feature", "--json")
    assert bad.exit_code == 2 and "no feature 'no-such-feature'" in bad.stdout + bad.stderr
    assert _live_findings(intended_lab) == {name: {feature} for name, feature in DRIFTED.items()}


def test_commit_makes_the_drifted_devices_compliant_and_a_second_push_is_unchanged(
    intended_lab: IntendedLab,
) -> None:
    code, devices = _push(intended_lab, "--commit")
    assert code == 0, devices
    for name in DEVICES:
        want = {"result": "applied", "changed": True, "compliant_after": True, "reason": None}
        assert devices[name] == (want if name in DRIFTED else UNCHANGED), name
    assert _live_findings(intended_lab) == {}
    code, devices = _push(intended_lab, "--commit")
    assert code == 0
    assert devices == dict.fromkeys(DEVICES, UNCHANGED)


def _templates(tmp_path: Path) -> Path:
    """A copy of the shipped template tree."""
    out = tmp_path / "templates"
    out.mkdir()
    for entry in resources.files("simpul.templates.intended").iterdir():
        if entry.name.endswith(".j2"):
            shutil.copyfile(str(entry), out / entry.name)
    return out


def _templates_with_a_bad_ios_line(tmp_path: Path) -> Path:
    """The shipped template tree, with a line every Cisco IOS device rejects (no such interface)."""
    out = _templates(tmp_path)
    ios = out / "cisco_ios.j2"
    head, _, tail = ios.read_text().rpartition("\nend")
    ios.write_text(head + "\ninterface Bogus0/1" + "\nend" + tail)
    return out


def test_a_rejected_line_rolls_that_device_back_while_the_others_apply(
    intended_lab: IntendedLab, tmp_path: Path
) -> None:
    intended_lab.start(_drifted(intended_lab))
    templates = _templates_with_a_bad_ios_line(tmp_path)
    code, devices = _push(intended_lab, "--commit", "--templates", str(templates))
    assert code == 1
    ios = {d.name for d in intended_lab.lab.devices if d.platform == "cisco_ios"}
    for name, d in devices.items():
        if name in ios:
            assert d["result"] == "rolled_back", (name, d)
            assert d["reason"].startswith("rejected: "), d
            assert (d["changed"], d["compliant_after"]) == (False, False)
        elif name == "sw-disdik-01":
            assert d == {"result": "applied", "changed": True, "compliant_after": True, "reason": None}
        else:
            assert d == UNCHANGED, name
    # rtr-dinkes runs its pre-push config again: its NTP drift is still there, nothing else changed
    assert _live_findings(intended_lab) == {"rtr-dinkes": {"ntp"}}


def test_a_rejected_routeros_command_rolls_back_the_commands_before_it(
    intended_lab: IntendedLab, tmp_path: Path
) -> None:
    intended_lab.start(_drifted(intended_lab))
    templates = _templates(tmp_path)
    ros = templates / "mikrotik_routeros.j2"
    # an address on an interface the router does not have: RouterOS answers "failure: ..."
    ros.write_text(ros.read_text() + "\n/ip address add address=10.99.0.1/24 interface=ether99\n")
    code, devices = _push(
        intended_lab, "--commit", "--templates", str(templates), "--platform", "mikrotik_routeros"
    )
    assert code == 1
    routeros = sorted(d.name for d in intended_lab.lab.devices if d.platform == "mikrotik_routeros")
    assert sorted(devices) == routeros
    for name, d in devices.items():
        assert d["result"] == "rolled_back", (name, d)
        assert d["reason"].startswith("rejected: '/ip address add address=10.99.0.1/24"), d
    # the SNMP location set before the rejected add was set back: sw-disdik-01 is drifted again
    assert _live_findings(intended_lab) == {name: {feature} for name, feature in DRIFTED.items()}


def test_every_push_is_recorded_with_who_when_what_and_the_result(intended_lab: IntendedLab) -> None:
    path = Path(intended_lab.settings().state_dir) / "history.sqlite"
    with sqlite3.connect(path) as db:
        runs = db.execute(
            "SELECT id, kind, who FROM runs WHERE kind LIKE 'intended-push%' ORDER BY time"
        ).fetchall()
        kinds = [kind for _, kind, _ in runs]
        assert kinds.count("intended-push") == 4 and kinds.count("intended-push-dry-run") >= 3
        assert {who for _, _, who in runs} == {getpass.getuser()}
        last = runs[-2][0]  # the IOS rejection (the last one pushed to RouterOS devices only)
        rows = db.execute(
            'SELECT subject, state, detail FROM results WHERE run = ? AND "check" = ?',
            (last, "intended-push"),
        ).fetchall()
    by_device = {subject: (state, json.loads(detail)) for subject, state, detail in rows}
    assert sorted(by_device) == sorted(DEVICES)
    state, detail = by_device["rtr-dinkes"]
    assert state == "rolled_back" and detail["committed"] is True
    assert "interface Bogus0/1" in detail["commands"]
    planted = [v for d in intended_lab.lab.devices for v in d.secrets.model_dump().values()]
    assert [s for s in planted if s in json.dumps(by_device)] == []
