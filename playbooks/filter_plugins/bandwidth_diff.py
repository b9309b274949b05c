"""Ansible filters for playbooks/bandwidth.yml: simpul's own bandwidth diff, not a copy in YAML.

Runs on the controller (the Python of ansible-playbook, where simpul is installed):

- ``'routeros' | simpul_bandwidth_read_commands``: the commands that read what the plan writes;
- ``rendered | simpul_bandwidth_remediation(running, 'routeros'|'ios')``: ``{changed, commands,
  diff}`` from ``simpul.core.bandwidth_diff`` (the same function the Nornir task calls).
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from simpul.core.bandwidth_diff import ROS_READ_COMMANDS, ios_remediation, routeros_remediation
from simpul.errors import SimpulError


def simpul_bandwidth_read_commands(platform: str) -> list[str]:
    if platform == "routeros":
        return list(ROS_READ_COMMANDS)
    if platform == "ios":
        return ["show running-config"]
    raise AnsibleFilterError(f"simpul_bandwidth_read_commands: unknown platform {platform!r}")


def simpul_bandwidth_remediation(rendered: str, running: Any, platform: str) -> dict[str, Any]:
    text = "\n".join(str(x) for x in running) if isinstance(running, list) else str(running)
    try:
        if platform == "routeros":
            change = routeros_remediation(text, rendered)
        elif platform == "ios":
            change = ios_remediation(text, rendered)
        else:
            raise AnsibleFilterError(f"simpul_bandwidth_remediation: unknown platform {platform!r}")
    except SimpulError as err:
        raise AnsibleFilterError(err.render()) from None
    return {"changed": change.changed, "commands": list(change.commands), "diff": change.diff}


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "simpul_bandwidth_read_commands": simpul_bandwidth_read_commands,
            "simpul_bandwidth_remediation": simpul_bandwidth_remediation,
        }
