"""VPS in the Pusat Data (Pasal 14 ayat 5-8): the desired-state model, request checks, quota and
capacity, and the plan that reconciles NetBox (what should be) with a hypervisor (what is).

A VPS is a VM of the Pusat Data cluster whose tenant is an SKPD. Its NetBox status says what the
hypervisor should hold:

========================  ==========================================================
NetBox status             on the hypervisor
========================  ==========================================================
``planned``, ``active``   exists and runs (``apply`` then records ``active``)
``staged``, ``offline``   exists, stopped
``decommissioning``       gone (the disk is kept for a grace period, the IP is freed)
``failed``                left alone until someone sets it back to planned/active
========================  ==========================================================

Pure: no network, no disk, no clock. The edges (``simpul.netbox.vps``, ``simpul.providers``) read
the two sides into :class:`VpsSpec` and :class:`VpsActual`; :func:`reconcile` gives a
:class:`Plan` that the service applies and tests assert.

Examples:
    >>> small = Size(vcpus=1, memory_mb=512, disk_gb=10)
    >>> want = VpsSpec(name="vps-disdik-01", skpd="disdik", status="active", size=small,
    ...                image="debian-12", netbox_id=7, ip="10.40.0.5/24")
    >>> [(s.name, s.action) for s in reconcile([want], []).steps]
    [('vps-disdik-01', 'create')]
    >>> have = VpsActual(name="vps-disdik-01", provider_id="u-1", power="running",
    ...                  size=Size(vcpus=1, memory_mb=512, disk_gb=20), netbox_id=7)
    >>> step = reconcile([want], [have]).steps[0]
    >>> step.action, step.refused, step.reason
    ('resize', True, 'disk shrink refused: 20 GB -> 10 GB (disks only grow)')
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from simpul.errors import InputError

Status = Literal["planned", "staged", "active", "offline", "failed", "decommissioning"]
Power = Literal["running", "stopped", "absent"]
Action = Literal["create", "start", "resize", "stop", "delete", "none"]
Outcome = Literal["unchanged", "applied", "failed"]

STATUSES: tuple[Status, ...] = ("planned", "staged", "active", "offline", "failed", "decommissioning")
# What each status asks of the hypervisor (None: leave the VM alone).
WANTED_POWER: dict[Status, Power | None] = {
    "planned": "running",
    "active": "running",
    "staged": "stopped",
    "offline": "stopped",
    "decommissioning": "absent",
    "failed": None,
}
# Statuses whose resources count against a quota and the cluster's capacity.
HOLDS_RESOURCES: frozenset[str] = frozenset({"planned", "staged", "active", "offline", "failed"})

MAX_VCPUS = 64
MAX_MEMORY_MB = 262_144
MAX_DISK_GB = 4096
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,61}[a-z0-9]$")  # a DNS label: it becomes the hostname
IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")
SSH_KEY_RE = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$"
)


class VpsInputError(InputError):
    """A VPS request or desired state that cannot be right whatever the Pusat Data holds."""

    code = "E9001"


class VpsRefused(InputError):
    """A well-formed request the Pusat Data cannot take: the name is taken, a quota or the
    cluster's capacity would be exceeded. Nothing was written."""

    code = "E9002"


# --------------------------------------------------------------------------------- values


@dataclass(frozen=True, order=True)
class Size:
    """What a VPS takes: vCPUs, memory (MiB) and disk (GB).

    >>> Size(2, 1024, 20) + Size(1, 512, 10)
    Size(vcpus=3, memory_mb=1536, disk_gb=30)
    """

    vcpus: int
    memory_mb: int
    disk_gb: int

    def __add__(self, other: Size) -> Size:
        return Size(self.vcpus + other.vcpus, self.memory_mb + other.memory_mb, self.disk_gb + other.disk_gb)

    def as_json(self) -> dict[str, int]:
        return {"vcpus": self.vcpus, "memory_mb": self.memory_mb, "disk_gb": self.disk_gb}


ZERO = Size(0, 0, 0)


def total(sizes: Iterable[Size]) -> Size:
    """The sum of sizes.

    >>> total([Size(1, 512, 10), Size(2, 1024, 20)])
    Size(vcpus=3, memory_mb=1536, disk_gb=30)
    """
    out = ZERO
    for size in sizes:
        out = out + size
    return out


@dataclass(frozen=True)
class Quota:
    """An SKPD's VPS quota (tenant custom fields ``vps_quota_*``); None means no limit on that.

    >>> Quota(vms=2, vcpus=4, memory_mb=4096, disk_gb=100).unset
    False
    >>> Quota().unset
    True
    """

    vms: int | None = None
    vcpus: int | None = None
    memory_mb: int | None = None
    disk_gb: int | None = None

    @property
    def unset(self) -> bool:
        return all(v is None for v in (self.vms, self.vcpus, self.memory_mb, self.disk_gb))


@dataclass(frozen=True)
class Capacity:
    """A cluster's capacity (cluster custom fields) and overcommit ratios.

    Overcommit lets the sum of the VMs exceed the hardware: vCPUs are time-shared (4.0 is common),
    memory only a little (ballooning, KSM: 1.0-1.5), thin disks some (1.0 = none).

    >>> Capacity(vcpus=32, memory_mb=131072, disk_gb=2000, cpu_ratio=4.0, memory_ratio=1.25).limit
    Size(vcpus=128, memory_mb=163840, disk_gb=2000)
    """

    vcpus: int
    memory_mb: int
    disk_gb: int
    cpu_ratio: float = 1.0
    memory_ratio: float = 1.0
    disk_ratio: float = 1.0

    @property
    def limit(self) -> Size:
        return Size(
            int(self.vcpus * self.cpu_ratio),
            int(self.memory_mb * self.memory_ratio),
            int(self.disk_gb * self.disk_ratio),
        )


@dataclass(frozen=True)
class VpsRequest:
    """``simpul vps request``: one new VPS for an SKPD."""

    skpd: str
    name: str
    size: Size
    image: str
    ssh_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class VpsSpec:
    """The desired state of one VPS, as NetBox holds it."""

    name: str
    skpd: str | None
    status: Status
    size: Size
    image: str | None
    netbox_id: int
    ip: str | None = None  # with its prefix length: 10.40.0.5/24
    gateway: str | None = None
    ssh_keys: tuple[str, ...] = ()
    provider_id: str | None = None

    @property
    def wanted(self) -> Power | None:
        return WANTED_POWER[self.status]


@dataclass(frozen=True)
class VpsActual:
    """One VM as the hypervisor reports it (the provider's answer; see simpul.providers.vps).

    ``size`` is the persistent definition (what the next boot gets); ``live`` what the running VM
    has now, when it differs (a change that waits for a restart).
    """

    name: str
    provider_id: str
    power: Literal["running", "stopped"]
    size: Size
    netbox_id: int | None = None  # recorded by simpul when it created the VM
    image: str | None = None
    live: Size | None = None
    address: str | None = None  # where the VPS answers SSH (lab: 127.0.0.1:PORT)


# ------------------------------------------------------------------------------- validation


def validate_request(req: VpsRequest, known_images: Iterable[str] | None = None) -> None:
    """Refuse a request that can never be right (exit 2, naming the field).

    >>> validate_request(VpsRequest("disdik", "vps-disdik-01", Size(1, 512, 10), "debian-12"))
    >>> validate_request(VpsRequest("disdik", "VPS_1", Size(1, 512, 10), "debian-12"))
    Traceback (most recent call last):
    ...
    simpul.core.vps.VpsInputError: name 'VPS_1' is not a valid host name
    >>> validate_request(VpsRequest("disdik", "vps-a", Size(0, 512, 10), "debian-12"))
    Traceback (most recent call last):
    ...
    simpul.core.vps.VpsInputError: vcpus must be a whole number from 1 to 64, not 0
    """
    if not NAME_RE.match(req.name):
        raise VpsInputError(
            f"name {req.name!r} is not a valid host name",
            field="name",
            hint="lower-case letters, digits and '-', 2-63 characters, starting with a letter",
        )
    _check_size(req.size)
    if not IMAGE_RE.match(req.image):
        raise VpsInputError(f"image {req.image!r} is not a valid image name", field="image")
    if known_images is not None:
        images = sorted(known_images)
        if req.image not in images:
            raise VpsInputError(
                f"unknown image {req.image!r}",
                field="image",
                hint="images on this hypervisor: " + (", ".join(images) or "none"),
            )
    for i, key in enumerate(req.ssh_keys):
        check_ssh_key(key, f"ssh_keys[{i}]")


def _check_size(size: Size) -> None:
    for name, value, top in (
        ("vcpus", size.vcpus, MAX_VCPUS),
        ("memory_mb", size.memory_mb, MAX_MEMORY_MB),
        ("disk_gb", size.disk_gb, MAX_DISK_GB),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise VpsInputError(
                f"{name} must be a whole number from 1 to {top}, not {value!r}",
                field=name,
            )


def check_ssh_key(key: str, where: str = "ssh_key") -> None:
    """One OpenSSH public key line; a private key is refused before it goes anywhere.

    >>> check_ssh_key("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE user@host")
    >>> check_ssh_key("-----BEGIN OPENSSH PRIVATE KEY-----")
    Traceback (most recent call last):
    ...
    simpul.core.vps.VpsInputError: ssh_key is a PRIVATE key: give the public key (.pub)
    """
    if "PRIVATE KEY" in key:
        raise VpsInputError(f"{where} is a PRIVATE key: give the public key (.pub)", field=where)
    if not SSH_KEY_RE.match(key.strip()):
        raise VpsInputError(
            f"{where} is not an OpenSSH public key line",
            field=where,
            hint="e.g. the content of ~/.ssh/id_ed25519.pub: 'ssh-ed25519 AAAA... comment'",
        )


def parse_ssh_keys(text: str, source: str) -> tuple[str, ...]:
    """The public keys in an authorized_keys-style text (comments and blank lines skipped).

    >>> parse_ssh_keys("# ops\\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE a@b\\n\\n", "k.pub")
    ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE a@b',)
    """
    keys = tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))
    if not keys:
        raise VpsInputError("no public key in the file", source=source, field="ssh_key")
    for i, key in enumerate(keys):
        try:
            check_ssh_key(key, f"line {i + 1}")
        except VpsInputError as err:
            raise VpsInputError(err.message, source=source, hint=err.hint) from None
    return keys


# ------------------------------------------------------------------------ quota and capacity


def quota_problems(quota: Quota, used: Sequence[Size], extra: Size) -> list[str]:
    """Why adding ``extra`` to what an SKPD already uses breaks its quota (empty: it fits).

    >>> quota_problems(Quota(vms=1, vcpus=4), [Size(2, 1024, 10)], Size(2, 1024, 10))
    ['VPS count 2 > quota 1']
    >>> quota_problems(Quota(vms=3, vcpus=3, memory_mb=4096), [Size(2, 1024, 10)], Size(2, 1024, 10))
    ['vCPUs 4 > quota 3']
    >>> quota_problems(Quota(), [], Size(1, 512, 10))
    ['the SKPD has no VPS quota']
    """
    if quota.unset:
        return ["the SKPD has no VPS quota"]
    after = total([*used, extra])
    problems = []
    if quota.vms is not None and len(used) + 1 > quota.vms:
        problems.append(f"VPS count {len(used) + 1} > quota {quota.vms}")
    for label, have, limit in (
        ("vCPUs", after.vcpus, quota.vcpus),
        ("memory", after.memory_mb, quota.memory_mb),
        ("disk", after.disk_gb, quota.disk_gb),
    ):
        if limit is not None and have > limit:
            unit = {"vCPUs": "", "memory": " MB", "disk": " GB"}[label]
            problems.append(f"{label} {have}{unit} > quota {limit}{unit}")
    return problems


def capacity_problems(capacity: Capacity, used: Sequence[Size], extra: Size) -> list[str]:
    """Why the cluster cannot take ``extra`` on top of ``used`` (overcommit included).

    >>> cap = Capacity(vcpus=4, memory_mb=8192, disk_gb=100, cpu_ratio=2.0)
    >>> capacity_problems(cap, [Size(6, 4096, 50)], Size(2, 2048, 40))
    []
    >>> for p in capacity_problems(cap, [Size(6, 4096, 50)], Size(4, 8192, 60)):
    ...     print(p)
    vCPUs 10 > 8 (4 x 2.0)
    memory 12288 MB > 8192 MB (8192 MB x 1.0)
    disk 110 GB > 100 GB (100 GB x 1.0)
    """
    after = total([*used, extra])
    limit = capacity.limit
    problems = []
    if after.vcpus > limit.vcpus:
        problems.append(f"vCPUs {after.vcpus} > {limit.vcpus} ({capacity.vcpus} x {capacity.cpu_ratio})")
    if after.memory_mb > limit.memory_mb:
        problems.append(
            f"memory {after.memory_mb} MB > {limit.memory_mb} MB "
            f"({capacity.memory_mb} MB x {capacity.memory_ratio})"
        )
    if after.disk_gb > limit.disk_gb:
        problems.append(
            f"disk {after.disk_gb} GB > {limit.disk_gb} GB ({capacity.disk_gb} GB x {capacity.disk_ratio})"
        )
    return problems


def refusals(
    req: VpsRequest,
    *,
    taken_names: Iterable[str],
    quota: Quota,
    skpd_used: Sequence[Size],
    capacity: Capacity | None,
    cluster_used: Sequence[Size],
) -> list[str]:
    """Every reason the Pusat Data cannot take ``req`` now (empty: it can).

    Called before anything is written, and again after the VPS is recorded, with what NetBox then
    holds (the request's own VPS left out of the ``used`` lists): two requests racing for the last
    quota or the same name both see each other afterwards, and one backs out.

    >>> req = VpsRequest("disdik", "vps-a", Size(2, 1024, 10), "debian-12")
    >>> for r in refusals(req, taken_names=["VPS-A"], quota=Quota(vms=1), skpd_used=[Size(1, 512, 5)],
    ...                   capacity=None, cluster_used=[]):
    ...     print(r)
    name 'vps-a' is already taken in the cluster
    quota of disdik: VPS count 2 > quota 1
    the cluster has no capacity recorded
    """
    out: list[str] = []
    if req.name.lower() in {n.lower() for n in taken_names}:
        out.append(f"name {req.name!r} is already taken in the cluster")
    out += [f"quota of {req.skpd}: {p}" for p in quota_problems(quota, skpd_used, req.size)]
    if capacity is None:
        out.append("the cluster has no capacity recorded")
    else:
        out += [f"cluster capacity: {p}" for p in capacity_problems(capacity, cluster_used, req.size)]
    return out


# ------------------------------------------------------------------------------------ plan


@dataclass(frozen=True)
class Change:
    """One size field that differs: what the hypervisor has, what NetBox wants."""

    field: Literal["vcpus", "memory_mb", "disk_gb"]
    have: int
    want: int

    def __str__(self) -> str:
        return f"{self.field} {self.have} -> {self.want}"


@dataclass(frozen=True)
class Step:
    """What to do for one VPS. ``action`` is the main one; ``power`` a start/stop that follows it
    (a resize of a stopped VPS that should run, for instance); ``refused`` means the desired state
    is wrong (a shrink): nothing is done, and the reason says why."""

    name: str
    action: Action
    reason: str | None = None
    refused: bool = False
    changes: tuple[Change, ...] = ()
    power: Literal["start", "stop"] | None = None
    desired: VpsSpec | None = None
    actual: VpsActual | None = None

    @property
    def noop(self) -> bool:
        return self.action == "none" and self.power is None and not self.refused

    def describe(self) -> str:
        """One line for a plan listing and a journal entry.

        >>> Step("vps-a", "resize", changes=(Change("vcpus", 1, 2),), power="start").describe()
        'resize (vcpus 1 -> 2), then start'
        """
        text: str = self.action
        if self.changes:
            text += " (" + ", ".join(str(c) for c in self.changes) + ")"
        if self.power and self.power != self.action:
            text += f", then {self.power}"
        if self.reason:
            text += f": {self.reason}"
        return text


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...] = field(default_factory=tuple)

    @property
    def changes(self) -> tuple[Step, ...]:
        """The steps that would change something."""
        return tuple(s for s in self.steps if not s.noop and not s.refused)

    def by_name(self) -> dict[str, Step]:
        return {s.name: s for s in self.steps}


def size_changes(want: Size, have: Size) -> tuple[Change, ...]:
    """The size fields that differ.

    >>> [str(c) for c in size_changes(Size(2, 1024, 20), Size(1, 1024, 10))]
    ['vcpus 1 -> 2', 'disk_gb 10 -> 20']
    """
    fields: tuple[Literal["vcpus", "memory_mb", "disk_gb"], ...] = ("vcpus", "memory_mb", "disk_gb")
    return tuple(
        Change(f, getattr(have, f), getattr(want, f)) for f in fields if getattr(want, f) != getattr(have, f)
    )


def plan_one(want: VpsSpec | None, have: VpsActual | None, known_images: Iterable[str] | None = None) -> Step:
    """The step that takes ``have`` to ``want`` (either may be missing).

    >>> s = Size(1, 512, 10)
    >>> a = VpsActual("vps-a", "u1", "stopped", s, netbox_id=1)
    >>> plan_one(None, a).reason
    'not recorded in NetBox: left alone (see simpul vps list)'
    >>> plan_one(VpsSpec("vps-a", "x", "offline", s, "debian-12", 1), a).action
    'none'
    >>> plan_one(VpsSpec("vps-a", "x", "active", s, "debian-12", 1), a).action
    'start'
    >>> plan_one(VpsSpec("vps-a", "x", "decommissioning", s, "debian-12", 1), a).action
    'delete'
    """
    if want is None:
        assert have is not None
        return Step(
            have.name, "none", "not recorded in NetBox: left alone (see simpul vps list)", actual=have
        )
    wanted = want.wanted
    if wanted is None:
        return Step(
            want.name,
            "none",
            f"status {want.status}: left alone until set back to planned or active",
            desired=want,
            actual=have,
        )
    if have is None:
        return _plan_missing(want, wanted, known_images)
    if wanted == "absent":
        return Step(want.name, "delete", desired=want, actual=have)
    changes = size_changes(want.size, have.size)
    shrink = [c for c in changes if c.field == "disk_gb" and c.want < c.have]
    if shrink:
        c = shrink[0]
        return Step(
            want.name,
            "resize",
            f"disk shrink refused: {c.have} GB -> {c.want} GB (disks only grow)",
            refused=True,
            changes=changes,
            desired=want,
            actual=have,
        )
    power: Literal["start", "stop"] | None = None
    if wanted == "running" and have.power != "running":
        power = "start"
    elif wanted == "stopped" and have.power == "running":
        power = "stop"
    if changes:
        return Step(want.name, "resize", changes=changes, power=power, desired=want, actual=have)
    if power:
        return Step(want.name, power, power=power, desired=want, actual=have)
    return Step(want.name, "none", desired=want, actual=have)


def _plan_missing(want: VpsSpec, wanted: Power, known_images: Iterable[str] | None) -> Step:
    if wanted == "absent":
        return Step(want.name, "none", desired=want)
    problem = desired_problem(want, known_images)
    if problem:
        return Step(want.name, "create", problem, refused=True, desired=want)
    return Step(want.name, "create", power="start" if wanted == "running" else None, desired=want)


def desired_problem(want: VpsSpec, known_images: Iterable[str] | None = None) -> str | None:
    """Why NetBox's record of a VPS cannot be created as it stands (None: it can).

    >>> desired_problem(VpsSpec("vps-a", "x", "active", Size(1, 512, 10), None, 1))
    'no image: set the custom field vps_image'
    >>> desired_problem(VpsSpec("vps-a", "x", "active", Size(1, 512, 10), "arch", 1), ["debian-12"])
    "unknown image 'arch' (images: debian-12)"
    """
    if not NAME_RE.match(want.name):
        return f"name {want.name!r} is not a valid host name"
    try:
        _check_size(want.size)
    except VpsInputError as err:
        return err.message
    if not want.image:
        return "no image: set the custom field vps_image"
    if known_images is not None:
        images = sorted(known_images)
        if want.image not in images:
            return f"unknown image {want.image!r} (images: {', '.join(images) or 'none'})"
    if want.ip is None:
        return "no primary IPv4 address"
    return None


def reconcile(
    desired: Iterable[VpsSpec], actual: Iterable[VpsActual], known_images: Iterable[str] | None = None
) -> Plan:
    """The plan that makes the hypervisor hold what NetBox says, one step per VPS, by name.

    A VM on the hypervisor that NetBox does not record gets a ``none`` step (it is reported as
    drift, never deleted). Steps are sorted by name, so a plan prints and compares stably.

    >>> s = Size(1, 512, 10)
    >>> want = [VpsSpec("vps-b", "x", "active", s, "debian-12", 2, ip="10.40.0.3/24"),
    ...         VpsSpec("vps-a", "x", "staged", s, "debian-12", 1, ip="10.40.0.2/24")]
    >>> [(st.name, st.action, st.power, st.refused) for st in reconcile(want, []).steps]
    [('vps-a', 'create', None, False), ('vps-b', 'create', 'start', False)]
    >>> have = [VpsActual("vps-a", "u1", "stopped", s), VpsActual("vps-b", "u2", "running", s)]
    >>> reconcile(want, have).changes
    ()
    """
    images = None if known_images is None else tuple(known_images)
    want_by = {d.name: d for d in desired}
    have_by = {a.name: a for a in actual}
    steps = [plan_one(want_by.get(n), have_by.get(n), images) for n in sorted(set(want_by) | set(have_by))]
    return Plan(tuple(steps))


def with_status(spec: VpsSpec, status: Status) -> VpsSpec:
    """The spec with another status.

    >>> with_status(VpsSpec("a", "x", "planned", Size(1, 1, 1), "i", 1), "active").status
    'active'
    """
    return replace(spec, status=status)


def status_after(step: Step) -> Status | None:
    """The NetBox status a successful step leads to (None: unchanged).

    >>> s = Size(1, 512, 10)
    >>> status_after(Step("a", "create", power="start", desired=VpsSpec("a", "x", "planned", s, "i", 1)))
    'active'
    >>> status_after(Step("a", "create", desired=VpsSpec("a", "x", "staged", s, "i", 1))) is None
    True
    """
    if step.desired is None or step.refused:
        return None
    if step.desired.status == "planned" and step.desired.wanted == "running":
        return "active"
    return None


# --------------------------------------------------------------------------------- drift


@dataclass(frozen=True)
class Drift:
    """One difference between NetBox and the hypervisor, for ``simpul vps list``."""

    name: str
    kind: Literal["unrecorded", "missing", "size", "power"]
    detail: str


def drift(desired: Iterable[VpsSpec], actual: Iterable[VpsActual]) -> list[Drift]:
    """What differs: a VM nobody recorded, a recorded VPS that is gone, sizes or power that differ.

    >>> s = Size(1, 512, 10)
    >>> want = [VpsSpec("a", "x", "active", s, "i", 1), VpsSpec("b", "x", "active", s, "i", 2)]
    >>> have = [VpsActual("a", "u", "running", Size(2, 512, 10)), VpsActual("z", "u", "running", s)]
    >>> [(d.name, d.kind) for d in drift(want, have)]
    [('a', 'size'), ('b', 'missing'), ('z', 'unrecorded')]
    """
    want_by = {d.name: d for d in desired}
    have_by = {a.name: a for a in actual}
    out: list[Drift] = []
    for name in sorted(set(want_by) | set(have_by)):
        want, have = want_by.get(name), have_by.get(name)
        if want is None:
            out.append(Drift(name, "unrecorded", "on the hypervisor, not recorded in NetBox"))
            continue
        if have is None:
            if want.wanted in ("running", "stopped") and want.status != "planned":
                out.append(
                    Drift(name, "missing", f"NetBox says {want.status}, the hypervisor has no such VM")
                )
            continue
        changes = size_changes(want.size, have.size)
        if changes and want.wanted != "absent":
            out.append(Drift(name, "size", ", ".join(str(c) for c in changes)))
        if want.wanted in ("running", "stopped") and have.power != want.wanted:
            out.append(Drift(name, "power", f"NetBox says {want.status}, the VM is {have.power}"))
        if want.wanted == "absent":
            out.append(Drift(name, "power", "NetBox says decommissioning, the VM still exists"))
    return out


def in_network(ip: str, prefix: str) -> bool:
    """Whether an address lies in a prefix.

    >>> in_network("10.40.0.5/24", "10.40.0.0/24"), in_network("10.41.0.5/24", "10.40.0.0/24")
    (True, False)
    """
    return ipaddress.ip_interface(ip).ip in ipaddress.ip_network(prefix, strict=False)


def gateway_of(prefix: str) -> str:
    """The Pusat Data VPS network's gateway: its first host address, never handed to a VPS.

    >>> gateway_of("10.40.0.0/24")
    '10.40.0.1'
    """
    net = ipaddress.ip_network(prefix, strict=False)
    return str(next(net.hosts()))
