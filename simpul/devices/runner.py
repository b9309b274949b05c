"""The Nornir runner: a Nornir over inventory hosts, and one way to run a task on every device.

``build_nornir`` takes connection options from the one platform table and credentials from the
settings (never from inventory files). ``run_on_devices`` runs a task concurrently on every host and
returns one :class:`~simpul.devices.outcomes.DeviceOutcome` per host; hosts refused before any
connection (not simulated in the lab, a platform simpul does not drive) are reported, never tried.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from simpul.devices.outcomes import DeviceOutcome, outcomes_from
from simpul.devices.platforms import PLATFORMS
from simpul.errors import DeviceError
from simpul.inventory import Filters, InventoryHost, load_hosts
from simpul.settings import Settings

log = logging.getLogger(__name__)


class DeviceProgress(Protocol):
    """Told how device work goes (a progress bar on a terminal): called from Nornir's worker threads."""

    def start(self, what: str, total: int) -> None: ...

    def advance(self, device: str, ok: bool) -> None: ...

    def stop(self) -> None: ...


_PROGRESS: ContextVar[DeviceProgress | None] = ContextVar("simpul_device_progress", default=None)


class DeviceExecutor(Protocol):
    """Runs a Nornir task on hosts somewhere else (``simpul worker``s on a queue: simpul.scale).

    ``run`` gets the hosts that may be contacted and returns one outcome per host, exactly as a
    local run would; ``accepts`` says whether ``task`` can travel (its arguments and result have a
    wire form), else it runs here.
    """

    def accepts(self, task: Callable[..., Any]) -> bool: ...

    def run(
        self,
        nornir: Any,
        task: Callable[..., Any],
        *,
        name: str,
        secrets: list[str],
        progress: DeviceProgress | None,
        kwargs: dict[str, Any],
    ) -> dict[str, DeviceOutcome]: ...


_EXECUTOR: ContextVar[DeviceExecutor | None] = ContextVar("simpul_device_executor", default=None)


@contextmanager
def device_executor(executor: DeviceExecutor | None) -> Iterator[None]:
    """Every :func:`run_on_devices` inside the block hands its hosts to ``executor`` (None: runs here).

    The CLI chooses where device work runs (``--queue``); services and tasks stay unchanged.
    """
    token = _EXECUTOR.set(executor)
    try:
        yield
    finally:
        _EXECUTOR.reset(token)


@contextmanager
def device_progress(hook: DeviceProgress | None) -> Iterator[None]:
    """Every :func:`run_on_devices` inside the block reports to ``hook`` (None: to nobody).

    The caller (the CLI) owns the display; services and tasks stay silent and unchanged.
    """
    token = _PROGRESS.set(hook)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def _tracked(task: Callable[..., Any], hook: DeviceProgress) -> Callable[..., Any]:
    @functools.wraps(task)
    def tracked(nornir_task: Any, **kwargs: Any) -> Any:
        ok = False
        try:
            result = task(nornir_task, **kwargs)
            ok = True
            return result
        finally:
            hook.advance(nornir_task.host.name, ok)

    return tracked


def nornir_host_data(host: InventoryHost) -> dict[str, Any]:
    data: dict[str, Any] = {
        "skpd": host.skpd,
        "role": host.role,
        "site": host.site,
        "netbox_platform": host.platform,
        "model": host.model,
        "tags": list(host.tags),
    }
    if host.refused:
        data["refused"] = host.refused
    elif (host.platform or "") not in PLATFORMS:
        data["refused"] = f"platform {host.platform or '(none)'!r} is not supported"
    return data


def _connection_options(settings: Settings, host: InventoryHost) -> dict[str, Any]:
    from nornir.core.inventory import ConnectionOptions

    spec = PLATFORMS.get(host.platform or "")
    if spec is None:
        return {}
    secret = settings.device_enable_secret or settings.device_password
    timeout = settings.device_timeout
    options = {
        "netmiko": ConnectionOptions(
            platform=spec.netmiko,
            extras={
                "secret": secret,
                "timeout": timeout,
                "conn_timeout": timeout,
                "banner_timeout": timeout,
                "auth_timeout": timeout,
                # netmiko's delays at a tenth (it still waits for prompts by pattern): half the
                # wall time of a session and ~15 % less client CPU (benches/backup_cpu.py)
                "fast_cli": True,
            },
        )
    }
    if spec.napalm:
        options["napalm"] = ConnectionOptions(
            platform=spec.napalm,
            # per host: nornir-napalm shares one optional_args dict across a group
            extras={"optional_args": {"port": host.port, "secret": secret}, "timeout": int(timeout)},
        )
    return options


def build_nornir(
    settings: Settings,
    filters: Filters | None = None,
    hosts: list[InventoryHost] | None = None,
    workers: int | None = None,
    dry_run: bool = False,
) -> Any:
    """A ``Nornir`` over the hosts (default: NetBox's, filtered), credentials from settings.

    ``dry_run`` is Nornir's own global dry-run: tasks that change devices read it with
    ``task.is_dry_run()``.
    """
    from nornir.core import Nornir
    from nornir.core.inventory import Defaults, Group, Groups, Host, Hosts, Inventory, ParentGroups
    from nornir.core.plugins.connections import ConnectionPluginRegister
    from nornir.core.plugins.runners import RunnersPluginRegister
    from nornir.core.state import GlobalState

    if hosts is None:
        hosts = load_hosts(settings, filters or Filters())
    defaults = Defaults(username=settings.device_username, password=settings.device_password)
    nr_hosts = Hosts()
    nr_groups = Groups()
    for name in sorted({g for h in hosts for g in h.groups}):
        nr_groups[name] = Group(name=name, defaults=defaults)
    for h in hosts:
        spec = PLATFORMS.get(h.platform or "")
        nr_hosts[h.name] = Host(
            name=h.name,
            hostname=h.hostname,
            port=h.port,
            platform=spec.netmiko if spec else h.platform,
            data=nornir_host_data(h),
            groups=ParentGroups([nr_groups[g] for g in h.groups]),
            connection_options=_connection_options(settings, h),
            defaults=defaults,
        )
    RunnersPluginRegister.auto_register()
    ConnectionPluginRegister.auto_register()
    runner = RunnersPluginRegister.get_plugin("threaded")(num_workers=workers or settings.workers)
    return Nornir(
        inventory=Inventory(hosts=nr_hosts, groups=nr_groups, defaults=defaults),
        runner=runner,
        data=GlobalState(dry_run=dry_run),
    )


def refused_hosts(nornir: Any) -> dict[str, DeviceError]:
    """The hosts no connection may be tried to, with the reason."""
    return {
        name: DeviceError("refused", str(host.data["refused"]), device=name)
        for name, host in nornir.inventory.hosts.items()
        if host.data.get("refused")
    }


def run_on_devices(
    nornir: Any,
    task: Callable[..., Any],
    *,
    secrets: Iterable[str] = (),
    name: str | None = None,
    **kwargs: Any,
) -> dict[str, DeviceOutcome]:
    """Run ``task`` concurrently on every host that may be contacted; one outcome per host.

    One device failing never stops the others; refused hosts are reported without a connection.
    Connections are closed at the end. Inside :func:`device_executor` the hosts are handed to the
    executor instead (refused hosts are still refused here, never sent anywhere).
    """
    from nornir.core.plugins.connections import ConnectionPluginRegister

    ConnectionPluginRegister.auto_register()  # a Nornir built without InitNornir has none registered
    refused = refused_hosts(nornir)
    runnable = nornir.filter(filter_func=lambda h: h.name not in refused)
    agg = None
    hook = _PROGRESS.get()
    executor = _EXECUTOR.get()
    if executor is not None and runnable.inventory.hosts and executor.accepts(task):
        secrets = list(secrets)
        outcomes = executor.run(
            runnable, task, name=name or task.__name__, secrets=secrets, progress=hook, kwargs=kwargs
        )
        outcomes.update(outcomes_from(None, [], secrets, refused))
        _log_failures(outcomes)
        return outcomes
    if runnable.inventory.hosts:
        what = name or task.__name__
        run_task = task if hook is None else _tracked(task, hook)
        if hook is not None:
            hook.start(what, len(runnable.inventory.hosts))
        try:
            agg = runnable.run(task=run_task, name=what, on_failed=True, **kwargs)
        finally:
            runnable.close_connections(on_failed=True)
            if hook is not None:
                hook.stop()
    outcomes = outcomes_from(agg, list(runnable.inventory.hosts), secrets, refused)
    _log_failures(outcomes)
    return outcomes


def _log_failures(outcomes: dict[str, DeviceOutcome]) -> None:
    for outcome in outcomes.values():
        if outcome.error is not None:
            log.warning("%s: %s", outcome.device, outcome.reason)
