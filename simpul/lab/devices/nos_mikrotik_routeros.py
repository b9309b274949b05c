"""fakenos NOS plugin: MikroTik RouterOS 7 answers generated from a LabDevice.

Commands that change state (``/ip address add ...``, ``/system identity set name=...``) are
routed by ``LabShell`` to ``RouterOsState.configure_ros``; this table holds what prints.
"""

from collections.abc import Callable
from typing import Any

from simpul.lab.devices.state import RouterOsState

NAME = "simpul_mikrotik_routeros"
INITIAL_PROMPT = "[{base_prompt}] > "
DEVICE_NAME = "SimpulMikrotikRouterOs"
STATE_CLASS = RouterOsState


class SimpulMikrotikRouterOs:
    """The per-platform object fakenos insists on; per-device state lives in RouterOsState."""

    def __init__(self, configuration_file: str | None = None) -> None:
        self.configuration_file = configuration_file


def _cmd(func: Callable[..., str], help_text: str) -> dict[str, Any]:
    return {"output": func, "help": help_text}


commands = {
    "/export": _cmd(RouterOsState.cmd_export, "Print the configuration as a script"),
    "/interface print": _cmd(RouterOsState.cmd_interface_print, "Interfaces"),
    "/ip address print": _cmd(RouterOsState.cmd_ip_address_print, "IP addresses"),
    "/interface vlan print": _cmd(RouterOsState.cmd_interface_vlan_print, "VLAN interfaces"),
    "/ip neighbor print": _cmd(RouterOsState.cmd_ip_neighbor_print, "Neighbour discovery (LLDP/MNDP)"),
    "/ip neighbor discovery-settings print": _cmd(
        RouterOsState.cmd_ip_neighbor_discovery_settings_print, "Neighbour discovery settings"
    ),
    "/system identity print": _cmd(RouterOsState.cmd_system_identity_print, "System identity"),
    "/system resource print": _cmd(RouterOsState.cmd_system_resource_print, "System resources"),
    "/system routerboard print": _cmd(RouterOsState.cmd_system_routerboard_print, "RouterBOARD"),
    "/user print": _cmd(RouterOsState.cmd_user_print, "Users"),
    "/system clock print": _cmd(RouterOsState.cmd_show_clock, "Clock"),
    "_default_": {"output": "bad command name", "help": "Unknown command"},
}
