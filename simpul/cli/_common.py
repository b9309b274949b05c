"""What every command shares: settings, JSON output, and turning errors into exit codes.

Exit codes: 0 all good; 1 findings or device failures in the run; 2 bad input, settings or an
unusable NetBox (a ``SimpulError``: its message and hint, never a traceback); 3 an internal error,
i.e. a bug: one line naming the crash file that holds the traceback (printed too with ``-v``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from simpul.errors import SimpulError
from simpul.settings import Settings, censor, load_settings

if TYPE_CHECKING:
    from rich.console import Console


def _quiet_types() -> None:
    """Help without type noise: a flag shows no ``<bool>``, a repeatable option ``<text>...``
    instead of ``<list[str]>`` (typer >= 0.2x prints Python annotations as metavars)."""
    from typer.core import TyperOption

    original = TyperOption.display_type_rich
    names = {"str": "text", "int": "integer", "float": "number"}

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        if self.metavar is not None:
            return str(self.metavar)
        if self.is_flag:
            return None
        label = original(self, ctx) or ""
        many = label.startswith("<list[")
        inner = label.removeprefix("<list[").removesuffix("]>") if many else label.strip("<>")
        return f"<{names.get(inner, inner)}>" + ("..." if many else "")

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_quiet_types()


def __getattr__(name: str) -> Console:
    """``console`` (stdout) and ``err_console`` (stderr), rich consoles made on first use: importing
    rich costs start-up time that a command printing JSON does not need."""
    if name not in ("console", "err_console"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rich.console import Console

    made = globals()[name] = Console(stderr=name == "err_console")
    return made


def _err_console() -> Console:
    made: Console | None = globals().get("err_console")
    return made if made is not None else __getattr__("err_console")


P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    return load_settings()


def emit_json(data: Any) -> None:
    """Print machine-readable output on stdout (no colours, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def fail(err: SimpulError) -> typer.Exit:
    from rich.markup import escape

    # escaped: a field path like devices[rtr-x] or a hint like simpul[lab] is text, not rich markup
    _err_console().print(f"[bold red]error[/] {escape(err.render())}", highlight=False, soft_wrap=True)
    return typer.Exit(err.exit_code)


# The inventory filters every device-bound command takes (several values of one filter are OR).
SKPD_OPT = typer.Option([], "--skpd", help="SKPD (tenant) slug; repeat for several")
SITE_OPT = typer.Option([], "--site", help="site slug")
ROLE_OPT = typer.Option([], "--role", help="device role slug")
PLATFORM_OPT = typer.Option([], "--platform", help="platform slug")
TAG_OPT = typer.Option([], "--tag", help="tag slug")
DEVICE_OPT = typer.Option([], "--device", help="device name")

INTERNAL_ERROR = 3


def write_crash_file(exc: BaseException, command: str) -> Path | None:
    """The traceback of a bug, censored, in ``<state_dir>/crash/``; None when it cannot be written."""
    try:
        s = load_settings()
        secrets = s.secrets()
        folder = Path(s.state_dir) / "crash"
    except SimpulError:
        secrets, folder = [], Path(os.environ.get("TMPDIR", "/tmp")) / "simpul-crash"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    text = f"simpul {command}\n{''.join(traceback.format_exception(exc))}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{stamp}.txt"
        path.write_text(censor(text, secrets))
        path.chmod(0o600)
    except OSError:
        return None
    return path


def internal_error(exc: BaseException, command: str) -> typer.Exit:
    """A bug: one line and the crash file (the traceback too with ``-v``); exit code 3."""
    path = write_crash_file(exc, command)
    where = f"details in {path}" if path else "the details could not be written"
    _err_console().print(
        f"[bold red]internal error[/] in simpul {command}: {type(exc).__name__} ({where}); "
        "this is a bug: please report it with that file",
        highlight=False,
        soft_wrap=True,
    )
    if logging.getLogger().level <= logging.DEBUG:
        _err_console().print("".join(traceback.format_exception(exc)), highlight=False, markup=False)
    return typer.Exit(INTERNAL_ERROR)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command: a SimpulError becomes a clear message and its exit code, a failure talking
    to NetBox a NetBoxError (exit 2), anything else an internal error (exit 3): never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except SimpulError as err:
            raise fail(err) from None
        except Exception as exc:
            from simpul.netbox.client import as_netbox_error, is_netbox_failure

            if is_netbox_failure(exc):
                raise fail(as_netbox_error(exc)) from None
            raise internal_error(exc, func.__name__.replace("_command", "").replace("_", " ")) from None

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
