"""What every command shares: settings, JSON output, and turning SimpulError into exit code 2."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from simpul.errors import SimpulError
from simpul.settings import Settings, censor, load_settings

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    return load_settings()


def emit_json(data: Any) -> None:
    """Print machine-readable output on stdout (no colours, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def fail(err: SimpulError) -> typer.Exit:
    err_console.print(f"[bold red]error[/] {err.render()}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(err.exit_code)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command: a SimpulError becomes a clear message and its exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SimpulError as err:
            raise fail(err) from None

    return wrapper


class CensoringFilter(logging.Filter):
    """Masks every configured secret in log records before any handler writes them."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg = censor(record.getMessage(), self.secrets)
            record.args = None
        return True


def setup_logging(verbose: bool, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(CensoringFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for noisy in ("netmiko", "urllib3", "nornir"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not verbose else logging.INFO)
    # paramiko logs every peer reset at ERROR; the run's own summary already names failed devices
    logging.getLogger("paramiko").setLevel(logging.CRITICAL if not verbose else logging.INFO)


def quiet_nornir() -> None:
    """Nornir logs each failed host with a full traceback; our summaries name each failure and its
    reason instead. Kept at --verbose (DEBUG), where the traceback is what the user asked for."""
    if logging.getLogger().level > logging.DEBUG:
        logging.getLogger("nornir.core.task").setLevel(logging.CRITICAL)
        logging.getLogger("paramiko.transport").setLevel(logging.CRITICAL)
