"""A synthetic regency of any size, for scale benchmarks (``simpul lab up --scale N``).

Distribution switches (arista_eos) each serve up to 24 SKPD edges (mikrotik_routeros, every third
one cisco_ios); every edge has an access switch behind it (mikrotik_routeros or cisco_ios).
Cables are mirrored as LLDP neighbours on both ends and addressed like the demo regency.
"""

from __future__ import annotations

import hashlib

from simpul.lab.spec import DeviceLab, LabDevice, LabInterface, LabNeighbor, LabSecrets, LabVlan

_MODELS = {
    "arista_eos": ("DCS-7050TX-64", "4.27.3F"),
    "cisco_ios": ("ISR4331", "15.9.3"),
    "mikrotik_routeros": ("RB4011iGS+", "7.14.3"),
}
_SWITCH_MODELS = {
    "cisco_ios": ("WS-C2960X-24PS-L", "15.2.7"),
    "mikrotik_routeros": ("CRS328-24P-4S+", "7.14.3"),
}


def _secrets(password: str, name: str) -> LabSecrets:
    def derive(kind: str) -> str:
        return hashlib.sha256(f"{password}/{name}/{kind}".encode()).hexdigest()[:20]

    return LabSecrets(
        enable_secret=derive("enable"),
        user_password=derive("user"),
        snmp_community=derive("snmp"),
        ipsec_psk=derive("psk"),
        ppp_secret=derive("ppp"),
    )


def _port(platform: str, index: int) -> str:
    if platform == "cisco_ios":
        return f"GigabitEthernet0/{index - 1}"
    if platform == "arista_eos":
        return f"Ethernet{index}"
    return f"ether{index}"


class _Builder:
    def __init__(self, password: str, base_port: int) -> None:
        self.password = password
        self.base_port = base_port
        self.devices: dict[str, dict[str, object]] = {}

    def add(
        self, name: str, platform: str, model: str, version: str, mgmt_ip: str, role: str, nports: int
    ) -> None:
        interfaces = {_port(platform, i): {"name": _port(platform, i)} for i in range(1, nports + 1)}
        self.devices[name] = {
            "name": name,
            "platform": platform,
            "model": model,
            "os_version": version,
            "serial": hashlib.sha256(name.encode()).hexdigest()[:11].upper(),
            "ssh_port": self.base_port + len(self.devices),
            "mgmt_ip": mgmt_ip,
            "role": role,
            "interfaces": interfaces,
            "neighbors": [],
            "vlans": [],
        }

    def cable(self, a: str, a_port: str, b: str, b_port: str) -> None:
        for local, lport, remote, rport in ((a, a_port, b, b_port), (b, b_port, a, a_port)):
            dev = self.devices[local]
            itfs = dev["interfaces"]
            assert isinstance(itfs, dict)
            itfs[lport]["description"] = f"{remote} {rport}"
            rdev = self.devices[remote]
            nbrs = dev["neighbors"]
            assert isinstance(nbrs, list)
            nbrs.append(
                LabNeighbor(
                    local_port=lport,
                    remote_device=remote,
                    remote_port=rport,
                    remote_platform=str(rdev["platform"]),
                    remote_mgmt_ip=str(rdev["mgmt_ip"]),
                )
            )

    def build(self) -> DeviceLab:
        devices = []
        for raw in self.devices.values():
            itfs = raw.pop("interfaces")
            nbrs = raw.pop("neighbors")
            assert isinstance(itfs, dict) and isinstance(nbrs, list)
            devices.append(
                LabDevice(
                    **raw,  # type: ignore[arg-type]
                    interfaces=tuple(LabInterface(**i) for i in itfs.values()),
                    neighbors=tuple(nbrs),
                    secrets=_secrets(self.password, str(raw["name"])),
                )
            )
        return DeviceLab(password=self.password, devices=tuple(devices))


def synthetic_lab(n: int, password: str, base_port: int) -> DeviceLab:
    """A plausible lab of exactly ``n`` devices on ports ``base_port .. base_port + n - 1``.

    Examples:
        >>> lab = synthetic_lab(10, password="x" * 16, base_port=30000)
        >>> len(lab.devices), sorted({d.platform for d in lab.devices})
        (10, ['arista_eos', 'cisco_ios', 'mikrotik_routeros'])
        >>> lab.devices[-1].ssh_port
        30009
    """
    b = _Builder(password, base_port)
    skpd = 0
    dist = 0
    free_down = 0
    while len(b.devices) < n:
        if free_down == 0:
            dist += 1
            name = f"dist-synth-{dist:02d}"
            model, version = _MODELS["arista_eos"]
            b.add(
                name,
                "arista_eos",
                model,
                version,
                f"10.10.{dist // 250}.{dist % 250 + 2}",
                "distribution",
                25,
            )
            free_down = 24
            continue
        skpd += 1
        edge_platform = "cisco_ios" if skpd % 3 == 0 else "mikrotik_routeros"
        third = skpd % 250 + 1
        edge = f"rtr-skpd{skpd:03d}"
        model, version = _MODELS[edge_platform]
        b.add(edge, edge_platform, model, version, f"10.20.{third}.1", "skpd-edge", 4)
        dist_name = f"dist-synth-{dist:02d}"
        b.cable(dist_name, _port("arista_eos", 26 - free_down), edge, _port(edge_platform, 1))
        free_down -= 1
        vid = third * 10
        if len(b.devices) < n:
            sw_platform = "cisco_ios" if skpd % 2 == 0 else "mikrotik_routeros"
            sw = f"sw-skpd{skpd:03d}-01"
            model, version = _SWITCH_MODELS[sw_platform]
            b.add(sw, sw_platform, model, version, f"10.20.{third}.2", "access-switch", 8)
            b.cable(edge, _port(edge_platform, 2), sw, _port(sw_platform, 1))
            sw_dev = b.devices[sw]
            sw_dev["vlans"] = [LabVlan(vid=vid, name=f"Skpd{skpd:03d}-Staf")]
            itfs = sw_dev["interfaces"]
            assert isinstance(itfs, dict)
            for idx in range(2, 9):
                itfs[_port(sw_platform, idx)]["access_vlan"] = vid
        edge_itfs = b.devices[edge]["interfaces"]
        assert isinstance(edge_itfs, dict)
        edge_itfs[_port(edge_platform, 2)]["ipv4"] = f"10.20.{third}.1/24"
    return b.build()
