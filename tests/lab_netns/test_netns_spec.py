"""The NetnsLab spec refuses what cannot be built (no root needed)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from simpul.errors import LabError
from simpul.lab.netns import NetnsEdge, NetnsLab, lab_mac, require_root, short_ifname


def _edge(**kw: object) -> NetnsEdge:
    base: dict[str, object] = {
        "name": "rtr-dinsos",
        "skpd": "dinsos",
        "ssh_port": 22005,
        "p2p_core_ip": "10.30.0.10/31",
        "p2p_edge_ip": "10.30.0.11/31",
        "lan_ip": "10.20.5.1/24",
        "lan_host_ip": "10.20.5.100/24",
    }
    return NetnsEdge.model_validate({**base, **kw})


def test_demo_edge_follows_the_regency_conventions() -> None:
    edge = NetnsEdge.demo("rtr-disdik", "disdik", 3, 22003)
    assert (edge.p2p_core_ip, edge.p2p_edge_ip, edge.lan_ip) == (
        "10.30.0.6/31",
        "10.30.0.7/31",
        "10.20.3.1/24",
    )
    assert edge.core_port == "rtr-disdik"


def test_long_device_names_get_a_short_unique_core_port() -> None:
    a = _edge(name="rtr-dinas-kependudukan-a")
    b = _edge(name="rtr-dinas-kependudukan-b")
    assert len(a.core_port) <= 15 and len(b.core_port) <= 15
    assert a.core_port != b.core_port


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("p2p_edge_ip", "10.30.0.13/31", "one prefix"),
        ("lan_host_ip", "10.20.5.1/24", "one prefix"),
        ("lan_ip", "10.20.5.1", None),
        ("lan_ip", "10.20.5.300/24", "IPv4 address"),
        ("core_port", "GigabitEthernet0/1", "interface name"),
        ("name", "core", "namespace"),
        ("skpd", "lan-x", "namespace"),
        ("ssh_port", 22, "greater than or equal"),
    ],
)
def test_bad_edges_are_refused(field: str, value: object, message: str | None) -> None:
    if message is None:  # a bare address is a /32: lan_host_ip is then outside it
        with pytest.raises(ValidationError):
            _edge(**{field: value})
        return
    with pytest.raises(ValidationError, match=message):
        _edge(**{field: value})


def test_duplicate_ports_and_names_are_refused() -> None:
    one = _edge()
    two = _edge(name="rtr-disdik", skpd="disdik")
    with pytest.raises(ValidationError, match="duplicate ssh_port"):
        NetnsLab(password="p" * 12, edges=(one, two))
    with pytest.raises(ValidationError, match="duplicate name"):
        NetnsLab(password="p" * 12, edges=(one, _edge(ssh_port=22006, skpd="x")))


def test_prefix_and_password_rules() -> None:
    with pytest.raises(ValidationError, match="prefix"):
        NetnsLab(prefix="Simpul-lab-", password="p" * 12)
    with pytest.raises(ValidationError, match="8 characters"):
        NetnsLab(password="short")


def test_password_never_shows_in_repr_or_dump() -> None:
    lab = NetnsLab(password="sangat-rahasia-123", edges=(_edge(),))
    assert "sangat-rahasia" not in repr(lab)
    assert "sangat-rahasia" not in lab.model_dump_json()
    assert lab.fingerprint() != NetnsLab(password="sangat-rahasia-124", edges=(_edge(),)).fingerprint()


def test_require_root_refuses_other_users() -> None:
    with pytest.raises(LabError, match="needs root") as err:
        require_root(euid=1000)
    assert err.value.code == "E4001"
    require_root(euid=0)


def test_short_ifname_is_stable() -> None:
    assert short_ifname("rtr-dinas-kependudukan") == short_ifname("rtr-dinas-kependudukan")


def test_overlapping_lan_prefixes_are_refused() -> None:
    one = _edge()
    two = _edge(
        name="rtr-disdik",
        skpd="disdik",
        ssh_port=22006,
        p2p_core_ip="10.30.0.6/31",
        p2p_edge_ip="10.30.0.7/31",
    )
    with pytest.raises(ValidationError, match=r"duplicate LAN prefix: 10\.20\.5\.0/24"):
        NetnsLab(password="p" * 12, edges=(one, two))


def test_lab_mac_is_stable_unicast_and_locally_administered() -> None:
    mac = lab_mac("rtr-disdik", "eth0")
    assert mac == lab_mac("rtr-disdik", "eth0")
    assert mac != lab_mac("rtr-disdik", "eth1") != lab_mac("rtr-dinkes", "eth1")
    first = int(mac.split(":")[0], 16)
    assert first & 0x02 and not first & 0x01  # locally administered, unicast
    assert len(mac.split(":")) == 6
