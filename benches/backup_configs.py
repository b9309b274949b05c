"""Benchmark: config backup of many devices: simpul vs ansible-playbook vs a sequential netmiko loop.

    .venv/bin/python benches/backup_configs.py [--devices 500] [--workers 100]
        [--ansible-devices 100] [--forks 50] [--netmiko-devices 30]

Devices: fakenos Cisco IOS devices started in a separate process (so the client CPU measured
here is the client's alone), each answering ``show running-config`` with a ~150-line config
holding secrets and time stamps. ``--serve-only`` starts them and waits (for manual runs).
The lab integration point is :func:`bench_simpul` / :func:`bench_ansible` / :func:`bench_netmiko`,
which take any list of :class:`BenchDevice` (name, host, port).

Printed: wall time, devices/s, client CPU (user+sys of this process and its children per device)
for each tool, and the ratios simpul/ansible and simpul/netmiko.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USER = "admin"


@dataclass(frozen=True)
class BenchDevice:
    name: str
    host: str
    port: int
    platform: str = "cisco_ios"


def _config(name: str) -> str:
    stamp = time.strftime("%H:%M:%S UTC %a %b %d %Y")
    lines = [
        "Building configuration...",
        "",
        "Current configuration : 4242 bytes",
        "!",
        f"! Last configuration change at {stamp} by admin",
        "!",
        "version 15.2",
        f"hostname {name}",
        "enable secret 9 $9$benchsecret",
        "username admin privilege 15 secret 9 $9$benchuser",
        "snmp-server community bench-community RO",
    ]
    for i in range(1, 25):
        lines += [
            f"interface GigabitEthernet0/{i}",
            f" description port {i} to {name}-peer",
            f" ip address 10.{i}.0.1 255.255.255.0",
            " no shutdown",
            "!",
        ]
    lines += ["line vty 0 4", " password 7 0822455D0A16", " login", "!", "end"]
    return "\n".join(lines)


SHOW_VERSION = """Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE
SOFTWARE (fc2)
ROM: Bootstrap program is C2960X boot loader
{base_prompt} uptime is 1 week, 2 days, 3 hours, 4 minutes
System image file is "flash:c2960x-universalk9-mz.152-7.E4.bin"
cisco WS-C2960X-24TS-L (APM86XXX) processor (revision V01) with 524288K bytes of memory.
Processor board ID FOC1234X0YZ
Configuration register is 0xF
"""


def serve(count: int, password: str, port_base: int) -> None:
    """Start ``count`` fakenos IOS devices on 127.0.0.1:port_base.. and wait for stdin to close."""
    import logging

    logging.disable(logging.CRITICAL)  # fakenos logs every closed session
    from fakenos import FakeNOS
    from fakenos.core.nos import Nos

    prompts = ["{base_prompt}>", "{base_prompt}#"]

    def show_run(*_: Any, base_prompt: str = "", **__: Any) -> str:
        return _config(base_prompt)

    empty = {"output": "", "prompt": prompts}
    nos = Nos(
        dict_args={
            "name": "bench_ios",
            "initial_prompt": "{base_prompt}>",
            "commands": {
                "enable": {"output": None, "new_prompt": "{base_prompt}#", "prompt": prompts},
                "terminal length 0": empty,
                "terminal width 511": empty,
                "terminal width 512": empty,
                "show privilege": {"output": "Current privilege level is 15", "prompt": prompts},
                "show version": {"output": SHOW_VERSION, "prompt": prompts},  # cisco.ios capabilities
                "show running-config": {"output": show_run, "prompt": ["{base_prompt}#"]},
                "_default_": {"output": "% Invalid input detected at '^' marker.", "help": ""},
            },
        }
    )
    hosts = {f"bench-{i:04d}": {"port": port_base + i, "nos": {"plugin": "bench_ios"}} for i in range(count)}
    net = FakeNOS(inventory={"default": {"username": USER, "password": password}, "hosts": hosts})
    net.nos_plugins["bench_ios"] = nos  # one parsed NOS shared by every host
    t0 = time.monotonic()
    net.start()
    print(f"READY {time.monotonic() - t0:.1f}", flush=True)
    sys.stdin.read()
    net.stop()


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def bench_simpul(devices: list[BenchDevice], password: str, workers: int) -> dict[str, Any]:
    from nornir.core import Nornir
    from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
    from nornir.core.plugins.runners import RunnersPluginRegister

    from simpul.core.scrub import load_scrub_rules
    from simpul.devices.platforms import scrub_families
    from simpul.services.backup import run_backup
    from simpul.store import GitStore

    rules_path = ROOT / "backup_policies" / "config_scrub.yaml"
    rules = load_scrub_rules(rules_path.read_text(), str(rules_path), scrub_families())
    defaults = Defaults(username=USER, password=password)
    hosts = Hosts()
    for d in devices:
        hosts[d.name] = Host(
            name=d.name,
            hostname=d.host,
            port=d.port,
            platform=d.platform,
            defaults=defaults,
            data={"skpd": None, "site": "bench", "netbox_platform": d.platform},
            connection_options={
                "netmiko": ConnectionOptions(
                    extras={
                        "secret": password,
                        "conn_timeout": 60,
                        "banner_timeout": 60,
                        "auth_timeout": 60,
                        "timeout": 60,
                        "fast_cli": False,
                        "read_timeout_override": 60,  # netmiko's own prompts under a loaded simulator
                    }
                )
            },
        )
    RunnersPluginRegister.auto_register()
    runner = RunnersPluginRegister.get_plugin("threaded")(num_workers=workers)
    nornir = Nornir(inventory=Inventory(hosts=hosts, groups=Groups(), defaults=defaults), runner=runner)
    with tempfile.TemporaryDirectory() as repo:
        cpu0, t0 = _cpu(), time.monotonic()
        result = run_backup(nornir, GitStore(Path(repo) / "backups"), rules, now=dt.datetime.now(dt.UTC))
        wall, cpu = time.monotonic() - t0, _cpu() - cpu0
    return {
        "tool": "simpul",
        "devices": len(devices),
        "ok": len(result.changed) + len(result.unchanged),
        "failed": len(result.failed),
        "wall": wall,
        "cpu": cpu,
        "reasons": sorted(set(result.failed.values()))[:3],
    }


ANSIBLE_PLAY = """---
- name: Backup running configs (the Ansible way)
  hosts: all
  gather_facts: false
  tasks:
    - name: Show running-config
      cisco.ios.ios_command:
        commands: [show running-config]
      register: running
    - name: Save it
      ansible.builtin.copy:
        content: "{{ running.stdout[0] }}\\n"
        dest: "{{ backup_dir }}/{{ inventory_hostname }}.cfg"
        mode: "0644"
      delegate_to: localhost
"""


def bench_ansible(devices: list[BenchDevice], password: str, forks: int) -> dict[str, Any]:
    """The Ansible way for the IOS devices of ``devices`` (ios_command + copy)."""
    import yaml

    devices = [d for d in devices if d.platform == "cisco_ios"]

    with tempfile.TemporaryDirectory() as tmp:
        inv = {
            "all": {
                "hosts": {d.name: {"ansible_host": d.host, "ansible_port": d.port} for d in devices},
                "vars": {
                    "ansible_connection": "ansible.netcommon.network_cli",
                    "ansible_network_os": "cisco.ios.ios",
                    "ansible_user": USER,
                    "ansible_password": password,
                    "ansible_become": True,
                    "ansible_become_method": "enable",
                    "ansible_become_password": password,
                    "ansible_network_cli_ssh_type": "paramiko",
                    "ansible_python_interpreter": sys.executable,
                    "backup_dir": f"{tmp}/out",
                },
            }
        }
        Path(tmp, "hosts.yml").write_text(yaml.safe_dump(inv))
        Path(tmp, "play.yml").write_text(ANSIBLE_PLAY)
        Path(tmp, "out").mkdir()
        env = {
            **os.environ,
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_FORKS": str(forks),
            "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "120",
            "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "120",
            "ANSIBLE_NOCOLOR": "1",
        }
        cpu0, t0 = _cpu(), time.monotonic()
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "ansible-playbook"),
                "-i",
                f"{tmp}/hosts.yml",
                f"{tmp}/play.yml",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        wall, cpu = time.monotonic() - t0, _cpu() - cpu0
        ok = len(list(Path(tmp, "out").glob("*.cfg")))
    if ok < len(devices):
        print(proc.stdout[-2500:], file=sys.stderr)
    return {
        "tool": "ansible-playbook",
        "devices": len(devices),
        "ok": ok,
        "failed": len(devices) - ok,
        "wall": wall,
        "cpu": cpu,
        "rc": proc.returncode,
    }


def bench_netmiko(devices: list[BenchDevice], password: str) -> dict[str, Any]:
    from netmiko import ConnectHandler

    from simpul.devices.platforms import platform

    ok = 0
    cpu0, t0 = _cpu(), time.monotonic()
    for d in devices:
        spec = platform(d.platform)
        conn = ConnectHandler(
            device_type=spec.netmiko,
            host=d.host,
            port=d.port,
            username=USER,
            password=password,
            secret=password,
        )
        if spec.enable:
            conn.enable()
        if str(conn.send_command(spec.backup_commands[0], read_timeout=60)).strip():
            ok += 1
        conn.disconnect()
    wall, cpu = time.monotonic() - t0, _cpu() - cpu0
    return {
        "tool": "netmiko loop",
        "devices": len(devices),
        "ok": ok,
        "failed": len(devices) - ok,
        "wall": wall,
        "cpu": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--workers", type=int, default=100, help="simpul (Nornir) threads")
    parser.add_argument("--ansible-devices", type=int, default=100, help="0: skip ansible")
    parser.add_argument("--forks", type=int, default=50)
    parser.add_argument("--netmiko-devices", type=int, default=30, help="0: skip the netmiko loop")
    parser.add_argument("--port-base", type=int, default=0, help="0: find a free range")
    parser.add_argument("--serve-only", action="store_true")
    parser.add_argument(
        "--lab", action="store_true", help="the lab's stateful devices (synthetic regency, mixed platforms)"
    )
    parser.add_argument("--_serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_password", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._serve:
        serve(args.devices, args._password, args.port_base)
        return
    import logging

    logging.basicConfig(level=logging.CRITICAL)  # failures are counted and summarised, not logged
    password = "bench-" + secrets.token_hex(4)
    if not args.port_base:
        args.port_base = _free_range(args.devices)
    if args.lab:
        lab_main(args, password)
        return
    t0 = time.monotonic()
    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--_serve",
            "--devices",
            str(args.devices),
            "--port-base",
            str(args.port_base),
            "--_password",
            password,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    ready = server.stdout.readline().split()
    print(
        f"{args.devices} fakenos IOS devices up in {time.monotonic() - t0:.1f} s (server {ready[1]} s)",
        flush=True,
    )
    devices = [BenchDevice(f"bench-{i:04d}", "127.0.0.1", args.port_base + i) for i in range(args.devices)]
    try:
        if args.serve_only:
            input("serving; press Enter to stop")
            return
        run_all(args, devices, password, server.pid)
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # fakenos stops 500 hosts slowly; the ports die with it
            server.kill()
            server.wait()


def run_all(args: Any, devices: list[BenchDevice], password: str, server_pid: int) -> None:
    rows: list[dict[str, Any]] = []

    def measure(run: Any, *run_args: Any) -> None:
        before = _proc_cpu(server_pid)
        rows.append(run(*run_args))
        rows[-1]["server_cpu"] = _proc_cpu(server_pid) - before
        print(_row(rows[-1]), flush=True)

    measure(bench_simpul, devices, password, args.workers)
    if args.ansible_devices:
        measure(bench_ansible, devices[: args.ansible_devices], password, args.forks)
    if args.netmiko_devices:
        measure(bench_netmiko, devices[: args.netmiko_devices], password)
    rate = {r["tool"]: r["ok"] / r["wall"] for r in rows if r["wall"]}
    for other in ("ansible-playbook", "netmiko loop"):
        if rate.get(other):
            print(f"simpul / {other}: {rate['simpul'] / rate[other]:.1f}x devices/s")


def lab_main(args: Any, password: str) -> None:
    """The lab's device server (simpul.lab.devices) with a synthetic regency of --devices devices."""
    from simpul.lab.devices import devices_status, start_devices, stop_devices
    from simpul.lab.devices.synthetic import synthetic_lab

    lab = synthetic_lab(args.devices, password=password, base_port=args.port_base)
    with tempfile.TemporaryDirectory() as state:
        t0 = time.monotonic()
        start_devices(lab, Path(state), timeout=600)
        status = devices_status(Path(state))
        platforms = sorted({d.platform for d in lab.devices})
        print(
            f"{args.devices} lab devices ({', '.join(platforms)}) up in {time.monotonic() - t0:.1f} s",
            flush=True,
        )
        devices = [BenchDevice(d.name, "127.0.0.1", d.ssh_port, d.platform) for d in lab.devices]
        try:
            run_all(args, devices, lab.password, int(status.pid or 0))
        finally:
            stop_devices(Path(state))


def _proc_cpu(pid: int) -> float:
    """user+sys CPU seconds of a process (the device simulator)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_range(count: int) -> int:
    """A base port whose next ``count`` ports are free on 127.0.0.1 (other labs may run here)."""
    import random
    import socket

    for _ in range(50):
        base = random.randrange(20000, 60000 - count)
        try:
            socks = []
            for port in range(base, base + count):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise SystemExit("no free port range")


def _row(r: dict[str, Any]) -> str:
    rate = r["ok"] / r["wall"] if r["wall"] else 0.0
    extra = f"; simulator CPU {r['server_cpu']:.1f} s" if "server_cpu" in r else ""
    extra += f" rc={r['rc']}" if "rc" in r else ""
    extra += f" reasons={r['reasons']}" if r.get("reasons") else ""
    return (
        f"{r['tool']:>17}: {r['ok']}/{r['devices']} ok in {r['wall']:.1f} s = {rate:.1f} devices/s; "
        f"client CPU {r['cpu']:.1f} s = {1000 * r['cpu'] / max(r['ok'], 1):.0f} ms/device{extra}"
    )


if __name__ == "__main__":
    main()
