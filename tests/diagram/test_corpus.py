"""The diagram corpus (tests/diagram/corpus): each diagram reads to exactly what it holds, or is refused
with its problems named; the same LAN drawn in two styles diffs to nothing; changed LANs diff to
exactly the findings a reader of both pictures expects."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from simpul.core.diff import diff_topologies
from simpul.core.topology import LinkEnd, TopoLink, device_key
from simpul.errors import InputError
from simpul.services.diagram import load_diagram

from .conftest import HERE

CORPUS = HERE / "corpus"
FILES = sorted(p for p in CORPUS.iterdir() if (CORPUS / f"{p.name}.expected.json").is_file())


def expected(path: Path) -> dict[str, object]:
    return json.loads((CORPUS / f"{path.name}.expected.json").read_text())  # type: ignore[no-any-return]


def test_the_corpus_is_big_enough() -> None:
    assert len(FILES) >= 15
    assert {p.suffix for p in FILES} >= {".drawio", ".svg", ".png"}


@pytest.mark.parametrize("path", [p for p in FILES if "problems" not in expected(p)], ids=lambda p: p.name)
def test_reads_what_the_picture_holds(path: Path) -> None:
    exp = expected(path)
    result = load_diagram(path)
    t = result.topology
    assert sorted(d.key() for d in t.devices) == sorted(device_key(n) for n in exp["devices"])  # type: ignore[attr-defined]
    got_links = sorted(str(link.key()) for link in t.links)
    want_links = sorted(
        str(TopoLink(a=LinkEnd(device=a, port=pa), b=LinkEnd(device=b, port=pb)).key())
        for a, pa, b, pb in exp["links"]  # type: ignore[attr-defined]
    )
    assert got_links == want_links
    assert sorted([v.vid, v.name, v.subnet] for v in t.vlans) == sorted(exp["vlans"])  # type: ignore[arg-type]
    assert t.skpd == exp["skpd"]
    assert bool(result.report.warnings) == bool(exp["warnings"])


@pytest.mark.parametrize("path", [p for p in FILES if "problems" in expected(p)], ids=lambda p: p.name)
def test_refused_with_its_problems_named(path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_diagram(path)
    for cell in expected(path)["problems"]:  # type: ignore[attr-defined]
        assert f"{cell}:" in err.value.render()


PAIRS = json.loads((CORPUS / "pairs.json").read_text())


@pytest.mark.parametrize(("a", "b", "findings"), PAIRS, ids=[f"{a}->{b}" for a, b, _ in PAIRS])
def test_lan_diff_between_two_pictures(a: str, b: str, findings: list[list[str]]) -> None:
    got = diff_topologies(load_diagram(CORPUS / a).topology, load_diagram(CORPUS / b).topology)
    keys = sorted((f.kind.value, device_key(f.device or f.expected or f.actual or "")) for f in got)
    assert keys == sorted((kind, device_key(d)) for kind, d in findings)


def test_diagram_check_exits_1_and_says_why_when_lines_do_not_read(simpul: Callable[..., Result]) -> None:
    result = simpul("diagram", "check", CORPUS / "setda-unglued.drawio")
    assert result.exit_code == 1, result.output
    assert "warning only 0 of 5 lines read as links" in " ".join(result.stdout.split())
    assert "5 x line attached to nothing" in " ".join(result.stdout.split())
    data = json.loads(simpul("diagram", "check", CORPUS / "setda-unglued.drawio", "--json").stdout)
    assert len(data["devices"]) == 6 and data["links"] == [] and len(data["warnings"]) == 1


def test_a_public_template_without_names_is_not_an_empty_success(simpul: Callable[..., Result]) -> None:
    result = simpul("diagram", "check", CORPUS / "drawio-template-lan.drawio", "--json")
    assert result.exit_code == 1
    (warning,) = json.loads(result.stdout)["warnings"]
    assert "only 0 of 32 lines read as links" in warning
    assert "line to a device icon without a name" in warning


def test_pictures_are_read_from_the_cli(simpul: Callable[..., Result]) -> None:
    for name in ("bappeda-images.drawio.svg", "dinkes-2026-11-n2g.drawio.png"):
        result = simpul("diagram", "check", CORPUS / name, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["links"]


def test_lan_diff_takes_a_png_on_either_side(simpul: Callable[..., Result]) -> None:
    result = simpul(
        "lan", "diff", "--diagram", CORPUS / "setda-placeholders.drawio.png",
        "--against", CORPUS / "setda-moved-gcp.drawio", "--json",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stdout.count('"kind": "missing_link"') == 1


def test_a_picture_in_the_topology_directory_is_an_skpd_diagram(tmp_path: Path) -> None:
    from simpul.services.diagram import find_diagram, load_diagrams

    (tmp_path / "setda.drawio.png").write_bytes((CORPUS / "setda-placeholders.drawio.png").read_bytes())
    (tmp_path / "bappeda.drawio.svg").write_text((CORPUS / "bappeda-images.drawio.svg").read_text())
    assert find_diagram(tmp_path, "setda") == tmp_path / "setda.drawio.png"
    diagrams = load_diagrams(tmp_path, ["setda", "bappeda", "dinkes"])
    assert sorted(diagrams) == ["bappeda", "setda"]
    assert len(diagrams["setda"].topology.devices) == 6
    assert diagrams["setda"].report.warnings == ()  # read whole: no REG-004 in an audit


def test_the_audit_gets_each_diagram_s_warnings(tmp_path: Path) -> None:
    from simpul.services.diagram import load_diagrams

    (tmp_path / "setda.drawio").write_text((CORPUS / "setda-unglued.drawio").read_text())
    (setda,) = load_diagrams(tmp_path, ["setda"]).values()
    assert setda.topology.skpd == "setda"
    assert len(setda.report.warnings) == 1 and "only 0 of 5 lines read as links" in setda.report.warnings[0]
