"""The coordinator of ``simpul backup configs --queue``: shard, wait, re-queue, commit once.

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
import json
import logging
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simpul.core.sharding import batch_size, shard
from simpul.errors import DeviceError, QueueError
from simpul.inventory import InventoryHost, load_hosts
from simpul.scale.jobs import host_payload, results_key
from simpul.scale.queue import QUEUE_NAME, connect, live_workers, queue_url, redis_down, safe_url
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


@dataclass(frozen=True)
class QueueOptions:
    """How the coordinator uses the queue."""

    url: str | None = None  # default: setting queue_url
    queue: str = QUEUE_NAME
    attempts: int = 3  # runs of a batch whose worker died, before its devices fail
    orphan_grace: float = 30.0  # seconds with no live worker before waiting devices fail
    job_timeout: int = 900  # RQ's limit per batch; per-device timeouts bound a device long before
    read_timeout: float | None = None  # per command (default: the worker's)
    poll: float = 0.05
    batch: int = 50  # most devices per job: one worker's concurrency (its threads)


@dataclass
class _Batch:
    names: tuple[str, ...]
    attempt: int


@dataclass
class _Run:
    """What one coordinator run tracks: open jobs, results per device."""

    conn: Any
    options: QueueOptions
    hosts: dict[str, InventoryHost]
    rules: dict[str, str]
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    pending: dict[str, _Batch] = field(default_factory=dict)
    done: dict[str, Fetched] = field(default_factory=dict)
    jobs: list[str] = field(default_factory=list)
    requeued: int = 0

    def queue(self) -> Any:
        from rq import Queue
        from rq.serializers import JSONSerializer

        return Queue(self.options.queue, connection=self.conn, serializer=JSONSerializer)

    def enqueue(self, names: Sequence[str], attempt: int) -> None:
        job_id = f"simpul-backup-{self.run}-{len(self.jobs):04d}"
        self.queue().enqueue_call(
            JOB_FUNCTION,
            args=(self.run, [host_payload(self.hosts[n]) for n in names], self.rules, self._job_options()),
            timeout=self.options.job_timeout,
            result_ttl=600,
            failure_ttl=3600,
            job_id=job_id,
            description=f"simpul backup: {len(names)} devices (run {self.run}, attempt {attempt})",
        )
        self.jobs.append(job_id)
        self.pending[job_id] = _Batch(tuple(names), attempt)

    def _job_options(self) -> dict[str, Any]:
        return {"read_timeout": self.options.read_timeout}

    def collect(self) -> None:
        """Take the results the workers pushed (first result per device wins)."""
        while True:
            items = self.conn.lpop(results_key(self.run), 500)
            if not items:
                return
            for item in items:
                rec = json.loads(item)
                self.done.setdefault(rec["name"], Fetched(**rec))

    def fail(self, names: Iterable[str], reason: str) -> None:
        for name in names:
            if name not in self.done:
                host = self.hosts[name]
                path = backup_path(name, host.skpd, host.site)
                self.done[name] = Fetched(name=name, path=path, reason=reason)

    def check(self, live: set[str]) -> None:
        """Settle the jobs that ended or lost their worker."""
        from rq.job import Job, JobStatus
        from rq.serializers import JSONSerializer

        ids = list(self.pending)
        jobs = Job.fetch_many(ids, connection=self.conn, serializer=JSONSerializer)
        for job_id, job in zip(ids, jobs, strict=True):
            batch = self.pending[job_id]
            status = job.get_status(refresh=False) if job is not None else None
            if status == JobStatus.FINISHED:
                self.collect()  # the job pushed every result before it finished
                self.fail(batch.names, "error: the worker returned no result for this device")
            elif status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
                self.collect()
                self.fail(batch.names, _job_failure(job))
            elif job is None or (status == JobStatus.STARTED and job.worker_name not in live):
                self.lost(job_id, job, batch)
                continue
            else:
                continue  # queued or running
            del self.pending[job_id]

    def lost(self, job_id: str, job: Any, batch: _Batch) -> None:
        """The worker running ``job`` is gone: queue what it had not finished again."""
        self.collect()
        del self.pending[job_id]
        if job is not None:
            job.delete()
        left = [n for n in batch.names if n not in self.done]
        if not left:
            return
        worker = job.worker_name if job is not None else "?"
        if batch.attempt >= self.options.attempts:
            self.fail(left, f"error: its worker died {batch.attempt} times (last: {worker})")
            return
        log.warning("worker %s died holding %d devices: queued again", worker, len(left))
        self.requeued += 1
        self.enqueue(left, batch.attempt + 1)

    def cleanup(self) -> None:
        from rq.job import Job
        from rq.serializers import JSONSerializer

        for job in Job.fetch_many(self.jobs, connection=self.conn, serializer=JSONSerializer):
            if job is not None:
                job.delete()
        self.conn.delete(results_key(self.run))


def _job_failure(job: Any) -> str:
    result = job.latest_result()
    text = (result.exc_string or "") if result is not None else ""
    if "JobTimeoutException" in text:
        return DeviceError("timeout", "its batch ran past the queue's time limit").reason
    return "error: the worker's job failed (see the worker's log)"


def require_workers(conn: Any, options: QueueOptions, url: str) -> set[str]:
    live = live_workers(conn, options.queue)
    if not live:
        raise QueueError(
            f"no simpul worker is listening on queue {options.queue!r}",
            source=safe_url(url),
            hint="start `simpul worker --queue URL` on a machine that can reach the devices, or run "
            "without --queue to back up from this machine (docs/scale-out.md)",
        )
    return live


def gather(
    conn: Any, hosts: Sequence[InventoryHost], rules: dict[str, str], options: QueueOptions, url: str = ""
) -> tuple[list[Fetched], int]:
    """Run ``hosts`` on the workers; every device's Fetched, and how many batches were re-queued."""
    run = _Run(conn=conn, options=options, hosts={h.name: h for h in hosts}, rules=rules)
    live = require_workers(conn, options, url)
    try:
        for names in shard(list(run.hosts), batch_size(len(hosts), len(live), largest=options.batch)):
            run.enqueue(names, 1)
        last_live = time.monotonic()
        while run.pending:
            time.sleep(options.poll)
            run.collect()
            live = live_workers(conn, options.queue)
            if live:
                last_live = time.monotonic()
            run.check(live)
            if run.pending and not live and time.monotonic() - last_live > options.orphan_grace:
                for batch in run.pending.values():
                    run.fail(batch.names, f"error: no simpul worker left on queue {options.queue!r}")
                run.pending.clear()
        run.collect()
    finally:
        run.cleanup()
    return [run.done[name] for name in sorted(run.done)], run.requeued


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
