"""The real `simpul bandwidth` command on plan files: output, exit codes, bad input -> exit 2."""

from __future__ import annotations

import json

import pytest

from .conftest import DATA


def test_plan_json(simpul_cli):
    run = simpul_cli("bandwidth", "plan", "--plan", str(DATA / "plan3.yaml"), "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["capacity_mbps"] == 50
    assert data["oversubscription"] == 2.3
    assert {r["skpd"]: r["cir_share"] for r in data["rows"]} == {"bappeda": 0.4, "dinkes": 0.3, "disdik": 0.2}


def test_check_ok_exit_0(simpul_cli):
    run = simpul_cli("bandwidth", "check", "--plan", str(DATA / "plan3.yaml"), "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"ok": True, "violations": []}


@pytest.mark.parametrize(
    ("name", "codes"),
    [("cir_over_mir.yaml", ["BW-002"]), ("unknown_skpd.yaml", ["BW-007"]), ("no_capacity.yaml", ["BW-008"])],
)
def test_check_violations_exit_1(simpul_cli, name, codes):
    run = simpul_cli("bandwidth", "check", "--plan", str(DATA / name), "--json")
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert data["ok"] is False
    assert [v["code"] for v in data["violations"]] == codes
    assert set(data["violations"][0]) == {"code", "skpd", "message"}


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("bad_unit.yaml", ["check"], "allocations[0].cir_mbps: SKPD disdik: Input should be a valid number"),
        ("bad_yaml.yaml", ["check"], "bad_yaml.yaml:5: not valid YAML"),
        ("bad_prefix.yaml", ["plan"], "allocations[0].lan_prefixes"),
        ("missing.yaml", ["plan"], "cannot read plan file"),
        ("cir_over_mir.yaml", ["render", "--target", "linux", "--uplink", "up0"], "BW-002"),
        ("no_capacity.yaml", ["render", "--target", "routeros", "--uplink", "ether1"], "BW-008"),
        ("plan3.yaml", ["render", "--target", "junos", "--uplink", "ge-0/0/0"], "unknown target"),
        ("plan3.yaml", ["render", "--target", "ios"], "--uplink is required"),
        ("plan3.yaml", ["propose", "--commit"], "--commit writes to NetBox"),
        ("plan3.yaml", ["propose", "--policy", "fair"], "unknown policy"),
        ("plan3.yaml", ["verify", "--skpd", "dishub"], "unknown SKPD dishub"),
        ("cir_over_mir.yaml", ["verify"], "BW-002"),
    ],
)
def test_bad_input_exit_2_without_traceback(simpul_cli, name, args, expected):
    run = simpul_cli("bandwidth", *args, "--plan", str(DATA / name))
    assert run.returncode == 2, (run.stdout, run.stderr)
    assert expected in " ".join(run.stderr.split()), run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""  # nothing rendered, nothing pushed


def test_render_to_file_matches_golden(simpul_cli, tmp_path):
    out = tmp_path / "bw.rsc"
    run = simpul_cli(
        "bandwidth",
        "render",
        "--target",
        "routeros",
        "--uplink",
        "ether1",
        "--plan",
        str(DATA / "plan3.yaml"),
        "-o",
        str(out),
    )
    assert run.returncode == 0, run.stderr
    assert out.read_text() == (DATA.parent / "golden" / "plan3.rsc").read_text()


def test_propose_dry_run_shows_diff(simpul_cli):
    run = simpul_cli("bandwidth", "propose", "--plan", str(DATA / "plan3.yaml"), "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["committed"] is False and data["written"] == 0
    assert {a["slug"]: a["cir_mbps"] for a in data["allocations"]} == {
        "bappeda": 17,
        "dinkes": 17,
        "disdik": 16,
    }
    assert {"skpd": "disdik", "field": "bw_cir_mbps", "old": 10, "new": 16} in data["changes"]
