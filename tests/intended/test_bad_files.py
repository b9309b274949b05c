"""Bad rules, waivers and templates: exit 2 naming the file and the line, before any device is asked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import LabNetBox
from tests.intended.conftest import invoke

BAD = Path(__file__).parent / "bad"
# NetBox is never reached for a bad rules or waivers file: nothing listens here.
NO_NETBOX = {"NETBOX_URL": "http://127.0.0.1:9", "NETBOX_TOKEN": "nbt_abcdefghijkl.0123456789"}


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("rules-bad-regex.yaml", 7, "is not a valid regex"),
        ("rules-unknown-key.yaml", 8, "orderd"),
        ("rules-unknown-platform.yaml", 8, "not listed under platforms"),
    ],
)
def test_bad_rules_exit_2_with_file_and_line(name: str, line: int, words: str) -> None:
    result = invoke({**os.environ, **NO_NETBOX}, "check", "--rules", str(BAD / name), "--json")
    assert result.exit_code == 2, result.output
    assert f"{BAD / name}:{line}" in result.output and words in result.output


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("waivers-bad-date.yaml", 6, "waivers[0].expires"),
        ("waivers-unknown-feature.yaml", 8, "no feature 'qos'"),
    ],
)
def test_bad_waivers_exit_2_with_file_and_line(name: str, line: int, words: str) -> None:
    result = invoke({**os.environ, **NO_NETBOX}, "check", "--waivers", str(BAD / name))
    assert result.exit_code == 2, result.output
    assert f"{BAD / name}:{line}" in result.output and words in result.output


@pytest.mark.parametrize(
    ("directory", "line", "words"),
    [
        (
            "templates-undefined",
            12,
            "rtr-dinkes: 'simpul.core.intended.RegencyConfig object' has no attribute",
        ),
        ("templates-syntax", 17, "template syntax error"),
    ],
)
def test_bad_templates_exit_2_naming_template_line_device_and_variable(
    netbox_seeded: LabNetBox, directory: str, line: int, words: str
) -> None:
    env = netbox_seeded.env()
    result = invoke(env, "render", "--device", "rtr-dinkes", "--templates", str(BAD / directory))
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"{BAD / directory / 'cisco_ios.j2'}:{line}" in text and words in text
    if directory == "templates-undefined":
        assert "domain_name" in text and "undefined variable" in text
