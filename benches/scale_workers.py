"""Benchmark: config backup through the queue with 1, 2 and 4 ``simpul worker``s.

    .venv/bin/python benches/scale_workers.py [--devices 500] [--latency 300] [--workers 1,2,4]
                                              [--stage backup|collect]

Starts a redis-server on a free loopback port, the lab's simulated devices (a synthetic regency,
every answer ``--latency`` ms late: a slow link to a kecamatan), then for each worker count starts
that many ``simpul worker`` processes and runs the coordinator of ``simpul backup configs --queue``
(:func:`simpul.scale.backup.run_on_workers`, one git commit per run) in this process.

Printed per worker count: wall time, devices/s, the ratio to 1 worker, and the CPU seconds of the
workers, the coordinator and the device simulator (all on this machine's cores).
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIMPUL = str(Path(sys.executable).parent / "simpul")


def _proc_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _self_cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    import redis

    port = _free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=home,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            redis.Redis(port=port).ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0"


def run_with(
    count: int, url: str, env: dict[str, str], hosts: list[Any], tmp: Path, sim_pid: int
) -> dict[str, Any]:
    from simpul.scale.backup import run_on_workers
    from simpul.scale.coordinator import QueueOptions
    from simpul.scale.queue import connect, live_workers
    from simpul.store import GitStore

    path = ROOT / "backup_policies" / "config_scrub.yaml"
    text = path.read_text()
    names = [f"bench-{count}-{i}" for i in range(count)]
    procs = [
        subprocess.Popen([SIMPUL, "worker", "--queue", url, "--name", n], env=env, stdout=subprocess.DEVNULL)
        for n in names
    ]
    conn = connect(url)
    try:
        while not set(names) <= live_workers(conn):
            time.sleep(0.1)
        before = [_proc_cpu(p.pid) for p in procs], _proc_cpu(sim_pid), _self_cpu()
        t0 = time.monotonic()
        result = run_on_workers(
            conn,
            hosts,
            GitStore(tmp / f"repo-{count}"),
            {"text": text, "source": str(path)},
            QueueOptions(url=url, read_timeout=120),
            url=url,
            now=dt.datetime.now(dt.UTC),
        )
        wall = time.monotonic() - t0
        workers_cpu = sum(_proc_cpu(p.pid) - c for p, c in zip(procs, before[0], strict=True))
        return {
            "workers": count,
            "ok": len(result.changed) + len(result.unchanged),
            "failed": len(result.failed),
            "reasons": sorted(set(result.failed.values()))[:3],
            "wall": wall,
            "workers_cpu": workers_cpu,
            "sim_cpu": _proc_cpu(sim_pid) - before[1],
            "coord_cpu": _self_cpu() - before[2],
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)


def collect_with(
    count: int, url: str, env: dict[str, str], hosts: list[Any], tmp: Path, sim_pid: int
) -> dict[str, Any]:
    """LAN collect (``collect_state``) of ``hosts`` through ``count`` workers: the generic seam
    (simpul.scale.remote) any device-bound stage takes with --queue. ``count`` 0: locally, in this
    process (Nornir threads, SIMPUL_WORKERS=50), as without --queue."""
    from nornir_tasks.collect import collect_state
    from simpul.devices.runner import build_nornir, run_on_devices
    from simpul.scale.queue import connect, live_workers
    from simpul.scale.remote import device_work
    from simpul.settings import load_settings

    settings = load_settings(env={**env, "SIMPUL_WORKERS": "50"}, settings_file=False)
    names = [f"bench-c{count}-{i}" for i in range(count)]
    procs = [
        subprocess.Popen([SIMPUL, "worker", "--queue", url, "--name", n], env=env, stdout=subprocess.DEVNULL)
        for n in names
    ]
    try:
        while not set(names) <= live_workers(connect(url)):
            time.sleep(0.1)
        before = [_proc_cpu(p.pid) for p in procs], _proc_cpu(sim_pid), _self_cpu()
        t0 = time.monotonic()
        with device_work(settings, url if count else None):
            outcomes = run_on_devices(
                build_nornir(settings, hosts=hosts), collect_state, name="collect_state"
            )
        wall = time.monotonic() - t0
        failed = {o.reason for o in outcomes.values() if not o.ok}
        return {
            "workers": count,
            "ok": sum(o.ok for o in outcomes.values()),
            "failed": len(outcomes) - sum(o.ok for o in outcomes.values()),
            "reasons": sorted(failed)[:3],
            "wall": wall,
            "workers_cpu": sum(_proc_cpu(p.pid) - c for p, c in zip(procs, before[0], strict=True)),
            "sim_cpu": _proc_cpu(sim_pid) - before[1],
            "coord_cpu": _self_cpu() - before[2],
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--latency", type=int, default=300, help="ms before every device answer")
    parser.add_argument("--workers", default="1,2,4", help="worker counts; 0 = locally, no queue")
    parser.add_argument(
        "--stage",
        choices=("backup", "collect"),
        default="backup",
        help="backup: simpul backup configs --queue; collect: LAN collect through the generic seam",
    )
    args = parser.parse_args()

    import logging

    logging.basicConfig(level=logging.ERROR)
    from benches.backup_configs import _free_range
    from simpul.inventory import InventoryHost
    from simpul.lab.devices import devices_status, start_devices, stop_devices
    from simpul.lab.devices.synthetic import synthetic_lab

    password = "Lab" + secrets.token_hex(8)
    lab = synthetic_lab(args.devices, password=password, base_port=_free_range(args.devices))
    hosts = [
        InventoryHost(d.name, "127.0.0.1", d.ssh_port, d.platform, d.role, d.site, d.skpd)
        for d in lab.devices
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMPUL_")}
    env.update(
        SIMPUL_DEVICE_USERNAME=lab.username, SIMPUL_DEVICE_PASSWORD=password, SIMPUL_DEVICE_TIMEOUT="60"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        redis_proc, url = start_redis(tmp)
        os.environ["SIMPUL_LAB_LATENCY_MS"] = str(args.latency)
        try:
            start_devices(lab, tmp / "lab", timeout=600)
            del os.environ["SIMPUL_LAB_LATENCY_MS"]
            sim_pid = int(devices_status(tmp / "lab").pid or 0)
            print(
                f"{args.stage}: {args.devices} lab devices, every answer {args.latency} ms late; "
                f"{os.cpu_count()} cores"
            )
            rows = []
            for count in (int(c) for c in args.workers.split(",")):
                run = collect_with if args.stage == "collect" else run_with
                rows.append(run(count, url, env, hosts, tmp, sim_pid))
                r = rows[-1]
                rate = r["ok"] / r["wall"]
                ratio = rate / (rows[0]["ok"] / rows[0]["wall"])
                print(
                    f"{count or 'no'} worker(s): {r['ok']}/{args.devices} ok in {r['wall']:.1f} s = "
                    f"{rate:.1f} devices/s "
                    f"({ratio:.2f}x {rows[0]['workers']} worker); CPU s: workers {r['workers_cpu']:.1f}, "
                    f"coordinator {r['coord_cpu']:.1f}, simulator {r['sim_cpu']:.1f}"
                    + (f"; failed {r['failed']}: {r['reasons']}" if r["failed"] else ""),
                    flush=True,
                )
        finally:
            stop_devices(tmp / "lab")
            redis_proc.terminate()
            redis_proc.wait()


if __name__ == "__main__":
    main()
