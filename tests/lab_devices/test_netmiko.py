"""netmiko against the simulated devices of all three platforms: show commands, config, persistence."""

from __future__ import annotations

import pytest
from netmiko import ConnectHandler
from ntc_templates.parse import parse_output

from .conftest import RunningLab

pytestmark = pytest.mark.devices


def test_ios_show_commands_answer_from_the_spec(running_lab: RunningLab) -> None:
    dev = running_lab.device("rtr-dinkes")
    with ConnectHandler(**running_lab.netmiko_params("rtr-dinkes")) as conn:
        conn.enable()
        assert conn.find_prompt() == "rtr-dinkes#"
        assert str(conn.send_command("show privilege")).strip() == "Current privilege level is 15"
        version = conn.send_command("show version")
        assert f"Processor board ID {dev.serial}" in version
        brief = parse_output(
            "cisco_ios", "show ip interface brief", conn.send_command("show ip interface brief")
        )
        assert {r["interface"]: r["ip_address"] for r in brief}["GigabitEthernet0/1"] == "10.20.4.1"
        lldp = parse_output("cisco_ios", "show lldp neighbors", conn.send_command("show lldp neighbors"))
        assert [(r["local_interface"], r["neighbor_name"]) for r in lldp] == [("Gi0/1", "sw-dinkes-01")]
        running = conn.send_command("show running-config")
        for planted in (dev.secrets.enable_secret, dev.secrets.snmp_community, dev.secrets.ipsec_psk):
            assert planted in running
        assert str(conn.send_command("sh run | i ^hostname")).strip() == "hostname rtr-dinkes"


def test_ios_switch_show_vlan(running_lab: RunningLab) -> None:
    with ConnectHandler(**running_lab.netmiko_params("sw-dinkes-01")) as conn:
        conn.enable()
        rows = parse_output("cisco_ios", "show vlan", conn.send_command("show vlan brief"))
        vlan40 = next(r for r in rows if r["vlan_id"] == "40")
        assert vlan40["vlan_name"] == "Dinkes-Staf"
        assert vlan40["interfaces"] == ["Gi0/2", "Gi0/3"]


def test_ios_enable_refuses_a_wrong_secret(running_lab: RunningLab) -> None:
    params = {**running_lab.netmiko_params("rtr-dinkes"), "secret": "wrong"}
    with ConnectHandler(**params) as conn:
        with pytest.raises(ValueError):
            conn.enable()
        assert conn.find_prompt() == "rtr-dinkes>"


def test_ios_config_change_persists_across_sessions_and_write_memory(fresh_lab: RunningLab) -> None:
    params = fresh_lab.netmiko_params("rtr-dinkes")
    with ConnectHandler(**params) as conn:
        conn.enable()
        conn.send_config_set(
            ["logging host 10.10.0.50", "interface GigabitEthernet0/2", "description ke-printer"]
        )
        assert "logging host 10.10.0.50" not in conn.send_command("show startup-config")
    with ConnectHandler(**params) as conn:
        conn.enable()
        running = conn.send_command("show running-config")
        assert "logging host 10.10.0.50" in running
        assert "interface GigabitEthernet0/2\n description ke-printer" in running
        assert "[OK]" in conn.save_config()
        assert "logging host 10.10.0.50" in conn.send_command("show startup-config")
        conn.send_config_set(["no logging host 10.10.0.50", "hostname rtr-dinkes-baru"])
        assert conn.find_prompt() == "rtr-dinkes-baru#"
        assert "logging host" not in conn.send_command("show running-config")


def test_eos_show_and_config(fresh_lab: RunningLab) -> None:
    params = fresh_lab.netmiko_params("dist-diskominfo-01")
    with ConnectHandler(**params) as conn:
        conn.enable()
        assert conn.find_prompt() == "dist-diskominfo-01#"
        assert "Serial number: JPE16292961" in conn.send_command("show version")
        lldp = conn.send_command("show lldp neighbors")
        assert "rtr-disdik" in lldp and "rtr-dinkes" in lldp
        assert "Ethernet2" in conn.send_command("show ip interface brief")
        conn.send_config_set(["vlan 99", "name Tamu", "interface Ethernet1", "description uplink-core"])
        conn.save_config()
    with ConnectHandler(**params) as conn:
        conn.enable()
        assert "99    Tamu" in conn.send_command("show vlan")
        assert "description uplink-core" in conn.send_command("show startup-config")


def test_mikrotik_prints_and_changes(fresh_lab: RunningLab) -> None:
    dev = fresh_lab.device("rtr-disdik")
    params = fresh_lab.netmiko_params("rtr-disdik")
    with ConnectHandler(**params) as conn:
        assert conn.find_prompt() == "[admin@rtr-disdik] >"
        export = str(conn.send_command("/export"))
        assert export.startswith("# ") and "by RouterOS 7.14.3" in export.splitlines()[0]
        assert "# software id = " in export
        for planted in (
            dev.secrets.user_password,
            dev.secrets.ppp_secret,
            dev.secrets.snmp_community,
            dev.secrets.ipsec_psk,
        ):
            assert planted in export
        addresses = parse_output(
            "mikrotik_routeros", "/ip address print", conn.send_command("/ip address print")
        )
        assert {(a["ip"], a["interface"]) for a in addresses} == {
            ("10.30.0.7", "ether1"),
            ("10.20.3.1", "ether2"),
        }
        detail = parse_output(
            "mikrotik_routeros", "/ip neighbor print detail", conn.send_command("/ip neighbor print detail")
        )
        assert [(n["interface"], n["identity"], n["interface_name"]) for n in detail] == [
            ("ether2", "sw-disdik-01", "ether1")
        ]
        assert "Disdik-Staf" in conn.send_command("/interface vlan print")
        assert str(conn.send_command("/system identity print")).strip() == "name: rtr-disdik"
        routerboard = conn.send_command("/system routerboard print")
        assert f"serial-number: {dev.serial}" in routerboard
        conn.send_config_set(["/ip address add address=10.20.99.1/24 interface=ether3"])
        # the prompt changes with the identity, so do not wait for the old one
        conn.send_command_timing("/system identity set name=rtr-disdik-2")
    with ConnectHandler(**params) as conn:
        assert conn.find_prompt() == "[admin@rtr-disdik-2] >"
        assert "10.20.99.1/24" in conn.send_command("/ip address print")
        assert "add address=10.20.99.1/24 interface=ether3 network=10.20.99.0" in conn.send_command("/export")
