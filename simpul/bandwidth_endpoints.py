"""``simpul bandwidth verify --endpoints FILE``: measure the plan on the user's own gear (I/O edge).

The endpoints file names an iperf3 server on the internet side of the shaper and, per SKPD, an
iperf3 client on that SKPD's LAN reachable over SSH (device credentials from settings)::

    server: 203.0.113.10          # iperf3 -s -p PORT per SKPD, outside the shaper
    port_base: 5301               # optional: SKPD i (file order, from 0) uses port_base + i
    clients:
      disdik: {host: 10.20.3.10, ssh_port: 22, port: 5301}
      dinkes: {host: 10.20.7.10}

Each client runs ``iperf3 -c SERVER -p PORT -R -t SECONDS -J`` (download) over SSH through Nornir
(netmiko ``linux``): every SKPD alone, then all at once. A client that cannot be reached, or whose
iperf3 fails, is a failed SKPD with its reason (``unreachable: connection refused``,
``rejected: iperf3: ...``); the others are still measured.

Examples:
    >>> ep = endpoints_from_data({"server": "192.0.2.1", "clients": {"a": {"host": "10.0.0.2"},
    ...                           "b": {"host": "10.0.1.2", "port": 6000}}}, "ep.yaml")
    >>> [(c.slug, c.host, c.ssh_port, c.port) for c in ep.clients]
    [('a', '10.0.0.2', 22, 5301), ('b', '10.0.1.2', 22, 6000)]
    >>> iperf3_mbps('{"end": {"sum_received": {"bits_per_second": 47912345.6}}}')
    47.912
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simpul.core.yaml_lines import YamlPath, line_of, load_yaml_with_lines
from simpul.errors import DeviceError, InputError
from simpul.settings import Settings

DEFAULT_PORT_BASE = 5301
HOST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:_-]*$")
HOST_HINT = "an IPv4/IPv6 address or a DNS name"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class ClientSpec(_Strict):
    host: str = Field(pattern=HOST_RE.pattern, description="SSH address of the iperf3 client")
    ssh_port: int = Field(22, ge=1, le=65535)
    port: int | None = Field(None, ge=1, le=65535, description="iperf3 server port for this SKPD")


class EndpointsSpec(_Strict):
    server: str = Field(pattern=HOST_RE.pattern, description="the iperf3 server outside the shaper")
    port_base: int = Field(DEFAULT_PORT_BASE, ge=1, le=65535)
    clients: dict[str, ClientSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Client:
    """One SKPD's iperf3 client, with the server port it uses resolved."""

    slug: str
    host: str
    ssh_port: int
    port: int


@dataclass(frozen=True)
class Endpoints:
    source: str
    server: str
    clients: tuple[Client, ...]
    lines: dict[YamlPath, int]  # YAML path -> line (1-based), for error messages

    def client(self, slug: str) -> Client | None:
        return next((c for c in self.clients if c.slug == slug), None)

    def line(self, *path: str) -> int | None:
        return line_of(self.lines, path)

    def require_known(self, known: Iterable[str]) -> None:
        """Every client must be an SKPD of the plan (a typo would silently measure nothing)."""
        known_set = set(known)
        for c in self.clients:
            if c.slug not in known_set:
                raise InputError(
                    f"SKPD {c.slug!r} is not in the plan",
                    source=self.source,
                    line=self.line("clients", c.slug),
                    field=f"clients.{c.slug}",
                    hint="the keys under clients are SKPD slugs; known: " + ", ".join(sorted(known_set)),
                )


_HINTS = {
    "server": "server: HOST, the iperf3 server outside the shaper (iperf3 -s -p PORT)",
    "port": "ports are whole numbers 1-65535",
    "ssh_port": "ports are whole numbers 1-65535",
    "port_base": "ports are whole numbers 1-65535",
    "host": f"host: {HOST_HINT}, reachable over SSH",
    "clients": "clients: {SKPD_SLUG: {host: ADDRESS, ssh_port: 22, port: 5301}}",
}


def endpoints_from_data(data: object, source: str, lines: dict[YamlPath, int] | None = None) -> Endpoints:
    """Parsed YAML -> Endpoints; a missing or malformed field is an InputError naming it."""
    lines = lines or {}

    def where(path: YamlPath) -> int | None:
        return line_of(lines, path)

    if data is None:
        raise InputError(
            "the file is empty", source=source, hint=_HINTS["clients"] + " and " + _HINTS["server"]
        )
    if not isinstance(data, dict):
        raise InputError("an endpoints file must be a mapping with server and clients", source=source)
    try:
        spec = EndpointsSpec.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = tuple(str(p) for p in err["loc"])
        name = path[-1] if path else ""
        if err["type"] == "missing":
            message = "missing"
        elif err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "string_pattern_mismatch":
            message = f"{err['input']!r} is not {HOST_HINT}"
        else:
            message = f"{err['msg']} (got {err['input']!r})"
        raise InputError(
            message,
            source=source,
            line=where(path),
            field=".".join(path),
            hint=_HINTS.get(name, "fields: server, port_base, clients.SLUG.{host, ssh_port, port}"),
        ) from None
    clients = tuple(
        Client(slug=slug, host=c.host, ssh_port=c.ssh_port, port=c.port or spec.port_base + i)
        for i, (slug, c) in enumerate(spec.clients.items())
    )
    seen: dict[int, str] = {}
    for c in clients:
        if not 1 <= c.port <= 65535:
            raise InputError(
                f"port_base {spec.port_base} gives SKPD {c.slug} port {c.port}, out of range",
                source=source,
                line=where(("port_base",)),
                field="port_base",
                hint="lower port_base or give the client its own port:",
            )
        if c.port in seen:
            raise InputError(
                f"SKPD {c.slug} and {seen[c.port]} share iperf3 port {c.port}",
                source=source,
                line=where(("clients", c.slug)),
                field=f"clients.{c.slug}.port",
                hint="one iperf3 -s serves one test at a time: give each SKPD its own server port",
            )
        seen[c.port] = c.slug
    return Endpoints(source=source, server=spec.server, clients=clients, lines=lines)


def read_endpoints(path: Path) -> Endpoints:
    """The endpoints file as Endpoints; any problem is an InputError naming file, line and field."""
    source = str(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise InputError(
            f"cannot read endpoints file: {exc.strerror}",
            source=source,
            field="--endpoints",
            hint="give the path of a YAML file with server and clients (docs/bandwidth.md)",
        ) from None
    data, lines = load_yaml_with_lines(text, source, hint="fix the YAML syntax at that line")
    return endpoints_from_data(data, source, dict(lines))


# --- measuring ---------------------------------------------------------------------------------


def _short(text: str, limit: int = 100) -> str:
    return " ".join(text.split())[:limit] or "(no output)"


def iperf3_mbps(output: str) -> float:
    """Download goodput (Mbps) from ``iperf3 -J`` output; a DeviceError says why there is none.

    >>> iperf3_mbps('{"error": "unable to connect to server"}')
    Traceback (most recent call last):
    ...
    simpul.errors.DeviceError: iperf3: unable to connect to server
    """
    start, end = output.find("{"), output.rfind("}")
    if start < 0 or end < start:
        raise DeviceError("bad_output", f"iperf3 gave no JSON: {_short(output)}")
    try:
        data = json.loads(output[start : end + 1])
    except json.JSONDecodeError:
        raise DeviceError("bad_output", "iperf3 gave unreadable JSON") from None
    if data.get("error"):  # iperf3 ran and refused: no server on the port, a busy server...
        raise DeviceError("rejected", f"iperf3: {_short(str(data['error']), 160)}")
    try:
        return round(float(data["end"]["sum_received"]["bits_per_second"]) / 1e6, 3)
    except (KeyError, TypeError, ValueError):
        raise DeviceError("bad_output", "iperf3 JSON has no end.sum_received.bits_per_second") from None


def iperf3_command(server: str, port: int, seconds: int) -> str:
    """The command each client runs (download: the server sends, ``-R``)."""
    return f"iperf3 -c {shlex.quote(server)} -p {port} -R -t {seconds} -J"


@dataclass
class Outcome:
    """What one SKPD's client measured; ``error`` is the reason of the first thing that went wrong."""

    alone_mbps: float | None = None
    contended_mbps: float | None = None
    error: str | None = None


def _connect(task: Any) -> Any:
    from nornir.core.task import Result

    conn = task.host.get_connection("netmiko", task.nornir.config)
    found = conn.send_command("command -v iperf3 || echo SIMPUL-NO-IPERF3", read_timeout=30)
    if "SIMPUL-NO-IPERF3" in found:
        raise DeviceError("rejected", "iperf3 is not installed on the client (apt-get install iperf3)")
    return Result(host=task.host, result="connected")


def _iperf3(task: Any, server: str, seconds: int) -> Any:
    from nornir.core.task import Result

    conn = task.host.get_connection("netmiko", task.nornir.config)
    command = iperf3_command(server, int(task.host.data["iperf3_port"]), seconds)
    output = conn.send_command(command, read_timeout=seconds + 30)
    return Result(host=task.host, result=iperf3_mbps(output))


def _clients_nornir(settings: Settings, clients: Sequence[Client]) -> Any:
    from simpul.devices.runner import build_nornir
    from simpul.inventory import InventoryHost, group_name

    hosts = [
        InventoryHost(
            name=c.slug,
            hostname=c.host,
            port=c.ssh_port,
            platform="linux",
            role=None,
            site=None,
            skpd=c.slug,
            groups=(group_name("skpd", c.slug),),
        )
        for c in clients
    ]
    nr = build_nornir(settings, hosts=hosts, workers=max(1, len(hosts)))
    for c in clients:
        nr.inventory.hosts[c.slug].data["iperf3_port"] = c.port
    return nr


def measure(
    settings: Settings, endpoints: Endpoints, slugs: Sequence[str], seconds: int
) -> dict[str, Outcome]:
    """Connect to every client, measure each SKPD alone, then all at once (Nornir, one thread each).

    The sessions stay open from the first step to the last (``run_on_devices`` would close them
    after each run): the contended run must start together, not after each SSH login. Failures
    become reasons the one way (:func:`simpul.devices.outcomes.outcomes_from`), censored.
    """
    from simpul.devices.outcomes import outcomes_from

    clients = [c for c in endpoints.clients if c.slug in slugs]
    outcomes = {c.slug: Outcome() for c in clients}
    if not clients:
        return outcomes
    nr = _clients_nornir(settings, clients)
    secrets = settings.secrets()

    def run(nornir: Any, attr: str, task: Any, **kwargs: Any) -> None:
        # on_failed=True everywhere: one SKPD's failure must not drop it from the next run
        agg = nornir.run(task=task, on_failed=True, **kwargs)
        for name, done in outcomes_from(agg, list(nornir.inventory.hosts), secrets).items():
            if done.error is not None:
                outcomes[name].error = outcomes[name].error or done.reason
            elif attr:
                setattr(outcomes[name], attr, done.result)

    try:
        run(nr, "", _connect)  # log in everywhere first
        ready = [c.slug for c in clients if outcomes[c.slug].error is None]
        for slug in ready:
            run(nr.filter(name=slug), "alone_mbps", _iperf3, server=endpoints.server, seconds=seconds)
        if ready:
            together = nr.filter(filter_func=lambda h: h.name in ready)
            run(together, "contended_mbps", _iperf3, server=endpoints.server, seconds=seconds)
    finally:
        nr.close_connections(on_failed=True)
    return outcomes
