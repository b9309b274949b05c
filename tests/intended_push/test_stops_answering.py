"""A device that stops answering in the middle of a push: rolled back in a new session, or reported failed.

fakenos devices cannot stall; ``tests/backup/sshdevice.py``'s tiny real SSH device can. Here it
also speaks IOS config mode (``configure terminal``, lines, ``end``) and stalls on one line.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import paramiko
import pytest

from nornir_tasks.intended import PushPlan, intended_push
from simpul.devices.runner import build_nornir, run_on_devices
from simpul.inventory import InventoryHost
from simpul.services.intended_push import device_push
from simpul.settings import load_settings
from tests.backup.sshdevice import TinySSHDevice

pytestmark = [pytest.mark.devices]

RUNNING = "hostname rtr-x\nntp server 10.10.0.123\nend\n"
STALL = "ntp server 10.10.0.11"


class ConfigDevice(TinySSHDevice):
    """Answers config mode; stalls on ``STALL`` (and with ``gone``, refuses every new session after)."""

    def __init__(self, *args: Any, gone: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gone = gone
        self.modes: dict[int, str] = {}
        self.lock = threading.Lock()

    def _answer(self, line: str, chan: paramiko.Channel, transport: paramiko.Transport, prompt: str) -> bool:
        mode = self.modes.get(id(chan), "")
        config_prompt = f"{self.name}(config)#"
        if line.startswith("configure terminal"):
            self.modes[id(chan)] = "config"
            chan.sendall(f"\r\n{config_prompt}".encode())
            return True
        if mode and line == STALL:
            if self.gone:
                self.sock.close()  # nobody can connect again
            self._stop.wait(30)
            return False
        if mode and line in ("end", "exit"):
            self.modes[id(chan)] = ""
            chan.sendall(f"\r\n{prompt}".encode())
            return True
        if mode:
            chan.sendall(f"\r\n{config_prompt}".encode())
            return True
        return bool(super()._answer(line, chan, transport, prompt))


@pytest.fixture(params=[False, True], ids=["comes-back", "gone"])
def device(request: pytest.FixtureRequest) -> Iterator[ConfigDevice]:
    dev = ConfigDevice("rtr-x", "admin", "Lab-pass-1", lambda: RUNNING, gone=request.param).start()
    try:
        yield dev
    finally:
        dev.stop()


def test_a_device_that_stops_answering_mid_push(device: ConfigDevice) -> None:
    settings = load_settings(
        env={
            "SIMPUL_DEVICE_USERNAME": "admin",
            "SIMPUL_DEVICE_PASSWORD": "Lab-pass-1",
            "SIMPUL_DEVICE_TIMEOUT": "5",
        },
        settings_file=False,
    )
    host = InventoryHost(
        name="rtr-x",
        hostname="127.0.0.1",
        port=device.port,
        platform="cisco_ios",
        role=None,
        site=None,
        skpd=None,
    )
    nr = build_nornir(settings, hosts=[host], dry_run=False)
    nr.inventory.hosts["rtr-x"].data["backup_read_timeout"] = 3
    plans = {"rtr-x": PushPlan(intended="hostname rtr-x\nntp server 10.10.0.11\n")}
    outcome = run_on_devices(nr, intended_push, secrets=["Lab-pass-1"], plans=plans)["rtr-x"]
    pushed = device_push(outcome, "cisco_ios")
    assert pushed.reason is not None and pushed.reason.startswith("timeout: ")
    assert pushed.commands == ("no ntp server 10.10.0.123", STALL)
    if device.gone:  # the rollback cannot reach it: simpul says so, never claims a rollback
        assert pushed.result == "failed"
        assert "rollback failed (unreachable: " in pushed.reason
    else:  # a new session finds the pre-push config (the device never took the line): nothing to undo
        assert pushed.result == "rolled_back"
        assert "rollback failed" not in pushed.reason
    assert (pushed.changed, pushed.compliant_after) == (False, False)
