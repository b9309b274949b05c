"""The LAN audit report written to disk from a hand-built audit run, with the real graphviz ``dot``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from simpul.core.audit import AuditRun, AuditStatus, ItemState, SkpdAudit, exit_code, summarise
from simpul.core.findings import Finding, FindingKind, Severity
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View
from simpul.errors import InputError
from simpul.report import ReportError, read_report_json, write_report
from simpul.report.dot import STYLES

from .conftest import GENERATED, GOLDEN, REGEN, build_run

SVG_NS = "{http://www.w3.org/2000/svg}"


class RowParser(HTMLParser):
    """Collects the SKPD rows of index.html: data-slug, data-status, badge text, link target."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self._row: dict[str, str] | None = None
        self._in_badge = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "tr" and "data-slug" in a:
            self._row = {"status": a["data-status"], "badge": "", "href": ""}
            self.rows[a["data-slug"]] = self._row
        elif self._row is not None and tag == "a":
            self._row["href"] = a.get("href", "")
        elif self._row is not None and tag == "span" and "badge" in a.get("class", ""):
            self._in_badge = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            self._in_badge = False
        elif tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._in_badge and self._row is not None:
            self._row["badge"] += data.strip()


def index_rows(html: str) -> dict[str, dict[str, str]]:
    parser = RowParser()
    parser.feed(html)
    return parser.rows


def inline_svg(html: str) -> ET.Element:
    match = re.search(r'<svg class="lan-picture".*?</svg>', html, re.DOTALL)
    assert match, "no inline LAN picture in the page"
    return ET.fromstring(match.group(0))


def groups(svg: ET.Element, *classes: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG_NS}g") if set(classes) <= set(g.get("class", "").split())]


def texts_of(element: ET.Element) -> str:
    return " ".join(t.text or "" for t in element.iter(f"{SVG_NS}text"))


def shape_of(group: ET.Element) -> ET.Element:
    """The first drawn outline of a node or edge (graphviz writes a path or polygon)."""
    for element in group.iter():
        if element.tag in (f"{SVG_NS}path", f"{SVG_NS}polygon", f"{SVG_NS}ellipse"):
            return element
    raise AssertionError("group has no drawn shape")


@pytest.fixture
def report(tmp_path: Path, run: AuditRun) -> Path:
    write_report(run, tmp_path / "report")
    return tmp_path / "report"


def test_every_file_is_written(tmp_path: Path, run: AuditRun) -> None:
    files = write_report(run, tmp_path / "out")
    expected = {"index.html", "report.json", "report.md", "skpd/disdik.html", "skpd/dinkes.html",
                "skpd/bappeda.html"}  # fmt: skip
    written = {p.relative_to(tmp_path / "out").as_posix() for p in files.all()}
    assert written == expected
    for path in files.all():
        assert path.is_file() and path.stat().st_size > 0


def test_index_lists_each_skpd_with_its_status(report: Path) -> None:
    rows = index_rows((report / "index.html").read_text(encoding="utf-8"))
    assert {slug: row["status"] for slug, row in rows.items()} == {
        "disdik": "compliant",
        "dinkes": "findings",
        "bappeda": "no_diagram",
    }
    assert {slug: row["badge"] for slug, row in rows.items()} == {
        "disdik": "Patuh",
        "dinkes": "Ada temuan",
        "bappeda": "Tanpa diagram",
    }
    for slug, row in rows.items():
        assert row["href"] == f"skpd/{slug}.html"
        assert (report / row["href"]).is_file()


def test_index_counts_statuses_and_names_the_articles(report: Path) -> None:
    html = (report / "index.html").read_text(encoding="utf-8")
    counts = dict(re.findall(r'data-count="(\w+)"><div class="n">(\d+)<', html))
    assert counts == {"skpd_total": "3", "compliant": "1", "findings": "1", "no_diagram": "1", "stale": "0",
                      "findings_total": "7"}  # fmt: skip
    assert "Kabupaten Sekadau" in html
    assert "22 November 2026 01.30 UTC" in html
    for article in ("Pasal 19 ayat (2)", "Pasal 20 ayat (1)", "Pasal 20 ayat (2)", "Pasal 46"):
        assert article in html


def test_picture_draws_missing_link_dashed_red_and_undocumented_device_orange(report: Path) -> None:
    svg = inline_svg((report / "skpd" / "dinkes.html").read_text(encoding="utf-8"))

    missing = groups(svg, "edge", "missing")
    assert len(missing) == 1
    line = shape_of(missing[0])
    assert line.get("stroke") == STYLES[ItemState.MISSING].color == "#d62728"
    assert line.get("stroke-dasharray")
    assert {"ether24", "ether1"} <= set(texts_of(missing[0]).split())  # port labels of both ends

    rogue = [g for g in groups(svg, "node", "undocumented") if "ap-dinkes-liar" in texts_of(g)]
    assert len(rogue) == 1
    outline = shape_of(rogue[0])
    assert outline.get("stroke") == STYLES[ItemState.UNDOCUMENTED].color
    assert float(outline.get("stroke-width", "1")) >= 3

    undocumented_links = groups(svg, "edge", "undocumented")
    assert len(undocumented_links) == 2
    for edge in undocumented_links:
        assert shape_of(edge).get("stroke") == STYLES[ItemState.UNDOCUMENTED].color
        assert shape_of(edge).get("stroke-dasharray") is None

    # present in both views: drawn normally, solid
    both = groups(svg, "edge", "both")
    assert len(both) == 1
    assert shape_of(both[0]).get("stroke-dasharray") is None
    assert shape_of(both[0]).get("stroke") == STYLES[ItemState.BOTH].color
    assert {n for g in groups(svg, "node", "both") for n in texts_of(g).split()} >= {
        "rtr-dinkes", "sw-dinkes-01", "sw-dinkes-02"}  # fmt: skip


def test_compliant_picture_has_nothing_highlighted(report: Path) -> None:
    svg = inline_svg((report / "skpd" / "disdik.html").read_text(encoding="utf-8"))
    states = {cls for g in svg.iter(f"{SVG_NS}g") for cls in g.get("class", "").split()}
    assert "both" in states
    assert not states & {"missing", "undocumented", "unreachable"}


def test_unreachable_device_is_drawn_and_listed(report: Path) -> None:
    html = (report / "skpd" / "bappeda.html").read_text(encoding="utf-8")
    svg = inline_svg(html)
    assert [texts_of(g) for g in groups(svg, "node", "unreachable")] == ["sw-bappeda-01"]
    assert "SSH timeout after 10 s" in html


def test_findings_table_names_article_and_action(report: Path) -> None:
    html = (report / "skpd" / "dinkes.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr data-kind="(\w+)" data-severity="(\w+)">(.*?)</tr>', html, re.DOTALL)
    assert [kind for kind, _, _ in rows] == [
        "undocumented_device",
        "missing_link",
        "undocumented_link",
        "undocumented_link",
        "change_not_reported",
        "ip_mismatch",
    ]  # fmt: skip  (worst severity first)
    missing = next(body for kind, _, body in rows if kind == "missing_link")
    for cell in ("LAN-003", "Tinggi", "sw-dinkes-01", "ether24", "sw-dinkes-02 ether1", "Pasal 20 ayat (2)",
                 "Sambungan di diagram tidak ditemukan di jaringan"):  # fmt: skip
        assert cell in missing
    ip = next(body for kind, _, body in rows if kind == "ip_mismatch")
    assert "10.20.4.2" in ip and "10.20.4.12" in ip
    no_diagram = (report / "skpd" / "bappeda.html").read_text(encoding="utf-8")
    assert "Pasal 20 ayat (1) jo. Pasal 46" in no_diagram
    assert "serahkan ke Dinas Kominfo" in no_diagram


EXTERNAL = re.compile(r"""(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_html_is_self_contained(report: Path) -> None:
    pages = [report / "index.html", *sorted((report / "skpd").glob("*.html"))]
    assert len(pages) == 4
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not EXTERNAL.search(html), page
        assert "<script" not in html.lower()
        assert "<link" not in html.lower()
        assert "@import" not in html and "url(" not in html
        assert "<!DOCTYPE svg" not in html  # graphviz's DOCTYPE names a URL: stripped
        # internal links point at files of the report
        for target in re.findall(r'href="([^"]+)"', html):
            assert (page.parent / target).is_file(), (page, target)


def test_indonesian_by_default_english_on_request(tmp_path: Path, run: AuditRun) -> None:
    write_report(run, tmp_path / "id")
    write_report(run, tmp_path / "en", lang="en")
    id_index = (tmp_path / "id" / "index.html").read_text(encoding="utf-8")
    en_index = (tmp_path / "en" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="id">' in id_index and '<html lang="en">' in en_index
    for word in ("Patuh", "Ada temuan", "Tanpa diagram", "Diagram kedaluwarsa", "Ringkasan"):
        assert word in id_index and word not in en_index
    for word in ("Compliant", "Findings", "No diagram", "Stale diagram", "Summary"):
        assert word in en_index
    en_rows = index_rows(en_index)
    assert en_rows["bappeda"]["badge"] == "No diagram"
    en_page = (tmp_path / "en" / "skpd" / "dinkes.html").read_text(encoding="utf-8")
    assert "A link in the diagram was not found in the network" in en_page
    assert "Perbarui" not in en_page
    assert json.loads((tmp_path / "en" / "report.json").read_text())["lang"] == "en"
    assert "# SKPD LAN audit report" in (tmp_path / "en" / "report.md").read_text(encoding="utf-8")
    # the run's own language is the default
    write_report(build_run(lang="en"), tmp_path / "run-en")
    assert '<html lang="en">' in (tmp_path / "run-en" / "index.html").read_text(encoding="utf-8")


def test_unknown_language_is_a_bad_input(tmp_path: Path, run: AuditRun) -> None:
    with pytest.raises(InputError) as err:
        write_report(run, tmp_path / "x", lang="fr")
    assert err.value.field == "--lang" and "id or en" in (err.value.hint or "")


EVIL = '<script>alert("x")</script>'


def test_names_cannot_inject_html(tmp_path: Path) -> None:
    evil_dev = TopoDevice(name=EVIL, model="<b>bold</b>", mgmt_ip="10.20.9.9")
    diagram = Topology(devices=(TopoDevice(name="rtr-x"),))
    live = Topology(view=View.LIVE, devices=(TopoDevice(name="rtr-x"), evil_dev),
                    links=(TopoLink(a=LinkEnd(device="rtr-x", port='ether2"><img src=x>'),
                                    b=LinkEnd(device=EVIL, port="eth0")),))  # fmt: skip
    skpd = SkpdAudit(
        slug="x", name='SKPD <img src="http://evil.example/x.png">', mandiri_tik=False,
        diagram=diagram, live=live,
        findings=(Finding(kind=FindingKind.UNDOCUMENTED_DEVICE, severity=Severity.HIGH, device=EVIL,
                          actual="<i>x</i> | y"),),
    )  # fmt: skip
    run = AuditRun(regency="Kabupaten <Uji>", generated_at=GENERATED, skpds=(skpd,))
    files = write_report(run, tmp_path / "r")
    for page in (files.index, files.skpd_pages["x"]):
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower()
        assert "<img" not in html.lower() and "<b>bold" not in html and "<i>x" not in html
        assert not EXTERNAL.search(html)
    page_html = files.skpd_pages["x"].read_text(encoding="utf-8")
    assert "&lt;script&gt;" in page_html  # shown as text, in the table and in the picture
    svg = inline_svg(page_html)  # still well-formed XML
    assert any(EVIL in texts_of(g) for g in groups(svg, "node", "undocumented"))
    md = files.markdown.read_text(encoding="utf-8")
    assert "<script" not in md and "<img" not in md
    assert "&lt;i&gt;x&lt;/i&gt; \\| y" in md  # a pipe cannot break the Markdown table
    assert json.loads(files.json.read_text())["skpds"][0]["findings"][0]["device"] == EVIL


def test_report_json_round_trips_to_the_same_summary(report: Path, run: AuditRun) -> None:
    doc = json.loads((report / "report.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "simpul.lan-audit-report/1"
    assert {s["slug"]: s["status"] for s in doc["skpds"]} == {
        "disdik": "compliant", "dinkes": "findings", "bappeda": "no_diagram"}  # fmt: skip
    assert doc["summary"]["by_status"] == {"compliant": 1, "findings": 1, "no_diagram": 1, "stale": 0}
    assert doc["summary"]["by_severity"]["high"] == 3
    assert doc["summary"]["by_kind"]["undocumented_link"] == 2
    assert all(f["article"] and f["code"] for s in doc["skpds"] for f in s["findings"])

    back, recorded = read_report_json(report / "report.json")
    assert recorded == summarise(run)
    assert summarise(back) == summarise(run)
    assert [s.status for s in back.skpds] == [s.status for s in run.skpds]
    assert back.skpds[1].live == run.skpds[1].live
    assert back.generated_at == run.generated_at


def test_a_foreign_json_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "report.json"
    bad.write_text('{"schema": "something-else/9"}')
    with pytest.raises(InputError) as err:
        read_report_json(bad)
    assert err.value.source == str(bad) and err.value.field == "schema"


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [(Severity.INFO, 1), (Severity.LOW, 1), (Severity.MEDIUM, 1), (Severity.HIGH, 1), (Severity.CRITICAL, 0)],
)
def test_exit_code_follows_fail_on(run: AuditRun, fail_on: Severity, code: int) -> None:
    assert exit_code(run, fail_on) == code


def test_exit_code_zero_when_only_low_findings() -> None:
    low = SkpdAudit(slug="a", name="A", mandiri_tik=True, diagram=Topology(),
                    findings=(Finding(kind=FindingKind.MODEL_MISMATCH, severity=Severity.LOW),))  # fmt: skip
    run = AuditRun(regency="R", generated_at=GENERATED, skpds=(low,))
    assert exit_code(run, Severity.MEDIUM) == 0
    assert exit_code(run, Severity.LOW) == 1
    assert summarise(run.model_copy(update={"fail_on": Severity.MEDIUM})).exit_code == 0


def test_stale_diagram_status_is_shown(tmp_path: Path) -> None:
    stale = SkpdAudit(
        slug="dishub", name="Dinas Perhubungan", mandiri_tik=True, diagram=Topology(skpd="dishub"),
        findings=(Finding(kind=FindingKind.DIAGRAM_STALE, severity=Severity.MEDIUM, expected="<= 365 hari",
                          actual="500 hari"),),
    )  # fmt: skip
    run = AuditRun(regency="R", generated_at=GENERATED, skpds=(stale,))
    assert run.skpds[0].status is AuditStatus.STALE
    files = write_report(run, tmp_path / "r")
    rows = index_rows(files.index.read_text(encoding="utf-8"))
    assert rows["dishub"] == {"status": "stale", "badge": "Diagram kedaluwarsa", "href": "skpd/dishub.html"}
    page = files.skpd_pages["dishub"].read_text(encoding="utf-8")
    assert "Tidak ada perangkat untuk digambar." in page  # empty diagram: no picture, no graphviz run
    assert "Pasal 20 ayat (1)" in page


def test_missing_graphviz_is_a_clear_error(
    tmp_path: Path, run: AuditRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # a real PATH without graphviz, not a mock
    with pytest.raises(ReportError) as err:
        write_report(run, tmp_path / "r")
    assert "graphviz" in err.value.message
    assert "apt-get install graphviz" in (err.value.hint or "")
    assert err.value.exit_code == 2
    assert not (tmp_path / "r" / "index.html").exists()


def test_report_markdown_matches_golden(report: Path) -> None:
    golden = GOLDEN / "report.md"
    text = (report / "report.md").read_text(encoding="utf-8")
    if REGEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), (
        "regenerate with SIMPUL_REGEN_GOLDEN=1 and review the diff"
    )


def test_duplicate_slug_and_unsafe_slug_are_refused() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        AuditRun(regency="R", generated_at=GENERATED,
                 skpds=(SkpdAudit(slug="a", name="A", mandiri_tik=True),
                        SkpdAudit(slug="a", name="B", mandiri_tik=True)))  # fmt: skip
    with pytest.raises(ValueError, match="slug"):
        SkpdAudit(slug="../etc", name="x", mandiri_tik=True)


def test_skpd_not_mandiri_tik_owes_no_diagram(tmp_path: Path) -> None:
    vps_only = SkpdAudit(slug="dpmptsp", name="DPMPTSP", mandiri_tik=False)
    run = AuditRun(regency="R", generated_at=GENERATED, skpds=(vps_only,))
    assert vps_only.status is AuditStatus.COMPLIANT
    files = write_report(run, tmp_path / "r")
    assert index_rows(files.index.read_text(encoding="utf-8"))["dpmptsp"]["status"] == "compliant"
    assert "Belum ada diagram" in files.skpd_pages["dpmptsp"].read_text(encoding="utf-8")
