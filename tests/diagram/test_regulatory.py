"""Perbup Pasal 20 checks: stale diagram, unreported change, missing diagram."""

from __future__ import annotations

import datetime as dt

import pytest

from simpul.core.regulatory import regulatory_findings

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("mandiri", "has", "date", "change", "expected"),
    [
        (True, True, dt.date(2026, 6, 15), None, []),
        (True, True, dt.date(2025, 11, 23), None, []),  # exactly 365 days: still current
        (True, True, dt.date(2025, 11, 22), None, [("diagram_stale", "REG-001", "Pasal 20 ayat (1)")]),
        (True, True, None, None, [("diagram_stale", "REG-001", "Pasal 20 ayat (1)")]),
        (True, True, dt.date(2026, 6, 15), dt.date(2026, 6, 15), []),  # changed the day it was drawn
        (
            True,
            True,
            dt.date(2026, 6, 15),
            dt.date(2026, 9, 1),
            [("change_not_reported", "REG-002", "Pasal 20 ayat (2)")],
        ),
        (
            True,
            True,
            dt.date(2025, 1, 1),
            dt.date(2026, 9, 1),
            [
                ("diagram_stale", "REG-001", "Pasal 20 ayat (1)"),
                ("change_not_reported", "REG-002", "Pasal 20 ayat (2)"),
            ],
        ),
        (
            True,
            False,
            None,
            dt.date(2026, 9, 1),
            [("diagram_missing", "REG-003", "Pasal 20 ayat (1) jo. Pasal 46")],
        ),
        (False, False, None, None, []),  # not Mandiri TIK: no LAN diagram owed
    ],
)
def test_regulatory_findings(
    mandiri: bool,
    has: bool,
    date: dt.date | None,
    change: dt.date | None,
    expected: list[tuple[str, str, str]],
) -> None:
    found = regulatory_findings(
        skpd="disdik",
        mandiri_tik=mandiri,
        has_diagram=has,
        diagram_date=date,
        last_change=change,
        today=TODAY,
    )
    assert [(f.kind.value, f.code, f.article) for f in found] == expected
    assert all(f.skpd == "disdik" for f in found)
