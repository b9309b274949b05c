"""Typed specs of the simulated devices, built from NetBox and patched by drift scenarios.

The device simulator (fakenos plugins) and the drift scenarios speak only this model; the
NetBox -> spec builder lives in ``simpul.lab.build``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from simpul.core.intended import RegencyConfig


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LabInterface(Frozen):
    name: str  # as the platform writes it: "GigabitEthernet0/1", "Ethernet1", "ether2"
    description: str = ""
    enabled: bool = True
    mac: str = "00:00:00:00:00:00"
    ipv4: str | None = None  # CIDR, "10.30.0.1/31"
    access_vlan: int | None = None
    mtu: int = 1500
    speed_mbps: int = 1000
    link_up: bool = True  # operational state; False = cable pulled (drift: missing link), not "shutdown"


class LabNeighbor(Frozen):
    """An LLDP (or MikroTik neighbour discovery) entry as the local device sees it."""

    local_port: str
    remote_device: str
    remote_port: str
    remote_platform: str = ""
    remote_mgmt_ip: str | None = None
    remote_mac: str = "00:00:00:00:00:00"


class LabVlan(Frozen):
    vid: int
    name: str
    ports: tuple[str, ...] = ()


class LabSecrets(Frozen):
    """Realistic secrets planted in running configs, so scrubbing is tested on something real."""

    enable_secret: str
    user_password: str
    snmp_community: str
    ipsec_psk: str
    ppp_secret: str  # MikroTik /ppp secret


class LabDevice(Frozen):
    name: str
    platform: str  # NetBox platform slug: cisco_ios, arista_eos, mikrotik_routeros
    model: str
    serial: str
    os_version: str
    ssh_port: int
    skpd: str | None = None
    site: str | None = None
    role: str | None = None
    mgmt_ip: str | None = None
    interfaces: tuple[LabInterface, ...] = ()
    vlans: tuple[LabVlan, ...] = ()
    neighbors: tuple[LabNeighbor, ...] = ()
    secrets: LabSecrets
    extra_config: tuple[str, ...] = ()  # additional running-config lines (drift: changed line)
    # The regency-wide parts (NTP, DNS, syslog, SNMP, AAA, banner, LLDP): the device's NetBox config
    # context, the same one the intended-config templates read (so a fresh lab is compliant).
    regency: RegencyConfig = Field(default_factory=RegencyConfig)


class DeviceLab(Frozen):
    """Everything the device simulator needs to start the regency's SSH devices."""

    username: str = "admin"
    password: str  # generated per lab, never a constant in the repo
    host: str = "127.0.0.1"
    devices: tuple[LabDevice, ...] = Field(default_factory=tuple)
    drift: tuple[str, ...] = ()  # names of the drift scenarios planted in this spec (simpul.lab.drift)
