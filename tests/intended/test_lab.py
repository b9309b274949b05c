"""`simpul intended` against the real lab: seeded NetBox 4.7 and real SSH devices built from it.

The flow runs in file order on one module-scoped lab: fresh (all compliant), then drift planted.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from simpul.lab.drift import apply_drift, load_scenario
from tests.intended.conftest import DEVICES, IntendedLab, device_args, invoke

pytestmark = [pytest.mark.devices, pytest.mark.slow]

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
REGEN = os.environ.get("SIMPUL_REGEN_GOLDEN") == "1"
FEATURES = {"aaa", "banner", "dns", "hostname", "interfaces", "lldp", "logging", "ntp", "snmp", "vlans"}


def _check(lab: IntendedLab, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict]:
    result = invoke(env or lab.env(), "check", *device_args(), "--json", *extra)
    return result.exit_code, json.loads(result.stdout)


def _findings(data: dict) -> dict[str, set[str]]:
    return {
        name: {f for f, fc in dev["features"].items() if not fc["compliant"]}
        for name, dev in data["devices"].items()
        if any(not fc["compliant"] for fc in dev["features"].values())
    }


def _planted(lab: IntendedLab) -> list[str]:
    return [v for d in lab.lab.devices for v in d.secrets.model_dump().values()] + [lab.lab.password]


def test_rendered_demo_configs_match_the_golden_files(intended_lab: IntendedLab) -> None:
    result = invoke(intended_lab.env(), "render", *device_args(), "--json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)["devices"]
    assert sorted(data) == sorted(DEVICES)
    for name, entry in data.items():
        golden = GOLDEN / f"{name}.cfg"
        if REGEN:
            golden.write_text(entry["config"])
        assert entry["error"] is None
        assert entry["config"] == golden.read_text(), f"{name}: regenerate with SIMPUL_REGEN_GOLDEN=1"
    text = json.dumps(data)
    assert [s for s in _planted(intended_lab) if s in text] == []
    # the config contexts by role, site and tenant reach the devices they are assigned to
    assert "logging trap notifications" in data["core-diskominfo-01"]["config"]
    assert "logging trap informational" in data["rtr-dinkes"]["config"]
    assert "snmp-server location Pusat Data Kabupaten Sekadau" in data["sw-pusat-data-01"]["config"]
    assert "snmp-server contact it@rsud.sekadau.go.id" in data["rtr-rsud"]["config"]


def test_render_out_writes_one_file_per_device(intended_lab: IntendedLab, tmp_path: Path) -> None:
    result = invoke(intended_lab.env(), "render", "--device", "rtr-disdik", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stdout
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["rtr-disdik.cfg"]


def test_a_fresh_lab_is_compliant_in_every_feature(intended_lab: IntendedLab) -> None:
    intended_lab.backup()
    code, data = _check(intended_lab)
    assert _findings(data) == {} and data["failed"] == {}
    assert code == 0
    assert sorted(data["devices"]) == sorted(DEVICES)
    for dev in data["devices"].values():
        assert set(dev["features"]) == FEATURES and dev["compliant"] is True
        for fc in dev["features"].values():
            assert fc == {"compliant": True, "missing": [], "extra": [], "waived_until": None}
    assert data["summary"]["compliant_devices"] == len(DEVICES)
    assert data["summary"]["source"] == "backup"


def test_check_reads_the_backup_repo_and_touches_no_device(intended_lab: IntendedLab) -> None:
    intended_lab.stop()
    try:
        code, data = _check(intended_lab)
        assert code == 0 and _findings(data) == {} and data["failed"] == {}
        code, live = _check(intended_lab, "--live")
        assert code == 1
        assert sorted(live["failed"]) == sorted(DEVICES)
        assert all(r.startswith("unreachable:") for r in live["failed"].values()), live["failed"]
    finally:
        intended_lab.start()


def test_planted_ntp_drift_makes_exactly_that_device_and_feature_non_compliant(
    intended_lab: IntendedLab,
) -> None:
    drifted = apply_drift(intended_lab.lab, load_scenario("ntp-drift"))
    intended_lab.start(drifted)
    # the backup repo still holds the fresh configs: offline check sees nothing yet
    code, data = _check(intended_lab)
    assert code == 0 and _findings(data) == {}
    # --live fetches the running configs now
    code, data = _check(intended_lab, "--live")
    assert code == 1
    assert _findings(data) == {"rtr-dinkes": {"ntp"}}
    ntp = data["devices"]["rtr-dinkes"]["features"]["ntp"]
    assert ntp["missing"] == ["ntp server 10.10.0.11", "ntp server 10.10.0.12"]
    assert ntp["extra"] == ["ntp server 10.10.0.123"]
    assert data["summary"]["non_compliant_devices"] == 1
    # after the nightly backup, the offline check sees it as well
    intended_lab.backup()
    code, data = _check(intended_lab)
    assert code == 1 and _findings(data) == {"rtr-dinkes": {"ntp"}}
    assert [s for s in _planted(intended_lab) if s in json.dumps(data)] == []


def test_history_shows_since_when_a_device_is_non_compliant(intended_lab: IntendedLab) -> None:
    result = invoke(intended_lab.env(), "history", "rtr-dinkes", "--feature", "ntp", "--json")
    assert result.exit_code == 0, result.stdout
    ntp = json.loads(result.stdout)["devices"]["rtr-dinkes"]["features"]["ntp"]
    assert [c["state"] for c in ntp["changes"]] == ["compliant", "non_compliant"]
    assert ntp["state"] == "non_compliant"
    assert ntp["since"] == ntp["changes"][-1]["time"]
    other = json.loads(invoke(intended_lab.env(), "history", "rtr-disdik", "--json").stdout)
    assert {f: h["state"] for f, h in other["devices"]["rtr-disdik"]["features"].items()} == dict.fromkeys(
        FEATURES, "compliant"
    )
    table = invoke(intended_lab.env(), "history", "rtr-dinkes", "--feature", "ntp")
    assert "non_compliant" in table.stdout


def test_a_waiver_hides_a_finding_until_it_expires(intended_lab: IntendedLab, tmp_path: Path) -> None:
    today = dt.date.today()
    waivers = tmp_path / "waivers.yaml"
    for expires, waived in (
        (today + dt.timedelta(days=3), True),
        (today, True),
        (today - dt.timedelta(days=1), False),
    ):
        waivers.write_text(
            "version: 1\nwaivers:\n"
            f"  - device: rtr-dinkes\n    feature: ntp\n    reason: NTP baru diuji (tiket 42)\n"
            f"    expires: {expires.isoformat()}\n"
        )
        code, data = _check(intended_lab, "--waivers", str(waivers))
        ntp = data["devices"]["rtr-dinkes"]["features"]["ntp"]
        assert ntp["compliant"] is False
        assert ntp["waived_until"] == (expires.isoformat() if waived else None)
        assert data["devices"]["rtr-dinkes"]["compliant"] is waived
        assert code == (0 if waived else 1)


def test_snmp_location_drift_on_routeros(intended_lab: IntendedLab) -> None:
    drifted = apply_drift(intended_lab.lab, load_scenario("snmp-location-drift"))
    intended_lab.start(drifted)
    try:
        code, data = _check(intended_lab, "--live")
        assert code == 1
        assert _findings(data) == {"sw-disdik-01": {"snmp"}}
        snmp = data["devices"]["sw-disdik-01"]["features"]["snmp"]
        assert len(snmp["missing"]) == 1 and "Kabupaten Sekadau" in snmp["missing"][0]
        assert len(snmp["extra"]) == 1 and "Gudang lama" in snmp["extra"][0]
    finally:
        intended_lab.start()
