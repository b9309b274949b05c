"""``simpul diagram check`` and ``simpul lan diff`` end to end, on real files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from simpul.core.diagram import parse_diagram, topology_to_drawio
from simpul.core.topology import Topology, View
from simpul.netbox import topology as netbox_topology

from .conftest import DATA, ROOT

DISDIK = ROOT / "topology" / "disdik.yaml"


def test_diagram_check_json(simpul: Callable[..., Result]) -> None:
    result = simpul("diagram", "check", DATA / "dinkes-multipage.drawio", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["format"], data["pages"], data["compressed_pages"]) == (
        "drawio",
        ["Ikhtisar", "Gedung B"],
        1,
    )
    assert [d["name"] for d in data["devices"]] == ["rtr-dinkes", "sw-dinkes-01", "sw-dinkes-02"]
    assert len(data["links"]) == 2 and [v["vid"] for v in data["vlans"]] == [50, 51]
    assert {
        "page": "Ikhtisar",
        "ref": "cell c1",
        "reason": "cloud shape: an outside network, not a device",
        "text": "Internet",
    } in data["ignored"]


def test_diagram_check_human(simpul: Callable[..., Result]) -> None:
    result = simpul("diagram", "check", DATA / "disdik-lan-compressed.drawio")
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())  # rich wraps at the terminal width
    for text in (
        "4 device(s), 3 link(s), 2 VLAN(s)",
        "1 compressed",
        "cell e6",
        "cell t10",
        "Nothing ignored.",
    ):
        assert text in flat


def test_lan_diff_against_a_snapshot(simpul: Callable[..., Result]) -> None:
    result = simpul("lan", "diff", "--diagram", DISDIK, "--against", DATA / "disdik-snapshot.json", "--json")
    assert result.exit_code == 1, result.output  # default --fail-on low
    data = json.loads(result.stdout)
    got = [
        (f["kind"], f["code"], f["severity"], f["device"], f["expected"], f["actual"])
        for f in data["findings"]
    ]
    assert got == [
        ("undocumented_device", "LAN-002", "high", "ip-phone-lobi", None, "ip-phone-lobi"),
        ("model_mismatch", "LAN-009", "low", "rtr-disdik", "RB4011", "RB4011iGS+"),
        ("model_mismatch", "LAN-009", "low", "sw-disdik-01", "CRS328-24P", "CRS328-24P-4S+"),
    ]
    assert data["findings"][0]["peer"] == "sw-disdik-01" and data["findings"][0]["peer_port"] == "ether7"
    assert data["findings"][0]["article"] == "Pasal 20 ayat (2)"
    assert data["summary"]["by_kind"] == {"undocumented_device": 1, "model_mismatch": 2}
    assert data["summary"]["by_severity"] == {"high": 1, "low": 2}
    assert (data["summary"]["skpd"], data["summary"]["actual_view"]) == ("disdik", "live")


@pytest.mark.parametrize(("fail_on", "code"), [("low", 1), ("high", 1), ("critical", 0), ("none", 0)])
def test_lan_diff_fail_on(simpul: Callable[..., Result], fail_on: str, code: int) -> None:
    result = simpul(
        "lan", "diff", "--diagram", DISDIK, "--against", DATA / "disdik-snapshot.json", "--fail-on", fail_on
    )
    assert result.exit_code == code, result.output
    assert "LAN-002" in result.stdout and "Summary: 3 finding(s): 1 high, 2 low" in result.stdout


def test_lan_diff_reports_unreachable_devices_and_spares_their_links(
    simpul: Callable[..., Result], tmp_path: Path
) -> None:
    data = json.loads((DATA / "disdik-snapshot.json").read_text())
    data["devices"][0]["neighbors"] = []  # rtr-disdik saw nobody ...
    data["devices"][1] = {"name": "sw-disdik-01", "reachable": False, "error": "auth: authentication failed"}
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(data))
    result = simpul("lan", "diff", "--diagram", DISDIK, "--against", snap, "--json")
    kinds = [f["kind"] for f in json.loads(result.stdout)["findings"]]
    # ... but sw-disdik-01 did not answer, so the rtr-disdik link cannot be called missing
    assert kinds == ["device_unreachable", "model_mismatch"]


def test_lan_diff_two_diagrams_same_lan_is_clean(simpul: Callable[..., Result], tmp_path: Path) -> None:
    again = tmp_path / "disdik-2027.drawio"
    again.write_text(topology_to_drawio(parse_diagram(DISDIK.read_text(), source="x.yaml").topology))
    result = simpul("lan", "diff", "--diagram", DISDIK, "--against", again)
    assert result.exit_code == 0, result.output
    assert "matches the diagram" in result.stdout


def test_lan_diff_new_submission_shows_what_changed(simpul: Callable[..., Result]) -> None:
    result = simpul("lan", "diff", "--diagram", DISDIK, "--against", DATA / "disdik-lan.drawio", "--json")
    found = [(f["kind"], f["device"] or f["actual"]) for f in json.loads(result.stdout)["findings"]]
    assert found == [
        ("undocumented_device", "AP-DISDIK-AULA"),
        ("undocumented_device", "NAS-DISDIK"),
        ("vlan_mismatch", "VLAN 31 Disdik-Tamu"),
    ]


def test_lan_diff_netbox_view_side_by_side(
    simpul: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stand-in for NetBox's view (this test must not need NetBox; tests/lan/test_lab_audit.py reads
    # the real one): the disdik diagram without sw-disdik-01.
    def load_skpd_topology(settings: object, skpd: str) -> Topology:
        t = parse_diagram(DISDIK.read_text(), source="netbox").topology
        return t.model_copy(update={"view": View.NETBOX, "devices": t.devices[:1], "links": ()})

    monkeypatch.setattr(netbox_topology, "load_skpd_topology", load_skpd_topology)
    result = simpul(
        "lan", "diff", "--diagram", DISDIK, "--against", DATA / "disdik-snapshot.json", "--netbox", "--json"
    )
    data = json.loads(result.stdout)
    rows = {r["name"]: (r["diagram"], r["netbox"], r["live"]) for r in data["three_way"]["devices"]}
    assert rows == {
        "ip-phone-lobi": (False, False, True),
        "rtr-disdik": (True, True, True),
        "sw-disdik-01": (True, False, True),
    }
    assert data["three_way"]["pairs"]["diagram_vs_netbox"]["summary"]["by_kind"] == {"missing_device": 1}
    human = simpul("lan", "diff", "--diagram", DISDIK, "--against", DATA / "disdik-snapshot.json", "--netbox")
    assert "diagram / NetBox / live" in human.stdout


def test_lan_diff_says_when_a_diagram_reads_only_in_part(simpul: Callable[..., Result]) -> None:
    """Lines attached to nothing leave the picture incomplete: a diff with no finding is still exit 1,
    naming the file and the skipped cells, never a clean 0 on a wrong picture."""
    unglued = Path(__file__).parent / "corpus" / "setda-unglued.drawio"
    result = simpul("lan", "diff", "--diagram", unglued, "--against", unglued, "--json", "--fail-on", "none")
    assert result.exit_code == 1, result.output
    warnings = json.loads(result.stdout)["diagram_warnings"]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{unglued}: only 0 of 5 lines read as links")
    assert "line1" in warnings[0]
    clean = simpul("lan", "diff", "--diagram", DISDIK, "--against", DISDIK, "--json")
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout)["diagram_warnings"] == []


def test_lan_diff_names_a_switch_with_discovery_off_and_calls_none_of_its_links_missing(
    simpul: Callable[..., Result], tmp_path: Path
) -> None:
    """A switch that answered with LLDP and CDP off has no neighbours to show: OPS-002 says so, and its
    cables are not reported missing (they are unknown, not gone)."""
    snap = json.loads((DATA / "disdik-snapshot.json").read_text())
    switch = next(d for d in snap["devices"] if d["name"] == "sw-disdik-01")
    switch["neighbors"] = []
    switch["discovery"] = {"lldp": False, "cdp": False}
    snap["devices"] = [d for d in snap["devices"] if d["name"] != "rtr-disdik"] + [
        {**d, "neighbors": [n for n in d["neighbors"] if "sw-disdik" not in n["remote_device"].lower()]}
        for d in snap["devices"]
        if d["name"] == "rtr-disdik"
    ]
    against = tmp_path / "disdik-off.json"
    against.write_text(json.dumps(snap))
    result = simpul("lan", "diff", "--diagram", DISDIK, "--against", against, "--json")
    data = json.loads(result.stdout)
    kinds = {(f["code"], f["device"]) for f in data["findings"]}
    assert ("OPS-002", "sw-disdik-01") in kinds, kinds
    missing = [f for f in data["findings"] if f["kind"] == "missing_link"]
    assert not [f for f in missing if "sw-disdik-01" in (f["device"], f.get("peer"))], missing
