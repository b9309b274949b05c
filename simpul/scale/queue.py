"""The queue's Redis: connect (a clear error when it is down), name things, tell live workers.

RQ's own worker registry only notices a dead SimpleWorker after its TTL (minutes), and a
SimpleWorker sends no heartbeat while it runs a job. So every ``simpul worker`` also refreshes
``simpul:alive:<queue>:<worker>`` every second with a few seconds' expiry, from a thread: a
worker that is killed (or whose machine is) disappears from :func:`live_workers` within
:data:`ALIVE_TTL` seconds, and the coordinator re-queues what it held.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from simpul.errors import QueueError
from simpul.settings import Settings

QUEUE_NAME = "simpul"
ALIVE_PREFIX = "simpul:alive:"
ALIVE_TTL = 6  # seconds a worker stays "alive" after its last beat
BEAT_INTERVAL = 1.0
RESULTS_TTL = 24 * 3600  # a coordinator that died leaves no scrubbed configs in Redis for long


def safe_url(url: str) -> str:
    """The URL without its password (for messages and logs).

    >>> safe_url("redis://:s3cret@10.0.0.5:6379/2")
    'redis://***@10.0.0.5:6379/2'
    >>> safe_url("redis://127.0.0.1:6379")
    'redis://127.0.0.1:6379'
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def queue_url(settings: Settings, url: str | None) -> str:
    """``--queue`` or the ``queue_url`` setting (SIMPUL_QUEUE_URL)."""
    chosen = url or settings.queue_url
    if not chosen:
        raise QueueError(
            "no queue URL",
            field="--queue",
            hint="give --queue redis://HOST:6379/0 or set SIMPUL_QUEUE_URL (docs/scale-out.md)",
        )
    return str(chosen)


def connect(url: str) -> Any:
    """A Redis client that answered PING; QueueError (exit 2) when it cannot be reached."""
    import redis

    try:
        conn = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        conn.ping()
    except ValueError as exc:
        raise QueueError(
            f"not a Redis URL: {exc}", source=safe_url(url), field="--queue", hint="redis://HOST:6379/0"
        ) from None
    except redis.exceptions.RedisError as exc:
        raise QueueError(
            f"the queue's Redis cannot be reached: {type(exc).__name__}: {str(exc)[:200]}",
            source=safe_url(url),
            field="--queue",
            hint="is redis-server running there and reachable from this machine? (docs/scale-out.md)",
        ) from None
    return conn


def redis_down(exc: Exception, url: str, consequence: str = "") -> QueueError:
    """A Redis failure in the middle of a run as the error the user sees (exit 2)."""
    return QueueError(
        f"the queue's Redis failed mid-run: {type(exc).__name__}: {str(exc)[:200]}{consequence}",
        source=safe_url(url),
        hint="restart redis-server and run again (workers reconnect by themselves)",
    )


def alive_key(queue: str, worker: str) -> str:
    return f"{ALIVE_PREFIX}{queue}:{worker}"


def live_workers(conn: Any, queue: str = QUEUE_NAME) -> set[str]:
    """Names of the workers that beat on ``queue`` within the last :data:`ALIVE_TTL` seconds."""
    prefix = alive_key(queue, "")
    return {
        (key.decode() if isinstance(key, bytes) else str(key))[len(prefix) :]
        for key in conn.scan_iter(match=prefix + "*", count=500)
    }


def beat(conn: Any, queue: str, worker: str, stop: threading.Event) -> None:
    """Mark ``worker`` alive until ``stop`` is set (then remove the mark at once)."""
    import redis

    key = alive_key(queue, worker)
    while not stop.is_set():
        # Redis down: the worker's own loop notices and reports it; the beat just tries again
        with contextlib.suppress(redis.exceptions.RedisError):
            conn.set(key, "1", ex=ALIVE_TTL)
        stop.wait(BEAT_INTERVAL)
    with contextlib.suppress(redis.exceptions.RedisError):
        conn.delete(key)
