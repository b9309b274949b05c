"""Ansible filters for playbooks/bandwidth.yml: simpul's own bandwidth use cases, not a copy in YAML.

Run on the controller (the Python of ansible-playbook, where simpul is installed); each calls the
function ``simpul bandwidth`` and the Nornir task call (:mod:`simpul.services.bandwidth`):

- ``platform | simpul_bandwidth_target``: the render target of a NetBox platform slug, from the one
  platform table (``PlatformSpec.bandwidth_target``: ``cisco_ios`` -> ``ios``...);
- ``target | simpul_bandwidth_render(uplink=, downlink=, device=, plan_file=)``: the plan rendered
  for that target (NetBox from the settings/env, or a plan file), as ``simpul bandwidth render``;
- ``target | simpul_bandwidth_read_commands``: the commands that read what the plan writes;
- ``rendered | simpul_bandwidth_remediation(running, target)``: ``{changed, commands, diff}``, the
  same remediation ``simpul bandwidth apply`` pushes.

A SimpulError (bad input, a plan that fails the check, NetBox unusable) fails the task with simpul's
message and hint.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from ansible.errors import AnsibleFilterError

from simpul.errors import SimpulError
from simpul.services import bandwidth as service
from simpul.settings import load_settings

P = ParamSpec("P")
R = TypeVar("R")


def _simpul_errors(func: Callable[P, R]) -> Callable[P, R]:
    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SimpulError as err:
            raise AnsibleFilterError(f"{func.__name__}: {err.render()}") from None

    return wrapper


@_simpul_errors
def simpul_bandwidth_target(platform: str) -> str:
    return service.target_of(str(platform or ""))


@_simpul_errors
def simpul_bandwidth_render(
    target: str, uplink: str = "", downlink: str = "", device: str = "", plan_file: str = ""
) -> str:
    request = service.RenderRequest(
        target=str(target),
        uplink=uplink or None,
        downlink=downlink or None,
        device=device or None,
        plan_file=Path(plan_file) if plan_file else None,
    )
    return service.render(load_settings(), request).text


@_simpul_errors
def simpul_bandwidth_read_commands(target: str) -> list[str]:
    return list(service.read_commands(str(target)))


@_simpul_errors
def simpul_bandwidth_remediation(rendered: str, running: Any, target: str) -> dict[str, Any]:
    text = "\n".join(str(x) for x in running) if isinstance(running, list) else str(running)
    change = service.remediation(str(target), text, str(rendered))
    return {"changed": change.changed, "commands": list(change.commands), "diff": change.diff}


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "simpul_bandwidth_target": simpul_bandwidth_target,
            "simpul_bandwidth_render": simpul_bandwidth_render,
            "simpul_bandwidth_read_commands": simpul_bandwidth_read_commands,
            "simpul_bandwidth_remediation": simpul_bandwidth_remediation,
        }
