"""``simpul intended push``: bring devices to their intended config, closed loop (issue 11, item 5).

One use case, :func:`push`: render every (filtered) device's intended config (the same render as
``simpul intended render``), compute its remediation (:mod:`simpul.core.remediation`) and, with
``commit``, push it concurrently, each device on its own: a fresh backup, the push, a re-read,
the compliance check again, and a rollback to the pre-push config when the device is not
compliant afterwards, rejects a line or stops answering (``nornir_tasks/intended.py``). Without
``commit`` Nornir runs dry: the remediation is computed and shown, nothing is sent.

What simpul may change on a device is what the compliance rules select (their feature matchers,
in scope for the device) plus the lines of its intended config; ``feature`` narrows it to one
feature. Every push, dry or not, is recorded in the history store: who (the OS user), when, what
(the commands, censored), and the result per device.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simpul.core.compliance import ComplianceRules, DeviceScope, Waiver, in_scope
from simpul.core.compliance import check as check_device
from simpul.core.remediation import RemediationRules
from simpul.devices.outcomes import DeviceOutcome
from simpul.errors import InputError
from simpul.inventory import Filters
from simpul.services.intended import history_store, load_templates, read_rules, read_waivers, render_all
from simpul.settings import censor
from simpul.store.history import Row

if TYPE_CHECKING:
    from simpul.settings import Settings

HISTORY_CHECK = "intended-push"
RESULTS = ("unchanged", "applied", "rolled_back", "failed")


@dataclass(frozen=True)
class PushRequest:
    filters: Filters = field(default_factory=Filters)
    feature: str | None = None  # only this compliance feature (default: every feature)
    commit: bool = False  # push; without it Nornir runs dry and only the remediation is shown
    commit_confirm: int | None = None  # seconds of napalm's revert timer (platforms with a napalm driver)
    rules: Path | None = None  # compliance rules (default compliance/rules.yaml)
    waivers: Path | None = None
    templates: Path | None = None
    today: dt.date | None = None
    record: bool = True  # write the push into the history store


@dataclass(frozen=True)
class DevicePush:
    """One device: what the push did there."""

    result: str  # unchanged | applied | rolled_back | failed
    changed: bool  # the device differed from its intended config (a dry run: would change)
    compliant_after: bool
    reason: str | None = None
    platform: str | None = None
    commands: tuple[str, ...] = ()  # the remediation (pushed, or what a commit would push)
    diff: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "changed": self.changed,
            "compliant_after": self.compliant_after,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PushResult:
    committed: bool
    devices: Mapping[str, DevicePush]  # by device name, sorted

    def as_json(self) -> dict[str, Any]:
        return {"devices": {name: d.as_json() for name, d in self.devices.items()}}

    @property
    def exit_code(self) -> int:
        """1 when a device failed or was rolled back, or (with commit) is still not compliant."""
        bad = [
            d
            for d in self.devices.values()
            if d.result in ("rolled_back", "failed") or (self.committed and not d.compliant_after)
        ]
        return 1 if bad else 0


# --------------------------------------------------------------------------- what simpul may change


def remediation_rules(
    rules: ComplianceRules, scope: DeviceScope, feature: str | None = None
) -> RemediationRules:
    """The remediation rules of one device from the compliance rules: every line a feature (in scope
    for the device) selects is simpul's; ``feature`` limits the remediation to that feature's lines.

    >>> from simpul.core.compliance import load_rules
    >>> rules = load_rules("platforms: {cisco_ios: indented}\\nfeatures:\\n  - name: ntp\\n"
    ...                    "    match: {cisco_ios: ['^ntp server ']}\\n", "rules.yaml")
    >>> remediation_rules(rules, DeviceScope(name="r", platform="cisco_ios"), "ntp").scope
    ('^ntp server ',)
    """
    features = [f for f in rules.features if scope.platform in f.match and in_scope(f.scope, scope)]
    owned = tuple(rx for f in features for rx in f.match[scope.platform])
    if feature is None:
        return RemediationRules(owned=owned)
    chosen = next((f for f in features if f.name == feature), None)
    return RemediationRules(owned=owned, scope=chosen.match[scope.platform] if chosen else ())


@dataclass(frozen=True)
class ComplianceJudge:
    """The compliance check a push re-runs on the running config it reads back: None when
    compliant (waived findings count as compliant), else which features are not, in short.

    Data, not a closure, so it can travel to a ``simpul worker`` (simpul.scale.tasks)."""

    intended: str = field(repr=False)
    rules: ComplianceRules = field(repr=False)
    scope: DeviceScope
    waivers: tuple[Waiver, ...]
    today: dt.date
    feature: str | None = None

    def __call__(self, running: str) -> str | None:
        result = check_device(running, self.intended, self.rules, self.scope, self.waivers, self.today)
        bad = [
            f"{name}: {len(fc.missing)} missing, {len(fc.extra)} extra"
            for name, fc in sorted(result.features.items())
            if (self.feature is None or name == self.feature) and not fc.compliant and fc.waived_until is None
        ]
        return "; ".join(bad) if bad else None


def judge_for(
    intended: str,
    rules: ComplianceRules,
    scope: DeviceScope,
    waivers: tuple[Waiver, ...],
    today: dt.date,
    feature: str | None = None,
) -> Callable[[str], str | None]:
    """The compliance check a push re-runs (:class:`ComplianceJudge`)."""
    return ComplianceJudge(intended, rules, scope, waivers, today, feature)


def _check_feature(rules: ComplianceRules, feature: str | None) -> None:
    if feature is not None and feature not in {f.name for f in rules.features}:
        raise InputError(
            f"no feature {feature!r} in the compliance rules",
            field="--feature",
            hint="one of: " + ", ".join(f.name for f in rules.features),
        )


# --------------------------------------------------------------------------- results


def device_push(outcome: DeviceOutcome, platform: str | None) -> DevicePush:
    """One device's ``DevicePush`` from its run outcome (a raised ``PushFailed`` says rolled back or not)."""
    from nornir_tasks.intended import ROLLED_BACK, PushReport

    if outcome.error is not None:
        error = outcome.error
        rolled_back = bool(getattr(error, "rolled_back", error.hint == ROLLED_BACK))
        commands = tuple(getattr(error, "commands", ()))
        return DevicePush(
            result="rolled_back" if rolled_back else "failed",
            changed=False,
            compliant_after=False,
            reason=error.reason,
            platform=platform,
            commands=commands,
        )
    report = outcome.result
    if not isinstance(report, PushReport):
        return DevicePush("failed", False, False, "error: no result", platform)
    return DevicePush(
        result=report.result,
        changed=outcome.changed,
        compliant_after=report.compliant_after,
        reason=report.reason,
        platform=platform,
        commands=report.commands,
        diff=outcome.diff,
    )


def _record(settings: Settings, request: PushRequest, devices: Mapping[str, DevicePush]) -> None:
    secrets = settings.secrets()
    rows = [
        Row(
            name,
            HISTORY_CHECK,
            d.result,
            {
                "changed": d.changed,
                "compliant_after": d.compliant_after,
                "reason": d.reason,
                "commands": [censor(c, secrets) for c in d.commands],
                "committed": request.commit,
            },
        )
        for name, d in devices.items()
    ]
    history_store(settings).record(
        rows,
        dt.datetime.now(dt.UTC),
        kind="intended-push" if request.commit else "intended-push-dry-run",
        who=getpass.getuser(),
        detail={"commit": request.commit, "feature": request.feature, "filters": request.filters.params()},
    )


# --------------------------------------------------------------------------- the use case


def _plans(
    settings: Settings, request: PushRequest, hosts: Mapping[str, Any], rules: ComplianceRules
) -> dict[str, Any]:
    """A ``PushPlan`` per host; a host that cannot be pushed to gets ``data["refused"]`` (reported)."""
    from nornir_tasks.intended import PushPlan
    from simpul.devices.platforms import PLATFORMS
    from simpul.netbox.client import connect
    from simpul.netbox.intended import load_intended

    waivers = read_waivers(settings, rules, request.waivers)
    templates, source_dir = load_templates(request.templates)
    contexts = load_intended(connect(settings), request.filters)
    intended, errors = render_all([c for c, _ in contexts], templates, source_dir)
    scopes = {c.name: scope for c, scope in contexts}
    today = request.today or dt.date.today()
    plans: dict[str, Any] = {}
    for name, host in hosts.items():
        spec = PLATFORMS.get(str(host.data.get("netbox_platform") or ""))
        if host.data.get("refused") or spec is None:
            continue  # the runner reports it (not simulated in the lab, unsupported platform)
        if spec.remediation is None:
            host.data["refused"] = f"platform {spec.slug} has no remediation driver"
        elif name not in intended:
            host.data["refused"] = errors.get(name, "no intended config rendered for it")
        else:
            scope = scopes[name]
            plans[name] = PushPlan(
                intended=intended[name],
                rules=remediation_rules(rules, scope, request.feature),
                judge=judge_for(intended[name], rules, scope, waivers, today, request.feature),
            )
    return plans


def push(settings: Settings, request: PushRequest) -> PushResult:
    """Push each device's remediation (dry unless ``commit``), closed loop; one device failing never
    stops the others. Rules, waivers and templates are read and checked before any device is asked."""
    from nornir_tasks.intended import intended_push
    from simpul.devices.runner import build_nornir, run_on_devices

    rules = read_rules(settings, request.rules)
    _check_feature(rules, request.feature)
    nornir = build_nornir(settings, request.filters, dry_run=not request.commit)
    hosts = nornir.inventory.hosts
    if not hosts:
        raise InputError("no device matched the filters", field="filters", hint="see `simpul inventory list`")
    plans = _plans(settings, request, hosts, rules)
    outcomes = run_on_devices(
        nornir,
        intended_push,
        secrets=settings.secrets(),
        plans=plans,
        commit_confirm=request.commit_confirm,
    )
    devices = {
        name: device_push(outcome, str(hosts[name].data.get("netbox_platform") or "") or None)
        for name, outcome in sorted(outcomes.items())
    }
    if request.record:
        _record(settings, request, devices)
    return PushResult(committed=request.commit, devices=devices)
