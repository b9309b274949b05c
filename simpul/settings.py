"""Settings: default -> environment variable -> settings file (the file wins, as in nornir).

A settings file is TOML with the same keys as the table below, found at ``$SIMPUL_SETTINGS`` or
``~/.config/simpul/settings.toml``. Credentials live here or in the environment, never in
inventory files. ``Settings.describe()`` reports each value with its origin, secrets masked.

Examples:
    >>> s = load_settings(env={"NETBOX_URL": "http://nb.example:8000", "NETBOX_TOKEN": "nbt_x.y"},
    ...                   settings_file=None)
    >>> s.netbox_url, s.origin("netbox_url")
    ('http://nb.example:8000', 'env NETBOX_URL')
    >>> [row for row in s.describe() if row[0] == "netbox_token"]
    [('netbox_token', '********', 'env NETBOX_TOKEN')]
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simpul.errors import SettingsError

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Spec:
    key: str
    envvar: str
    default: Any
    kind: type
    secret: bool = False
    help: str = ""


def _home() -> Path:
    return Path(os.environ.get("HOME", "/root"))


SPECS: tuple[Spec, ...] = (
    Spec("netbox_url", "NETBOX_URL", None, str, help="NetBox base URL"),
    Spec("netbox_token", "NETBOX_TOKEN", None, str, secret=True, help="NetBox API token"),
    Spec("netbox_timeout", "SIMPUL_NETBOX_TIMEOUT", 30.0, float, help="NetBox API timeout (s)"),
    Spec("device_username", "SIMPUL_DEVICE_USERNAME", "admin", str, help="SSH user for devices"),
    Spec("device_password", "SIMPUL_DEVICE_PASSWORD", None, str, secret=True, help="SSH password"),
    Spec(
        "device_enable_secret",
        "SIMPUL_DEVICE_ENABLE_SECRET",
        None,
        str,
        secret=True,
        help="enable secret (IOS/EOS)",
    ),
    Spec("state_dir", "SIMPUL_STATE_DIR", None, Path, help="state (lab, backups, snapshots)"),
    Spec("cache_dir", "SIMPUL_CACHE_DIR", None, Path, help="caches (NetBox venv, database dump)"),
    Spec("lab_dir", "SIMPUL_LAB_DIR", None, Path, help="the lab's state directory"),
    Spec("backup_repo", "SIMPUL_BACKUP_REPO", None, Path, help="git repository of config backups"),
    Spec(
        "inventory_overrides",
        "SIMPUL_INVENTORY_OVERRIDES",
        None,
        Path,
        help="JSON file of per-host hostname/port overrides (the lab writes one)",
    ),
    Spec("workers", "SIMPUL_WORKERS", 50, int, help="concurrent device sessions"),
    Spec("device_timeout", "SIMPUL_DEVICE_TIMEOUT", 20.0, float, help="device timeout (s)"),
    Spec("lang", "SIMPUL_LANG", "id", str, help="report language: id or en"),
    Spec("timezone", "SIMPUL_TIMEZONE", "Asia/Jakarta", str, help="the regency's time zone (WIB)"),
    Spec("report_dir", "SIMPUL_REPORT_DIR", None, Path, help="nightly report (default <state_dir>/report)"),
    Spec("queue_url", "SIMPUL_QUEUE_URL", None, str, help="RQ Redis URL for workers (docs/scale-out.md)"),
    Spec(
        "data_backup_target",
        "SIMPUL_DATA_BACKUP_TARGET",
        None,
        Path,
        help="Pusat Data backup target file (default <state_dir>/data-backup/target.yaml)",
    ),
    # VPS providers (docs/vps.md); unset means the provider's own default (simpul.providers.vps)
    Spec("libvirt_uri", "SIMPUL_LIBVIRT_URI", None, str, help="libvirt URI (default: the lab's)"),
    Spec("vps_image_dir", "SIMPUL_VPS_IMAGE_DIR", None, str, help="VPS base images (libvirt)"),
    Spec("vps_disk_dir", "SIMPUL_VPS_DISK_DIR", None, str, help="VPS disks (libvirt)"),
    Spec("vps_network", "SIMPUL_VPS_NETWORK", None, str, help="VPS network: user or bridge:NAME"),
    Spec("vps_grace_days", "SIMPUL_VPS_GRACE_DAYS", None, str, help="days a retired disk is kept"),
    Spec("proxmox_url", "SIMPUL_PROXMOX_URL", None, str, help="Proxmox VE API URL"),
    Spec("proxmox_user", "SIMPUL_PROXMOX_USER", None, str, help="Proxmox user (root@pam)"),
    Spec("proxmox_password", "SIMPUL_PROXMOX_PASSWORD", None, str, secret=True, help="Proxmox password"),
    Spec("proxmox_token_name", "SIMPUL_PROXMOX_TOKEN_NAME", None, str, help="Proxmox API token name"),
    Spec(
        "proxmox_token_value",
        "SIMPUL_PROXMOX_TOKEN_VALUE",
        None,
        str,
        secret=True,
        help="Proxmox API token secret",
    ),
    Spec("proxmox_node", "SIMPUL_PROXMOX_NODE", None, str, help="Proxmox node"),
    Spec("proxmox_storage", "SIMPUL_PROXMOX_STORAGE", None, str, help="Proxmox storage (local-lvm)"),
    Spec("proxmox_verify", "SIMPUL_PROXMOX_VERIFY", None, str, help="verify Proxmox TLS (true)"),
    Spec("proxmox_vmid_base", "SIMPUL_PROXMOX_VMID_BASE", None, str, help="VMID = base + NetBox id"),
    Spec("proxmox_bridge", "SIMPUL_PROXMOX_BRIDGE", None, str, help="Proxmox bridge (vmbr0)"),
    Spec(
        "project_dir",
        "SIMPUL_PROJECT_DIR",
        PROJECT_DIR,
        Path,
        help="where topology/, backup_policies/, playbooks/ live",
    ),
)
SPEC_BY_KEY = {s.key: s for s in SPECS}


def default_settings_file(env: dict[str, str]) -> Path:
    if env.get("SIMPUL_SETTINGS"):
        return Path(env["SIMPUL_SETTINGS"]).expanduser()
    base = Path(env.get("XDG_CONFIG_HOME") or _home() / ".config")
    return base / "simpul" / "settings.toml"


@dataclass(frozen=True)
class Settings:
    values: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(key) from None

    def origin(self, key: str) -> str:
        return self.origins[key]

    def secrets(self) -> list[str]:
        """Values that must never reach a log, a backup, a report or a commit."""
        return [str(self.values[s.key]) for s in SPECS if s.secret and self.values.get(s.key)]

    def describe(self) -> list[tuple[str, str, str]]:
        rows = []
        for spec in SPECS:
            value = self.values.get(spec.key)
            shown = "(unset)" if value is None else ("********" if spec.secret else str(value))
            rows.append((spec.key, shown, self.origins[spec.key]))
        return rows

    def require(self, *keys: str) -> None:
        for key in keys:
            if self.values.get(key) in (None, ""):
                spec = SPEC_BY_KEY[key]
                raise SettingsError(
                    f"setting {key!r} is not set",
                    hint=f"export {spec.envvar}=... or set {key} in {default_settings_file(dict(os.environ))}"
                    + (' (for the lab: eval "$(simpul lab env)")' if key.startswith("netbox") else ""),
                )


def _coerce(spec: Spec, raw: Any, where: str) -> Any:
    try:
        if spec.kind is Path:
            return Path(str(raw)).expanduser()
        if spec.kind is int:
            return int(raw)
        if spec.kind is float:
            return float(raw)
        return str(raw)
    except (TypeError, ValueError):
        raise SettingsError(
            f"setting {spec.key!r} must be {spec.kind.__name__}, got {raw!r}",
            source=where,
            field=spec.key,
            hint=spec.help,
        ) from None


def load_settings(env: dict[str, str] | None = None, settings_file: Path | bool | None = True) -> Settings:
    """Resolve every setting. ``settings_file=True`` means the default location, False/None none."""
    env = dict(os.environ) if env is None else env
    path = default_settings_file(env) if settings_file is True else (settings_file or None)
    file_values = _read_settings_file(path) if path is not None and path.exists() else {}
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for spec in SPECS:
        values[spec.key], origins[spec.key] = _resolve(spec, file_values, path, env)
    _derive_directories(values, env)
    if values["lang"] not in ("id", "en"):
        raise SettingsError(
            f"lang must be 'id' or 'en', got {values['lang']!r}", field="lang", source=origins["lang"]
        )
    return Settings(values=values, origins=origins)


def _read_settings_file(path: Path) -> dict[str, Any]:
    """The settings file's values; bad TOML or an unknown key is a SettingsError naming the file."""
    try:
        file_values = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            f"not valid TOML: {exc}",
            source=str(path),
            hint="fix the file or point SIMPUL_SETTINGS elsewhere",
        ) from None
    unknown = sorted(set(file_values) - set(SPEC_BY_KEY))
    if unknown:
        raise SettingsError(
            f"unknown setting(s) {', '.join(unknown)}",
            source=str(path),
            hint="known: " + ", ".join(SPEC_BY_KEY),
        )
    return file_values


def _resolve(
    spec: Spec, file_values: dict[str, Any], path: Path | None, env: dict[str, str]
) -> tuple[Any, str]:
    """One setting's value and where it came from: the file, else the environment, else the default."""
    if spec.key in file_values:
        return _coerce(spec, file_values[spec.key], str(path)), f"file {path}"
    if env.get(spec.envvar) not in (None, ""):
        return _coerce(spec, env[spec.envvar], f"env {spec.envvar}"), f"env {spec.envvar}"
    return spec.default, "default"


def _derive_directories(values: dict[str, Any], env: dict[str, str]) -> None:
    """Everything stateful under one directory (XDG locations) unless told otherwise."""
    data_home = Path(env.get("XDG_DATA_HOME") or _home() / ".local" / "share")
    cache_home = Path(env.get("XDG_CACHE_HOME") or _home() / ".cache")
    derived: dict[str, Callable[[], Path]] = {  # setting -> its default, from those above it
        "state_dir": lambda: data_home / "simpul",
        "cache_dir": lambda: cache_home / "simpul",
        "lab_dir": lambda: values["state_dir"] / "lab",
        "backup_repo": lambda: values["state_dir"] / "backups",
        "report_dir": lambda: values["state_dir"] / "report",
    }
    for key, default in derived.items():
        if values[key] is None:
            values[key] = default()


def censor(text: str, secrets: list[str]) -> str:
    """Replace every secret value in ``text`` by ``********``.

    >>> censor("login admin s3cr3t ok", ["s3cr3t"])
    'login admin ******** ok'
    """
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "********")
    return text
