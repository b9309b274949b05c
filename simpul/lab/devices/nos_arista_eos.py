"""fakenos NOS plugin: Arista EOS answers generated from a LabDevice (see simpul.lab.devices.state)."""

from collections.abc import Callable
from typing import Any

from simpul.lab.devices.state import EosState

NAME = "simpul_arista_eos"
INITIAL_PROMPT = "{base_prompt}>"
ENABLE_PROMPT = "{base_prompt}#"
CONFIG_PROMPT = "{base_prompt}(config)#"
DEVICE_NAME = "SimpulAristaEos"
STATE_CLASS = EosState

ANY = [INITIAL_PROMPT, ENABLE_PROMPT]
PRIV = [ENABLE_PROMPT]


class SimpulAristaEos:
    """The per-platform object fakenos insists on; per-device state lives in EosState."""

    def __init__(self, configuration_file: str | None = None) -> None:
        self.configuration_file = configuration_file


def _cmd(func: Callable[..., str], help_text: str, prompt: list[str] = ANY) -> dict[str, Any]:
    return {"output": func, "help": help_text, "prompt": prompt}


commands = {
    "terminal length 0": {"output": "Pagination disabled.", "help": "Set terminal length", "prompt": ANY},
    "terminal width 511": {
        "output": "Width set to 511 columns.",
        "help": "Set terminal width",
        "prompt": ANY,
    },
    "terminal width 512": {
        "output": "Width set to 512 columns.",
        "help": "Set terminal width",
        "prompt": ANY,
    },
    "terminal monitor": _cmd(EosState.cmd_empty, "Copy log messages to this terminal"),
    "show privilege": _cmd(EosState.cmd_show_privilege, "Show current privilege level"),
    "show clock": _cmd(EosState.cmd_show_clock, "System time"),
    "show version": _cmd(EosState.cmd_show_version, "Software and hardware versions"),
    "show hostname": _cmd(EosState.cmd_show_hostname, "Show the system hostname"),
    "show running-config": _cmd(EosState.cmd_show_running_config, "System running configuration", PRIV),
    "show startup-config": _cmd(EosState.cmd_show_startup_config, "Startup configuration", PRIV),
    "show interfaces": _cmd(EosState.cmd_show_interfaces, "Details related to interfaces"),
    "show ip interface brief": _cmd(EosState.cmd_show_ip_interface_brief, "IP interfaces, condensed"),
    "show vlan": _cmd(EosState.cmd_show_vlan, "VLAN configuration"),
    "show vlan brief": _cmd(EosState.cmd_show_vlan, "VLAN configuration, brief"),
    "show lldp neighbors": _cmd(EosState.cmd_show_lldp_neighbors, "LLDP neighbor information"),
    "show lldp neighbors detail": _cmd(EosState.cmd_show_lldp_neighbors_detail, "LLDP neighbors, detailed"),
    "write memory": _cmd(EosState.cmd_write_memory, "Copy running-config to startup-config", PRIV),
    "_default_": {"output": "% Invalid input", "help": "Unknown command"},
}
