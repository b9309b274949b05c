"""One exception root for simpul, with stable codes users can look up in docs/errors.md.

Every error a user can cause (a bad file, a bad setting, an unreachable NetBox) is a
``SimpulError``: the CLI prints its message and hint and exits with ``exit_code`` (2 for bad
input or settings), never a traceback.

Examples:
    >>> err = InputError("VLAN id 5000 is out of range", source="topology/disdik.yaml", line=12,
    ...                  field="vlans[0].vid", hint="use 1-4094")
    >>> print(err.render())
    E2001 topology/disdik.yaml:12: vlans[0].vid: VLAN id 5000 is out of range
      -> use 1-4094
    >>> err.exit_code
    2
"""

from __future__ import annotations

from typing import ClassVar


class SimpulError(Exception):
    """Root of every error simpul raises on purpose.

    Anything else that reaches the CLI is a bug: exit code 3, a one-line message and a crash file.
    """

    code = "E1000"
    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        self.hint = hint

    def location(self) -> str:
        """``file:line: field`` as far as it is known."""
        parts = []
        if self.source:
            parts.append(self.source + (f":{self.line}" if self.line is not None else ""))
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def render(self) -> str:
        """The text a user sees."""
        loc = self.location()
        text = f"{self.code} {loc + ': ' if loc else ''}{self.message}"
        if self.hint:
            text += f"\n  -> {self.hint}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "source": self.source,
            "line": self.line,
            "field": self.field,
            "hint": self.hint,
        }


class SettingsError(SimpulError):
    """A setting is missing or malformed (env var, settings file)."""

    code = "E1001"


class QueueError(SettingsError):
    """The work queue cannot be used: no URL, Redis down or refusing, no worker listening."""

    code = "E1101"


class InputError(SimpulError):
    """A file the user gave (seed, diagram, policy, scrub rule) is malformed."""

    code = "E2001"


class NetBoxError(SimpulError):
    """NetBox cannot be used: unreachable, wrong token, or too old."""

    code = "E3001"


class NetBoxAuthError(NetBoxError):
    code = "E3002"


class NetBoxVersionError(NetBoxError):
    code = "E3003"


class LabError(SimpulError):
    """The lab cannot start or stop as asked (ports in use, missing Python 3.12, no root)."""

    code = "E4001"


class PortInUseError(LabError):
    code = "E4002"


class StoreError(SimpulError):
    """A backup repository or snapshot store is unusable."""

    code = "E5001"


class BandwidthError(SimpulError):
    """A bandwidth allocation cannot be planned, rendered or pushed."""

    code = "E6001"


class DeviceError(SimpulError):
    """One device could not do what was asked. ``category`` says why, in one word users can filter on.

    Raised (or recorded) per device: one device failing never stops the others, and the run's exit
    code is 1, not 2. The message is simpul's own words, censored, never the device's output.

    >>> err = DeviceError("timeout", "the device did not answer in time", device="rtr-disdik")
    >>> err.render(), err.exit_code, err.reason
    ('E8003 rtr-disdik: the device did not answer in time', 1, 'timeout: the device did not answer in time')
    """

    code = "E8000"
    exit_code = 1
    CODES: ClassVar[dict[str, str]] = {
        "unreachable": "E8001",
        "auth": "E8002",
        "timeout": "E8003",
        "disconnected": "E8004",
        "bad_output": "E8005",
        "rejected": "E8006",
        "refused": "E8007",
        "error": "E8000",
    }

    def __init__(
        self, category: str, message: str, *, device: str | None = None, hint: str | None = None
    ) -> None:
        if category not in self.CODES:
            raise ValueError(f"unknown device error category {category!r}")
        super().__init__(message, source=device, hint=hint)
        self.category = category
        self.device = device
        self.code = self.CODES[category]

    @property
    def reason(self) -> str:
        """``category: message``: the one line a summary, a status file or a report shows."""
        return f"{self.category}: {self.message}"


class ReportError(SimpulError):
    """The report cannot be written: graphviz missing or failing, output directory unusable."""

    code = "E7001"
