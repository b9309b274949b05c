"""Drift scenarios: realistic differences planted on the simulated side only (NetBox stays untouched).

Each scenario is a data file ``simpul/lab/drift/<name>.yaml`` naming its target in the demo
regency and a ``kind``; ``apply_drift`` is pure: it returns a patched ``DeviceLab`` (with the
scenario's name added to ``DeviceLab.drift``) that the device server is restarted with.

Examples:
    >>> sorted(list_scenarios())[:3]
    ['changed-config-line', 'changed-ip', 'changed-vlan']
    >>> load_scenario("missing-link").kind
    'remove-link'
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from simpul.errors import InputError
from simpul.lab.spec import DeviceLab, LabDevice, LabInterface, LabNeighbor, LabSecrets, LabVlan

Kind = Literal[
    "add-device",
    "remove-link",
    "move-link",
    "change-vlan",
    "change-ip",
    "replace-model",
    "add-config-line",
    "change-context",
    "link-down",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewDevice(_Frozen):
    name: str
    platform: str
    model: str
    serial: str
    os_version: str
    mgmt_ip: str | None = None
    uplink: str
    interfaces: tuple[str, ...]
    access_vlan: int | None = None


class DriftScenario(_Frozen):
    name: str
    description: str
    kind: Kind
    device: str | None = None
    interface: str | None = None
    new_interface: str | None = None
    peer: str | None = None
    peer_interface: str | None = None
    skpd: str | None = None
    vlan_from: int | None = None
    vlan_to: int | None = None
    ipv4: str | None = None
    model: str | None = None
    serial: str | None = None
    os_version: str | None = None
    line: str | None = None
    new_device: NewDevice | None = None
    context: dict[str, Any] | None = None  # change-context: keys of RegencyConfig to override


def _files() -> dict[str, str]:
    root = resources.files(__name__)
    return {
        entry.name.removesuffix(".yaml"): entry.read_text()
        for entry in root.iterdir()
        if entry.name.endswith(".yaml")
    }


def list_scenarios() -> list[str]:
    """Names of every scenario shipped with simpul."""
    return sorted(_files())


def load_scenario(name: str) -> DriftScenario:
    """Read and validate one scenario; InputError listing the known names when there is none."""
    files = _files()
    source = f"simpul/lab/drift/{name}.yaml"
    if name not in files:
        raise InputError(
            f"unknown drift scenario {name!r}",
            field="scenario",
            hint="choose one of: " + ", ".join(sorted(files)),
        )
    try:
        data = yaml.safe_load(files[name])
        return DriftScenario.model_validate(data)
    except (yaml.YAMLError, ValidationError) as err:
        raise InputError(f"malformed drift scenario: {err}", source=source, hint="fix the file") from None


def _require(value: str | int | None, scenario: DriftScenario, field: str) -> str:
    if value is None:
        raise InputError(
            f"scenario {scenario.name} of kind {scenario.kind} needs {field}",
            source=f"simpul/lab/drift/{scenario.name}.yaml",
            field=field,
        )
    return str(value)


def _device(devices: dict[str, LabDevice], name: str, scenario: DriftScenario) -> LabDevice:
    if name not in devices:
        raise InputError(
            f"drift scenario {scenario.name} targets device {name}, which is not in this lab",
            source=f"simpul/lab/drift/{scenario.name}.yaml",
            field="device",
            hint="the scenarios target the demo regency (simpul netbox seed --demo)",
        )
    return devices[name]


def _ensure_interface(device: LabDevice, name: str) -> tuple[LabInterface, ...]:
    if any(i.name == name for i in device.interfaces):
        return device.interfaces
    return (*device.interfaces, LabInterface(name=name))


def _set_interface(device: LabDevice, name: str, **changes: object) -> LabDevice:
    itfs = tuple(
        i.model_copy(update=changes) if i.name == name else i for i in _ensure_interface(device, name)
    )
    return device.model_copy(update={"interfaces": itfs})


def apply_drift(lab: DeviceLab, scenario: DriftScenario) -> DeviceLab:
    """The lab as it looks once ``scenario`` happened. Pure: ``lab`` is not changed.

    Raises InputError when a device the scenario targets is absent from ``lab``.
    """
    devices = {d.name: d for d in lab.devices}
    _APPLY[scenario.kind](devices, scenario, lab)
    order = [d.name for d in lab.devices] + [n for n in devices if n not in {d.name for d in lab.devices}]
    drift = lab.drift if scenario.name in lab.drift else (*lab.drift, scenario.name)
    return lab.model_copy(update={"devices": tuple(devices[n] for n in order), "drift": drift})


Devices = dict[str, LabDevice]  # name -> device, patched in place by one kind of drift


def _remove_link(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """A cable pulled: both ends down, and neither sees the other any more."""
    a, b = _require(scenario.device, scenario, "device"), _require(scenario.peer, scenario, "peer")
    a_if = _require(scenario.interface, scenario, "interface")
    b_if = _require(scenario.peer_interface, scenario, "peer_interface")
    for name, port, peer_name in ((a, a_if, b), (b, b_if, a)):
        dev = _set_interface(_device(devices, name, scenario), port, link_up=False)
        nbrs = tuple(n for n in dev.neighbors if not (n.local_port == port and n.remote_device == peer_name))
        devices[name] = dev.model_copy(update={"neighbors": nbrs})


def _link_down(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """A line outside the lab went dark (an ISP's circuit): the port stays configured, its link is down."""
    name = _require(scenario.device, scenario, "device")
    port = _require(scenario.interface, scenario, "interface")
    devices[name] = _set_interface(_device(devices, name, scenario), port, link_up=False)


def _move_link(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """A cable moved to another port of ``device``; the peer sees the new port."""
    a, b = _require(scenario.device, scenario, "device"), _require(scenario.peer, scenario, "peer")
    old = _require(scenario.interface, scenario, "interface")
    new_port = _require(scenario.new_interface, scenario, "new_interface")
    b_if = _require(scenario.peer_interface, scenario, "peer_interface")
    dev_a = _device(devices, a, scenario)
    dev_b = _device(devices, b, scenario)
    dev_a = _set_interface(dev_a, old, link_up=False)
    dev_a = _set_interface(dev_a, new_port, link_up=True, enabled=True)
    nbrs_a = tuple(
        n.model_copy(update={"local_port": new_port}) if n.local_port == old and n.remote_device == b else n
        for n in dev_a.neighbors
    )
    nbrs_b = tuple(
        n.model_copy(update={"remote_port": new_port}) if n.local_port == b_if and n.remote_device == a else n
        for n in dev_b.neighbors
    )
    devices[a] = dev_a.model_copy(update={"neighbors": nbrs_a})
    devices[b] = dev_b.model_copy(update={"neighbors": nbrs_b})


def _change_vlan(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """An SKPD's VLAN renumbered on every device of it that carries the VLAN."""
    skpd = _require(scenario.skpd, scenario, "skpd")
    old_vid = int(_require(scenario.vlan_from, scenario, "vlan_from"))
    new_vid = int(_require(scenario.vlan_to, scenario, "vlan_to"))
    targets = [d for d in devices.values() if d.skpd == skpd and any(v.vid == old_vid for v in d.vlans)]
    if not targets:
        raise InputError(
            f"drift scenario {scenario.name}: no device of SKPD {skpd} carries VLAN {old_vid} here",
            source=f"simpul/lab/drift/{scenario.name}.yaml",
            field="skpd",
        )
    for dev in targets:
        vlans = tuple(v.model_copy(update={"vid": new_vid}) if v.vid == old_vid else v for v in dev.vlans)
        itfs = tuple(
            i.model_copy(update={"access_vlan": new_vid}) if i.access_vlan == old_vid else i
            for i in dev.interfaces
        )
        devices[dev.name] = dev.model_copy(update={"vlans": vlans, "interfaces": itfs})


def _change_ip(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """A device readdressed; its neighbours report the new management address."""
    name = _require(scenario.device, scenario, "device")
    new_cidr = str(ipaddress.ip_interface(_require(scenario.ipv4, scenario, "ipv4")))
    dev = _device(devices, name, scenario)
    new_ip = new_cidr.split("/", maxsplit=1)[0]
    old_ip = dev.mgmt_ip
    itfs = tuple(
        i.model_copy(update={"ipv4": new_cidr})
        if i.ipv4 and (i.ipv4.split("/")[0] == old_ip or i.name == scenario.interface)
        else i
        for i in dev.interfaces
    )
    devices[name] = dev.model_copy(update={"interfaces": itfs, "mgmt_ip": new_ip})
    for other in list(devices.values()):
        nbrs = tuple(
            n.model_copy(update={"remote_mgmt_ip": new_ip}) if n.remote_device == name else n
            for n in other.neighbors
        )
        if nbrs != other.neighbors:
            devices[other.name] = other.model_copy(update={"neighbors": nbrs})


def _replace_model(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """The hardware swapped: another model and serial (and maybe OS version) under the same name."""
    name = _require(scenario.device, scenario, "device")
    dev = _device(devices, name, scenario)
    update = {
        "model": _require(scenario.model, scenario, "model"),
        "serial": _require(scenario.serial, scenario, "serial"),
        "os_version": scenario.os_version or dev.os_version,
    }
    devices[name] = dev.model_copy(update=update)


def _add_config_line(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """A line added by hand to the running config."""
    name = _require(scenario.device, scenario, "device")
    dev = _device(devices, name, scenario)
    line = _require(scenario.line, scenario, "line")
    devices[name] = dev.model_copy(update={"extra_config": (*dev.extra_config, line)})


def _change_context(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """Someone changed a regency-wide setting by hand on one device (an NTP server, the SNMP
    location): the device's config-context values differ from NetBox's, nothing else does."""
    name = _require(scenario.device, scenario, "device")
    dev = _device(devices, name, scenario)
    if not scenario.context:
        _require(None, scenario, "context")
    merged = _deep_merge(dev.regency.model_dump(), scenario.context or {})
    try:
        regency = type(dev.regency).model_validate(merged)
    except ValidationError as err:
        raise InputError(
            f"drift scenario {scenario.name}: bad context: {err.errors()[0]['msg']}",
            source=f"simpul/lab/drift/{scenario.name}.yaml",
            field="context",
        ) from None
    devices[name] = dev.model_copy(update={"regency": regency})


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = (
            _deep_merge(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


def _add_device(devices: Devices, scenario: DriftScenario, lab: DeviceLab) -> None:
    """An undocumented switch plugged into ``interface`` of the edge ``device`` (not in NetBox)."""
    edge_name = _require(scenario.device, scenario, "device")
    port = _require(scenario.interface, scenario, "interface")
    new = scenario.new_device
    if new is None:
        raise InputError(
            f"scenario {scenario.name} needs new_device",
            source=f"simpul/lab/drift/{scenario.name}.yaml",
            field="new_device",
        )
    edge = _device(devices, edge_name, scenario)
    if new.name in devices:
        raise InputError(
            f"drift scenario {scenario.name}: device {new.name} is already in the lab",
            source=f"simpul/lab/drift/{scenario.name}.yaml",
            field="new_device.name",
        )
    edge = _set_interface(edge, port, link_up=True, enabled=True)
    seen_by_edge = LabNeighbor(
        local_port=port,
        remote_device=new.name,
        remote_port=new.uplink,
        remote_platform=new.platform,
        remote_mgmt_ip=new.mgmt_ip,
    )
    devices[edge_name] = edge.model_copy(update={"neighbors": (*edge.neighbors, seen_by_edge)})
    devices[new.name] = _new_switch(new, edge, port, lab)


def _new_switch(new: NewDevice, edge: LabDevice, port: str, lab: DeviceLab) -> LabDevice:
    vlan_name = next((v.name for d in lab.devices for v in d.vlans if v.vid == new.access_vlan), None)
    return LabDevice(
        name=new.name,
        platform=new.platform,
        model=new.model,
        serial=new.serial,
        os_version=new.os_version,
        ssh_port=max(d.ssh_port for d in lab.devices) + 1,
        skpd=edge.skpd,
        site=edge.site,
        role="access-switch",
        mgmt_ip=new.mgmt_ip,
        interfaces=tuple(
            LabInterface(
                name=n,
                ipv4=f"{new.mgmt_ip}/24" if n == new.uplink and new.mgmt_ip else None,
                access_vlan=None if n == new.uplink else new.access_vlan,
            )
            for n in new.interfaces
        ),
        vlans=(LabVlan(vid=new.access_vlan, name=vlan_name or f"VLAN{new.access_vlan}"),)
        if new.access_vlan
        else (),
        neighbors=(
            LabNeighbor(
                local_port=new.uplink,
                remote_device=edge.name,
                remote_port=port,
                remote_platform=edge.platform,
                remote_mgmt_ip=edge.mgmt_ip,
            ),
        ),
        secrets=LabSecrets(**edge.secrets.model_dump()),
    )


_APPLY: dict[str, Callable[[Devices, DriftScenario, DeviceLab], None]] = {
    "remove-link": _remove_link,
    "move-link": _move_link,
    "change-vlan": _change_vlan,
    "change-ip": _change_ip,
    "replace-model": _replace_model,
    "add-config-line": _add_config_line,
    "add-device": _add_device,
    "change-context": _change_context,
    "link-down": _link_down,
}
