"""The nightly judgement (simpul.core.nightly), device-free: each check's states, a stage that did not run
(never met), the regency scope, and the finding ledger (open, resolved once, never by a stage that did
not look)."""

from __future__ import annotations

import pytest

from simpul.core.continuity import Uplink, judge
from simpul.core.nightly import (
    BandwidthFacts,
    DataBackupFacts,
    DeviceFacts,
    Facts,
    LanFacts,
    NightlyFinding,
    SkpdFacts,
    VpsFacts,
    evaluate,
    finding_rows,
    latest_states,
)
from simpul.core.obligations import Obligation, State
from simpul.services.nightly import load_obligations
from simpul.settings import load_settings

OBLIGATIONS = load_obligations(load_settings(env={}, settings_file=False))
DISDIK = SkpdFacts("disdik", "Dinas Pendidikan", mandiri_tik=True)
SETWAN = SkpdFacts("setwan", "Sekretariat DPRD", mandiri_tik=False)
DEVICES = (
    DeviceFacts("rtr-disdik", "disdik", "skpd-edge", "disdik"),
    DeviceFacts("sw-disdik-01", "disdik", "access-switch", "disdik"),
    DeviceFacts("srv-disdik-01", "disdik", "server", "pusat-data"),
    DeviceFacts("rtr-setwan", "setwan", "skpd-edge", "setwan"),
)
EVERYTHING = Facts(
    skpds=(DISDIK, SETWAN),
    devices=DEVICES,
    pusat_data_sites=frozenset({"pusat-data"}),
    backup={"rtr-disdik": None, "sw-disdik-01": None, "srv-disdik-01": None, "rtr-setwan": "timeout: x"},
    lan={
        "disdik": LanFacts("compliant", devices=2),
        "setwan": LanFacts("findings", ("OPS-001",), ("rtr-setwan",)),
    },
    intended={"rtr-disdik": True, "sw-disdik-01": True, "rtr-setwan": False},
    bandwidth=BandwidthFacts({"disdik": (10.0, 50.0)}, (("BW-006", "setwan"),), 500.0),
    vps=(VpsFacts("vps-setwan-01", "setwan", "active", "shutoff"),),
    data_backup={
        "disdik": DataBackupFacts(age_hours=3, rpo_hours=24, has_snapshot=True, last_drill="passed"),
        "setwan": DataBackupFacts(codes=("DBK-004", "DBK-007")),
    },
)


def states(facts: Facts) -> dict[tuple[str, str], State]:
    return {(r.obligation, r.skpd): r.state for r in evaluate(OBLIGATIONS, facts)}


@pytest.mark.parametrize(
    ("ob", "disdik", "setwan"),
    [
        ("14.5", State.MET, State.MET),  # setwan: its VPS is in the Pusat Data cluster
        ("14.8", State.NOT_APPLICABLE, State.NOT_MET),  # setwan's VPS is shut off
        ("16.1", State.MET, State.NOT_MET),
        ("16.2", State.MET, State.NOT_MET),
        ("17", State.MET, State.NOT_MET),
        ("18.2", State.MET, State.NOT_MET),  # rtr-setwan did not answer
        ("18.3", State.MET, State.NOT_MET),
        ("19.2", State.MET, State.NOT_MET),
        ("20.1", State.MET, State.NOT_APPLICABLE),  # setwan is not Mandiri TIK
        ("20.2", State.MET, State.NOT_APPLICABLE),
        ("kominfo.bandwidth", State.MET, State.NOT_MET),
    ],
)
def test_each_check_with_every_stage_run(ob: str, disdik: State, setwan: State) -> None:
    found = states(EVERYTHING)
    assert (found[(ob, "disdik")], found[(ob, "setwan")]) == (disdik, setwan)


def test_no_stage_run_means_nothing_is_met() -> None:
    found = states(Facts(skpds=(DISDIK, SETWAN), devices=DEVICES))
    assert State.MET not in set(found.values())
    assert found[("kominfo.continuity", "regency")] is State.NOT_CHECKED


def test_a_regency_scope_obligation_with_a_check() -> None:
    ob = Obligation("r", "x", "x", {}, "jaringan_intra.edge", {}, scope="regency")
    (result,) = evaluate([ob], EVERYTHING)
    assert result.skpd == "regency" and result.state is State.NOT_MET


def test_a_finding_is_resolved_once_and_only_by_a_stage_that_looked() -> None:
    link = NightlyFinding("lan", "LAN-003", "high", "disdik", "Pasal 20 ayat (2)", {"en": "gone"}, ("sw-1",))
    night1 = finding_rows([link], {})
    history = [(r.subject, r.check, r.state, r.detail) for r in night1]
    assert finding_rows([], latest_states(history), checked_sources=["backup"]) == []  # lan did not run
    night2 = finding_rows([], latest_states(history), checked_sources=["lan"])
    assert [r.state for r in night2] == ["resolved"]
    history += [(r.subject, r.check, r.state, r.detail) for r in night2]
    assert finding_rows([], latest_states(history)) == []  # resolved once
    night4 = finding_rows([link], latest_states(history))
    assert [(r.check, r.state) for r in night4] == [(night1[0].check, "open")]  # back: same fingerprint


TELKOM = Uplink("TLK-SKD-001", "telkom", 300, "core-diskominfo-01", "GigabitEthernet0/1", True)
LINTAS = Uplink("LA-SKD-001", "lintasarta", 200, "core-diskominfo-01", "GigabitEthernet0/2", True)


@pytest.mark.parametrize(
    ("uplinks", "state", "words"),
    [
        ((TELKOM, LINTAS), State.MET, "2 uplinks answering"),
        ((TELKOM, LINTAS._replace(up=False)), State.NOT_MET, "LA-SKD-001 (core-diskominfo-01 Gigabit"),
        ((TELKOM,), State.NOT_MET, "a single uplink (TLK-SKD-001)"),
        ((), State.NOT_MET, "no internet uplink"),
        ((TELKOM, LINTAS._replace(up=None)), State.NOT_CHECKED, "LA-SKD-001 (core-diskominfo-01 Gig"),
    ],
)
def test_internet_continuity_is_judged_once_for_the_regency(
    uplinks: tuple[Uplink, ...], state: State, words: str
) -> None:
    facts = Facts(skpds=(DISDIK, SETWAN), devices=DEVICES, continuity=judge(uplinks, 250))
    (result,) = [r for r in evaluate(OBLIGATIONS, facts) if r.obligation == "kominfo.continuity"]
    assert (result.skpd, result.state) == ("regency", state)
    assert words in result.evidence["en"]
    assert result.evidence["id"] and result.evidence["id"] != result.evidence["en"]
