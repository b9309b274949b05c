"""Inventory load: simpul vs ansible-inventory + netbox.netbox.nb_inventory, on >= 2,000 devices.

    .venv/bin/python benches/inventory_load.py [--devices 2000] [--runs 3] [--keep | --netbox-env FILE]

Boots a throwaway lab NetBox and loads N devices (spread over 100 SKPD tenants and sites, each with
an interface and a primary IP) through NetBox's own ORM: the REST API writes ~3 devices/s on this
machine, which would make seeding, not loading, the benchmark. Then times, on the same NetBox:
- simpul's loader in-process (``load_hosts``: GraphQL, the devices and their tags side by side) and
  the `simpul inventory --json` command, a fresh process as a user runs it;
- `simpul inventory --help`: the command's start-up alone (Python, imports, option parsing);
- `ansible-inventory --list` with inventory/netbox.yml (nb_inventory, fetch_all).
The command and ansible-inventory alternate, so load from elsewhere on the machine hits both alike.
Prints medians, devices/s and the ratios (goal: the command >= 10x faster than ansible-inventory).
``--keep`` leaves the NetBox running and writes its URL and token to a 0600 file; ``--netbox-env``
that file measures again on it, without booting or seeding.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


ORM_SEED = """
from dcim.models import Device, DeviceRole, DeviceType, Interface, Manufacturer, Platform, Site
from extras.models import Tag
from ipam.models import IPAddress
from tenancy.models import Tenant, TenantGroup
N = __N__
mf, _ = Manufacturer.objects.get_or_create(slug="mikrotik", defaults={"name": "MikroTik"})
dt, _ = DeviceType.objects.get_or_create(manufacturer=mf, slug="rb4011", defaults={"model": "RB4011"})
plats = [Platform.objects.get_or_create(slug=s, defaults={"name": s})[0]
         for s in ("mikrotik_routeros", "cisco_ios", "arista_eos", "linux")]
roles = [DeviceRole.objects.get_or_create(slug=s, defaults={"name": s, "color": "2f6a31"})[0]
         for s in ("skpd-edge", "access-switch")]
tag, _ = Tag.objects.get_or_create(slug="simpul", defaults={"name": "simpul"})
group, _ = TenantGroup.objects.get_or_create(slug="skpd", defaults={"name": "SKPD"})
tenants = [Tenant.objects.get_or_create(slug=f"skpd-{i:03d}", defaults={"name": f"SKPD {i:03d}",
           "group": group})[0] for i in range(100)]
sites = [Site.objects.get_or_create(slug=f"kantor-{i:03d}", defaults={"name": f"Kantor {i:03d}",
         "tenant": tenants[i]})[0] for i in range(100)]
existing = set(Device.objects.values_list("name", flat=True))
for i in range(N):
    name = f"bench-{i:05d}"
    if name in existing:
        continue
    d = Device(name=name, device_type=dt, role=roles[i % 2], platform=plats[i % 4], site=sites[i % 100],
               tenant=tenants[i % 100])
    d.save()
    d.tags.add(tag)
    itf = Interface(device=d, name="ether1", type="1000base-t")
    itf.save()
    ip = IPAddress(address=f"10.{100 + i // 65536}.{(i // 256) % 256}.{i % 256}/16", assigned_object=itf)
    ip.save()
    d.primary_ip4 = ip
    d.save()
"""


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed: {proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the throwaway NetBox running")
    parser.add_argument(
        "--netbox-env", type=Path, help="measure on a NetBox a --keep run left (its env file)"
    )
    args = parser.parse_args()
    if args.netbox_env:
        again(args.netbox_env, args.runs)
        return

    from simpul.lab.netbox_lab import NetBoxLab, Ports, free_port, postgres_reachable_tempdir
    from simpul.netbox.client import connect
    from simpul.settings import load_settings

    env = dict(os.environ)
    lab_dir = postgres_reachable_tempdir("simpul-bench-inv-")
    settings = load_settings(env={**env, "SIMPUL_LAB_DIR": str(lab_dir)}, settings_file=False)
    lab = NetBoxLab(settings, Ports(http=free_port(), postgres=free_port(), redis=free_port()))
    state = lab.up()
    env.update(NETBOX_URL=state.url, NETBOX_TOKEN=state.token)
    print(f"booted a throwaway NetBox {state.version} at {state.url} in {state.boot_seconds} s")
    env["NETBOX_API"] = env["NETBOX_URL"]
    env.pop("SIMPUL_INVENTORY_OVERRIDES", None)
    env["SIMPUL_SETTINGS"] = "/nonexistent/simpul-bench.toml"
    if args.keep:  # for trying loaders against this NetBox by hand; the token stays in a 0600 file
        env_file = lab_dir / "bench.env"
        fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"NETBOX_URL={state.url}\nNETBOX_TOKEN={state.token}\n")
        print(f"NetBox settings for manual runs: {env_file}")
    try:
        settings = load_settings(env=env, settings_file=False)
        api = connect(settings)
        t0 = time.perf_counter()
        lab.nbshell(ORM_SEED.replace("__N__", str(args.devices)))
        print(f"loaded {args.devices} devices through the ORM in {time.perf_counter() - t0:.1f} s")

        compare(args.runs, settings, api, env)
    finally:
        if not args.keep:
            lab.down()
            shutil.rmtree(lab.root.parent, ignore_errors=True)


def again(env_file: Path, runs: int) -> None:
    """Measure on the NetBox a ``--keep`` run left, already seeded."""
    from simpul.netbox.client import connect
    from simpul.settings import load_settings

    env = dict(os.environ)
    for line in env_file.read_text().splitlines():
        key, _, value = line.partition("=")
        env[key] = value
    env["NETBOX_API"] = env["NETBOX_URL"]  # nb_inventory's name for it
    env.pop("SIMPUL_INVENTORY_OVERRIDES", None)
    env["SIMPUL_SETTINGS"] = "/nonexistent/simpul-bench.toml"
    settings = load_settings(env=env, settings_file=False)
    compare(runs, settings, connect(settings), env)


def compare(runs: int, settings: Any, api: Any, env: dict[str, str]) -> None:
    """simpul's loader, ``simpul inventory --json`` and ``ansible-inventory``, medians of ``runs``."""
    from simpul.inventory import Filters, load_hosts

    inproc = []
    for _ in range(runs):
        t0 = time.perf_counter()
        hosts = load_hosts(settings, Filters(), api=api)
        inproc.append(time.perf_counter() - t0)
    n = len(hosts)
    cli, ans, start = [], [], []
    for _ in range(runs):
        start.append(timed([str(BIN / "simpul"), "inventory", "--help"], env)[0])
        elapsed, out = timed([str(BIN / "simpul"), "inventory", "--json"], env)
        cli.append(elapsed)
        assert len(json.loads(out)["hosts"]) == n
        elapsed, out = timed([str(BIN / "ansible-inventory"), "-i", "inventory/netbox.yml", "--list"], env)
        ans.append(elapsed)
        assert len(json.loads(out)["_meta"]["hostvars"]) == n
    m_in, m_cli, m_ans, m_start = (statistics.median(x) for x in (inproc, cli, ans, start))
    print(f"\n{n} devices, median of {runs} runs")
    print(f"  simpul loader (in-process)       {m_in:7.2f} s  {n / m_in:8.0f} devices/s")
    print(f"  simpul inventory --json (CLI)    {m_cli:7.2f} s  {n / m_cli:8.0f} devices/s")
    print(f"    of which start-up (--help)     {m_start:7.2f} s")
    print(f"  ansible-inventory + nb_inventory {m_ans:7.2f} s  {n / m_ans:8.0f} devices/s")
    print(f"  ratio ansible / simpul CLI       {m_ans / m_cli:7.1f}x   (goal >= 10x)")
    print(f"  ratio ansible / simpul loader    {m_ans / m_in:7.1f}x")
    print(f"  runs: CLI {fmt(cli)}  ansible {fmt(ans)}  loader {fmt(inproc)}")


def fmt(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "]"


if __name__ == "__main__":
    main()
