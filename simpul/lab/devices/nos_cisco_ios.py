"""fakenos NOS plugin: Cisco IOS answers generated from a LabDevice (see simpul.lab.devices.state).

fakenos loads this file by path (``nos.plugin``); ``LabShell`` calls each ``output`` with the
device's own ``IosState`` instead of the one shared ``DEVICE_NAME`` object.
"""

from collections.abc import Callable
from typing import Any

from simpul.lab.devices.state import IosState

NAME = "simpul_cisco_ios"
INITIAL_PROMPT = "{base_prompt}>"
ENABLE_PROMPT = "{base_prompt}#"
CONFIG_PROMPT = "{base_prompt}(config)#"
DEVICE_NAME = "SimpulCiscoIos"
STATE_CLASS = IosState

ANY = [INITIAL_PROMPT, ENABLE_PROMPT]
PRIV = [ENABLE_PROMPT]


class SimpulCiscoIos:
    """The per-platform object fakenos insists on; per-device state lives in IosState."""

    def __init__(self, configuration_file: str | None = None) -> None:
        self.configuration_file = configuration_file


def _cmd(func: Callable[..., str], help_text: str, prompt: list[str] = ANY) -> dict[str, Any]:
    return {"output": func, "help": help_text, "prompt": prompt}


commands = {
    "terminal length 0": _cmd(IosState.cmd_empty, "Set terminal length"),
    "terminal width 511": _cmd(IosState.cmd_empty, "Set terminal width"),
    "terminal width 512": _cmd(IosState.cmd_empty, "Set terminal width"),
    "terminal no monitor": _cmd(IosState.cmd_empty, "Stop logging to this terminal"),
    "show privilege": _cmd(IosState.cmd_show_privilege, "Show current privilege level"),
    "show clock": _cmd(IosState.cmd_show_clock, "Display the system clock"),
    "show version": _cmd(IosState.cmd_show_version, "System hardware and software status"),
    "show hosts": _cmd(IosState.cmd_show_hosts, "IP domain-name, lookup style, nameservers"),
    "show running-config": _cmd(IosState.cmd_show_running_config, "Current operating configuration", PRIV),
    "show startup-config": _cmd(IosState.cmd_show_startup_config, "Contents of startup configuration", PRIV),
    "show interfaces": _cmd(IosState.cmd_show_interfaces, "Interface status and configuration"),
    "show ip interface": _cmd(IosState.cmd_show_ip_interface, "IP interface status and configuration"),
    "show ip interface brief": _cmd(IosState.cmd_show_ip_interface_brief, "Brief summary of IP status"),
    "show ipv6 interface": _cmd(IosState.cmd_show_ipv6_interface, "IPv6 interface status"),
    "show vlan": _cmd(IosState.cmd_show_vlan, "VTP VLAN status"),
    "show vlan brief": _cmd(IosState.cmd_show_vlan, "VTP all VLAN status in brief"),
    "show lldp neighbors": _cmd(IosState.cmd_show_lldp_neighbors, "LLDP neighbor entries"),
    "show lldp neighbors detail": _cmd(IosState.cmd_show_lldp_neighbors_detail, "Detailed LLDP neighbors"),
    "show cdp neighbors detail": _cmd(IosState.cmd_show_cdp_neighbors_detail, "Detailed CDP neighbors"),
    "write memory": _cmd(IosState.cmd_write_memory, "Write to NV memory", PRIV),
    "_default_": {"output": "% Invalid input detected at '^' marker.", "help": "Unknown command"},
}
