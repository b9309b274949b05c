"""Benchmark: the LAN collect parsers on the corpus of device outputs, per platform.

    .venv/bin/python benches/parser_corpus.py [--json] [--public-only] [--verbose] [--parsers-from DIR]

The corpus is the parsers' directory-convention fixtures, ``tests/lan/parsers/<platform>/<step>/<case>/``:
``input.txt`` (a device's output) and what it must read, ``expected.json`` (every field) or
``expected_error.txt`` (the output cannot be read and must be refused, never half-read). A case with
a ``SOURCE`` file is a public real output (ntc-templates, napalm, lldpd, fakenos, or captured from
real lldpd here; source and licence in that file); the others were captured from simpul's own lab.

Printed per platform and in total: outputs, outputs parsed to exactly what they must read, expected
refusals that were refused, fields (the leaves of every expected JSON) read right against expected,
and each failure. Exit 1 if any output was misread.

``--parsers-from DIR``: measure another simpul tree's parsers on this corpus (e.g. an earlier commit
unpacked with ``git archive <commit> simpul nornir_tasks | tar -x -C DIR``), for a before/after; a
step that tree has no parser for counts as a failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "lan" / "parsers"
if "--parsers-from" in sys.argv:
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--parsers-from") + 1]).resolve()))
else:
    sys.path.insert(0, str(ROOT))

from simpul.devices.platforms import parser_registry  # noqa: E402
from simpul.parsers import ParseError  # noqa: E402


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every scalar of a JSON value with its path (``[0].remote_port``).

    >>> sorted(leaves({"a": [{"b": 1}, {"b": None}]}))
    [('.a[0].b', 1), ('.a[1].b', None)]
    """
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, f"{path}[{i}]")
    else:
        yield path, value


@dataclass
class Tally:
    outputs: int = 0
    public: int = 0
    exact: int = 0
    refusals_expected: int = 0
    refused: int = 0
    fields: int = 0
    fields_right: int = 0
    failures: list[str] = field(default_factory=list)


def run_case(case: Path, parse: Callable[[str], Any], tally: Tally, *, own_shape: bool = False) -> None:
    """One output against what it must read; ``own_shape``: leave out the fields whose name the
    parser never returns (an older parser measured on today's expectations)."""
    name = "/".join(case.relative_to(CORPUS).parts)
    text = (case / "input.txt").read_text()
    tally.outputs += 1
    tally.public += (case / "SOURCE").exists()
    error = case / "expected_error.txt"
    if error.exists():
        tally.refusals_expected += 1
        try:
            parse(text)
        except ParseError as err:
            if error.read_text().strip() in str(err):
                tally.refused += 1
                return
            tally.failures.append(f"{name}: refused for another reason: {err}")
            return
        tally.failures.append(f"{name}: read, but must be refused")
        return
    expected = dict(leaves(json.loads((case / "expected.json").read_text())))
    try:
        got = dict(leaves(json.loads(json.dumps(parse(text)))))
    except Exception as err:  # a parser that crashes misread the output: counted, not raised
        tally.fields += len(expected)
        tally.failures.append(f"{name}: not read: {err}")
        return
    if own_shape:
        names = {path.rsplit(".", 1)[-1] for path in got}
        expected = {p: v for p, v in expected.items() if p.rsplit(".", 1)[-1] in names}
    tally.fields += len(expected)
    right = sum(1 for path, value in expected.items() if path in got and got[path] == value)
    tally.fields_right += right
    extra = set(got) - set(expected)
    if right == len(expected) and not extra:
        tally.exact += 1
    else:
        wrong = [p for p, v in expected.items() if got.get(p, object()) != v]
        tally.failures.append(
            f"{name}: {len(wrong)} fields wrong ({', '.join(wrong[:3])}), {len(extra)} extra"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--public-only", action="store_true", help="only the public outputs (with SOURCE)")
    parser.add_argument("--verbose", action="store_true", help="list every failure")
    parser.add_argument("--parsers-from", metavar="DIR", help="the simpul tree whose parsers to measure")
    args = parser.parse_args()
    registry = parser_registry()
    tallies: dict[str, Tally] = {}
    started = time.perf_counter()
    for case in sorted(p.parent for p in CORPUS.glob("*/*/*/input.txt")):
        if args.public_only and not (case / "SOURCE").exists():
            continue
        platform, step = case.parent.parent.name, case.parent.name
        tally = tallies.setdefault(platform, Tally())
        if (platform, step) not in registry:
            tally.outputs += 1
            tally.public += (case / "SOURCE").exists()
            tally.failures.append(f"{platform}/{step}/{case.name}: no parser for this step")
            continue
        run_case(case, registry[(platform, step)][1], tally, own_shape=bool(args.parsers_from))
    elapsed = time.perf_counter() - started
    total = Tally()
    for t in tallies.values():
        for attr in ("outputs", "public", "exact", "refusals_expected", "refused", "fields", "fields_right"):
            setattr(total, attr, getattr(total, attr) + getattr(t, attr))
        total.failures += t.failures
    rows = {**tallies, "total": total}
    if args.json:
        print(json.dumps({k: {**vars(t), "failures": t.failures} for k, t in rows.items()}, indent=2))
    else:
        print(
            f"{'platform':<18}{'outputs':>8}{'public':>8}{'parsed':>8}{'refused':>9}{'fields':>15}{'failures':>10}"
        )
        for name, t in rows.items():
            parsed = f"{t.exact}/{t.outputs - t.refusals_expected}"
            refused = f"{t.refused}/{t.refusals_expected}"
            fields = f"{t.fields_right}/{t.fields}"
            print(
                f"{name:<18}{t.outputs:>8}{t.public:>8}{parsed:>8}{refused:>9}{fields:>15}{len(t.failures):>10}"
            )
        print(f"({elapsed * 1000:.0f} ms for {total.outputs} outputs)")
        for failure in total.failures if args.verbose else total.failures[:10]:
            print("  FAIL", failure)
    return 1 if total.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
