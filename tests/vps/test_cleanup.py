"""A test session that was killed leaves its libvirtd, its domains and disks behind; the next
session's sweep stops and removes them (only labs of dead sessions, by the pid in their path)."""

from __future__ import annotations

import os
from pathlib import Path

from simpul.core.vps import Size, VpsSpec
from simpul.lab.libvirt_lab import LibvirtLab, pid_alive, read_pid, sweep_dead_labs
from simpul.providers.libvirt import LibvirtProvider
from tests.vps.conftest import BASE, VpsLab


def test_a_killed_sessions_lab_is_swept(vps_lab: VpsLab) -> None:
    dead_pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # can never be a live process
    root = BASE / str(dead_pid)
    lab = LibvirtLab(root / "libvirt", vps_lab.lab.images.parent.parent)
    lab.up()
    provider = LibvirtProvider(lab.uri, vps_lab.image_dir, root / "disks")
    provider.create(
        VpsSpec("t-killed-01", None, "staged", Size(1, 128, 1), "debian-12", 1, ip="10.40.0.9/24")
    )
    provider.close()
    daemon = read_pid(lab.libvirtd_pid)
    assert daemon and pid_alive(daemon)

    swept = sweep_dead_labs(BASE)
    assert root in swept and not root.exists()
    assert not pid_alive(daemon)
    assert vps_lab.lab.running(), "this session's own lab is left alone"
    assert Path(BASE / str(os.getpid())).exists()
