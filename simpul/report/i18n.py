"""Every word the report shows, in Bahasa Indonesia (default) and English, kept as data.

Templates never hold prose: they look words up here through ``Texts``. A test checks that both
languages carry the same keys, so adding a string in one language and forgetting the other fails CI.

Examples:
    >>> t = texts("id")
    >>> t.status("no_diagram"), texts("en").status("no_diagram")
    ('Tanpa diagram', 'No diagram')
    >>> t.date(dt.date(2026, 11, 22))
    '22 November 2026'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from simpul.core.audit import LANGS, AuditStatus, ItemState, Lang
from simpul.core.findings import FindingKind, Severity
from simpul.errors import InputError

UI: dict[Lang, dict[str, str]] = {
    "id": {
        "title": "Laporan audit LAN SKPD",
        "subtitle": "Kesesuaian LAN setiap SKPD dengan diagram yang diserahkan",
        "generated": "Dibuat",
        "regency": "Pemerintah Daerah",
        "articles_heading": "Dasar audit (Peraturan Bupati)",
        "summary_heading": "Ringkasan",
        "skpd_total": "SKPD diaudit",
        "findings_total": "Temuan",
        "severity_heading": "Temuan per tingkat",
        "kind_heading": "Temuan per jenis",
        "table_heading": "Daftar SKPD",
        "col_skpd": "SKPD",
        "col_slug": "Kode",
        "col_mandiri": "Mandiri TIK",
        "col_status": "Status",
        "col_findings": "Temuan",
        "col_worst": "Tingkat tertinggi",
        "col_diagram_date": "Tanggal diagram",
        "col_collected": "Data jaringan diambil",
        "col_code": "Kode",
        "col_severity": "Tingkat",
        "col_kind": "Temuan",
        "col_device": "Perangkat",
        "col_port": "Port",
        "col_peer": "Perangkat lawan",
        "col_expected": "Di diagram",
        "col_actual": "Di jaringan",
        "col_action": "Yang harus dilakukan",
        "col_article": "Pasal",
        "yes": "Ya",
        "no": "Tidak",
        "none": "—",
        "back": "Kembali ke ringkasan",
        "details_heading": "Data yang dibandingkan",
        "diagram": "Diagram yang diserahkan",
        "diagram_none": "Belum ada diagram",
        "netbox": "NetBox",
        "netbox_none": "Tidak dibaca",
        "live": "Keadaan jaringan",
        "live_none": "Tidak dikumpulkan",
        "devices": "perangkat",
        "links": "sambungan",
        "unreachable_heading": "Perangkat yang tidak dapat dihubungi",
        "picture_heading": "Gambar LAN",
        "picture_compares": "Gambar ini menggabungkan diagram yang diserahkan dan keadaan jaringan.",
        "picture_vs_netbox": (
            "Keadaan jaringan tidak dikumpulkan: gambar membandingkan diagram dengan NetBox."
        ),
        "picture_no_actual": "Keadaan jaringan tidak dikumpulkan: gambar hanya menampilkan diagram.",
        "picture_no_diagram": "Tidak ada diagram: semua yang tampak di jaringan belum terdokumentasi.",
        "picture_empty": "Tidak ada perangkat untuk digambar.",
        "legend_heading": "Keterangan",
        "findings_heading": "Temuan",
        "no_findings": "Tidak ada temuan. LAN sesuai dengan diagram yang diserahkan.",
        "fail_on": "Batas gagal (--fail-on)",
        "exit_code": "Kode keluar",
        "status_explained": "Arti status",
        "model": "Model",
        "ip": "IP",
        "live_prefix": "jaringan",
    },
    "en": {
        "title": "SKPD LAN audit report",
        "subtitle": "How each SKPD's LAN matches the diagram it submitted",
        "generated": "Generated",
        "regency": "Regional government",
        "articles_heading": "What the audit serves (Regent Regulation)",
        "summary_heading": "Summary",
        "skpd_total": "SKPD audited",
        "findings_total": "Findings",
        "severity_heading": "Findings per severity",
        "kind_heading": "Findings per kind",
        "table_heading": "SKPD",
        "col_skpd": "SKPD",
        "col_slug": "Slug",
        "col_mandiri": "Mandiri TIK",
        "col_status": "Status",
        "col_findings": "Findings",
        "col_worst": "Worst severity",
        "col_diagram_date": "Diagram date",
        "col_collected": "Network state collected",
        "col_code": "Code",
        "col_severity": "Severity",
        "col_kind": "Finding",
        "col_device": "Device",
        "col_port": "Port",
        "col_peer": "Peer",
        "col_expected": "In the diagram",
        "col_actual": "In the network",
        "col_action": "What to do",
        "col_article": "Article",
        "yes": "Yes",
        "no": "No",
        "none": "—",
        "back": "Back to the summary",
        "details_heading": "What was compared",
        "diagram": "Submitted diagram",
        "diagram_none": "No diagram yet",
        "netbox": "NetBox",
        "netbox_none": "Not read",
        "live": "Network state",
        "live_none": "Not collected",
        "devices": "devices",
        "links": "links",
        "unreachable_heading": "Devices that could not be reached",
        "picture_heading": "LAN picture",
        "picture_compares": "This picture merges the submitted diagram and the state of the network.",
        "picture_vs_netbox": (
            "The network state was not collected: the picture compares the diagram with NetBox."
        ),
        "picture_no_actual": "The network state was not collected: the picture shows the diagram only.",
        "picture_no_diagram": "No diagram: everything seen in the network is undocumented.",
        "picture_empty": "No device to draw.",
        "legend_heading": "Legend",
        "findings_heading": "Findings",
        "no_findings": "No findings. The LAN matches the submitted diagram.",
        "fail_on": "Fail threshold (--fail-on)",
        "exit_code": "Exit code",
        "status_explained": "What the statuses mean",
        "model": "Model",
        "ip": "IP",
        "live_prefix": "network",
    },
}

STATUS: dict[Lang, dict[AuditStatus, tuple[str, str]]] = {
    "id": {
        AuditStatus.COMPLIANT: ("Patuh", "LAN sesuai dengan diagram yang diserahkan; tidak ada temuan."),
        AuditStatus.FINDINGS: (
            "Ada temuan",
            "LAN berbeda dari diagram, atau ada perangkat yang tidak dapat diperiksa.",
        ),
        AuditStatus.NO_DIAGRAM: ("Tanpa diagram", "SKPD belum menyerahkan diagram LAN."),
        AuditStatus.STALE: (
            "Diagram kedaluwarsa",
            "Diagram terakhir lebih tua dari 365 hari (Pasal 20 ayat (1)).",
        ),
    },
    "en": {
        AuditStatus.COMPLIANT: ("Compliant", "The LAN matches the submitted diagram; no findings."),
        AuditStatus.FINDINGS: (
            "Findings",
            "The LAN differs from the diagram, or a device could not be inspected.",
        ),
        AuditStatus.NO_DIAGRAM: ("No diagram", "The SKPD has not submitted a LAN diagram."),
        AuditStatus.STALE: ("Stale diagram", "The last diagram is older than 365 days (Pasal 20 ayat (1))."),
    },
}

SEVERITY: dict[Lang, dict[Severity, str]] = {
    "id": {
        Severity.CRITICAL: "Kritis",
        Severity.HIGH: "Tinggi",
        Severity.MEDIUM: "Sedang",
        Severity.LOW: "Rendah",
        Severity.INFO: "Info",
    },
    "en": {
        Severity.CRITICAL: "Critical",
        Severity.HIGH: "High",
        Severity.MEDIUM: "Medium",
        Severity.LOW: "Low",
        Severity.INFO: "Info",
    },
}

# (what was found, what to do)
KIND: dict[Lang, dict[FindingKind, tuple[str, str]]] = {
    "id": {
        FindingKind.MISSING_DEVICE: (
            "Perangkat di diagram tidak ditemukan di jaringan",
            "Periksa apakah perangkat masih terpasang; bila sudah dilepas, perbarui diagram LAN dan "
            "serahkan ke Dinas Kominfo.",
        ),
        FindingKind.UNDOCUMENTED_DEVICE: (
            "Perangkat di jaringan tidak ada di diagram",
            "Tambahkan perangkat ke diagram LAN dan serahkan ke Dinas Kominfo.",
        ),
        FindingKind.MISSING_LINK: (
            "Sambungan di diagram tidak ditemukan di jaringan",
            "Periksa kabel dan port; bila sambungan sengaja diubah, perbarui diagram LAN dan serahkan ke "
            "Dinas Kominfo.",
        ),
        FindingKind.UNDOCUMENTED_LINK: (
            "Sambungan di jaringan tidak ada di diagram",
            "Tambahkan sambungan ke diagram LAN dan serahkan ke Dinas Kominfo.",
        ),
        FindingKind.PORT_MISMATCH: (
            "Sambungan memakai port lain dari yang di diagram",
            "Pindahkan kabel ke port sesuai diagram, atau perbarui port di diagram LAN dan serahkan ke "
            "Dinas Kominfo.",
        ),
        FindingKind.VLAN_MISMATCH: (
            "VLAN berbeda dari diagram",
            "Sesuaikan konfigurasi VLAN dengan diagram, atau perbarui diagram LAN dan serahkan ke Dinas "
            "Kominfo.",
        ),
        FindingKind.SUBNET_MISMATCH: (
            "Subnet berbeda dari diagram",
            "Sesuaikan pengalamatan dengan diagram, atau perbarui diagram LAN dan serahkan ke Dinas Kominfo.",
        ),
        FindingKind.IP_MISMATCH: (
            "Alamat IP manajemen berbeda dari diagram",
            "Sesuaikan alamat IP perangkat, atau perbarui diagram LAN dan serahkan ke Dinas Kominfo.",
        ),
        FindingKind.MODEL_MISMATCH: (
            "Model perangkat berbeda dari diagram",
            "Perangkat mungkin telah diganti: perbarui model di diagram LAN dan serahkan ke Dinas Kominfo.",
        ),
        FindingKind.DIAGRAM_STALE: (
            "Diagram LAN lebih tua dari 365 hari",
            "Perbarui diagram LAN dan serahkan ke Dinas Kominfo (paling sedikit sekali setahun).",
        ),
        FindingKind.CHANGE_NOT_REPORTED: (
            "Jaringan berubah setelah tanggal diagram, tanpa diagram baru",
            "Laporkan perubahan: serahkan diagram LAN terbaru ke Dinas Kominfo.",
        ),
        FindingKind.DIAGRAM_MISSING: (
            "SKPD Mandiri TIK belum menyerahkan diagram LAN",
            "Buat diagram LAN (dapat dimulai dari hasil perintah simpul diagram export) dan serahkan ke "
            "Dinas Kominfo.",
        ),
        FindingKind.DEVICE_UNREACHABLE: (
            "Perangkat tidak dapat dihubungi saat audit",
            "Pastikan akses manajemen (SSH) ke perangkat terbuka agar Dinas Kominfo dapat memeriksa LAN.",
        ),
        FindingKind.NEIGHBOUR_DISCOVERY_OFF: (
            "Penemuan tetangga (LLDP/CDP) mati pada perangkat",
            "Aktifkan LLDP (mis. `lldp run` pada Cisco IOS) atau CDP agar Dinas Kominfo dapat memeriksa "
            "sambungan perangkat ini.",
        ),
        FindingKind.DIAGRAM_INCOMPLETE: (
            "Diagram LAN hanya terbaca sebagian: perbandingannya tidak lengkap",
            "Beri nama setiap perangkat (label atau teks di dekatnya) dan sambungkan kedua ujung setiap "
            "garis ke perangkat; periksa dengan simpul diagram check, lalu serahkan ulang ke Dinas Kominfo.",
        ),
    },
    "en": {
        FindingKind.MISSING_DEVICE: (
            "A device in the diagram was not found in the network",
            "Check whether the device is still installed; if it was removed, update the LAN diagram and "
            "submit it to the Dinas Kominfo.",
        ),
        FindingKind.UNDOCUMENTED_DEVICE: (
            "A device in the network is not in the diagram",
            "Add the device to the LAN diagram and submit it to the Dinas Kominfo.",
        ),
        FindingKind.MISSING_LINK: (
            "A link in the diagram was not found in the network",
            "Check the cable and ports; if the link was changed on purpose, update the LAN diagram and "
            "submit it to the Dinas Kominfo.",
        ),
        FindingKind.UNDOCUMENTED_LINK: (
            "A link in the network is not in the diagram",
            "Add the link to the LAN diagram and submit it to the Dinas Kominfo.",
        ),
        FindingKind.PORT_MISMATCH: (
            "A link uses other ports than the diagram says",
            "Move the cable to the ports in the diagram, or update the ports in the LAN diagram and submit "
            "it to the Dinas Kominfo.",
        ),
        FindingKind.VLAN_MISMATCH: (
            "VLANs differ from the diagram",
            "Align the VLAN configuration with the diagram, or update the LAN diagram and submit it to the "
            "Dinas Kominfo.",
        ),
        FindingKind.SUBNET_MISMATCH: (
            "Subnets differ from the diagram",
            "Align the addressing with the diagram, or update the LAN diagram and submit it to the Dinas "
            "Kominfo.",
        ),
        FindingKind.IP_MISMATCH: (
            "The management IP differs from the diagram",
            "Fix the device's address, or update the LAN diagram and submit it to the Dinas Kominfo.",
        ),
        FindingKind.MODEL_MISMATCH: (
            "The device model differs from the diagram",
            "The device may have been replaced: update its model in the LAN diagram and submit it to the "
            "Dinas Kominfo.",
        ),
        FindingKind.DIAGRAM_STALE: (
            "The LAN diagram is older than 365 days",
            "Update the LAN diagram and submit it to the Dinas Kominfo (at least once a year).",
        ),
        FindingKind.CHANGE_NOT_REPORTED: (
            "The network changed after the diagram's date and no newer diagram was submitted",
            "Report the change: submit the current LAN diagram to the Dinas Kominfo.",
        ),
        FindingKind.DIAGRAM_MISSING: (
            "An SKPD Mandiri TIK has not submitted a LAN diagram",
            "Draw the LAN diagram (the command simpul diagram export gives a starting point) and submit it "
            "to the Dinas Kominfo.",
        ),
        FindingKind.DEVICE_UNREACHABLE: (
            "The device could not be reached during the audit",
            "Open management access (SSH) to the device so the Dinas Kominfo can inspect the LAN.",
        ),
        FindingKind.NEIGHBOUR_DISCOVERY_OFF: (
            "Neighbour discovery (LLDP/CDP) is off on the device",
            "Turn LLDP on (e.g. `lldp run` on Cisco IOS) or CDP, so the Dinas Kominfo can check this "
            "device's links.",
        ),
        FindingKind.DIAGRAM_INCOMPLETE: (
            "The LAN diagram reads only in part: the comparison is incomplete",
            "Name every device (its label or a text next to it) and attach both ends of each line to a "
            "device; check it with simpul diagram check, then submit it again.",
        ),
    },
}

ARTICLE_TEXT: dict[Lang, dict[str, str]] = {
    "id": {
        "Pasal 19 ayat (2)": "Dinas Kominfo dapat memeriksa LAN setiap SKPD.",
        "Pasal 20 ayat (1)": (
            "SKPD Mandiri TIK menyerahkan diagram LAN terkini paling sedikit sekali setahun."
        ),
        "Pasal 20 ayat (2)": "Setiap perubahan LAN dilaporkan.",
        "Pasal 46": "SKPD Mandiri TIK mengelola TIK-nya sendiri dan tunduk pada kewajiban di atas.",
    },
    "en": {
        "Pasal 19 ayat (2)": "The Dinas Kominfo can inspect each SKPD's LAN.",
        "Pasal 20 ayat (1)": "Every SKPD Mandiri TIK submits its current LAN diagram at least once a year.",
        "Pasal 20 ayat (2)": "Every change to the LAN is reported.",
        "Pasal 46": "An SKPD Mandiri TIK runs its own IT and carries the duties above.",
    },
}

# Legend of the picture: one entry per item state.
LEGEND: dict[Lang, dict[ItemState, str]] = {
    "id": {
        ItemState.BOTH: "Ada di diagram dan di jaringan",
        ItemState.MISSING: "Ada di diagram, tidak ditemukan di jaringan (garis putus-putus merah)",
        ItemState.UNDOCUMENTED: "Ada di jaringan, tidak ada di diagram (oranye tebal)",
        ItemState.UNREACHABLE: "Perangkat tidak dapat dihubungi, keadaannya tak diketahui (abu-abu bertitik)",
        ItemState.UNVERIFIED: "Hanya satu sumber, belum dapat dibandingkan (abu-abu)",
    },
    "en": {
        ItemState.BOTH: "In the diagram and in the network",
        ItemState.MISSING: "In the diagram, not found in the network (dashed red)",
        ItemState.UNDOCUMENTED: "In the network, not in the diagram (bold orange)",
        ItemState.UNREACHABLE: "The device could not be reached, its state is unknown (dotted grey)",
        ItemState.UNVERIFIED: "One source only, nothing to compare with (grey)",
    },
}

MONTHS: dict[Lang, tuple[str, ...]] = {
    "id": (
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

TABLES = (UI, STATUS, SEVERITY, KIND, ARTICLE_TEXT, LEGEND, MONTHS)


def check_lang(lang: str) -> Lang:
    """Accept ``id`` or ``en``; anything else is a bad input naming the option.

    >>> check_lang("en")
    'en'
    >>> check_lang("fr")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: report language 'fr' is not supported
    """
    for known in LANGS:
        if lang == known:
            return known
    raise InputError(f"report language {lang!r} is not supported", field="--lang", hint="use id or en")


@dataclass(frozen=True)
class Texts:
    """The words of one language, with the lookups templates use."""

    lang: Lang

    def __call__(self, key: str) -> str:
        return UI[self.lang][key]

    def status(self, status: AuditStatus | str) -> str:
        return STATUS[self.lang][AuditStatus(status)][0]

    def status_help(self, status: AuditStatus | str) -> str:
        return STATUS[self.lang][AuditStatus(status)][1]

    def severity(self, severity: Severity | str | None) -> str:
        return UI[self.lang]["none"] if severity is None else SEVERITY[self.lang][Severity(severity)]

    def kind(self, kind: FindingKind | str) -> str:
        return KIND[self.lang][FindingKind(kind)][0]

    def action(self, kind: FindingKind | str) -> str:
        return KIND[self.lang][FindingKind(kind)][1]

    def article(self, article: str) -> str:
        return ARTICLE_TEXT[self.lang].get(article, "")

    def legend(self, state: ItemState | str) -> str:
        return LEGEND[self.lang][ItemState(state)]

    def yes_no(self, value: bool) -> str:
        return UI[self.lang]["yes" if value else "no"]

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return UI[self.lang]["none"]
        if self.lang == "en":
            return f"{value.day} {MONTHS['en'][value.month - 1]} {value.year}"
        return f"{value.day} {MONTHS['id'][value.month - 1]} {value.year}"

    def datetime(self, value: dt.datetime | None) -> str:
        """``22 November 2026 08:45 UTC``; a naive time is shown as given, without a zone."""
        if value is None:
            return UI[self.lang]["none"]
        zone = value.tzname()
        clock = value.strftime("%H:%M") if self.lang == "en" else value.strftime("%H.%M")
        return f"{self.date(value.date())} {clock}" + (f" {zone}" if zone else "")


def texts(lang: str) -> Texts:
    return Texts(check_lang(lang))
