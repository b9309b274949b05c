"""Use cases of ``simpul vps``: request a VPS for an SKPD, apply NetBox to the hypervisor, list both.

- :func:`request_vps` checks (the SKPD exists, the name is free, the SKPD's quota and the cluster's
  capacity with its overcommit hold, the image exists on the hypervisor) and records a planned VPS
  with an address from the Pusat Data VPS prefix (race-free: :mod:`simpul.netbox.vps`). Refused:
  exit 2, nothing written.
- :func:`apply_vps` reads the desired state (NetBox) and the actual one (the cluster's provider),
  plans with :func:`simpul.core.vps.reconcile`, and with ``commit`` carries the plan out VPS by
  VPS: one failing never stops the others. Each outcome is re-read from the hypervisor (a change
  is done when the hypervisor shows it) and written back to NetBox (status, provider id, a journal
  entry). Without ``commit`` nothing changes anywhere.
- :func:`list_vps` shows NetBox and the hypervisor side by side, with drift.

The CLI (``simpul vps``) and the Ansible playbook (``playbooks/vps.yml``) call these functions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simpul.core.vps import (
    Drift,
    Outcome,
    Plan,
    Size,
    Status,
    Step,
    VpsActual,
    VpsInputError,
    VpsRequest,
    VpsSpec,
    drift,
    parse_ssh_keys,
    plan_one,
    reconcile,
    status_after,
    validate_request,
)
from simpul.netbox import vps as nb
from simpul.netbox.client import connect
from simpul.providers.vps import ProviderError, VpsProvider, setting
from simpul.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_IMAGE = "debian-12"
WAIT_SECONDS = 600.0


# ------------------------------------------------------------------------------ providers


def open_provider(settings: Settings, provider: str) -> VpsProvider:
    """The provider for a cluster type (``libvirt``, ``proxmox``), configured from the settings."""
    if provider == "libvirt":
        from simpul.providers.libvirt import LibvirtProvider, accel_from_env, default_paths

        defaults = default_paths(Path(settings.lab_dir), Path(settings.cache_dir), Path(settings.state_dir))
        return LibvirtProvider(
            uri=setting(settings, "libvirt_uri") or defaults["uri"],
            image_dir=Path(setting(settings, "vps_image_dir") or defaults["image_dir"]),
            disk_dir=Path(setting(settings, "vps_disk_dir") or defaults["disk_dir"]),
            network=str(setting(settings, "vps_network")),
            accel=accel_from_env(),
        )
    if provider == "proxmox":
        from simpul.providers.proxmox import ProxmoxProvider

        return ProxmoxProvider.from_settings(settings)
    raise VpsInputError(
        f"the Pusat Data cluster's type is {provider!r}: simpul has no provider for it",
        field="cluster.type",
        hint="set the cluster type to libvirt or proxmox",
    )


# -------------------------------------------------------------------------------- request


@dataclass(frozen=True)
class RequestVps:
    """``simpul vps request``: one VPS for an SKPD. ``ssh_key_files``: public key files to read."""

    skpd: str
    name: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    image: str | None = None
    ssh_key_files: tuple[Path, ...] = ()
    ssh_keys: tuple[str, ...] = ()
    cluster: str | None = None
    dry_run: bool = False  # every check, nothing written (Ansible's check mode)
    exist_ok: bool = False  # the SKPD's VPS of that name already recorded: not an error (Ansible)


@dataclass(frozen=True)
class RequestResult:
    """``changed``: a VPS was recorded (False for a dry run, or one that existed with exist_ok)."""

    name: str
    skpd: str
    netbox_id: int | None
    ip: str | None
    size: Size
    image: str
    cluster: str
    status: str = "planned"
    changed: bool = True

    @property
    def exit_code(self) -> int:
        return 0

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "skpd": self.skpd,
            "id": self.netbox_id,
            "ip": self.ip,
            "status": self.status,
            "cluster": self.cluster,
            "image": self.image,
            **self.size.as_json(),
        }


def _keys(req: RequestVps) -> tuple[str, ...]:
    keys = list(req.ssh_keys)
    for path in req.ssh_key_files:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise VpsInputError(f"cannot read the SSH key file: {exc.strerror}", source=str(path)) from None
        keys += parse_ssh_keys(text, str(path))
    return tuple(dict.fromkeys(keys))


def request_vps(settings: Settings, req: RequestVps) -> RequestResult:
    """Record a planned VPS with its address in NetBox, or refuse (exit 2) writing nothing."""
    vreq = VpsRequest(
        skpd=req.skpd,
        name=req.name,
        size=Size(req.vcpus, req.memory_mb, req.disk_gb),
        image=req.image or DEFAULT_IMAGE,
        ssh_keys=_keys(req),
    )
    validate_request(vreq)
    api = connect(settings)
    pd = nb.pusat_data(api, req.cluster)
    who = nb.skpd(api, req.skpd)
    if req.exist_ok:
        existing = next((s for s in nb.desired(api, pd, who.slug, req.name)), None)
        if existing is not None:
            return RequestResult(
                existing.name,
                who.slug,
                existing.netbox_id,
                existing.ip,
                existing.size,
                existing.image or vreq.image,
                pd.cluster,
                existing.status,
                changed=False,
            )
    provider = open_provider(settings, pd.provider)
    try:
        validate_request(vreq, provider.images())
    finally:
        provider.close()
    if req.dry_run:
        problems = nb.check_request(api, pd, who, vreq)
        if problems:
            raise nb.refused(vreq, problems)
        return RequestResult(
            vreq.name, who.slug, None, None, vreq.size, vreq.image, pd.cluster, changed=False
        )
    recorded = nb.record_vps(api, pd, who, vreq)
    return RequestResult(
        name=recorded.name,
        skpd=who.slug,
        netbox_id=recorded.id,
        ip=recorded.ip,
        size=vreq.size,
        image=vreq.image,
        cluster=pd.cluster,
    )


# ---------------------------------------------------------------------------------- apply


@dataclass(frozen=True)
class ApplyVps:
    """``simpul vps apply``: which VPS (all of the cluster by default); ``commit`` to change anything."""

    skpd: str | None = None
    name: str | None = None
    commit: bool = False
    wait: bool = False
    purge: bool = False
    cluster: str | None = None
    wait_seconds: float = WAIT_SECONDS


@dataclass(frozen=True)
class VmOutcome:
    name: str
    action: str
    result: Outcome
    reason: str | None = None
    detail: str = ""
    refused: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "result": self.result, "reason": self.reason}


@dataclass(frozen=True)
class ApplyResult:
    plan: Plan
    outcomes: tuple[VmOutcome, ...]
    committed: bool
    cluster: str
    provider: str
    expired: tuple[str, ...] = ()

    @property
    def failed(self) -> tuple[VmOutcome, ...]:
        return tuple(o for o in self.outcomes if o.result == "failed")

    @property
    def exit_code(self) -> int:
        """2 when NetBox holds a desired state that cannot be (a shrink, an unknown image), 1 when
        the hypervisor failed some VPS, else 0."""
        if any(o.refused for o in self.outcomes):
            return 2
        return 1 if self.failed else 0

    def as_json(self) -> dict[str, Any]:
        return {"vms": {o.name: o.as_json() for o in self.outcomes}}


def apply_vps(settings: Settings, req: ApplyVps) -> ApplyResult:
    """Plan (and with ``commit`` apply) NetBox's VPS on the cluster's hypervisor."""
    api = connect(settings)
    pd = nb.pusat_data(api, req.cluster)
    want = nb.desired(api, pd, req.skpd, req.name)
    provider = open_provider(settings, pd.provider)
    try:
        images = provider.images()
        have = _selected(provider.actual(), want, req)
        plan = reconcile(want, have, images)
        if not req.commit:
            outcomes = tuple(_dry(step) for step in plan.steps)
            return ApplyResult(plan, outcomes, False, pd.cluster, pd.provider)
        outcomes = tuple(_Applier(api, provider, req).run(step) for step in plan.steps)
        expired = tuple(provider.expire(int(setting(settings, "vps_grace_days"))))
        return ApplyResult(plan, outcomes, True, pd.cluster, pd.provider, expired)
    finally:
        provider.close()


def _selected(actual: list[VpsActual], want: list[VpsSpec], req: ApplyVps) -> list[VpsActual]:
    """With --skpd/--name, only the hypervisor's VMs of those VPS (others are not this run's)."""
    if not req.skpd and not req.name:
        return actual
    names = {w.name for w in want}
    return [a for a in actual if a.name in names]


def _dry(step: Step) -> VmOutcome:
    if step.refused:
        return VmOutcome(step.name, step.action, "failed", step.reason, step.describe(), refused=True)
    action = step.action if step.action != "none" or step.power is None else step.power
    return VmOutcome(step.name, action, "unchanged", step.reason if step.noop else None, step.describe())


class _Applier:
    """Carries out one step at a time, closes the loop, writes the outcome back to NetBox."""

    def __init__(self, api: Any, provider: VpsProvider, req: ApplyVps) -> None:
        self.api = api
        self.provider = provider
        self.req = req

    def run(self, step: Step) -> VmOutcome:
        if step.refused:
            return VmOutcome(step.name, step.action, "failed", step.reason, step.describe(), refused=True)
        if step.noop:
            return VmOutcome(step.name, "none", "unchanged", step.reason, step.describe())
        try:
            note = self._do(step)
            problem = self._verify(step)
        except ProviderError as err:
            return self._failed(step, err.message)
        if problem:
            return self._failed(step, problem)
        self._record(step, note)
        return VmOutcome(
            step.name, step.action, "applied", None, step.describe() + (f" ({note})" if note else "")
        )

    # ------------------------------------------------------------------------ the work

    def _do(self, step: Step) -> str | None:
        if step.action == "create":
            return self._create(step)
        assert step.actual is not None
        if step.action == "delete":
            kept = self.provider.delete(step.actual, self.req.purge)
            return f"disk kept at {kept}" if kept else "disk removed"
        note = None
        if step.action == "resize":
            assert step.desired is not None
            resized = self.provider.resize(step.actual, step.desired.size)
            note = resized.note or ("live" if resized.live else None)
        if step.power == "start":
            self.provider.start(step.actual)
            note = self._wait(step.actual, note)
        elif step.power == "stop":
            self.provider.stop(step.actual)
        return note

    def _create(self, step: Step) -> str | None:
        assert step.desired is not None
        provider_id = self.provider.create(step.desired)
        made = self._find(step.name)
        if made is None:
            raise ProviderError(f"{step.name}: created, but the hypervisor does not list it")
        if step.power == "start":
            try:
                self.provider.start(made)
            except ProviderError:
                self._clean_partial(made)
                raise
            return self._wait(made, f"provider id {provider_id}")
        return f"provider id {provider_id}"

    def _clean_partial(self, made: VpsActual) -> None:
        """A VM that was defined but cannot start is removed again (disk and all)."""
        try:
            self.provider.delete(made, purge=True)
        except ProviderError as err:
            log.warning("%s: could not remove the partial VM: %s", made.name, err.message)

    def _wait(self, vm: VpsActual, note: str | None) -> str | None:
        if not self.req.wait:
            return note
        if not self.provider.wait_ready(vm, self.req.wait_seconds):
            raise ProviderError(
                f"{vm.name}: started, but SSH did not answer within {self.req.wait_seconds:.0f} s"
            )
        return ", ".join(filter(None, [note, "answers SSH"]))

    def _find(self, name: str) -> VpsActual | None:
        return {a.name: a for a in self.provider.actual()}.get(name)

    def _verify(self, step: Step) -> str | None:
        """Close the loop: re-read the VM and plan again; anything left to do is a failure."""
        after = self._find(step.name)
        if step.desired is None:
            return None
        again = plan_one(step.desired, after)
        if again.noop:
            return None
        return f"after {step.action}, the hypervisor still differs: {again.describe()}"

    # ------------------------------------------------------------------------- NetBox

    def _record(self, step: Step, note: str | None) -> None:
        assert step.desired is not None
        vm_id = step.desired.netbox_id
        text = f"simpul vps apply: {step.describe()}" + (f" ({note})" if note else "")
        if step.action == "delete":
            freed = nb.free_ip(self.api, vm_id)
            text += f"; address {freed} freed" if freed else ""
            nb.write_outcome(
                self.api, vm_id, clear_provider_id=True, journal_kind="success", journal_text=text
            )
            return
        after = self._find(step.name)
        nb.write_outcome(
            self.api,
            vm_id,
            status=status_after(step),
            provider_id=after.provider_id if after else None,
            journal_kind="success",
            journal_text=text,
        )

    def _failed(self, step: Step, reason: str) -> VmOutcome:
        if step.desired is not None:
            status: Status | None = "failed" if step.action == "create" else None
            nb.write_outcome(
                self.api,
                step.desired.netbox_id,
                status=status,
                journal_kind="danger",
                journal_text=f"simpul vps apply: {step.action} failed: {reason}",
            )
        return VmOutcome(step.name, step.action, "failed", reason, step.describe())


# ----------------------------------------------------------------------------------- list


@dataclass(frozen=True)
class ListVps:
    skpd: str | None = None
    cluster: str | None = None


@dataclass(frozen=True)
class VpsRow:
    """One VPS (or unrecorded VM) as NetBox and the hypervisor see it."""

    name: str
    skpd: str | None
    status: str | None
    ip: str | None
    netbox: Size | None
    power: str
    hypervisor: Size | None
    provider_id: str | None
    address: str | None
    drift: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "skpd": self.skpd,
            "status": self.status,
            "ip": self.ip,
            "netbox": self.netbox.as_json() if self.netbox else None,
            "power": self.power,
            "hypervisor": self.hypervisor.as_json() if self.hypervisor else None,
            "provider_id": self.provider_id,
            "address": self.address,
            "drift": list(self.drift),
        }


@dataclass(frozen=True)
class ListResult:
    rows: tuple[VpsRow, ...]
    drift: tuple[Drift, ...] = field(default_factory=tuple)
    cluster: str = ""

    @property
    def exit_code(self) -> int:
        """1 when NetBox and the hypervisor differ (findings), else 0."""
        return 1 if self.drift else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "vms": [r.as_json() for r in self.rows],
            "drift": [{"name": d.name, "kind": d.kind, "detail": d.detail} for d in self.drift],
        }


def list_vps(settings: Settings, req: ListVps) -> ListResult:
    api = connect(settings)
    pd = nb.pusat_data(api, req.cluster)
    want = nb.desired(api, pd, req.skpd)
    provider = open_provider(settings, pd.provider)
    try:
        have = provider.actual()
    finally:
        provider.close()
    if req.skpd:
        names = {w.name for w in want}
        have = [a for a in have if a.name in names]
    found = drift(want, have)
    by_name = {d.name: d for d in want}
    have_by = {a.name: a for a in have}
    rows = []
    for name in sorted(set(by_name) | set(have_by)):
        w, a = by_name.get(name), have_by.get(name)
        rows.append(
            VpsRow(
                name=name,
                skpd=w.skpd if w else None,
                status=w.status if w else None,
                ip=w.ip if w else None,
                netbox=w.size if w else None,
                power=a.power if a else "absent",
                hypervisor=a.size if a else None,
                provider_id=a.provider_id if a else None,
                address=a.address if a else None,
                drift=tuple(f"{d.kind}: {d.detail}" for d in found if d.name == name),
            )
        )
    return ListResult(tuple(rows), tuple(found), pd.cluster)
