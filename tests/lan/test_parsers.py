"""Parsers, device-free, by directory convention (napalm ``mocked_data`` style).

Each case is ``parsers/<platform>/<command>/<case>/`` with ``input.txt`` (real output captured from
the lab devices, the lab's Linux namespaces and lldpd) and either ``expected.json`` (what the parser
returns) or ``expected_error.txt`` (a fragment of the ParseError message). New cases are picked up
without touching this file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simpul.parsers import PARSERS, ParseError, parse

CASES = Path(__file__).parent / "parsers"


def _cases() -> list[Path]:
    return sorted(p.parent for p in CASES.glob("*/*/*/input.txt"))


def _id(case: Path) -> str:
    return "/".join(case.relative_to(CASES).parts)


@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_parser_case(case: Path) -> None:
    platform, command = case.parent.parent.name, case.parent.name
    text = (case / "input.txt").read_text()
    error = case / "expected_error.txt"
    if error.exists():
        with pytest.raises(ParseError, match=error.read_text().strip()):
            parse(platform, command, text)
        return
    expected = json.loads((case / "expected.json").read_text())
    assert json.loads(json.dumps(parse(platform, command, text))) == expected


def test_every_parser_has_real_cases() -> None:
    covered = {(c.parent.parent.name, c.parent.name) for c in _cases()}
    assert set(PARSERS) <= covered, f"parsers without a captured case: {sorted(set(PARSERS) - covered)}"


def test_every_case_directory_names_a_parser() -> None:
    for case in _cases():
        assert (case.parent.parent.name, case.parent.name) in PARSERS, _id(case)


@pytest.mark.parametrize(
    ("platform", "command", "text"),
    [
        ("mikrotik_routeros", "interface_print", "bad command name print (line 1 column 12)"),
        ("mikrotik_routeros", "interface_print", " 0 R ether1 ether 1500\n"),  # rows without a header
        ("mikrotik_routeros", "interface_vlan_print", "#   NAME  MTU\n0 R  Staf  1500  enabled  x  bridge\n"),
        ("mikrotik_routeros", "system_identity_print", "[admin@rtr] > "),
        ("arista_eos", "show_version", "% Invalid input"),
        ("linux", "ip_addr", "Command 'ip' not found"),
    ],
)
def test_garbage_is_a_parse_error_not_a_wrong_answer(platform: str, command: str, text: str) -> None:
    with pytest.raises(ParseError):
        parse(platform, command, text)


def test_empty_outputs_mean_nothing_configured() -> None:
    assert parse("mikrotik_routeros", "ip_neighbor_print_detail", "") == []
    assert parse("mikrotik_routeros", "interface_vlan_print", "Flags: R - RUNNING\n") == []
    assert parse("cisco_ios", "show_vlan_brief", "\n") == []
