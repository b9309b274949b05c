"""Every bad input gives exit code 2, no traceback, and names the file and the line (or cell)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import Result

from .conftest import BAD, ROOT

DIAGRAM_CASES = [
    # (file, location that must appear in stderr, words of the message)
    ("broken.drawio", "broken.drawio:5", "broken XML"),
    ("bad-compressed.drawio", "bad-compressed.drawio: page 'LAN'", "compressed draw.io page"),
    ("not-drawio.drawio", "not-drawio.drawio:1", "not a draw.io file"),
    ("unknown-device.drawio", "unknown-device.drawio:6: page 'LAN' cell e1", "link to an unknown device"),
    ("duplicate.drawio", "duplicate.drawio:6: page 'LAN' cell d3", "duplicate hostname 'SW-DISDIK-01'"),
    ("dangling.drawio", "dangling.drawio:6: page 'LAN' cell e1", "dangling end: no target"),
    (
        "dangling-compressed.drawio",
        "dangling-compressed.drawio: page 'LAN' (compressed) cell e1",
        "dangling end",
    ),
    ("bad-date.drawio", "bad-date.drawio:5: page 'LAN' cell n1", "cannot read date '31-02-2026'"),
    ("many-problems.drawio", "many-problems.drawio:15: page 'Gedung B' cell x2", "7 problems in the diagram"),
    (
        "ambiguous-label.drawio",
        "ambiguous-label.drawio:6: page 'LAN' cell t1",
        "as near to cell i1 as to cell i2",
    ),
    ("not-a-drawio-picture.svg", "not-a-drawio-picture.svg:1", "not a draw.io file: an SVG picture"),
    ("plain-picture.drawio.png", "plain-picture.drawio.png", "the PNG holds no draw.io diagram"),
    (
        "unknown-device.yaml",
        "unknown-device.yaml:9: links[0].b.device",
        "link to unknown device 'sw-disdik-99'",
    ),
    ("duplicate.yaml", "duplicate.yaml:6: devices[2].name", "duplicate hostname 'RTR-Disdik'"),
    ("bad-date.yaml", "bad-date.yaml:2: date", "cannot read date '2026-13-45'"),
    ("schema.yaml", "schema.yaml:8: vlans[1].vid", "5000 is greater than the maximum of 4094"),
    ("schema-missing-name.yaml", "schema-missing-name.yaml:5: devices[1].name", "'name' is a required"),
    ("dangling.yaml", "dangling.yaml:7: links[0].b", "'b' is a required property"),
    ("unknown-key.yaml", "unknown-key.yaml:5: devices[0].colour", "('colour' was unexpected)"),
    ("bad-ip.yaml", "bad-ip.yaml:5: devices[0].mgmt_ip", "not an IP address"),
    ("broken.yaml", "broken.yaml:5", "not valid YAML"),
    ("does-not-exist.yaml", "does-not-exist.yaml", "diagram not found"),
]


def _assert_clean_error(result: Result, where: str, words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.stderr
    assert "E2001" in result.stderr
    assert where in result.stderr
    assert words in result.stderr
    assert "->" in result.stderr  # a hint says what to do


@pytest.mark.parametrize(("name", "where", "words"), DIAGRAM_CASES, ids=[c[0] for c in DIAGRAM_CASES])
def test_diagram_check_rejects(simpul: Callable[..., Result], name: str, where: str, words: str) -> None:
    _assert_clean_error(simpul("diagram", "check", BAD / name), where, words)


@pytest.mark.parametrize(("name", "where", "words"), DIAGRAM_CASES[:4], ids=[c[0] for c in DIAGRAM_CASES[:4]])
def test_lan_diff_rejects_a_bad_against_diagram(
    simpul: Callable[..., Result], name: str, where: str, words: str
) -> None:
    result = simpul("lan", "diff", "--diagram", ROOT / "topology/disdik.yaml", "--against", BAD / name)
    _assert_clean_error(result, where, words)


SNAPSHOT_CASES = [
    ("broken-snapshot.json", "broken-snapshot.json:3", "not valid JSON"),
    ("bad-snapshot.json", "bad-snapshot.json: devices[0].reachable", "Field required"),
    ("old-snapshot.json", "old-snapshot.json: schema_version", "schema_version 0 is not supported"),
]


@pytest.mark.parametrize(("name", "where", "words"), SNAPSHOT_CASES, ids=[c[0] for c in SNAPSHOT_CASES])
def test_lan_diff_rejects_a_bad_snapshot(
    simpul: Callable[..., Result], name: str, where: str, words: str
) -> None:
    result = simpul("lan", "diff", "--diagram", ROOT / "topology/disdik.yaml", "--against", BAD / name)
    _assert_clean_error(result, where, words)


def test_lan_diff_rejects_a_bad_fail_on(simpul: Callable[..., Result]) -> None:
    result = simpul(
        "lan",
        "diff",
        "--diagram",
        ROOT / "topology/disdik.yaml",
        "--against",
        ROOT / "topology/disdik.yaml",
        "--fail-on",
        "urgent",
    )
    _assert_clean_error(result, "--fail-on", "unknown severity 'urgent'")


def test_lan_diff_refuses_files_of_two_skpd(simpul: Callable[..., Result], tmp_path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "dinkes.yaml"
    other.write_text((ROOT / "topology/disdik.yaml").read_text().replace("skpd: disdik", "skpd: dinkes"))
    result = simpul("lan", "diff", "--diagram", ROOT / "topology/disdik.yaml", "--against", other)
    _assert_clean_error(result, "dinkes.yaml: skpd", "is for 'dinkes'")


def test_every_problem_of_a_diagram_is_named_in_one_run(simpul: Callable[..., Result]) -> None:
    result = simpul("diagram", "check", BAD / "many-problems.drawio")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    err = " ".join(result.stderr.split())
    for where, words in [
        ("many-problems.drawio:4: page 'LAN' cell d1 IP", "not an IP address: '10.20.3.300'"),
        ("many-problems.drawio:6: page 'LAN' cell d3", "duplicate hostname 'SW-DISDIK-01'"),
        ("many-problems.drawio:9: page 'LAN' cell n1", "cannot read date '31-02-2026'"),
        ("many-problems.drawio:9: page 'LAN' cell n1", "VLAN id 5000 is out of range"),
        ("many-problems.drawio:7: page 'LAN' cell e1", "link has a dangling end: no target device"),
        (
            "many-problems.drawio:8: page 'LAN' cell e2",
            "link to an unknown device: target cell 'd9' is not on the page",
        ),
        ("many-problems.drawio:15: page 'Gedung B' cell x2", "link has a dangling end: no source device"),
    ]:
        assert f"{where}: {words}" in err
    assert err.count("E2001") == 8  # the headline and the seven problems


def test_an_svg_error_names_no_xml_namespace(simpul: Callable[..., Result]) -> None:
    result = simpul("diagram", "check", BAD / "not-a-drawio-picture.svg")
    assert "{http" not in result.stderr
    assert ".drawio.svg" in result.stderr  # the hint says how to save a readable picture


def test_every_problem_of_a_yaml_diagram_is_named_in_one_run(simpul: Callable[..., Result]) -> None:
    result = simpul("diagram", "check", BAD / "many-problems.yaml")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    err = " ".join(result.stderr.split())
    for where in (
        "many-problems.yaml:2: date: cannot read date '2026-02-30'",
        "many-problems.yaml:4: devices[0].mgmt_ip: not an IP address",
        "many-problems.yaml:6: devices[2].name: duplicate hostname 'SW-DISDIK-01'",
        "many-problems.yaml:9: links[0].b.device: link to unknown device 'sw-disdik-99'",
        "many-problems.yaml:11: vlans[0].subnet: not a subnet",
        "many-problems.yaml:12: vlans[1].vid: VLAN 30 declared twice",
    ):
        assert where in err
    assert "unknown device 'rtr-disdik'" not in err  # a device with a bad address is still a device
    schema = " ".join(simpul("diagram", "check", BAD / "schema-many.yaml").stderr.split())
    assert "3 problems in the diagram" in schema
    for where in (
        "schema-many.yaml:4: devices[0].colour",
        "schema-many.yaml:5: devices[1].name",
        "schema-many.yaml:7: vlans[0].vid",
    ):
        assert where in schema
