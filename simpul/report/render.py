"""Write the LAN audit report: index.html, one page per SKPD, report.json and report.md.

Every file is self-contained (inline CSS, inline SVG pictures, no scripts, no fonts or links to the
internet) and opens from disk. Templates live in ``templates/`` and are rendered with autoescape on;
the Markdown template escapes every value through ``finalize`` so a device name cannot inject HTML
or break a table there either.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from pydantic import ValidationError

from simpul.core.audit import (
    ARTICLES,
    AuditRun,
    AuditStatus,
    ItemState,
    LanPicture,
    SkpdAudit,
    Summary,
    article_for,
    lan_picture,
    picture_views,
    sort_findings,
    summarise,
    worst_severity,
)
from simpul.core.findings import FINDING_CODES, Finding, Severity
from simpul.core.topology import Topology
from simpul.core.validation import input_error_from_validation
from simpul.errors import InputError, ReportError
from simpul.report.dot import STYLES, lan_dot, picture_caption_key
from simpul.report.graph import render_many
from simpul.report.i18n import Texts, texts

log = logging.getLogger(__name__)

SCHEMA = "simpul.lan-audit-report/1"
STATUS_ORDER = (AuditStatus.COMPLIANT, AuditStatus.FINDINGS, AuditStatus.NO_DIAGRAM, AuditStatus.STALE)
LEGEND_ALWAYS = (ItemState.BOTH, ItemState.MISSING, ItemState.UNDOCUMENTED)


@dataclass(frozen=True)
class ReportFiles:
    """Where the report was written."""

    out_dir: Path
    index: Path
    json: Path
    markdown: Path
    skpd_pages: Mapping[str, Path] = field(default_factory=dict)

    def all(self) -> list[Path]:
        return [self.index, *self.skpd_pages.values(), self.json, self.markdown]


# --- what the templates see (built purely from the run) ---------------------------------------------


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    article: str


@dataclass(frozen=True)
class SkpdView:
    audit: SkpdAudit
    status: AuditStatus
    page: str  # relative to the report directory
    findings: tuple[FindingRow, ...]
    worst: Severity | None
    picture: LanPicture
    caption_key: str
    legend: tuple[ItemState, ...]
    svg: Markup | None = None


def skpd_view(audit: SkpdAudit) -> SkpdView:
    expected, actual = picture_views(audit)
    picture = lan_picture(expected, actual, unreachable=[u.name for u in audit.unreachable])
    used = {n.state for n in picture.nodes} | {e.state for e in picture.edges}
    return SkpdView(
        audit=audit,
        status=audit.status,
        page=f"skpd/{audit.slug}.html",
        findings=tuple(FindingRow(f, article_for(f)) for f in sort_findings(audit.findings)),
        worst=worst_severity(audit.findings),
        picture=picture,
        caption_key=picture_caption_key(picture),
        legend=tuple(s for s in ItemState if s in LEGEND_ALWAYS or s in used),
    )


def report_document(run: AuditRun, summary: Summary, t: Texts) -> dict[str, Any]:
    """report.json: the run, each SKPD's derived status and page, each finding's article, the summary."""
    skpds = []
    for audit in run.skpds:
        data = audit.model_dump(mode="json")
        data["findings"] = [
            f.model_copy(update={"article": article_for(f)}).model_dump(mode="json")
            for f in sort_findings(audit.findings)
        ]
        data["status"] = audit.status.value
        data["page"] = f"skpd/{audit.slug}.html"
        skpds.append(data)
    return {
        "schema": SCHEMA,
        "regency": run.regency,
        "generated_at": run.generated_at.isoformat(),
        "lang": t.lang,
        "fail_on": run.fail_on.value,
        "articles": [{"article": a, "text": t.article(a)} for a in ARTICLES],
        "summary": summary.model_dump(mode="json"),
        "skpds": skpds,
    }


# Keys report.json adds to the run's own fields; reading the file back drops them.
_DERIVED_SKPD_KEYS = ("status", "page")
_DERIVED_FINDING_KEYS = ("code",)


def run_from_document(doc: Mapping[str, Any], *, source: str = "report.json") -> AuditRun:
    """Rebuild the ``AuditRun`` a report.json was written from (derived fields dropped)."""
    if doc.get("schema") != SCHEMA:
        raise InputError(
            f"not a simpul LAN audit report (schema {doc.get('schema')!r}, expected {SCHEMA!r})",
            source=source,
            field="schema",
            hint="give a report.json written by simpul lan audit",
        )
    skpds = []
    for raw in doc.get("skpds", []):
        item = {k: v for k, v in raw.items() if k not in _DERIVED_SKPD_KEYS}
        item["findings"] = [
            {k: v for k, v in f.items() if k not in _DERIVED_FINDING_KEYS} for f in raw.get("findings", [])
        ]
        skpds.append(item)
    try:
        return AuditRun.model_validate(
            {
                "regency": doc.get("regency"),
                "generated_at": doc.get("generated_at"),
                "lang": doc.get("lang"),
                "fail_on": doc.get("fail_on"),
                "skpds": skpds,
            }
        )
    except ValidationError as err:
        raise input_error_from_validation(
            err,
            source,
            prefix="report does not match the audit model: ",
            hint="regenerate the report with simpul lan audit",
        ) from None


def read_report_json(path: Path) -> tuple[AuditRun, Summary]:
    """Read a report.json back: the run and the summary it recorded."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise InputError(f"cannot read the report: {err}", source=str(path)) from None
    return run_from_document(doc, source=str(path)), Summary.model_validate(doc["summary"])


# --- Markdown escaping -----------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def md_escape(value: object) -> str:
    r"""Escape a value for Markdown text and table cells; ``<``/``>``/``&`` become entities.

    >>> md_escape("<script>a|b_c</script>")
    '&lt;script&gt;a\\|b\\_c&lt;/script&gt;'
    """
    if value is None:
        return ""
    if isinstance(value, Markup):
        return str(value)
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\r", "").replace("\n", " ")


def _environments() -> tuple[Environment, Environment]:
    loader = PackageLoader("simpul.report", "templates")
    html = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    md = Environment(
        loader=loader,
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=md_escape,
    )
    for env in (html, md):
        env.globals.update(
            codes=FINDING_CODES,
            styles=STYLES,
            status_order=STATUS_ORDER,
            articles=ARTICLES,
            Severity=Severity,
        )
    return html, md


def _topology_counts(topology: Topology | None) -> tuple[int, int] | None:
    return None if topology is None else (len(topology.devices), len(topology.links))


def write_report(run: AuditRun, out_dir: Path, lang: str | None = None) -> ReportFiles:
    """Write the whole report into ``out_dir`` (created if needed) and say where each file went.

    ``lang`` is ``"id"`` (Bahasa Indonesia) or ``"en"``; by default the run's own ``lang``.
    """
    t = texts(lang or run.lang)
    summary = summarise(run)
    views = [skpd_view(audit) for audit in run.skpds]
    drawable = [v for v in views if v.picture.nodes]
    svgs = render_many([lan_dot(v.picture, t) for v in drawable])
    by_slug = {v.audit.slug: Markup(svg) for v, svg in zip(drawable, svgs, strict=True)}
    views = [replace(v, svg=by_slug.get(v.audit.slug)) for v in views]

    html, md = _environments()
    common = {"t": t, "run": run, "summary": summary, "views": views, "counts": _topology_counts}
    skpd_dir = out_dir / "skpd"
    try:
        skpd_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ReportError(f"cannot create the report directory: {err}", source=str(out_dir)) from None

    files: dict[str, Path] = {}
    pages: dict[str, Path] = {}
    _write(out_dir / "index.html", html.get_template("index.html.j2").render(**common, root="."))
    files["index"] = out_dir / "index.html"
    for view in views:
        path = out_dir / view.page
        _write(path, html.get_template("skpd.html.j2").render(**common, view=view, root=".."))
        pages[view.audit.slug] = path
    doc = report_document(run, summary, t)
    _write(out_dir / "report.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    _write(out_dir / "report.md", md.get_template("report.md.j2").render(**common))
    log.info("LAN audit report for %d SKPD written to %s", len(views), out_dir)
    return ReportFiles(
        out_dir=out_dir,
        index=files["index"],
        json=out_dir / "report.json",
        markdown=out_dir / "report.md",
        skpd_pages=pages,
    )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ReportError(f"cannot write the report file: {err}", source=str(path)) from None
