"""Findings: what an audit tells the Dinas, in one shape for JSON, HTML, Markdown and exit codes.

Examples:
    >>> f = Finding(kind=FindingKind.MISSING_LINK, severity=Severity.HIGH, device="SW-1", port="Gi0/1",
    ...             peer="RTR-1", peer_port="ether2", article="Pasal 20 ayat (2)")
    >>> f.code
    'LAN-003'
    >>> Severity.HIGH >= Severity.MEDIUM, Severity.HIGH > Severity.MEDIUM, Severity.LOW <= Severity.INFO
    (True, True, False)
    >>> max([Severity.MEDIUM, Severity.CRITICAL, Severity.HIGH])
    <Severity.CRITICAL: 'critical'>
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field


class FindingKind(StrEnum):
    MISSING_DEVICE = "missing_device"
    UNDOCUMENTED_DEVICE = "undocumented_device"
    MISSING_LINK = "missing_link"
    UNDOCUMENTED_LINK = "undocumented_link"
    PORT_MISMATCH = "port_mismatch"
    VLAN_MISMATCH = "vlan_mismatch"
    SUBNET_MISMATCH = "subnet_mismatch"
    IP_MISMATCH = "ip_mismatch"
    MODEL_MISMATCH = "model_mismatch"
    # regulatory checks (Perbup Pasal 20, 46)
    DIAGRAM_STALE = "diagram_stale"
    CHANGE_NOT_REPORTED = "change_not_reported"
    DIAGRAM_MISSING = "diagram_missing"
    DEVICE_UNREACHABLE = "device_unreachable"
    NEIGHBOUR_DISCOVERY_OFF = "neighbour_discovery_off"
    DIAGRAM_INCOMPLETE = "diagram_incomplete"


# Stable codes: never renumber, only append. docs/errors.md explains each one.
FINDING_CODES: dict[FindingKind, str] = {
    FindingKind.MISSING_DEVICE: "LAN-001",
    FindingKind.UNDOCUMENTED_DEVICE: "LAN-002",
    FindingKind.MISSING_LINK: "LAN-003",
    FindingKind.UNDOCUMENTED_LINK: "LAN-004",
    FindingKind.PORT_MISMATCH: "LAN-005",
    FindingKind.VLAN_MISMATCH: "LAN-006",
    FindingKind.SUBNET_MISMATCH: "LAN-007",
    FindingKind.IP_MISMATCH: "LAN-008",
    FindingKind.MODEL_MISMATCH: "LAN-009",
    FindingKind.DIAGRAM_STALE: "REG-001",
    FindingKind.CHANGE_NOT_REPORTED: "REG-002",
    FindingKind.DIAGRAM_MISSING: "REG-003",
    FindingKind.DEVICE_UNREACHABLE: "OPS-001",
    FindingKind.NEIGHBOUR_DISCOVERY_OFF: "OPS-002",
    FindingKind.DIAGRAM_INCOMPLETE: "REG-004",
}


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    # str already defines the comparisons (alphabetically), so each one is set by rank here.
    def __lt__(self, other: object) -> bool:
        return self.rank < Severity(other).rank if isinstance(other, str) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.rank <= Severity(other).rank if isinstance(other, str) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.rank > Severity(other).rank if isinstance(other, str) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.rank >= Severity(other).rank if isinstance(other, str) else NotImplemented


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FindingKind
    severity: Severity
    device: str | None = None
    port: str | None = None
    peer: str | None = None
    peer_port: str | None = None
    expected: str | None = None
    actual: str | None = None
    article: str | None = None  # the Perbup article the finding serves, e.g. "Pasal 20 ayat (2)"
    skpd: str | None = None
    message: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def code(self) -> str:
        return FINDING_CODES[self.kind]
