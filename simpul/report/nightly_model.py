"""What the nightly report shows, computed from the history's nightly runs (pure: no I/O, no clock).

:func:`build` turns the runs and results of kind ``nightly`` (keys as :mod:`simpul.core.obligations`
fixes them) into one :class:`NightlyReport`: the scorecard of the last run (SKPD x obligation), since
when each state holds, the regency score, the trend per check, what changed since the previous run,
and each SKPD's open and resolved findings with first and last seen. An obligation that has no result in
the last run is :attr:`State.NOT_CHECKED`, never met.

Examples:
    >>> import datetime as dt
    >>> from simpul.store.history import Entry, Run
    >>> ob = Obligation("16.1", "Perbup", "Pasal 16 ayat (1)", {"id": "cadangan"}, "data_backup", {})
    >>> t0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    >>> runs = [Run(f"r{d}", t0 + dt.timedelta(days=d), "nightly", None,
    ...             {"skpd_names": {"disdik": "Dinas Pendidikan"}}) for d in range(3)]
    >>> entries = [Entry(r.id, r.time, "skpd:disdik", "obligation:16.1", s, {})
    ...            for r, s in zip(runs, ("not_met", "met", "met"))]
    >>> report = build((ob,), runs, entries, now=t0 + dt.timedelta(days=2))
    >>> cell = report.skpds[0].cells[0]
    >>> cell.state.value, cell.since.day, report.score, [p.percent for p in report.trend]
    ('met', 2, (1, 1), [0.0, 100.0, 100.0])
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
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
from simpul.store.history import Entry, Run

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


def _state(value: str, where: str) -> State:
    try:
        return State(value)
    except ValueError:
        log.warning("unknown obligation state %r in the history (%s): shown as not checked", value, where)
        return State.NOT_CHECKED


class _Index:
    """The nightly entries grouped the ways the report reads them."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.series: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        self.at: dict[tuple[str, str, str], Entry] = {}
        self.subjects: dict[str, set[str]] = defaultdict(set)
        for e in entries:
            self.series[(e.subject, e.check)].append(e)
            self.at[(e.run, e.subject, e.check)] = e
            self.subjects[e.run].add(e.subject)

    def state(self, run: str, subject: str, obligation: str) -> State:
        entry = self.at.get((run, subject, check_of(obligation)))
        return State.NOT_CHECKED if entry is None else _state(entry.state, f"run {run}, {subject}")

    def cell(self, run: str, subject: str, obligation: Obligation) -> Cell:
        skpd = skpd_of(subject)
        entry = self.at.get((run, subject, check_of(obligation.id)))
        if entry is None:
            return Cell(obligation, ObligationResult(obligation.id, skpd, State.NOT_CHECKED), None)
        state = _state(entry.state, f"run {run}, {subject}")
        result = ObligationResult.from_detail(obligation.id, skpd, state.value, entry.detail)
        return Cell(obligation, result, streak_start(self.series[(subject, entry.check)], entry))


def streak_start(series: Sequence[Entry], last: Entry) -> dt.datetime:
    """Since when ``last``'s state holds in ``series`` (oldest first): ``HistoryStore.since``'s rule."""
    start = last.time
    for entry in reversed(series[: series.index(last) + 1]):
        if entry.state != last.state:
            break
        start = entry.time
    return start


def _finding(subject: str, check: str, series: Sequence[Entry]) -> FindingView:
    last = series[-1]
    opened = [e.time for e in series if e.state == OPEN]
    detail = last.detail
    return FindingView(
        skpd=skpd_of(subject),
        fingerprint=check.removeprefix(FINDING_PREFIX),
        state=RESOLVED if last.state == RESOLVED else OPEN,
        code=str(detail.get("code") or ""),
        severity=str(detail.get("severity") or ""),
        pasal=str(detail.get("pasal") or ""),
        text=dict(detail.get("text") or {}),
        first_seen=opened[0] if opened else None,
        last_seen=opened[-1] if opened else None,
        resolved_at=streak_start(series, last) if last.state == RESOLVED else None,
    )


def _run_score(
    run: Run, index: _Index, skpd_obligations: Sequence[Obligation], regency_obligations: Sequence[Obligation]
) -> TrendPoint:
    subjects = {subject_of(s) for s in run.detail.get("skpd_names") or {}}
    subjects |= {s for s in index.subjects.get(run.id, ()) if s.startswith("skpd:")}
    states = [index.state(run.id, s, o.id) for s in subjects for o in skpd_obligations]
    states += [index.state(run.id, REGENCY, o.id) for o in regency_obligations]
    met, applicable = score(states)
    return TrendPoint(run.time, met, applicable)


def _findings(index: _Index) -> dict[str, list[FindingView]]:
    out: dict[str, list[FindingView]] = defaultdict(list)
    for (subject, check), series in index.series.items():
        if check.startswith(FINDING_PREFIX):
            out[subject].append(_finding(subject, check, series))
    return out


def _finding_changes(index: _Index, latest: Run) -> tuple[list[FindingView], list[FindingView]]:
    """Findings opened and resolved at the last run (compared with each one's entry before it)."""
    opened, resolved = [], []
    for (subject, check), series in index.series.items():
        if not check.startswith(FINDING_PREFIX) or series[-1].run != latest.id:
            continue
        before = series[-2].state if len(series) > 1 else None
        now = series[-1].state
        if now == OPEN and before != OPEN:
            opened.append(_finding(subject, check, series))
        elif now == RESOLVED and before == OPEN:
            resolved.append(_finding(subject, check, series))
    return opened, resolved


SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def finding_order(f: FindingView) -> tuple[int, str, str, str]:
    return (SEVERITY_ORDER.get(f.severity, 5), f.skpd, f.code, f.fingerprint)


def build(
    obligations: Sequence[Obligation], runs: Sequence[Run], entries: Iterable[Entry], *, now: dt.datetime
) -> NightlyReport:
    """The report's facts from the nightly runs (oldest first, at least one) and their results."""
    runs = tuple(sorted(runs, key=lambda r: r.time))
    latest = runs[-1]
    previous = runs[-2] if len(runs) > 1 else None
    index = _Index(entries)
    skpd_obs = [o for o in obligations if o.scope == "skpd"]
    regency_obs = [o for o in obligations if o.scope == "regency"]
    names: dict[str, str] = {str(k): str(v) for k, v in (latest.detail.get("skpd_names") or {}).items()}
    for subject in index.subjects.get(latest.id, ()):
        if subject.startswith("skpd:"):
            names.setdefault(skpd_of(subject), skpd_of(subject))
    findings = _findings(index)
    start = now - dt.timedelta(days=max(WINDOWS))
    recent = [r for r in runs if r.time >= start]
    skpds = []
    for slug, name in sorted(names.items(), key=lambda kv: (kv[1].casefold(), kv[0])):
        subject = subject_of(slug)
        mine = sorted(findings.get(subject, ()), key=finding_order)
        trend = tuple(_skpd_point(r, index, subject, skpd_obs) for r in recent if _present(r, index, slug))
        skpds.append(
            SkpdReport(
                slug=slug,
                name=name,
                cells=tuple(index.cell(latest.id, subject, o) for o in skpd_obs),
                open_findings=tuple(f for f in mine if f.state == OPEN),
                resolved_findings=tuple(
                    sorted(
                        (f for f in mine if f.state == RESOLVED),
                        key=lambda f: f.resolved_at or now,
                        reverse=True,
                    )
                ),
                trend=trend,
            )
        )
    regency = tuple(index.cell(latest.id, REGENCY, o) for o in regency_obs)
    changes = []
    if previous is not None:
        for slug in names:
            for o in skpd_obs:
                before = index.state(previous.id, subject_of(slug), o.id)
                after = index.state(latest.id, subject_of(slug), o.id)
                if before is not after:
                    changes.append(StateChange(slug, o, before, after))
        for o in regency_obs:
            before, after = index.state(previous.id, REGENCY, o.id), index.state(latest.id, REGENCY, o.id)
            if before is not after:
                changes.append(StateChange(REGENCY, o, before, after))
    opened, resolved = _finding_changes(index, latest) if previous is not None else ([], [])
    return NightlyReport(
        obligations=tuple(obligations),
        runs=runs,
        skpds=tuple(skpds),
        regency=regency,
        regency_findings=tuple(sorted(findings.get(REGENCY, ()), key=finding_order)),
        trend=tuple(_run_score(r, index, skpd_obs, regency_obs) for r in recent),
        changes=tuple(changes),
        opened=tuple(sorted(opened, key=finding_order)),
        resolved=tuple(sorted(resolved, key=finding_order)),
        now=now,
        stages=dict(latest.detail.get("stages") or {}),
    )


def _present(run: Run, index: _Index, slug: str) -> bool:
    """Whether an SKPD took part in a run (named in it, or with results in it)."""
    return slug in (run.detail.get("skpd_names") or {}) or subject_of(slug) in index.subjects.get(run.id, ())


def _skpd_point(run: Run, index: _Index, subject: str, obligations: Sequence[Obligation]) -> TrendPoint:
    met, applicable = score(index.state(run.id, subject, o.id) for o in obligations)
    return TrendPoint(run.time, met, applicable)
