"""A device moved in NetBox keeps its backup history: real NetBox, real lab devices, the real CLI.

The lab's simulated devices are built from the seeded demo regency (simpul.lab.build, the same path
``simpul lab up`` takes); ``simpul backup configs`` reads its inventory from that NetBox. Between two
runs, sw-disdik-01 moves (pynetbox, as an operator would in the UI) from SKPD/site disdik to
dinkes: the next run must move its file in the same commit, leave one file for it in HEAD, and
``simpul backup show/diff/status`` and the Pasal 20(2) change date must still find it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from simpul.services.lan import last_lan_change
from simpul.store import GitStore
from tests.backup.conftest import all_repo_text, git
from tests.backup.sshdevice import free_range
from tests.conftest import LabNetBox, run_simpul

pytestmark = [pytest.mark.netbox, pytest.mark.devices, pytest.mark.slow]

DEVICES = ("rtr-disdik", "sw-disdik-01", "rtr-dinkes")
MOVED = "sw-disdik-01"
OLD = "disdik/disdik/sw-disdik-01.cfg"
NEW = "dinkes/dinkes/sw-disdik-01.cfg"


@dataclass
class MoveLab:
    netbox: LabNetBox
    env: dict[str, str]
    repo: Path
    planted: list[str]

    def simpul(self, *args: str) -> Any:
        return run_simpul(*args, env=self.env, timeout=300)

    def backup(self) -> dict[str, Any]:
        devices = [arg for name in DEVICES for arg in ("--device", name)]
        proc = self.simpul("backup", "configs", *devices, "--json")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        result: dict[str, Any] = json.loads(proc.stdout)
        return result


@pytest.fixture(scope="module")
def move_lab(netbox_seeded: LabNetBox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MoveLab]:
    from simpul.lab.build import build_device_lab, fetch_regency
    from simpul.lab.devices import start_devices, stop_devices

    tmp = tmp_path_factory.mktemp("move")
    creds = {
        "password": "Lab" + secrets.token_hex(8),
        "enable_secret": secrets.token_urlsafe(12),
        "user_password": secrets.token_urlsafe(12),
        "snmp_community": "snmp" + secrets.token_hex(6),
        "ipsec_psk": secrets.token_urlsafe(16),
        "ppp_secret": secrets.token_urlsafe(10),
    }
    whole, _ = build_device_lab(fetch_regency(netbox_seeded.api()), creds, free_range(100))
    lab = whole.model_copy(update={"devices": tuple(d for d in whole.devices if d.name in DEVICES)})
    assert sorted(d.name for d in lab.devices) == sorted(DEVICES)
    overrides = tmp / "overrides.json"
    overrides.write_text(
        json.dumps(
            {
                "lab": True,
                "hosts": {d.name: {"hostname": "127.0.0.1", "port": d.ssh_port} for d in lab.devices},
            }
        )
    )
    env = {
        **netbox_seeded.env(),
        "SIMPUL_INVENTORY_OVERRIDES": str(overrides),
        "SIMPUL_DEVICE_USERNAME": lab.username,
        "SIMPUL_DEVICE_PASSWORD": lab.password,
        "SIMPUL_BACKUP_REPO": str(tmp / "repo"),
    }
    state = tmp / "devices"
    start_devices(lab, state)
    try:
        yield MoveLab(netbox_seeded, env, tmp / "repo", [*creds.values()])
    finally:
        stop_devices(state)
        netbox_seeded.lab.reset("seeded")  # the move must not leak into other modules


def test_a_device_moved_in_netbox_keeps_one_file_and_its_whole_history(move_lab: MoveLab) -> None:
    first = move_lab.backup()
    assert sorted(first["changed"]) == sorted(DEVICES) and first["failed"] == {}
    assert OLD in git(move_lab.repo, "ls-files").split()

    api = move_lab.netbox.api()
    device = api.dcim.devices.get(name=MOVED)
    device.site = api.dcim.sites.get(slug="dinkes").id
    device.tenant = api.tenancy.tenants.get(slug="dinkes").id
    assert device.save()
    assert (api.dcim.devices.get(name=MOVED).site.slug, api.dcim.devices.get(name=MOVED).tenant.slug) == (
        "dinkes",
        "dinkes",
    )

    second = move_lab.backup()
    assert second["moved"] == {MOVED: {"from": OLD, "to": NEW}}
    assert second["changed"] == [MOVED] and second["removed_stale"] == {} and second["failed"] == {}
    assert second["commit"] == git(move_lab.repo, "rev-parse", "HEAD").strip()

    files = git(move_lab.repo, "ls-files").split()
    assert [f for f in files if f.endswith(f"/{MOVED}.cfg")] == [NEW]  # one file in HEAD
    assert not (move_lab.repo / OLD).exists() and git(move_lab.repo, "status", "--porcelain") == ""
    assert git(move_lab.repo, "diff-tree", "-r", "-M", "--name-status", "--format=", "HEAD").split() == [
        "R100",
        OLD,
        NEW,
    ]
    follow = git(move_lab.repo, "log", "--follow", "--format=%H", "--", NEW).split()
    assert follow == [second["commit"], first["commit"]]

    # the user's commands find it by name
    show = move_lab.simpul("backup", "show", MOVED)
    assert show.returncode == 0 and show.stdout == (move_lab.repo / NEW).read_text()
    assert "set name=sw-disdik-01" in show.stdout
    before = move_lab.simpul("backup", "show", MOVED, "--at", first["commit"])
    assert before.returncode == 0 and before.stdout == show.stdout  # its config did not change
    diff = move_lab.simpul("backup", "diff", MOVED)
    assert diff.returncode == 0, diff.stderr
    assert f"rename from {OLD}" in diff.stdout and f"rename to {NEW}" in diff.stdout
    status = move_lab.simpul("backup", "status", "--json")
    assert status.returncode == 0, status.stdout + status.stderr
    record = {d["device"]: d for d in json.loads(status.stdout)["devices"]}[MOVED]
    assert (record["path"], record["result"], record["reason"]) == (NEW, "changed", None)

    # the Pasal 20(2) check still sees its history: the move is the last change of its LAN
    store = GitStore(move_lab.repo)
    assert [sha for sha, _, _ in store.log(MOVED)] == [second["commit"], first["commit"]]
    assert last_lan_change(move_lab.repo, [MOVED]) is not None

    # a third run: nothing moved, nothing changed, no commit
    third = move_lab.backup()
    assert third["commit"] is None and third["moved"] == {} and sorted(third["unchanged"]) == sorted(DEVICES)
    assert [s for s in move_lab.planted if s in all_repo_text(move_lab.repo)] == []
