"""The regulatory map and the results of checking it: one model shared by the nightly job, the history
store and the report (issue 14).

An :class:`Obligation` is one row of ``compliance/obligations.yaml``: an article and ayat of the Perbup
(or a Kominfo guidance), what it requires, the check that proves it, and the evidence the report shows.
A nightly run turns each obligation into one :class:`ObligationResult` per SKPD (scope ``skpd``) or one
for the whole regency (scope ``regency``). An obligation whose check has not run (no check yet, its stage
failed or was skipped, its input missing) is :attr:`State.NOT_CHECKED`, never :attr:`State.MET`.

The history store (:mod:`simpul.store.history`) keeps every run's results with the keys below, so the
report can say since when an obligation is met or not and draw a trend:

- run kind ``nightly``; the run's detail is ``{"stages": {stage: {...}}}`` (see ``simpul nightly --json``);
- an obligation result: subject :func:`subject_of` (``skpd:<slug>`` or ``regency``), check
  :func:`check_of` (``obligation:<id>``), state a :class:`State` value, detail
  :meth:`ObligationResult.detail`;
- a finding: subject :func:`subject_of`, check ``finding:<fingerprint>``, state ``open`` or ``resolved``,
  detail ``{"code", "severity", "pasal", "text": {"id", "en"}}``.

Examples:
    >>> evidence = {"id": "cadangan terakhir 30 jam lalu", "en": "last backup 30 h ago"}
    >>> result = ObligationResult("16.1", "disdik", State.NOT_MET, evidence=evidence)
    >>> subject_of(result.skpd), check_of(result.obligation), result.state.value
    ('skpd:disdik', 'obligation:16.1', 'not_met')
    >>> ObligationResult.from_detail("16.1", "disdik", "not_met", result.detail()) == result
    True
    >>> score([State.MET, State.NOT_MET, State.NOT_CHECKED, State.NOT_APPLICABLE])
    (1, 3)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

REGENCY = "regency"


class State(StrEnum):
    """Where an obligation stands for one SKPD (or the regency) after one run."""

    MET = "met"
    NOT_MET = "not_met"
    NOT_CHECKED = "not_checked"  # no check yet, or its stage failed, was skipped or lacked input
    NOT_APPLICABLE = "not_applicable"  # e.g. an SKPD that is not Mandiri TIK owes no LAN diagram


Scope = Literal["skpd", "regency"]


@dataclass(frozen=True)
class Obligation:
    """One row of the regulatory map."""

    id: str  # e.g. "14.5", "16.1", "kominfo.bandwidth"
    source: str  # e.g. "Perbup Sekadau 19/2021", "Panduan Kominfo"
    article: str  # e.g. "Pasal 14 ayat (5)"
    requirement: Mapping[str, str]  # lang -> what it requires
    check: str | None  # the check that proves it (a nightly stage's check name), None: no check yet
    evidence: Mapping[str, str]  # lang -> what the report shows as evidence
    scope: Scope = "skpd"


@dataclass(frozen=True)
class ObligationResult:
    """One obligation's state for one SKPD (``skpd`` is :data:`REGENCY` for regency-wide ones)."""

    obligation: str
    skpd: str
    state: State
    evidence: Mapping[str, str] = field(default_factory=dict)  # lang -> short evidence text
    links: tuple[str, ...] = ()  # evidence files, relative to the report directory
    facts: Mapping[str, Any] = field(default_factory=dict)  # counts and values behind the evidence

    def detail(self) -> dict[str, Any]:
        """The history store's detail for this result."""
        return {"evidence": dict(self.evidence), "links": list(self.links), "facts": dict(self.facts)}

    @classmethod
    def from_detail(
        cls, obligation: str, skpd: str, state: str, detail: Mapping[str, Any]
    ) -> ObligationResult:
        """Rebuild a result from the history store's row."""
        return cls(
            obligation,
            skpd,
            State(state),
            dict(detail.get("evidence") or {}),
            tuple(detail.get("links") or ()),
            dict(detail.get("facts") or {}),
        )


def subject_of(skpd: str) -> str:
    """The history subject of an SKPD's (or the regency's) results."""
    return REGENCY if skpd == REGENCY else f"skpd:{skpd}"


def skpd_of(subject: str) -> str:
    """The inverse of :func:`subject_of`.

    >>> skpd_of("skpd:disdik"), skpd_of("regency")
    ('disdik', 'regency')
    """
    return subject.removeprefix("skpd:")


def check_of(obligation_id: str) -> str:
    """The history check name of an obligation."""
    return f"obligation:{obligation_id}"


def score(states: Iterable[State]) -> tuple[int, int]:
    """``(met, applicable)``: not-applicable obligations do not count; not-checked ones count as not met."""
    applicable = [s for s in states if s is not State.NOT_APPLICABLE]
    return sum(s is State.MET for s in applicable), len(applicable)
