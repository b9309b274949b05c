"""``simpul nightly`` end to end against the session lab (a seeded NetBox 4.7 and the demo regency's
78 simulated devices): stages, obligations per SKPD, evidence, history across runs with drift planted
between them, a failing stage that stops nothing and overwrites no good evidence, exit codes.

Run 1 has ``changed-vlan`` planted (disdik's LAN differs from its diagram); between runs it is cleared
and ``ntp-drift`` (rtr-dinkes' NTP differs from its intended config) and ``uplink-down`` (the
Lintasarta internet circuit went dark on the core router) planted. So run 2 resolves the LAN finding
and opens the intended-config one, and internet continuity goes from met to not met.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simpul.services.intended import history_store
from simpul.settings import load_settings
from tests.conftest import run_simpul

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]


@dataclass
class Runs:
    env: dict[str, str]
    report: Path
    first: dict[str, Any]
    first_code: int
    second: dict[str, Any]
    second_code: int
    first_evidence: dict[str, str]


def nightly(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any]]:
    done = run_simpul("nightly", "--json", *args, env=env, timeout=900)
    assert "Traceback" not in done.stderr, done.stderr
    assert "…" not in done.stderr and " backup (" not in done.stderr  # no progress lines under a timer
    return done.returncode, json.loads(done.stdout)


@pytest.fixture(scope="module")
def runs(lab: Any, netbox_seeded: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    lab.clear()
    state = tmp_path_factory.mktemp("nightly-state")
    env = lab.env()
    # all 78 simulated devices answer from one Python process sharing 2 cores with the test run: fewer
    # sessions at once and a longer timeout keep a collect right after a drift restart from timing out
    env.update(SIMPUL_WORKERS="16", SIMPUL_DEVICE_TIMEOUT="60")
    env["SIMPUL_STATE_DIR"] = str(state)  # its own backup repo and history; no data-backup target
    env["SIMPUL_LIBVIRT_URI"] = f"qemu+unix:///system?socket={state}/no-libvirt.sock"  # no hypervisor
    report = state / "report"
    try:
        lab.plant("changed-vlan")
        first_code, first = nightly(env, "--report", str(report))
        evidence = {p.name: p.read_text() for p in (report / "evidence").glob("*.json")}
        lab.clear()
        lab.plant("ntp-drift")
        lab.plant("uplink-down")
        second_code, second = nightly(env, "--report", str(report))
        yield Runs(env, report, first, first_code, second, second_code, evidence)
    finally:
        lab.clear()


def history(env: dict[str, str], skpd: str) -> dict[str, Any]:
    done = run_simpul("report", "history", "--json", "--skpd", skpd, env=env)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout)["skpd"][skpd])


def results(report: Path) -> dict[tuple[str, str], dict[str, Any]]:
    data = json.loads((report / "nightly.json").read_text())
    return {(r["obligation"], r["skpd"]): r for r in data["results"]}


def test_every_stage_in_order_with_its_status(runs: Runs) -> None:
    stages = runs.first["stages"]
    assert list(stages) == ["backup", "lan", "intended", "bandwidth", "vps", "data_backup", "report"]
    for name in ("backup", "lan", "intended", "bandwidth"):
        assert stages[name]["status"] == "ok", (name, stages[name])
    assert stages["backup"]["counts"]["devices"] == 78 and stages["backup"]["failures"] == {}
    assert stages["vps"]["status"] == "no_input" and "no VPS provider reachable" in stages["vps"]["message"]
    assert stages["data_backup"]["status"] == "no_input" and "target" in stages["data_backup"]["message"]
    assert stages["report"]["status"] in ("ok", "no_input")
    assert all(s["seconds"] >= 0 for s in stages.values())
    # findings (a planted VLAN change, a stale diagram): exit 1, and the JSON says the same
    assert runs.first_code == 1 == runs.first["exit_code"]


def test_obligations_per_skpd_never_met_without_a_check(runs: Runs) -> None:
    found = results(runs.report)
    assert len({skpd for _, skpd in found if skpd != "regency"}) == 38
    assert found[("18.2", "disdik")]["state"] == "met"  # its edge answered tonight
    # srv-disdik-01 is a VM (role server) in the Pusat Data's server cluster: Pasal 14(5) holds
    assert found[("14.5", "disdik")]["state"] == "met", found[("14.5", "disdik")]
    assert found[("14.5", "disdik")]["evidence"]["en"] == "1 server/VPS in the Pusat Data"
    assert found[("19.2", "disdik")]["state"] == "met"
    assert found[("20.1", "dinkes")]["state"] == "not_met"  # the demo's stale diagram
    assert found[("20.1", "disdukcapil")]["state"] == "not_met"  # never submitted
    # run 2: the Lintasarta uplink is down on the core router, read from the router itself
    continuity = found[("kominfo.continuity", "regency")]
    assert continuity["state"] == "not_met"
    assert "LA-SKD-001 (core-diskominfo-01 GigabitEthernet0/2) is down" in continuity["evidence"]["en"]
    assert "if TLK-SKD-001 fails, 0 Mbps remain" in continuity["evidence"]["en"]
    for skpd in ("disdik", "dinkes", "setwan"):
        # their stages had no input: not checked, never met
        for ob in ("14.8", "16.1", "16.2", "17"):
            assert found[(ob, skpd)]["state"] == "not_checked", (ob, skpd)
    # run 2: the VLANs are back as drawn, but the configs changed (and back) after the diagram's date:
    # a change not reported (REG-002), so 20.2 stays not met while the LAN-006 findings are resolved
    assert found[("20.2", "disdik")]["state"] == "not_met"
    assert "REG-002" in found[("20.2", "disdik")]["evidence"]["en"]
    assert found[("18.3", "dinkes")]["state"] == "not_met"  # run 2: NTP drift on rtr-dinkes
    assert "evidence/lan/skpd/disdik.html" in found[("19.2", "disdik")]["links"]
    assert (runs.report / "evidence/lan/skpd/disdik.html").exists()


def test_history_first_seen_last_seen_resolved(runs: Runs) -> None:
    done = run_simpul("report", "history", "--json", env=runs.env)
    assert done.returncode == 0, done.stderr
    history = json.loads(done.stdout)
    assert history["timezone"] == "Asia/Jakarta"
    disdik = history["skpd"]["disdik"]
    assert disdik["name"] == "Dinas Pendidikan"
    vlan = [f for f in disdik["findings"].values() if f["code"] == "LAN-006"]
    assert vlan and all(f["state"] == "resolved" for f in vlan)
    assert all(f["resolved"].endswith("+07:00") and f["first_seen"] == f["last_seen"] for f in vlan)
    regency = history["skpd"]["regency"]
    assert regency["obligations"]["kominfo.continuity"]["state"] == "not_met"  # run 1 met, run 2 not
    down = [f for f in regency["findings"].values() if f["code"] == "NET-001"]
    assert len(down) == 1 and down[0]["state"] == "open"
    ntp = [f for f in history["skpd"]["dinkes"]["findings"].values() if f["code"] == "CFG-ntp"]
    assert len(ntp) == 1 and ntp[0]["state"] == "open" and ntp[0]["resolved"] is None
    assert ntp[0]["first_seen"] == ntp[0]["last_seen"]  # seen in run 2 only
    stale = [f for f in history["skpd"]["dinkes"]["findings"].values() if f["code"] == "REG-001"]
    assert stale[0]["state"] == "open" and stale[0]["first_seen"] != stale[0]["last_seen"]  # both runs
    ob = history["skpd"]["disdik"]["obligations"]["18.2"]
    assert ob["state"] == "met" and ob["first_seen"] != ob["last_seen"] and ob["since"] == ob["first_seen"]
    assert runs.first["started"] < runs.second["started"]
    # one resolved row per finding gone, once
    store = history_store(load_settings(env=runs.env, settings_file=False))
    resolved = [e for e in store.entries(check_prefix="finding:") if e.state == "resolved"]
    assert (
        len(resolved) == len({(e.subject, e.check) for e in resolved}) == runs.second["findings"]["resolved"]
    )
    assert {("skpd:disdik", "LAN-006")} <= {(e.subject, e.detail["code"]) for e in resolved}
    only = run_simpul(
        "report", "history", "--json", "--skpd", "dinkes", "--since", "2000-01-01", env=runs.env
    )
    assert list(json.loads(only.stdout)["skpd"]) == ["dinkes"]


def test_a_failing_stage_stops_nothing_and_keeps_the_last_good_evidence(runs: Runs, tmp_path: Path) -> None:
    bad = tmp_path / "topology"
    bad.mkdir()
    (bad / "disdik.yaml").write_text("skpd: disdik\ndevices: [\n")  # broken YAML
    before = (runs.report / "evidence" / "lan" / "index.html").read_text()
    seen = history(runs.env, "disdik")["obligations"]
    code, result = nightly(
        runs.env,
        "--report",
        str(runs.report),
        "--only",
        "lan",
        "--only",
        "bandwidth",
        "--topology-dir",
        str(bad),
    )
    stages = result["stages"]
    assert stages["lan"]["status"] == "failed" and "disdik.yaml" in stages["lan"]["message"]
    assert stages["bandwidth"]["status"] == "ok"  # ran after the failed stage
    assert stages["backup"]["status"] == "skipped" and stages["vps"]["status"] == "skipped"
    assert code == 2 == result["exit_code"]  # the failed stage's bad input
    assert (runs.report / "evidence" / "lan" / "index.html").read_text() == before  # last good kept
    found = results(runs.report)
    assert found[("19.2", "disdik")]["state"] == "not_checked"
    # nothing was resolved by a stage that did not look
    assert result["findings"]["resolved"] == 0
    now = history(runs.env, "disdik")["obligations"]
    assert now["19.2"]["state"] == "not_checked"  # the failed stage: not checked tonight, recorded
    assert now["18.2"] == seen["18.2"]  # backup left out on purpose (--only): nothing recorded for it
    assert not list(runs.report.parent.glob(".report.*"))  # no temporary directory left behind
