"""Which device tasks can run on ``simpul worker``s, and their wire forms.

A Nornir task's arguments and result are Python objects; a job is JSON (never a pickle: whoever
can write to the Redis must not be able to make a worker run code). Each :class:`RemoteTask`
says how one task's per-device arguments and its result cross the queue. A task not listed here
runs on the coordinator's machine, as without ``--queue``.

What may cross: device names and addresses, the rendered configs and scripts a device is asked to
run (as a local run prints them), parsed state, and configs only **after** the worker has scrubbed
them. Never credentials: a worker reads them from its own environment.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from simpul.core.scrub import ScrubRules, load_scrub_rules
from simpul.devices.platforms import scrub_families
from simpul.settings import Settings


def _no_context(_settings: Settings, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _as_is(_host: Any, result: Any, _context: Mapping[str, Any], _secrets: list[str]) -> Any:
    return result


def _same(value: Any) -> Any:
    return value


def _no_args(_name: str, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _nothing(_name: str, _context: Mapping[str, Any], _wire: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _device_error(error: Mapping[str, Any], device: str) -> Any:
    from simpul.errors import DeviceError

    return DeviceError(error["category"], error["message"], device=device, hint=error.get("hint"))


@dataclass(frozen=True)
class RemoteTask:
    """How one Nornir task crosses the queue.

    - ``context(settings, kwargs)``: what every device of a run shares (coordinator side), e.g. the
      scrub rules' text;
    - ``encode_args(device, kwargs)`` / ``decode_args(device, context, wire)``: the device's own
      slice of the task's keyword arguments;
    - ``on_worker(host, result, context, secrets)``: the result as it may leave the worker (JSON),
      or raise to fail the device there; ``decode_result`` reads it back on the coordinator;
    - ``decode_error(error, device)``: a failure back as the DeviceError (subclass) the task raised.
    """

    ref: str  # "module:function" of the Nornir task
    context: Callable[[Settings, Mapping[str, Any]], dict[str, Any]] = _no_context
    encode_args: Callable[[str, Mapping[str, Any]], dict[str, Any]] = _no_args
    decode_args: Callable[[str, Mapping[str, Any], Mapping[str, Any]], dict[str, Any]] = _nothing
    on_worker: Callable[[Any, Any, Mapping[str, Any], list[str]], Any] = _as_is
    decode_result: Callable[[Any], Any] = _same
    decode_error: Callable[[Mapping[str, Any], str], Any] = _device_error

    @property
    def kind(self) -> str:
        return self.ref.rsplit(":", 1)[1]

    def function(self) -> Callable[..., Any]:
        module, name = self.ref.split(":")
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def task_ref(task: Callable[..., Any]) -> str:
    """``module:function`` of a task (the key of :data:`REMOTE_TASKS`).

    >>> from nornir_tasks.collect import collect_state
    >>> task_ref(collect_state)
    'nornir_tasks.collect:collect_state'
    """
    return f"{task.__module__}:{task.__qualname__}"


@functools.lru_cache(maxsize=8)
def scrub_rules(text: str, source: str) -> ScrubRules:
    """The coordinator's scrub rules (shipped as text), parsed once per worker process."""
    return load_scrub_rules(text, source, scrub_families())


# -- config backup as a step of another capability (live compliance): scrubbed on the worker -------


def _scrub_context(settings: Settings, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    from pathlib import Path

    from simpul.services.backup import RULES_FILE, load_rules

    load_rules(settings)  # a bad rules file fails here, once, not on every worker
    path = Path(settings.project_dir) / RULES_FILE
    return {"text": path.read_text(), "source": str(path)}


def _scrub_on_worker(host: Any, raw: Any, context: Mapping[str, Any], secrets: list[str]) -> str:
    """The running config leaves the worker only checked and scrubbed (as a backup would store it)."""
    from simpul.devices.platforms import platform_of
    from simpul.errors import DeviceError
    from simpul.services.backup import process_config

    rules = scrub_rules(str(context["text"]), str(context["source"]))
    text, reason = process_config(host.name, platform_of(host), str(raw), rules, secrets)
    if text is None:
        category, _, message = (reason or "error: failed").partition(": ")
        raise DeviceError(category, message, device=host.name)
    return text


# -- bandwidth apply: each core router's rendered config -------------------------------------------


def _bandwidth_args(name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"config": dataclasses.asdict(kwargs["configs"][name])}


def _bandwidth_kwargs(name: str, _context: Mapping[str, Any], wire: Mapping[str, Any]) -> dict[str, Any]:
    from nornir_tasks.bandwidth import BandwidthConfig

    return {"configs": {name: BandwidthConfig(**wire["config"])}}


# -- intended push: the plan (intended config, what simpul owns, how to judge the result) -----------


def _push_args(name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    from simpul.services.intended_push import ComplianceJudge

    plan = kwargs["plans"][name]
    judge = plan.judge
    if not isinstance(judge, ComplianceJudge):
        raise TypeError(f"{name}: a push plan's judge must be a ComplianceJudge to cross the queue")
    return {
        "intended": plan.intended,
        "remediation": plan.rules.model_dump(mode="json"),
        "rules": judge.rules.model_dump(mode="json"),
        "scope": judge.scope.model_dump(mode="json"),
        "waivers": [w.model_dump(mode="json") for w in judge.waivers],
        "today": judge.today.isoformat(),
        "feature": judge.feature,
        "commit_confirm": kwargs.get("commit_confirm"),
    }


def _push_kwargs(name: str, _context: Mapping[str, Any], wire: Mapping[str, Any]) -> dict[str, Any]:
    import datetime as dt

    from nornir_tasks.intended import PushPlan
    from simpul.core.compliance import ComplianceRules, DeviceScope, Waiver
    from simpul.core.remediation import RemediationRules
    from simpul.services.intended_push import ComplianceJudge

    judge = ComplianceJudge(
        intended=wire["intended"],
        rules=ComplianceRules.model_validate(wire["rules"]),
        scope=DeviceScope.model_validate(wire["scope"]),
        waivers=tuple(Waiver.model_validate(w) for w in wire["waivers"]),
        today=dt.date.fromisoformat(wire["today"]),
        feature=wire["feature"],
    )
    plan = PushPlan(wire["intended"], RemediationRules.model_validate(wire["remediation"]), judge)
    return {"plans": {name: plan}, "commit_confirm": wire["commit_confirm"]}


def _push_report(report: Any) -> Any:
    from nornir_tasks.intended import PushReport

    if report is None:
        return None
    data = dict(report)
    data["commands"] = tuple(data.get("commands") or ())
    return PushReport(**data)


def _push_failure(error: Mapping[str, Any], device: str) -> Any:
    """A failed push keeps what it sent and whether the device runs its pre-push config again."""
    from nornir_tasks.intended import ROLLED_BACK, PushFailed
    from simpul.errors import DeviceError

    extra = error.get("extra") or {}
    if "rolled_back" not in extra:
        return DeviceError(error["category"], error["message"], device=device, hint=error.get("hint"))
    return PushFailed(
        error["category"],
        error["message"],
        device=device,
        rolled_back=bool(extra["rolled_back"]) or error.get("hint") == ROLLED_BACK,
        commands=tuple(extra.get("commands") or ()),
    )


def _plain(result: Any) -> Any:
    return (
        dataclasses.asdict(result)
        if dataclasses.is_dataclass(result) and not isinstance(result, type)
        else result
    )


REMOTE_TASKS: dict[str, RemoteTask] = {
    task.ref: task
    for task in (
        # LAN collect, internet continuity: parsed state (TypedDicts of str/int/bool/lists) as is
        RemoteTask("nornir_tasks.collect:collect_state"),
        RemoteTask("nornir_tasks.backup:backup_config", context=_scrub_context, on_worker=_scrub_on_worker),
        RemoteTask(
            "nornir_tasks.bandwidth:bandwidth_apply",
            encode_args=_bandwidth_args,
            decode_args=_bandwidth_kwargs,
        ),
        RemoteTask(
            "nornir_tasks.intended:intended_push",
            encode_args=_push_args,
            decode_args=_push_kwargs,
            on_worker=lambda _host, report, _context, _secrets: _plain(report),
            decode_result=_push_report,
            decode_error=_push_failure,
        ),
    )
}
