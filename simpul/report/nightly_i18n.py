"""Every word of the nightly report, in Bahasa Indonesia (default) and English, kept as data.

Like :mod:`simpul.report.i18n`: templates hold no prose, they look words up here through
:class:`NightlyTexts`, which also shows times in the regency's time zone (``WIB`` for Sekadau). A test
checks that both languages carry the same keys.

Examples:
    >>> import datetime as dt, zoneinfo
    >>> t = nightly_texts("id", zoneinfo.ZoneInfo("Asia/Jakarta"))
    >>> t.state("not_checked"), nightly_texts("en", t.tz).state("not_checked")
    ('Belum diperiksa', 'Not checked')
    >>> t.datetime(dt.datetime(2026, 11, 27, 19, 30, tzinfo=dt.UTC))
    '28 November 2026 02.30 WIB'
    >>> t.pick({"id": "cadangan ada", "en": "backup present"}), t.pick({"en": "only English"})
    ('cadangan ada', 'only English')
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass

from simpul.core.audit import Lang
from simpul.core.obligations import State
from simpul.errors import SettingsError
from simpul.report.i18n import MONTHS, check_lang

UI: dict[Lang, dict[str, str]] = {
    "id": {
        "title": "Laporan kepatuhan infrastruktur SPBE",
        "subtitle": "Kewajiban infrastruktur Peraturan Bupati per SKPD, dari pemeriksaan malam hari",
        "summary_title": "Ringkasan untuk Bupati",
        "generated": "Dibuat",
        "last_run": "Pemeriksaan terakhir",
        "previous_run": "Pemeriksaan sebelumnya",
        "runs_total": "Jumlah pemeriksaan tersimpan",
        "regency": "Pemerintah Daerah",
        "score_heading": "Nilai kabupaten",
        "score_regency": "Kewajiban terpenuhi (seluruh kabupaten)",
        "skpd_total": "SKPD",
        "skpd_all_met": "SKPD memenuhi semua kewajiban",
        "not_met_total": "Kewajiban belum terpenuhi",
        "not_checked_total": "Kewajiban belum diperiksa",
        "scorecard_heading": "Kartu nilai: kewajiban per SKPD",
        "scorecard_help": (
            "Setiap sel: keadaan satu kewajiban untuk satu SKPD pada pemeriksaan terakhir. "
            "Belum diperiksa tidak pernah dihitung sebagai terpenuhi."
        ),
        "regency_heading": "Kewajiban tingkat kabupaten",
        "trend_heading": "Perkembangan",
        "trend_help": "Persentase kewajiban terpenuhi pada setiap pemeriksaan malam hari.",
        "trend_days": "{days} hari terakhir",
        "trend_empty": "Belum ada pemeriksaan dalam rentang ini.",
        "trend_axis": "% terpenuhi",
        "checks": "{n} pemeriksaan",
        "of": "{met} dari {applicable}",
        "changes_heading": "Perubahan sejak pemeriksaan sebelumnya",
        "changes_first_run": "Ini pemeriksaan pertama: belum ada pembanding.",
        "changes_none": "Tidak ada perubahan keadaan kewajiban.",
        "changes_obligations": "Kewajiban yang berubah keadaan",
        "findings_opened": "Temuan baru",
        "findings_resolved": "Temuan selesai",
        "findings_none": "Tidak ada.",
        "articles_heading": "Pasal yang dirujuk",
        "stages_heading": "Tahap pemeriksaan terakhir",
        "col_skpd": "SKPD",
        "col_score": "Terpenuhi",
        "col_obligation": "Kewajiban",
        "col_article": "Pasal",
        "col_requirement": "Yang diwajibkan",
        "col_check": "Pemeriksaan",
        "col_evidence_kind": "Bukti yang ditampilkan",
        "col_state": "Keadaan",
        "col_since": "Sejak",
        "col_evidence": "Bukti",
        "col_before": "Sebelumnya",
        "col_after": "Sekarang",
        "col_code": "Kode",
        "col_severity": "Tingkat",
        "col_finding": "Temuan",
        "col_first_seen": "Pertama terlihat",
        "col_last_seen": "Terakhir terlihat",
        "col_resolved": "Selesai",
        "col_stage": "Tahap",
        "col_status": "Status",
        "col_seconds": "Durasi (detik)",
        "col_failures": "Kegagalan",
        "col_message": "Keterangan",
        "no_check": "belum ada pemeriksaan",
        "none": "—",
        "back": "Kembali ke ringkasan",
        "open_findings": "Temuan terbuka",
        "resolved_findings": "Temuan yang sudah selesai",
        "no_open_findings": "Tidak ada temuan terbuka.",
        "no_resolved_findings": "Belum ada temuan yang selesai.",
        "obligations_heading": "Kewajiban",
        "skpd_trend_heading": "Perkembangan SKPD ini",
        "link_missing": "berkas tidak ada",
        "regency_subject": "Kabupaten",
        "legend_heading": "Keterangan",
        "states_help": "Arti keadaan",
        "pdf_link": "Ringkasan PDF untuk dicetak",
        "json_link": "Data JSON",
        "source": "Sumber",
    },
    "en": {
        "title": "SPBE infrastructure compliance report",
        "subtitle": "The Regent Regulation's infrastructure obligations per SKPD, from the nightly checks",
        "summary_title": "Summary for the Regent",
        "generated": "Generated",
        "last_run": "Last check",
        "previous_run": "Previous check",
        "runs_total": "Checks stored",
        "regency": "Regional government",
        "score_heading": "Regency score",
        "score_regency": "Obligations met (whole regency)",
        "skpd_total": "SKPD",
        "skpd_all_met": "SKPD meeting every obligation",
        "not_met_total": "Obligations not met",
        "not_checked_total": "Obligations not checked",
        "scorecard_heading": "Scorecard: obligations per SKPD",
        "scorecard_help": (
            "Each cell: where one obligation stands for one SKPD at the last check. "
            "Not checked never counts as met."
        ),
        "regency_heading": "Regency-wide obligations",
        "trend_heading": "Trend",
        "trend_help": "Share of obligations met at each nightly check.",
        "trend_days": "last {days} days",
        "trend_empty": "No check in this period yet.",
        "trend_axis": "% met",
        "checks": "{n} checks",
        "of": "{met} of {applicable}",
        "changes_heading": "What changed since the previous check",
        "changes_first_run": "This is the first check: nothing to compare with yet.",
        "changes_none": "No obligation changed state.",
        "changes_obligations": "Obligations that changed state",
        "findings_opened": "New findings",
        "findings_resolved": "Resolved findings",
        "findings_none": "None.",
        "articles_heading": "Articles cited",
        "stages_heading": "Stages of the last check",
        "col_skpd": "SKPD",
        "col_score": "Met",
        "col_obligation": "Obligation",
        "col_article": "Article",
        "col_requirement": "What it requires",
        "col_check": "Check",
        "col_evidence_kind": "Evidence shown",
        "col_state": "State",
        "col_since": "Since",
        "col_evidence": "Evidence",
        "col_before": "Before",
        "col_after": "Now",
        "col_code": "Code",
        "col_severity": "Severity",
        "col_finding": "Finding",
        "col_first_seen": "First seen",
        "col_last_seen": "Last seen",
        "col_resolved": "Resolved",
        "col_stage": "Stage",
        "col_status": "Status",
        "col_seconds": "Duration (s)",
        "col_failures": "Failures",
        "col_message": "Message",
        "no_check": "no check yet",
        "none": "—",
        "back": "Back to the summary",
        "open_findings": "Open findings",
        "resolved_findings": "Resolved findings",
        "no_open_findings": "No open findings.",
        "no_resolved_findings": "No finding resolved yet.",
        "obligations_heading": "Obligations",
        "skpd_trend_heading": "This SKPD's trend",
        "link_missing": "file missing",
        "regency_subject": "Regency",
        "legend_heading": "Legend",
        "states_help": "What the states mean",
        "pdf_link": "Printable PDF summary",
        "json_link": "JSON data",
        "source": "Source",
    },
}

# (short word shown in a cell, what it means)
STATE: dict[Lang, dict[State, tuple[str, str]]] = {
    "id": {
        State.MET: ("Terpenuhi", "Pemeriksaan terakhir membuktikan kewajiban terpenuhi."),
        State.NOT_MET: ("Belum terpenuhi", "Pemeriksaan terakhir menemukan kewajiban belum terpenuhi."),
        State.NOT_CHECKED: (
            "Belum diperiksa",
            "Belum ada pemeriksaan, atau tahapnya gagal, dilewati atau kekurangan data: tidak diketahui.",
        ),
        State.NOT_APPLICABLE: ("Tidak berlaku", "Kewajiban ini tidak berlaku bagi SKPD ini."),
    },
    "en": {
        State.MET: ("Met", "The last check proved the obligation met."),
        State.NOT_MET: ("Not met", "The last check found the obligation not met."),
        State.NOT_CHECKED: (
            "Not checked",
            "No check yet, or its stage failed, was skipped or lacked input: unknown.",
        ),
        State.NOT_APPLICABLE: ("N/A", "The obligation does not apply to this SKPD."),
    },
}

# a nightly stage's status (simpul.core.nightly.StageStatus); an unknown one is shown as given
STAGE: dict[Lang, dict[str, str]] = {
    "id": {"ok": "Berhasil", "failed": "Gagal", "skipped": "Dilewati", "no_input": "Tanpa masukan"},
    "en": {"ok": "OK", "failed": "Failed", "skipped": "Skipped", "no_input": "No input"},
}

SEVERITY: dict[Lang, dict[str, str]] = {
    "id": {"critical": "Kritis", "high": "Tinggi", "medium": "Sedang", "low": "Rendah", "info": "Info"},
    "en": {"critical": "Critical", "high": "High", "medium": "Medium", "low": "Low", "info": "Info"},
}

TABLES = (UI, STATE, STAGE, SEVERITY)


def timezone(name: str) -> zoneinfo.ZoneInfo:
    """The regency's time zone from the ``timezone`` setting; an unknown name is a settings error.

    >>> timezone("Asia/Pontianak").key
    'Asia/Pontianak'
    >>> timezone("Asia/Sekadau")
    Traceback (most recent call last):
    ...
    simpul.errors.SettingsError: unknown time zone 'Asia/Sekadau'
    """
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"unknown time zone {name!r}",
            field="timezone",
            hint="set SIMPUL_TIMEZONE to an IANA name, e.g. Asia/Jakarta (WIB)",
        ) from None


@dataclass(frozen=True)
class NightlyTexts:
    """The words of one language, with the lookups templates use; times shown in ``tz``."""

    lang: Lang
    tz: dt.tzinfo

    def __call__(self, key: str, **values: object) -> str:
        text = UI[self.lang][key]
        return text.format(**values) if values else text

    def state(self, state: State | str) -> str:
        return STATE[self.lang][State(state)][0]

    def state_help(self, state: State | str) -> str:
        return STATE[self.lang][State(state)][1]

    def stage(self, status: object) -> str:
        return STAGE[self.lang].get(str(status), str(status)) if status else UI[self.lang]["none"]

    def severity(self, severity: str | None) -> str:
        if not severity:
            return UI[self.lang]["none"]
        return SEVERITY[self.lang].get(severity, severity)

    def pick(self, texts: Mapping[str, str] | None) -> str:
        """A text given per language: this language's, else the other's, else nothing."""
        if not texts:
            return ""
        return texts.get(self.lang) or next((v for v in texts.values() if v), "")

    def local(self, value: dt.datetime) -> dt.datetime:
        return value.astimezone(self.tz)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return UI[self.lang]["none"]
        if isinstance(value, dt.datetime):
            value = self.local(value).date()
        return f"{value.day} {MONTHS[self.lang][value.month - 1]} {value.year}"

    def short_date(self, value: dt.datetime) -> str:
        """``28 Nov 2026`` for chart axes."""
        local = self.local(value)
        return f"{local.day} {MONTHS[self.lang][local.month - 1][:3]} {local.year}"

    def datetime(self, value: dt.datetime | None) -> str:
        """``28 November 2026 02.30 WIB`` (``02:30`` in English), in the regency's time zone."""
        if value is None:
            return UI[self.lang]["none"]
        local = self.local(value)
        clock = local.strftime("%H:%M") if self.lang == "en" else local.strftime("%H.%M")
        return f"{self.date(local.date())} {clock} {local.tzname()}"


def nightly_texts(lang: str, tz: dt.tzinfo) -> NightlyTexts:
    return NightlyTexts(check_lang(lang), tz)
