"""Sharding devices into queue jobs (simpul.scale): pure, so the sizes can be reasoned about.

A job is a batch of devices one worker runs concurrently (one thread per device). RQ's own cost
(~10 ms a job) is small next to one device session, so batches are sized for concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence


def batch_size(devices: int, workers: int, *, largest: int = 200) -> int:
    """Devices per job: an even share per live worker, at most ``largest``, at least 1.

    A worker runs one job at a time on its threads (``SIMPUL_WORKERS``, 50), a new device as soon
    as a thread is free; the job ends with its slowest device. So one job per worker keeps every
    thread busy to the end, and ``largest`` (four rounds of threads) only keeps a huge fleet in
    several jobs, for the workers to balance. Results stream back per device, so a large batch does
    not make a lost worker costly: only its unfinished devices run again.

    >>> batch_size(500, 4)
    125
    >>> batch_size(2000, 4)
    200
    >>> batch_size(100, 4)
    25
    >>> batch_size(3, 2)
    2
    >>> batch_size(0, 0)
    1
    """
    return max(1, min(largest, -(-devices // max(1, workers))))


def shard(names: Sequence[str], size: int) -> list[tuple[str, ...]]:
    """``names`` in sorted order, cut into batches of at most ``size``.

    >>> shard(["c", "a", "b", "d", "e"], 2)
    [('a', 'b'), ('c', 'd'), ('e',)]
    >>> shard([], 3)
    []
    """
    ordered = sorted(names)
    size = max(1, size)
    return [tuple(ordered[i : i + size]) for i in range(0, len(ordered), size)]
