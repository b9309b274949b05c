"""Parsers, device-free, by directory convention (napalm ``mocked_data`` style).

Each case is ``parsers/<platform>/<step>/<case>/`` with ``input.txt`` (a device's output) and either
``expected.json`` (what the parser returns) or ``expected_error.txt`` (a fragment of the ParseError
message: an output that cannot be read must be refused, never half-read). A case with a ``SOURCE``
file is a public real output (ntc-templates, napalm, lldpd, fakenos test data, or real lldpd captured
here), its address and licence in that file; the others were captured from simpul's lab devices and
namespaces or a Debian 12 host (see a case's ``source.txt``). ``benches/parser_corpus.py`` prints the
same corpus's figures per platform. ``<platform>/<step>`` names a collect step of the one platform table
(``simpul.devices.platforms.parser_registry()``): every step has a case, every case a step. New cases
are picked up without touching this file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simpul.devices.platforms import parser_registry
from simpul.parsers import ParseError

CASES = Path(__file__).parent / "parsers"
REGISTRY = parser_registry()


def parser(platform: str, step: str) -> Callable[[str], Any]:
    return REGISTRY[(platform, step)][1]


def _cases() -> list[Path]:
    return sorted(p.parent for p in CASES.glob("*/*/*/input.txt"))


def _id(case: Path) -> str:
    return "/".join(case.relative_to(CASES).parts)


@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_parser_case(case: Path) -> None:
    platform, step = case.parent.parent.name, case.parent.name
    text = (case / "input.txt").read_text()
    error = case / "expected_error.txt"
    if error.exists():
        with pytest.raises(ParseError, match=error.read_text().strip()):
            parser(platform, step)(text)
        return
    expected = json.loads((case / "expected.json").read_text())
    assert json.loads(json.dumps(parser(platform, step)(text))) == expected


def test_every_collect_step_has_real_cases() -> None:
    covered = {(c.parent.parent.name, c.parent.name) for c in _cases()}
    missing = sorted(set(REGISTRY) - covered)
    assert missing == [], f"collect steps without a captured case: {missing}"


def test_every_public_output_names_its_source_and_licence() -> None:
    public = [c for c in _cases() if (c / "SOURCE").exists()]
    assert len(public) >= 40
    for case in public:
        text = (case / "SOURCE").read_text()
        assert "licence:" in text or "Original work" in text, _id(case)
    platforms = {c.parent.parent.name for c in public}
    assert platforms == {"cisco_ios", "arista_eos", "mikrotik_routeros", "linux"}


def test_every_case_directory_names_a_collect_step() -> None:
    for case in _cases():
        assert (case.parent.parent.name, case.parent.name) in REGISTRY, _id(case)


@pytest.mark.parametrize(
    ("platform", "step", "text"),
    [
        ("mikrotik_routeros", "interface_print", "bad command name print (line 1 column 12)"),
        ("mikrotik_routeros", "interface_print", " 0 R ether1 ether 1500\n"),  # rows without a header
        ("mikrotik_routeros", "interface_vlan_print", "#   NAME  MTU\n0 R  Staf  1500  enabled  x  bridge\n"),
        ("mikrotik_routeros", "system_identity_print", "[admin@rtr] > "),
        ("arista_eos", "show_version", "% Invalid input"),
        ("linux", "ip_addr", "Command 'ip' not found"),
    ],
)
def test_garbage_is_a_parse_error_not_a_wrong_answer(platform: str, step: str, text: str) -> None:
    with pytest.raises(ParseError):
        parser(platform, step)(text)


def test_empty_outputs_mean_nothing_configured() -> None:
    assert parser("mikrotik_routeros", "ip_neighbor_print_detail")("") == []
    assert parser("mikrotik_routeros", "interface_vlan_print")("Flags: R - RUNNING\n") == []
    assert parser("cisco_ios", "show_vlan_brief")("\n") == []
    assert parser("linux", "hostname")("")["hostname"] is None
    assert parser("linux", "os_release")("\n")["os_version"] is None
