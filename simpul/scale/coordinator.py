"""The coordinator's engine: shard devices into RQ jobs, take results as they stream, re-queue what a
dead worker held, fail what can no longer be done. Every device ends with exactly one value.

What a job does and what its results mean is a :class:`Shipment`: config backups
(:mod:`simpul.scale.backup`: scrubbed configs) and any other device task
(:mod:`simpul.scale.remote`: device outcomes) use the same engine. The engine writes nothing but
Redis keys of its own run, and removes them at the end.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from simpul.core.sharding import batch_size, shard
from simpul.errors import DeviceError, QueueError
from simpul.scale.jobs import results_key
from simpul.scale.queue import QUEUE_NAME, live_workers, safe_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueueOptions:
    """How the coordinator uses the queue."""

    url: str | None = None  # default: setting queue_url
    queue: str = QUEUE_NAME
    attempts: int = 3  # runs of a batch whose worker died, before its devices fail
    orphan_grace: float = 30.0  # seconds with no live worker before waiting devices fail
    job_timeout: int = 900  # RQ's limit per 50 devices of a batch; per-device timeouts bound each
    read_timeout: float | None = None  # per command (default: the worker's)
    poll: float = 0.05
    # most devices per job: four rounds of a worker's 50 threads. A job ends with its slowest
    # device, so small jobs leave threads idle at every job's end (benches/scale_workers.py
    # --stage collect); results stream per device, so a lost worker costs only what it had not done
    batch: int = 200


@dataclass(frozen=True)
class Shipment:
    """One kind of job: the RQ function, its arguments for a batch, and how results read back."""

    kind: str  # in job ids and descriptions: "backup", "collect_state"...
    function: str  # dotted path of the job function every worker imports
    args: Callable[[str, Sequence[str]], tuple[Any, ...]]  # (run id, device names) -> job args
    decode: Callable[[dict[str, Any]], tuple[str, Any]]  # a pushed record -> (device, value)
    failed: Callable[[str, str], Any]  # (device, reason) -> the value of a device that failed


@dataclass
class _Batch:
    names: tuple[str, ...]
    attempt: int


@dataclass
class _Run:
    """What one coordinator run tracks: open jobs, a value per device."""

    conn: Any
    options: QueueOptions
    shipment: Shipment
    on_result: Callable[[str, Any], None] | None = None
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    pending: dict[str, _Batch] = field(default_factory=dict)
    done: dict[str, Any] = field(default_factory=dict)
    jobs: list[str] = field(default_factory=list)
    requeued: int = 0

    def queue(self) -> Any:
        from rq import Queue
        from rq.serializers import JSONSerializer

        return Queue(self.options.queue, connection=self.conn, serializer=JSONSerializer)

    def enqueue(self, names: Sequence[str], attempt: int) -> None:
        kind = self.shipment.kind
        job_id = f"simpul-{kind.replace('_', '-')}-{self.run}-{len(self.jobs):04d}"
        self.queue().enqueue_call(
            self.shipment.function,
            args=self.shipment.args(self.run, names),
            timeout=self.options.job_timeout * -(-len(names) // 50),
            result_ttl=600,
            failure_ttl=3600,
            job_id=job_id,
            description=f"simpul {kind}: {len(names)} devices (run {self.run}, attempt {attempt})",
        )
        self.jobs.append(job_id)
        self.pending[job_id] = _Batch(tuple(names), attempt)

    def settle(self, name: str, value: Any) -> None:
        if name in self.done:
            return  # first result per device wins: a re-run batch never counts a device twice
        self.done[name] = value
        if self.on_result is not None:
            self.on_result(name, value)

    def collect(self) -> None:
        """Take the results the workers pushed."""
        while True:
            items = self.conn.lpop(results_key(self.run), 500)
            if not items:
                return
            for item in items:
                self.settle(*self.shipment.decode(json.loads(item)))

    def fail(self, names: Iterable[str], reason: str) -> None:
        for name in names:
            self.settle(name, self.shipment.failed(name, reason))

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
            "without --queue to do the device work from this machine (docs/scale-out.md)",
        )
    return live


def dispatch(
    conn: Any,
    names: Sequence[str],
    shipment: Shipment,
    options: QueueOptions,
    url: str = "",
    on_result: Callable[[str, Any], None] | None = None,
) -> tuple[dict[str, Any], int]:
    """Run ``names`` on the workers: one value per device (``on_result`` is told each as it comes),
    and how many batches ran again after their worker died."""
    run = _Run(conn=conn, options=options, shipment=shipment, on_result=on_result)
    live = require_workers(conn, options, url)
    try:
        for batch in shard(list(names), batch_size(len(names), len(live), largest=options.batch)):
            run.enqueue(batch, 1)
        last_live = time.monotonic()
        while run.pending:
            time.sleep(options.poll)
            run.collect()
            live = live_workers(conn, options.queue)
            if live:
                last_live = time.monotonic()
            run.check(live)
            if run.pending and not live and time.monotonic() - last_live > options.orphan_grace:
                for batch_ in run.pending.values():
                    run.fail(batch_.names, f"error: no simpul worker left on queue {options.queue!r}")
                run.pending.clear()
        run.collect()
    finally:
        run.cleanup()
    return run.done, run.requeued
