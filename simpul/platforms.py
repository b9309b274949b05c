"""The one mapping from a NetBox platform slug to every tool's name for it.

netutils' ``lib_mapper`` already knows the netmiko <-> napalm <-> ansible names; this table only
picks, for the platforms a Pemda runs, the connection details simpul uses everywhere (the Nornir
inventory, the Ansible group vars, the lab simulator).

Examples:
    >>> p = platform("cisco_ios")
    >>> p.netmiko, p.napalm, p.ansible_network_os
    ('cisco_ios', 'ios', 'cisco.ios.ios')
    >>> platform("mikrotik_routeros").ansible_network_os
    'community.routeros.routeros'
    >>> platform("juniper_junos")
    Traceback (most recent call last):
    ...
    KeyError: 'juniper_junos'
"""

from __future__ import annotations

from dataclasses import dataclass

from netutils.lib_mapper import ANSIBLE_LIB_MAPPER_REVERSE, NAPALM_LIB_MAPPER_REVERSE


@dataclass(frozen=True)
class PlatformSpec:
    slug: str
    name: str
    manufacturer: str
    netmiko: str
    napalm: str | None
    ansible_network_os: str | None
    ansible_connection: str
    simulated: bool  # the device lab can simulate it over SSH (fakenos)


def _napalm(netmiko: str) -> str | None:
    return NAPALM_LIB_MAPPER_REVERSE.get(netmiko)


def _ansible(netmiko: str) -> str | None:
    return ANSIBLE_LIB_MAPPER_REVERSE.get(netmiko)


PLATFORMS: dict[str, PlatformSpec] = {
    spec.slug: spec
    for spec in (
        PlatformSpec(
            "cisco_ios",
            "Cisco IOS",
            "Cisco",
            "cisco_ios",
            _napalm("cisco_ios"),
            _ansible("cisco_ios"),
            "ansible.netcommon.network_cli",
            True,
        ),
        PlatformSpec(
            "arista_eos",
            "Arista EOS",
            "Arista",
            "arista_eos",
            _napalm("arista_eos"),
            _ansible("arista_eos"),
            "ansible.netcommon.network_cli",
            True,
        ),
        PlatformSpec(
            "mikrotik_routeros",
            "MikroTik RouterOS",
            "MikroTik",
            "mikrotik_routeros",
            None,  # napalm-ros is a community driver simpul does not depend on
            "community.routeros.routeros",
            "ansible.netcommon.network_cli",
            True,
        ),
        PlatformSpec("linux", "Linux", "Debian", "linux", None, None, "ssh", False),
    )
}


def platform(slug: str) -> PlatformSpec:
    return PLATFORMS[slug]
