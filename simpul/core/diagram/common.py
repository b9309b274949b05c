"""Checks shared by the YAML and draw.io readers: dates, addresses, names, link ends.

Examples:
    >>> parse_date("2026-06-15", source="x.yaml")
    datetime.date(2026, 6, 15)
    >>> parse_date("15/06/2026", source="x.drawio")
    datetime.date(2026, 6, 15)
    >>> parse_ip("10.20.3.1/24", source="x.yaml")
    '10.20.3.1'
    >>> parse_subnet("10.20.3.0/24", source="x.yaml")
    '10.20.3.0/24'
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re

from simpul.errors import InputError

_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(raw: str, *, source: str, line: int | None = None, field: str | None = None) -> dt.date:
    """A submission date: ISO ``YYYY-MM-DD`` or Indonesian ``DD-MM-YYYY`` / ``DD/MM/YYYY``.

    >>> parse_date("2026-02-30", source="x.yaml", line=3, field="date")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: cannot read date '2026-02-30'
    """
    text = raw.strip()
    try:
        match = _DMY.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text[:10] if "T" in text else text)
    except ValueError:
        raise InputError(
            f"cannot read date {raw!r}",
            source=source,
            line=line,
            field=field,
            hint="write the submission date as YYYY-MM-DD, e.g. 2026-06-15",
        ) from None


def parse_ip(raw: str, *, source: str, line: int | None = None, field: str | None = None) -> str:
    """A management address; a prefix length, if written, is dropped."""
    text = raw.strip()
    try:
        return str(ipaddress.ip_interface(text).ip)
    except ValueError:
        raise InputError(
            f"not an IP address: {raw!r}",
            source=source,
            line=line,
            field=field,
            hint="write the management address like 10.20.3.1",
        ) from None


def parse_subnet(raw: str, *, source: str, line: int | None = None, field: str | None = None) -> str:
    """A subnet in CIDR form; host bits are an error (``10.20.3.1/24`` is an address, not a subnet)."""
    text = raw.strip()
    try:
        return str(ipaddress.ip_network(text, strict=True))
    except ValueError:
        raise InputError(
            f"not a subnet: {raw!r}",
            source=source,
            line=line,
            field=field,
            hint="write the subnet in CIDR form with host bits zero, e.g. 10.20.3.0/24",
        ) from None
