"""Benchmark: client CPU per device of a config backup (the device path's own cost).

    .venv/bin/python benches/backup_cpu.py [--devices 60] [--workers 20] [--profile] [--top 25]

Devices: the lab's simulated devices (simpul.lab.devices, a synthetic regency of IOS, EOS and
RouterOS; one server process, so the CPU measured here is the client's alone). The backup is the
real path: ``build_nornir`` (connection options from the platform table) -> ``run_backup``
(Nornir threads, netmiko sessions, the backup task, check, scrub, one git commit).

Each run is done twice, alternating so that load from elsewhere hits both alike: ``before``
(netmiko with fast_cli off, as until 2026-11-28) and ``after`` (the runner's options now: fast_cli
on). ``--latency MS`` makes every device answer late (a slow link).

Printed: wall time, client CPU (user+sys of this process) per device, and with ``--profile`` the
functions where that CPU goes (cProfile, cumulative and own time). Compare with the ~6 ms an SSH
session plus one command costs on this machine (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import os
import pstats
import resource
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=60)
    parser.add_argument("--workers", type=int, default=20)
    parser.add_argument("--runs", type=int, default=2, help="backups in a row (the first may commit more)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--latency", type=int, default=0, help="ms before every device answer (slow link)")
    args = parser.parse_args()

    import logging

    logging.basicConfig(level=logging.CRITICAL)
    from benches.backup_configs import _free_range
    from simpul.devices.runner import build_nornir
    from simpul.inventory import InventoryHost
    from simpul.lab.devices import start_devices, stop_devices
    from simpul.lab.devices.synthetic import synthetic_lab
    from simpul.services.backup import load_rules
    from simpul.settings import load_settings

    password = "Lab" + secrets.token_hex(8)
    lab = synthetic_lab(args.devices, password=password, base_port=_free_range(args.devices))
    os.environ.update(SIMPUL_DEVICE_USERNAME=lab.username, SIMPUL_DEVICE_PASSWORD=password)
    settings = load_settings()
    rules = load_rules(settings)
    hosts = [
        InventoryHost(d.name, "127.0.0.1", d.ssh_port, d.platform, d.role, d.site, d.skpd)
        for d in lab.devices
    ]
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "lab"
        t0 = time.monotonic()
        os.environ["SIMPUL_LAB_LATENCY_MS"] = str(args.latency)
        start_devices(lab, state, timeout=600)
        del os.environ["SIMPUL_LAB_LATENCY_MS"]
        print(f"{len(hosts)} lab devices up in {time.monotonic() - t0:.1f} s", flush=True)
        stats: list[pstats.Stats] = []
        try:
            for run, variant in [(r, v) for r in range(args.runs) for v in ("before", "after")]:
                measure(
                    run, variant, build_nornir(settings, hosts=hosts, workers=args.workers), rules, Path(tmp)
                )
            if args.profile:
                profile_run(build_nornir(settings, hosts=hosts, workers=args.workers), stats)
        finally:
            stop_devices(state)
    if stats:
        by_package(stats[0], args.devices)
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            merged = stats[0]
            merged.stream = out  # type: ignore[attr-defined]
            merged.sort_stats(key).print_stats(args.top)
            print(out.getvalue())


def measure(run: int, variant: str, nornir: Any, rules: Any, tmp: Path) -> None:
    from simpul.services.backup import run_backup
    from simpul.store import GitStore

    hosts = nornir.inventory.hosts
    with as_variant(variant, nornir):
        cpu0, t0 = _cpu(), time.monotonic()
        result = run_backup(nornir, GitStore(tmp / variant), rules, now=dt.datetime.now(dt.UTC))
        wall, cpu = time.monotonic() - t0, _cpu() - cpu0
    ok = len(result.changed) + len(result.unchanged)
    print(
        f"{variant:>6} run {run + 1}: {ok}/{len(hosts)} ok in {wall:.1f} s = {ok / wall:.1f} devices/s; "
        f"client CPU {cpu:.2f} s = {1000 * cpu / max(ok, 1):.1f} ms/device"
        + (f"; failed: {sorted(set(result.failed.values()))[:3]}" if result.failed else ""),
        flush=True,
    )


@contextlib.contextmanager
def as_variant(variant: str, nornir: Any) -> Iterator[None]:
    """``before``: netmiko's options as they were (fast_cli off); ``after``: the runner's now."""
    if variant == "before":
        for host in nornir.inventory.hosts.values():
            host.connection_options["netmiko"].extras["fast_cli"] = False
    yield


WAITS = ("time.sleep", "'acquire'", "'poll' of", "select.select", "'recv' of", "'connect' of", "getaddrinfo")


def by_package(stats: pstats.Stats, devices: int) -> None:
    """Own time (not waiting: sleeps and lock waits left out) per package, per device."""
    totals: dict[str, float] = {}
    for (filename, _, name), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        if any(wait in name for wait in WAITS):
            continue
        if filename == "~":
            package = f"builtins: {name}"
        elif "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/work/" in filename or "simpul" in filename or "nornir_tasks" in filename:
            package = "simpul"
        else:
            package = "stdlib"
        totals[package] = totals.get(package, 0.0) + tottime
    print("task threads' own time per device, by package (waits left out; under cProfile):")
    for package, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:15]:
        print(f"  {package:<42} {1000 * seconds / devices:6.2f} ms")


def profile_run(nornir: object, stats: list[pstats.Stats]) -> None:
    """One more fetch (no commit), each device's task profiled in its own thread (cProfile sees
    one thread only); paramiko's transport threads (crypto, packets) are not in the profile."""
    import threading

    from nornir_tasks.backup import backup_config
    from simpul.devices.runner import run_on_devices

    lock = threading.Lock()

    def profiled(task: object) -> object:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            return backup_config(task)  # type: ignore[arg-type]
        finally:
            profiler.disable()
            with lock:
                if stats:
                    stats[0].add(profiler)
                else:
                    stats.append(pstats.Stats(profiler))

    outcomes = run_on_devices(nornir, profiled, name="backup_config")
    print(f"profiled: {sum(o.ok for o in outcomes.values())}/{len(outcomes)} ok", flush=True)


if __name__ == "__main__":
    main()
