"""Benchmark: ``simpul nightly`` on a generated regency of 2,000 devices and 500 SKPD (issue 15, item 5).

    .venv/bin/python benches/nightly_scale.py [--devices 2000] [--skpd 500] [--diagrams 50]
                                              [--per-server 500] [--runs 1] [--tracemalloc] [--hold]
    .venv/bin/python benches/nightly_scale.py --attach LAB_DIR [--runs N] [--tracemalloc]

Boots a throwaway NetBox 4.7 (cached dump, free ports, like benches/inventory_load.py), runs the
project's bootstrap over the API, then seeds the regency through NetBox's ORM (the REST API writes
~3 devices/s): a region with the Jaringan Intra config context, 500 SKPD tenants (tenant group
``skpd``, custom fields ``skpd_mandiri_tik``, ``bw_cir_mbps``/``bw_mir_mbps``, ``lan_diagram_date``),
a site, VLAN and LAN prefix per SKPD, a core router, one distribution switch per 40 SKPD, an edge per
SKPD and access switches behind it, every device with a platform, a role, interfaces, cables and a
primary IP. The simulated devices are built from NetBox exactly as ``simpul lab up`` builds them
(``simpul.lab.build``), split over several device-server processes (``--per-server`` devices each),
and simpul reaches them through the lab's ``overrides.json`` (``SIMPUL_INVENTORY_OVERRIDES``).
``--diagrams N`` submits a LAN diagram (``topology/<slug>.yaml``) for the first N SKPD, which are
Mandiri TIK, so the LAN audit has real work; the others have no diagram.

Then ``simpul nightly --json`` runs ``--runs`` times, each from an empty state directory. Printed per
run: wall time, each stage's status, seconds and peak RSS (the kernel's high-water mark, reset at the
stage's start through ``/proc/self/clear_refs``), and the peak RSS of the whole nightly process
(``ru_maxrss`` of ``wait4`` on it: that process and any child it waited for; NetBox and the simulators
are other processes). With ``--tracemalloc`` it runs under ``python -X tracemalloc`` and, after each
stage, writes what is still held (top allocations by line) into a directory it prints. ``--hold``
keeps the lab up after the runs (until Ctrl-C) so that ``--attach LAB_DIR`` can measure again, e.g.
before and after a change, without seeding again (~9 minutes at 2,000 devices).

Everything the bench starts (NetBox's PostgreSQL, Redis and gunicorn; the device servers) is stopped
at the end, on Ctrl-C or on failure too; a killed earlier run's leftovers (its processes, found by
the pid file in its directory under /var/tmp) are stopped before anything starts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIMPUL = str(Path(sys.executable).parent / "simpul")
PREFIX = "simpul-bench-nscale-"
OWNER = "bench-owner.pid"

# --------------------------------------------------------------------------- the regency


def _port_names(platform: str, count: int) -> list[str]:
    if platform == "cisco_ios":
        return [f"GigabitEthernet0/{i}" for i in range(count)]
    if platform == "arista_eos":
        return [f"Ethernet{i + 1}" for i in range(count)]
    return [f"ether{i + 1}" for i in range(count)]


def regency(n_devices: int, n_skpd: int) -> dict[str, Any]:
    """Devices, cables, tenants of a regency: 1 core, 1 distribution per 40 SKPD, an edge per SKPD,
    the remaining devices as access switches spread evenly (the first behind the edge, the rest
    behind the first). Edges: every third cisco_ios, else mikrotik_routeros; switches alternate."""
    n_dist = -(-n_skpd // 40)
    n_switch = n_devices - 1 - n_dist - n_skpd
    if n_switch < 0:
        raise SystemExit(f"{n_devices} devices cannot hold {n_skpd} SKPD (need >= {1 + n_dist + n_skpd})")
    core_ports = _port_names("cisco_ios", n_dist + 3)  # management, one per distribution, 2 internet
    devices: list[dict[str, Any]] = [
        {
            "name": "core-diskominfo-01",
            "role": "core-router",
            "platform": "cisco_ios",
            "site": "diskominfo",
            "tenant": None,
            "type": "isr4451",
            "interfaces": [{"name": core_ports[0], "ip": "10.10.0.1/24"}]
            + [{"name": core_ports[k + 1], "ip": f"10.31.0.{2 * k}/31"} for k in range(n_dist)]
            + [{"name": p} for p in core_ports[n_dist + 1 :]],
            "primary": "10.10.0.1/24",
        }
    ]
    cables: list[tuple[str, str, str, str]] = []
    for k in range(n_dist):
        dports = _port_names("arista_eos", 42)
        devices.append(
            {
                "name": f"dist-diskominfo-{k + 1:02d}",
                "role": "distribution",
                "platform": "arista_eos",
                "site": "diskominfo",
                "tenant": None,
                "type": "dcs-7050tx-48",
                "interfaces": [
                    {"name": "Management1", "ip": f"10.10.0.{11 + k}/24"},
                    {"name": dports[0], "ip": f"10.31.0.{2 * k + 1}/31"},
                ]
                + [{"name": p} for p in dports[1:]],
                "primary": f"10.10.0.{11 + k}/24",
            }
        )
        cables.append(("core-diskominfo-01", core_ports[k + 1], f"dist-diskominfo-{k + 1:02d}", dports[0]))
    tenants = []
    for n in range(1, n_skpd + 1):
        slug = f"skpd{n:03d}"
        net = f"10.{20 + n // 250}.{n % 250 + 1}"
        p2p = f"10.30.{(n - 1) // 128}.{2 * ((n - 1) % 128)}"
        vid = 10 + n
        tenants.append({"slug": slug, "name": f"SKPD {n:03d}", "vid": vid, "lan": f"{net}.0/24"})
        edge_platform = "cisco_ios" if n % 3 == 0 else "mikrotik_routeros"
        eports = _port_names(edge_platform, 3)
        edge = f"rtr-{slug}"
        devices.append(
            {
                "name": edge,
                "role": "skpd-edge",
                "platform": edge_platform,
                "site": slug,
                "tenant": slug,
                "type": "isr4331" if edge_platform == "cisco_ios" else "rb4011",
                "interfaces": [
                    {"name": eports[0], "ip": f"{p2p.rsplit('.', 1)[0]}.{int(p2p.rsplit('.', 1)[1]) + 1}/31"},
                    {"name": eports[1], "ip": f"{net}.1/24", "vlan": vid},
                ],
                "primary": f"{net}.1/24",
            }
        )
        dist, dport = (n - 1) // 40, 2 + (n - 1) % 40
        cables.append((f"dist-diskominfo-{dist + 1:02d}", f"Ethernet{dport}", edge, eports[0]))
        count = n_switch // n_skpd + (1 if n - 1 < n_switch % n_skpd else 0)
        first = None
        for s in range(1, count + 1):
            platform = "cisco_ios" if (n + s) % 2 == 0 else "mikrotik_routeros"
            ports = _port_names(platform, max(2, count + 1))
            name = f"sw-{slug}-{s:02d}"
            devices.append(
                {
                    "name": name,
                    "role": "access-switch",
                    "platform": platform,
                    "site": slug,
                    "tenant": slug,
                    "type": "ws-c2960x" if platform == "cisco_ios" else "crs328-24p",
                    "interfaces": [{"name": ports[0], "ip": f"{net}.{s + 1}/24", "vlan": vid}]
                    + [{"name": p, "vlan": vid} for p in ports[1:]],
                    "primary": f"{net}.{s + 1}/24",
                }
            )
            if first is None:
                first = (name, ports)
                cables.append((edge, eports[1], name, ports[0]))
            else:
                cables.append((first[0], first[1][s], name, ports[0]))
    uplinks = [
        ("TLK-001", "telkom", core_ports[n_dist + 1]),
        ("LA-001", "lintasarta", core_ports[n_dist + 2]),
    ]
    return {"devices": devices, "cables": cables, "tenants": tenants, "uplinks": uplinks}


def diagram(slug: str, reg: dict[str, Any]) -> str:
    """The submitted LAN diagram of one SKPD, as NetBox has it (docs/diagrams.md)."""
    tenant = next(t for t in reg["tenants"] if t["slug"] == slug)
    mine = {d["name"]: d for d in reg["devices"] if d["tenant"] == slug}
    lines = [f"skpd: {slug}", f"date: {dt.date.today().isoformat()}", "devices:"]
    for d in mine.values():
        lines += [
            f"  - name: {d['name']}",
            f"    role: {d['role']}",
            f"    platform: {d['platform']}",
            f"    mgmt_ip: {d['primary'].split('/')[0]}",
        ]
    lines.append("links:")
    for a, ap, b, bp in reg["cables"]:
        if a in mine and b in mine:
            lines.append(f"  - a: {{device: {a}, port: {ap}}}\n    b: {{device: {b}, port: {bp}}}")
    lines += ["vlans:", f"  - vid: {tenant['vid']}", f"    name: {tenant['name'].replace(' ', '')}-Staf"]
    lines.append(f"    subnet: {tenant['lan']}")
    return "\n".join(lines) + "\n"


ORM_SEED = """
import json
from django.db import transaction
from dcim.models import (Cable, Device, DeviceRole, DeviceType, Interface, Manufacturer, Platform,
                         Region, Site)
from circuits.models import Circuit, CircuitTermination, CircuitType, Provider
from extras.models import ConfigContext, Tag
from ipam.models import VLAN, IPAddress, Prefix
from tenancy.models import Tenant, TenantGroup
reg = json.load(open("__FILE__"))
TYPES = {"isr4451": ("cisco", "ISR4451-X"), "isr4331": ("cisco", "ISR4331"),
         "ws-c2960x": ("cisco", "WS-C2960X-24PS-L"), "dcs-7050tx-48": ("arista", "DCS-7050TX-48"),
         "rb4011": ("mikrotik", "RB4011"), "crs328-24p": ("mikrotik", "CRS328-24P")}
with transaction.atomic():
    region = Region.objects.create(name="Kabupaten Contoh", slug="kabupaten-contoh")
    cc = ConfigContext.objects.create(name="jaringan-intra-contoh", weight=1000, data=reg["context"])
    cc.regions.set([region])
    group = TenantGroup.objects.get(slug="skpd")
    types = {slug: DeviceType.objects.get_or_create(slug=slug, defaults={
             "model": model, "manufacturer": Manufacturer.objects.get(slug=maker)})[0]
             for slug, (maker, model) in TYPES.items()}
    plats = {p.slug: p for p in Platform.objects.all()}
    roles = {r.slug: r for r in DeviceRole.objects.all()}
    sites = {"diskominfo": Site.objects.create(name="Dinas Komunikasi dan Informatika", slug="diskominfo",
                                               region=region)}
    tenants, vlans = {}, {}
    for t in reg["tenants"]:
        tenants[t["slug"]] = Tenant.objects.create(name=t["name"], slug=t["slug"], group=group,
                                                   custom_field_data=t["cf"])
        sites[t["slug"]] = Site.objects.create(name="Kantor " + t["name"], slug=t["slug"], region=region,
                                               tenant=tenants[t["slug"]])
        vlans[t["vid"]] = VLAN.objects.create(vid=t["vid"], name=t["name"].replace(" ", "") + "-Staf",
                                              site=sites[t["slug"]], tenant=tenants[t["slug"]])
        Prefix.objects.create(prefix=t["lan"], scope=sites[t["slug"]], tenant=tenants[t["slug"]],
                              vlan=vlans[t["vid"]])
    itfs = {}
    for d in reg["devices"]:
        dev = Device(name=d["name"], device_type=types[d["type"]], role=roles[d["role"]],
                     platform=plats[d["platform"]], site=sites[d["site"]],
                     tenant=tenants.get(d["tenant"]))
        dev.save()
        for i in d["interfaces"]:
            itf = Interface(device=dev, name=i["name"], type="1000base-t",
                            mode="access" if i.get("vlan") else None, untagged_vlan=vlans.get(i.get("vlan")))
            itf.save()
            itfs[(d["name"], i["name"])] = itf
            if i.get("ip"):
                ip = IPAddress(address=i["ip"], assigned_object=itf, tenant=tenants.get(d["tenant"]))
                ip.save()
                if i["ip"] == d["primary"]:
                    dev.primary_ip4 = ip
                    dev.save()
    for a, ap, b, bp in reg["cables"]:
        Cable(a_terminations=[itfs[(a, ap)]], b_terminations=[itfs[(b, bp)]], type="cat6").save()
    internet = CircuitType.objects.get_or_create(slug="internet", defaults={"name": "Internet"})[0]
    tags = [Tag.objects.get_or_create(slug=t, defaults={"name": t})[0] for t in ("simpul", "internet")]
    for cid, isp, port in reg["uplinks"]:  # 1 Gbps each, on the core router
        provider = Provider.objects.get_or_create(slug=isp, defaults={"name": isp.title()})[0]
        circuit = Circuit.objects.create(cid=cid, provider=provider, type=internet, commit_rate=1000000)
        circuit.tags.add(*tags)
        term = CircuitTermination(circuit=circuit, term_side="A", termination=sites["diskominfo"],
                                  port_speed=1000000)
        term.save()
        Cable(a_terminations=[term], b_terminations=[itfs[("core-diskominfo-01", port)]]).save()
print("seeded", Device.objects.count(), "devices", Cable.objects.count(), "cables")
"""


def seed(nb: Any, api: Any, reg: dict[str, Any], work: Path, with_diagram: set[str]) -> None:
    from simpul.netbox.bootstrap import bootstrap
    from simpul.netbox.seed import load_demo

    bootstrap(api)
    context = next(c for c in load_demo().config_contexts if c.name == "jaringan-intra-sekadau").data
    cir = max(1, 1500 // len(reg["tenants"]))  # the sum stays within the 2 x 1 Gbps uplinks
    payload = {
        "context": context,
        "devices": reg["devices"],
        "cables": reg["cables"],
        "uplinks": reg["uplinks"],
        "tenants": [
            {
                **t,
                "cf": {
                    "skpd_mandiri_tik": t["slug"] in with_diagram,
                    "bw_cir_mbps": cir,
                    "bw_mir_mbps": cir * 4,
                    "lan_diagram_date": dt.date.today().isoformat() if t["slug"] in with_diagram else None,
                },
            }
            for t in reg["tenants"]
        ],
    }
    path = work / "regency.json"
    path.write_text(json.dumps(payload))
    path.chmod(0o644)  # nbshell runs as this user; the file holds no secret
    out = nb.nbshell(ORM_SEED.replace("__FILE__", str(path)), timeout=3600)
    print(out.strip().splitlines()[-1], flush=True)


# --------------------------------------------------------------------------- processes


def _free_range(n: int) -> int:
    """A base port with ``n`` free ports after it on 127.0.0.1 (checked by binding each)."""
    for _ in range(50):
        base = random.randrange(21000, 60000 - n)
        socks = []
        try:
            for port in range(base, base + n):
                sock = socket.socket()
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise SystemExit(f"no range of {n} free ports found")


def _netbox(lab_dir: Path) -> Any:
    from simpul.lab.netbox_lab import NetBoxLab
    from simpul.settings import load_settings

    return NetBoxLab(load_settings(env={**os.environ, "SIMPUL_LAB_DIR": str(lab_dir)}, settings_file=False))


def sweep_stale() -> None:
    """Stop what a killed earlier run of this bench left: its device servers and NetBox; its dirs."""
    from simpul.lab.devices import stop_devices
    from simpul.lab.netbox_lab import pid_alive

    for owner in Path("/var/tmp").glob(f"{PREFIX}*/{OWNER}"):
        try:
            pid = int(owner.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pid = 0
        if pid and pid_alive(pid):
            continue  # a run still going
        lab_dir = owner.parent
        print(f"stopping what a killed run left in {lab_dir}", flush=True)
        for servers in lab_dir.glob("devices-*"):
            stop_devices(servers)
        _netbox(lab_dir).down()
        shutil.rmtree(lab_dir, ignore_errors=True)


def start_servers(lab: Any, lab_dir: Path, per_server: int, dirs: list[Path]) -> None:
    """The simulated devices, ``per_server`` to a device-server process, all started at once."""
    from simpul.lab.devices import start_devices

    chunks = [lab.devices[i : i + per_server] for i in range(0, len(lab.devices), per_server)]
    dirs[:] = [lab_dir / f"devices-{k}" for k in range(len(chunks))]  # the caller stops them, even midway
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        done = pool.map(
            lambda a: start_devices(lab.model_copy(update={"devices": a[0]}), a[1], timeout=900),
            zip(chunks, dirs, strict=True),
        )
        for d, status in zip(dirs, done, strict=True):
            print(f"  {d.name}: {status.count} devices, ready in {status.startup_seconds} s", flush=True)


# --------------------------------------------------------------------------- one nightly run

# ``simpul nightly`` with a probe around each stage (``simpul.services.nightly._stage``): the stage's
# peak RSS (VmHWM, reset at the stage's start through /proc/self/clear_refs) and, under ``-X
# tracemalloc``, what is still held after it (top allocations by line) and the traced peak; one
# ``<n>-<stage>.json``/``.txt`` per stage in the directory given first. tracemalloc makes the run
# several times slower: its times are not the bench's figures.
PROBED = """
import json, sys, tracemalloc
from pathlib import Path
import simpul.services.nightly as nightly
from simpul.cli import main
dump = Path(sys.argv.pop(1)); dump.mkdir(parents=True, exist_ok=True)
stage_of = nightly._stage
skip = [tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"), tracemalloc.Filter(False, "<unknown>")]
def kib(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
def probed(run, name):
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    start = kib("VmRSS:")
    tracemalloc.reset_peak()
    outcome = stage_of(run, name)
    n = len(list(dump.glob("*.json")))
    rss = {"stage": name, "rss_start_mb": round(start / 1024, 1)}
    rss["peak_rss_mb"] = round(kib("VmHWM:") / 1024, 1)
    (dump / f"{n}-{name}.json").write_text(json.dumps(rss))
    if tracemalloc.is_tracing():
        current, peak = tracemalloc.get_traced_memory()
        top = tracemalloc.take_snapshot().filter_traces(skip).statistics("lineno")[:25]
        lines = [f"after {name}: held {current / 2**20:.1f} MiB, stage peak {peak / 2**20:.1f} MiB"]
        lines += [f"{st.size / 2**20:8.1f} MiB {st.count:9d} blocks  {st.traceback[0]}" for st in top]
        (dump / f"{n}-{name}.txt").write_text("\\n".join(lines) + "\\n")
    return outcome
nightly._stage = probed
sys.argv[0] = "simpul"
sys.exit(main())
"""


def run_nightly(env: dict[str, str], report: Path, topology: Path, traced: bool) -> dict[str, Any]:
    probe = report.parent / "probe"
    argv = [sys.executable, *(["-X", "tracemalloc"] if traced else []), "-c", PROBED, str(probe)]
    argv += ["nightly", "--json", "--report", str(report), "--topology-dir", str(topology)]
    t0 = time.monotonic()
    with (
        (report.parent / "nightly.stderr").open("w") as err,
        (report.parent / "nightly.out").open("w") as out,
    ):
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=err,
            env=env,
        )
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    text = (report.parent / "nightly.out").read_text()
    try:
        result = json.loads(text)
    except ValueError:
        tail = (report.parent / "nightly.stderr").read_text()[-3000:]
        raise SystemExit(f"simpul nightly exited {proc.returncode} without JSON:\n{tail}") from None
    peaks = {p["stage"]: p for p in (json.loads(f.read_text()) for f in probe.glob("*.json"))}
    return {
        "wall_s": round(wall, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "exit": proc.returncode,
        "stages": {
            k: {
                "status": v["status"],
                "s": round(v["seconds"], 1),
                "peak_rss_mb": peaks.get(k, {}).get("peak_rss_mb"),
                **({"counts": v["counts"]} if v["counts"] else {}),
                **({"message": v["message"]} if v["message"] else {}),
                **({"failures": dict(list(v["failures"].items())[:5])} if v.get("failures") else {}),
            }
            for k, v in result["stages"].items()
        },
        "obligations": result["obligations"],
        "findings": result["findings"],
    }


def measure(lab_dir: Path, runs: int, traced: bool) -> None:
    """``runs`` nightly runs against the lab in ``lab_dir``, each from a fresh state directory (an
    empty backup repository and history: every run does the same work), figures printed as JSON."""
    bench = json.loads((lab_dir / "bench.json").read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIMPUL_", "NETBOX_"))}
    env.update(bench["env"])
    for n in range(runs):
        state = Path(tempfile.mkdtemp(prefix="state-", dir=lab_dir))
        env.update(
            SIMPUL_STATE_DIR=str(state),
            SIMPUL_SETTINGS=str(state / "no-settings.toml"),
            SIMPUL_LIBVIRT_URI=f"qemu+unix:///system?socket={state}/no-libvirt.sock",
        )
        figures = run_nightly(env, state / "report", Path(bench["topology"]), traced)
        print(json.dumps({"run": n + 1, **bench["size"], **figures}), flush=True)
        if traced:
            keep = Path(tempfile.mkdtemp(prefix="simpul-nightly-tracemalloc-"))
            for found in sorted((state / "probe").glob("*.txt")):
                shutil.copy(found, keep / found.name)
            print(f"tracemalloc: what each stage left held, in {keep}", flush=True)
        shutil.rmtree(state, ignore_errors=True)


def set_up(args: argparse.Namespace, nb: Any, lab_dir: Path, servers: list[Path]) -> None:
    """NetBox booted and seeded, the devices simulated; ``lab_dir/bench.json`` says how to reach them."""
    from simpul.lab.build import build_device_lab, fetch_regency
    from simpul.netbox.client import connect
    from simpul.settings import load_settings

    t0 = time.monotonic()
    up = nb.up()
    print(f"NetBox {up.version} at {up.url} in {up.boot_seconds} s", flush=True)
    env = {"NETBOX_URL": up.url, "NETBOX_TOKEN": up.token}
    api = connect(load_settings(env={**env, "SIMPUL_SETTINGS": "/nonexistent"}, settings_file=False))
    reg = regency(args.devices, args.skpd)
    with_diagram = {t["slug"] for t in reg["tenants"][: args.diagrams]}
    t1 = time.monotonic()
    seed(nb, api, reg, lab_dir, with_diagram)
    print(f"seeded {len(reg['devices'])} devices, {args.skpd} SKPD through the ORM in "
          f"{time.monotonic() - t1:.0f} s", flush=True)  # fmt: skip
    password = "bench-" + os.urandom(9).hex()
    creds = {k: "b" + os.urandom(8).hex() for k in
             ("enable_secret", "user_password", "snmp_community", "ipsec_psk", "ppp_secret")}  # fmt: skip
    lab, skipped = build_device_lab(fetch_regency(api), {**creds, "password": password}, 0)
    assert not skipped, skipped
    base = _free_range(len(lab.devices))
    ported = tuple(d.model_copy(update={"ssh_port": base + i}) for i, d in enumerate(lab.devices))
    lab = lab.model_copy(update={"devices": ported})
    t1 = time.monotonic()
    start_servers(lab, lab_dir, args.per_server, servers)
    print(f"{len(lab.devices)} devices simulated in {len(servers)} processes in "
          f"{time.monotonic() - t1:.0f} s", flush=True)  # fmt: skip
    overrides = lab_dir / "overrides.json"
    hosts = {d.name: {"hostname": lab.host, "port": d.ssh_port} for d in lab.devices}
    overrides.write_text(json.dumps({"lab": True, "hosts": hosts, "not_simulated": {}}))
    topology = lab_dir / "topology"
    topology.mkdir()
    for slug in sorted(with_diagram):
        (topology / f"{slug}.yaml").write_text(diagram(slug, reg))
    env.update(
        SIMPUL_DEVICE_USERNAME="admin",
        SIMPUL_DEVICE_PASSWORD=password,
        SIMPUL_INVENTORY_OVERRIDES=str(overrides),
    )
    size = {"devices": len(lab.devices), "skpd": args.skpd, "diagrams": len(with_diagram)}
    fd = os.open(lab_dir / "bench.json", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds the token
    with os.fdopen(fd, "w") as handle:
        json.dump({"env": env, "topology": str(topology), "size": size}, handle)
    print(f"set-up {time.monotonic() - t0:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--skpd", type=int, default=500)
    parser.add_argument("--diagrams", type=int, default=50, help="SKPD with a submitted LAN diagram")
    parser.add_argument("--per-server", type=int, default=500, help="simulated devices per server process")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--tracemalloc", action="store_true", help="what each stage leaves held")
    parser.add_argument("--hold", action="store_true", help="keep the lab up after the runs, until Ctrl-C")
    parser.add_argument("--attach", type=Path, help="only run the nightly against a held lab (its dir)")
    args = parser.parse_args()
    if args.attach:
        measure(args.attach, args.runs, args.tracemalloc)
        return
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

    from simpul.lab.devices import stop_devices
    from simpul.lab.netbox_lab import NetBoxLab, Ports, free_port, postgres_reachable_tempdir
    from simpul.settings import load_settings

    sweep_stale()
    lab_dir = postgres_reachable_tempdir(PREFIX)
    (lab_dir / OWNER).write_text(f"{os.getpid()}\n")
    nb = NetBoxLab(
        load_settings(env={**os.environ, "SIMPUL_LAB_DIR": str(lab_dir)}, settings_file=False),
        Ports(http=free_port(), postgres=free_port(), redis=free_port()),
    )
    servers: list[Path] = []
    try:
        set_up(args, nb, lab_dir, servers)
        measure(lab_dir, args.runs, args.tracemalloc)
        if args.hold:
            print(f"held: {sys.argv[0]} --attach {lab_dir} [--runs N]; "
                  f"Ctrl-C (or kill {os.getpid()}) ends it", flush=True)  # fmt: skip
            signal.pause()
    except KeyboardInterrupt:
        print("interrupted: stopping the lab", flush=True)
    finally:
        for d in servers:
            stop_devices(d)
        nb.down()
        shutil.rmtree(lab_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
