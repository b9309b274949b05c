"""VPS on Proxmox VE (proxmoxer): QEMU VMs cloned from templates, or LXC containers.

Images are what the node offers: a QEMU template (a VM with ``template: 1``) by its name, or an
LXC template of the storage's ``vztmpl`` content as ``lxc/<file name without .tar.*>``.

VM ids are never "the next free one" (``/cluster/nextid`` races: two parallel creates get the same
id and one fails on the lock): a VPS's VMID is ``proxmox_vmid_base + its NetBox id``, unique
because NetBox ids are. A VMID already held by a VM of another name is a clear failure, never a
silent second choice.

A QEMU VPS gets cloud-init through PVE's own settings (``ciuser admin``, ``sshkeys``,
``ipconfig0``); a container its ``ssh-public-keys`` and ``net0`` address. Sizes are read as the next
start will have them (config + pending changes); what a running VM has now differs until then.
Deleting keeps the disk: the VM is stopped, renamed ``retired-<name>`` and tagged
``simpul-retired`` with the time in its description, and destroyed once the grace period is over
(at once with ``--purge``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import urllib.parse
from typing import Any

from simpul.core.vps import Size, VpsActual, VpsSpec
from simpul.providers.vps import HypervisorUnavailable, ProviderError, Resized, VpsProvider, setting
from simpul.settings import Settings

log = logging.getLogger(__name__)

RETIRED_TAG = "simpul-retired"
STAMP = "%Y%m%dT%H%M%SZ"
TASK_TIMEOUT = 600.0
DISK_KEYS = ("scsi0", "virtio0", "sata0", "ide0")
SIZE_RE = re.compile(r"size=(\d+(?:\.\d+)?)([KMGT]?)")
UNITS = {"": 1 / 1024**3, "K": 1 / 1024**2, "M": 1 / 1024, "G": 1, "T": 1024}


def disk_gb(drive: str | None) -> int:
    """The size of a PVE drive string in GB.

    >>> disk_gb("local-lvm:vm-100-disk-0,size=32G"), disk_gb("local-lvm:x,size=512M"), disk_gb(None)
    (32, 0, 0)
    """
    match = SIZE_RE.search(drive or "")
    if not match:
        return 0
    return int(float(match.group(1)) * UNITS[match.group(2)])


def lxc_image(volid: str) -> str:
    """The image name of an LXC template volume.

    >>> lxc_image("local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst")
    'lxc/debian-12-standard_12.7-1_amd64'
    """
    name = volid.split("/", 1)[-1]
    return "lxc/" + re.sub(r"\.tar(\.\w+)?$", "", name)


def _proxmoxer() -> Any:
    try:
        import proxmoxer
    except ImportError:
        raise HypervisorUnavailable("proxmoxer is not installed", hint="pip install proxmoxer") from None
    return proxmoxer


class ProxmoxProvider(VpsProvider):
    kind = "proxmox"

    def __init__(self, api: Any, node: str, storage: str, vmid_base: int, bridge: str = "vmbr0") -> None:
        self.api = api
        self.node = node
        self.storage = storage
        self.vmid_base = vmid_base
        self.bridge = bridge
        self._kinds: dict[int, str] = {}

    @classmethod
    def from_settings(cls, settings: Settings | None) -> ProxmoxProvider:
        url = setting(settings, "proxmox_url")
        if not url:
            raise HypervisorUnavailable(
                "proxmox_url is not set",
                field="proxmox_url",
                hint="export SIMPUL_PROXMOX_URL=https://pve:8006",
            )
        parsed = urllib.parse.urlsplit(url if "//" in url else f"https://{url}")
        verify: Any = setting(settings, "proxmox_verify")
        verify = {"true": True, "false": False}.get(str(verify).lower(), verify)  # or a CA file
        auth: dict[str, Any] = {"user": setting(settings, "proxmox_user")}
        if setting(settings, "proxmox_token_name"):
            auth |= {
                "token_name": setting(settings, "proxmox_token_name"),
                "token_value": setting(settings, "proxmox_token_value"),
            }
        else:
            auth["password"] = setting(settings, "proxmox_password")
        pxr = _proxmoxer()
        try:
            api = pxr.ProxmoxAPI(
                parsed.hostname, port=parsed.port or 8006, verify_ssl=verify, timeout=30, **auth
            )
            nodes = [n["node"] for n in api.nodes.get()]
        except Exception as exc:  # proxmoxer raises requests' errors and its own; all mean "cannot use it"
            raise HypervisorUnavailable(
                f"Proxmox at {url} cannot be used: {type(exc).__name__}: {str(exc)[:200]}",
                field="proxmox_url",
                hint="check SIMPUL_PROXMOX_URL and the credentials; nothing was written",
            ) from None
        node = setting(settings, "proxmox_node") or (nodes[0] if nodes else "pve")
        return cls(
            api,
            str(node),
            str(setting(settings, "proxmox_storage")),
            int(setting(settings, "proxmox_vmid_base")),
            str(setting(settings, "proxmox_bridge")),
        )

    def vmid(self, spec: VpsSpec) -> int:
        return self.vmid_base + spec.netbox_id

    # ------------------------------------------------------------------------------ reads

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        pxr = _proxmoxer()
        try:
            return fn(*args, **kwargs)
        except pxr.ResourceException as exc:
            raise ProviderError(
                f"{what}: Proxmox said {exc.status_code} {exc.content or exc.errors}"
            ) from None
        except OSError as exc:
            raise HypervisorUnavailable(
                f"Proxmox stopped answering during {what} ({type(exc).__name__})"
            ) from None

    def images(self) -> list[str]:
        node = self.api.nodes(self.node)
        names = [str(vm["name"]) for vm in self._call("list VMs", node.qemu.get) if vm.get("template")]
        for store in self._call("list storages", node.storage.get, content="vztmpl"):
            content = self._call(
                "list templates", node.storage(store["storage"]).content.get, content="vztmpl"
            )
            names += [lxc_image(v["volid"]) for v in content]
        return sorted(set(names))

    def _guests(self) -> list[dict[str, Any]]:
        return [
            g
            for g in self._call("list guests", self.api.cluster.resources.get, type="vm")
            if not g.get("template") and g.get("node", self.node) == self.node
        ]

    def actual(self) -> list[VpsActual]:
        out = []
        for g in self._guests():
            vmid, kind = int(g["vmid"]), str(g.get("type", "qemu"))
            self._kinds[vmid] = kind
            conf = self._next_config(vmid, kind)
            if RETIRED_TAG in str(conf.get("tags", "")):
                continue
            out.append(self._actual(g, conf, kind))
        return sorted(out, key=lambda a: a.name)

    def _guest(self, vmid: int, kind: str) -> Any:
        node = self.api.nodes(self.node)
        return node.lxc(vmid) if kind == "lxc" else node.qemu(vmid)

    def _next_config(self, vmid: int, kind: str) -> dict[str, Any]:
        """The config as the next start will have it: the current one with pending changes."""
        guest = self._guest(vmid, kind)
        conf = dict(self._call(f"read {vmid}", guest.config.get))
        if kind == "qemu":
            for item in self._call(f"read {vmid} pending", guest.pending.get):
                if "pending" in item:
                    conf[item["key"]] = item["pending"]
                elif item.get("delete"):
                    conf.pop(item["key"], None)
        return conf

    def _actual(self, g: dict[str, Any], conf: dict[str, Any], kind: str) -> VpsActual:
        vmid = int(g["vmid"])
        if kind == "lxc":
            vcpus = int(conf.get("cores") or 1)
            disk = disk_gb(conf.get("rootfs"))
            name = str(conf.get("hostname") or g.get("name") or vmid)
        else:
            vcpus = int(conf.get("cores") or 1) * int(conf.get("sockets") or 1)
            disk = disk_gb(next((conf[k] for k in DISK_KEYS if k in conf), None))
            name = str(conf.get("name") or g.get("name") or vmid)
        size = Size(vcpus, int(conf.get("memory") or 512), disk)
        running = g.get("status") == "running"
        live = None
        if running and g.get("maxcpu") and g.get("maxmem"):
            now = Size(int(g["maxcpu"]), int(g["maxmem"]) // 1024**2, disk)
            live = now if now != size else None
        return VpsActual(
            name=name,
            provider_id=f"{kind}/{vmid}",
            power="running" if running else "stopped",
            size=size,
            netbox_id=vmid - self.vmid_base if vmid > self.vmid_base else None,
            live=live,
        )

    def _ref(self, vm: VpsActual) -> tuple[int, str]:
        kind, _, vmid = vm.provider_id.partition("/")
        return int(vmid), kind

    # -------------------------------------------------------------------------- tasks

    def _wait(self, upid: Any, what: str) -> None:
        """Wait for a PVE task; a task that ends in anything but OK is this VM's failure."""
        if not isinstance(upid, str) or not upid.startswith("UPID:"):
            return
        deadline = time.monotonic() + TASK_TIMEOUT
        while True:
            status = self._call(what, self.api.nodes(self.node).tasks(upid).status.get)
            if status.get("status") == "stopped":
                if status.get("exitstatus") != "OK":
                    raise ProviderError(f"{what}: {status.get('exitstatus')}")
                return
            if time.monotonic() > deadline:
                raise ProviderError(f"{what}: the task did not end in {TASK_TIMEOUT:.0f} s")
            time.sleep(0.2)

    # ----------------------------------------------------------------------------- create

    def create(self, spec: VpsSpec) -> str:
        vmid = self.vmid(spec)
        taken = {int(g["vmid"]): str(g.get("name", "")) for g in self._guests()}
        if vmid in taken:
            if taken[vmid] == spec.name:  # ours, from an earlier run that did not record it
                return f"{self._kinds.get(vmid, 'qemu')}/{vmid}"
            raise ProviderError(
                f"{spec.name}: VMID {vmid} (NetBox id + {self.vmid_base}) is held by "
                f"{taken[vmid]!r}; change proxmox_vmid_base or free that id"
            )
        image = spec.image or ""
        try:
            if image.startswith("lxc/"):
                self._create_lxc(spec, vmid, image)
                return f"lxc/{vmid}"
            self._create_qemu(spec, vmid, image)
            return f"qemu/{vmid}"
        except ProviderError:
            self._remove_partial(vmid, "lxc" if image.startswith("lxc/") else "qemu")
            raise

    def _remove_partial(self, vmid: int, kind: str) -> None:
        try:
            self._wait(self._guest(vmid, kind).delete(purge=1), f"remove partial {vmid}")
        except Exception as exc:  # nothing there, or Proxmox gone: the failure already has its reason
            log.warning("could not remove the partial VM %s: %s", vmid, exc)

    def _create_qemu(self, spec: VpsSpec, vmid: int, image: str) -> None:
        node = self.api.nodes(self.node)
        templates = {
            str(vm["name"]): int(vm["vmid"])
            for vm in self._call("list VMs", node.qemu.get)
            if vm.get("template")
        }
        if image not in templates:
            raise ProviderError(f"{spec.name}: unknown image {image!r}")
        upid = self._call(
            f"{spec.name}: clone", node.qemu(templates[image]).clone.post, newid=vmid, name=spec.name, full=0
        )
        self._wait(upid, f"{spec.name}: clone")
        config: dict[str, Any] = {
            "cores": spec.size.vcpus,
            "sockets": 1,
            "memory": spec.size.memory_mb,
            "ciuser": "admin",
            "agent": 1,
            "description": f"VPS {spec.skpd} (simpul)",
        }
        if spec.ssh_keys:
            config["sshkeys"] = urllib.parse.quote("\n".join(spec.ssh_keys), safe="")
        if spec.ip:
            config["ipconfig0"] = f"ip={spec.ip}" + (f",gw={spec.gateway}" if spec.gateway else "")
        self._call(f"{spec.name}: configure", node.qemu(vmid).config.put, **config)
        conf = self._next_config(vmid, "qemu")
        disk_key = next((k for k in DISK_KEYS if k in conf), None)
        if disk_key and disk_gb(conf[disk_key]) < spec.size.disk_gb:
            self._call(
                f"{spec.name}: grow disk",
                node.qemu(vmid).resize.put,
                disk=disk_key,
                size=f"{spec.size.disk_gb}G",
            )

    def _create_lxc(self, spec: VpsSpec, vmid: int, image: str) -> None:
        node = self.api.nodes(self.node)
        volid = None
        for store in self._call("list storages", node.storage.get, content="vztmpl"):
            for v in self._call(
                "list templates", node.storage(store["storage"]).content.get, content="vztmpl"
            ):
                if lxc_image(v["volid"]) == image:
                    volid = v["volid"]
        if volid is None:
            raise ProviderError(f"{spec.name}: unknown image {image!r}")
        net = (
            f"name=eth0,bridge={self.bridge}"
            + (f",ip={spec.ip}" if spec.ip else "")
            + (f",gw={spec.gateway}" if spec.gateway else "")
        )
        params: dict[str, Any] = {
            "vmid": vmid,
            "hostname": spec.name,
            "ostemplate": volid,
            "cores": spec.size.vcpus,
            "memory": spec.size.memory_mb,
            "rootfs": f"{self.storage}:{spec.size.disk_gb}",
            "net0": net,
            "unprivileged": 1,
            "description": f"VPS {spec.skpd} (simpul)",
        }
        if spec.ssh_keys:
            params["ssh-public-keys"] = "\n".join(spec.ssh_keys)
        self._wait(
            self._call(f"{spec.name}: create container", node.lxc.post, **params), f"{spec.name}: create"
        )

    # --------------------------------------------------------------------- power and size

    def start(self, vm: VpsActual) -> None:
        vmid, kind = self._ref(vm)
        guest = self._guest(vmid, kind)
        self._wait(self._call(f"{vm.name}: start", guest.status.start.post), f"{vm.name}: start")

    def stop(self, vm: VpsActual) -> None:
        vmid, kind = self._ref(vm)
        guest = self._guest(vmid, kind)
        self._wait(self._call(f"{vm.name}: stop", guest.status.stop.post), f"{vm.name}: stop")

    def resize(self, vm: VpsActual, size: Size) -> Resized:
        if size.disk_gb < vm.size.disk_gb:
            raise ProviderError(f"{vm.name}: disk shrink refused ({vm.size.disk_gb} GB -> {size.disk_gb} GB)")
        vmid, kind = self._ref(vm)
        guest = self._guest(vmid, kind)
        changes: dict[str, Any] = {}
        if size.vcpus != vm.size.vcpus:
            changes["cores"] = size.vcpus
        if size.memory_mb != vm.size.memory_mb:
            changes["memory"] = size.memory_mb
        if changes:
            self._call(f"{vm.name}: resize", guest.config.put, **changes)
        if size.disk_gb > vm.size.disk_gb:
            disk = "rootfs" if kind == "lxc" else self._disk_key(vmid)
            self._wait(
                self._call(f"{vm.name}: grow disk", guest.resize.put, disk=disk, size=f"{size.disk_gb}G"),
                f"{vm.name}: grow disk",
            )
        pending = (
            [i["key"] for i in self._call("pending", guest.pending.get) if "pending" in i]
            if kind == "qemu"
            else []
        )
        waiting = [k for k in changes if k in pending]
        note = f"{', '.join(waiting)} from the next start" if waiting else None
        return Resized(live=vm.power == "running" and not waiting, note=note)

    def _disk_key(self, vmid: int) -> str:
        conf = self._next_config(vmid, "qemu")
        return next((k for k in DISK_KEYS if k in conf), "scsi0")

    # ----------------------------------------------------------------------------- delete

    def delete(self, vm: VpsActual, purge: bool) -> str | None:
        vmid, kind = self._ref(vm)
        guest = self._guest(vmid, kind)
        if vm.power == "running" or self._running(vmid):
            self._wait(self._call(f"{vm.name}: stop", guest.status.stop.post), f"{vm.name}: stop")
        if purge:
            self._wait(self._call(f"{vm.name}: destroy", guest.delete, purge=1), f"{vm.name}: destroy")
            return None
        stamp = dt.datetime.now(dt.UTC).strftime(STAMP)
        name_key = "hostname" if kind == "lxc" else "name"
        self._call(
            f"{vm.name}: retire",
            guest.config.put,
            **{name_key: f"retired-{vm.name}"},
            tags=RETIRED_TAG,
            description=f"retired {stamp} by simpul; was {vm.name}",
        )
        return f"{kind}/{vmid} (retired-{vm.name})"

    def _running(self, vmid: int) -> bool:
        return any(int(g["vmid"]) == vmid and g.get("status") == "running" for g in self._guests())

    def expire(self, grace_days: int) -> list[str]:
        limit = dt.datetime.now(dt.UTC) - dt.timedelta(days=grace_days)
        gone = []
        for g in self._guests():
            vmid, kind = int(g["vmid"]), str(g.get("type", "qemu"))
            conf = self._next_config(vmid, kind)
            match = re.search(r"retired (\d{8}T\d{6}Z)", str(conf.get("description", "")))
            if RETIRED_TAG not in str(conf.get("tags", "")) or not match:
                continue
            if dt.datetime.strptime(match.group(1), STAMP).replace(tzinfo=dt.UTC) < limit:
                self._wait(
                    self._call(f"expire {vmid}", self._guest(vmid, kind).delete, purge=1), f"expire {vmid}"
                )
                gone.append(f"{kind}/{vmid}")
        return gone
