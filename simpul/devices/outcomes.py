"""Device outcomes: what happened on each device of a run, in one shape, reasons censored.

Every device-bound capability (backup, LAN collect, bandwidth apply, intended push) gets back one
:class:`DeviceOutcome` per host from :func:`outcomes_from`. A failure is a
:class:`~simpul.errors.DeviceError` with a category (unreachable, auth, timeout, disconnected,
bad_output, rejected, refused, error): simpul's own words, never the device's output (which can hold
secrets), and censored against the configured secrets as a last safety belt.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simpul.errors import DeviceError, SimpulError
from simpul.settings import censor

_AUTH = {"NetmikoAuthenticationException", "AuthenticationException", "BadAuthenticationType"}
_TIMEOUT = {"NetmikoTimeoutException", "TimeoutError", "timeout"}


class DeviceDisconnected(ConnectionError):
    """The device closed the session before the command finished."""


class CommandTimeout(TimeoutError):
    """The device stopped answering in the middle of a command."""


class CommandRejected(RuntimeError):
    """The device answered a line with an error (``% Invalid input``, ``bad command name``...)."""


@dataclass(frozen=True)
class DeviceOutcome:
    """One device's result: ``error`` is None when it went well."""

    device: str
    result: Any = None
    changed: bool = False
    diff: str = ""
    error: DeviceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def reason(self) -> str | None:
        return self.error.reason if self.error is not None else None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _names(chain: list[BaseException]) -> set[str]:
    names = {base.__name__ for e in chain for base in type(e).__mro__}
    for e in chain:  # paramiko's NoValidConnectionsError keeps the socket errors per address
        errors = getattr(e, "errors", None)
        if isinstance(errors, dict):
            names |= {type(err).__name__ for err in errors.values()}
    return names


def _first_line(exc: BaseException, limit: int = 120) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:limit] if text else type(exc).__name__


def classify(exc: BaseException | None, device: str | None = None) -> DeviceError:
    """Turn whatever a device task raised into a :class:`DeviceError` (category + simpul's words).

    >>> classify(ConnectionRefusedError(111, "Connection refused")).reason
    'unreachable: connection refused'
    >>> classify(TimeoutError("timed out")).reason
    'timeout: the device did not answer in time'
    >>> classify(CommandRejected("% Invalid input at 'ntp server x'")).reason
    "rejected: % Invalid input at 'ntp server x'"
    >>> classify(CommandRejected("iperf3: unable to connect to server: Connection refused")).category
    'rejected'
    >>> classify(KeyError("x")).reason
    'error: KeyError'
    """
    if exc is None:
        return DeviceError("error", "no result", device=device)
    if isinstance(exc, DeviceError):
        return exc
    chain = _chain(exc)
    seen = _Seen(exc, _names(chain), " ".join(str(e) for e in chain))
    for matches, category, message in _RULES:  # first match wins: simpul's own exceptions first
        if matches(seen):
            return DeviceError(category, message(seen), device=device)
    return DeviceError("error", type(exc).__name__, device=device)


@dataclass(frozen=True)
class _Seen:
    """An exception as the rules look at it: itself, every class name in its chain, all its text."""

    exc: BaseException
    names: set[str]
    text: str


def _fixed(message: str) -> Callable[[_Seen], str]:
    return lambda _seen: message


# (does it match, category, simpul's words): our own exceptions come first, since their message
# may quote words of the device's ("refused", "closed") that the text rules below look for
_RULES: tuple[tuple[Callable[[_Seen], bool], str, Callable[[_Seen], str]], ...] = (
    (lambda s: isinstance(s.exc, CommandRejected), "rejected", lambda s: _first_line(s.exc)),
    (  # hier_config: a config that repeats a line where it cannot be twice
        lambda s: "DuplicateChildError" in s.names,
        "bad_output",
        _fixed("the config repeats a line hier_config cannot place twice"),
    ),
    (  # a parser met output it does not know (another OS version)
        lambda s: "ParseError" in s.names,
        "bad_output",
        lambda s: "unreadable output: " + _first_line(s.exc),
    ),
    (lambda s: bool(s.names & _AUTH), "auth", _fixed("authentication failed")),
    (
        lambda s: "ConnectionRefusedError" in s.names or "Connection refused" in s.text,
        "unreachable",
        _fixed("connection refused"),
    ),
    (
        lambda s: bool(s.names & {"DeviceDisconnected", "EOFError"}) or "Socket is closed" in s.text,
        "disconnected",
        _fixed("the session closed mid-output"),
    ),
    (
        lambda s: bool(s.names & {"CommandTimeout", "ReadTimeout"}),
        "timeout",
        _fixed("the device stopped answering mid-command"),
    ),
    (
        lambda s: (
            "TCP connection to device failed" in s.text
            or bool(s.names & {"gaierror", "NoValidConnectionsError"})
        ),
        "unreachable",
        _fixed("TCP connection failed"),
    ),
    (
        lambda s: bool(s.names & _TIMEOUT) or isinstance(s.exc, socket.timeout),
        "timeout",
        _fixed("the device did not answer in time"),
    ),
    (lambda s: isinstance(s.exc, SimpulError), "refused", lambda s: str(getattr(s.exc, "message", s.exc))),
    (lambda s: "SSHException" in s.names, "unreachable", lambda s: "SSH error: " + _first_line(s.exc)),
)


def censored(error: DeviceError, secrets: Iterable[str]) -> DeviceError:
    """The same error with every configured secret masked out of its message."""
    belt = [s for s in secrets if s]
    message = censor(error.message, belt)
    if message == error.message:
        return error
    return DeviceError(error.category, message, device=error.device, hint=error.hint)


def failure_reason(exc: BaseException | None, secrets: Iterable[str] = ()) -> str:
    """``category: message`` for a failure, censored (what status files and summaries record)."""
    return censored(classify(exc), secrets).reason


def outcomes_from(
    agg: Any,
    hosts: Iterable[str],
    secrets: Iterable[str] = (),
    refused: Mapping[str, DeviceError] | None = None,
) -> dict[str, DeviceOutcome]:
    """One outcome per host from a Nornir ``AggregatedResult`` (the first task's result is the value).

    ``refused``: hosts kept out of the run before any connection (not simulated in the lab, no
    platform), reported as they are.
    """
    secrets = list(secrets)
    out: dict[str, DeviceOutcome] = {}
    for name, error in (refused or {}).items():
        out[name] = DeviceOutcome(device=name, error=error)
    for name in hosts:
        if name in out:
            continue
        multi = agg.get(name) if agg is not None else None
        if multi is None or multi.failed:
            exc = multi.exception if multi is not None else None
            if multi is not None and exc is None:
                exc = next((r.exception for r in multi if r.exception is not None), None)
            out[name] = DeviceOutcome(device=name, error=censored(classify(exc, name), secrets))
            continue
        first = multi[0]
        out[name] = DeviceOutcome(
            device=name, result=first.result, changed=bool(first.changed), diff=first.diff or ""
        )
    return dict(sorted(out.items()))
