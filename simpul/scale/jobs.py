"""What a ``simpul worker`` runs: a batch of devices, each device's result pushed as soon as it is done.

- :func:`backup_batch`: fetch, check and scrub configs (``simpul backup configs --queue``);
- :func:`device_batch`: any Nornir task of :data:`simpul.scale.tasks.REMOTE_TASKS` (LAN collect,
  live compliance, bandwidth apply, intended push...), through the same ``run_on_devices`` as a
  local run, so timeouts, refusals and failure reasons are the same.

Each device's :class:`~simpul.services.backup.Fetched` (scrubbed text or the failure reason; the
raw config never leaves the worker) is pushed to the run's results list as soon as that device is
done, so a slow device holds back only itself, and a worker that dies mid-batch loses only the
devices it had not finished. The coordinator alone writes the git store.

The job's arguments are JSON: the devices (name, address, port, platform, site, SKPD, a refusal),
the scrub rules' text (so every worker scrubs by the coordinator's rules) and options. Credentials
and every other setting come from the worker's own environment.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from simpul.inventory import InventoryHost
from simpul.scale.queue import RESULTS_TTL
from simpul.scale.tasks import REMOTE_TASKS, scrub_rules
from simpul.settings import Settings, load_settings

log = logging.getLogger(__name__)

HOST_FIELDS = ("name", "hostname", "port", "platform", "role", "site", "skpd", "refused")


def host_payload(host: InventoryHost) -> dict[str, Any]:
    """What a job says about a device: where it is and what it is, nothing secret.

    >>> host_payload(InventoryHost("rtr-a", "127.0.0.1", 2201, "cisco_ios", "skpd-edge", "disdik", "disdik"))
    {'name': 'rtr-a', 'hostname': '127.0.0.1', 'port': 2201, 'platform': 'cisco_ios', 'role': 'skpd-edge', \
'site': 'disdik', 'skpd': 'disdik', 'refused': None}
    """
    return {key: getattr(host, key) for key in HOST_FIELDS}


def host_from_payload(data: dict[str, Any]) -> InventoryHost:
    fields: dict[str, Any] = {key: data.get(key) for key in HOST_FIELDS}
    return InventoryHost(**fields)


def results_key(run: str) -> str:
    return f"simpul:results:{run}"


@functools.lru_cache(maxsize=1)
def _settings() -> Settings:
    return load_settings()


def backup_batch(
    run: str, hosts: list[dict[str, Any]], rules: dict[str, str], options: dict[str, Any]
) -> int:
    """The RQ job: back up ``hosts`` concurrently, pushing each device's result as it completes.

    Returns how many results were pushed.
    """
    from rq import get_current_job

    from nornir_tasks.backup import backup_config
    from simpul.devices.runner import build_nornir, run_on_devices
    from simpul.services.backup import fetched_of

    job = get_current_job()
    assert job is not None, "backup_batch runs inside an RQ worker"
    conn = job.connection
    settings = _settings()
    rules_ = scrub_rules(rules["text"], rules["source"])
    secrets = settings.secrets()
    inventory = [host_from_payload(h) for h in hosts]
    nornir = build_nornir(settings, hosts=inventory, workers=1)
    if options.get("read_timeout"):
        for host in nornir.inventory.hosts.values():
            host.data["backup_read_timeout"] = float(options["read_timeout"])
    key = results_key(run)

    def one(name: str) -> None:
        single = nornir.filter(filter_func=lambda h: h.name == name)
        outcome = run_on_devices(single, backup_config, secrets=secrets, name="backup_config")[name]
        fetched = fetched_of(single.inventory.hosts[name], outcome, rules_, secrets)
        pipe = conn.pipeline()
        pipe.rpush(key, json.dumps(dataclasses.asdict(fetched)))
        pipe.expire(key, RESULTS_TTL)
        pipe.execute()

    names = [h.name for h in inventory]
    with ThreadPoolExecutor(max_workers=max(1, min(len(names), settings.workers))) as pool:
        list(pool.map(one, names))
    return len(names)


# -- any device task ---------------------------------------------------------------------------------


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue  # an object only this process can use: the worker's task does without it
        out[key] = value
    return out


def nornir_host_payload(host: Any) -> dict[str, Any]:
    """What a job says about a Nornir host: where and what it is, and its (JSON) data. Credentials
    are never in a host's data: build_nornir takes them from settings, on each side."""
    data = dict(host.data)
    return {
        "name": host.name,
        "hostname": host.hostname,
        "port": host.port,
        "platform": data.get("netbox_platform"),
        "role": data.get("role"),
        "site": data.get("site"),
        "skpd": data.get("skpd"),
        "model": data.get("model"),
        "tags": list(data.get("tags") or ()),
        "groups": [g.name for g in host.groups],
        "data": _json_safe(data),
    }


def _inventory_host(payload: dict[str, Any]) -> InventoryHost:
    return InventoryHost(
        name=payload["name"],
        hostname=payload["hostname"],
        port=int(payload["port"]),
        platform=payload["platform"],
        role=payload["role"],
        site=payload["site"],
        skpd=payload["skpd"],
        tags=tuple(payload["tags"]),
        model=payload["model"],
        groups=tuple(payload["groups"]),
    )


def outcome_record(outcome: Any, result: Any) -> dict[str, Any]:
    """A device outcome as JSON (``result`` already in its wire form)."""
    error = outcome.error
    return {
        "name": outcome.device,
        "result": result,
        "changed": outcome.changed,
        "diff": outcome.diff,
        "error": None if error is None else _error_record(error),
    }


def _error_record(error: Any) -> dict[str, Any]:
    record = {"category": error.category, "message": error.message, "hint": error.hint}
    extra = {key: getattr(error, key) for key in ("rolled_back", "commands") if hasattr(error, key)}
    if extra:  # a failed push: whether the device runs its pre-push config again, what was sent
        record["extra"] = {**extra, "commands": list(extra.get("commands", ()))}
    return record


def device_batch(
    run: str,
    task: str,
    hosts: list[dict[str, Any]],
    context: dict[str, Any],
    args: dict[str, dict[str, Any]],
    options: dict[str, Any],
) -> int:
    """The RQ job: run the remote task ``task`` on ``hosts`` concurrently (Nornir's dry-run as the
    coordinator's), pushing each device's outcome as it completes. Returns how many were pushed."""
    from rq import get_current_job

    from simpul.devices.outcomes import DeviceOutcome, censored, classify
    from simpul.devices.runner import build_nornir, run_on_devices

    remote = REMOTE_TASKS[task]  # an unknown task fails the job: its devices fail with a reason
    function = remote.function()
    job = get_current_job()
    assert job is not None, "device_batch runs inside an RQ worker"
    conn = job.connection
    settings = _settings()
    secrets = settings.secrets()
    nornir = build_nornir(
        settings, hosts=[_inventory_host(h) for h in hosts], workers=1, dry_run=bool(options.get("dry_run"))
    )
    for payload in hosts:
        nornir.inventory.hosts[payload["name"]].data.update(payload["data"])
    key = results_key(run)

    def one(name: str) -> None:
        single = nornir.filter(filter_func=lambda h: h.name == name)
        kwargs = remote.decode_args(name, context, args.get(name, {}))
        outcome = run_on_devices(single, function, secrets=secrets, name=options.get("name"), **kwargs)[name]
        result = None
        if outcome.ok:
            try:
                result = remote.on_worker(single.inventory.hosts[name], outcome.result, context, secrets)
            except Exception as exc:  # one device's bad output fails that device alone, as locally
                outcome = DeviceOutcome(device=name, error=censored(classify(exc, name), secrets))
        pipe = conn.pipeline()
        pipe.rpush(key, json.dumps(outcome_record(outcome, result)))
        pipe.expire(key, RESULTS_TTL)
        pipe.execute()

    names = [h["name"] for h in hosts]
    with ThreadPoolExecutor(max_workers=max(1, min(len(names), settings.workers))) as pool:
        list(pool.map(one, names))
    return len(names)
