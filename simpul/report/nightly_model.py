"""What the nightly report shows, computed from the history's nightly runs (pure: no I/O, no clock).

:func:`build` turns the runs and results of kind ``nightly`` (keys as :mod:`simpul.core.obligations`
fixes them) into one :class:`NightlyReport`: the scorecard of the last run (SKPD x obligation), since
when each state holds, the regency score, the trend per check, what changed since the previous run,
and each SKPD's open and resolved findings with first and last seen. An obligation that has no result in
the last run is :attr:`State.NOT_CHECKED`, never met.

Examples:
    >>> import datetime as dt
    >>> from simpul.store.history import Run, StateRow
    >>> ob = Obligation("16.1", "Perbup", "Pasal 16 ayat (1)", {"id": "cadangan"}, "data_backup", {})
    >>> t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    >>> runs = [Run(f"r{d}", t0 + dt.timedelta(days=d), "nightly", None,
    ...             {"skpd_names": {"disdik": "Dinas Pendidikan"}}) for d in range(3)]
    >>> rows = [StateRow(i, r.id, "skpd:disdik", "obligation:16.1", s)
    ...         for i, (r, s) in enumerate(zip(runs, ("not_met", "met", "met")))]
    >>> report = build((ob,), runs, rows, lambda ids: {}, now=t0 + dt.timedelta(days=2))
    >>> cell = report.skpds[0].cells[0]
    >>> cell.state.value, cell.since.day, report.score, [p.percent for p in report.trend]
    ('met', 2, (1, 1), [0.0, 100.0, 100.0])
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simpul.core.obligations import (
    REGENCY,
    Obligation,
    ObligationResult,
    State,
    check_of,
    score,
    skpd_of,
    subject_of,
)
from simpul.store.history import Run, StateRow

log = logging.getLogger(__name__)

WINDOWS = (30, 90, 365)
OBLIGATION_PREFIX = "obligation:"
FINDING_PREFIX = "finding:"
OPEN, RESOLVED = "open", "resolved"


@dataclass(frozen=True)
class Cell:
    """One obligation for one SKPD (or the regency) at the last run."""

    obligation: Obligation
    result: ObligationResult
    since: dt.datetime | None  # since when this state holds (None: no result in the last run)

    @property
    def state(self) -> State:
        return self.result.state


@dataclass(frozen=True)
class FindingView:
    """One finding of one SKPD, as the history knows it."""

    skpd: str
    fingerprint: str
    state: str  # open | resolved
    code: str
    severity: str
    pasal: str
    text: Mapping[str, str]
    first_seen: dt.datetime | None  # first time it was open
    last_seen: dt.datetime | None  # last time it was open
    resolved_at: dt.datetime | None  # since when it is resolved (resolved ones only)


@dataclass(frozen=True)
class TrendPoint:
    """The share of obligations met at one run."""

    time: dt.datetime
    met: int
    applicable: int

    @property
    def percent(self) -> float:
        return round(100.0 * self.met / self.applicable, 1) if self.applicable else 0.0


@dataclass(frozen=True)
class StateChange:
    """An obligation whose state differs from the previous run's."""

    skpd: str  # slug, or REGENCY
    obligation: Obligation
    before: State
    after: State


@dataclass(frozen=True)
class SkpdReport:
    slug: str
    name: str
    cells: tuple[Cell, ...]
    open_findings: tuple[FindingView, ...]
    resolved_findings: tuple[FindingView, ...]
    trend: tuple[TrendPoint, ...]

    @property
    def page(self) -> str:
        return f"skpd/{self.slug}.html"

    @property
    def score(self) -> tuple[int, int]:
        return score(c.state for c in self.cells)


@dataclass(frozen=True)
class NightlyReport:
    obligations: tuple[Obligation, ...]
    runs: tuple[Run, ...]
    skpds: tuple[SkpdReport, ...]
    regency: tuple[Cell, ...]
    regency_findings: tuple[FindingView, ...]
    trend: tuple[TrendPoint, ...]  # every run of the last 365 days, oldest first
    changes: tuple[StateChange, ...]
    opened: tuple[FindingView, ...]
    resolved: tuple[FindingView, ...]
    now: dt.datetime
    stages: Mapping[str, Any] = field(default_factory=dict)

    @property
    def latest(self) -> Run:
        return self.runs[-1]

    @property
    def previous(self) -> Run | None:
        return self.runs[-2] if len(self.runs) > 1 else None

    @property
    def score(self) -> tuple[int, int]:
        return score(c.state for c in self.all_cells())

    @property
    def skpds_all_met(self) -> int:
        """SKPD meeting every obligation that applies to them (none applying counts as not all met)."""
        return sum(met == applicable > 0 for met, applicable in (s.score for s in self.skpds))

    def all_cells(self) -> Iterable[Cell]:
        for skpd in self.skpds:
            yield from skpd.cells
        yield from self.regency

    def count(self, state: State) -> int:
        return sum(c.state is state for c in self.all_cells())

    def window(self, days: int) -> tuple[TrendPoint, ...]:
        start = self.now - dt.timedelta(days=days)
        return tuple(p for p in self.trend if p.time >= start)


def _state(value: str | None, where: str) -> State:
    if value is None:
        return State.NOT_CHECKED
    try:
        return State(value)
    except ValueError:
        log.warning("unknown obligation state %r in the history (%s): shown as not checked", value, where)
        return State.NOT_CHECKED


@dataclass
class _Series:
    """One (subject, check) folded over the runs, oldest first: what the report needs of its history."""

    state: str = ""
    streak_start: dt.datetime | None = None  # since when ``state`` holds
    last_id: int = 0  # the row id of the last result (its detail is read at the end)
    last_run: str = ""
    before_last: str | None = None  # the state of the result before the last one
    at_latest: str | None = None  # the state at the last run (None: no row)
    at_previous: str | None = None  # the state at the previous run
    first_open: dt.datetime | None = None
    last_open: dt.datetime | None = None

    def add(self, row: StateRow, time: dt.datetime) -> None:
        if row.state != self.state or self.streak_start is None:
            self.streak_start = time
        self.before_last = self.state or None
        self.state, self.last_id, self.last_run = row.state, row.id, row.run
        if row.state == OPEN:
            self.first_open = self.first_open or time
            self.last_open = time


class _Fold:
    """Every result of the nightly runs folded in one pass (a year of 38 SKPD is ~250,000 rows)."""

    def __init__(self, runs: Sequence[Run], obligations: Sequence[Obligation]) -> None:
        self.time = {r.id: r.time for r in runs}
        self.latest = runs[-1].id
        self.previous = runs[-2].id if len(runs) > 1 else None
        self.by_check = {check_of(o.id): o for o in obligations}
        self.obligations: dict[tuple[str, str], _Series] = defaultdict(_Series)
        self.findings: dict[tuple[str, str], _Series] = defaultdict(_Series)
        self.subjects: dict[str, set[str]] = defaultdict(set)  # run -> skpd subjects with results
        # run -> subject -> [met, not applicable] among the obligations of the map
        self.counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))

    def add(self, row: StateRow) -> None:
        time = self.time.get(row.run)
        if time is None:  # a run left out (after "now")
            return
        if row.subject.startswith("skpd:"):
            self.subjects[row.run].add(row.subject)
        if row.check.startswith(FINDING_PREFIX):
            self.findings[(row.subject, row.check)].add(row, time)
            return
        ob = self.by_check.get(row.check)
        if ob is None or (ob.scope == "regency") != (row.subject == REGENCY):
            return
        series = self.obligations[(row.subject, row.check)]
        series.add(row, time)
        if row.run == self.latest:
            series.at_latest = row.state
        elif row.run == self.previous:
            series.at_previous = row.state
        count = self.counts[row.run][row.subject]
        count[0] += row.state == State.MET.value
        count[1] += row.state == State.NOT_APPLICABLE.value

    def wanted_details(self) -> list[int]:
        """The rows whose detail the report shows: the last run's obligations, each finding's last."""
        ids = [s.last_id for s in self.obligations.values() if s.at_latest is not None]
        return ids + [s.last_id for s in self.findings.values()]

    def state(self, subject: str, obligation: str, *, previous: bool = False) -> State:
        series = self.obligations.get((subject, check_of(obligation)))
        value = None if series is None else (series.at_previous if previous else series.at_latest)
        return _state(value, subject)

    def cell(self, subject: str, obligation: Obligation, details: Mapping[int, Mapping[str, Any]]) -> Cell:
        skpd = skpd_of(subject)
        series = self.obligations.get((subject, check_of(obligation.id)))
        if series is None or series.at_latest is None:
            return Cell(obligation, ObligationResult(obligation.id, skpd, State.NOT_CHECKED), None)
        state = _state(series.at_latest, subject)
        detail = details.get(series.last_id, {})
        return Cell(
            obligation,
            ObligationResult.from_detail(obligation.id, skpd, state.value, detail),
            series.streak_start,
        )

    def point(self, run: Run, subjects: Iterable[str], per_subject: int, regency: int) -> TrendPoint:
        counts = self.counts.get(run.id, {})
        met = applicable = 0
        for subject in subjects:
            m, na = counts.get(subject, (0, 0))
            met, applicable = met + m, applicable + per_subject - na
        if regency:
            m, na = counts.get(REGENCY, (0, 0))
            met, applicable = met + m, applicable + regency - na
        return TrendPoint(run.time, met, applicable)

    def run_subjects(self, run: Run) -> set[str]:
        named = {subject_of(s) for s in run.detail.get("skpd_names") or {}}
        return named | self.subjects.get(run.id, set())


def _finding(key: tuple[str, str], series: _Series, details: Mapping[int, Mapping[str, Any]]) -> FindingView:
    subject, check = key
    detail = details.get(series.last_id, {})
    resolved = series.state == RESOLVED
    return FindingView(
        skpd=skpd_of(subject),
        fingerprint=check.removeprefix(FINDING_PREFIX),
        state=RESOLVED if resolved else OPEN,
        code=str(detail.get("code") or ""),
        severity=str(detail.get("severity") or ""),
        pasal=str(detail.get("pasal") or ""),
        text=dict(detail.get("text") or {}),
        first_seen=series.first_open,
        last_seen=series.last_open,
        resolved_at=series.streak_start if resolved else None,
    )


SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def finding_order(f: FindingView) -> tuple[int, str, str, str]:
    return (SEVERITY_ORDER.get(f.severity, 5), f.skpd, f.code, f.fingerprint)


def build(
    obligations: Sequence[Obligation],
    runs: Sequence[Run],
    rows: Iterable[StateRow],
    details: Callable[[list[int]], Mapping[int, Mapping[str, Any]]],
    *,
    now: dt.datetime,
) -> NightlyReport:
    """The report's facts from the nightly runs (at least one), their results oldest first (without
    details), and a way to read the details of the few results the report shows."""
    runs = tuple(sorted(runs, key=lambda r: r.time))
    fold = _Fold(runs, obligations)
    for row in rows:
        fold.add(row)
    shown = details(fold.wanted_details())
    latest, previous = runs[-1], (runs[-2] if len(runs) > 1 else None)
    skpd_obs = [o for o in obligations if o.scope == "skpd"]
    regency_obs = [o for o in obligations if o.scope == "regency"]
    names: dict[str, str] = {str(k): str(v) for k, v in (latest.detail.get("skpd_names") or {}).items()}
    for subject in fold.subjects.get(latest.id, ()):
        names.setdefault(skpd_of(subject), skpd_of(subject))
    findings: dict[str, list[FindingView]] = defaultdict(list)
    for key, series in fold.findings.items():
        findings[key[0]].append(_finding(key, series, shown))
    recent = [r for r in runs if r.time >= now - dt.timedelta(days=max(WINDOWS))]
    present = {r.id: fold.run_subjects(r) for r in recent}
    skpds = []
    for slug, name in sorted(names.items(), key=lambda kv: (kv[1].casefold(), kv[0])):
        subject = subject_of(slug)
        mine = sorted(findings.get(subject, ()), key=finding_order)
        skpds.append(
            SkpdReport(
                slug=slug,
                name=name,
                cells=tuple(fold.cell(subject, o, shown) for o in skpd_obs),
                open_findings=tuple(f for f in mine if f.state == OPEN),
                resolved_findings=tuple(
                    sorted(
                        (f for f in mine if f.state == RESOLVED),
                        key=lambda f: f.resolved_at or now,
                        reverse=True,
                    )
                ),
                trend=tuple(
                    fold.point(r, [subject], len(skpd_obs), 0)
                    for r in recent
                    if subject in fold.run_subjects(r)
                ),
            )
        )
    changes = []
    if previous is not None:
        pairs = [(subject_of(slug), o) for slug in names for o in skpd_obs] + [
            (REGENCY, o) for o in regency_obs
        ]
        for subject, o in pairs:
            before, after = fold.state(subject, o.id, previous=True), fold.state(subject, o.id)
            if before is not after:
                changes.append(StateChange(skpd_of(subject), o, before, after))
    opened, resolved = [], []
    for key, series in fold.findings.items() if previous is not None else ():
        if series.last_run != latest.id:
            continue
        if series.state == OPEN and series.before_last != OPEN:
            opened.append(_finding(key, series, shown))
        elif series.state == RESOLVED and series.before_last == OPEN:
            resolved.append(_finding(key, series, shown))
    return NightlyReport(
        obligations=tuple(obligations),
        runs=runs,
        skpds=tuple(skpds),
        regency=tuple(fold.cell(REGENCY, o, shown) for o in regency_obs),
        regency_findings=tuple(sorted(findings.get(REGENCY, ()), key=finding_order)),
        trend=tuple(fold.point(r, present[r.id], len(skpd_obs), len(regency_obs)) for r in recent),
        changes=tuple(changes),
        opened=tuple(sorted(opened, key=finding_order)),
        resolved=tuple(sorted(resolved, key=finding_order)),
        now=now,
        stages=dict(latest.detail.get("stages") or {}),
    )
