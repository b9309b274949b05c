"""Nornir task: read one device's live LAN state (facts, interfaces, IPv4, VLANs, neighbours). Read-only.

What is read and how it is parsed is the platform's ``collect`` steps in the one platform table
(:mod:`simpul.devices.platforms`): each step is a command and the parser of its output (in
:mod:`simpul.parsers`), whose result fills part of a :class:`DeviceState`. Platforms whose
``collect_via`` is ``napalm`` (IOS) start from napalm's getters (facts, interfaces, interfaces_ip)
and run their steps through the same napalm session. Neighbours are always read by a step: napalm's
``get_lldp_neighbors_detail`` turns "% LLDP is not enabled" into no neighbours, and IOS ships with
LLDP off and CDP on.

Nothing is changed on the device (``changed=False``, no dry-run to honour). Connections are closed at
the end of the task.
"""

from __future__ import annotations

import logging
import re
from typing import Any, TypedDict

from nornir.core.task import Result, Task

from simpul.devices.platforms import CollectStep, PlatformSpec, platform_of
from simpul.parsers import Address, Facts, Interface, Neighbor, VlanRow, normalise_mac

log = logging.getLogger(__name__)

READ_TIMEOUT = 60.0


class DeviceState(TypedDict):
    facts: Facts
    interfaces: list[Interface]
    addresses: list[Address]
    vlans: list[VlanRow]
    neighbors: list[Neighbor]
    discovery: dict[str, bool]  # neighbour protocol -> runs on the device, where a step can tell


def empty_state() -> DeviceState:
    return DeviceState(
        facts=Facts(hostname=None, model=None, serial=None, os_version=None, vendor=None),
        interfaces=[],
        addresses=[],
        vlans=[],
        neighbors=[],
        discovery={},
    )


def merge(state: DeviceState, into: str, value: Any) -> None:
    """Put one step's parsed output into the state: facts merge (a known value is never blanked by a
    later step's None), ``discovery`` updates, lists extend, ``*`` merges each key of a dict.

    >>> s = empty_state()
    >>> merge(s, "facts", {"hostname": None, "model": "vEOS"}); merge(s, "facts", {"hostname": "sw1"})
    >>> s["facts"]["hostname"], s["facts"]["model"]
    ('sw1', 'vEOS')
    >>> merge(s, "*", {"interfaces": [{"name": "Et1"}], "addresses": []}); len(s["interfaces"])
    1
    >>> merge(s, "*", {"neighbors": [], "discovery": {"lldp": False}}); s["discovery"]
    {'lldp': False}
    """
    if into == "*":
        for key, part in value.items():
            merge(state, key, part)
    elif into == "facts":
        facts: dict[str, Any] = dict(state["facts"])
        facts.update({k: v for k, v in value.items() if v is not None or facts.get(k) is None})
        state["facts"] = Facts(**facts)  # type: ignore[typeddict-item]
    elif into == "discovery":
        state["discovery"].update(value)
    else:
        state[into].extend(value)  # type: ignore[literal-required]


def _napalm_base(device: Any) -> DeviceState:
    facts = device.get_facts()
    interfaces = device.get_interfaces()
    addresses = device.get_interfaces_ip()
    state = empty_state()
    merge(
        state,
        "facts",
        {
            "hostname": facts.get("hostname") or None,
            "model": facts.get("model") or None,
            "serial": facts.get("serial_number") or None,
            "os_version": facts.get("os_version") or None,
            "vendor": facts.get("vendor") or None,
        },
    )
    state["interfaces"] = [
        Interface(
            name=name,
            enabled=bool(data.get("is_enabled")),
            up=bool(data.get("is_up")),
            mac=normalise_mac(data.get("mac_address")),
        )
        for name, data in interfaces.items()
    ]
    state["addresses"] = [
        Address(interface=name, address=f"{ip}/{info['prefix_length']}")
        for name, families in addresses.items()
        for ip, info in (families.get("ipv4") or {}).items()
    ]
    return state


def run_steps(state: DeviceState, steps: tuple[CollectStep, ...], send: Any, device: str) -> DeviceState:
    """Run each step's command through ``send`` and merge its parsed output (pure given ``send``)."""
    for step in steps:
        text = send(step.command)
        if step.then:
            text = f"{text}\n{send(step.then)}"
        try:
            value = step.parse(text)
        except ValueError:
            if not step.optional:
                raise
            log.info("%s: %s gave nothing to read; skipped", device, step.command)
            continue
        merge(state, step.into, value)
    return state


def read_state(task: Task, spec: PlatformSpec) -> DeviceState:
    """The device's state through the connection its platform reads with."""
    if spec.collect_via == "napalm":
        device = task.host.get_connection("napalm", task.nornir.config)
        return run_steps(
            _napalm_base(device), spec.collect, lambda cmd: device.cli([cmd])[cmd], task.host.name
        )
    conn = task.host.get_connection("netmiko", task.nornir.config)
    if spec.enable:
        conn.enable()
    # the prompt once, then every command waits for exactly it: netmiko would otherwise look for
    # the prompt again before each command (one more round trip each), and on a slow link that
    # look can read the tail of the last answer as the "prompt" and then wait for it in vain
    prompt = re.escape(conn.find_prompt())
    return run_steps(
        empty_state(),
        spec.collect,
        lambda cmd: str(conn.send_command(cmd, expect_string=prompt, read_timeout=READ_TIMEOUT)),
        task.host.name,
    )


def collect_state(task: Task) -> Result:
    """Read the host's LAN state; ``Result.result`` is a :class:`DeviceState`."""
    spec = platform_of(task.host)  # an unsupported platform raises before any connection
    try:
        state = read_state(task, spec)
    finally:
        task.host.close_connections()
    return Result(host=task.host, result=state, changed=False)
