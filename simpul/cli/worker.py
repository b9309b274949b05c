"""``simpul worker``: run device jobs from the queue (simpul.scale.worker; docs/scale-out.md)."""

from __future__ import annotations

import typer

from simpul.cli._common import console, handles_errors, quiet_nornir, settings

QUEUE = typer.Option(None, "--queue", help="RQ Redis URL (default: setting queue_url, SIMPUL_QUEUE_URL)")


@handles_errors
def worker_command(
    queue: str | None = QUEUE,
    burst: bool = typer.Option(False, "--burst", help="stop once the queue is empty"),
    name: str | None = typer.Option(None, "--name", help="worker name (default: unique per process)"),
) -> None:
    """Run the device jobs that commands given `--queue` hand out (backup, collect, push, apply...).

    The device credentials come from this machine's environment (SIMPUL_DEVICE_*), never from the
    queue. Stops on SIGTERM/SIGINT after the current job. Exit 2: Redis unreachable, no credentials.
    """
    from simpul.scale.queue import queue_url
    from simpul.scale.worker import WorkerRequest, run_worker

    config = settings()
    quiet_nornir()
    result = run_worker(config, WorkerRequest(url=queue_url(config, queue), burst=burst, name=name))
    console.print(f"worker {result.name} stopped after {result.jobs} jobs", style="dim")
    raise typer.Exit(result.exit_code)
