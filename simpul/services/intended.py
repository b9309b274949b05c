"""Intended configs and compliance (issue 11, items 1-3): render, check, history.

- ``render``: the intended config of each device, from NetBox + the Jinja2 tree
  ``simpul/templates/intended/<platform>.j2`` (a template error is an InputError, exit 2).
- ``check``: per device, per feature, running vs intended. The running config comes from the
  config-backup git repo (no device touched) or, with ``live``, from the devices through the
  backup task, scrubbed exactly like a backup. Every check is recorded in the history store.
- ``history``: since when each device/feature holds its state, and its changes.

Files (rules, waivers, templates) are all read and validated before NetBox or a device is asked.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simpul.core.compliance import (
    ComplianceRules,
    DeviceCompliance,
    DeviceScope,
    Waiver,
    load_rules,
    load_waivers,
    summarise,
)
from simpul.core.compliance import (
    check as check_device,
)
from simpul.core.intended import IntendedDevice, render_device, template_name
from simpul.errors import InputError
from simpul.inventory import Filters
from simpul.store.history import HistoryStore, Row

if TYPE_CHECKING:
    from simpul.settings import Settings

log = logging.getLogger(__name__)

RULES_FILE = Path("compliance/rules.yaml")
WAIVERS_FILE = Path("compliance/waivers.yaml")
TEMPLATE_PACKAGE = "simpul.templates.intended"
HISTORY_FILE = "history.sqlite"
CHECK_PREFIX = "intended:"
NO_BACKUP = "no_backup: no running config in the backup repo (run `simpul backup configs`)"


# --------------------------------------------------------------------------- inputs


def load_templates(directory: Path | None = None) -> tuple[dict[str, str], str]:
    """Template sources by file name, and the directory they came from (for error messages)."""
    if directory is not None:
        if not Path(directory).is_dir():
            raise InputError("not a template directory", source=str(directory), field="--templates")
        return {p.name: p.read_text() for p in sorted(Path(directory).glob("*.j2"))}, str(directory)
    root = resources.files(TEMPLATE_PACKAGE)
    found = {e.name: e.read_text() for e in root.iterdir() if e.name.endswith(".j2")}
    return found, "simpul/templates/intended"


def _read(path: Path, what: str, option: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror}", source=str(path), field=option) from None


def read_rules(settings: Settings, path: Path | None = None) -> ComplianceRules:
    path = path or Path(settings.project_dir) / RULES_FILE
    return load_rules(_read(path, "compliance rules", "--rules"), str(path))


def read_waivers(settings: Settings, rules: ComplianceRules, path: Path | None = None) -> tuple[Waiver, ...]:
    default = Path(settings.project_dir) / WAIVERS_FILE
    path = path or default
    if path == default and not path.exists():
        return ()
    return load_waivers(_read(path, "waivers", "--waivers"), str(path), rules)


def history_store(settings: Settings) -> HistoryStore:
    return HistoryStore(Path(settings.state_dir) / HISTORY_FILE)


def _contexts(settings: Settings, filters: Filters) -> list[tuple[IntendedDevice, DeviceScope]]:
    from simpul.netbox.client import connect
    from simpul.netbox.intended import load_intended

    return load_intended(connect(settings), filters)


# --------------------------------------------------------------------------- render


@dataclass(frozen=True)
class RenderRequest:
    filters: Filters = field(default_factory=Filters)
    templates: Path | None = None  # a template directory other than the shipped one


@dataclass(frozen=True)
class RenderResult:
    configs: dict[str, str]  # device -> intended config text
    errors: dict[str, str] = field(default_factory=dict)  # device -> why it could not be rendered
    platforms: dict[str, str] = field(default_factory=dict)  # device -> platform slug
    # devices simpul has no template for (servers, other platforms): not managed, not an error
    skipped: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "devices": {
                name: {"platform": self.platforms.get(name), "config": text, "error": None}
                for name, text in sorted(self.configs.items())
            }
            | {
                name: {"platform": self.platforms.get(name), "config": None, "error": reason}
                for name, reason in sorted(self.errors.items())
            },
            "skipped": dict(sorted(self.skipped.items())),
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def render_all(
    devices: list[IntendedDevice], templates: Mapping[str, str], source_dir: str
) -> tuple[dict[str, str], dict[str, str]]:
    """(configs, skipped): a device whose platform has no template is skipped with the reason; a
    template that is broken (syntax, undefined variable) stops everything: it is bad input."""
    configs: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for device in devices:
        if template_name(device.platform) not in templates:
            skipped[device.name] = f"no intended-config template for platform {device.platform!r}"
            continue
        configs[device.name] = render_device(device, templates, source_dir)
    return configs, skipped


def render(settings: Settings, request: RenderRequest) -> RenderResult:
    """The intended config of every (filtered) device NetBox lists."""
    templates, source_dir = load_templates(request.templates)
    contexts = _contexts(settings, request.filters)
    configs, skipped = render_all([c for c, _ in contexts], templates, source_dir)
    return RenderResult(configs=configs, skipped=skipped, platforms={c.name: c.platform for c, _ in contexts})


# --------------------------------------------------------------------------- check


@dataclass(frozen=True)
class CheckRequest:
    filters: Filters = field(default_factory=Filters)
    live: bool = False
    repo: Path | None = None  # the config-backup repo (default: setting backup_repo)
    rules: Path | None = None
    waivers: Path | None = None
    templates: Path | None = None
    today: dt.date | None = None
    record: bool = True


@dataclass(frozen=True)
class CheckResult:
    devices: dict[str, DeviceCompliance]
    failed: dict[str, str] = field(default_factory=dict)  # device -> reason (no backup, unreachable ...)
    source: str = "backup"  # or "live"
    repo: str | None = None  # the backup repo read (source "backup")

    def as_json(self) -> dict[str, Any]:
        summary = summarise(self.devices)
        summary["failed_devices"] = len(self.failed)
        summary["source"] = self.source
        summary["repo"] = self.repo
        return {
            "devices": {name: r.as_json() for name, r in sorted(self.devices.items())},
            "failed": dict(sorted(self.failed.items())),
            "summary": summary,
        }

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or any(not r.compliant for r in self.devices.values()) else 0


def _running_from_backup(
    settings: Settings, repo: Path | None, names: list[str]
) -> tuple[dict[str, str], str]:
    from simpul.services.backup import open_backup_repo
    from simpul.store.layout import device_file

    store = open_backup_repo(settings, repo)
    if store.head() is None:
        return {}, str(store.root)
    paths = store.device_paths()  # one tree listing, then one read per device
    out: dict[str, str] = {}
    for name in names:
        found = paths.get(device_file(name))
        text = store.read(found[0]) if found else None
        if text is not None:
            out[name] = text
    return out, str(store.root)


def _running_live(
    settings: Settings, filters: Filters, names: Iterable[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Fetch the running configs of ``names`` through the backup task, scrubbed exactly like a backup.

    Only devices that have an intended config are contacted (a server without a template is not)."""
    from nornir_tasks.backup import backup_config
    from simpul.devices.platforms import platform_of
    from simpul.devices.runner import build_nornir, run_on_devices
    from simpul.services.backup import load_rules as load_scrub_rules
    from simpul.services.backup import process_config

    scrub_rules = load_scrub_rules(settings)
    secrets = settings.secrets()
    wanted = set(names)
    nornir = build_nornir(settings, filters).filter(filter_func=lambda host: host.name in wanted)
    outcomes = run_on_devices(nornir, backup_config, secrets=secrets, name="backup_config")
    texts: dict[str, str] = {}
    failed: dict[str, str] = {}
    for name, outcome in outcomes.items():
        if not outcome.ok:
            failed[name] = outcome.reason or "error: failed"
            continue
        host = nornir.inventory.hosts[name]
        text, reason = process_config(name, platform_of(host), str(outcome.result), scrub_rules, secrets)
        if text is None:
            failed[name] = reason or "error: failed"
        else:
            texts[name] = text
    return texts, failed


def compare_all(
    contexts: list[tuple[IntendedDevice, DeviceScope]],
    intended: Mapping[str, str],
    running: Mapping[str, str],
    rules: ComplianceRules,
    waivers: tuple[Waiver, ...],
    today: dt.date,
) -> tuple[dict[str, DeviceCompliance], dict[str, str]]:
    """Check every device that has both an intended and a running config."""
    results: dict[str, DeviceCompliance] = {}
    missing: dict[str, str] = {}
    for ctx, scope in contexts:
        if ctx.name not in intended:
            continue
        if ctx.name not in running:
            missing[ctx.name] = NO_BACKUP
            continue
        results[ctx.name] = check_device(running[ctx.name], intended[ctx.name], rules, scope, waivers, today)
    return results, missing


def history_rows(results: Mapping[str, DeviceCompliance], failed: Mapping[str, str]) -> list[Row]:
    """One row per device and feature (``intended:<feature>``) and one per device (``intended``)."""
    rows: list[Row] = []
    for name, result in results.items():
        for feature, fc in result.features.items():
            state = "compliant" if fc.compliant else ("waived" if fc.waived_until else "non_compliant")
            rows.append(Row(name, CHECK_PREFIX + feature, state, fc.as_json()))
        rows.append(Row(name, "intended", "compliant" if result.compliant else "non_compliant"))
    rows += [Row(name, "intended", "failed", {"reason": reason}) for name, reason in failed.items()]
    return rows


def check(settings: Settings, request: CheckRequest) -> CheckResult:
    """Compliance of every (filtered) device, feature by feature; recorded in the history."""
    rules = read_rules(settings, request.rules)
    waivers = read_waivers(settings, rules, request.waivers)
    templates, source_dir = load_templates(request.templates)
    contexts = _contexts(settings, request.filters)
    intended, _skipped = render_all([c for c, _ in contexts], templates, source_dir)
    repo = None
    if request.live:
        running, failed = _running_live(settings, request.filters, intended)
    else:
        running, repo = _running_from_backup(settings, request.repo, list(intended))
        failed = {}
    results, no_backup = compare_all(
        contexts, intended, running, rules, waivers, request.today or dt.date.today()
    )
    failed = {**no_backup, **failed}
    failed = {k: v for k, v in failed.items() if k not in results}
    if request.record:
        history_store(settings).record(
            history_rows(results, failed),
            dt.datetime.now(dt.UTC),
            kind="intended-check",
            who=getpass.getuser(),
            detail={"source": "live" if request.live else "backup"},
        )
    return CheckResult(devices=results, failed=failed, source="live" if request.live else "backup", repo=repo)


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryRequest:
    device: str | None = None
    feature: str | None = None


@dataclass(frozen=True)
class FeatureHistory:
    state: str
    since: dt.datetime
    changes: tuple[tuple[dt.datetime, str], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "since": self.since.isoformat(),
            "changes": [{"time": t.isoformat(), "state": s} for t, s in self.changes],
        }


@dataclass(frozen=True)
class HistoryResult:
    devices: dict[str, dict[str, FeatureHistory]]  # device -> feature -> history

    def as_json(self) -> dict[str, Any]:
        return {
            "devices": {
                name: {"features": {f: h.as_json() for f, h in sorted(feats.items())}}
                for name, feats in sorted(self.devices.items())
            }
        }

    @property
    def exit_code(self) -> int:
        return 0


def history(settings: Settings, request: HistoryRequest) -> HistoryResult:
    """Per device and feature: the current state, since when, and every change."""
    store = history_store(settings)
    check_name = CHECK_PREFIX + request.feature if request.feature else None
    entries = store.entries(
        request.device, check=check_name, check_prefix=None if check_name else CHECK_PREFIX
    )
    grouped: dict[str, dict[str, list[tuple[dt.datetime, str]]]] = {}
    for e in entries:
        seq = grouped.setdefault(e.subject, {}).setdefault(e.check.removeprefix(CHECK_PREFIX), [])
        if not seq or seq[-1][1] != e.state:
            seq.append((e.time, e.state))
    return HistoryResult(
        devices={
            name: {
                feat: FeatureHistory(state=seq[-1][1], since=seq[-1][0], changes=tuple(seq))
                for feat, seq in feats.items()
            }
            for name, feats in grouped.items()
        }
    )
