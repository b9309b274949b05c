"""Benchmark: the push dry-run of the demo regency, simpul vs ansible-playbook (check mode).

    eval "$(simpul lab env)"          # a running lab: simpul lab up
    .venv/bin/python benches/intended_push.py [--device NAME ...] [--workers 20] [--forks 20]
    .venv/bin/python benches/intended_push.py --own-lab   # a throwaway lab on free ports (no netns)

simpul: ``simpul.services.intended_push.push`` without commit (what ``simpul intended push`` runs):
render every device from NetBox, read each running config over SSH, compute the remediation,
concurrently on Nornir.

The peer: ``ansible-playbook --check`` over the same devices with the same intended configs (rendered
by simpul beforehand, not timed: the peer has no renderer of its own here): ``cisco.ios.ios_config``
(``src:`` the intended config, check mode: the lines it would send) for Cisco IOS,
``arista.eos.eos_config`` the same for Arista EOS, and for MikroTik ``community.routeros.command``
reading ``/export`` (community.routeros has no config module with a check mode; the read is the
part of a dry run it can do). arista.eos's cliconf asks the device for ``| json`` output, which
the lab's EOS does not give: EOS devices fail in the peer; ``--platform cisco_ios --platform
mikrotik_routeros`` compares like for like. Devices are reached with ``ansible.netcommon.network_cli`` at the
lab's loopback ports (``SIMPUL_INVENTORY_OVERRIDES``), the credentials from ``SIMPUL_DEVICE_*``.

Printed: devices, wall time of each tool, devices/s, and the ratio ansible/simpul (how many times
faster simpul is). Nothing is pushed by either tool.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
DEFAULT_PLATFORMS = ("cisco_ios", "arista_eos", "mikrotik_routeros")


def _settings() -> Any:
    from simpul.settings import load_settings

    return load_settings()


PLATFORMS: list[str] = []  # --platform: only these (default: every IOS/EOS/RouterOS device)


def _filters(devices: list[str]) -> Any:
    from simpul.inventory import Filters

    return Filters(device=tuple(devices), platform=tuple(PLATFORMS) or DEFAULT_PLATFORMS)


def bench_simpul(devices: list[str], workers: int) -> dict[str, Any]:
    from simpul.cli._common import quiet_nornir
    from simpul.services.intended_push import PushRequest, push

    os.environ["SIMPUL_WORKERS"] = str(workers)
    quiet_nornir()
    start = time.perf_counter()
    result = push(_settings(), PushRequest(filters=_filters(devices), commit=False, record=False))
    wall = time.perf_counter() - start
    failed = {n: d.reason for n, d in result.devices.items() if d.result == "failed"}
    return {
        "tool": "simpul intended push (dry run)",
        "devices": len(result.devices),
        "wall_s": wall,
        "would_change": sorted(n for n, d in result.devices.items() if d.changed),
        "failed": failed,
    }


def _ansible_inventory(configs: dict[str, str], platforms: dict[str, str], directory: Path) -> Path:
    from simpul.devices.platforms import platform

    overrides = json.loads(Path(os.environ["SIMPUL_INVENTORY_OVERRIDES"]).read_text())["hosts"]
    groups: dict[str, Any] = {}
    for name, text in configs.items():
        spec = platform(platforms[name])
        (directory / f"{name}.cfg").write_text(text)
        host = overrides[name]
        groups.setdefault(spec.slug, {"hosts": {}})["hosts"][name] = {
            "ansible_host": host["hostname"],
            "ansible_port": host["port"],
            "ansible_connection": spec.ansible_connection,
            "ansible_network_os": spec.ansible_network_os,
            "ansible_user": os.environ.get("SIMPUL_DEVICE_USERNAME", "admin") + spec.ansible_user_suffix,
            "ansible_password": os.environ["SIMPUL_DEVICE_PASSWORD"],
            "ansible_become": spec.enable,
            "ansible_become_method": "enable",
            "ansible_become_password": os.environ.get("SIMPUL_DEVICE_ENABLE_SECRET")
            or os.environ["SIMPUL_DEVICE_PASSWORD"],
            "intended_file": str(directory / f"{name}.cfg"),
        }
    path = directory / "inventory.json"
    path.write_text(json.dumps({"all": {"children": groups}}))
    return path


PLAYBOOK = """
- name: IOS dry run
  hosts: cisco_ios
  gather_facts: false
  tasks:
    - name: What ios_config would send
      cisco.ios.ios_config:
        src: "{{ intended_file }}"
- name: EOS dry run
  hosts: arista_eos
  gather_facts: false
  tasks:
    - name: What eos_config would send
      arista.eos.eos_config:
        src: "{{ intended_file }}"
- name: RouterOS read
  hosts: mikrotik_routeros
  gather_facts: false
  tasks:
    - name: Read the export
      community.routeros.command:
        commands: ["/export"]
"""


def bench_ansible(devices: list[str], forks: int) -> dict[str, Any]:
    from simpul.services.intended import RenderRequest, render

    rendered = render(_settings(), RenderRequest(filters=_filters(devices)))
    with tempfile.TemporaryDirectory(prefix="simpul-bench-") as tmp:
        directory = Path(tmp)
        inventory = _ansible_inventory(rendered.configs, rendered.platforms, directory)
        (directory / "play.yml").write_text(PLAYBOOK)
        env = os.environ | {
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "60",
            "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "120",
            "ANSIBLE_INVENTORY": str(inventory),
        }
        cmd = [
            str(BIN / "ansible-playbook"),
            "-i",
            str(inventory),
            "--check",
            "-f",
            str(forks),
            str(directory / "play.yml"),
        ]
        start = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - start
    failed = run.stdout.count("failed=1") + run.stdout.count("unreachable=1")
    fatal = [line[:200] for line in run.stdout.splitlines() if line.startswith(("fatal:", "failed:"))]
    return {
        "tool": "ansible-playbook --check (ios_config/eos_config/routeros command)",
        "devices": len(rendered.configs),
        "wall_s": wall,
        "rc": run.returncode,
        "failed_hosts": failed,
        "fatal": "\n    ".join(fatal[:10]),
    }


def own_lab() -> Any:
    """A whole demo lab (NetBox seeded + the simulated devices, no namespaces) in a temp dir on
    free ports; the environment pointed at it. Returns the Lab (call ``down()``)."""
    from simpul.lab.netbox_lab import Ports, free_port, postgres_reachable_tempdir
    from simpul.lab.orchestrate import Lab
    from simpul.settings import load_settings

    lab_dir = postgres_reachable_tempdir("simpul-bench-lab-")
    os.environ["SIMPUL_LAB_DIR"] = str(lab_dir)
    os.environ["SIMPUL_STATE_DIR"] = str(lab_dir / "state")
    settings = load_settings(settings_file=False)
    ports = Ports(http=free_port(), postgres=free_port(), redis=free_port())
    base = free_port() // 100 * 100 % 30000 + 30000
    lab = Lab(settings, ports, device_base_port=base, netns_prefix=f"b{os.getpid()}-")
    lab.up(netns=False)
    for line in lab.env_lines():
        key, _, value = line.removeprefix("export ").partition("=")
        os.environ[key] = value
    return lab


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--device", action="append", default=[], help="only these devices (default: every IOS/EOS/RouterOS)"
    )
    parser.add_argument("--workers", type=int, default=20, help="simpul (Nornir) threads")
    parser.add_argument("--forks", type=int, default=20, help="ansible forks")
    parser.add_argument("--skip-ansible", action="store_true")
    parser.add_argument("--own-lab", action="store_true", help="boot a throwaway lab for the run")
    parser.add_argument("--platform", action="append", default=[], help="only this platform (repeatable)")
    args = parser.parse_args()
    PLATFORMS[:] = args.platform
    lab = own_lab() if args.own_lab else None
    try:
        if not os.environ.get("SIMPUL_INVENTORY_OVERRIDES"):
            sys.exit('point at a running lab first: eval "$(simpul lab env)"')
        rows = [bench_simpul(args.device, args.workers)]
        if not args.skip_ansible:
            rows.append(bench_ansible(args.device, args.forks))
    finally:
        if lab is not None:
            lab.down()
    _print(rows)


def _print(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        rate = row["devices"] / row["wall_s"] if row["wall_s"] else 0.0
        print(f"{row['tool']}: {row['devices']} devices in {row['wall_s']:.1f} s ({rate:.2f} devices/s)")
        for key in ("would_change", "failed", "rc", "failed_hosts", "fatal"):
            if row.get(key):
                print(f"  {key}: {row[key]}")
    if len(rows) == 2 and rows[0]["wall_s"]:
        print(f"ratio ansible/simpul: {rows[1]['wall_s'] / rows[0]['wall_s']:.1f}x")


if __name__ == "__main__":
    main()
