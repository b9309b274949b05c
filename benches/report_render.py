"""Benchmark: render the nightly report for the demo regency's size over a year of history.

    .venv/bin/python benches/report_render.py [--skpd 38] [--days 365] [--repeat 3] [--no-pdf]

Set-up (not timed): a real history store (SQLite, in a temporary directory) filled with one nightly
run a day for ``--days`` days, rows exactly as simpul.core.obligations fixes them: every SKPD x every
SKPD obligation of the regulatory map (13 of them, states drifting over the year: met, not met, not
checked, not applicable), two regency-wide obligations, and findings that open and resolve (about 3
open per SKPD at any time, each written open or resolved on every run), plus evidence links.

Timed: ``simpul.services.report.render_nightly`` end to end: read the store, build the model, write
index.html, one page per SKPD, report.json and (unless ``--no-pdf``) summary.pdf. Printed (JSON): rows
in the store, median/min wall time and
median CPU time of a render, the same without the PDF, peak RSS of the process, bytes written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SKPD_OBLIGATIONS = (
    ("14.5", "Pasal 14 ayat (5)"),
    ("14.8", "Pasal 14 ayat (8)"),
    ("16.1", "Pasal 16 ayat (1)"),
    ("16.2", "Pasal 16 ayat (2)"),
    ("17", "Pasal 17"),
    ("18.2", "Pasal 18 ayat (2)"),
    ("18.3", "Pasal 18 ayat (3)"),
    ("19.2", "Pasal 19 ayat (2)"),
    ("20.1", "Pasal 20 ayat (1)"),
    ("20.2", "Pasal 20 ayat (2)"),
    ("kominfo.bandwidth", "Panduan Kominfo: bandwidth"),
    ("kominfo.uplink", "Panduan Kominfo: uplink"),
    ("kominfo.continuity.skpd", "Panduan Kominfo: kelangsungan"),
)
REGENCY_OBLIGATIONS = (("kominfo.capacity", "Panduan Kominfo: kapasitas"), ("44", "Pasal 44"))


def obligations() -> tuple[Any, ...]:
    from simpul.core.obligations import Obligation

    def make(id_: str, article: str, scope: str) -> Obligation:
        return Obligation(
            id_,
            "Perbup Sekadau 19/2021",
            article,
            {"id": f"kewajiban {article}", "en": f"obligation {article}"},
            None if id_ == "20.1" else f"check_{id_}",
            {"id": "bukti", "en": "evidence"},
            scope,  # type: ignore[arg-type]
        )

    return tuple(make(i, a, "skpd") for i, a in SKPD_OBLIGATIONS) + tuple(
        make(i, a, "regency") for i, a in REGENCY_OBLIGATIONS
    )


def fill(store: Any, skpds: int, days: int, now: dt.datetime) -> int:
    from simpul.core.obligations import REGENCY, ObligationResult, State, check_of, subject_of
    from simpul.store.history import Row

    rng = random.Random(14)
    names = {f"skpd{i:02d}": f"Dinas Nomor {i:02d}" for i in range(skpds)}
    states: dict[tuple[str, str], State] = {}
    findings: dict[tuple[str, str], str] = {}
    rows_total = 0
    for day in range(days):
        time_ = now - dt.timedelta(days=days - day)
        rows = []
        for slug in [*names, REGENCY]:
            obs = REGENCY_OBLIGATIONS if slug == REGENCY else SKPD_OBLIGATIONS
            for ob, _ in obs:
                key = (slug, ob)
                if ob == "20.1":
                    state = State.NOT_CHECKED
                elif ob == "14.8" and slug.endswith("7"):
                    state = State.NOT_APPLICABLE
                elif key not in states or rng.random() < 0.04:
                    state = rng.choice([State.MET, State.MET, State.MET, State.NOT_MET, State.NOT_CHECKED])
                else:
                    state = states[key]
                states[key] = state
                result = ObligationResult(
                    ob,
                    slug,
                    state,
                    evidence={"id": f"bukti {ob}: {state.value}", "en": f"evidence {ob}: {state.value}"},
                    links=(f"evidence/{slug}/{ob}.txt",),
                    facts={"day": day},
                )
                rows.append(Row(subject_of(slug), check_of(ob), state.value, result.detail()))
            if slug == REGENCY:
                continue
            for n in range(6):  # six finding slots per SKPD, each open about half the time
                key = (slug, f"{slug}-{n}")
                if key not in findings or rng.random() < 0.05:
                    findings[key] = "open" if rng.random() < 0.5 else "resolved"
                detail = {
                    "code": f"LAN-00{n}",
                    "severity": ("high", "medium", "low")[n % 3],
                    "pasal": "Pasal 20 ayat (2)",
                    "text": {"id": f"temuan {n}", "en": f"finding {n}"},
                }
                rows.append(Row(subject_of(slug), f"finding:{key[1]}", findings[key], detail))
        detail = {"stages": {"backup": {"status": "ok"}}, "skpd_names": names, "regency": "Kabupaten Sekadau"}
        store.record(rows, time_, kind="nightly", detail=detail)
        rows_total += len(rows)
    return rows_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skpd", type=int, default=38)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()

    from simpul.services.intended import history_store
    from simpul.services.report import RenderRequest, render_nightly
    from simpul.settings import load_settings

    now = dt.datetime.now(dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(env={"SIMPUL_STATE_DIR": str(Path(tmp) / "state")}, settings_file=False)
        started = time.perf_counter()
        rows = fill(history_store(settings), args.skpd, args.days, now)
        fill_s = time.perf_counter() - started
        obs = obligations()
        walls, cpus, no_pdf = [], [], []
        out = Path(tmp) / "report"
        for _ in range(args.repeat):
            started, cpu = time.perf_counter(), time.process_time()
            render_nightly(settings, RenderRequest(out, obs, now=now, pdf=not args.no_pdf))
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            started = time.perf_counter()
            render_nightly(settings, RenderRequest(out / "html-only", obs, now=now, pdf=False))
            no_pdf.append(time.perf_counter() - started)
        written = sum(p.stat().st_size for p in out.rglob("*") if p.is_file() and "html-only" not in p.parts)
        print(
            json.dumps(
                {
                    "skpd": args.skpd,
                    "days": args.days,
                    "rows": rows,
                    "fill_s": round(fill_s, 1),
                    "render_median_s": round(statistics.median(walls), 2),
                    "render_min_s": round(min(walls), 2),
                    "render_cpu_median_s": round(statistics.median(cpus), 2),
                    "render_without_pdf_median_s": round(statistics.median(no_pdf), 2),
                    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                    "bytes_written": written,
                    "pdf_bytes": (out / "summary.pdf").stat().st_size if not args.no_pdf else 0,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
