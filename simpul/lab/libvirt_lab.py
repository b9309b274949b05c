"""The lab's own libvirtd, and the small Debian image its VPS boot from.

No systemd and no system daemon: ``up()`` starts ``virtlogd -d`` and ``libvirtd -d`` in a private
mount namespace (``unshare --mount``) where the lab's directory is bind-mounted over libvirt's own
paths (``/etc/libvirt``, ``/var/lib/libvirt``, ``/run/libvirt``, ``/var/log/libvirt``,
``/var/cache/libvirt``). So its configuration (QEMU as root, no security driver, no networks), its
state, its logs and its socket all live under ``<lab_dir>/libvirt``; the machine's own libvirt, if
any, is not touched, and several labs (a user's, test sessions) run side by side. Clients connect
with ``qemu+unix:///system?socket=<lab_dir>/libvirt/run/libvirt-sock``. Needs root (it mounts).

The image: ``debvm-create`` (Debian bookworm, cloud-init, openssh-server, qemu-guest-agent; ~1-2
minutes, once) into ``<cache_dir>/vps/images/debian-12.qcow2``, with its kernel and initrd beside it
for a direct boot (a debvm image has no boot loader). Built once per machine under a lock; every
VPS gets a qcow2 overlay on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from simpul.errors import LabError
from simpul.settings import Settings

log = logging.getLogger(__name__)

IMAGE = "debian-12"
IMAGE_VERSION = 1  # bump when the recipe changes: a new image is built
IMAGE_PACKAGES = ("openssh-server", "cloud-init", "qemu-guest-agent")
MOUNTS = {  # lab subdirectory -> libvirt's own path
    "etc": "/etc/libvirt",
    "lib": "/var/lib/libvirt",
    "run": "/run/libvirt",
    "log": "/var/log/libvirt",
    "cache": "/var/cache/libvirt",
}
LIBVIRTD_CONF = """\
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
unix_sock_ro_perms = "0700"
unix_sock_admin_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
"""
QEMU_CONF = """\
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = []
"""
VIRTLOGD_CONF = 'log_outputs = "3:file:/var/log/libvirt/virtlogd.log"\n'


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


class LibvirtLab:
    """One lab libvirtd under ``root`` (``<lab_dir>/libvirt``), images under ``cache``."""

    def __init__(self, root: Path, cache_dir: Path) -> None:
        self.root = Path(root)
        self.images = Path(cache_dir) / "vps" / "images"
        self.disks = self.root / "disks"
        self.socket = self.root / "run" / "libvirt-sock"
        self.libvirtd_pid = self.root / "run" / "libvirtd.pid"
        self.virtlogd_pid = self.root / "run" / "virtlogd.pid"

    @classmethod
    def from_settings(cls, settings: Settings) -> LibvirtLab:
        """The lab's libvirtd: under ``<lab_dir>/libvirt``, images in ``<cache_dir>/vps/images``
        (what ``simpul vps`` finds by default when the lab runs)."""
        return cls(Path(settings.lab_dir) / "libvirt", Path(settings.cache_dir))

    @property
    def uri(self) -> str:
        return f"qemu+unix:///system?socket={self.socket}"

    def running(self) -> bool:
        pid = read_pid(self.libvirtd_pid)
        return pid is not None and pid_alive(pid) and self.socket.exists()

    # ----------------------------------------------------------------------------- daemon

    def up(self, timeout: float = 60) -> str:
        """Start the daemons (nothing to do when they run); the URI to connect to."""
        if self.running():
            return self.uri
        self._check_tools()
        self._clean_stale()
        for sub in MOUNTS:
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.disks.mkdir(parents=True, exist_ok=True)
        (self.root / "etc" / "libvirtd.conf").write_text(LIBVIRTD_CONF)
        (self.root / "etc" / "qemu.conf").write_text(QEMU_CONF)
        (self.root / "etc" / "virtlogd.conf").write_text(VIRTLOGD_CONF)
        self.socket.unlink(missing_ok=True)
        script = "set -e\n"
        for sub, target in MOUNTS.items():
            script += f"mkdir -p {target}\nmount --bind '{self.root / sub}' {target}\n"
        script += (
            "virtlogd -d -p /run/libvirt/virtlogd.pid -f /etc/libvirt/virtlogd.conf\n"
            "libvirtd -d -p /run/libvirt/libvirtd.pid -f /etc/libvirt/libvirtd.conf\n"
        )
        proc = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise LabError(
                f"the lab's libvirtd did not start: {(proc.stderr or proc.stdout).strip()[-500:]}",
                hint="it needs root (mount namespaces) and libvirt-daemon-system + qemu-system-x86",
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.running() and self._answers():
                log.info("lab libvirtd up at %s", self.socket)
                return self.uri
            time.sleep(0.2)
        raise LabError(
            f"the lab's libvirtd did not answer in {timeout:.0f} s; see {self.root}/log/libvirtd.log"
        )

    def _clean_stale(self) -> None:
        """What a killed lab left: a virtlogd without its libvirtd, pid files of dead daemons, the
        socket. (Its QEMU processes, if any, are re-attached by the new libvirtd from its state.)"""
        for pidfile in (self.libvirtd_pid, self.virtlogd_pid):
            pid = read_pid(pidfile)
            if pid and pid_alive(pid) and _cmdline_has(pid, "virtlogd"):
                _terminate(pid)  # its libvirtd is gone: a new pair is started
            pidfile.unlink(missing_ok=True)
        self.socket.unlink(missing_ok=True)

    def status(self) -> dict[str, object]:
        """Running, where it listens, its domains (name -> state), whether the VPS image is built."""
        image = self.images / f"{IMAGE}.qcow2"
        return {
            "running": self.running(),
            "uri": self.uri,
            "domains": self.domains() if self.running() else {},
            "image": str(image) if self._image_ready(image, self.images / f"{IMAGE}.json") else None,
        }

    def domains(self) -> dict[str, str]:
        """name -> running / shut off, as this lab's libvirtd holds them."""
        try:
            import libvirt
        except ImportError:
            return {}
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError:
            return {}
        try:
            return {
                d.name(): "running" if d.isActive() else "shut off"
                for d in sorted(conn.listAllDomains(), key=lambda d: d.name())
            }
        finally:
            conn.close()

    def _answers(self) -> bool:
        proc = subprocess.run(
            ["virsh", "-c", self.uri, "version"], capture_output=True, check=False, timeout=60
        )
        return proc.returncode == 0

    def _check_tools(self) -> None:
        if os.geteuid() != 0:
            raise LabError("the lab's libvirtd needs root (it mounts its own directories)")
        missing = [
            t
            for t in ("libvirtd", "virtlogd", "qemu-system-x86_64", "qemu-img", "genisoimage", "unshare")
            if shutil.which(t) is None
        ]
        if missing:
            raise LabError(
                f"missing for the VPS lab: {', '.join(missing)}",
                hint="apt-get install libvirt-daemon-system qemu-system-x86 qemu-utils genisoimage debvm",
            )

    def down(self) -> bool:
        """Destroy every domain, stop the daemons. True when something was running."""
        was = self.running()
        if was:
            self.destroy_domains()
        for pidfile in (self.libvirtd_pid, self.virtlogd_pid):
            pid = read_pid(pidfile)
            if pid and pid_alive(pid):
                _terminate(pid)
            pidfile.unlink(missing_ok=True)
        self.socket.unlink(missing_ok=True)
        self._kill_orphan_guests()
        return was

    def _kill_orphan_guests(self) -> None:
        """QEMU processes of this lab whose libvirtd died (their disks are under the lab root)."""
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit() and _cmdline_has(int(proc.name), "qemu-system", str(self.root) + "/"):
                log.warning("stopping QEMU %s left by a lab libvirtd that is gone", proc.name)
                _terminate(int(proc.name))

    def destroy_domains(self, prefix: str = "") -> list[str]:
        """Destroy and undefine the domains whose name starts with ``prefix`` (all by default)."""
        try:
            import libvirt
        except ImportError:
            return []
        gone = []
        try:
            conn = libvirt.open(self.uri)
        except libvirt.libvirtError:
            return []
        try:
            for dom in conn.listAllDomains():
                if not dom.name().startswith(prefix):
                    continue
                with contextlib.suppress(libvirt.libvirtError):
                    if dom.isActive():
                        dom.destroy()
                    dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
                    gone.append(dom.name())
        finally:
            conn.close()
        return gone

    # ------------------------------------------------------------------------------ image

    def ensure_image(self, progress: bool = True) -> Path:
        """The cached Debian image (built once per machine, ~1-2 min); its qcow2 path."""
        target = self.images / f"{IMAGE}.qcow2"
        manifest = self.images / f"{IMAGE}.json"
        if self._image_ready(target, manifest):
            return target
        with self._locked():
            if self._image_ready(target, manifest):
                return target
            self._build_image(target, manifest, progress)
        return target

    @staticmethod
    def _image_ready(target: Path, manifest: Path) -> bool:
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return False
        return bool(data.get("version") == IMAGE_VERSION and target.exists())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.images.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.images / "build.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _build_image(self, target: Path, manifest: Path, progress: bool) -> None:
        if shutil.which("debvm-create") is None:
            raise LabError("debvm-create is missing", hint="apt-get install debvm mmdebstrap")
        raw = self.images / f"{IMAGE}.raw.tmp"
        if progress:
            log.warning("building the VPS image %s with debvm (about 1-2 minutes, once)", target)
        t0 = time.monotonic()
        _run(
            [
                "debvm-create",
                "-r",
                "bookworm",
                "-z",
                "2G",
                "-o",
                str(raw),
                "--",
                "--include=" + ",".join(IMAGE_PACKAGES),
            ],
            timeout=1800,
        )
        try:
            for link, suffix in (("vmlinuz", "vmlinuz"), ("initrd.img", "initrd")):
                name = _fast_link(raw, link)
                out = self.images / f"{IMAGE}.{suffix}"
                with out.open("wb") as fh:
                    subprocess.run(
                        ["/sbin/debugfs", str(raw), "-R", f"cat /{name}"],
                        stdout=fh,
                        stderr=subprocess.DEVNULL,
                        check=True,
                    )
            tmp = target.with_suffix(".qcow2.tmp")
            _run(["qemu-img", "convert", "-O", "qcow2", str(raw), str(tmp)])
            tmp.replace(target)
        finally:
            raw.unlink(missing_ok=True)
        manifest.write_text(
            json.dumps(
                {
                    "version": IMAGE_VERSION,
                    "packages": IMAGE_PACKAGES,
                    "seconds": round(time.monotonic() - t0),
                }
            )
        )


def _fast_link(image: Path, link: str) -> str:
    proc = subprocess.run(
        ["/sbin/debugfs", str(image), "-R", f"stat {link}"], capture_output=True, text=True, check=False
    )
    for line in proc.stdout.splitlines():
        if "Fast link dest:" in line:
            return line.split('"')[1]
    raise LabError(f"the image has no /{link}: not a debvm image?")


def _run(argv: list[str], timeout: float = 600) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout)
    if proc.returncode != 0:
        raise LabError(f"{argv[0]} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")


def _cmdline_has(pid: int, *needles: str) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return all(n in cmdline for n in needles)


def _terminate(pid: int, timeout: float = 10) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.1)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def sweep_dead_labs(base: Path) -> list[Path]:
    """Stop the libvirtd of test labs whose session died (``<base>/<pid>/``), and remove them.

    A killed test run cannot tear its lab down; its daemon and QEMU processes would live on.
    """
    swept: list[Path] = []
    if not base.is_dir():
        return swept
    for sub in base.iterdir():
        if not sub.name.isdigit() or pid_alive(int(sub.name)):
            continue
        lab = LibvirtLab(sub / "libvirt", sub / "cache")
        with contextlib.suppress(LabError, OSError):
            lab.down()
        shutil.rmtree(sub, ignore_errors=True)
        swept.append(sub)
    return swept
