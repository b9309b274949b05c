"""Benchmark: VPS requests in parallel, and a create/resize/delete cycle: simpul vs Ansible's
community.libvirt modules.

    .venv/bin/python benches/vps.py [--parallel 20] [--cycle 10] [--no-ansible]

Starts what it needs on loopback and stops it afterwards: a real NetBox 4.7 (the lab's, from the
cached dump; bootstrap plus a minimal Pusat Data: a libvirt cluster with capacity, the VPS prefix,
three SKPD with quotas) and a libvirtd of its own (simpul.lab.libvirt_lab) with the cached image.
Needs root (the libvirtd mounts its own directories).

1. ``--parallel`` ``simpul vps request`` processes started at once (what 20 operators or a
   Terraform apply with parallelism do): wall time, and duplicates (names, addresses) in NetBox
   afterwards -- the number to keep at 0.
2. The cycle, without booting anything (VPS staged: defined, not started): create ``--cycle`` VPS,
   resize each (vCPU +1, memory +128 MB, disk +1 GB), delete them (purge). simpul: three
   ``simpul vps apply --commit`` runs after the NetBox edits (each run reads NetBox, plans, acts,
   re-reads the hypervisor and writes status + journal back). Ansible: one ansible-playbook doing
   the same hypervisor work with community.libvirt.virt (define from the same domain XML,
   undefine) and command tasks for qemu-img/genisoimage/virsh -- without NetBox reads, checks or
   write-back, which simpul does on top. Printed: seconds per phase and the ratio.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VPS_CMD = [sys.executable, "-c", "from simpul.cli.vps import app; app(prog_name='simpul vps')"]
SKPDS = ("bench-a", "bench-b", "bench-c")
CYCLE_SKPD = "bench-cyc"  # its own SKPD: the parallel requests stay planned and are never applied
PREFIX = "10.40.0.0/24"


def _netbox(tmp: Path) -> tuple[Any, dict[str, str]]:
    from simpul.lab.netbox_lab import NetBoxLab, Ports, free_port
    from simpul.settings import load_settings

    settings = load_settings(env={**os.environ, "SIMPUL_LAB_DIR": str(tmp / "lab")}, settings_file=False)
    lab = NetBoxLab(settings, Ports(http=free_port(), postgres=free_port(), redis=free_port()))
    state = lab.up()
    return lab, {"NETBOX_URL": state.url, "NETBOX_TOKEN": state.token}


def _pusat_data(env: dict[str, str]) -> None:
    from simpul.netbox.bootstrap import bootstrap
    from simpul.netbox.client import connect
    from simpul.settings import load_settings

    api = connect(load_settings(env={**os.environ, **env}, settings_file=False))
    boot = bootstrap(api)[1]
    site = api.dcim.sites.create(name="Pusat Data", slug="pusat-data")
    ctype = api.virtualization.cluster_types.create(name="libvirt", slug="libvirt")
    api.virtualization.clusters.create(
        name="pusat-data-kvm",
        type=ctype.id,
        scope_type="dcim.site",
        scope_id=site.id,
        tags=[boot.tags["pusat-data"]],
        custom_fields={
            "vps_capacity_vcpus": 64,
            "vps_capacity_memory_mb": 262144,
            "vps_capacity_disk_gb": 10000,
            "vps_overcommit_cpu": 4.0,
        },
    )
    role = api.ipam.roles.get(slug="vps")
    api.ipam.prefixes.create(prefix=PREFIX, role=role.id, scope_type="dcim.site", scope_id=site.id)
    for slug in (*SKPDS, CYCLE_SKPD):
        api.tenancy.tenants.create(
            name=slug,
            slug=slug,
            group=boot.tenant_group,
            custom_fields={
                "vps_quota_vms": 40,
                "vps_quota_vcpus": 80,
                "vps_quota_memory_mb": 65536,
                "vps_quota_disk_gb": 2000,
            },
        )


def _vps(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*VPS_CMD, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def bench_parallel(env: dict[str, str], n: int) -> dict[str, Any]:
    def one(i: int) -> subprocess.CompletedProcess[str]:
        return _vps(
            env,
            "request",
            "--skpd",
            SKPDS[i % len(SKPDS)],
            "--name",
            f"par-{i:02d}",
            "--vcpus",
            "1",
            "--memory-mb",
            "256",
            "--disk-gb",
            "2",
            "--json",
        )

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        outs = list(pool.map(one, range(n)))
    wall = time.monotonic() - t0
    ok = [json.loads(o.stdout) for o in outs if o.returncode == 0]
    from simpul.netbox.client import connect
    from simpul.settings import load_settings

    api = connect(load_settings(env=env, settings_file=False))
    names = Counter(vm.name for vm in api.virtualization.virtual_machines.all())
    ips = Counter(ip.address for ip in api.ipam.ip_addresses.filter(parent=PREFIX))
    return {
        "requests": n,
        "recorded": len(ok),
        "refused": n - len(ok),
        "wall_s": round(wall, 2),
        "duplicate_names": sum(c - 1 for c in names.values() if c > 1),
        "duplicate_ips": sum(c - 1 for c in ips.values() if c > 1),
    }


def bench_simpul_cycle(env: dict[str, str], n: int) -> dict[str, float]:
    from simpul.netbox.client import connect
    from simpul.settings import load_settings

    api = connect(load_settings(env=env, settings_file=False))
    names = [f"cyc-{i:02d}" for i in range(n)]
    for name in names:
        out = _vps(
            env,
            "request",
            "--skpd",
            CYCLE_SKPD,
            "--name",
            name,
            "--vcpus",
            "1",
            "--memory-mb",
            "256",
            "--disk-gb",
            "2",
        )
        assert out.returncode == 0, out.stderr
        api.virtualization.virtual_machines.get(name=name).update({"status": "staged"})
    times: dict[str, float] = {}

    def apply(phase: str) -> None:
        t0 = time.monotonic()
        out = _vps(env, "apply", "--skpd", CYCLE_SKPD, "--commit", "--purge", "--json")
        times[phase] = round(time.monotonic() - t0, 2)
        results = json.loads(out.stdout)["vms"]
        assert out.returncode == 0 and all(v["result"] == "applied" for v in results.values()), out.stdout

    apply("create")
    for name in names:
        api.virtualization.virtual_machines.get(name=name).update({"vcpus": 2, "memory": 384, "disk": 3000})
    apply("resize")
    for name in names:
        api.virtualization.virtual_machines.get(name=name).update({"status": "decommissioning"})
    apply("delete")
    times["total"] = round(sum(times.values()), 2)
    return times


ANSIBLE_PLAY = """\
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    uri: "{{ lookup('env', 'BENCH_URI') }}"
    dir: "{{ lookup('env', 'BENCH_DIR') }}"
    vms: "{{ lookup('file', dir + '/vms.json') | from_json }}"
  tasks:
    - name: Disk overlay
      ansible.builtin.command: "qemu-img create -q -f qcow2 -F qcow2 -b {{ item.base }} {{ item.disk }} 2G"
      loop: "{{ vms }}"
      when: phase == 'create'
    - name: Seed ISO
      ansible.builtin.command: >-
        genisoimage -quiet -output {{ item.seed }} -volid cidata -joliet -rock
        {{ dir }}/user-data {{ dir }}/meta-data {{ dir }}/network-config
      loop: "{{ vms }}"
      when: phase == 'create'
    - name: Define
      community.libvirt.virt:
        uri: "{{ uri }}"
        command: define
        xml: "{{ lookup('file', item.xml) }}"
      loop: "{{ vms }}"
      when: phase == 'create'
    - name: Resize vCPUs (config)
      ansible.builtin.command: "virsh -c {{ uri }} setvcpus {{ item.name }} 2 --config --maximum"
      loop: "{{ vms }}"
      when: phase == 'resize'
    - name: Resize vCPUs (current)
      ansible.builtin.command: "virsh -c {{ uri }} setvcpus {{ item.name }} 2 --config"
      loop: "{{ vms }}"
      when: phase == 'resize'
    - name: Resize memory
      ansible.builtin.command: "virsh -c {{ uri }} setmem {{ item.name }} 384M --config"
      loop: "{{ vms }}"
      when: phase == 'resize'
    - name: Grow the disk
      ansible.builtin.command: "qemu-img resize -q {{ item.disk }} 3G"
      loop: "{{ vms }}"
      when: phase == 'resize'
    - name: Undefine
      community.libvirt.virt:
        uri: "{{ uri }}"
        name: "{{ item.name }}"
        command: undefine
      loop: "{{ vms }}"
      when: phase == 'delete'
    - name: Remove disks
      ansible.builtin.file:
        path: "{{ item.disk }}"
        state: absent
      loop: "{{ vms }}"
      when: phase == 'delete'
"""


def bench_ansible_cycle(uri: str, images: Path, work: Path, n: int) -> dict[str, float] | None:
    """The same hypervisor work with community.libvirt.virt; None when the collection is missing."""
    galaxy = Path(sys.executable).parent / "ansible-galaxy"
    listing = subprocess.run(
        [str(galaxy), "collection", "list", "community.libvirt"], capture_output=True, text=True, check=False
    )
    if "community.libvirt" not in listing.stdout:
        return None
    from simpul.core.vps import Size, VpsSpec
    from simpul.providers.libvirt import LibvirtProvider, network_config, user_data

    provider = LibvirtProvider(uri, images, work / "disks")
    (work / "disks").mkdir(parents=True, exist_ok=True)
    vms = []
    for i in range(n):
        spec = VpsSpec(
            f"ans-{i:02d}",
            "bench-a",
            "staged",
            Size(1, 256, 2),
            "debian-12",
            5000 + i,
            ip=f"10.40.0.{200 + i}/24",
            gateway="10.40.0.1",
        )
        disk, seed = work / "disks" / f"{spec.name}.qcow2", work / "disks" / f"{spec.name}-seed.iso"
        xml = work / f"{spec.name}.xml"
        xml.write_text(provider.domain_xml(spec, disk, seed, 20000 + i))
        vms.append(
            {
                "name": spec.name,
                "disk": str(disk),
                "seed": str(seed),
                "xml": str(xml),
                "base": str(images / "debian-12.qcow2"),
            }
        )
    spec0 = VpsSpec(
        "ans", "x", "staged", Size(1, 256, 2), "debian-12", 1, ip="10.40.0.200/24", gateway="10.40.0.1"
    )
    (work / "user-data").write_text(user_data(spec0))
    (work / "meta-data").write_text("instance-id: ans\nlocal-hostname: ans\n")
    (work / "network-config").write_text(network_config(spec0))
    (work / "vms.json").write_text(json.dumps(vms))
    play = work / "cycle.yml"
    play.write_text(ANSIBLE_PLAY)
    env = {
        **os.environ,
        "BENCH_URI": uri,
        "BENCH_DIR": str(work),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
    }
    times: dict[str, float] = {}
    for phase in ("create", "resize", "delete"):
        t0 = time.monotonic()
        out = subprocess.run(
            [str(Path(sys.executable).parent / "ansible-playbook"), str(play), "-e", f"phase={phase}"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        times[phase] = round(time.monotonic() - t0, 2)
        if out.returncode != 0:
            raise RuntimeError(out.stdout[-2000:] + out.stderr[-2000:])
    provider.close()
    times["total"] = round(sum(times.values()), 2)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parallel", type=int, default=20)
    parser.add_argument("--cycle", type=int, default=10)
    parser.add_argument("--no-ansible", action="store_true")
    args = parser.parse_args()
    from simpul.lab.libvirt_lab import LibvirtLab

    tmp = Path(tempfile.mkdtemp(prefix="simpul-bench-vps-", dir="/var/tmp"))
    cache = Path(os.environ.get("SIMPUL_CACHE_DIR") or Path.home() / ".cache" / "simpul")
    vlab = LibvirtLab(tmp / "libvirt", cache)
    nb = None
    try:
        image = vlab.ensure_image()
        uri = vlab.up()
        nb, nb_env = _netbox(tmp)
        env = {
            **os.environ,
            **nb_env,
            "SIMPUL_LIBVIRT_URI": uri,
            "SIMPUL_VPS_IMAGE_DIR": str(image.parent),
            "SIMPUL_VPS_DISK_DIR": str(tmp / "disks"),
        }
        env.pop("SIMPUL_SETTINGS", None)
        _pusat_data(env)
        report: dict[str, Any] = {"parallel": bench_parallel(env, args.parallel)}
        print(json.dumps(report, indent=2), flush=True)
        report["simpul_cycle_s"] = bench_simpul_cycle(env, args.cycle)
        print(json.dumps({"simpul_cycle_s": report["simpul_cycle_s"]}, indent=2), flush=True)
        if not args.no_ansible:
            ans = bench_ansible_cycle(uri, image.parent, tmp / "ansible", args.cycle)
            report["ansible_cycle_s"] = ans
            if ans:
                report["ratio_simpul_over_ansible"] = round(
                    report["simpul_cycle_s"]["total"] / ans["total"], 2
                )
        print(json.dumps(report, indent=2))
        return 0
    finally:
        vlab.down()
        if nb is not None:
            nb.down()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
