"""Write the nightly report over time: index.html, one page per SKPD, report.json and summary.pdf.

The facts come from :func:`simpul.report.nightly_model.build`; this module only lays them out. Like the
LAN audit report (:mod:`simpul.report.render`), every HTML file is self-contained (inline CSS, inline
SVG charts, no script, no web font, nothing from the internet) and every link is relative, so the
directory can be copied anywhere and opened from disk. Evidence files the nightly stages wrote into the
report directory are linked where they are, never moved; a link to a file that is not there is shown
as text, marked missing. ``summary.pdf`` (the ringkasan for the Bupati) is the regency summary printed
by weasyprint.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from simpul.core.obligations import REGENCY, State
from simpul.errors import ReportError
from simpul.report.nightly_i18n import NightlyTexts
from simpul.report.nightly_model import (
    WINDOWS,
    Cell,
    FindingView,
    NightlyReport,
    StateChange,
    TrendPoint,
)
from simpul.report.trend import trend_svg

log = logging.getLogger(__name__)

SCHEMA = "simpul.nightly-report/1"
STATE_ORDER = (State.MET, State.NOT_MET, State.NOT_CHECKED, State.NOT_APPLICABLE)


@dataclass(frozen=True)
class NightlyFiles:
    """Where the report was written."""

    out_dir: Path
    index: Path
    json: Path
    pdf: Path | None
    skpd_pages: Mapping[str, Path] = field(default_factory=dict)

    def all(self) -> list[Path]:
        return [self.index, *self.skpd_pages.values(), self.json, *([self.pdf] if self.pdf else [])]


@dataclass(frozen=True)
class LinkView:
    """One evidence link: its text, and whether the file is in the report directory."""

    path: str  # relative to the report directory, as the nightly stage gave it
    exists: bool

    def href(self, root: str) -> str:
        """The link from a page ``root`` away from the report directory (``.`` or ``..``)."""
        return quote(self.path if root == "." else f"{root}/{self.path}")


def evidence_link(out_dir: Path, link: str) -> LinkView:
    """A link that stays inside the report directory; absolute or escaping paths are never links.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "evidence").mkdir(); _ = (d / "evidence" / "a.txt").write_text("x")
    >>> evidence_link(d, "evidence/a.txt"), evidence_link(d, "../etc/passwd").exists
    (LinkView(path='evidence/a.txt', exists=True), False)
    >>> evidence_link(d, "evidence/a.txt").href(".."), evidence_link(d, "evidence/a b.txt").href(".")
    ('../evidence/a.txt', 'evidence/a%20b.txt')
    """
    path = PurePosixPath(link)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return LinkView(link, False)
    return LinkView(link, (out_dir / path).exists())


# --- report.json -------------------------------------------------------------------------------------


def _time(t: NightlyTexts, value: Any) -> str | None:
    return None if value is None else t.local(value).isoformat()


def _cell_json(t: NightlyTexts, cell: Cell, links: list[LinkView]) -> dict[str, Any]:
    return {
        "obligation": cell.obligation.id,
        "article": cell.obligation.article,
        "state": cell.state.value,
        "since": _time(t, cell.since),
        "evidence": dict(cell.result.evidence),
        "links": [{"path": link.path, "exists": link.exists} for link in links],
        "facts": dict(cell.result.facts),
    }


def _finding_json(t: NightlyTexts, f: FindingView) -> dict[str, Any]:
    return {
        "skpd": f.skpd,
        "fingerprint": f.fingerprint,
        "state": f.state,
        "code": f.code,
        "severity": f.severity,
        "pasal": f.pasal,
        "text": dict(f.text),
        "first_seen": _time(t, f.first_seen),
        "last_seen": _time(t, f.last_seen),
        "resolved_at": _time(t, f.resolved_at),
    }


def _point_json(t: NightlyTexts, p: TrendPoint) -> dict[str, Any]:
    return {"time": _time(t, p.time), "met": p.met, "applicable": p.applicable, "percent": p.percent}


def _change_json(c: StateChange) -> dict[str, Any]:
    return {"skpd": c.skpd, "obligation": c.obligation.id, "before": c.before.value, "after": c.after.value}


def report_document(
    report: NightlyReport, t: NightlyTexts, links: Mapping[tuple[str, str], list[LinkView]], regency: str
) -> dict[str, Any]:
    """report.json: the same facts as the pages (times in the regency's time zone, ISO 8601)."""
    met, applicable = report.score
    return {
        "schema": SCHEMA,
        "regency": regency,
        "lang": t.lang,
        "timezone": str(t.tz),
        "generated_at": _time(t, report.now),
        "last_run": {"id": report.latest.id, "time": _time(t, report.latest.time)},
        "previous_run": None
        if report.previous is None
        else {"id": report.previous.id, "time": _time(t, report.previous.time)},
        "runs_total": len(report.runs),
        "stages": dict(report.stages),
        "score": {
            "met": met,
            "applicable": applicable,
            "by_state": {s.value: report.count(s) for s in State},
        },
        "obligations": [
            {
                "id": o.id,
                "source": o.source,
                "article": o.article,
                "requirement": dict(o.requirement),
                "check": o.check,
                "evidence": dict(o.evidence),
                "scope": o.scope,
            }
            for o in report.obligations
        ],
        "skpds": [
            {
                "slug": s.slug,
                "name": s.name,
                "page": s.page,
                "score": {"met": s.score[0], "applicable": s.score[1]},
                "obligations": [_cell_json(t, c, links[(s.slug, c.obligation.id)]) for c in s.cells],
                "open_findings": [_finding_json(t, f) for f in s.open_findings],
                "resolved_findings": [_finding_json(t, f) for f in s.resolved_findings],
                "trend": [_point_json(t, p) for p in s.trend],
            }
            for s in report.skpds
        ],
        "regency_obligations": [_cell_json(t, c, links[(REGENCY, c.obligation.id)]) for c in report.regency],
        "regency_findings": [_finding_json(t, f) for f in report.regency_findings],
        "trend": {str(days): [_point_json(t, p) for p in report.window(days)] for days in WINDOWS},
        "changes": {
            "obligations": [_change_json(c) for c in report.changes],
            "findings_opened": [_finding_json(t, f) for f in report.opened],
            "findings_resolved": [_finding_json(t, f) for f in report.resolved],
        },
    }


# --- HTML and PDF ------------------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("simpul.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one render: no need to stat the templates at every include
    )
    env.globals.update(states=STATE_ORDER, windows=WINDOWS, REGENCY=REGENCY)
    return env


def _chart(report: NightlyReport, t: NightlyTexts, points: tuple[TrendPoint, ...], days: int) -> Markup:
    end = report.now
    start = end - dt.timedelta(days=days)
    svg = trend_svg(
        [(p.time, p.percent) for p in points],
        start=start,
        end=end,
        label=t.short_date,
        title=f"{t('trend_axis')} · {t('trend_days', days=days)}",
        empty=t("trend_empty"),
    )
    return Markup(svg)  # built by trend_svg: every text in it is escaped


def _write(path: Path, data: str | bytes) -> None:
    try:
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    except OSError as err:
        raise ReportError(f"cannot write the report file: {err}", source=str(path)) from None


PDF_ROWS = 100  # scorecard rows (SKPD) per part of the summary PDF that weasyprint lays out at once


@dataclass(frozen=True)
class PdfPart:
    """One part of the summary PDF: its scorecard rows; the first holds the head, the last the end.

    A regency of more than ``PDF_ROWS`` SKPD is printed part by part: weasyprint keeps the computed
    style of every element of a document until it is laid out (~0.3 MB per scorecard row), so one
    document of 500 SKPD peaks ~150 MB above the process; parts of 100 rows keep only the laid-out
    pages. Pages are numbered on across parts (``first_page``), without the total (``chunked``),
    which is known only once every part is laid out.
    """

    rows: tuple[Any, ...]
    first: bool
    last: bool
    first_page: int
    chunked: bool


def _pdf(render: Callable[[PdfPart], str], report: NightlyReport, out_dir: Path) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    skpds = tuple(report.skpds)
    cuts = range(0, max(len(skpds), 1), PDF_ROWS)
    try:
        first: Any = None
        pages: list[Any] = []
        for n, start in enumerate(cuts):
            rows = skpds[start : start + PDF_ROWS]
            part = PdfPart(rows, n == 0, n == len(cuts) - 1, len(pages) + 1, len(cuts) > 1)
            document = HTML(string=render(part), base_url=str(out_dir)).render()
            first = first or document
            pages += document.pages
        pdf = first.copy(pages).write_pdf()
    except Exception as err:  # weasyprint raises many kinds; the PDF is one file of the report
        raise ReportError(
            f"cannot print the summary PDF: {err}", source=str(out_dir / "summary.pdf")
        ) from None
    if not isinstance(pdf, bytes):
        raise ReportError("weasyprint returned no PDF", source=str(out_dir / "summary.pdf"))
    return pdf


def write_nightly(
    report: NightlyReport, out_dir: Path, t: NightlyTexts, *, regency: str = "", pdf: bool = True
) -> tuple[NightlyFiles, dict[str, Any]]:
    """Write the whole report into ``out_dir`` (created if needed); returns the files and report.json."""
    try:
        (out_dir / "skpd").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ReportError(f"cannot create the report directory: {err}", source=str(out_dir)) from None
    links = {
        (skpd, c.obligation.id): [evidence_link(out_dir, link) for link in c.result.links]
        for skpd, cells in [(s.slug, s.cells) for s in report.skpds] + [(REGENCY, report.regency)]
        for c in cells
    }
    charts = {days: _chart(report, t, report.window(days), days) for days in WINDOWS}
    env = _environment()
    names = {s.slug: s.name for s in report.skpds}
    common = {"t": t, "report": report, "regency": regency, "links": links, "charts": charts, "pdf": pdf}
    common["names"] = names
    index = out_dir / "index.html"
    _write(index, env.get_template("nightly/index.html.j2").render(**common, root="."))
    pages: dict[str, Path] = {}
    page = env.get_template("nightly/skpd.html.j2")
    for skpd in report.skpds:
        chart = _chart(report, t, skpd.trend, max(WINDOWS))
        pages[skpd.slug] = out_dir / skpd.page
        _write(pages[skpd.slug], page.render(**common, skpd=skpd, chart=chart, root=".."))
    doc = report_document(report, t, links, regency)
    _write(out_dir / "report.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    pdf_path = None
    if pdf:
        summary = env.get_template("nightly/summary.html.j2")
        pdf_path = out_dir / "summary.pdf"
        _write(pdf_path, _pdf(lambda part: summary.render(**common, root=".", part=part), report, out_dir))
    log.info("nightly report for %d SKPD written to %s", len(report.skpds), out_dir)
    return NightlyFiles(out_dir, index, out_dir / "report.json", pdf_path, pages), doc
