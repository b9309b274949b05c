"""A real history store filled with nightly runs over 90 days, rows exactly as simpul.core.obligations
fixes them, for three SKPD of the demo regency and one regency-wide obligation.

The story the runs tell (day 0 .. day 89, every ten days then daily at the end, 02.30 WIB):

- disdik: 16.1 not met until day 40, met from day 50; 18.3 and 14.5 met throughout; finding ``aa11``
  open since day 20; finding ``cc33`` new at the last run;
- dinkes: 16.1 met until day 88, not met at the last run; 14.5 met until day 88, then not checked (its
  stage failed); finding ``bb22`` open from day 30, resolved at the last run; ``dd44`` open days 10-20,
  resolved since day 30;
- bappeda: 14.5 not applicable; the last run wrote no row for 20.1 at all;
- 20.1 has no check yet: every other row of it says not checked;
- the regency's bandwidth obligation is not met until day 88 and met at the last run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from simpul.core.obligations import REGENCY, Obligation, ObligationResult, State, check_of, subject_of
from simpul.settings import Settings, load_settings
from simpul.store.history import HistoryStore, Row

DAYS = (0, 10, 20, 30, 40, 50, 60, 70, 80, 88, 89)
T0 = dt.datetime(2026, 8, 30, 19, 30, tzinfo=dt.UTC)  # 31 Aug 2026 02.30 WIB
NOW = T0 + dt.timedelta(days=89, hours=1)
NAMES = {"disdik": "Dinas Pendidikan", "dinkes": "Dinas Kesehatan", "bappeda": "Bappeda"}
REGENCY_NAME = "Kabupaten Sekadau"


def at(day: int) -> dt.datetime:
    return T0 + dt.timedelta(days=day)


def ob(id_: str, article: str, check: str | None, scope: str = "skpd") -> Obligation:
    return Obligation(
        id=id_,
        source="Perbup Sekadau 19/2021" if not id_.startswith("kominfo") else "Panduan Kominfo",
        article=article,
        requirement={"id": f"kewajiban {id_}", "en": f"obligation {id_}"},
        check=check,
        evidence={"id": f"bukti {id_}", "en": f"evidence {id_}"},
        scope=scope,  # type: ignore[arg-type]
    )


OBLIGATIONS = (
    ob("14.5", "Pasal 14 ayat (5)", "vps"),
    ob("16.1", "Pasal 16 ayat (1)", "data_backup"),
    ob("18.3", "Pasal 18 ayat (3)", "intended"),
    ob("20.1", "Pasal 20 ayat (1)", None),
    ob("kominfo.bandwidth", "Panduan Kominfo: bandwidth", "bandwidth", scope="regency"),
)

BACKUP_EVIDENCE = "evidence/data-backup/disdik.txt"
DIFF_EVIDENCE = "evidence/intended/rtr-dinkes.diff"
MISSING_EVIDENCE = "evidence/data-backup/gone.txt"


def state_of(skpd: str, obligation: str, day: int) -> State | None:
    """The story above; None: no row at all."""
    last = day == DAYS[-1]
    if obligation == "20.1":
        return None if (skpd == "bappeda" and last) else State.NOT_CHECKED
    if skpd == REGENCY:
        return State.MET if last else State.NOT_MET
    if obligation == "14.5":
        if skpd == "bappeda":
            return State.NOT_APPLICABLE
        return State.NOT_CHECKED if (skpd == "dinkes" and last) else State.MET
    if obligation == "16.1":
        if skpd == "disdik":
            return State.NOT_MET if day <= 40 else State.MET
        if skpd == "dinkes":
            return State.NOT_MET if last else State.MET
    return State.MET


def result_of(skpd: str, obligation: str, state: State) -> ObligationResult:
    links: tuple[str, ...] = ()
    if (skpd, obligation) == ("disdik", "16.1"):
        links = (BACKUP_EVIDENCE, MISSING_EVIDENCE)
    if (skpd, obligation) == ("dinkes", "18.3"):
        links = (DIFF_EVIDENCE,)
    evidence = {"id": f"bukti {skpd} {obligation}: {state.value}", "en": f"evidence {skpd} {obligation}"}
    return ObligationResult(obligation, skpd, state, evidence=evidence, links=links, facts={"n": 1})


FINDINGS = {
    # fingerprint: (skpd, {day: state}, code, severity, pasal, text)
    "aa11": ("disdik", {d: "open" for d in DAYS if d >= 20}, "LAN-003", "high", "Pasal 20 ayat (2)"),
    "cc33": ("disdik", {89: "open"}, "REG-001", "medium", "Pasal 20 ayat (1)"),
    "bb22": (
        "dinkes",
        {d: ("resolved" if d == 89 else "open") for d in DAYS if d >= 30},
        "INT-001",
        "high",
        "Pasal 18 ayat (3)",
    ),
    "dd44": (
        "dinkes",
        {d: ("open" if d <= 20 else "resolved") for d in DAYS if d >= 10},
        "OPS-001",
        "low",
        "Pasal 19 ayat (2)",
    ),
}


def rows_for(day: int) -> list[Row]:
    rows = []
    for skpd in [*NAMES, REGENCY]:
        for o in OBLIGATIONS:
            if (o.scope == "regency") != (skpd == REGENCY):
                continue
            state = state_of(skpd, o.id, day)
            if state is None:
                continue
            result = result_of(skpd, o.id, state)
            rows.append(Row(subject_of(skpd), check_of(o.id), state.value, result.detail()))
    for fingerprint, (skpd, days, code, severity, pasal) in FINDINGS.items():
        if day in days:
            detail = {
                "code": code,
                "severity": severity,
                "pasal": pasal,
                "text": {"id": f"temuan {fingerprint}", "en": f"finding {fingerprint}"},
            }
            rows.append(Row(subject_of(skpd), f"finding:{fingerprint}", days[day], detail))
    return rows


def fill(store: HistoryStore) -> None:
    for day in DAYS:
        stages = {"backup": {"status": "ok"}, "vps": {"status": "failed" if day == 89 else "ok"}}
        detail = {"stages": stages, "skpd_names": NAMES, "regency": REGENCY_NAME}
        store.record(rows_for(day), at(day), kind="nightly", who="simpul nightly", detail=detail)
        # another kind of run in the same store: the report must ignore it
        store.record([Row("rtr-disdik", "intended:ntp", "compliant")], at(day) + dt.timedelta(minutes=5))


@dataclass
class History:
    settings: Settings
    store: HistoryStore
    out: Path


@pytest.fixture()
def history(tmp_path: Path) -> History:
    state = tmp_path / "state"
    settings = load_settings(env={"SIMPUL_STATE_DIR": str(state)}, settings_file=False)
    from simpul.services.intended import history_store

    store = history_store(settings)
    fill(store)
    out = tmp_path / "report"
    for rel in (BACKUP_EVIDENCE, DIFF_EVIDENCE):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("evidence\n")
    return History(settings, store, out)
