"""Sharding devices into queue jobs (simpul.scale): pure, so the sizes can be reasoned about.

A job is a batch of devices one worker runs concurrently (Nornir threads). Batches are small
enough that every worker gets several (a fast worker takes more; one lost worker loses little)
and large enough that the ~10 ms a job costs RQ stays small next to a device session.
"""

from __future__ import annotations

from collections.abc import Sequence


def batch_size(devices: int, workers: int, *, per_worker: int = 4, largest: int = 50) -> int:
    """Devices per job: about ``per_worker`` jobs per live worker, at most ``largest``, at least 1.

    >>> batch_size(500, 4)
    32
    >>> batch_size(5000, 4)
    50
    >>> batch_size(3, 2)
    1
    >>> batch_size(0, 0)
    1
    """
    jobs = max(1, workers) * per_worker
    return max(1, min(largest, -(-devices // jobs)))


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
