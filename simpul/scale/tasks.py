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

NO_CONTEXT: Callable[[Settings, Mapping[str, Any]], dict[str, Any]] = lambda _settings, _kwargs: {}  # noqa: E731


def _same(value: Any) -> Any:
    return value


def _no_args(_name: str, _kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def _nothing(_name: str, _context: Mapping[str, Any], _wire: Mapping[str, Any]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class RemoteTask:
    """How one Nornir task crosses the queue.

    - ``context(settings, kwargs)``: what every device of a run shares (coordinator side), e.g. the
      scrub rules' text;
    - ``encode_args(device, kwargs)`` / ``decode_args(device, context, wire)``: the device's own
      slice of the task's keyword arguments;
    - ``on_worker(host, result, context, secrets)``: the result as it may leave the worker (JSON),
      or raise to fail the device there; ``decode_result`` reads it back on the coordinator.
    """

    ref: str  # "module:function" of the Nornir task
    context: Callable[[Settings, Mapping[str, Any]], dict[str, Any]] = NO_CONTEXT
    encode_args: Callable[[str, Mapping[str, Any]], dict[str, Any]] = _no_args
    decode_args: Callable[[str, Mapping[str, Any], Mapping[str, Any]], dict[str, Any]] = _nothing
    on_worker: Callable[[Any, Any, Mapping[str, Any], list[str]], Any] = lambda _h, result, _c, _s: result
    decode_result: Callable[[Any], Any] = _same

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
    )
}
