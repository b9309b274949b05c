"""What a ``simpul worker`` runs: fetch, check and scrub a batch of devices.

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

from simpul.core.scrub import ScrubRules, load_scrub_rules
from simpul.devices.platforms import scrub_families
from simpul.inventory import InventoryHost
from simpul.scale.queue import RESULTS_TTL
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


@functools.lru_cache(maxsize=8)
def _rules(text: str, source: str) -> ScrubRules:
    return load_scrub_rules(text, source, scrub_families())


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
    scrub_rules = _rules(rules["text"], rules["source"])
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
        fetched = fetched_of(single.inventory.hosts[name], outcome, scrub_rules, secrets)
        pipe = conn.pipeline()
        pipe.rpush(key, json.dumps(dataclasses.asdict(fetched)))
        pipe.expire(key, RESULTS_TTL)
        pipe.execute()

    names = [h.name for h in inventory]
    with ThreadPoolExecutor(max_workers=max(1, min(len(names), settings.workers))) as pool:
        list(pool.map(one, names))
    return len(names)
