"""Perbup Sekadau 19/2021 Pasal 20 checks on an SKPD's diagram submissions (pure: ``today`` passed in).

- ``diagram_stale`` (REG-001, medium, Pasal 20 ayat (1)): the newest diagram is older than 365 days,
  or carries no date at all;
- ``change_not_reported`` (REG-002, high, Pasal 20 ayat (2)): the LAN changed (``last_change``, which
  the caller derives from the config backup history) after the newest diagram's date;
- ``diagram_missing`` (REG-003, high, Pasal 20 ayat (1) jo. Pasal 46): an SKPD Mandiri TIK has never
  submitted a diagram. An SKPD that is not Mandiri TIK runs no LAN of its own and owes none.

Examples:
    >>> import datetime as dt
    >>> today = dt.date(2026, 11, 23)
    >>> fs = regulatory_findings(skpd="disdik", mandiri_tik=True, diagram_date=dt.date(2025, 6, 1),
    ...                          last_change=dt.date(2026, 3, 2), today=today)
    >>> [(f.code, f.actual) for f in fs]
    [('REG-001', '2025-06-01 (540 days old)'), ('REG-002', 'changed 2026-03-02')]
    >>> regulatory_findings(skpd="disdik", mandiri_tik=True, diagram_date=dt.date(2026, 6, 15),
    ...                     last_change=dt.date(2026, 6, 15), today=today)
    []
    >>> [f.kind.value for f in regulatory_findings(skpd="bappeda", mandiri_tik=True, has_diagram=False,
    ...                                            today=today)]
    ['diagram_missing']
"""

from __future__ import annotations

import datetime as dt

from simpul.core.findings import Finding, FindingKind, Severity

MAX_DIAGRAM_AGE_DAYS = 365
PASAL_20_1 = "Pasal 20 ayat (1)"
PASAL_20_2 = "Pasal 20 ayat (2)"
PASAL_20_1_46 = "Pasal 20 ayat (1) jo. Pasal 46"


def check_diagram_age(
    diagram_date: dt.date | None,
    *,
    today: dt.date,
    skpd: str | None = None,
    max_age_days: int = MAX_DIAGRAM_AGE_DAYS,
) -> Finding | None:
    """A diagram older than ``max_age_days`` (or undated) is stale: Pasal 20 ayat (1) asks for a current
    diagram at least once a year.

    >>> check_diagram_age(dt.date(2025, 11, 23), today=dt.date(2026, 11, 23)) is None  # exactly 365 days
    True
    >>> check_diagram_age(None, today=dt.date(2026, 11, 23)).actual
    'no date'
    """
    if diagram_date is not None:
        age = (today - diagram_date).days
        if age <= max_age_days:
            return None
        actual = f"{diagram_date.isoformat()} ({age} days old)"
        message = f"the LAN diagram is {age} days old; submit a current one (at least yearly)"
    else:
        actual = "no date"
        message = "the LAN diagram carries no submission date"
    return Finding(
        kind=FindingKind.DIAGRAM_STALE,
        severity=Severity.MEDIUM,
        expected=f"submitted within {max_age_days} days",
        actual=actual,
        article=PASAL_20_1,
        skpd=skpd,
        message=message,
    )


def check_change_reported(
    diagram_date: dt.date | None, last_change: dt.date | None, *, skpd: str | None = None
) -> Finding | None:
    """A LAN change after the diagram's date means a change that was not reported (Pasal 20 ayat (2)).

    >>> check_change_reported(dt.date(2026, 6, 15), None) is None
    True
    >>> check_change_reported(dt.date(2026, 6, 15), dt.date(2026, 6, 16)).code
    'REG-002'
    """
    if last_change is None or diagram_date is None or last_change <= diagram_date:
        return None
    return Finding(
        kind=FindingKind.CHANGE_NOT_REPORTED,
        severity=Severity.HIGH,
        expected=f"a diagram dated {last_change.isoformat()} or later",
        actual=f"changed {last_change.isoformat()}",
        article=PASAL_20_2,
        skpd=skpd,
        message=f"the LAN changed on {last_change.isoformat()}, after the diagram of "
        f"{diagram_date.isoformat()}; report the change with an updated diagram",
    )


def check_diagram_present(has_diagram: bool, *, mandiri_tik: bool, skpd: str | None = None) -> Finding | None:
    """An SKPD Mandiri TIK (Pasal 46) must have submitted a diagram (Pasal 20 ayat (1)).

    >>> check_diagram_present(False, mandiri_tik=False) is None
    True
    """
    if has_diagram or not mandiri_tik:
        return None
    return Finding(
        kind=FindingKind.DIAGRAM_MISSING,
        severity=Severity.HIGH,
        expected="a LAN diagram in topology/",
        actual=None,
        article=PASAL_20_1_46,
        skpd=skpd,
        message="this SKPD Mandiri TIK has not submitted a LAN diagram",
    )


def regulatory_findings(
    *,
    skpd: str | None,
    mandiri_tik: bool,
    today: dt.date,
    has_diagram: bool = True,
    diagram_date: dt.date | None = None,
    last_change: dt.date | None = None,
    max_age_days: int = MAX_DIAGRAM_AGE_DAYS,
) -> list[Finding]:
    """Every Pasal 20 check for one SKPD. With no diagram only ``diagram_missing`` can apply."""
    if not has_diagram:
        missing = check_diagram_present(False, mandiri_tik=mandiri_tik, skpd=skpd)
        return [missing] if missing else []
    found = [
        check_diagram_age(diagram_date, today=today, skpd=skpd, max_age_days=max_age_days),
        check_change_reported(diagram_date, last_change, skpd=skpd),
    ]
    return [f for f in found if f is not None]
