"""How well simpul reads diagrams drawn the ways public templates and generators draw them.

Run: ``.venv/bin/python benches/diagram_corpus.py [--corpus tests/diagram/corpus] [--json]``.

For every diagram in the corpus (``<file>`` + ``<file>.expected.json``, see
``tests/diagram/corpus/make_corpus.py``) it reads the file the way ``simpul diagram check`` does and
prints devices, links and ports read against expected, and whether the warnings expected were given.
Then, for every pair in ``pairs.json``, it runs the ``lan diff`` core on the two diagrams as read and
prints the precision and recall of the findings against the findings a reader of both pictures expects
(a finding is identified by its kind and its device, or its VLAN for VLAN findings).
Goal (issue 10): every diagram read correctly, findings precision and recall >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from simpul.core.diff import diff_topologies
from simpul.core.findings import Finding
from simpul.core.topology import Topology, device_key, port_key
from simpul.errors import SimpulError
from simpul.services.diagram import load_diagram

ROOT = Path(__file__).resolve().parent.parent


def _devices(topology: Topology) -> set[str]:
    return {d.key() for d in topology.devices}


def _links(topology: Topology) -> set[tuple[str, str]]:
    return {link.devices_key() for link in topology.links}


def _ports(topology: Topology) -> set[tuple[str, str | None]]:
    return {end.key() for link in topology.links for end in (link.a, link.b) if end.port}


def _expected_sets(exp: dict[str, Any]) -> tuple[set[str], set[tuple[str, str]], set[tuple[str, str | None]]]:
    devices = {device_key(n) for n in exp["devices"]}
    links = {tuple(sorted((device_key(a), device_key(b)))) for a, _, b, _ in exp["links"]}
    ports = {
        (device_key(d), port_key(p)) for a, pa, b, pb in exp["links"] for d, p in ((a, pa), (b, pb)) if p
    }
    return devices, links, ports  # type: ignore[return-value]


def read_one(path: Path) -> dict[str, Any]:
    """One diagram: counts read/expected/right for devices, links, ports; vlans and warnings."""
    exp = json.loads(path.with_name(path.name + ".expected.json").read_text())
    try:
        result = load_diagram(path)
    except SimpulError as err:
        text = err.render()
        named = all(cell + ":" in text for cell in exp.get("problems", ()))
        return {
            "file": path.name,
            "style": exp["style"],
            "error": next((ln for ln in text.splitlines() if " cell " in ln), text.splitlines()[0]),
            "exact": bool(exp.get("problems")) and named,
        }
    if "problems" in exp:
        return {
            "file": path.name,
            "style": exp["style"],
            "error": "read, but should be refused",
            "exact": False,
        }
    want_d, want_l, want_p = _expected_sets(exp)
    t = result.topology
    warnings = getattr(result.report, "warnings", ())  # a reader before issue 10 had none
    got_d, got_l, got_p = _devices(t), _links(t), _ports(t)
    vlans = sorted([v.vid, v.name, v.subnet] for v in t.vlans)
    return {
        "file": path.name,
        "style": exp["style"],
        "devices": [len(got_d & want_d), len(got_d), len(want_d)],
        "links": [len(got_l & want_l), len(got_l), len(want_l)],
        "ports": [len(got_p & want_p), len(got_p), len(want_p)],
        "vlans_ok": vlans == sorted(exp["vlans"]),
        "warnings": [len(warnings), exp["warnings"]],
        "exact": got_d == want_d
        and got_l == want_l
        and got_p == want_p
        and vlans == sorted(exp["vlans"])
        and (len(warnings) > 0) == (exp["warnings"] > 0),
    }


def finding_key(f: Finding) -> tuple[str, str]:
    return (f.kind.value, device_key(f.device or f.expected or f.actual or ""))


def diff_pairs(corpus: Path) -> tuple[int, int, int, list[dict[str, Any]]]:
    """(true positives, findings given, findings expected, per pair details)."""
    tp = given = wanted = 0
    rows = []
    for a, b, expected in json.loads((corpus / "pairs.json").read_text()):
        try:
            left, right = load_diagram(corpus / a).topology, load_diagram(corpus / b).topology
            got = [finding_key(f) for f in diff_topologies(left, right)]
        except SimpulError:  # a side refused: no finding given
            got = []
        want = [(k, device_key(d)) for k, d in expected]
        hits = sum(min(got.count(k), want.count(k)) for k in set(want))
        tp, given, wanted = tp + hits, given + len(got), wanted + len(want)
        rows.append(
            {
                "pair": f"{a} -> {b}",
                "right": hits,
                "given": len(got),
                "expected": len(want),
                "extra": sorted(set(got) - set(want)),
                "missed": sorted(set(want) - set(got)),
            }
        )
    return tp, given, wanted, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/diagram/corpus")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.iterdir() if (args.corpus / f"{p.name}.expected.json").is_file())
    reads = [read_one(p) for p in files]
    tp, given, wanted, pairs = diff_pairs(args.corpus)
    precision = tp / given if given else 1.0
    recall = tp / wanted if wanted else 1.0
    if args.json:
        print(
            json.dumps({"reads": reads, "pairs": pairs, "precision": precision, "recall": recall}, indent=2)
        )
    else:
        print(f"{'diagram':42} {'style':34} {'devices':>9} {'links':>9} {'ports':>9} vlans warn exact")
        for r in reads:
            if "error" in r:
                verdict = "refused as expected" if r["exact"] else "WRONG"
                print(f"{r['file']:42} {r['style'][:34]:34} {verdict}: {r['error'][:90]}")
                continue
            cols = [f"{ok}/{n}({got})" for ok, got, n in (r["devices"], r["links"], r["ports"])]
            print(
                f"{r['file']:42} {r['style'][:34]:34} {cols[0]:>9} {cols[1]:>9} {cols[2]:>9} "
                f"{'ok' if r['vlans_ok'] else 'BAD':5} {r['warnings'][0]}/{r['warnings'][1]}  "
                f"{'yes' if r['exact'] else 'NO'}"
            )
        exact = sum(1 for r in reads if r.get("exact"))
        totals = [
            sum(r[k][i] for r in reads if k in r) for k in ("devices", "links", "ports") for i in (0, 2)
        ]
        print(
            f"\n{exact}/{len(reads)} diagrams read exactly; devices {totals[0]}/{totals[1]}, "
            f"links {totals[2]}/{totals[3]}, ports {totals[4]}/{totals[5]} (right/expected)"
        )
        for p in pairs:
            extra = f" extra {p['extra']}" if p["extra"] else ""
            missed = f" missed {p['missed']}" if p["missed"] else ""
            print(f"  {p['pair']}: {p['right']}/{p['expected']} right, {p['given']} given{extra}{missed}")
        print(
            f"lan diff findings on {len(pairs)} pairs: precision {precision:.3f}, recall {recall:.3f} "
            f"({tp} right of {given} given, {wanted} expected); goal >= 0.95"
        )
    ok = all(r.get("exact") for r in reads) and precision >= 0.95 and recall >= 0.95
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
