"""The one interface every VPS hypervisor sits behind (libvirt, Proxmox), and its errors.

A provider answers what exists (:meth:`VpsProvider.actual`: a :class:`~simpul.core.vps.VpsActual`
per VM, the shape the pure reconcile consumes, re-exported here) and does one thing per call:
create (defined, not started), start, stop, resize, delete, list images. It decides nothing: the
plan comes from :func:`simpul.core.vps.reconcile`, called by :mod:`simpul.services.vps`.

Errors: :class:`HypervisorUnavailable` (exit 2) when the hypervisor cannot be reached or the
settings are wrong, raised before anything is written; :class:`ProviderError` (exit 1) when one
operation on one VM fails: the service records it as that VPS's reason and goes on with the others.

Settings (default -> environment -> settings file, like every simpul setting; see docs/vps.md):
``libvirt_uri``, ``vps_image_dir``, ``vps_disk_dir``, ``vps_network``, ``vps_grace_days``,
``proxmox_url``, ``proxmox_user``, ``proxmox_password``, ``proxmox_token_name``,
``proxmox_token_value``, ``proxmox_node``, ``proxmox_storage``, ``proxmox_verify``,
``proxmox_vmid_base``.
"""

from __future__ import annotations

import abc
import os
from dataclasses import dataclass
from typing import Any

from simpul.core.vps import Size, VpsActual, VpsSpec
from simpul.errors import SimpulError
from simpul.settings import Settings

__all__ = [
    "HypervisorUnavailable",
    "ProviderError",
    "Resized",
    "VpsActual",
    "VpsProvider",
    "setting",
]

# key -> (environment variable, default); secrets are marked for censoring
SETTINGS: dict[str, tuple[str, Any]] = {
    "libvirt_uri": ("SIMPUL_LIBVIRT_URI", None),
    "vps_image_dir": ("SIMPUL_VPS_IMAGE_DIR", None),
    "vps_disk_dir": ("SIMPUL_VPS_DISK_DIR", None),
    "vps_network": ("SIMPUL_VPS_NETWORK", "user"),
    "vps_grace_days": ("SIMPUL_VPS_GRACE_DAYS", "14"),
    "proxmox_url": ("SIMPUL_PROXMOX_URL", None),
    "proxmox_user": ("SIMPUL_PROXMOX_USER", "root@pam"),
    "proxmox_password": ("SIMPUL_PROXMOX_PASSWORD", None),
    "proxmox_token_name": ("SIMPUL_PROXMOX_TOKEN_NAME", None),
    "proxmox_token_value": ("SIMPUL_PROXMOX_TOKEN_VALUE", None),
    "proxmox_node": ("SIMPUL_PROXMOX_NODE", None),
    "proxmox_storage": ("SIMPUL_PROXMOX_STORAGE", "local-lvm"),
    "proxmox_verify": ("SIMPUL_PROXMOX_VERIFY", "true"),
    "proxmox_vmid_base": ("SIMPUL_PROXMOX_VMID_BASE", "100000"),
    "proxmox_bridge": ("SIMPUL_PROXMOX_BRIDGE", "vmbr0"),
}
SECRET_SETTINGS = ("proxmox_password", "proxmox_token_value")


def setting(settings: Settings | None, key: str) -> Any:
    """A VPS setting: the settings file's value, else its environment variable, else the default.

    >>> setting(None, "vps_network")
    'user'
    """
    envvar, default = SETTINGS[key]
    if settings is not None and settings.values.get(key) not in (None, ""):
        return settings.values[key]
    value = os.environ.get(envvar)
    return value if value not in (None, "") else default


def secrets(settings: Settings | None) -> list[str]:
    """The VPS credentials, for censoring."""
    return [str(v) for k in SECRET_SETTINGS if (v := setting(settings, k))]


class HypervisorUnavailable(SimpulError):
    """The hypervisor cannot be used: unreachable, refused the login, or not configured."""

    code = "E9101"


class ProviderError(SimpulError):
    """One operation on one VM failed on the hypervisor; the others go on."""

    code = "E9102"
    exit_code = 1


@dataclass(frozen=True)
class Resized:
    """What a resize did: ``live`` when the running VM has the new size now; otherwise ``note``
    says what waits for the next restart."""

    live: bool
    note: str | None = None


class VpsProvider(abc.ABC):
    """A hypervisor that holds VPS. One instance per run; ``close()`` when done."""

    kind: str = ""

    @abc.abstractmethod
    def images(self) -> list[str]:
        """The image names a VPS may be created from."""

    @abc.abstractmethod
    def actual(self) -> list[VpsActual]:
        """Every VM the hypervisor holds (templates and retired disks left out)."""

    @abc.abstractmethod
    def create(self, spec: VpsSpec) -> str:
        """Define the VM (disk from the image, cloud-init with hostname, IP and keys); not started.
        Returns the provider id. On failure it removes what it made, then raises ProviderError."""

    @abc.abstractmethod
    def start(self, vm: VpsActual) -> None: ...

    @abc.abstractmethod
    def stop(self, vm: VpsActual) -> None: ...

    @abc.abstractmethod
    def resize(self, vm: VpsActual, size: Size) -> Resized:
        """vCPUs and memory live where the hypervisor can, else at the next start; disks only grow."""

    @abc.abstractmethod
    def delete(self, vm: VpsActual, purge: bool) -> str | None:
        """Destroy the VM. Its disk is kept for the grace period unless ``purge``: returns where."""

    def expire(self, grace_days: int) -> list[str]:
        """Remove kept disks older than the grace period; what was removed."""
        return []

    def wait_ready(self, vm: VpsActual, timeout: float) -> bool:
        """Wait until the VPS answers (SSH); False when it did not in time."""
        return False

    def close(self) -> None:  # noqa: B027 - optional
        """Release the connection."""
