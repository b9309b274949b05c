"""Writers: a topology written as YAML or draw.io reads back to the same topology."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from simpul.core.diagram import (
    parse_diagram,
    parse_drawio,
    parse_yaml_diagram,
    topology_to_drawio,
    topology_to_yaml,
)
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, Vlan

from .conftest import DATA


def same(a: Topology, b: Topology) -> None:
    assert {d.key() for d in a.devices} == {d.key() for d in b.devices}
    assert {link.key() for link in a.links} == {link.key() for link in b.links}
    assert set(a.vlans) == set(b.vlans)
    assert (a.skpd, a.date) == (b.skpd, b.date)
    # the facts of each device survive too
    facts = {d.key(): (d.mgmt_ip, d.model, d.role, d.platform) for d in a.devices}
    assert facts == {d.key(): (d.mgmt_ip, d.model, d.role, d.platform) for d in b.devices}


TRICKY = Topology(
    skpd="dinsos",
    date=dt.date(2026, 5, 1),
    devices=(
        TopoDevice(
            name="rtr-dinsos", role="skpd-edge", model="ISR 4321", platform="cisco_ios", mgmt_ip="10.20.7.1"
        ),
        TopoDevice(name="sw-dinsos-01", role="access-switch", model="CBS350 & co", mgmt_ip="10.20.7.2"),
        TopoDevice(name="sw-dinsos-02", role="access-switch"),
        TopoDevice(name="printer-<lt1>"),  # characters that need escaping in HTML labels
        TopoDevice(name="ap-lone"),  # no links at all
    ),
    links=(
        TopoLink(
            a=LinkEnd(device="rtr-dinsos", port="GigabitEthernet0/1"),
            b=LinkEnd(device="sw-dinsos-01", port="Gi1/0/1"),
        ),
        TopoLink(
            a=LinkEnd(device="sw-dinsos-01", port="Gi1/0/24"), b=LinkEnd(device="sw-dinsos-02")
        ),  # one port unknown
        TopoLink(a=LinkEnd(device="sw-dinsos-02"), b=LinkEnd(device="printer-<lt1>")),  # no ports
    ),
    vlans=(
        Vlan(vid=70, name="Dinsos Staf", subnet="10.20.7.0/24"),
        Vlan(vid=71),
        Vlan(vid=72, subnet="10.20.72.0/24"),
    ),
)


def test_yaml_round_trip() -> None:
    same(TRICKY, parse_yaml_diagram(topology_to_yaml(TRICKY), source="rt.yaml").topology)


def test_drawio_round_trip() -> None:
    text = topology_to_drawio(TRICKY)
    result = parse_drawio(text, source="rt.drawio")
    same(TRICKY, result.topology)
    assert result.report.ignored == ()  # the writer follows its own conventions exactly
    assert "<mxfile" in text and "IP: 10.20.7.1" in text and "GigabitEthernet0/1 - Gi1/0/1" in text


@pytest.mark.parametrize("name", ["disdik-lan.drawio", "dinkes-multipage.drawio", "disdik.yaml"])
def test_golden_inputs_survive_both_writers(name: str) -> None:
    original = parse_diagram((DATA / name).read_text(), source=name).topology
    same(original, parse_drawio(topology_to_drawio(original), source="x.drawio").topology)
    if original.date:  # YAML needs a date
        same(original, parse_yaml_diagram(topology_to_yaml(original), source="x.yaml").topology)


def test_yaml_without_date_takes_today_else_writes_a_placeholder(tmp_path: Path) -> None:
    undated = TRICKY.model_copy(update={"date": None})
    assert "date: '2026-11-23'" in topology_to_yaml(undated, today=dt.date(2026, 11, 23))
    assert "date: YYYY-MM-DD" in topology_to_yaml(undated)


def test_drawio_layout_puts_the_edge_router_on_top() -> None:
    text = topology_to_drawio(TRICKY)
    result = parse_drawio(text, source="x.drawio")
    assert result.topology.devices[0].name == "rtr-dinsos"  # first laid out, first read
