"""The napalm ``ios`` getters simpul uses, against a simulated Cisco IOS device."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from napalm import get_network_driver

from .conftest import RunningLab

pytestmark = pytest.mark.devices


@pytest.fixture()
def ios(running_lab: RunningLab) -> Iterator[Any]:
    dev = running_lab.device("rtr-dinkes")
    driver = get_network_driver("ios")(
        hostname=running_lab.lab.host,
        username=running_lab.lab.username,
        password=running_lab.lab.password,
        optional_args={"port": dev.ssh_port, "secret": running_lab.lab.password},
    )
    driver.open()
    try:
        yield driver
    finally:
        driver.close()


def test_get_facts(ios: Any, running_lab: RunningLab) -> None:
    facts = ios.get_facts()
    assert facts["hostname"] == "rtr-dinkes"
    assert facts["vendor"] == "Cisco"
    assert facts["model"] == "ISR4331"
    assert facts["serial_number"] == "FDO2130A0BC"
    assert facts["fqdn"] == "rtr-dinkes.sekadau.go.id"
    assert facts["uptime"] > 0
    assert "Version 15.9.3" in facts["os_version"]
    assert facts["interface_list"] == ["GigabitEthernet0/0", "GigabitEthernet0/1", "GigabitEthernet0/2"]


def test_get_interfaces(ios: Any) -> None:
    interfaces = ios.get_interfaces()
    gi1 = interfaces["GigabitEthernet0/1"]
    assert gi1["is_up"] and gi1["is_enabled"]
    assert gi1["description"] == "sw-dinkes-01 GigabitEthernet0/1"
    assert gi1["speed"] == 1000.0
    assert gi1["mtu"] == 1500
    assert len(gi1["mac_address"]) == 17


def test_get_interfaces_ip(ios: Any) -> None:
    assert ios.get_interfaces_ip() == {
        "GigabitEthernet0/0": {"ipv4": {"10.30.0.9": {"prefix_length": 31}}},
        "GigabitEthernet0/1": {"ipv4": {"10.20.4.1": {"prefix_length": 24}}},
    }


def test_get_lldp_neighbors(ios: Any) -> None:
    assert ios.get_lldp_neighbors() == {
        "GigabitEthernet0/1": [{"hostname": "sw-dinkes-01", "port": "GigabitEthernet0/1"}]
    }


def test_get_lldp_neighbors_detail(ios: Any) -> None:
    detail = ios.get_lldp_neighbors_detail()
    (entry,) = detail["GigabitEthernet0/1"]
    assert entry["remote_system_name"] == "sw-dinkes-01"
    assert entry["remote_port"] == "GigabitEthernet0/1"
    assert entry["remote_system_capab"] == ["bridge"]
    assert "WS-C2960X-24PS-L" in entry["remote_system_description"]


def test_get_config_carries_the_planted_secrets(ios: Any, running_lab: RunningLab) -> None:
    config = ios.get_config()
    secrets = running_lab.device("rtr-dinkes").secrets
    assert "\nversion 15.9\n" in config["running"]
    assert "hostname rtr-dinkes" in config["startup"]
    assert f"snmp-server community {secrets.snmp_community} RO" in config["running"]
    sanitized = ios.get_config(sanitized=True)
    assert secrets.snmp_community not in sanitized["running"]
