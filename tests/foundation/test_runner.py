"""``run_on_devices``: concurrent, one outcome per host, refused hosts never contacted."""

from __future__ import annotations

import socket
import threading
from typing import Any

from nornir.core.task import Result, Task

from simpul.devices.runner import build_nornir, run_on_devices
from simpul.inventory import InventoryHost, Overrides, host_from_device
from simpul.settings import load_settings

CALLED: list[str] = []
LOCK = threading.Lock()


def touch(task: Task) -> Result:
    """Open a TCP connection to the host (a real connection attempt), then say it worked."""
    with LOCK:
        CALLED.append(task.host.name)
    with socket.create_connection((task.host.hostname, task.host.port), timeout=3):
        pass
    return Result(host=task.host, result="ok", changed=not task.is_dry_run())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _device(name: str, platform: str = "cisco_ios") -> dict[str, Any]:
    return {"name": name, "primary_ip4": {"address": "10.99.0.1/24"}, "platform": {"slug": platform}}


def test_refused_hosts_are_reported_and_never_contacted() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    overrides = Overrides(
        hosts={
            "up": {"hostname": "127.0.0.1", "port": port},
            "down": {"hostname": "127.0.0.1", "port": _closed_port()},
        },
        lab=True,
    )
    hosts: list[InventoryHost] = [
        host_from_device(_device("up"), overrides),
        host_from_device(_device("down"), overrides),
        host_from_device(_device("server-in-the-real-world", "linux"), overrides),
        host_from_device(
            _device("odd-platform", "juniper_junos"),
            Overrides(hosts={"odd-platform": {"hostname": "127.0.0.1", "port": port}}, lab=True),
        ),
    ]
    assert hosts[2].hostname is None and hosts[2].refused == "not simulated in the lab"
    CALLED.clear()
    settings = load_settings(env={}, settings_file=False)
    try:
        outcomes = run_on_devices(build_nornir(settings, hosts=hosts, dry_run=True), touch)
    finally:
        listener.close()
    assert sorted(CALLED) == ["down", "up"]
    assert outcomes["up"].ok and outcomes["up"].result == "ok" and outcomes["up"].changed is False
    assert outcomes["down"].reason == "unreachable: connection refused"
    assert outcomes["server-in-the-real-world"].reason == "refused: not simulated in the lab"
    assert outcomes["odd-platform"].reason == "refused: platform 'juniper_junos' is not supported"
    assert list(outcomes) == sorted(outcomes)
