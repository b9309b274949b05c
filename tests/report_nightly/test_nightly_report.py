"""The nightly report rendered from a real history store (SQLite under tmp_path) of 11 nightly runs over
90 days: scorecard, since-dates, trend, changes, findings, languages, links, PDF, bad input."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zlib
import zoneinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from simpul.errors import InputError, SettingsError
from simpul.report.trend import percent_at, polyline_points
from simpul.services.report import RenderRequest, render_nightly
from simpul.settings import load_settings
from simpul.store.history import Row

from .conftest import (
    BACKUP_EVIDENCE,
    DIFF_EVIDENCE,
    MISSING_EVIDENCE,
    NAMES,
    NOW,
    OBLIGATIONS,
    History,
    at,
)

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")


def local_iso(day: int) -> str:
    """A run's time as report.json gives it: ISO 8601 in the regency's time zone (+07:00)."""
    return at(day).astimezone(WIB).isoformat()


class Page(HTMLParser):
    """Scorecard cells, rows carrying data-* attributes, every href, every svg's text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], tuple[str, str]] = {}  # (slug, obligation) -> (state, text)
        self.hrefs: list[str] = []
        self.rows: list[dict[str, str]] = []
        self.text: list[str] = []
        self.scripts = 0
        self._slug: str | None = None
        self._cell: tuple[str, str] | None = None
        self._buf: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script":
            self.scripts += 1
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "tr":
            self.rows.append(a)
            self._slug = a.get("data-slug")
        if tag == "td" and self._slug and "data-obligation" in a:
            self._cell = (self._slug, a["data-obligation"])
            self._buf = [a["data-state"]]

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell:
            self.cells[self._cell] = (self._buf[0], "".join(self._buf[1:]).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell:
            self._buf.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def render(history: History, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    kwargs.setdefault("now", NOW)
    result = render_nightly(history.settings, RenderRequest(history.out, OBLIGATIONS, **kwargs))
    doc = json.loads((history.out / "report.json").read_text(encoding="utf-8"))
    return result, doc


def skpd_doc(doc: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(s for s in doc["skpds"] if s["slug"] == slug)


def cell_doc(doc: dict[str, Any], slug: str, obligation: str) -> dict[str, Any]:
    return next(c for c in skpd_doc(doc, slug)["obligations"] if c["obligation"] == obligation)


EXPECTED_STATES = {
    ("disdik", "14.5"): "met",
    ("disdik", "16.1"): "met",
    ("disdik", "18.3"): "met",
    ("disdik", "20.1"): "not_checked",
    ("dinkes", "14.5"): "not_checked",
    ("dinkes", "16.1"): "not_met",
    ("dinkes", "18.3"): "met",
    ("dinkes", "20.1"): "not_checked",
    ("bappeda", "14.5"): "not_applicable",
    ("bappeda", "16.1"): "met",
    ("bappeda", "18.3"): "met",
    ("bappeda", "20.1"): "not_checked",  # no row at all in the last run
}
WORDS_ID = {"met": "Terpenuhi", "not_met": "Belum terpenuhi", "not_checked": "Belum diperiksa",
            "not_applicable": "Tidak berlaku"}  # fmt: skip


def test_scorecard_shows_each_state_in_words_and_json(history: History) -> None:
    result, doc = render(history)
    assert result.exit_code == 0
    assert result.as_json()["last_run"] == local_iso(89) and result.as_json()["score"] == {
        "met": 7,
        "applicable": 12,
    }
    page = parse(history.out / "index.html")
    assert {k: v[0] for k, v in page.cells.items()} == EXPECTED_STATES
    assert {k: v[1] for k, v in page.cells.items()} == {k: WORDS_ID[v] for k, v in EXPECTED_STATES.items()}
    assert {(s["slug"], c["obligation"]): c["state"] for s in doc["skpds"] for c in s["obligations"]} == (
        EXPECTED_STATES
    )
    assert {s["slug"]: (s["score"]["met"], s["score"]["applicable"]) for s in doc["skpds"]} == {
        "disdik": (3, 4),
        "dinkes": (1, 4),
        "bappeda": (2, 3),  # not applicable does not count; not checked counts as not met
    }
    assert doc["score"]["met"] == 7 and doc["score"]["applicable"] == 12
    assert doc["regency_obligations"][0]["state"] == "met"
    assert [s["name"] for s in doc["skpds"]] == sorted(NAMES.values())
    assert doc["regency"] == "Kabupaten Sekadau"


def test_not_checked_is_never_shown_as_met(history: History) -> None:
    _, doc = render(history)
    for path in [history.out / "index.html", *(history.out / "skpd").glob("*.html")]:
        page = parse(path)
        for row in page.rows:
            if row.get("data-state") == "not_checked":
                assert "data-obligation" in row
        for state, text in page.cells.values():
            assert (state == "met") == (text == "Terpenuhi")
    cell = cell_doc(doc, "dinkes", "14.5")
    assert cell["state"] == "not_checked" and cell["since"] == local_iso(89)
    # a row missing from the last run is not checked, with no since-date
    cell = cell_doc(doc, "bappeda", "20.1")
    assert cell["state"] == "not_checked" and cell["since"] is None


def test_since_dates_follow_the_history_store(history: History) -> None:
    _, doc = render(history)
    assert cell_doc(doc, "disdik", "16.1")["since"] == local_iso(50)
    assert cell_doc(doc, "disdik", "18.3")["since"] == local_iso(0)
    assert cell_doc(doc, "dinkes", "16.1")["since"] == local_iso(89)
    for slug in NAMES:
        for ob in ("14.5", "16.1", "18.3"):
            since = history.store.since(f"skpd:{slug}", f"obligation:{ob}")
            assert since is not None
            assert cell_doc(doc, slug, ob)["since"] == since.astimezone(WIB).isoformat()
    page = (history.out / "skpd" / "disdik.html").read_text(encoding="utf-8")
    assert "20 Oktober 2026 02.30 WIB" in page  # day 50, 02.30 in Sekadau


def test_trend_points_per_window(history: History) -> None:
    _, doc = render(history)
    trend = doc["trend"]
    assert [len(trend[w]) for w in ("30", "90", "365")] == [5, 11, 11]
    assert [p["time"] for p in trend["30"]] == [local_iso(d) for d in (60, 70, 80, 88, 89)]
    points = {p["time"]: (p["met"], p["applicable"], p["percent"]) for p in trend["365"]}
    assert points[local_iso(0)] == (7, 12, 58.3)  # disdik 16.1 not met, regency not met
    assert points[local_iso(50)] == (8, 12, 66.7)  # disdik 16.1 met from day 50
    assert points[local_iso(89)] == (7, 12, 58.3)
    # the charts draw exactly these points, at these heights
    html = (history.out / "index.html").read_text(encoding="utf-8")
    svgs = dict(re.findall(r'<figure data-days="(\d+)">(<svg.*?</svg>)', html, re.S))
    for days in ("30", "90", "365"):
        drawn = [percent_at(y) for _, y in polyline_points(svgs[days])]
        assert drawn == pytest.approx([p["percent"] for p in trend[days]], abs=0.6)
    # each SKPD page has its own trend
    assert [p["percent"] for p in skpd_doc(doc, "disdik")["trend"]][:6] == [50.0] * 5 + [75.0]


def test_changes_since_the_previous_run(history: History) -> None:
    _, doc = render(history)
    changes = doc["changes"]
    assert {(c["skpd"], c["obligation"], c["before"], c["after"]) for c in changes["obligations"]} == {
        ("dinkes", "14.5", "met", "not_checked"),
        ("dinkes", "16.1", "met", "not_met"),
        ("regency", "kominfo.bandwidth", "not_met", "met"),
    }
    assert [f["fingerprint"] for f in changes["findings_opened"]] == ["cc33"]
    assert [f["fingerprint"] for f in changes["findings_resolved"]] == ["bb22"]
    assert doc["previous_run"]["time"] == local_iso(88) and doc["last_run"]["time"] == local_iso(89)
    page = parse(history.out / "index.html")
    stages = {r["data-stage"]: r["data-status"] for r in page.rows if "data-stage" in r}
    assert stages == {"backup": "ok", "vps": "failed"} and "Gagal" in "".join(page.text)
    changed = [r for r in page.rows if "data-before" in r]
    assert {(r["data-skpd"], r["data-obligation"]) for r in changed} == {
        ("dinkes", "14.5"),
        ("dinkes", "16.1"),
        ("regency", "kominfo.bandwidth"),
    }


def test_findings_keep_first_and_last_seen(history: History) -> None:
    _, doc = render(history)
    disdik, dinkes = skpd_doc(doc, "disdik"), skpd_doc(doc, "dinkes")
    aa11 = next(f for f in disdik["open_findings"] if f["fingerprint"] == "aa11")
    assert (aa11["first_seen"], aa11["last_seen"], aa11["code"]) == (local_iso(20), local_iso(89), "LAN-003")
    assert [f["fingerprint"] for f in disdik["open_findings"]] == ["aa11", "cc33"]  # high before medium
    assert dinkes["open_findings"] == []
    resolved = {f["fingerprint"]: f for f in dinkes["resolved_findings"]}
    assert resolved["bb22"]["resolved_at"] == local_iso(89)
    assert (resolved["dd44"]["first_seen"], resolved["dd44"]["last_seen"]) == (local_iso(10), local_iso(20))
    assert resolved["dd44"]["resolved_at"] == local_iso(30)
    page = parse(history.out / "skpd" / "dinkes.html")
    assert {r["data-fingerprint"]: r["data-state"] for r in page.rows if "data-fingerprint" in r} == {
        "bb22": "resolved",
        "dd44": "resolved",
    }
    assert "temuan dd44" in "".join(page.text)


def test_english_with_lang_en(history: History) -> None:
    _, doc = render(history, lang="en")
    html = (history.out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    assert "SPBE infrastructure compliance report" in html and "Not checked" in html
    for word in ("Terpenuhi", "Belum diperiksa", "Kartu nilai", "Kewajiban"):
        assert word not in html
    page = parse(history.out / "index.html")
    assert page.cells[("dinkes", "16.1")] == ("not_met", "Not met")
    disdik = (history.out / "skpd" / "disdik.html").read_text(encoding="utf-8")
    assert "20 October 2026 02:30 WIB" in disdik and "finding aa11" in disdik and "temuan" not in disdik
    assert doc["lang"] == "en" and doc["timezone"] == "Asia/Jakarta"


def test_times_in_the_timezone_setting(history: History) -> None:
    settings = load_settings(
        env={"SIMPUL_STATE_DIR": str(history.settings.state_dir), "SIMPUL_TIMEZONE": "Asia/Makassar"},
        settings_file=False,
    )
    render_nightly(settings, RenderRequest(history.out, OBLIGATIONS, now=NOW))
    html = (history.out / "skpd" / "disdik.html").read_text(encoding="utf-8")
    assert "20 Oktober 2026 03.30 WITA" in html and "WIB" not in html


def test_links_are_relative_and_resolve(history: History) -> None:
    result, _ = render(history)
    pages = [history.out / "index.html", *sorted((history.out / "skpd").glob("*.html"))]
    assert len(pages) == 1 + len(NAMES)
    for path in pages:
        page = parse(path)
        assert page.scripts == 0
        for href in page.hrefs:
            parts = urlsplit(href)
            assert not parts.scheme and not parts.netloc and not href.startswith("/"), (path, href)
            assert (path.parent / unquote(parts.path)).resolve().is_file(), (path, href)
    disdik = parse(history.out / "skpd" / "disdik.html")
    assert f"../{BACKUP_EVIDENCE}" in disdik.hrefs
    assert f"../{MISSING_EVIDENCE}" not in disdik.hrefs  # shown as text, marked missing
    assert "berkas tidak ada" in "".join(disdik.text)
    assert f"../{DIFF_EVIDENCE}" in parse(history.out / "skpd" / "dinkes.html").hrefs
    # evidence is linked where it is, never moved
    assert (history.out / BACKUP_EVIDENCE).is_file() and (history.out / DIFF_EVIDENCE).is_file()
    index = parse(history.out / "index.html")
    assert {f"skpd/{s}.html" for s in NAMES} <= set(index.hrefs)
    assert {"summary.pdf", "report.json"} <= set(index.hrefs)
    assert sorted(str(p.relative_to(history.out)) for p in result.files.all()) == sorted(
        result.as_json()["files"]
    )
    for path in pages:
        text = path.read_text(encoding="utf-8").replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert "http://" not in text and "https://" not in text  # nothing from the internet


def pdf_text(path: Path) -> bytes:
    """The PDF's streams, inflated: weasyprint keeps the title and the headings (bookmarks) there."""
    data = path.read_bytes()
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks)


def test_summary_pdf(history: History) -> None:
    result, _ = render(history)
    pdf = history.out / "summary.pdf"
    assert result.files.pdf == pdf
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(pdf)
    assert re.search(rb"/Type\s*/Page\b", text)
    for heading in (b"Ringkasan untuk Bupati", b"Kartu nilai: kewajiban per SKPD", b"Perkembangan"):
        assert heading in text
    if shutil.which("pdftotext"):  # where poppler is installed, read the pages' own text too
        pages = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert (
            "Ringkasan untuk Bupati" in pages and "Dinas Pendidikan" in pages and "Belum diperiksa" in pages
        )
    render(history, lang="en")
    assert b"Summary for the Regent" in pdf_text(pdf)


def test_summary_pdf_in_parts(history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    """A regency of more SKPD than one part holds is printed part by part (bounded memory), into one
    PDF: the head once, every SKPD's scorecard row, the articles once, pages numbered on."""
    import simpul.report.nightly as nightly_report

    whole, _ = render(history)
    pages_whole = len(re.findall(rb"/Type\s*/Page\b", pdf_text(whole.files.pdf)))
    monkeypatch.setattr(nightly_report, "PDF_ROWS", 1)
    result, doc = render(history)
    text = pdf_text(result.files.pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b", text))
    assert pages >= len(doc["skpds"]) > 1 and pages > pages_whole  # one part (at least a page) per SKPD
    for heading in (b"Ringkasan untuk Bupati", b"Kartu nilai: kewajiban per SKPD"):
        assert text.count(heading) == 1
    if shutil.which("pdftotext"):
        words = subprocess.run(
            ["pdftotext", str(result.files.pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert all(s["name"] in words for s in doc["skpds"])


def test_no_pdf_when_not_asked(history: History) -> None:
    result, _ = render(history, pdf=False)
    assert result.files.pdf is None and not (history.out / "summary.pdf").exists()
    assert "summary.pdf" not in parse(history.out / "index.html").hrefs


def test_now_leaves_later_runs_out(history: History) -> None:
    _, doc = render(history, now=at(80) + (NOW - at(89)))
    assert doc["last_run"]["time"] == local_iso(80) and doc["previous_run"]["time"] == local_iso(70)
    assert doc["runs_total"] == 9
    assert doc["changes"]["obligations"] == []


def test_bad_input_writes_nothing(tmp_path: Path, history: History) -> None:
    empty = load_settings(env={"SIMPUL_STATE_DIR": str(tmp_path / "empty")}, settings_file=False)
    out = tmp_path / "nothing"
    with pytest.raises(InputError, match="no nightly run"):
        render_nightly(empty, RenderRequest(out, OBLIGATIONS))
    with pytest.raises(InputError, match="no obligations"):
        render_nightly(history.settings, RenderRequest(out, ()))
    with pytest.raises(InputError, match="listed twice"):
        render_nightly(history.settings, RenderRequest(out, (OBLIGATIONS[0], OBLIGATIONS[0])))
    with pytest.raises(InputError, match="language 'fr'"):
        render_nightly(history.settings, RenderRequest(out, OBLIGATIONS, lang="fr"))
    bad_zone = load_settings(
        env={"SIMPUL_STATE_DIR": str(history.settings.state_dir), "SIMPUL_TIMEZONE": "Mars/Olympus"},
        settings_file=False,
    )
    with pytest.raises(SettingsError, match="unknown time zone"):
        render_nightly(bad_zone, RenderRequest(out, OBLIGATIONS))
    assert not out.exists()


def test_names_are_text_not_html(history: History) -> None:
    run = history.store.runs("nightly")[-1]
    detail = dict(run.detail)
    detail["skpd_names"] = {**NAMES, "disdik": "<script>alert(1)</script>"}
    history.store.record(
        [Row("skpd:disdik", "obligation:16.1", "met", {"evidence": {"id": "<b>x</b>"}})],
        NOW,
        kind="nightly",
        detail=detail,
    )
    render(history, now=NOW + (NOW - at(89)))
    for path in [history.out / "index.html", history.out / "skpd" / "disdik.html"]:
        text = path.read_text(encoding="utf-8")
        assert "<script>" not in text and "&lt;script&gt;" in text
    assert "&lt;b&gt;x&lt;/b&gt;" in (history.out / "skpd" / "disdik.html").read_text(encoding="utf-8")


def test_both_languages_carry_the_same_words() -> None:
    from simpul.report.nightly_i18n import TABLES

    for table in TABLES:
        assert set(table["id"]) == set(table["en"])
        assert all(str(v).strip() for lang in ("id", "en") for v in table[lang].values())
