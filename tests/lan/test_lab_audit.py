"""End to end against the lab: a seeded NetBox 4.7, the devices built from it (and the Linux edges in
namespaces as root). With no drift the audit finds only what the demo regency holds on purpose; with
each drift scenario planted, ``lan audit`` (and ``lan collect`` + ``lan diff``) find that drift and
nothing else, on that SKPD only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simpul.core.diagram import parse_diagram
from simpul.core.diff import diff_topologies
from simpul.lab.drift import list_scenarios
from tests.conftest import ROOT, run_simpul

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]

# What the demo regency holds on purpose, whatever is planted: dinkes' diagram is from June 2025
# (stale), disdukcapil (Mandiri TIK) never submitted one.
BASELINE = {"dinkes": {"diagram_stale"}, "disdukcapil": {"diagram_missing"}}

# scenario -> (SKPD, the finding kinds it must produce there); nothing anywhere else.
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "undocumented-switch": ("disdik", {"undocumented_device"}),
    "missing-link": ("disdik", {"missing_link"}),
    "recabled-port": ("dinkes", {"port_mismatch"}),
    "changed-vlan": ("disdik", {"vlan_mismatch"}),
    "changed-ip": ("disdik", {"ip_mismatch"}),
    "replaced-model": ("dinkes", {"model_mismatch"}),
    # a hand-added NTP line changes the config, not the LAN: the backup diff reports it, not this audit
    "changed-config-line": ("dinkes", set()),
    # regency-wide settings changed by hand: intended-config compliance finds them (tests/intended)
    "ntp-drift": ("dinkes", set()),
    "snmp-location-drift": ("disdik", set()),
    # an ISP circuit down on the core router: internet continuity finds it (the nightly), no SKPD LAN
    "uplink-down": ("diskominfo", set()),
}


@pytest.fixture(scope="module")
def env(lab: Any, netbox_seeded: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    lab.clear()
    env = lab.env()
    # all 78 simulated devices answer from one Python process sharing 2 cores with the test run: fewer
    # sessions at once and a longer timeout keep a collect right after a drift restart from timing out
    env.update(SIMPUL_WORKERS="16", SIMPUL_DEVICE_TIMEOUT="60")
    env["SIMPUL_STATE_DIR"] = str(tmp_path_factory.mktemp("lan-audit-state"))  # no backup history
    yield env
    lab.clear()


def audit(env: dict[str, str], out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    done = run_simpul("lan", "audit", "--report", str(out), "--json", *extra, env=env)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def kinds(result: dict[str, Any]) -> dict[str, set[str]]:
    return {s["slug"]: {f["kind"] for f in s["findings"]} for s in result["skpds"] if s["findings"]}


def beyond_baseline(result: dict[str, Any]) -> dict[str, set[str]]:
    out = {}
    for slug, found in kinds(result).items():
        extra = found - BASELINE.get(slug, set()) - {"diagram_stale"}  # other diagrams age with the calendar
        if extra:
            out[slug] = extra
    return out


def test_no_drift_only_the_planted_regulatory_findings(lab: Any, env: dict[str, str], tmp_path: Path) -> None:
    code, result = audit(env, tmp_path / "report")
    for path in (tmp_path / "report").rglob("*"):
        if path.is_file():
            assert lab.password not in path.read_text(errors="replace"), path
    assert beyond_baseline(result) == {}
    found = kinds(result)
    assert found["dinkes"] == {"diagram_stale"} and found["disdukcapil"] == {"diagram_missing"}
    assert code == 1 and result["exit_code"] == 1  # diagram_missing is high, the default --fail-on
    assert len(result["skpds"]) == 38
    statuses = {s["slug"]: s["status"] for s in result["skpds"]}
    assert statuses["disdik"] == "compliant" and statuses["disdukcapil"] == "no_diagram"
    assert (tmp_path / "report" / "index.html").is_file()
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert "disdik" in json.dumps(report)
    # every device answered: no OPS-001 anywhere
    assert not any("device_unreachable" in k for k in found.values())
    code, _ = audit(env, tmp_path / "report2", "--fail-on", "critical")
    assert code == 0


def test_every_drift_scenario_is_covered() -> None:
    assert set(EXPECTED) == set(list_scenarios())


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_audit_finds_the_planted_drift_and_nothing_else(
    scenario: str, lab: Any, env: dict[str, str], tmp_path: Path
) -> None:
    skpd, expected = EXPECTED[scenario]
    lab.plant(scenario)
    try:
        _code, result = audit(env, tmp_path / "report", "--lang", "en")
    finally:
        lab.clear()
    silent = [
        (f["device"], f["actual"]) for s in result["skpds"] for f in s["findings"] if f["code"] == "OPS-001"
    ]
    assert beyond_baseline(result) == ({skpd: expected} if expected else {}), silent


def test_collect_then_diff_with_netbox_as_third_view(lab: Any, env: dict[str, str], tmp_path: Path) -> None:
    lab.plant("missing-link")
    try:
        done = run_simpul("lan", "collect", "--skpd", "disdik", "--out", str(tmp_path), "--json", env=env)
    finally:
        lab.clear()
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["failed"] == []
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["disdik.json"]
    diff = run_simpul(
        "lan",
        "diff",
        "--diagram",
        str(ROOT / "topology" / "disdik.yaml"),
        "--against",
        str(tmp_path / "disdik.json"),
        "--netbox",
        "--json",
        env=env,
    )
    assert diff.returncode == 1, diff.stderr
    out = json.loads(diff.stdout)
    assert [f["kind"] for f in out["findings"]] == ["missing_link"]
    pairs = out["three_way"]["pairs"]
    assert pairs["diagram_vs_netbox"]["findings"] == []
    assert [f["kind"] for f in pairs["netbox_vs_live"]["findings"]] == ["missing_link"]


@pytest.mark.parametrize("slug", ["disdik", "bpkad"])
def test_export_from_netbox_matches_the_submitted_diagram(slug: str, env: dict[str, str]) -> None:
    done = run_simpul("diagram", "export", slug, "--from", "netbox", "--format", "drawio", env=env)
    assert done.returncode == 0, done.stderr
    exported = parse_diagram(done.stdout, source=f"{slug}.drawio").topology
    submitted_path = next(
        p for p in (ROOT / "topology").glob(f"{slug}.*") if p.suffix in (".yaml", ".drawio")
    )
    submitted = parse_diagram(submitted_path.read_text(), source=str(submitted_path)).topology
    assert diff_topologies(submitted, exported) == []
    assert diff_topologies(exported, submitted) == []


def test_audit_rejects_an_unknown_skpd_and_a_bad_diagram(env: dict[str, str], tmp_path: Path) -> None:
    done = run_simpul("lan", "audit", "--report", str(tmp_path / "r"), "--skpd", "dinas-x", env=env)
    assert done.returncode == 2 and "dinas-x" in done.stderr
    topo = tmp_path / "topology"
    topo.mkdir()
    (topo / "disdik.yaml").write_text(
        "skpd: disdik\ndate: 2026-09-15\ndevices:\n  - name: rtr-disdik\n    mgmt_ip: 10.20.3.300\n"
    )
    done = run_simpul(
        "lan",
        "audit",
        "--report",
        str(tmp_path / "r"),
        "--skpd",
        "disdik",
        "--topology-dir",
        str(topo),
        env=env,
    )
    assert done.returncode == 2
    assert "disdik.yaml:5" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r").exists()  # nothing collected, nothing written


def test_export_from_live_matches_the_submitted_diagram(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "disdik.yaml"
    done = run_simpul("diagram", "export", "disdik", "--from", "live", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    exported = parse_diagram(out.read_text(), source=str(out)).topology
    submitted_path = ROOT / "topology" / "disdik.yaml"
    submitted = parse_diagram(submitted_path.read_text(), source=str(submitted_path)).topology
    assert diff_topologies(submitted, exported) == []
    assert [(d.name, d.model, d.mgmt_ip) for d in exported.devices] == [
        (d.name, d.model, d.mgmt_ip) for d in submitted.devices
    ]
