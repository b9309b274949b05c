"""Use cases of ``simpul bandwidth``: plan, check, propose, render, verify and apply per-SKPD bandwidth.

The plan comes from NetBox (tenants of group ``skpd``, internet circuits on the core router) or, with
``plan_file``, from a YAML/JSON plan file (docs/bandwidth.md). Each use case takes the settings and a
typed request and returns a typed result: ``as_json()`` is what ``--json`` prints, ``exit_code`` is
0 (all good) or 1 (violations, failed measurements, failed routers). Bad input raises a
:class:`~simpul.errors.SimpulError` before anything is written, measured or pushed.

The CLI (:mod:`simpul.cli.bandwidth`) and the Ansible filters (``playbooks/filter_plugins``) call
these functions and only render what comes back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from simpul.core import bandwidth as bw
from simpul.core.bandwidth import (
    GOODPUT_FACTOR,
    TOLERANCE,
    Change,
    Measurement,
    Plan,
    PlanTable,
    SkpdAllocation,
    Violation,
)
from simpul.core.bandwidth_diff import ROS_READ_COMMANDS, ConfigDiff, ios_remediation, routeros_remediation
from simpul.core.continuity import Continuity, Uplink, judge
from simpul.core.yaml_lines import load_yaml_with_lines
from simpul.devices.outcomes import DeviceOutcome
from simpul.devices.platforms import PLATFORMS, platform
from simpul.errors import BandwidthError, InputError
from simpul.settings import Settings
from simpul.templates.bandwidth import TEMPLATES, render_bandwidth

if TYPE_CHECKING:
    from nornir_tasks.bandwidth import BandwidthConfig
    from simpul.bandwidth_endpoints import Endpoints
    from simpul.netbox.bandwidth import SotBandwidth

POLICIES = ("equal", "weighted")
LAB_MAX_CAPACITY = 100.0  # Mbps: what the namespace lab pushes reliably on a small machine
LAB_NS_PREFIX = "sbw-"
NS_PREFIX_RE = re.compile(r"[a-z][a-z0-9-]{0,9}")
SECONDS_RANGE = (1, 60)


# =============================================================================================
# Where the plan comes from
# =============================================================================================


@dataclass(frozen=True)
class Source:
    """The plan, and (from NetBox) what write-back and rendering need: ``sot`` and ``api``."""

    plan: Plan
    sot: SotBandwidth | None = None
    api: Any = None


def read_plan_file(path: Path) -> Plan:
    """A plan file as a Plan; a YAML or schema error is an InputError naming file and line/field."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(f"cannot read plan file: {exc.strerror}", source=str(path)) from None
    data, _ = load_yaml_with_lines(text, str(path))
    return bw.plan_from_data(data, str(path))


def load_source(settings: Settings, plan_file: Path | None) -> Source:
    """The plan file when given, else NetBox (read once: six queries)."""
    if plan_file is not None:
        return Source(plan=read_plan_file(plan_file))
    from simpul.netbox import bandwidth as sot_bw
    from simpul.netbox.client import connect

    api = connect(settings)
    sot = sot_bw.load(api)
    return Source(plan=sot.plan, sot=sot, api=api)


def refuse_violations(plan: Plan, what: str) -> None:
    """A plan that fails the check is bad input for anything that renders, measures or pushes it."""
    violations = bw.check(plan)
    if violations:
        raise BandwidthError(
            "the plan breaks " + "; ".join(f"{v.code} {v.message}" for v in violations),
            hint=f"fix the allocation first (simpul bandwidth check); {what}",
        )


# =============================================================================================
# plan, check
# =============================================================================================


@dataclass(frozen=True)
class PlanRequest:
    plan_file: Path | None = None


@dataclass(frozen=True)
class PlanResult:
    table: PlanTable

    def as_json(self) -> dict[str, Any]:
        return self.table.model_dump(mode="json")

    @property
    def exit_code(self) -> int:
        return 0


def plan(settings: Settings, request: PlanRequest) -> PlanResult:
    """The allocation: SKPD, CIR, MIR, share of capacity, oversubscription."""
    return PlanResult(table=bw.plan_table(load_source(settings, request.plan_file).plan))


@dataclass(frozen=True)
class CheckRequest:
    plan_file: Path | None = None


@dataclass(frozen=True)
class CheckResult:
    plan: Plan
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "violations": [v.model_dump() for v in self.violations]}

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def check(settings: Settings, request: CheckRequest) -> CheckResult:
    """The allocation held to the HTB rules and the SoT's completeness (violations are exit 1)."""
    source = load_source(settings, request.plan_file)
    return CheckResult(plan=source.plan, violations=tuple(bw.check(source.plan)))


# =============================================================================================
# propose
# =============================================================================================


@dataclass(frozen=True)
class ProposeRequest:
    policy: str = "equal"  # equal | weighted
    weight_field: str | None = None  # tenant custom field of weights (weighted)
    mir_factor: float | None = None  # MIR = CIR x factor (default: the capacity)
    commit: bool = False  # write the proposal to NetBox
    plan_file: Path | None = None


@dataclass(frozen=True)
class ProposeResult:
    policy: str
    committed: bool
    written: int
    changes: tuple[Change, ...]
    allocations: tuple[SkpdAllocation, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "committed": self.committed,
            "written": self.written,
            "changes": [c.model_dump() for c in self.changes],
            "allocations": [a.model_dump(mode="json") for a in self.allocations],
        }

    @property
    def exit_code(self) -> int:
        return 0


def _propose_options(request: ProposeRequest) -> None:
    if request.policy not in POLICIES:
        raise InputError(f"unknown policy {request.policy!r}", field="--policy", hint="use equal or weighted")
    if request.mir_factor is not None and request.mir_factor < 1:
        raise InputError("--mir-factor must be >= 1 (MIR is never below CIR)", field="--mir-factor")


def _weights(request: ProposeRequest, source: Source) -> dict[str, float] | None:
    if request.policy != "weighted":
        return None
    if not request.weight_field:
        raise InputError("--policy weighted needs --weight-field", field="--weight-field")
    if source.sot is None:
        raise InputError("--weight-field reads tenant custom fields: use NetBox, not --plan", field="--plan")
    from simpul.netbox import bandwidth as sot_bw

    return sot_bw.weights(source.sot, request.weight_field)


def propose(settings: Settings, request: ProposeRequest) -> ProposeResult:
    """Allocations that pass the check, the diff against today's; written to NetBox only with ``commit``."""
    _propose_options(request)
    source = load_source(settings, request.plan_file)
    weights = _weights(request, source)
    if request.commit and source.sot is None:
        raise InputError("--commit writes to NetBox; it cannot be used with --plan", field="--commit")
    current = source.plan
    skpds = current.skpds if current.skpds is not None else current.allocations
    policy: bw.Policy = "weighted" if request.policy == "weighted" else "equal"
    proposal = bw.propose(skpds, current.capacity, policy, weights, mir_factor=request.mir_factor)
    changes = bw.allocation_diff(current.allocations, proposal)
    remaining = bw.check(bw.with_allocations(current, proposal))
    if remaining:  # propose guarantees this cannot happen; refuse rather than write a bad plan
        raise BandwidthError("the proposal fails the check: " + "; ".join(v.message for v in remaining))
    written = 0
    if request.commit and changes and source.sot is not None:
        from simpul.netbox import bandwidth as sot_bw

        written = sot_bw.write_allocations(source.api, source.sot, proposal)
    return ProposeResult(
        policy=request.policy,
        committed=request.commit,
        written=written,
        changes=tuple(changes),
        allocations=tuple(proposal),
    )


# =============================================================================================
# render
# =============================================================================================


@dataclass(frozen=True)
class RenderRequest:
    target: str  # a simpul.templates.bandwidth target: routeros, linux, ios
    uplink: str | None = None  # default: the interface NetBox cables the internet circuit to
    downlink: str | None = None  # IOS: the LAN-facing interface of the download policy
    device: str | None = None  # whose NetBox uplink is the default (default: the first core's)
    plan_file: Path | None = None


@dataclass(frozen=True)
class RenderResult:
    target: str
    uplink: str
    text: str

    def as_json(self) -> dict[str, Any]:
        return {"target": self.target, "uplink": self.uplink, "config": self.text}

    @property
    def exit_code(self) -> int:
        return 0


def _netbox_uplink(sot: SotBandwidth | None, device: str | None) -> str | None:
    """The first interface NetBox cables an internet circuit to (on ``device`` when given)."""
    uplinks = sot.uplinks if sot is not None else ()
    return next((u.interface for u in uplinks if device is None or u.device == device), None)


def render(settings: Settings, request: RenderRequest) -> RenderResult:
    """The plan rendered for a target; a plan that fails the check is refused (exit 2)."""
    if request.target not in TEMPLATES:
        raise InputError(
            f"unknown target {request.target!r}", field="--target", hint="use " + ", ".join(TEMPLATES)
        )
    source = load_source(settings, request.plan_file)
    uplink = request.uplink or _netbox_uplink(source.sot, request.device)
    if uplink is None:
        where = f" of {request.device}" if request.device else ""
        raise InputError(f"--uplink is required (no uplink interface{where} known)", field="--uplink")
    text = render_bandwidth(source.plan, request.target, uplink=uplink, downlink=request.downlink)
    return RenderResult(target=request.target, uplink=uplink, text=text)


# =============================================================================================
# continuity: every internet uplink answering, and what is left when one fails
# =============================================================================================


@dataclass(frozen=True)
class ContinuityRequest:
    pass


@dataclass(frozen=True)
class ContinuityResult:
    continuity: Continuity
    failed: Mapping[str, str] = field(default_factory=dict)  # core router -> why it was not read

    def as_json(self) -> dict[str, Any]:
        c = self.continuity
        return {
            "verdict": c.verdict,
            "problems": list(c.problems),
            "committed_cir_mbps": c.committed_cir_mbps,
            "uplinks": [
                {
                    "circuit": u.circuit,
                    "provider": u.provider,
                    "commit_mbps": u.commit_mbps,
                    "device": u.device,
                    "interface": u.interface,
                    "up": u.up,
                }
                for u in c.uplinks
            ],
            "if_one_fails": [
                {
                    "circuit": f.circuit,
                    "remaining_mbps": f.remaining_mbps,
                    "covered": f.covered,
                    "share": round(f.share, 3),
                }
                for f in c.failures
            ],
            "failed": dict(self.failed),
        }

    @property
    def exit_code(self) -> int:
        return 0 if self.continuity.verdict == "met" else 1


def continuity(settings: Settings, request: ContinuityRequest) -> ContinuityResult:
    """Read each core router holding an internet circuit (read-only, concurrently) and judge whether
    every uplink answers; a router that does not answer leaves its uplinks "not read", never "up"."""
    from netutils.interface import canonical_interface_name

    from nornir_tasks.collect import collect_state
    from simpul.devices.runner import build_nornir, run_on_devices
    from simpul.inventory import Filters

    source = load_source(settings, None)
    sot = source.sot
    uplinks = sot.uplinks if sot is not None else ()
    routers = sorted({u.device for u in uplinks})
    states: dict[str, dict[str, bool]] = {}
    failed: dict[str, str] = {}
    if routers:
        nornir = build_nornir(settings, Filters(device=tuple(routers)))
        outcomes = run_on_devices(nornir, collect_state, secrets=settings.secrets(), name="uplink_state")
        for name, outcome in outcomes.items():
            if not outcome.ok:
                failed[name] = outcome.reason or "no answer"
                continue
            states[name] = {
                canonical_interface_name(str(i["name"])): bool(i.get("up"))
                for i in (outcome.result or {}).get("interfaces", [])
            }
        failed.update({r: "not in the inventory" for r in routers if r not in outcomes})
    cabled = {u.circuit: u for u in uplinks}
    judged = []
    for circuit in source.plan.capacity.circuits:
        link = cabled.get(circuit.cid)
        up = None
        if link is not None and link.device in states:
            up = states[link.device].get(canonical_interface_name(link.interface))
        judged.append(
            Uplink(
                circuit.cid,
                circuit.provider,
                circuit.commit_mbps,
                link.device if link else None,
                link.interface if link else None,
                up,
            )
        )
    committed = float(sum(a.cir_mbps or 0 for a in source.plan.allocations))
    return ContinuityResult(judge(judged, committed), failed)


# =============================================================================================
# verify
# =============================================================================================


@dataclass(frozen=True)
class VerifyRequest:
    skpd: tuple[str, ...] = ()  # only these SKPD (default: every allocated one / every client)
    seconds: int = 3  # iperf3 run length
    max_capacity: float | None = None  # lab: scale the plan down to this capacity (default 100 Mbps)
    ns_prefix: str | None = None  # lab: prefix of the namespace names (default sbw-)
    endpoints_file: Path | None = None  # measure the user's own gear instead of the namespace lab
    plan_file: Path | None = None


@dataclass(frozen=True)
class VerifyResult:
    mode: Literal["lab", "endpoints"]
    scale: float
    measurements: tuple[Measurement, ...]
    errors: Mapping[str, str] = field(default_factory=dict)  # SKPD -> reason it was not measured
    unmeasured: tuple[str, ...] = ()  # plan SKPD left out of the contended run
    endpoints_source: str | None = None
    no_client: tuple[str, ...] = ()  # plan SKPD without a client in the endpoints file

    def passed(self, measurement: Measurement) -> bool:
        """The SKPD was measured and met its MIR alone and its CIR contended."""
        return measurement.ok and measurement.skpd not in self.errors

    @property
    def ok(self) -> bool:
        return all(self.passed(m) for m in self.measurements) and not self.errors

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mode": self.mode,
            # the contended run proves CIR only with every SKPD loaded: say who was left out
            "unmeasured": list(self.unmeasured),
            "scale": self.scale,
            "goodput_factor": GOODPUT_FACTOR,
            "tolerance": TOLERANCE,
            "skpd": {
                m.skpd: {
                    **m.model_dump(exclude={"skpd", "ok"}),
                    "ok": self.passed(m),
                    **({"error": self.errors[m.skpd]} if m.skpd in self.errors else {}),
                }
                for m in self.measurements
            },
        }

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def _verify_options(request: VerifyRequest) -> str:
    """Check the options that need no file; return the namespace prefix."""
    low, high = SECONDS_RANGE
    if not low <= request.seconds <= high:
        raise InputError(f"--seconds {request.seconds}: use {low}-{high}", field="--seconds")
    if request.endpoints_file is not None:
        lab_options = {"--ns-prefix": request.ns_prefix, "--max-capacity": request.max_capacity}
        clash = [option for option, value in lab_options.items() if value is not None]
        if clash:
            raise InputError(
                f"--endpoints measures your own gear; {' and '.join(clash)} "
                f"{'is' if len(clash) == 1 else 'are'} for the namespace lab only",
                field=clash[0],
                hint="drop " + " and ".join(clash) + ", or drop --endpoints to use the namespace lab",
            )
    prefix = LAB_NS_PREFIX if request.ns_prefix is None else request.ns_prefix
    if not NS_PREFIX_RE.fullmatch(prefix):
        raise InputError(f"--ns-prefix {prefix!r}: use 1-10 of a-z, 0-9, -", field="--ns-prefix")
    return prefix


def _require_known(plan: Plan, slugs: Iterable[str]) -> None:
    known = {a.slug for a in plan.allocations} | {s.slug for s in plan.skpds or ()}
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise InputError(
            f"unknown SKPD {', '.join(unknown)}", field="--skpd", hint="known: " + ", ".join(sorted(known))
        )


def _require_clients(endpoints: Endpoints, plan: Plan, slugs: Sequence[str]) -> None:
    endpoints.require_known(a.slug for a in plan.active())
    missing = [s for s in slugs if endpoints.client(s) is None]
    if missing:
        raise InputError(
            f"no client for SKPD {', '.join(missing)} in {endpoints.source}",
            field="--skpd",
            hint="add it under clients: in the endpoints file",
        )


def _judged(
    plan: Plan, chosen: Sequence[str], measured: Mapping[str, tuple[float | None, float | None]]
) -> tuple[Measurement, ...]:
    return tuple(
        bw.judge(a, plan.capacity.total_mbps, *measured[a.slug]) for a in plan.active() if a.slug in chosen
    )


def _verify_lab(request: VerifyRequest, plan: Plan, prefix: str) -> VerifyResult:
    from simpul.lab import bwlab

    max_capacity = LAB_MAX_CAPACITY if request.max_capacity is None else request.max_capacity
    lab_plan, factor = bw.scale(plan, max_capacity)
    chosen = list(request.skpd) or [a.slug for a in lab_plan.active()]
    script = render_bandwidth(lab_plan, "linux", uplink=bwlab.UPLINK)
    measured = bwlab.run_verify(lab_plan, script, chosen, request.seconds, prefix=prefix)
    return VerifyResult(
        mode="lab",
        scale=factor,
        measurements=_judged(lab_plan, chosen, measured),
        unmeasured=tuple(sorted(a.slug for a in lab_plan.active() if a.slug not in chosen)),
    )


def _verify_endpoints(
    settings: Settings, request: VerifyRequest, plan: Plan, endpoints: Endpoints
) -> VerifyResult:
    from simpul.bandwidth_endpoints import measure

    chosen = list(request.skpd) or [c.slug for c in endpoints.clients]
    outcomes = measure(settings, endpoints, chosen, request.seconds)
    measured = {s: (o.alone_mbps, o.contended_mbps) for s, o in outcomes.items()}
    clients = {c.slug for c in endpoints.clients}
    return VerifyResult(
        mode="endpoints",
        scale=1.0,  # real gear, real rates
        measurements=_judged(plan, chosen, measured),
        errors={s: o.error for s, o in outcomes.items() if o.error},
        unmeasured=tuple(sorted(a.slug for a in plan.active() if a.slug not in chosen)),
        endpoints_source=endpoints.source,
        no_client=() if request.skpd else tuple(sorted({a.slug for a in plan.active()} - clients)),
    )


def verify(settings: Settings, request: VerifyRequest) -> VerifyResult:
    """Prove the plan with real traffic: each SKPD alone ~MIR, all at once >= CIR.

    Without ``endpoints_file``: in a namespace lab simpul builds (needs root), the plan scaled down
    to ``max_capacity``. With it: per-SKPD iperf3 clients over SSH on the user's own gear.
    """
    prefix = _verify_options(request)
    endpoints = None
    if request.endpoints_file is not None:
        from simpul.bandwidth_endpoints import read_endpoints

        endpoints = read_endpoints(request.endpoints_file)  # a bad file stops here: nothing is measured
    current = load_source(settings, request.plan_file).plan
    _require_known(current, request.skpd)
    if endpoints is not None:
        _require_clients(endpoints, current, request.skpd)
    refuse_violations(current, "nothing was measured")
    if endpoints is None:
        return _verify_lab(request, current, prefix)
    return _verify_endpoints(settings, request, current, endpoints)


# =============================================================================================
# apply
# =============================================================================================


@dataclass(frozen=True)
class ApplyRequest:
    commit: bool = False  # push; without it Nornir runs dry and only the diff is shown
    devices: tuple[str, ...] = ()  # only these core routers (default: every one)
    uplink: str | None = None  # the interface to shape on every router (default: NetBox's, per router)
    downlink: str | None = None  # IOS: the LAN-facing interface of the download policy


@dataclass(frozen=True)
class RouterApply:
    """One core router: its NetBox platform and what the run did there."""

    platform: str
    outcome: DeviceOutcome

    @property
    def failed(self) -> bool:
        return not self.outcome.ok

    @property
    def commands(self) -> list[str]:
        result = self.outcome.result
        return [str(c) for c in result] if isinstance(result, list) else []

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "platform": self.platform,
            "changed": self.outcome.changed,
            "failed": self.failed,
            "diff": self.outcome.diff,
            "commands": self.commands,
        }
        if self.failed:
            out["error"] = self.outcome.reason
        return out


@dataclass(frozen=True)
class ApplyResult:
    committed: bool
    routers: Mapping[str, RouterApply]  # by device name, sorted

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.routers.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "committed": self.committed,
            "ok": self.ok,
            "devices": {name: r.as_json() for name, r in self.routers.items()},
        }

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def _supported() -> str:
    return ", ".join(slug for slug, spec in PLATFORMS.items() if spec.bandwidth_target)


def configs_for(
    hosts: Mapping[str, Any], source: Source, request: ApplyRequest
) -> tuple[dict[str, BandwidthConfig], dict[str, str]]:
    """Render the plan for each core router by its platform's target.

    Returns (config per router, reason per router that cannot be pushed to: no renderer for its
    platform, no uplink known).
    """
    from nornir_tasks.bandwidth import BandwidthConfig

    configs: dict[str, BandwidthConfig] = {}
    refused: dict[str, str] = {}
    for name, host in sorted(hosts.items()):
        slug = str(host.data.get("netbox_platform") or "")
        spec = PLATFORMS.get(slug)
        if host.data.get("refused") or spec is None:
            continue  # the runner reports it (not simulated in the lab, unsupported platform)
        uplink = request.uplink or _netbox_uplink(source.sot, name)
        if spec.bandwidth_target is None:
            refused[name] = (
                f"platform {slug}: apply supports {_supported()}; "
                "render with `simpul bandwidth render` and push by hand"
            )
        elif uplink is None:
            refused[name] = "no uplink: cable the internet circuit to the core or pass --uplink"
        else:
            text = render_bandwidth(
                source.plan, spec.bandwidth_target, uplink=uplink, downlink=request.downlink
            )
            configs[name] = BandwidthConfig(target=spec.bandwidth_target, config=text, uplink=uplink)
    return configs, refused


def apply(settings: Settings, request: ApplyRequest) -> ApplyResult:
    """Push the plan to the core routers: one concurrent Nornir run, dry unless ``commit``.

    A plan that fails the check is refused before any device is touched. Each router gets the plan
    rendered for its platform's target; each task diffs first and pushes only when the run is not
    dry and something differs. One router failing never stops the others: its reason is reported.
    """
    from nornir_tasks.bandwidth import bandwidth_apply
    from simpul.devices.runner import build_nornir, run_on_devices
    from simpul.inventory import Filters
    from simpul.netbox.bandwidth import CORE_ROLE

    source = load_source(settings, None)
    refuse_violations(source.plan, "nothing was pushed")
    nornir = build_nornir(
        settings, Filters(role=(CORE_ROLE,), device=request.devices), dry_run=not request.commit
    )
    hosts = nornir.inventory.hosts
    if not hosts:
        raise InputError("no core router matched", field="--device", hint=f"devices with role {CORE_ROLE}")
    configs, refused = configs_for(hosts, source, request)
    for name, reason in refused.items():
        hosts[name].data["refused"] = reason  # reported by the runner, never connected to
    outcomes = run_on_devices(nornir, bandwidth_apply, secrets=settings.secrets(), configs=configs)
    routers = {
        name: RouterApply(platform=str(hosts[name].data.get("netbox_platform")), outcome=outcome)
        for name, outcome in sorted(outcomes.items())
    }
    return ApplyResult(committed=request.commit, routers=routers)


# =============================================================================================
# What Ansible needs of a core router (the same functions the Nornir tasks use)
# =============================================================================================


def target_of(platform_slug: str | None) -> str:
    """The render target of a NetBox platform (``PlatformSpec.bandwidth_target``).

    >>> target_of("mikrotik_routeros"), target_of("cisco_ios")
    ('routeros', 'ios')
    >>> target_of("arista_eos")
    Traceback (most recent call last):
    ...
    simpul.errors.BandwidthError: platform arista_eos has no bandwidth renderer
    """
    spec = platform(platform_slug)  # UnsupportedPlatform (exit 2) for a slug simpul does not know
    if spec.bandwidth_target is None:
        raise BandwidthError(
            f"platform {spec.slug} has no bandwidth renderer",
            hint=f"supported: {_supported()}",
        )
    return spec.bandwidth_target


def read_commands(target: str) -> tuple[str, ...]:
    """The commands that read what a plan for ``target`` writes (what the remediation compares).

    >>> read_commands("ios")
    ('show running-config',)
    """
    return _remediation(target)[0]


def remediation(target: str, running: str, rendered: str) -> ConfigDiff:
    """What to send so a device of ``target`` runs ``rendered`` (the Nornir tasks' own diff)."""
    return _remediation(target)[1](running, rendered)


def _remediation(target: str) -> tuple[tuple[str, ...], Callable[[str, str], ConfigDiff]]:
    if target == "ios":
        return ("show running-config",), ios_remediation
    if target == "routeros":
        return ROS_READ_COMMANDS, routeros_remediation
    raise BandwidthError(
        f"target {target!r} is not pushed by commands",
        hint="ios and routeros are; linux is a script (role simpul_bandwidth_linux)",
    )
