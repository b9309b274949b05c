"""Device work of any capability on ``simpul worker``s: the :class:`~simpul.devices.runner.DeviceExecutor`
behind ``--queue``.

The CLI opens :func:`on_queue` around a service call; every ``run_on_devices`` inside it whose task
is in :data:`~simpul.scale.tasks.REMOTE_TASKS` hands its hosts to the workers (one job per batch,
:func:`simpul.scale.jobs.device_batch`) and gets back one :class:`DeviceOutcome` per host, exactly
as a local run returns them. The service does not know: it writes its store (git, history,
reports) itself, as the one writer, from those outcomes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from simpul.devices.outcomes import DeviceOutcome
from simpul.devices.runner import DeviceProgress, device_executor
from simpul.errors import DeviceError
from simpul.scale.coordinator import QueueOptions, Shipment, dispatch, require_workers
from simpul.scale.jobs import nornir_host_payload
from simpul.scale.queue import connect, queue_url, redis_down
from simpul.scale.tasks import REMOTE_TASKS, RemoteTask, task_ref
from simpul.settings import Settings

log = logging.getLogger(__name__)

JOB_FUNCTION = "simpul.scale.jobs.device_batch"


def outcome_of(record: dict[str, Any], remote: RemoteTask) -> DeviceOutcome:
    """A device outcome back from its JSON record."""
    name = str(record["name"])
    error = record.get("error")
    if error is not None:
        return DeviceOutcome(device=name, error=remote.decode_error(error, name))
    return DeviceOutcome(
        device=name,
        result=remote.decode_result(record.get("result")),
        changed=bool(record.get("changed")),
        diff=str(record.get("diff") or ""),
    )


def failed_outcome(name: str, reason: str) -> DeviceOutcome:
    """``category: message`` (the engine's words for a device no worker could run) as an outcome."""
    category, _, message = reason.partition(": ")
    return DeviceOutcome(device=name, error=DeviceError(category, message, device=name))


class QueueExecutor:
    """Runs remote tasks' hosts on the workers of one queue."""

    def __init__(self, settings: Settings, url: str, options: QueueOptions, conn: Any = None) -> None:
        self.settings = settings
        self.url = url
        self.options = options
        self._conn = conn
        self.requeued = 0

    @property
    def conn(self) -> Any:
        """The Redis client, connected on first use (QueueError, exit 2, when it cannot be)."""
        if self._conn is None:
            self._conn = connect(self.url)
        return self._conn

    def accepts(self, task: Callable[..., Any]) -> bool:
        return task_ref(task) in REMOTE_TASKS

    def run(
        self,
        nornir: Any,
        task: Callable[..., Any],
        *,
        name: str,
        secrets: list[str],
        progress: DeviceProgress | None,
        kwargs: dict[str, Any],
    ) -> dict[str, DeviceOutcome]:
        import redis

        ref = task_ref(task)
        remote = REMOTE_TASKS[ref]
        hosts = nornir.inventory.hosts
        context = remote.context(self.settings, kwargs)
        options = {"dry_run": bool(nornir.data.dry_run), "name": name}

        def args(run: str, names: Sequence[str]) -> tuple[Any, ...]:
            payloads = [nornir_host_payload(hosts[n]) for n in names]
            per_device = {n: remote.encode_args(n, kwargs) for n in names}
            return (run, ref, payloads, context, per_device, options)

        def decode(record: dict[str, Any]) -> tuple[str, DeviceOutcome]:
            return str(record["name"]), outcome_of(record, remote)

        def told(device: str, outcome: DeviceOutcome) -> None:
            if progress is not None:
                progress.advance(device, outcome.ok)

        shipment = Shipment(
            kind=remote.kind, function=JOB_FUNCTION, args=args, decode=decode, failed=failed_outcome
        )
        if progress is not None:
            progress.start(name, len(hosts))
        try:
            done, requeued = dispatch(
                self.conn, list(hosts), shipment, self.options, self.url, on_result=told
            )
        except redis.exceptions.RedisError as exc:
            raise redis_down(exc, self.url, "; nothing was written") from None
        finally:
            if progress is not None:
                progress.stop()
        if requeued:
            log.warning("%s: %d batches ran again after their worker died", name, requeued)
        self.requeued += requeued
        return done


@contextmanager
def on_queue(
    settings: Settings, url: str | None, options: QueueOptions | None = None, *, check_now: bool = True
) -> Iterator[QueueExecutor]:
    """Device work inside the block runs on the queue's workers.

    ``check_now``: Redis unreachable or no worker alive is a QueueError (exit 2) here, before the
    service reads or writes anything. Without it (the nightly job, whose stages fail one by one)
    each device stage meets that error itself when it first hands out work.
    """
    options = options or QueueOptions(url=url)
    chosen = queue_url(settings, url)
    executor = QueueExecutor(settings, chosen, options)
    if check_now:
        require_workers(executor.conn, options, chosen)
    with device_executor(executor):
        yield executor


def device_work(
    settings: Settings, url: str | None, *, check_now: bool = True
) -> contextlib.AbstractContextManager[Any]:
    """Where a command's device work runs: on the queue's workers with ``--queue URL``, else here."""
    return contextlib.nullcontext() if url is None else on_queue(settings, url, check_now=check_now)
