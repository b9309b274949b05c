"""Snapshot model: validation, and turning it into the live topology."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simpul.core.snapshot import (
    parse_snapshot,
    snapshot_json_schema,
    snapshot_to_topology,
    unreachable_devices,
)
from simpul.core.topology import View
from simpul.errors import InputError

from .conftest import DATA


def snapshot_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "disdik-snapshot.json").read_text())
    return data


def test_disdik_snapshot_becomes_the_live_topology() -> None:
    snap = parse_snapshot((DATA / "disdik-snapshot.json").read_text(), source="s.json")
    t = snapshot_to_topology(snap, source="s.json")
    assert t.view is View.LIVE and t.skpd == "disdik" and str(t.date) == "2026-11-23"
    # the uplink to dist-diskominfo-02 is Jaringan Intra, not the SKPD LAN; the phone is an outside neighbour
    assert [d.name for d in t.devices] == ["rtr-disdik", "sw-disdik-01", "ip-phone-lobi"]
    phone = t.device("IP-PHONE-LOBI")
    assert phone is not None and phone.model is None and phone.mgmt_ip is None
    # seen from both ends (one with an FQDN, one without the remote port): one link each
    assert sorted(link.key() for link in t.links) == [
        (("ip-phone-lobi", None), ("sw-disdik-01", "ether7")),
        (("rtr-disdik", "ether2"), ("sw-disdik-01", "ether1")),
    ]
    assert [(v.vid, v.name, v.subnet) for v in t.vlans] == [(30, "Disdik-Staf", "10.20.3.0/24")]
    rtr = t.device("rtr-disdik")
    assert rtr is not None and (rtr.model, rtr.mgmt_ip) == ("RB4011iGS+", "10.20.3.1")


def test_unreachable_devices_stay_devices() -> None:
    data = snapshot_data()
    data["devices"][1] = {
        "name": "sw-disdik-01",
        "platform": "mikrotik_routeros",
        "reachable": False,
        "error": "TCP connection timed out",
    }
    snap = parse_snapshot(json.dumps(data), source="s.json")
    assert unreachable_devices(snap) == {"sw-disdik-01"}
    assert "sw-disdik-01" in {d.key() for d in snapshot_to_topology(snap).devices}


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"collected_at": "2026-11-23T01:00:00"}, "collected_at"),  # no timezone
        ({"extra": 1}, "extra"),
        (
            {
                "devices": [
                    {"name": "x", "reachable": True, "interfaces": [{"name": "e1", "ipv4": ["10.0.0.1"]}]}
                ]
            },
            "devices[0].interfaces[0].ipv4",
        ),
        (
            {"devices": [{"name": "x", "reachable": True, "vlans": [{"vid": 4095}]}]},
            "devices[0].vlans[0].vid",
        ),
    ],
)
def test_bad_snapshots_name_the_field(patch: dict[str, Any], field: str) -> None:
    data = {**snapshot_data(), **patch}
    with pytest.raises(InputError) as err:
        parse_snapshot(json.dumps(data), source="s.json")
    assert err.value.field == field and err.value.source == "s.json"


def test_schema_is_versioned() -> None:
    assert snapshot_json_schema()["required"] == ["schema_version", "skpd", "collected_at"]
