"""Scale-out on RQ (Redis Queue): device-bound stages sharded into jobs run by ``simpul worker``s.

- :mod:`simpul.scale.queue`: the Redis connection, the queue, which workers are alive;
- :mod:`simpul.scale.worker`: ``simpul worker`` (an RQ SimpleWorker with a liveness beat);
- :mod:`simpul.scale.jobs`: what a worker runs (fetch and scrub a batch of devices);
- :mod:`simpul.scale.backup`: the coordinator of ``simpul backup configs --queue``: shards, waits,
  re-queues what a dead worker held, and alone writes the git store (one commit).

Jobs carry device names, addresses and options, never credentials: a worker reads settings and
secrets from its own environment. See docs/scale-out.md.
"""
