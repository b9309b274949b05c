"""``simpul worker``: an RQ SimpleWorker on the simpul queue, with a liveness beat.

SimpleWorker (no fork per job) costs ~6-10 ms per job here against ~30 ms for RQ's forking
worker; a job is a batch of devices run on Nornir threads, so one process per core is enough.
Jobs are JSON (RQ's JSONSerializer), never pickles: whoever can write to the Redis can queue
work but cannot make a worker run arbitrary code.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from simpul.errors import QueueError
from simpul.scale.queue import QUEUE_NAME, beat, connect, redis_down, safe_url
from simpul.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerRequest:
    url: str
    burst: bool = False  # stop when the queue is empty
    name: str | None = None  # default: RQ's (unique per process)
    queue: str = QUEUE_NAME


@dataclass(frozen=True)
class WorkerResult:
    name: str
    jobs: int

    @property
    def exit_code(self) -> int:
        return 0


def check_worker_settings(settings: Settings) -> None:
    """A worker logs in to devices with its own credentials: refuse to start without them."""
    if not settings.device_password:
        raise QueueError(
            "this worker has no device password",
            field="SIMPUL_DEVICE_PASSWORD",
            hint="a worker reads the device credentials from its own environment; set "
            "SIMPUL_DEVICE_USERNAME / SIMPUL_DEVICE_PASSWORD (/ SIMPUL_DEVICE_ENABLE_SECRET)",
        )


def run_worker(settings: Settings, request: WorkerRequest) -> WorkerResult:
    """Work jobs until stopped (SIGTERM/SIGINT: finish the current job first) or, with
    ``burst``, until the queue is empty. QueueError (exit 2) if Redis cannot be reached."""
    import redis
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    check_worker_settings(settings)
    conn = connect(request.url)
    queue = Queue(request.queue, connection=conn, serializer=JSONSerializer)
    worker = SimpleWorker([queue], connection=conn, serializer=JSONSerializer, name=request.name)
    stop = threading.Event()
    beating = threading.Thread(target=beat, args=(conn, request.queue, worker.name, stop), daemon=True)
    beating.start()
    log.info("worker %s on %s queue %s", worker.name, safe_url(request.url), request.queue)
    try:
        worker.work(burst=request.burst, logging_level="WARNING", with_scheduler=False)
    except redis.exceptions.RedisError as exc:
        raise redis_down(exc, request.url) from None
    finally:
        stop.set()
        beating.join(timeout=5)
    return WorkerResult(name=worker.name, jobs=worker.successful_job_count + worker.failed_job_count)
