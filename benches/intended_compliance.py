"""Benchmark: offline compliance of N devices from a config-backup repo, simpul vs ansible-playbook.

    .venv/bin/python benches/intended_compliance.py [--devices 500] [--peer-devices 100] [--forks 20]

Set-up (not timed): N Cisco IOS devices of a synthetic regency (8 interfaces, 2 VLANs, the demo
regency's config context), their intended configs rendered by simpul's template, their running
configs as the lab's IOS device prints them (secrets planted), scrubbed by the backup rules and
committed to a git backup repo; one device in ten has drifted (its NTP servers replaced by a hand-set one).

simpul (timed): what ``simpul intended check`` does once the render context is known: read every
running config from the backup repo (``GitStore``) and check every feature of
``compliance/rules.yaml`` (``simpul.core.compliance.check``). No device is contacted.

The peer (timed): ``ansible-playbook --check`` with ``cisco.ios.ios_config`` (``src:`` the intended
config, ``running_config:`` the backup file), the closest Ansible has to an offline compliance
check. ios_config still opens its ``network_cli`` connection to every host before it diffs, so
every host points at one real SSH device of the lab (a stateful fakenos IOS on loopback): the peer
pays its connection, never a slow config read. ``--peer-devices`` limits the peer's hosts when a full
run would take too long; the ratio is then per device (devices/s vs devices/s).

Printed (JSON): devices, wall time, devices/s of each tool, findings, and the ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent


def _regency() -> Any:
    from simpul.core.intended import RegencyConfig
    from simpul.netbox.seed import load_demo

    context = next(c for c in load_demo().config_contexts if c.regions)
    return RegencyConfig.model_validate(context.data["jaringan_intra"])


def _devices(n: int) -> list[Any]:
    from simpul.lab.spec import LabDevice, LabInterface, LabSecrets, LabVlan

    regency = _regency()
    drifted = regency.model_copy(update={"ntp_servers": ("10.10.0.123",)})
    out = []
    for i in range(n):
        interfaces = tuple(
            LabInterface(
                name=f"GigabitEthernet0/{k}",
                description=f"Jaringan Intra port {k}",
                ipv4=f"10.{100 + i // 250}.{i % 250}.{4 * k + 1}/30" if k < 4 else None,
                access_vlan=None if k < 4 else 10 + k % 2,
            )
            for k in range(8)
        )
        out.append(
            LabDevice(
                name=f"rtr-bench-{i:04d}",
                platform="cisco_ios",
                model="ISR4331",
                serial=f"FDO{i:08d}",
                os_version="15.9(3)M7",
                ssh_port=0,
                skpd=f"skpd-{i % 40}",
                interfaces=interfaces,
                vlans=(LabVlan(vid=10, name="Staf"), LabVlan(vid=11, name="Tamu")),
                secrets=LabSecrets(
                    enable_secret=secrets.token_hex(8),
                    user_password=secrets.token_hex(8),
                    snmp_community="snmp" + secrets.token_hex(4),
                    ipsec_psk=secrets.token_hex(8),
                    ppp_secret=secrets.token_hex(6),
                ),
                regency=drifted if i % 10 == 0 else regency,
            )
        )
    return out


def _intended(device: Any, regency: Any) -> Any:
    from simpul.core.intended import IntendedDevice, IntendedInterface, IntendedVlan

    return IntendedDevice(
        name=device.name,
        platform=device.platform,
        skpd=device.skpd,
        interfaces=tuple(
            IntendedInterface(
                name=i.name,
                description=i.description,
                ipv4=(i.ipv4,) if i.ipv4 else (),
                access_vlan=i.access_vlan,
            )
            for i in device.interfaces
        ),
        vlans=tuple(IntendedVlan(vid=v.vid, name=v.name) for v in device.vlans),
        regency=regency,
    )


def prepare(n: int, work: Path) -> tuple[dict[str, str], list[Any], Path]:
    """Intended configs, scopes, and a backup repo of the running configs (scrubbed)."""
    from simpul.core.compliance import DeviceScope
    from simpul.core.intended import render_device
    from simpul.devices.platforms import platform
    from simpul.lab.devices.state import IosState
    from simpul.lab.spec import DeviceLab
    from simpul.services.backup import Fetched, commit_backups, process_config
    from simpul.services.backup import load_rules as scrub_rules
    from simpul.services.intended import load_templates
    from simpul.settings import load_settings
    from simpul.store import GitStore
    from simpul.store.layout import backup_path

    templates, source = load_templates()
    rules = scrub_rules(
        load_settings(env={}, settings_file=False), ROOT / "backup_policies/config_scrub.yaml"
    )
    devices = _devices(n)
    regency = _regency()
    lab = DeviceLab(password="bench", devices=tuple(devices))
    intended: dict[str, str] = {}
    scopes = []
    fetched = []
    for device in devices:
        intended[device.name] = render_device(_intended(device, regency), templates, source)
        scopes.append(DeviceScope(name=device.name, platform=device.platform, skpd=device.skpd))
        raw = IosState(device, lab).cmd_show_running_config("", "#", "show running-config")
        text, _ = process_config(device.name, platform("cisco_ios"), raw, rules)
        fetched.append(Fetched(name=device.name, path=backup_path(device.name, device.skpd, None), text=text))
    repo = work / "backups"
    commit_backups(GitStore(repo), fetched, dt.datetime.now(dt.UTC))
    return intended, scopes, repo


def bench_simpul(intended: dict[str, str], scopes: list[Any], repo: Path) -> dict[str, Any]:
    from simpul.core.compliance import check, load_rules
    from simpul.store import GitStore

    start = time.perf_counter()
    rules = load_rules((ROOT / "compliance/rules.yaml").read_text(), "compliance/rules.yaml")
    store = GitStore(repo)
    blobs = store.blobs_at()  # one tree listing; then one read per device
    by_name = {Path(p).stem: p for p in blobs}
    findings = 0
    today = dt.date.today()
    for scope in scopes:
        running = store.read(by_name[scope.name]) or ""
        result = check(running, intended[scope.name], rules, scope, (), today)
        findings += 0 if result.compliant else 1
    wall = time.perf_counter() - start
    return {
        "tool": "simpul (backup repo + core.compliance.check)",
        "devices": len(scopes),
        "wall_s": wall,
        "devices_per_s": len(scopes) / wall,
        "non_compliant": findings,
    }


def _start_peer_device(work: Path) -> tuple[Any, int]:
    from simpul.lab.devices import start_devices
    from simpul.lab.spec import DeviceLab
    from tests.lab_devices.conftest import free_port_block

    device = _devices(1)[0].model_copy(update={"ssh_port": free_port_block(1), "name": "rtr-peer"})
    lab = DeviceLab(password="Bench" + secrets.token_hex(6), devices=(device,))
    start_devices(lab, work / "peer-device")
    return lab, device.ssh_port


def bench_ansible(intended: dict[str, str], repo: Path, work: Path, limit: int, forks: int) -> dict[str, Any]:
    from simpul.lab.devices import stop_devices
    from simpul.store import GitStore

    lab, port = _start_peer_device(work)
    try:
        store = GitStore(repo)
        by_name = {Path(p).stem: p for p in store.blobs_at()}
        hosts: dict[str, Any] = {}
        files = work / "peer"
        files.mkdir(exist_ok=True)
        for name in sorted(intended)[:limit]:
            (files / f"{name}.intended").write_text(intended[name])
            (files / f"{name}.running").write_text(store.read(by_name[name]) or "")
            hosts[name] = {"ansible_host": "127.0.0.1", "ansible_port": port}
        inventory = {
            "all": {
                "hosts": hosts,
                "vars": {
                    "ansible_connection": "ansible.netcommon.network_cli",
                    "ansible_network_os": "cisco.ios.ios",
                    "ansible_user": lab.username,
                    "ansible_password": lab.password,
                    "ansible_become": True,
                    "ansible_become_method": "enable",
                    "ansible_become_password": lab.password,  # the lab enables with the login password
                    "ansible_host_key_checking": False,
                },
            }
        }
        (work / "inventory.json").write_text(json.dumps(inventory))
        (work / "check.yml").write_text(
            "- hosts: all\n  gather_facts: false\n  tasks:\n"
            "    - cisco.ios.ios_config:\n"
            f"        src: {files}/{{{{ inventory_hostname }}}}.intended\n"
            "        running_config: \"{{ lookup('file', '"
            f"{files}/' ~ inventory_hostname ~ '.running') }}}}\"\n"
        )
        start = time.perf_counter()
        proc = subprocess.run(
            [
                str(BIN / "ansible-playbook"),
                "-i",
                str(work / "inventory.json"),
                str(work / "check.yml"),
                "--check",
                "-f",
                str(forks),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={"PATH": f"{BIN}:/usr/bin:/bin", "ANSIBLE_HOST_KEY_CHECKING": "False", "HOME": str(work)},
        )
        wall = time.perf_counter() - start
    finally:
        stop_devices(work / "peer-device")
    if proc.returncode not in (0, 2):
        print(proc.stdout[-3000:], proc.stderr[-2000:], file=sys.stderr)
    recap = [line for line in proc.stdout.splitlines() if " : ok=" in line]
    changed = sum(1 for line in recap if "changed=0" not in line)
    failed = sum(1 for line in recap if "failed=0" not in line or "unreachable=0" not in line)
    return {
        "tool": "ansible-playbook --check cisco.ios.ios_config (src + running_config)",
        "devices": len(hosts),
        "wall_s": wall,
        "devices_per_s": len(hosts) / wall,
        "changed": changed,
        "failed": failed,
        "rc": proc.returncode,
        "errors": sorted(
            {line.strip()[:200] for line in proc.stdout.splitlines() if line.startswith("fatal:")}
        )[:3],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--peer-devices", type=int, default=None, help="hosts for the peer (default: all)")
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="simpul-bench-intended-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        intended, scopes, repo = prepare(args.devices, work)
        setup = time.perf_counter() - t0
        simpul = bench_simpul(intended, scopes, repo)
        out: dict[str, Any] = {"setup_s": setup, "simpul": simpul}
        if not args.no_peer:
            peer = bench_ansible(intended, repo, work, args.peer_devices or args.devices, args.forks)
            out["ansible"] = peer
            out["ratio_devices_per_s"] = simpul["devices_per_s"] / peer["devices_per_s"]
        print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
