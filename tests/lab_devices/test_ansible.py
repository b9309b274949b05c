"""A real ansible-playbook run against the lab: cisco.ios (command, config twice) and community.routeros."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from netmiko import ConnectHandler

from .conftest import RunningLab

pytestmark = [pytest.mark.devices, pytest.mark.slow]

PLAYBOOK = """
- name: Cisco IOS over network_cli
  hosts: ios
  gather_facts: false
  tasks:
    - name: show commands
      cisco.ios.ios_command:
        commands: [show version, show lldp neighbors]
      register: shown
    - name: ntp first
      cisco.ios.ios_config:
        lines: [ntp server 10.10.0.5]
    - name: ntp again
      cisco.ios.ios_config:
        lines: [ntp server 10.10.0.5]
    - name: interface description
      cisco.ios.ios_config:
        parents: [interface GigabitEthernet0/2]
        lines: [description ke-ruang-server]
- name: MikroTik RouterOS
  hosts: routeros
  gather_facts: false
  tasks:
    - name: routeros prints
      community.routeros.command:
        commands: [/system identity print, /ip neighbor print]
"""


def _results(stdout: str) -> dict[str, dict[str, dict[str, object]]]:
    """task name -> host -> result, from the ansible.posix.json callback."""
    data = json.loads(stdout)
    out: dict[str, dict[str, dict[str, object]]] = {}
    for play in data["plays"]:
        for task in play["tasks"]:
            out[task["task"]["name"]] = task["hosts"]
    return out


def test_ansible_playbook_against_lab_devices(fresh_lab: RunningLab, tmp_path: Path) -> None:
    lab = fresh_lab.lab
    ios, ros = fresh_lab.device("rtr-dinkes"), fresh_lab.device("rtr-disdik")
    inventory = {
        "all": {
            "children": {
                "ios": {
                    "hosts": {ios.name: {"ansible_host": lab.host, "ansible_port": ios.ssh_port}},
                    "vars": {
                        "ansible_network_os": "cisco.ios.ios",
                        "ansible_become": True,
                        "ansible_become_method": "enable",
                    },
                },
                "routeros": {
                    "hosts": {ros.name: {"ansible_host": lab.host, "ansible_port": ros.ssh_port}},
                    "vars": {"ansible_network_os": "community.routeros.routeros"},
                },
            },
            "vars": {"ansible_connection": "ansible.netcommon.network_cli", "ansible_user": lab.username},
        }
    }
    (tmp_path / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "site.yml").write_text(PLAYBOOK)
    # credentials reach Ansible through extra vars in a 0600 file in tmp_path, never the repo
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps({"ansible_password": lab.password, "ansible_become_password": lab.password}))
    creds.chmod(0o600)
    env = {
        **os.environ,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_NETWORK_CLI_SSH_TYPE": "paramiko",
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "60",
        "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(tmp_path / "cp"),
    }
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-playbook")),
            "-i",
            str(tmp_path / "inventory.yml"),
            "-e",
            f"@{creds}",
            str(tmp_path / "site.yml"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert lab.password not in proc.stdout
    results = _results(proc.stdout)
    shown = results["show commands"][ios.name]["stdout"]
    assert isinstance(shown, list)
    assert "rtr-dinkes uptime is" in shown[0] and "sw-dinkes-01" in shown[1]
    assert results["ntp first"][ios.name]["changed"] is True
    assert results["ntp again"][ios.name]["changed"] is False
    assert results["interface description"][ios.name]["changed"] is True
    ros_out = results["routeros prints"][ros.name]["stdout"]
    assert isinstance(ros_out, list)
    assert "name: rtr-disdik" in ros_out[0] and "sw-disdik-01" in ros_out[1]
    # and the device really changed: a new session sees it
    with ConnectHandler(**fresh_lab.netmiko_params(ios.name)) as conn:
        conn.enable()
        running = conn.send_command("show running-config")
    assert "ntp server 10.10.0.5" in running
    assert "interface GigabitEthernet0/2\n description ke-ruang-server" in running
