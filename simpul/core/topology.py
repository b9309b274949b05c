"""One model of a LAN topology, shared by diagrams, NetBox, live snapshots, the diff and the lab.

A ``Topology`` is what an SKPD's LAN *is*, whatever view it came from: a submitted diagram (YAML or
draw.io), NetBox, or a live snapshot collected from the devices. Names are kept as written; the
comparison keys (``key()``) are normalised: hostnames case-insensitively, interface names through
netutils (``Gi0/1`` == ``GigabitEthernet0/1``), and a link is the same whichever end comes first.

Examples:
    >>> a = TopoLink(a=LinkEnd(device="SW-1", port="Gi0/1"), b=LinkEnd(device="rtr-1", port="ether2"))
    >>> b = TopoLink(a=LinkEnd(device="RTR-1", port="ether2"), b=LinkEnd(device="sw-1",
    ...              port="GigabitEthernet0/1"))
    >>> a.key() == b.key()
    True
    >>> a.devices_key()
    ('rtr-1', 'sw-1')
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from netutils.interface import canonical_interface_name
from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def device_key(name: str) -> str:
    """Hostnames and MikroTik identities compare case-insensitively.

    >>> device_key(" RTR-Disdik ")
    'rtr-disdik'
    """
    return name.strip().lower()


def port_key(port: str | None) -> str | None:
    """Normalise an interface name for comparison.

    >>> port_key("Gi0/1"), port_key("ether2"), port_key("Et1"), port_key(None)
    ('gigabitethernet0/1', 'ether2', 'ethernet1', None)
    """
    if port is None or not port.strip():
        return None
    return canonical_interface_name(port.strip()).lower()


class TopoDevice(Frozen):
    name: str
    role: str | None = None
    model: str | None = None
    platform: str | None = None
    mgmt_ip: str | None = None  # address without prefix length, e.g. "10.20.3.1"

    def key(self) -> str:
        return device_key(self.name)


class LinkEnd(Frozen):
    device: str
    port: str | None = None

    def key(self) -> tuple[str, str | None]:
        return (device_key(self.device), port_key(self.port))


class TopoLink(Frozen):
    a: LinkEnd
    b: LinkEnd

    def key(self) -> tuple[tuple[str, str | None], tuple[str, str | None]]:
        """Order-independent identity of the link, ports included."""
        ends = sorted([self.a.key(), self.b.key()], key=lambda e: (e[0], e[1] or ""))
        return (ends[0], ends[1])

    def devices_key(self) -> tuple[str, str]:
        """Order-independent identity of the two devices only."""
        first, second = sorted([device_key(self.a.device), device_key(self.b.device)])
        return (first, second)


class Vlan(Frozen):
    vid: int = Field(ge=1, le=4094)
    name: str | None = None
    subnet: str | None = None  # CIDR, e.g. "10.20.3.0/24"


class View(StrEnum):
    DIAGRAM = "diagram"
    NETBOX = "netbox"
    LIVE = "live"


class Topology(Frozen):
    skpd: str | None = None
    date: dt.date | None = None  # a diagram's submission date, a snapshot's collection date
    view: View = View.DIAGRAM
    source: str | None = None  # file path, "netbox", or the snapshot file
    devices: tuple[TopoDevice, ...] = ()
    links: tuple[TopoLink, ...] = ()
    vlans: tuple[Vlan, ...] = ()

    def device(self, name: str) -> TopoDevice | None:
        wanted = device_key(name)
        return next((d for d in self.devices if d.key() == wanted), None)
