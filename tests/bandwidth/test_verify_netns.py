"""The real proof: tc HTB in a core namespace, iperf3 between an ISP and three SKPD namespaces.

Short runs (-t 3). The figures compared are the ones the issue states: each SKPD alone reaches
its MIR and, all at once, at least its CIR (iperf3 goodput ~95.5 % of the shaped rate, ±10 %).
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from simpul.core.bandwidth import GOODPUT_FACTOR, TOLERANCE, judge
from simpul.lab import bwlab
from simpul.templates.bandwidth import render_bandwidth

from .conftest import DATA, load_plan

pytestmark = [
    pytest.mark.netns,
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces and tc"),
]

PREFIX = "sbwt-"


def _namespaces() -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def test_verify_three_skpd_alone_reach_mir_and_contended_keep_cir(simpul_cli):
    plan = load_plan("plan3.yaml")
    run = simpul_cli(
        "bandwidth",
        "verify",
        "--plan",
        str(DATA / "plan3.yaml"),
        "--json",
        "--seconds",
        "3",
        "--ns-prefix",
        PREFIX,
    )
    assert run.returncode == 0, (run.stdout, run.stderr)
    data = json.loads(run.stdout)
    assert data["ok"] is True
    assert set(data["skpd"]) == {"disdik", "dinkes", "bappeda"}
    for alloc in plan.active():
        got = data["skpd"][alloc.slug]
        assert (got["cir"], got["mir"]) == (alloc.cir_mbps, alloc.mir_mbps)
        expected_alone = alloc.mir_mbps * GOODPUT_FACTOR
        assert abs(got["alone_mbps"] - expected_alone) <= TOLERANCE * expected_alone, got
        assert got["contended_mbps"] >= alloc.cir_mbps * GOODPUT_FACTOR * (1 - TOLERANCE), got
        assert got["ok"] is True
    # contended, the three share the 50 Mbit uplink: the sum cannot exceed it
    assert sum(v["contended_mbps"] for v in data["skpd"].values()) <= 50 * (1 + TOLERANCE)
    assert _namespaces() == []  # the lab tore itself down


def test_verify_scales_big_plans_down_for_the_lab(simpul_cli):
    """--max-capacity 10 scales the 50 Mbit plan by 0.2; one SKPD measured against the scaled rates."""
    run = simpul_cli(
        "bandwidth",
        "verify",
        "--plan",
        str(DATA / "plan3.yaml"),
        "--json",
        "--seconds",
        "2",
        "--skpd",
        "disdik",
        "--max-capacity",
        "10",
        "--ns-prefix",
        PREFIX,
    )
    assert run.returncode == 0, (run.stdout, run.stderr)
    data = json.loads(run.stdout)
    assert data["scale"] == 0.2
    assert list(data["skpd"]) == ["disdik"]
    assert (data["skpd"]["disdik"]["cir"], data["skpd"]["disdik"]["mir"]) == (2.0, 8.0)
    assert abs(data["skpd"]["disdik"]["alone_mbps"] - 8 * GOODPUT_FACTOR) <= TOLERANCE * 8 * GOODPUT_FACTOR
    assert _namespaces() == []


def test_a_shaper_that_does_not_match_the_plan_is_caught():
    """Apply a plan with every MIR halved, judge against the real plan: the measurement must fail."""
    plan = load_plan("plan3.yaml")
    wrong = plan.model_copy(
        update={
            "allocations": tuple(
                a.model_copy(update={"mir_mbps": a.mir_mbps / 2, "cir_mbps": min(a.cir_mbps, a.mir_mbps / 2)})
                for a in plan.allocations
            )
        }
    )
    script = render_bandwidth(wrong, "linux", uplink=bwlab.UPLINK)
    measured = bwlab.run_verify(plan, script, ["disdik"], 2, prefix=PREFIX)
    alloc = plan.allocation("disdik")
    assert alloc is not None
    result = judge(alloc, plan.capacity.total_mbps, *measured["disdik"])
    assert result.ok is False
    assert result.alone_mbps is not None and result.alone_mbps < result.expected_alone_mbps * (1 - TOLERANCE)
    assert _namespaces() == []
