"""VPS on libvirt (libvirt-python): QEMU domains with a copy-on-write disk and a cloud-init seed.

Each VPS is one domain named as the VPS, with:

- a qcow2 overlay ``<disk_dir>/<name>-<netbox id>.qcow2`` backed by the image
  ``<image_dir>/<image>.qcow2`` (the image catalogue is that directory); an image with a
  ``<image>.vmlinuz`` and ``<image>.initrd`` beside it boots them directly (the lab's debvm image
  has no boot loader), any other boots from its disk;
- a NoCloud seed ISO (volume id ``cidata``: hostname, the SKPD's keys for user ``admin``, its
  NetBox address) attached as a CD-ROM;
- ``type='qemu'`` (TCG, with a 64 MiB translation cache) unless the host has a usable KVM
  (``vps_accel=kvm``: libvirt reports KVM on machines where it hangs, so it is never guessed);
- the network: ``vps_network=user`` (default, the lab) is QEMU user-mode networking inside the VM
  only -- the guest's own NetBox address on a private net that nothing outside the QEMU process
  sees (``restrict=on``), SSH forwarded from ``127.0.0.1:<port>``; ``bridge:<br>`` attaches to a
  host bridge instead (production);
- memory and vCPU ceilings above the asked size (x2), so growing is live: memory by the balloon,
  vCPUs by hot-plug; past the ceiling the change waits for the next start;
- simpul's facts (NetBox id, SKPD, image, SSH port, disk) in the domain's ``<metadata>``.

Deleting keeps the disk in ``<disk_dir>/retired/`` (named with the time) for ``vps_grace_days``
unless purged. The disks are files on the machine simpul runs on, so the hypervisor is this
machine (``qemu:///system`` or the lab's own libvirtd); a remote KVM host runs simpul itself.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from simpul.core.vps import Size, VpsActual, VpsSpec
from simpul.providers.vps import HypervisorUnavailable, ProviderError, Resized, VpsProvider

log = logging.getLogger(__name__)

META_NS = "urn:simpul:vps:1"
META_KEY = "simpul"
HEADROOM = 2  # memory and vCPU ceilings: x2 the asked size, so growing stays live
GIB = 1024**3
RETIRED = "retired"
STAMP = "%Y%m%dT%H%M%SZ"
ADMIN_USER = "admin"


def _libvirt() -> Any:
    try:
        import libvirt
    except ImportError:
        raise HypervisorUnavailable(
            "libvirt-python is not installed",
            hint="apt-get install libvirt-dev pkg-config && pip install libvirt-python",
        ) from None
    # libvirt's C library prints every error to stderr ("libvirt: XML-RPC error ..."), even the ones
    # raised as exceptions and handled here: silence it, the exception carries the message
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    return libvirt


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def mac_for(netbox_id: int) -> str:
    """A stable locally administered MAC per VPS.

    >>> mac_for(7), mac_for(70000)
    ('52:54:00:00:00:07', '52:54:00:01:11:70')
    """
    n = netbox_id & 0xFFFFFF
    return "52:54:00:" + ":".join(f"{(n >> s) & 0xFF:02x}" for s in (16, 8, 0))


def user_data(spec: VpsSpec) -> str:
    """The cloud-config: the SKPD's keys for user ``admin`` (sudo), nothing else.

    >>> spec = VpsSpec("vps-a", "x", "active", Size(1, 512, 10), "i", 1, ssh_keys=("ssh-ed25519 K a",))
    >>> print(user_data(spec))
    #cloud-config
    ssh_pwauth: false
    users:
      - name: admin
        groups: [sudo]
        shell: /bin/bash
        sudo: ["ALL=(ALL) NOPASSWD:ALL"]
        lock_passwd: true
        ssh_authorized_keys:
          - "ssh-ed25519 K a"
    <BLANKLINE>
    """
    keys = "".join(f'      - "{k}"\n' for k in spec.ssh_keys)
    return (
        "#cloud-config\nssh_pwauth: false\nusers:\n"
        f"  - name: {ADMIN_USER}\n    groups: [sudo]\n    shell: /bin/bash\n"
        '    sudo: ["ALL=(ALL) NOPASSWD:ALL"]\n    lock_passwd: true\n'
        + (f"    ssh_authorized_keys:\n{keys}" if keys else "")
    )


def network_config(spec: VpsSpec) -> str:
    """cloud-init network config v2: the VPS's NetBox address, matched by MAC.

    >>> print(network_config(VpsSpec("a", "x", "active", Size(1, 1, 1), "i", 7, ip="10.40.0.5/24",
    ...                                gateway="10.40.0.1")))
    version: 2
    ethernets:
      id0:
        match: {macaddress: "52:54:00:00:00:07"}
        addresses: [10.40.0.5/24]
        routes: [{to: default, via: 10.40.0.1}]
    <BLANKLINE>
    """
    text = (
        "version: 2\nethernets:\n  id0:\n"
        f'    match: {{macaddress: "{mac_for(spec.netbox_id)}"}}\n    addresses: [{spec.ip}]\n'
    )
    if spec.gateway:
        text += f"    routes: [{{to: default, via: {spec.gateway}}}]\n"
    return text


def _netdev(spec: VpsSpec, port: int) -> str:
    """QEMU user-mode networking: the VPS's own subnet inside QEMU, SSH on 127.0.0.1:port only.

    >>> spec = VpsSpec("a", "x", "active", Size(1, 1, 1), "i", 1, ip="10.40.0.3/24", gateway="10.40.0.1")
    >>> for part in _netdev(spec, 2222).split(","):
    ...     print(part)
    user
    id=simpulnet0
    restrict=on
    hostfwd=tcp:127.0.0.1:2222-:22
    net=10.40.0.0/24
    dhcpstart=10.40.0.3
    host=10.40.0.1
    dns=10.40.0.254
    """
    import ipaddress

    arg = f"user,id=simpulnet0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22"
    if spec.ip:
        iface = ipaddress.ip_interface(spec.ip)
        arg += f",net={iface.network},dhcpstart={iface.ip}"
        if spec.gateway:
            arg += f",host={spec.gateway}"
        # QEMU's DNS address defaults to .3 and must differ from the VPS's own: take one from the top
        taken = {str(iface.ip), spec.gateway}
        hosts = list(iface.network.hosts())
        arg += ",dns=" + next(str(h) for h in reversed(hosts) if str(h) not in taken)
    return arg


class LibvirtProvider(VpsProvider):
    kind = "libvirt"

    def __init__(
        self,
        uri: str,
        image_dir: Path,
        disk_dir: Path,
        network: str = "user",
        accel: str = "qemu",
    ) -> None:
        lv = _libvirt()
        self.uri = uri
        self.image_dir = Path(image_dir)
        self.disk_dir = Path(disk_dir)
        self.network = network
        self.accel = accel
        try:
            self.conn = lv.open(uri)
        except lv.libvirtError as exc:
            raise HypervisorUnavailable(
                f"libvirt at {uri} cannot be reached: {exc.get_error_message()}",
                field="libvirt_uri",
                hint="start it (simpul lab up starts the lab's own libvirtd) or set SIMPUL_LIBVIRT_URI; "
                "nothing was written",
            ) from None
        self.libvirt = lv

    # ------------------------------------------------------------------------------ reads

    def images(self) -> list[str]:
        if not self.image_dir.is_dir():
            return []
        return sorted(p.stem for p in self.image_dir.glob("*.qcow2"))

    def actual(self) -> list[VpsActual]:
        try:
            domains = self.conn.listAllDomains()
        except self.libvirt.libvirtError as exc:
            raise HypervisorUnavailable(f"libvirt at {self.uri}: {exc.get_error_message()}") from None
        return sorted((self._actual(d) for d in domains), key=lambda a: a.name)

    def _actual(self, dom: Any) -> VpsActual:
        inactive = ET.fromstring(dom.XMLDesc(self.libvirt.VIR_DOMAIN_XML_INACTIVE))
        meta = self._meta(dom)
        running = dom.isActive() == 1
        vcpu = inactive.find("vcpu")
        vcpus = int((vcpu.get("current") or vcpu.text or "1") if vcpu is not None else 1)
        mem_el = inactive.find("currentMemory")
        if mem_el is None:
            mem_el = inactive.find("memory")
        memory = int(mem_el.text or 0) // 1024 if mem_el is not None else 0  # KiB -> MiB
        disk_gb = self._disk_gb(dom, inactive)
        size = Size(vcpus, memory, disk_gb)
        live = None
        if running:
            _state, _max, mem_kib, nr_vcpu, _cpu = dom.info()
            live_size = Size(int(nr_vcpu), int(mem_kib) // 1024, disk_gb)
            live = live_size if live_size != size else None
        port = meta.get("ssh_port")
        return VpsActual(
            name=dom.name(),
            provider_id=dom.UUIDString(),
            power="running" if running else "stopped",
            size=size,
            netbox_id=int(meta["netbox_id"]) if meta.get("netbox_id") else None,
            image=meta.get("image"),
            live=live,
            address=f"127.0.0.1:{port}" if port else None,
        )

    def _disk_gb(self, dom: Any, inactive: ET.Element) -> int:
        try:
            capacity = int(dom.blockInfo("vda")[0])
        except self.libvirt.libvirtError:
            source = inactive.find("./devices/disk[@device='disk']/source")
            path = source.get("file") if source is not None else None
            if not path or not Path(path).exists():
                return 0
            capacity = _qemu_img_size(Path(path))
        return round(capacity / GIB)

    def _meta(self, dom: Any) -> dict[str, str]:
        try:
            text = dom.metadata(
                self.libvirt.VIR_DOMAIN_METADATA_ELEMENT, META_NS, self.libvirt.VIR_DOMAIN_AFFECT_CONFIG
            )
        except self.libvirt.libvirtError:
            return {}
        root = ET.fromstring(text)
        return {child.tag.split("}")[-1]: (child.text or "") for child in root}

    def _domain(self, vm: VpsActual) -> Any:
        try:
            return self.conn.lookupByUUIDString(vm.provider_id)
        except self.libvirt.libvirtError as exc:
            raise ProviderError(f"{vm.name}: no such domain ({exc.get_error_message()})") from None

    # ----------------------------------------------------------------------------- create

    def create(self, spec: VpsSpec) -> str:
        base = self.image_dir / f"{spec.image}.qcow2"
        if not base.exists():
            raise ProviderError(f"{spec.name}: unknown image {spec.image!r} (no {base})")
        self.disk_dir.mkdir(parents=True, exist_ok=True)
        disk = self.disk_dir / f"{spec.name}-{spec.netbox_id}.qcow2"
        seed = self.disk_dir / f"{spec.name}-{spec.netbox_id}-seed.iso"
        made: list[Path] = []
        try:
            _run(
                [
                    "qemu-img",
                    "create",
                    "-q",
                    "-f",
                    "qcow2",
                    "-F",
                    "qcow2",
                    "-b",
                    str(base),
                    str(disk),
                    f"{spec.size.disk_gb}G",
                ],
                spec.name,
            )
            made.append(disk)
            self._write_seed(spec, seed)
            made.append(seed)
            port = free_port()
            dom = self.conn.defineXML(self.domain_xml(spec, disk, seed, port))
            return str(dom.UUIDString())
        except self.libvirt.libvirtError as exc:
            _remove(made)
            raise ProviderError(
                f"{spec.name}: libvirt refused the domain: {exc.get_error_message()}"
            ) from None
        except BaseException:
            _remove(made)
            raise

    def _write_seed(self, spec: VpsSpec, seed: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="simpul-seed-") as tmp:
            d = Path(tmp)
            (d / "meta-data").write_text(
                f"instance-id: simpul-{spec.netbox_id}-{spec.name}\nlocal-hostname: {spec.name}\n"
            )
            (d / "user-data").write_text(user_data(spec))
            (d / "network-config").write_text(network_config(spec) if spec.ip else "version: 2\n")
            _run(
                [
                    "genisoimage",
                    "-quiet",
                    "-output",
                    str(seed),
                    "-volid",
                    "cidata",
                    "-joliet",
                    "-rock",
                    str(d / "user-data"),
                    str(d / "meta-data"),
                    str(d / "network-config"),
                ],
                spec.name,
            )

    def domain_xml(self, spec: VpsSpec, disk: Path, seed: Path, port: int) -> str:
        """The domain definition (see the module docstring)."""
        mem, vcpus = spec.size.memory_mb, spec.size.vcpus
        kernel = self.image_dir / f"{spec.image}.vmlinuz"
        initrd = self.image_dir / f"{spec.image}.initrd"
        boot = "<boot dev='hd'/>"
        if kernel.exists():
            boot = (
                f"<kernel>{escape(str(kernel))}</kernel>"
                + (f"<initrd>{escape(str(initrd))}</initrd>" if initrd.exists() else "")
                + "<cmdline>root=/dev/vda rw console=ttyS0 quiet</cmdline>"
            )
        meta = "".join(
            f"<{k}>{escape(str(v))}</{k}>"
            for k, v in (
                ("netbox_id", spec.netbox_id),
                ("skpd", spec.skpd or ""),
                ("image", spec.image),
                ("ssh_port", port),
                ("disk", disk),
                ("seed", seed),
            )
        )
        tcg = "<tcg><tb-cache unit='MiB'>64</tb-cache></tcg>" if self.accel == "qemu" else ""
        net, qemu_args = self._network_xml(spec, port)
        return f"""<domain type='{self.accel}' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{escape(spec.name)}</name>
  <title>VPS {escape(spec.skpd or "")}</title>
  <metadata><{META_KEY}:vps xmlns:{META_KEY}='{META_NS}'>{meta}</{META_KEY}:vps></metadata>
  <memory unit='MiB'>{mem * HEADROOM}</memory>
  <currentMemory unit='MiB'>{mem}</currentMemory>
  <vcpu placement='static' current='{vcpus}'>{vcpus * HEADROOM}</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>{boot}</os>
  <features><acpi/>{tcg}</features>
  <on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file={quoteattr(str(disk))}/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <source file={quoteattr(str(seed))}/><target dev='hdc' bus='ide'/><readonly/></disk>
    {net}
    <serial type='file'><source path={quoteattr(str(disk.with_suffix(".console.log")))}/>
      <target port='0'/></serial>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <memballoon model='virtio'/>
  </devices>
  {qemu_args}
</domain>"""

    def _network_xml(self, spec: VpsSpec, port: int) -> tuple[str, str]:
        mac = mac_for(spec.netbox_id)
        if self.network.startswith("bridge:"):
            bridge = self.network.split(":", 1)[1]
            return (
                f"<interface type='bridge'><source bridge={quoteattr(bridge)}/><mac address='{mac}'/>"
                "<model type='virtio'/></interface>",
                "",
            )
        args = "".join(
            f"<qemu:arg value={quoteattr(a)}/>"
            for a in (
                "-netdev",
                _netdev(spec, port),
                "-device",
                f"virtio-net-pci,netdev=simpulnet0,mac={mac},addr=0x10",
            )
        )
        return "", f"<qemu:commandline>{args}</qemu:commandline>"

    # --------------------------------------------------------------------- power and size

    def start(self, vm: VpsActual) -> None:
        dom = self._domain(vm)
        if dom.isActive():
            return
        self._free_forwarded_port(dom)
        try:
            dom.create()
        except self.libvirt.libvirtError as exc:
            raise ProviderError(f"{vm.name}: start failed: {_short(exc.get_error_message())}") from None

    def _free_forwarded_port(self, dom: Any) -> None:
        """The SSH port chosen at define time may have been taken since: choose another."""
        meta = self._meta(dom)
        port = int(meta.get("ssh_port") or 0)
        if not port or port_free(port) or self.network != "user":
            return
        new = free_port()
        xml = dom.XMLDesc(self.libvirt.VIR_DOMAIN_XML_INACTIVE)
        xml = xml.replace(f"127.0.0.1:{port}-:22", f"127.0.0.1:{new}-:22")
        xml = xml.replace(f"<ssh_port>{port}</ssh_port>", f"<ssh_port>{new}</ssh_port>")
        self.conn.defineXML(xml)

    def stop(self, vm: VpsActual) -> None:
        dom = self._domain(vm)
        if not dom.isActive():
            return
        try:
            dom.destroy()  # offline: power off now (a guest that ignores ACPI would hang a shutdown)
        except self.libvirt.libvirtError as exc:
            raise ProviderError(f"{vm.name}: stop failed: {_short(exc.get_error_message())}") from None

    def resize(self, vm: VpsActual, size: Size) -> Resized:
        if size.disk_gb < vm.size.disk_gb:
            raise ProviderError(f"{vm.name}: disk shrink refused ({vm.size.disk_gb} GB -> {size.disk_gb} GB)")
        lv = self.libvirt
        dom = self._domain(vm)
        running = bool(dom.isActive())
        waits: list[str] = []
        try:
            if size.vcpus != vm.size.vcpus:
                waits += self._set_vcpus(dom, size.vcpus, running)
            if size.memory_mb != vm.size.memory_mb:
                waits += self._set_memory(dom, size.memory_mb, running)
            if size.disk_gb != vm.size.disk_gb:
                self._grow_disk(dom, vm, size.disk_gb, running)
        except lv.libvirtError as exc:
            raise ProviderError(f"{vm.name}: resize failed: {_short(exc.get_error_message())}") from None
        return Resized(live=running and not waits, note="; ".join(waits) or None)

    def _set_vcpus(self, dom: Any, vcpus: int, running: bool) -> list[str]:
        lv = self.libvirt
        ceiling = dom.vcpusFlags(lv.VIR_DOMAIN_AFFECT_CONFIG | lv.VIR_DOMAIN_VCPU_MAXIMUM)
        if vcpus > ceiling:
            dom.setVcpusFlags(vcpus, lv.VIR_DOMAIN_AFFECT_CONFIG | lv.VIR_DOMAIN_VCPU_MAXIMUM)
            dom.setVcpusFlags(vcpus, lv.VIR_DOMAIN_AFFECT_CONFIG)
            return (
                [f"{vcpus} vCPUs from the next start (above the live ceiling {ceiling})"] if running else []
            )
        flags = lv.VIR_DOMAIN_AFFECT_CONFIG | (lv.VIR_DOMAIN_AFFECT_LIVE if running else 0)
        dom.setVcpusFlags(vcpus, flags)
        if running:
            self._online_guest_cpus(dom, vcpus)
        return []

    def _online_guest_cpus(self, dom: Any, vcpus: int) -> None:
        """Hot-plugged vCPUs come up offline in the guest; the guest agent onlines them if it runs."""
        try:
            dom.setVcpusFlags(vcpus, self.libvirt.VIR_DOMAIN_VCPU_GUEST)
        except self.libvirt.libvirtError as exc:  # no agent yet (still booting): the guest sees them at boot
            log.debug("guest vCPU online skipped: %s", exc.get_error_message())

    def _set_memory(self, dom: Any, memory_mb: int, running: bool) -> list[str]:
        lv = self.libvirt
        kib = memory_mb * 1024
        ceiling = dom.maxMemory() if running else _max_memory_kib(dom, lv)
        if kib > ceiling:
            dom.setMemoryFlags(kib, lv.VIR_DOMAIN_AFFECT_CONFIG | lv.VIR_DOMAIN_MEM_MAXIMUM)
            dom.setMemoryFlags(kib, lv.VIR_DOMAIN_AFFECT_CONFIG)
            return (
                [f"{memory_mb} MB from the next start (above the live ceiling {ceiling // 1024} MB)"]
                if running
                else []
            )
        dom.setMemoryFlags(kib, lv.VIR_DOMAIN_AFFECT_CONFIG | (lv.VIR_DOMAIN_AFFECT_LIVE if running else 0))
        return []

    def _grow_disk(self, dom: Any, vm: VpsActual, disk_gb: int, running: bool) -> None:
        if running:
            dom.blockResize("vda", disk_gb * GIB, self.libvirt.VIR_DOMAIN_BLOCK_RESIZE_BYTES)
            return
        path = self._meta(dom).get("disk")
        if not path:
            raise ProviderError(f"{vm.name}: no disk recorded in the domain's metadata")
        _run(["qemu-img", "resize", "-q", path, f"{disk_gb}G"], vm.name)

    # ----------------------------------------------------------------------------- delete

    def delete(self, vm: VpsActual, purge: bool) -> str | None:
        lv = self.libvirt
        dom = self._domain(vm)
        meta = self._meta(dom)
        try:
            if dom.isActive():
                dom.destroy()
            dom.undefineFlags(lv.VIR_DOMAIN_UNDEFINE_NVRAM | lv.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
        except lv.libvirtError as exc:
            raise ProviderError(f"{vm.name}: destroy failed: {_short(exc.get_error_message())}") from None
        disk = Path(meta["disk"]) if meta.get("disk") else None
        for extra in (meta.get("seed"), str(disk.with_suffix(".console.log")) if disk else None):
            if extra:
                Path(extra).unlink(missing_ok=True)
        if disk is None or not disk.exists():
            return None
        if purge:
            disk.unlink()
            return None
        retired = self.disk_dir / RETIRED
        retired.mkdir(parents=True, exist_ok=True)
        kept = retired / f"{disk.stem}.{dt.datetime.now(dt.UTC).strftime(STAMP)}.qcow2"
        disk.rename(kept)
        return str(kept)

    def expire(self, grace_days: int) -> list[str]:
        retired = self.disk_dir / RETIRED
        if not retired.is_dir():
            return []
        limit = dt.datetime.now(dt.UTC) - dt.timedelta(days=grace_days)
        gone = []
        for path in sorted(retired.glob("*.qcow2")):
            try:
                when = dt.datetime.strptime(path.suffixes[-2].lstrip("."), STAMP).replace(tzinfo=dt.UTC)
            except (IndexError, ValueError):
                continue
            if when < limit:
                path.unlink()
                gone.append(str(path))
        return gone

    def wait_ready(self, vm: VpsActual, timeout: float) -> bool:
        """Until the guest's SSH server sends its banner on the forwarded port."""
        fresh = {a.name: a for a in self.actual()}.get(vm.name, vm)
        if not fresh.address:
            return False
        host, port = fresh.address.rsplit(":", 1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((host, int(port)), timeout=5) as sock:
                    sock.settimeout(10)
                    if sock.recv(64).startswith(b"SSH-"):
                        return True
            except OSError:
                pass
            time.sleep(2)
        return False

    def close(self) -> None:
        with contextlib.suppress(self.libvirt.libvirtError):
            self.conn.close()


def _max_memory_kib(dom: Any, lv: Any) -> int:
    inactive = ET.fromstring(dom.XMLDesc(lv.VIR_DOMAIN_XML_INACTIVE))
    el = inactive.find("memory")
    return int(el.text or 0) if el is not None else 0


def _qemu_img_size(path: Path) -> int:
    import json

    out = subprocess.run(
        ["qemu-img", "info", "--output=json", "-U", str(path)], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        return 0
    return int(json.loads(out.stdout).get("virtual-size", 0))


def _run(argv: list[str], name: str) -> None:
    if shutil.which(argv[0]) is None:
        raise ProviderError(f"{name}: {argv[0]} is not installed (apt-get install qemu-utils genisoimage)")
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ProviderError(f"{name}: {argv[0]} failed: {_short(proc.stderr or proc.stdout)}")


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def lab_uri(socket_path: Path) -> str:
    """The URI of a libvirtd listening on ``socket_path`` (the lab's own daemon).

    >>> lab_uri(Path("/var/lib/simpul/lab/libvirt/run/libvirt-sock"))
    'qemu+unix:///system?socket=/var/lib/simpul/lab/libvirt/run/libvirt-sock'
    """
    return f"qemu+unix:///system?socket={socket_path}"


def default_paths(lab_dir: Path, cache_dir: Path, state_dir: Path) -> dict[str, Any]:
    """Where the lab's libvirtd listens and where images and disks go when no setting says.

    With the lab's daemon running: its socket, and disks under the lab directory; else the
    system daemon and disks under the state directory. Images are always cached.
    """
    sock = Path(lab_dir) / "libvirt" / "run" / "libvirt-sock"
    if sock.exists():
        return {
            "uri": lab_uri(sock),
            "disk_dir": Path(lab_dir) / "libvirt" / "disks",
            "image_dir": Path(cache_dir) / "vps" / "images",
        }
    return {
        "uri": "qemu:///system",
        "disk_dir": Path(state_dir) / "vps" / "disks",
        "image_dir": Path(cache_dir) / "vps" / "images",
    }


def accel_from_env() -> str:
    """``kvm`` only when asked (SIMPUL_VPS_ACCEL=kvm): see the module docstring."""
    return "kvm" if os.environ.get("SIMPUL_VPS_ACCEL") == "kvm" else "qemu"
