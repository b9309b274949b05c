"""The nightly report over time: a view over the history store's nightly runs (issue 14, item 4).

One use case, :func:`render_nightly`: read every ``nightly`` run and its results from the history
store (keys as :mod:`simpul.core.obligations` fixes them), compute the scorecard, since-dates, trend and
changes (:mod:`simpul.report.nightly_model`), and write index.html, one page per SKPD, report.json and
summary.pdf into the report directory (:mod:`simpul.report.nightly`). The CLI (``simpul report render``)
and the nightly job's report stage both call it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simpul.core.obligations import Obligation
from simpul.errors import InputError
from simpul.report.nightly import NightlyFiles, write_nightly
from simpul.report.nightly_i18n import nightly_texts, timezone
from simpul.report.nightly_model import NightlyReport, build
from simpul.services.intended import history_store
from simpul.settings import Settings

log = logging.getLogger(__name__)

RUN_KIND = "nightly"


@dataclass(frozen=True)
class RenderRequest:
    """Where to write, the regulatory map, and optionally the language, the time "now" and no PDF."""

    out_dir: Path
    obligations: tuple[Obligation, ...]
    lang: str | None = None  # default: settings.lang
    now: dt.datetime | None = None  # default: the clock; runs after it are left out
    pdf: bool = True


@dataclass(frozen=True)
class RenderResult:
    """What was written and the headline facts (report.json holds them all)."""

    files: NightlyFiles
    report: NightlyReport
    lang: str
    tz: dt.tzinfo = dt.UTC  # the regency's time zone: times in as_json() are given in it

    def as_json(self) -> dict[str, Any]:
        out = self.files.out_dir
        met, applicable = self.report.score
        previous = self.report.previous
        return {
            "out_dir": str(out),
            "index": str(self.files.index),
            "pdf": None if self.files.pdf is None else str(self.files.pdf),
            "files": [str(p.relative_to(out)) for p in self.files.all()],
            "lang": self.lang,
            "last_run": self.report.latest.time.astimezone(self.tz).isoformat(),
            "previous_run": None if previous is None else previous.time.astimezone(self.tz).isoformat(),
            "runs_total": len(self.report.runs),
            "skpd_total": len(self.report.skpds),
            "score": {"met": met, "applicable": applicable},
            "changes": {
                "obligations": len(self.report.changes),
                "findings_opened": len(self.report.opened),
                "findings_resolved": len(self.report.resolved),
            },
        }

    @property
    def exit_code(self) -> int:
        """0: the report is written (what it says is the nightly job's exit code, not this one's)."""
        return 0


def _check_obligations(obligations: tuple[Obligation, ...]) -> None:
    if not obligations:
        raise InputError(
            "no obligations given: the report has nothing to score",
            source="compliance/obligations.yaml",
            hint="load the regulatory map with simpul.services.nightly.load_obligations(settings)",
        )
    seen: set[str] = set()
    for ob in obligations:
        if ob.id in seen:
            raise InputError(
                f"obligation {ob.id!r} is listed twice",
                source="compliance/obligations.yaml",
                field=ob.id,
                hint="give every obligation one row",
            )
        seen.add(ob.id)


def render_nightly(settings: Settings, request: RenderRequest) -> RenderResult:
    """Write the nightly report into ``request.out_dir`` from the history store's nightly runs.

    Bad input (no obligations, an unknown language or time zone, no nightly run yet) raises before
    anything is written.
    """
    _check_obligations(request.obligations)
    t = nightly_texts(request.lang or settings.lang, timezone(settings.timezone))
    now = request.now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    store = history_store(settings)
    runs = store.runs(RUN_KIND)
    runs = [r for r in runs if r.time <= now]
    if not runs:
        raise InputError(
            "the history holds no nightly run yet: nothing to report",
            source=str(store.path),
            hint="run simpul nightly first",
        )
    rows = store.iter_states(RUN_KIND, until=now)
    report = build(request.obligations, runs, rows, store.details, now=now)
    regency = str(report.latest.detail.get("regency") or "")
    files, _ = write_nightly(report, Path(request.out_dir), t, regency=regency, pdf=request.pdf)
    log.info("nightly report: %d runs, %d SKPD, written to %s", len(runs), len(report.skpds), request.out_dir)
    return RenderResult(files=files, report=report, lang=t.lang, tz=t.tz)
