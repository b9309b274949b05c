"""Fixtures: a small hand-built DeviceLab (SKPD disdik and dinkes of the demo regency) served for real.

At session start, device servers that a killed earlier session left running under pytest's temp
root are stopped (their starter's pid is gone): their ports and memory come back.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from simpul.lab.devices import DevicesStatus, start_devices, stop_devices
from simpul.lab.spec import DeviceLab, LabDevice, LabInterface, LabNeighbor, LabSecrets, LabVlan


def free_port_block(size: int) -> int:
    """A base port with ``size`` consecutive free ports, below the kernel's ephemeral range
    (32768-60999), where an outgoing connection could take one before the device server binds it."""
    import random

    for _ in range(200):
        base = random.randrange(10000, 32768 - size)
        ok = True
        for port in range(base, base + size):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port block")


def _secrets() -> LabSecrets:
    return LabSecrets(
        enable_secret="$9$" + secrets.token_hex(8),
        user_password="Usr-" + secrets.token_hex(6),
        snmp_community="snmp-" + secrets.token_hex(5),
        ipsec_psk="psk-" + secrets.token_hex(8),
        ppp_secret="ppp-" + secrets.token_hex(6),
    )


def demo_lab(base_port: int) -> DeviceLab:
    """disdik (MikroTik edge + switch) and dinkes (Cisco edge + switch) as the demo regency has them."""
    rtr_disdik = LabDevice(
        name="rtr-disdik",
        platform="mikrotik_routeros",
        model="RB4011iGS+",
        serial="D4370C8D2A1B",
        os_version="7.14.3",
        ssh_port=base_port,
        skpd="disdik",
        site="disdik",
        role="skpd-edge",
        mgmt_ip="10.20.3.1",
        interfaces=(
            LabInterface(name="ether1", description="dist-diskominfo-01 Ethernet2", ipv4="10.30.0.7/31"),
            LabInterface(name="ether2", description="sw-disdik-01 ether1", ipv4="10.20.3.1/24"),
            LabInterface(name="ether3"),
        ),
        vlans=(LabVlan(vid=30, name="Disdik-Staf"),),
        neighbors=(
            LabNeighbor(
                local_port="ether2",
                remote_device="sw-disdik-01",
                remote_port="ether1",
                remote_platform="mikrotik_routeros",
                remote_mgmt_ip="10.20.3.2",
            ),
        ),
        secrets=_secrets(),
    )
    sw_disdik = LabDevice(
        name="sw-disdik-01",
        platform="mikrotik_routeros",
        model="CRS328-24P-4S+",
        serial="HD9087A1B2C3",
        os_version="7.14.3",
        ssh_port=base_port + 1,
        skpd="disdik",
        site="disdik",
        role="access-switch",
        mgmt_ip="10.20.3.2",
        interfaces=(
            LabInterface(name="ether1", description="rtr-disdik ether2", ipv4="10.20.3.2/24"),
            LabInterface(name="ether2", access_vlan=30),
            LabInterface(name="ether3", access_vlan=30),
        ),
        vlans=(LabVlan(vid=30, name="Disdik-Staf"),),
        neighbors=(
            LabNeighbor(
                local_port="ether1",
                remote_device="rtr-disdik",
                remote_port="ether2",
                remote_platform="mikrotik_routeros",
                remote_mgmt_ip="10.20.3.1",
            ),
        ),
        secrets=_secrets(),
    )
    rtr_dinkes = LabDevice(
        name="rtr-dinkes",
        platform="cisco_ios",
        model="ISR4331",
        serial="FDO2130A0BC",
        os_version="15.9.3",
        ssh_port=base_port + 2,
        skpd="dinkes",
        site="dinkes",
        role="skpd-edge",
        mgmt_ip="10.20.4.1",
        interfaces=(
            LabInterface(
                name="GigabitEthernet0/0", description="dist-diskominfo-01 Ethernet3", ipv4="10.30.0.9/31"
            ),
            LabInterface(
                name="GigabitEthernet0/1", description="sw-dinkes-01 GigabitEthernet0/1", ipv4="10.20.4.1/24"
            ),
            LabInterface(name="GigabitEthernet0/2"),
        ),
        neighbors=(
            LabNeighbor(
                local_port="GigabitEthernet0/1",
                remote_device="sw-dinkes-01",
                remote_port="GigabitEthernet0/1",
                remote_platform="cisco_ios",
                remote_mgmt_ip="10.20.4.2",
            ),
        ),
        secrets=_secrets(),
    )
    sw_dinkes = LabDevice(
        name="sw-dinkes-01",
        platform="cisco_ios",
        model="WS-C2960X-24PS-L",
        serial="FOC1932X0AB",
        os_version="15.2.7",
        ssh_port=base_port + 3,
        skpd="dinkes",
        site="dinkes",
        role="access-switch",
        mgmt_ip="10.20.4.2",
        interfaces=(
            LabInterface(name="GigabitEthernet0/1", description="rtr-dinkes GigabitEthernet0/1"),
            LabInterface(name="GigabitEthernet0/2", access_vlan=40),
            LabInterface(name="GigabitEthernet0/3", access_vlan=40),
            LabInterface(name="GigabitEthernet0/4"),
            LabInterface(name="Vlan40", ipv4="10.20.4.2/24"),
        ),
        vlans=(LabVlan(vid=40, name="Dinkes-Staf"),),
        neighbors=(
            LabNeighbor(
                local_port="GigabitEthernet0/1",
                remote_device="rtr-dinkes",
                remote_port="GigabitEthernet0/1",
                remote_platform="cisco_ios",
                remote_mgmt_ip="10.20.4.1",
            ),
        ),
        secrets=_secrets(),
    )
    dist = LabDevice(
        name="dist-diskominfo-01",
        platform="arista_eos",
        model="DCS-7050TX-64",
        serial="JPE16292961",
        os_version="4.27.3F",
        ssh_port=base_port + 4,
        site="diskominfo",
        role="distribution",
        mgmt_ip="10.10.0.11",
        interfaces=(
            LabInterface(name="Ethernet1", description="core-diskominfo-01 GigabitEthernet0/3"),
            LabInterface(name="Ethernet2", description="rtr-disdik ether1", ipv4="10.30.0.6/31"),
            LabInterface(name="Ethernet3", description="rtr-dinkes GigabitEthernet0/0", ipv4="10.30.0.8/31"),
        ),
        neighbors=(
            LabNeighbor(local_port="Ethernet2", remote_device="rtr-disdik", remote_port="ether1"),
            LabNeighbor(local_port="Ethernet3", remote_device="rtr-dinkes", remote_port="GigabitEthernet0/0"),
        ),
        secrets=_secrets(),
    )
    linux_edge = LabDevice(
        name="rtr-bappeda",
        platform="linux",
        model="Debian 12",
        serial="VM-0001",
        os_version="12",
        ssh_port=base_port + 5,
        skpd="bappeda",
        role="skpd-edge",
        secrets=_secrets(),
    )
    return DeviceLab(
        password="lab-" + secrets.token_urlsafe(12),
        devices=(rtr_disdik, sw_disdik, rtr_dinkes, sw_dinkes, dist, linux_edge),
    )


class RunningLab:
    def __init__(self, lab: DeviceLab, state_dir: Path, status: DevicesStatus) -> None:
        self.lab = lab
        self.state_dir = state_dir
        self.status = status

    def device(self, name: str) -> LabDevice:
        return next(d for d in self.lab.devices if d.name == name)

    def netmiko_params(self, name: str) -> dict[str, object]:
        dev = self.device(name)
        return {
            "device_type": dev.platform,
            "host": self.lab.host,
            "port": dev.ssh_port,
            "username": self.lab.username,
            "password": self.lab.password,
            "secret": self.lab.password,
            "fast_cli": False,
            "conn_timeout": 20,
        }


@pytest.fixture(scope="session", autouse=True)
def _no_orphaned_servers(tmp_path_factory: pytest.TempPathFactory) -> None:
    from simpul.lab.devices import sweep_orphaned_servers

    sweep_orphaned_servers(tmp_path_factory.getbasetemp().parent)  # /tmp/pytest-of-<user>


@pytest.fixture(scope="session")
def running_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    state_dir = tmp_path_factory.mktemp("devlab")
    lab = demo_lab(free_port_block(8))
    status = start_devices(lab, state_dir, timeout=60)
    try:
        yield RunningLab(lab, state_dir, status)
    finally:
        stop_devices(state_dir)


@pytest.fixture()
def fresh_lab(tmp_path: Path) -> Iterator[RunningLab]:
    """A lab of its own, for tests that change device state or restart with drift."""
    lab = demo_lab(free_port_block(8))
    status = start_devices(lab, tmp_path / "state", timeout=60)
    try:
        yield RunningLab(lab, tmp_path / "state", status)
    finally:
        stop_devices(tmp_path / "state")
