"""The one platform table: everything simpul knows about a platform, in one ``PlatformSpec`` each.

Connection names (netmiko, napalm, Ansible), the backup command(s), how the live LAN state is
collected and parsed, which neighbour protocols the device reports, the line that ends a complete
config, the bandwidth renderer, the remediation driver and the scrub-rule family. Every part of
simpul (Nornir tasks, the Ansible group vars and plugins, NetBox bootstrap, the lab) reads this
table; adding a platform is one entry here plus its parsers in :mod:`simpul.parsers`.

netutils' ``lib_mapper`` already knows the netmiko <-> napalm <-> ansible names; this table only
picks them for the platforms a Pemda runs.

Examples:
    >>> p = platform("cisco_ios")
    >>> p.netmiko, p.napalm, p.ansible_network_os, p.config_shape.end
    ('cisco_ios', 'ios', 'cisco.ios.ios', 'end')
    >>> platform("mikrotik_routeros").backup_commands, platform("mikrotik_routeros").newline
    (('/export',), '\\r')
    >>> try:
    ...     platform("juniper_junos")
    ... except UnsupportedPlatform as err:
    ...     print(err.render())
    E2101 platform 'juniper_junos' is not supported
      -> supported: cisco_ios, arista_eos, mikrotik_routeros, linux
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from netutils.lib_mapper import ANSIBLE_LIB_MAPPER_REVERSE, NAPALM_LIB_MAPPER_REVERSE

from simpul import parsers as p
from simpul.core.scrub import ConfigShape
from simpul.errors import InputError

# What a collect step's parsed output fills in the device state ("*": a dict of several keys).
Into = Literal["facts", "interfaces", "addresses", "vlans", "neighbors", "discovery", "*"]

# The Linux commands whose output makes a Linux host's config backup (each under a ``### <command>``
# header, then ``### end``): readable, stable between runs, enough to rebuild the network side.
LINUX_BACKUP_COMMANDS: tuple[str, ...] = (
    "hostname",
    "ip -br addr",
    "ip -d link show",
    "ip route show table all",
    "ip -6 route show",
    "ip rule show",
    "sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding",
    "cat /etc/network/interfaces 2>/dev/null",
)


class UnsupportedPlatform(InputError):
    """A device's platform is not in the table (NetBox names a platform simpul does not drive)."""

    code = "E2101"


@dataclass(frozen=True)
class CollectStep:
    """One read-only command of the LAN collection and the parser of its output.

    ``name`` is the parser's fixture directory (``tests/lan/parsers/<platform>/<name>/<case>/``);
    ``optional``: a parse error means "nothing to report" (e.g. a host without lldpd), not a failure.
    ``then``: a second command whose output is appended to the first's before parsing (older IOS
    names the local port of an LLDP entry only in ``show lldp neighbors``).
    """

    name: str
    command: str
    parse: Callable[[str], Any]
    into: Into
    optional: bool = False
    then: str | None = None


@dataclass(frozen=True)
class PlatformSpec:
    slug: str
    name: str
    manufacturer: str
    netmiko: str
    napalm: str | None
    ansible_network_os: str | None
    ansible_connection: str
    simulated: bool  # the device lab simulates it over SSH (fakenos); linux is simulated by namespaces
    backup_commands: tuple[str, ...]
    enable: bool = False  # enter enable mode before reading
    newline: str | None = None  # what Enter sends; None: netmiko's RETURN for the platform
    config_shape: ConfigShape = field(default_factory=ConfigShape)  # what a complete config looks like
    collect_via: Literal["netmiko", "napalm"] = "netmiko"
    collect: tuple[CollectStep, ...] = ()
    # the protocol of a neighbour whose output does not say which one found it
    neighbour_protocol: Literal["lldp", "mndp", "cdp"] = "lldp"
    bandwidth_target: str | None = None  # simpul.templates.bandwidth target name
    remediation: str | None = None  # hier_config platform, or "routeros" (simpul's own)
    scrub_family: str = ""  # the section of backup_policies/config_scrub.yaml
    # NetBox binds a platform to its manufacturer; Linux runs on any server, so it is not bound
    binds_manufacturer: bool = True
    # RouterOS wants a terminal-size suffix on the SSH user name (netmiko adds its own)
    ansible_user_suffix: str = ""

    @property
    def sectioned_backup(self) -> bool:
        """True when the backup is several commands, each under a ``### <command>`` header."""
        return len(self.backup_commands) > 1


def _napalm(netmiko: str) -> str | None:
    return NAPALM_LIB_MAPPER_REVERSE.get(netmiko)


def _ansible(netmiko: str) -> str | None:
    return ANSIBLE_LIB_MAPPER_REVERSE.get(netmiko)


def _facts(hostname: str | None = None, os_version: str | None = None) -> p.Facts:
    return p.Facts(hostname=hostname, model=None, serial=None, os_version=os_version, vendor=None)


def _line(text: str) -> p.Facts:
    """The first line of ``hostname``'s output.

    >>> _line("srv-app-01\\n")["hostname"], _line("  ")["hostname"]
    ('srv-app-01', None)
    """
    return _facts(hostname=text.strip().splitlines()[0].strip() if text.strip() else None)


def _os_release(text: str) -> p.Facts:
    """``$PRETTY_NAME`` of /etc/os-release as the OS version."""
    return _facts(os_version=text.strip() or None)


PLATFORMS: dict[str, PlatformSpec] = {
    spec.slug: spec
    for spec in (
        PlatformSpec(
            slug="cisco_ios",
            name="Cisco IOS",
            manufacturer="Cisco",
            netmiko="cisco_ios",
            napalm=_napalm("cisco_ios"),
            ansible_network_os=_ansible("cisco_ios"),
            ansible_connection="ansible.netcommon.network_cli",
            simulated=True,
            backup_commands=("show running-config",),
            enable=True,
            config_shape=ConfigShape(end="end"),
            collect_via="napalm",  # facts, interfaces, interfaces_ip; then:
            collect=(
                CollectStep("show_vlan_brief", "show vlan brief", p.parse_ios_vlan_brief, "vlans"),
                # IOS ships with LLDP off and CDP on: both are read, each says when it is off
                CollectStep(
                    "show_lldp_neighbors_detail",
                    "show lldp neighbors detail",
                    p.parse_ios_lldp_detail,
                    "*",
                    then="show lldp neighbors",
                ),
                CollectStep(
                    "show_cdp_neighbors_detail",
                    "show cdp neighbors detail",
                    p.parse_ios_cdp_detail,
                    "*",
                    optional=True,  # an image without CDP rejects the command: LLDP alone then
                ),
            ),
            bandwidth_target="ios",
            remediation="cisco_ios",
            scrub_family="cisco_ios",
        ),
        PlatformSpec(
            slug="arista_eos",
            name="Arista EOS",
            manufacturer="Arista",
            netmiko="arista_eos",
            napalm=_napalm("arista_eos"),
            ansible_network_os=_ansible("arista_eos"),
            ansible_connection="ansible.netcommon.network_cli",
            simulated=True,
            backup_commands=("show running-config",),
            enable=True,
            config_shape=ConfigShape(end="end"),
            collect=(
                CollectStep("show_version", "show version", p.parse_eos_version, "facts"),
                CollectStep("show_hostname", "show hostname", p.parse_eos_hostname, "facts"),
                CollectStep("show_interfaces", "show interfaces", p.parse_eos_interfaces, "*"),
                CollectStep("show_vlan", "show vlan", p.parse_eos_vlan, "vlans"),
                CollectStep(
                    "show_lldp_neighbors_detail",
                    "show lldp neighbors detail",
                    p.parse_eos_lldp_detail,
                    "neighbors",
                ),
            ),
            remediation="arista_eos",
            scrub_family="arista_eos",
        ),
        PlatformSpec(
            slug="mikrotik_routeros",
            name="MikroTik RouterOS",
            manufacturer="MikroTik",
            netmiko="mikrotik_routeros",
            napalm=None,  # napalm-ros is a community driver simpul does not depend on
            ansible_network_os="community.routeros.routeros",
            ansible_connection="ansible.netcommon.network_cli",
            simulated=True,
            backup_commands=("/export",),
            # a bare CR, what its terminal gets from an Enter key: with CR LF some CLIs run an empty
            # second command whose echo and prompt land in the middle of the output
            newline="\r",
            config_shape=ConfigShape(
                header=r"^# .* by RouterOS\b", header_name="# ... by RouterOS", continuation="\\"
            ),
            collect=(
                CollectStep(
                    "system_identity_print", "/system identity print", p.parse_mikrotik_identity, "facts"
                ),
                CollectStep(
                    "system_routerboard_print",
                    "/system routerboard print",
                    p.parse_mikrotik_routerboard,
                    "facts",
                ),
                CollectStep("interface_print", "/interface print", p.parse_mikrotik_interfaces, "interfaces"),
                CollectStep("ip_address_print", "/ip address print", p.parse_mikrotik_addresses, "addresses"),
                CollectStep("interface_vlan_print", "/interface vlan print", p.parse_mikrotik_vlans, "vlans"),
                CollectStep(
                    "ip_neighbor_print_detail",
                    "/ip neighbor print detail",
                    p.parse_mikrotik_neighbors,
                    "neighbors",
                ),
                CollectStep(
                    "ip_neighbor_discovery_settings_print",
                    "/ip neighbor discovery-settings print",
                    p.parse_mikrotik_discovery_settings,
                    "discovery",
                    optional=True,  # RouterOS before 6.41 has no such menu: nothing said, not a failure
                ),
            ),
            neighbour_protocol="mndp",
            bandwidth_target="routeros",
            remediation="routeros",
            scrub_family="mikrotik_routeros",
            ansible_user_suffix="+cet1024w",
        ),
        PlatformSpec(
            slug="linux",
            name="Linux",
            manufacturer="Debian",
            netmiko="linux",
            napalm=None,
            ansible_network_os=None,
            ansible_connection="ssh",
            simulated=False,
            backup_commands=LINUX_BACKUP_COMMANDS,
            config_shape=ConfigShape(end="### end"),
            collect=(
                CollectStep("hostname", "hostname", _line, "facts"),
                CollectStep(
                    "os_release", '. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"', _os_release, "facts"
                ),
                CollectStep("ip_link", "ip -j link", p.parse_ip_link, "interfaces"),
                CollectStep("ip_addr", "ip -j addr", p.parse_ip_addr, "addresses"),
                CollectStep(
                    "lldpcli_json0",
                    "lldpcli show neighbors -f json0 2>/dev/null || echo '{}'",
                    p.parse_lldpcli_json0,
                    "neighbors",
                    optional=True,  # a host without lldpd has no neighbours, not a failure
                ),
            ),
            bandwidth_target="linux",
            scrub_family="linux",
            binds_manufacturer=False,
        ),
    )
}


def platform(slug: str | None) -> PlatformSpec:
    """The spec of a NetBox platform slug, or ``UnsupportedPlatform`` (exit 2) naming the known ones."""
    spec = PLATFORMS.get(slug or "")
    if spec is None:
        raise UnsupportedPlatform(
            f"platform {slug or '(none)'!r} is not supported",
            hint="supported: " + ", ".join(PLATFORMS),
        )
    return spec


def platform_slug(host: Any) -> str:
    """A Nornir host's NetBox platform slug (``data["netbox_platform"]``, else ``host.platform``)."""
    data: Mapping[str, Any] = getattr(host, "data", {}) or {}
    return str(data.get("netbox_platform") or getattr(host, "platform", None) or "")


def platform_of(host: Any) -> PlatformSpec:
    """The spec of a Nornir host (see :func:`platform_slug`)."""
    return platform(platform_slug(host))


def scrub_families() -> tuple[str, ...]:
    """The platform sections a scrub rules file may have.

    >>> scrub_families()
    ('cisco_ios', 'arista_eos', 'mikrotik_routeros', 'linux')
    """
    return tuple(dict.fromkeys(spec.scrub_family for spec in PLATFORMS.values()))


def parser_registry() -> dict[tuple[str, str], tuple[str, Callable[[str], Any]]]:
    """Every collect parser by (platform, fixture directory): what the directory-convention tests walk.

    >>> parser_registry()[("mikrotik_routeros", "ip_neighbor_print_detail")][0]
    '/ip neighbor print detail'
    """
    return {
        (spec.slug, step.name): (step.command, step.parse)
        for spec in PLATFORMS.values()
        for step in spec.collect
    }
