"""``simpul diagram export``: the writers' output reads back to the same topology (round trip)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simpul.core.diagram import parse_diagram, topology_to_drawio, topology_to_yaml
from simpul.core.diff import diff_topologies
from simpul.core.snapshot import parse_snapshot, snapshot_to_topology
from simpul.core.topology import Topology
from tests.conftest import run_simpul
from tests.lan.seed_views import mandiri_tik, seed_topology

DATA = Path(__file__).parent / "data"


def _same(a: Topology, b: Topology) -> None:
    assert diff_topologies(a, b) == []
    assert {d.key() for d in a.devices} == {d.key() for d in b.devices}
    assert {link.key() for link in a.links} == {link.key() for link in b.links}
    assert a.vlans == b.vlans
    assert [(d.model, d.mgmt_ip, d.role) for d in sorted(a.devices, key=lambda d: d.key())] == [
        (d.model, d.mgmt_ip, d.role) for d in sorted(b.devices, key=lambda d: d.key())
    ]


@pytest.mark.parametrize("slug", sorted(mandiri_tik()))
@pytest.mark.parametrize("fmt", ["yaml", "drawio"])
def test_netbox_view_round_trips_through_both_formats(slug: str, fmt: str) -> None:
    import datetime as dt

    topology = seed_topology(slug).model_copy(update={"date": dt.date(2026, 11, 23)})
    text = topology_to_yaml(topology) if fmt == "yaml" else topology_to_drawio(topology)
    back = parse_diagram(text, source=f"{slug}.{fmt}").topology
    _same(topology, back)
    assert back.skpd == slug and back.date == dt.date(2026, 11, 23)


@pytest.mark.parametrize("fmt", ["yaml", "drawio"])
def test_cli_exports_a_live_snapshot_that_reads_back(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"dinkes.{fmt}"
    snap = DATA / "dinkes-snapshot.json"
    done = run_simpul(
        "diagram",
        "export",
        "dinkes",
        "--from",
        "live",
        "--snapshot",
        str(snap),
        "--format",
        fmt,
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    back = parse_diagram(out.read_text(), source=str(out)).topology
    live = snapshot_to_topology(parse_snapshot(snap.read_text(), source=str(snap)))
    assert diff_topologies(live, back) == []
    assert [v.vid for v in back.vlans] == [40]  # the IOS default VLAN 1 is not exported
    checked = run_simpul("diagram", "check", str(out), "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["skpd"] == "dinkes"


def test_cli_export_to_stdout_is_the_yaml(tmp_path: Path) -> None:
    done = run_simpul(
        "diagram", "export", "disdik", "--from", "live", "--snapshot", str(DATA / "disdik-snapshot.json")
    )
    assert done.returncode == 0, done.stderr
    assert parse_diagram(done.stdout, source="stdout.yaml").topology.device("sw-disdik-01") is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "ldap"], "unknown source"),
        (["--format", "visio"], "unknown format"),
        (["--from", "live", "--snapshot", "{data}/disdik-snapshot.json"], "not 'dinkes'"),
        (["--from", "live", "--snapshot", "{data}/nope.json"], "not found"),
        (["--from", "netbox", "--snapshot", "{data}/dinkes-snapshot.json"], "--snapshot is for --from live"),
    ],
)
def test_cli_export_bad_input_is_exit_2(args: list[str], message: str) -> None:
    done = run_simpul("diagram", "export", "dinkes", *[a.format(data=DATA) for a in args])
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_cli_export_refuses_a_broken_snapshot(tmp_path: Path) -> None:
    bad = tmp_path / "dinkes.json"
    bad.write_text('{"schema_version": 1, "skpd": "dinkes",\n "collected_at": "yesterday"}')
    done = run_simpul("diagram", "export", "dinkes", "--from", "live", "--snapshot", str(bad))
    assert done.returncode == 2 and "collected_at" in done.stderr
