"""The LAN audit report for the Dinas Kominfo: HTML (one page per SKPD, with its LAN picture), JSON, Markdown.

``write_report(run, out_dir, lang)`` is the entry point; graphviz's ``dot`` must be on PATH.
"""

from __future__ import annotations

from simpul.errors import ReportError
from simpul.report.render import ReportFiles, read_report_json, report_document, write_report

__all__ = ["ReportError", "ReportFiles", "read_report_json", "report_document", "write_report"]
