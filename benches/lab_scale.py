"""Benchmark: start N simulated SSH devices in one process; print start-up time, memory, stop time.

    .venv/bin/python benches/lab_scale.py [N] [BASE_PORT]      (defaults: 500, 31000)

Goal from issue 3: 500 devices ready in <= 60 s. Also times one netmiko session (show version)
on the last device while all are up.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
from pathlib import Path

from netmiko import ConnectHandler

from simpul.lab.devices import devices_status, start_devices, stop_devices, synthetic_lab


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    base_port = int(sys.argv[2]) if len(sys.argv) > 2 else 31000
    lab = synthetic_lab(n, password=secrets.token_urlsafe(16), base_port=base_port)
    with tempfile.TemporaryDirectory(prefix="simpul-lab-scale-") as tmp:
        state_dir = Path(tmp)
        t0 = time.monotonic()
        status = start_devices(lab, state_dir, timeout=300)
        wall = time.monotonic() - t0
        try:
            time.sleep(2)
            idle = devices_status(state_dir)
            last = lab.devices[-1]
            t1 = time.monotonic()
            params = {
                "device_type": last.platform,
                "host": lab.host,
                "port": last.ssh_port,
                "username": lab.username,
                "password": lab.password,
                "secret": lab.password,
            }
            with ConnectHandler(**params) as conn:
                conn.send_command(
                    "/system resource print" if last.platform == "mikrotik_routeros" else "show version"
                )
            session = time.monotonic() - t1
        finally:
            t2 = time.monotonic()
            stop_devices(state_dir)
            stop = time.monotonic() - t2
    platforms: dict[str, int] = {}
    for device in lab.devices:
        platforms[device.platform] = platforms.get(device.platform, 0) + 1
    print(
        f"devices            {status.count} ({', '.join(f'{k} {v}' for k, v in sorted(platforms.items()))})"
    )
    print(f"server start-up    {status.startup_seconds:.2f} s (inside the server: parse, bind, listen)")
    print(f"ready (wall)       {wall:.2f} s (start_devices: spawn + interpreter + start-up)")
    print(f"RSS idle           {idle.rss_mb} MB")
    print(f"one session        {session:.2f} s (netmiko connect + one command on {lab.devices[-1].name})")
    print(f"stop               {stop:.2f} s")


if __name__ == "__main__":
    main()
