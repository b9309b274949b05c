"""Every drift scenario, planted in a running lab, is visible from the device side."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from netmiko import ConnectHandler
from ntc_templates.parse import parse_output

from simpul.errors import InputError
from simpul.lab.devices import devices_status, start_devices, stop_devices
from simpul.lab.drift import apply_drift, list_scenarios, load_scenario
from simpul.lab.spec import DeviceLab, LabInterface
from simpul.parsers import strip_ros_prompt

from .conftest import RunningLab, demo_lab, free_port_block

pytestmark = pytest.mark.devices


def _run(lab: RunningLab, name: str, *commands: str) -> list[str]:
    with ConnectHandler(**lab.netmiko_params(name)) as conn:
        if lab.device(name).platform != "mikrotik_routeros":
            conn.enable()
        return [str(conn.send_command(c)) for c in commands]


def _ros_neighbors(lab: RunningLab, name: str) -> list[tuple[str, str, str, str]]:
    (out,) = _run(lab, name, "/ip neighbor print detail")
    # netmiko now and then leaves RouterOS's prompt after the output; simpul's readers drop it too
    rows = parse_output("mikrotik_routeros", "/ip neighbor print detail", strip_ros_prompt(out))
    return [(r["interface"], r["identity"], r["interface_name"], r["ipv4_address"]) for r in rows]


def check_undocumented_switch(lab: RunningLab) -> None:
    assert ("ether3", "sw-disdik-liar", "ether1", "10.20.3.99") in _ros_neighbors(lab, "rtr-disdik")
    assert _ros_neighbors(lab, "sw-disdik-liar") == [("ether1", "rtr-disdik", "ether3", "10.20.3.1")]


def check_missing_link(lab: RunningLab) -> None:
    assert _ros_neighbors(lab, "rtr-disdik") == []
    assert _ros_neighbors(lab, "sw-disdik-01") == []
    (interfaces,) = _run(lab, "rtr-disdik", "/interface print")
    ether2 = next(line for line in interfaces.splitlines() if " ether2 " in line)
    assert " R " not in ether2[:6]  # not RUNNING


def check_recabled_port(lab: RunningLab) -> None:
    (brief,) = _run(lab, "rtr-dinkes", "show lldp neighbors")
    rows = parse_output("cisco_ios", "show lldp neighbors", brief)
    assert [(r["local_interface"], r["neighbor_name"]) for r in rows] == [("Gi0/2", "sw-dinkes-01")]
    (detail,) = _run(lab, "sw-dinkes-01", "show lldp neighbors detail")
    assert "Port id: GigabitEthernet0/2" in detail and "System Name: rtr-dinkes" in detail


def check_changed_vlan(lab: RunningLab) -> None:
    vlans, export = _run(lab, "sw-disdik-01", "/interface vlan print", "/export")
    assert "     31  bridge" in vlans and "     30  bridge" not in vlans
    assert "add bridge=bridge interface=ether2 pvid=31" in export


def check_changed_ip(lab: RunningLab) -> None:
    (addresses,) = _run(lab, "sw-disdik-01", "/ip address print")
    assert "10.20.3.12/24" in addresses and "10.20.3.2/24" not in addresses
    assert ("ether2", "sw-disdik-01", "ether1", "10.20.3.12") in _ros_neighbors(lab, "rtr-disdik")


def check_replaced_model(lab: RunningLab) -> None:
    (version,) = _run(lab, "sw-dinkes-01", "show version")
    assert "Processor board ID FOC2417Y1ZQ" in version
    assert "cisco WS-C2960L-24PS-LL " in version
    assert "FOC1932X0AB" not in version


def check_changed_config_line(lab: RunningLab) -> None:
    (running,) = _run(lab, "rtr-dinkes", "show running-config | include ^ntp")
    assert running.strip() == "ntp server 10.10.0.123"


def check_ntp_drift(lab: RunningLab) -> None:
    (running,) = _run(lab, "rtr-dinkes", "show running-config | include ^ntp")
    assert running.strip().splitlines() == ["ntp server 10.10.0.123"]  # the regency's servers are gone


def check_snmp_location_drift(lab: RunningLab) -> None:
    (export,) = _run(lab, "sw-disdik-01", "/export")
    snmp = [line for line in export.splitlines() if line.startswith("set contact=")]
    assert len(snmp) == 1 and 'location="Gudang lama Dinas Pendidikan"' in snmp[0]
    (other,) = _run(lab, "rtr-disdik", "/export")
    assert "Gudang lama" not in other  # one device only


def check_uplink_down(lab: RunningLab) -> None:
    (interfaces,) = _run(lab, "core-diskominfo-01", "show interfaces")
    assert "GigabitEthernet0/2 is down, line protocol is down" in interfaces  # the circuit went dark
    assert "GigabitEthernet0/1 is up, line protocol is up" in interfaces  # the other uplink stays


CHECKS: dict[str, Callable[[RunningLab], None]] = {
    "undocumented-switch": check_undocumented_switch,
    "missing-link": check_missing_link,
    "recabled-port": check_recabled_port,
    "changed-vlan": check_changed_vlan,
    "changed-ip": check_changed_ip,
    "replaced-model": check_replaced_model,
    "changed-config-line": check_changed_config_line,
    "ntp-drift": check_ntp_drift,
    "snmp-location-drift": check_snmp_location_drift,
    "uplink-down": check_uplink_down,
}


def test_every_shipped_scenario_has_a_device_side_check() -> None:
    assert sorted(CHECKS) == list_scenarios()


def with_core(lab: DeviceLab, ssh_port: int) -> DeviceLab:
    """The small lab plus the regency's core router, where the internet circuits end."""
    core = lab.devices[2].model_copy(  # rtr-dinkes: a Cisco IOS router, renamed and re-wired
        update={
            "name": "core-diskominfo-01",
            "ssh_port": ssh_port,
            "skpd": None,
            "site": "diskominfo",
            "role": "core-router",
            "mgmt_ip": "10.10.0.1",
            "neighbors": (),
            "interfaces": (
                LabInterface(name="GigabitEthernet0/1", description="Internet Telkom TLK-SKD-001"),
                LabInterface(name="GigabitEthernet0/2", description="Internet Lintasarta LA-SKD-001"),
            ),
        }
    )
    return lab.model_copy(update={"devices": (*lab.devices, core)})


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_drift_is_visible_on_the_devices(name: str, tmp_path: Path) -> None:
    base = free_port_block(10)
    lab = with_core(demo_lab(base), base + 9) if name == "uplink-down" else demo_lab(base)
    patched = apply_drift(lab, load_scenario(name))
    assert lab.drift == () and patched.drift == (name,)
    state_dir = tmp_path / "state"
    status = start_devices(patched, state_dir, timeout=60)
    try:
        assert status.drift == (name,)
        assert devices_status(state_dir).drift == (name,)
        CHECKS[name](RunningLab(patched, state_dir, status))
    finally:
        stop_devices(state_dir)


def test_apply_drift_is_pure_and_idempotent_in_its_record() -> None:
    lab = demo_lab(40000)
    before = lab.model_dump()
    scenario = load_scenario("missing-link")
    once = apply_drift(lab, scenario)
    twice = apply_drift(once, scenario)
    assert lab.model_dump() == before
    assert next(d for d in lab.devices if d.name == "rtr-disdik").neighbors  # untouched
    assert twice.drift == ("missing-link",)


def test_unknown_scenario_is_an_input_error_listing_the_known_ones() -> None:
    with pytest.raises(InputError) as info:
        load_scenario("cable-eaten-by-rats")
    assert "cable-eaten-by-rats" in info.value.message
    assert info.value.hint is not None and "missing-link" in info.value.hint
    assert info.value.exit_code == 2


def test_scenario_whose_target_is_absent_is_an_input_error() -> None:
    lab = DeviceLab(password="x", devices=tuple(d for d in demo_lab(40000).devices if d.name != "rtr-dinkes"))
    with pytest.raises(InputError) as info:
        apply_drift(lab, load_scenario("changed-config-line"))
    assert "rtr-dinkes" in info.value.message
