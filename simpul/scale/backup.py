"""The coordinator of ``simpul backup configs --queue``: shard, wait, re-queue, commit once.

The engine (sharding, streaming, re-queueing) is :mod:`simpul.scale.coordinator`'s; this module says
what a backup job carries and how its results are committed.

1. Before anything is written: the scrub rules parse, Redis answers, at least one ``simpul worker``
   is alive on the queue (none: :class:`~simpul.errors.QueueError`, exit 2; we fail rather
   than fall back to a local run, so a nightly never silently runs on one machine while the
   worker fleet is down; run without ``--queue`` for a local run).
2. The devices (NetBox, filtered) are cut into batches (:mod:`simpul.core.sharding`), one RQ job
   each (:func:`simpul.scale.jobs.backup_batch`).
3. Results stream back per device. A job whose worker stopped beating (killed, machine gone) is
   re-queued with the devices it had not finished, up to ``attempts`` times; a job that failed
   (a bug, or its time limit) fails its unfinished devices with a reason. If no worker is alive
   for ``orphan_grace`` seconds, the devices still waiting fail ("no worker ...").
4. Only the coordinator writes the git store: one commit, as a local run (first result per device
   wins, so a re-run batch can never write a device twice).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simpul.inventory import InventoryHost, load_hosts
from simpul.scale.coordinator import QueueOptions, Shipment, dispatch, require_workers
from simpul.scale.jobs import host_payload
from simpul.scale.queue import connect, queue_url, redis_down
from simpul.services.backup import (
    RULES_FILE,
    BackupRequest,
    BackupResult,
    Fetched,
    commit_backups,
    load_rules,
    repo_path,
)
from simpul.settings import Settings
from simpul.store.git_store import GitStore
from simpul.store.layout import backup_path

log = logging.getLogger(__name__)

JOB_FUNCTION = "simpul.scale.jobs.backup_batch"


def _shipment(hosts: dict[str, InventoryHost], rules: dict[str, str], options: QueueOptions) -> Shipment:
    def args(run: str, names: Sequence[str]) -> tuple[Any, ...]:
        job_options = {"read_timeout": options.read_timeout}
        return (run, [host_payload(hosts[n]) for n in names], rules, job_options)

    def failed(name: str, reason: str) -> Fetched:
        host = hosts[name]
        return Fetched(name=name, path=backup_path(name, host.skpd, host.site), reason=reason)

    def decode(record: dict[str, Any]) -> tuple[str, Fetched]:
        return str(record["name"]), Fetched(**record)

    return Shipment(kind="backup", function=JOB_FUNCTION, args=args, decode=decode, failed=failed)


def gather(
    conn: Any, hosts: Sequence[InventoryHost], rules: dict[str, str], options: QueueOptions, url: str = ""
) -> tuple[list[Fetched], int]:
    """Run ``hosts`` on the workers; every device's Fetched, and how many batches were re-queued."""
    by_name = {h.name: h for h in hosts}
    done, requeued = dispatch(conn, list(by_name), _shipment(by_name, rules, options), options, url)
    return [done[name] for name in sorted(done)], requeued


def run_on_workers(
    conn: Any,
    hosts: Sequence[InventoryHost],
    store: GitStore,
    rules_text: dict[str, str],
    options: QueueOptions,
    *,
    url: str = "",
    now: dt.datetime | None = None,
) -> BackupResult:
    """Back up ``hosts`` through the workers into ``store`` (one commit). ``rules_text`` is the scrub
    rules file's ``text`` and ``source``: parse it first (:func:`load_rules`) to fail early."""
    import redis

    with store.locked():
        try:
            fetched, requeued = gather(conn, hosts, rules_text, options, url)
        except redis.exceptions.RedisError as exc:
            raise redis_down(exc, url, "; nothing was committed") from None
        if requeued:
            log.warning("%d batches ran again after their worker died", requeued)
        return commit_backups(store, fetched, now or dt.datetime.now(dt.UTC).astimezone())


def backup_configs_on_workers(
    settings: Settings, request: BackupRequest, options: QueueOptions | None = None
) -> BackupResult:
    """``simpul backup configs --queue``: bad rules, no Redis or no worker fail (exit 2) before the
    repository, NetBox or any device is touched."""
    options = options or QueueOptions()
    load_rules(settings, request.rules)  # a bad rules file fails here (exit 2), not on every worker
    path = Path(request.rules) if request.rules else Path(settings.project_dir) / RULES_FILE
    rules_text = {"text": path.read_text(), "source": str(path)}
    url = queue_url(settings, options.url)
    conn = connect(url)
    require_workers(conn, options, url)
    store = GitStore(repo_path(settings, request.repo))
    hosts = load_hosts(settings, request.filters)
    return run_on_workers(conn, hosts, store, rules_text, options, url=url)
