"""``simpul lab up``: NetBox, the demo regency, and the devices built from it, as one lab.

The lab is NetBox (``netbox_lab``) + simulated SSH devices (``devices``, fakenos) + Linux namespaces
for every linux device: the SKPD edges and the Pusat Data servers (``netns``, root only); and, when
asked (``simpul lab up`` asks, the test fixtures do not), the Pusat Data's services: a libvirtd of
the lab's own for ``simpul vps`` (``libvirt_lab``, root only; the VPS image is built only on demand)
and the data-backup lab for ``simpul backup data`` (``data_backup``: the backup target and the SKPD
servers with their databases). Those two start side by side with NetBox. Every
simulated device listens on 127.0.0.1 on its own port; the lab writes two small files so that simpul
and Ansible reach them with no hand edits, and never reach a device at its NetBox address:

- ``overrides.json``: ``"lab": true`` and per-host hostname/port for ``simpul inventory``
  (``SIMPUL_INVENTORY_OVERRIDES``); a NetBox device not in ``hosts`` is not simulated;
- ``ansible-lab.yml``: the same as an Ansible inventory source layered after ``inventory/netbox.yml``.

Drift planted with ``plant`` changes only the simulated side; NetBox stays as it was.
"""

from __future__ import annotations

import ast
import hashlib
import ipaddress
import json
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simpul.errors import LabError
from simpul.lab.build import build_device_lab, fetch_regency, lab_secrets
from simpul.lab.data_backup import LabDataBackup
from simpul.lab.libvirt_lab import LibvirtLab
from simpul.lab.netbox_lab import NetBoxLab, Ports, Progress
from simpul.lab.spec import DeviceLab
from simpul.settings import PROJECT_DIR, Settings

log = logging.getLogger(__name__)

DEFAULT_DEVICE_BASE_PORT = 20000
DEFAULT_NETNS_PREFIX = "snl-"


@dataclass(frozen=True)
class LabPaths:
    root: Path

    @property
    def devices(self) -> Path:
        return self.root / "devices"

    @property
    def netns(self) -> Path:
        return self.root / "netns"

    @property
    def spec(self) -> Path:
        return self.root / "device-spec.json"  # the spec as NetBox says, before any drift

    @property
    def drift(self) -> Path:
        return self.root / "drift.json"

    @property
    def overrides(self) -> Path:
        return self.root / "overrides.json"

    @property
    def ansible(self) -> Path:
        return self.root / "ansible-lab.yml"


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    tmp.replace(path)


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _ips_by_interface(data: dict[str, list[dict[str, Any]]]) -> dict[int, list[str]]:
    ips: dict[int, list[str]] = {}
    for ip in data["ips"]:
        if ip.get("assigned_object_type") == "dcim.interface" and ip.get("assigned_object_id"):
            ips.setdefault(int(ip["assigned_object_id"]), []).append(ip["address"])
    return ips


def _netns_edge(
    dev: dict[str, Any],
    ifaces: list[dict[str, Any]],
    ips: dict[int, list[str]],
    iface_by_dev_name: dict[tuple[Any, Any], dict[str, Any]],
    port: int,
) -> Any:
    """A linux SKPD edge (a /31 uplink and a LAN address in NetBox) as a NetnsEdge, else None."""
    from simpul.lab.netns import NetnsEdge

    uplink = lan = None
    for iface in sorted(ifaces, key=lambda i: i["id"]):
        for addr in ips.get(iface["id"], []):
            net = ipaddress.ip_interface(addr).network
            if net.prefixlen == 31 and uplink is None:
                uplink = (iface, addr)
            elif net.prefixlen < 31 and lan is None:
                lan = (iface, addr)
    if uplink is None or lan is None:
        return None
    peer_ip = None
    for peer in uplink[0].get("connected_endpoints") or []:
        peer_iface = iface_by_dev_name.get(((peer.get("device") or {}).get("name"), peer.get("name")))
        if peer_iface:
            peer_ip = next(iter(ips.get(peer_iface["id"], [])), None)
    edge_if = ipaddress.ip_interface(uplink[1])
    core_ip = peer_ip or str(next(h for h in edge_if.network if h != edge_if.ip)) + "/31"
    lan_if = ipaddress.ip_interface(lan[1])
    host = next(h for h in lan_if.network.hosts() if int(h) - int(lan_if.network.network_address) >= 100)
    return NetnsEdge(
        name=dev["name"],
        skpd=(dev.get("tenant") or {}).get("slug") or dev["name"],
        ssh_port=port,
        uplink_port=uplink[0]["name"],
        lan_port=lan[0]["name"],
        p2p_core_ip=core_ip,
        p2p_edge_ip=uplink[1],
        lan_ip=lan[1],
        lan_host_ip=f"{host}/{lan_if.network.prefixlen}",
    )


def _netns_server(
    dev: dict[str, Any], ifaces: list[dict[str, Any]], ips: dict[int, list[str]], port: int
) -> Any:
    """Any other linux device (a Pusat Data server): its interfaces with their NetBox IPv4 addresses."""
    from simpul.lab.netns import NetnsServer, NetnsServerPort, short_ifname

    ports = []
    for iface in sorted(ifaces, key=lambda i: i["id"]):
        v4 = [a for a in ips.get(iface["id"], []) if ":" not in a]
        ports.append(NetnsServerPort(name=short_ifname(iface["name"]), ip=v4[0] if v4 else None))
    return NetnsServer(name=dev["name"], ssh_port=port, ports=tuple(ports))


def build_netns_lab(
    data: dict[str, list[dict[str, Any]]], password: str, base_port: int, prefix: str = "snl-"
) -> Any:
    """The namespace lab for every linux device, addressed from NetBox's IPs.

    A linux ``skpd-edge`` with a /31 uplink and a LAN address becomes an edge (core link, LAN host,
    lldpd); every other linux device (the Pusat Data servers) becomes a server namespace. Edges
    get ports from ``base_port`` on, the servers the ports after them.
    """
    from simpul.lab.netns import NetnsLab

    ips = _ips_by_interface(data)
    ifaces: dict[str, list[dict[str, Any]]] = {}
    for iface in data["interfaces"]:
        ifaces.setdefault(iface["device"]["name"], []).append(iface)
    iface_by_dev_name = {(i["device"]["name"], i["name"]): i for i in data["interfaces"]}
    linux = [d for d in sorted(data["devices"], key=lambda d: d["name"]) if _slug(d, "platform") == "linux"]
    edges = []
    port = base_port
    for dev in linux:
        if _slug(dev, "role") != "skpd-edge":
            continue
        edge = _netns_edge(dev, ifaces.get(dev["name"], []), ips, iface_by_dev_name, port)
        if edge is None:
            log.info("linux edge %s has no /31 uplink and LAN address in NetBox: a server", dev["name"])
            continue
        edges.append(edge)
        port += 1
    as_edges = {e.name for e in edges}
    servers = []
    for dev in linux:
        if dev["name"] not in as_edges:
            servers.append(_netns_server(dev, ifaces.get(dev["name"], []), ips, port))
            port += 1
    return NetnsLab(
        prefix=prefix, username="admin", password=password, edges=tuple(edges), servers=tuple(servers)
    )


def _slug(dev: dict[str, Any], key: str) -> str | None:
    value = (dev.get(key) or {}).get("slug")
    return str(value) if value else None


SEED_MODULES = ("simpul.netbox.seed", "simpul.netbox.bootstrap", "simpul.netbox.client")


def seed_key() -> str:
    """What the seeded demo database depends on: the NetBox version and the seeding code.

    The code is every simpul module the seeding modules import, transitively (read from their
    ``import`` statements), plus the data files next to them (the demo regency): a change to any of
    them makes a new key, so a cached seeded database is never older than the code that seeds.
    """
    from simpul.lab.netbox_lab import NETBOX_VERSION

    package = Path(__file__).resolve().parents[1]
    files = _import_closure(package, SEED_MODULES)
    files |= {p for p in (package / "netbox").rglob("*") if p.is_file() and p.suffix in (".yaml", ".json")}
    digest = hashlib.sha256(NETBOX_VERSION.encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _import_closure(package: Path, modules: tuple[str, ...]) -> set[Path]:
    """The files of ``modules`` and of every simpul module they import, with their packages' __init__."""
    seen: set[Path] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__
            path = _module_file(package, parts[:depth])
            if path is None or path in seen:
                continue
            seen.add(path)
            todo += _simpul_imports(path)
    return seen


def _module_file(package: Path, parts: list[str]) -> Path | None:
    base = package.joinpath(*parts[1:])  # parts[0] is "simpul"
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _simpul_imports(path: Path) -> list[str]:
    """Names of the simpul modules ``path`` imports (at the top or inside functions)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names if a.name.split(".")[0] == "simpul"]
        elif (
            isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("simpul")
        ):
            module = str(node.module)
            names += [module, *(f"{module}.{a.name}" for a in node.names)]  # a name may be a module
    return names


def _is_linux(data: dict[str, list[dict[str, Any]]], name: str) -> bool:
    return any(d.get("name") == name and _slug(d, "platform") == "linux" for d in data["devices"])


NOT_SIMULATED_CONNECTION = "not_simulated_in_the_lab"


def _ansible_inventory(hosts: dict[str, dict[str, Any]], not_simulated: dict[str, str]) -> str:
    """The lab's Ansible inventory source, layered after ``inventory/netbox.yml``.

    Simulated hosts get their loopback address and port. A host that is not simulated still comes
    from nb_inventory with its NetBox address; here it gets 127.0.0.1 and a connection plugin that
    does not exist, so every task on it fails at once with "the connection plugin
    'not_simulated_in_the_lab' was not found" instead of connecting anywhere (host vars, so no
    group_vars file can override them).
    """
    inventory: dict[str, Any] = {
        "all": {
            "hosts": {
                name: {"ansible_host": h["hostname"], "ansible_port": h["port"]}
                for name, h in sorted(hosts.items())
            }
        }
    }
    if not_simulated:
        inventory["all"]["children"] = {
            "lab_not_simulated": {
                "hosts": {
                    name: {
                        "ansible_host": "127.0.0.1",
                        "ansible_connection": NOT_SIMULATED_CONNECTION,
                        "simpul_lab_not_simulated": reason,
                    }
                    for name, reason in sorted(not_simulated.items())
                }
            }
        }
    header = "# Written by simpul lab up: where the lab's devices listen; nothing here leaves 127.0.0.1.\n"
    return header + yaml.safe_dump(inventory, sort_keys=True)


class Lab:
    """The whole lab of one lab directory."""

    def __init__(
        self,
        settings: Settings,
        ports: Ports | None = None,
        device_base_port: int | None = None,
        netns_prefix: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.settings = settings
        self.netbox = NetBoxLab(settings, ports, progress)
        self.paths = LabPaths(Path(settings.lab_dir))
        self.device_base_port = device_base_port or int(
            os.environ.get("SIMPUL_LAB_DEVICE_BASE_PORT", DEFAULT_DEVICE_BASE_PORT)
        )
        self.netns_prefix = netns_prefix or os.environ.get("SIMPUL_LAB_NETNS_PREFIX") or DEFAULT_NETNS_PREFIX

    # ------------------------------------------------------------------ up
    def ensure_seeded(self) -> bool:
        """Bootstrap + demo regency once; afterwards the ``seeded`` reset point holds it.

        The seeded database is cached next to the migrated one (``seeded-<key>.dump``, see
        ``seed_key``): a new lab restores it in about a second instead of loading the regency
        through the API. The lab remembers the key its ``seeded`` point was made with
        (``seeded.key``): when the demo regency or the code that seeds it changed since, the
        current one replaces the lab's NetBox (a lab made before the key was kept counts as changed).
        """
        from simpul.netbox.bootstrap import bootstrap
        from simpul.netbox.client import connect
        from simpul.netbox.seed import load_demo, seed_regency

        key = seed_key()
        key_file = self.netbox.root / "seeded.key"  # the reset point belongs to this NetBox
        snapshots = self.netbox.status().get("snapshots")
        if isinstance(snapshots, list) and "seeded" in snapshots and _read_text(key_file) == key:
            return False
        cached = self.netbox.cache / f"seeded-{key}.dump"
        if cached.exists():
            self.netbox.restore_db(cached)
        else:
            self.netbox.progress("loading the demo regency into NetBox (once per simpul version)")
            api = connect(self._nb_settings())
            bootstrap(api)
            seed_regency(api, load_demo())
            self.netbox.dump_db(cached)
        self.netbox.snapshot("seeded")
        _write_private(key_file, key)
        return True

    def _nb_settings(self) -> Settings:
        from simpul.settings import load_settings

        env = dict(os.environ)
        env.update({"NETBOX_URL": self.netbox.url(), "NETBOX_TOKEN": self.netbox.token()})
        return load_settings(env=env, settings_file=False)

    def device_spec(self) -> tuple[DeviceLab, list[tuple[str, str]], dict[str, list[dict[str, Any]]]]:
        from simpul.netbox.client import connect

        data = fetch_regency(connect(self._nb_settings()))
        creds = lab_secrets(self.paths.root)
        lab, skipped = build_device_lab(data, creds, self.device_base_port)
        _write_private(self.paths.spec, lab.model_dump_json())
        return lab, skipped, data

    def planted(self) -> list[str]:
        if not self.paths.drift.exists():
            return []
        return list(json.loads(self.paths.drift.read_text()))

    def _with_drift(self, lab: DeviceLab) -> DeviceLab:
        from simpul.lab.drift import apply_drift, load_scenario

        for name in self.planted():
            lab = apply_drift(lab, load_scenario(name))
        return lab

    def up(
        self,
        *,
        netns: bool | None = None,
        extra_devices: DeviceLab | None = None,
        no_drift: bool = False,
        libvirt: bool = False,
        vps_image: bool = False,
        data_backup: bool = False,
    ) -> dict[str, Any]:
        """NetBox (seeded) + devices (+ namespaces when root), the two started side by side; with
        ``libvirt``/``data_backup`` also the lab libvirtd (``vps_image``: and the VPS image, built
        once per machine) and the data-backup lab, both started while NetBox boots.

        Idempotent: what already runs as asked is kept. ``no_drift`` first clears planted drift.
        """
        t0 = time.monotonic()
        if no_drift and self.planted():
            _write_private(self.paths.drift, json.dumps([]))
        with ThreadPoolExecutor(max_workers=2) as side:
            libvirt_future = side.submit(self.libvirt_up, vps_image) if libvirt else None
            backup_future = side.submit(self.data_backup.up) if data_backup else None
            result = self._up_network(netns, extra_devices)
            result["libvirt"] = libvirt_future.result() if libvirt_future is not None else None
            result["data_backup"] = backup_future.result() if backup_future is not None else None
        result["seconds"] = round(time.monotonic() - t0, 2)
        return result

    @property
    def libvirt(self) -> LibvirtLab:
        """The lab's libvirtd, under ``<lab dir>/libvirt`` (where ``simpul vps`` looks by default)."""
        return LibvirtLab(self.paths.root / "libvirt", Path(self.settings.cache_dir))

    @property
    def data_backup(self) -> LabDataBackup:
        return LabDataBackup(self.settings, self.paths.root / "data-backup")

    def libvirt_up(self, image: bool = False) -> dict[str, Any]:
        """The lab's libvirtd (a killed run's daemon, socket and pid files are cleaned first); the
        VPS image only when asked: building it takes minutes, once per machine."""
        lab = self.libvirt
        lab.up()
        if image:
            lab.ensure_image()
        return lab.status()

    def _up_network(self, netns: bool | None, extra_devices: DeviceLab | None) -> dict[str, Any]:
        from simpul.lab.devices import start_devices

        nb = self.netbox.up()
        seeded_now = self.ensure_seeded()
        lab, skipped, data = self.device_spec()
        if extra_devices is not None:
            lab = lab.model_copy(update={"devices": lab.devices + extra_devices.devices})
        want_netns = (os.geteuid() == 0) if netns is None else netns
        netns_lab = (
            build_netns_lab(data, lab.password, self.device_base_port + 1000, self.netns_prefix)
            if want_netns
            else None
        )
        with ThreadPoolExecutor(max_workers=1) as pool:  # namespaces build while fakenos starts
            netns_future = pool.submit(self._netns_up, netns_lab) if netns_lab is not None else None
            devices = start_devices(self._with_drift(lab), self.paths.devices, restart=False)
            netns_status = netns_future.result() if netns_future is not None else None
        in_netns = set(netns_status.ssh_ports) if netns_status is not None else set()
        not_simulated = {
            name: self._linux_reason(netns) if _is_linux(data, name) else reason
            for name, reason in skipped
            if name not in in_netns
        }
        self.write_access_files(lab, netns_status, not_simulated)
        return {
            "netbox": {"url": nb.url, "version": nb.version, "seeded_now": seeded_now},
            "netbox_devices": len(data["devices"]),
            "simulated": len(data["devices"]) - len(not_simulated),
            "devices": devices.count,
            "skipped": [{"name": n, "reason": r} for n, r in sorted(not_simulated.items())],
            "netns": sorted(in_netns) if netns_status is not None else None,
            "netns_note": None if want_netns else self._linux_reason(netns),
            "drift": self.planted(),
        }

    def _netns_up(self, netns_lab: Any) -> Any:
        from simpul.lab.netns import netns_up

        return netns_up(netns_lab, self.paths.netns)

    @staticmethod
    def _linux_reason(netns: bool | None) -> str:
        if netns is False:
            return "linux: runs in Linux network namespaces, not started (--no-netns)"
        return "linux: runs in Linux network namespaces, which need root (run simpul lab up as root)"

    def write_access_files(
        self, lab: DeviceLab, netns_status: Any, not_simulated: dict[str, str] | None = None
    ) -> None:
        """``overrides.json`` and ``ansible-lab.yml``: every simulated device on 127.0.0.1, nothing else.

        ``overrides.json`` is ``{"lab": true, "hosts": {...}, "not_simulated": {NAME: reason}}``: in
        lab mode a NetBox device missing from ``hosts`` must be refused, never reached at its NetBox
        address. ``not_simulated`` defaults to what the previous file said.
        """
        hosts = self._simulated_hosts(lab, netns_status)
        if not_simulated is None:
            not_simulated = self._previous_not_simulated()
        not_simulated = {n: r for n, r in not_simulated.items() if n not in hosts}
        overrides = {"lab": True, "hosts": hosts, "not_simulated": not_simulated}
        _write_private(self.paths.overrides, json.dumps(overrides, indent=1, sort_keys=True))
        _write_private(self.paths.ansible, _ansible_inventory(hosts, not_simulated))

    def _simulated_hosts(self, lab: DeviceLab, netns_status: Any) -> dict[str, dict[str, Any]]:
        hosts: dict[str, dict[str, Any]] = {
            d.name: {"hostname": lab.host, "port": d.ssh_port} for d in self._with_drift(lab).devices
        }  # a planted undocumented switch is reachable too (it is not in NetBox)
        if netns_status is not None:
            for name, port in netns_status.ssh_ports.items():
                hosts[name] = {"hostname": netns_status.host, "port": port}
        return hosts

    def _previous_not_simulated(self) -> dict[str, str]:
        try:
            previous = json.loads(self.paths.overrides.read_text())
        except (OSError, ValueError):
            return {}
        found = previous.get("not_simulated") if isinstance(previous, dict) else None
        return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}

    # ---------------------------------------------------------------- drift
    def _running_spec(self) -> DeviceLab:
        if not self.paths.spec.exists():
            raise LabError("the lab's devices are not up", hint="run: simpul lab up")
        return DeviceLab.model_validate_json(self.paths.spec.read_text())

    def plant(self, *scenarios: str) -> list[str]:
        """Plant drift scenarios (one device restart for all of them); the planted list."""
        from simpul.lab.devices import start_devices
        from simpul.lab.drift import load_scenario

        for scenario in scenarios:
            load_scenario(scenario)  # unknown -> InputError before anything changes
        lab = self._running_spec()
        planted = self.planted()
        planted += [s for s in dict.fromkeys(scenarios) if s not in planted]
        _write_private(self.paths.drift, json.dumps(planted))
        start_devices(self._with_drift(lab), self.paths.devices)
        self.write_access_files(lab, self._netns_status())
        return planted

    def clear(self, scenario: str | None = None) -> list[str]:
        from simpul.lab.devices import start_devices

        lab = self._running_spec()
        planted = [] if scenario is None else [s for s in self.planted() if s != scenario]
        _write_private(self.paths.drift, json.dumps(planted))
        start_devices(self._with_drift(lab), self.paths.devices)
        self.write_access_files(lab, self._netns_status())
        return planted

    def _netns_status(self) -> Any:
        if os.geteuid() != 0 or not self.paths.netns.exists():
            return None
        from simpul.lab.netns import netns_status

        status = netns_status(self.paths.netns)
        return status if status.running else None

    # ----------------------------------------------------------- down/status
    def down(self) -> dict[str, bool]:
        from simpul.lab.devices import devices_status, stop_devices

        result = {"devices": False, "netns": False, "libvirt": False, "data_backup": False, "netbox": False}
        if self.paths.devices.exists() and devices_status(self.paths.devices).running:
            stop_devices(self.paths.devices)
            result["devices"] = True
        if self.paths.netns.exists() and os.geteuid() == 0:
            from simpul.lab.netns import netns_down

            result["netns"] = bool(netns_down(self.paths.netns))
        if (self.paths.root / "libvirt").exists():
            result["libvirt"] = self.libvirt.down()
        if (self.paths.root / "data-backup").exists():
            result["data_backup"] = self.data_backup.down()
        result["netbox"] = self.netbox.down()
        return result

    def status(self) -> dict[str, Any]:
        from simpul.lab.devices import devices_status

        dev = devices_status(self.paths.devices) if self.paths.devices.exists() else None
        ns = self._netns_status() if self.paths.netns.exists() else None
        return {
            "netbox": self.netbox.status(),
            "devices": None
            if dev is None
            else {
                "running": dev.running,
                "count": dev.count,
                "startup_seconds": dev.startup_seconds,
                "rss_mb": dev.rss_mb,
                "pid": dev.pid,
                "skipped": [s.model_dump() for s in dev.skipped],
            },
            "netns": None
            if ns is None
            else {
                "running": ns.running,
                "edges": sorted(ns.ssh_ports),
                "startup_seconds": ns.startup_seconds,
                "memory_mb": round(ns.pss_kib / 1024, 1),
            },
            "libvirt": self.libvirt.status(),
            "data_backup": self.data_backup.status(),
            "drift": self.planted(),
        }

    def env_lines(self) -> list[str]:
        creds = lab_secrets(self.paths.root) if (self.paths.root / "secrets.json").exists() else None
        lines = [*self.netbox.env_lines(), f"export NETBOX_API={self.netbox.url()}"]
        if os.environ.get("SIMPUL_LAB_DIR"):
            lines.append(f"export SIMPUL_LAB_DIR={self.paths.root}")
        if os.environ.get("SIMPUL_LAB_NETNS_PREFIX"):
            lines.append(f"export SIMPUL_LAB_NETNS_PREFIX={self.netns_prefix}")
        if self.libvirt.running():
            lines.append(f"export SIMPUL_LIBVIRT_URI='{self.libvirt.uri}'")
        backups = self.data_backup
        if backups.running():
            lines.append(f"export SIMPUL_DATA_BACKUP_TARGET={backups.target_path}")
        if creds:
            lines += [
                "export SIMPUL_DEVICE_USERNAME=admin",
                f"export SIMPUL_DEVICE_PASSWORD={creds['password']}",
                f"export SIMPUL_INVENTORY_OVERRIDES={self.paths.overrides}",
                f"export ANSIBLE_INVENTORY={PROJECT_DIR / 'inventory' / 'netbox.yml'},{self.paths.ansible}",
                "export ANSIBLE_HOST_KEY_CHECKING=False",
            ]
        return lines
