"""VPS tests: a real NetBox 4.7 (session fixtures of tests/conftest.py), a real libvirtd of the
test session's own (``simpul.lab.libvirt_lab``: QEMU TCG, nothing leaves the machine), and the
cached debvm image.

Names: every VPS a session makes starts with ``t<pid>-``; the session's libvirtd lives under
``/var/tmp/simpul-vps-tests/<pid>/``. A session that was killed leaves its daemon and domains
behind: the next session stops them and removes their directory before it starts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from simpul.lab.libvirt_lab import LibvirtLab, sweep_dead_labs
from tests.conftest import ROOT, SIMPUL, LabNetBox

BASE = Path("/var/tmp/simpul-vps-tests")
PREFIX = f"t{os.getpid()}-"
CLUSTER = "pusat-data-kvm"  # the demo regency's Pusat Data cluster (type libvirt, tagged pusat-data)
VPS_PREFIX = "10.40.0.0/24"
SKPDS = ("vpsa", "vpsb", "vpsc", "vpsd")  # test SKPD (tenant group skpd), quota set per test module


def vps_name(suffix: str) -> str:
    return f"{PREFIX}{suffix}"


def _needs_root_and_libvirt() -> str | None:
    if os.geteuid() != 0:
        return "the VPS lab needs root (its libvirtd mounts its own directories)"
    missing = [
        t
        for t in ("libvirtd", "virtlogd", "qemu-system-x86_64", "qemu-img", "genisoimage")
        if shutil.which(t) is None
    ]
    if missing:
        return (
            "missing: " + ", ".join(missing) + " (apt-get install libvirt-daemon-system qemu-system-x86 ...)"
        )
    try:
        import libvirt  # noqa: F401
    except ImportError:
        return "libvirt-python is not installed"
    return None


@dataclass
class VpsLab:
    lab: LibvirtLab
    image_dir: Path
    disk_dir: Path
    extra: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {
            "SIMPUL_LIBVIRT_URI": self.lab.uri,
            "SIMPUL_VPS_IMAGE_DIR": str(self.image_dir),
            "SIMPUL_VPS_DISK_DIR": str(self.disk_dir),
            **self.extra,
        }

    def provider(self):  # type: ignore[no-untyped-def]
        from simpul.providers.libvirt import LibvirtProvider

        return LibvirtProvider(self.lab.uri, self.image_dir, self.disk_dir)

    def domains(self) -> dict[str, str]:
        """This session's domains: name -> state (running, shut off)."""
        out = subprocess.run(
            ["virsh", "-c", self.lab.uri, "list", "--all", "--name"],
            capture_output=True,
            text=True,
            check=True,
        )
        names = [n for n in out.stdout.split() if n.startswith(PREFIX)]
        return {
            n: subprocess.run(
                ["virsh", "-c", self.lab.uri, "domstate", n], capture_output=True, text=True, check=True
            ).stdout.strip()
            for n in names
        }


@pytest.fixture(scope="session")
def vps_lab() -> Iterator[VpsLab]:
    """The session's own libvirtd with the cached Debian image and a broken one (for failures)."""
    why = _needs_root_and_libvirt()
    if why:
        pytest.skip(why)
    sweep_dead_labs(BASE)
    root = BASE / str(os.getpid())
    cache = Path(os.environ.get("SIMPUL_CACHE_DIR") or Path.home() / ".cache" / "simpul")
    lab = LibvirtLab(root / "libvirt", cache)
    image = lab.ensure_image()  # built once per machine (~1-2 min), then cached like the NetBox dump
    images = root / "images"
    images.mkdir(parents=True, exist_ok=True)
    for suffix in ("qcow2", "vmlinuz", "initrd"):
        link = images / f"debian-12.{suffix}"
        link.unlink(missing_ok=True)
        link.symlink_to(image.with_suffix(f".{suffix}"))
    # "broken": a real qcow2 whose kernel is not a kernel: defining works, starting fails in QEMU
    subprocess.run(
        ["qemu-img", "create", "-q", "-f", "qcow2", str(images / "broken.qcow2"), "1G"], check=True
    )
    (images / "broken.vmlinuz").write_bytes(b"not a kernel\n")
    lab.up()
    try:
        yield VpsLab(lab=lab, image_dir=images, disk_dir=root / "disks")
    finally:
        lab.down()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def _no_domain_outlives_its_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A started domain boots (TCG: a core busy for a minute): destroy this session's domains after
    every test that used the lab, so no test pays for another's guests and the box stays usable."""
    yield
    if "vps_lab" in request.fixturenames:
        request.getfixturevalue("vps_lab").lab.destroy_domains(PREFIX)


def prepare_pusat_data(netbox: LabNetBox, quotas: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """The demo regency's Pusat Data, made ready for VPS: capacity on the cluster, the VPS prefix,
    test SKPD with quotas. Returns ids the tests use."""
    api = netbox.api()
    cluster = api.virtualization.clusters.get(name=CLUSTER)
    cluster.update(
        {
            "custom_fields": {
                "vps_capacity_vcpus": 16,
                "vps_capacity_memory_mb": 65536,
                "vps_capacity_disk_gb": 4000,
                "vps_overcommit_cpu": 4.0,
                "vps_overcommit_memory": 1.0,
                "vps_overcommit_disk": 1.0,
            }
        }
    )
    site = api.dcim.sites.get(slug="pusat-data")
    role = api.ipam.roles.get(slug="vps")
    prefix = api.ipam.prefixes.get(prefix=VPS_PREFIX)
    if prefix is None:
        prefix = api.ipam.prefixes.create(
            prefix=VPS_PREFIX,
            role=role.id,
            scope_type="dcim.site",
            scope_id=site.id,
            description="VPS Pusat Data",
        )
    group = api.tenancy.tenant_groups.get(slug="skpd")
    quotas = quotas or {}
    ids = {}
    for slug in SKPDS:
        q = quotas.get(slug, {"vms": 30, "vcpus": 60, "memory_mb": 65536, "disk_gb": 1000})
        cfs = {f"vps_quota_{k}": v for k, v in q.items()}
        tenant = api.tenancy.tenants.get(slug=slug)
        if tenant is None:
            tenant = api.tenancy.tenants.create(
                name=f"SKPD uji {slug}", slug=slug, group=group.id, custom_fields=cfs
            )
        else:
            tenant.update({"custom_fields": cfs})
        ids[slug] = tenant.id
    return {"cluster": cluster.id, "prefix": prefix.id, "tenants": ids, "site": site.id}


def vps_env(netbox: LabNetBox, lab: VpsLab | None = None, **extra: str) -> dict[str, str]:
    env = netbox.env()
    if lab is not None:
        env.update(lab.env())
    env.update(extra)
    return env


def _mounted() -> bool:
    """True once the lead mounted ``simpul vps`` in simpul/cli/__init__.py."""
    try:
        from simpul.cli import app
    except Exception:  # another area's module is broken mid-edit: use the vps app directly
        return False
    return any(getattr(g, "name", None) == "vps" for g in app.registered_groups)


VPS_CMD = (
    [SIMPUL, "vps"]
    if _mounted()
    else [sys.executable, "-c", "from simpul.cli.vps import app; app(prog_name='simpul vps')"]
)


def vps(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``simpul vps ...`` as a user would (the same typer app in a fresh process)."""
    return subprocess.run(
        [*VPS_CMD, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout, check=False
    )


def vps_json(*args: str, env: dict[str, str]) -> tuple[int, Any]:
    out = vps(*args, "--json", env=env)
    try:
        return out.returncode, json.loads(out.stdout)
    except ValueError:
        raise AssertionError(f"no JSON (exit {out.returncode}): {out.stdout}\n{out.stderr}") from None


def netbox_counts(api: Any) -> dict[str, int]:
    """What a refused request must leave unchanged."""
    return {
        "vms": api.virtualization.virtual_machines.count(),
        "ips": api.ipam.ip_addresses.count(),
        "interfaces": api.virtualization.interfaces.count(),
        "journal": api.extras.journal_entries.count(),
    }


SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHqzZb5cK3Z2Z9G1n0oSxkqvJzEXAMPLEKEYONLYFORTESTS vps-test"
