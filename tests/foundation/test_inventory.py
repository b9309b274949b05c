"""One inventory: `simpul inventory` and Ansible's nb_inventory see the same hosts and groups."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.netbox, pytest.mark.devices]

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE_INVENTORY = str(Path(sys.executable).parent / "ansible-inventory")


def _groups_of(hosts: dict[str, dict]) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for name, host in hosts.items():
        for group in host["groups"]:
            groups.setdefault(group, set()).add(name)
    return groups


def test_simpul_and_ansible_agree_on_hosts_and_groups(lab, simpul_cli) -> None:
    env = lab.env()
    ours = simpul_cli("inventory", "--json", env=env)
    assert ours.returncode == 0, ours.stderr
    hosts = json.loads(ours.stdout)["hosts"]
    theirs = subprocess.run(
        [ANSIBLE_INVENTORY, "--list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
    )
    ansible = json.loads(theirs.stdout)
    assert len(hosts) >= 75
    assert set(hosts) == set(ansible["_meta"]["hostvars"])
    ansible_groups = {
        g: set(v.get("hosts", [])) for g, v in ansible.items() if g not in ("_meta", "all", "ungrouped")
    }
    ansible_groups = {g: h for g, h in ansible_groups.items() if h}
    assert _groups_of(hosts) == ansible_groups
    # lab mode: both reach the simulated devices on loopback, with no hand edits
    edge = hosts["rtr-disdik"]
    assert edge["hostname"] == "127.0.0.1"
    assert ansible["_meta"]["hostvars"]["rtr-disdik"]["ansible_port"] == edge["port"]
    assert {"skpd_disdik", "role_skpd_edge", "platform_mikrotik_routeros"} <= set(edge["groups"])


def test_filters_narrow_the_inventory(lab, simpul_cli) -> None:
    out = simpul_cli("inventory", "--skpd", "disdik", "--json", env=lab.env())
    assert out.returncode == 0, out.stderr
    assert set(json.loads(out.stdout)["hosts"]) == {"rtr-disdik", "sw-disdik-01"}
    out = simpul_cli(
        "inventory", "--platform", "arista_eos", "--role", "distribution", "--json", env=lab.env()
    )
    names = set(json.loads(out.stdout)["hosts"])
    assert names and all(n.startswith("dist-") for n in names)


def test_credentials_are_not_in_inventory_files() -> None:
    """Every credential-like variable in inventory/ is looked up from the environment."""
    import yaml

    for path in (ROOT / "inventory").rglob("*.yml"):
        data = yaml.safe_load(path.read_text()) or {}
        for key, value in data.items():
            if any(word in key for word in ("password", "secret", "token", "community")):
                assert "lookup('env'" in str(value), f"{path}: {key} must come from the environment"


def test_generated_group_vars_match_the_platform_map() -> None:
    from simpul.ansible_vars import render_all

    for name, text in render_all().items():
        assert (ROOT / "inventory" / "group_vars" / name).read_text() == text, (
            f"inventory/group_vars/{name} is stale: run python -m simpul.ansible_vars"
        )


@pytest.mark.parametrize(
    ("url", "token", "needle"),
    [
        ("http://127.0.0.1:9", "nbt_x.y", "cannot reach"),
    ],
)
def test_unreachable_netbox_is_exit_2(simpul_cli, url: str, token: str, needle: str) -> None:
    import os

    env = dict(os.environ, NETBOX_URL=url, NETBOX_TOKEN=token)
    out = simpul_cli("inventory", "--json", env=env)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and url in out.stderr


def test_wrong_token_is_exit_2(netbox, simpul_cli) -> None:
    env = netbox.env()
    env["NETBOX_TOKEN"] = "nbt_000000000000.0000000000000000000000000000000000000000"
    out = simpul_cli("inventory", "--json", env=env)
    assert out.returncode == 2
    assert "NETBOX_TOKEN" in out.stderr and "Traceback" not in out.stderr
