"""YAML LAN diagrams: read (with file/line/field errors) and write.

The format is documented in docs/diagrams.md and validated by ``DIAGRAM_SCHEMA`` (published as
``topology/schema.json``; a test keeps the two identical). Every error names the file, the line of
the offending node and the field path, e.g. ``topology/disdik.yaml:14: devices[1].mgmt_ip``.

Examples:
    >>> text = '''
    ... skpd: disdik
    ... date: 2026-06-15
    ... devices:
    ...   - {name: rtr-disdik, role: skpd-edge, model: RB4011, mgmt_ip: 10.20.3.1}
    ...   - {name: sw-disdik-01, model: CRS328-24P, mgmt_ip: 10.20.3.2}
    ... links:
    ...   - a: {device: rtr-disdik, port: ether2}
    ...     b: {device: sw-disdik-01, port: ether1}
    ... vlans:
    ...   - {vid: 30, name: Disdik-Staf, subnet: 10.20.3.0/24}
    ... '''
    >>> result = parse_yaml_diagram(text, source="disdik.yaml")
    >>> t = result.topology
    >>> t.skpd, t.date.isoformat(), [d.name for d in t.devices], t.vlans[0].subnet
    ('disdik', '2026-06-15', ['rtr-disdik', 'sw-disdik-01'], '10.20.3.0/24')
    >>> parse_yaml_diagram(topology_to_yaml(t), source="again.yaml").topology.links == t.links
    True
    >>> bad = "skpd: disdik\\ndate: 2026-06-15\\ndevices:\\n  - {name: a, colour: red}\\n"
    >>> parse_yaml_diagram(bad, source="bad.yaml")
    Traceback (most recent call last):
    ...
    simpul.errors.InputError: Additional properties are not allowed ('colour' was unexpected)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from jsonschema import Draft202012Validator, FormatChecker

from simpul.core.diagram.common import parse_date, parse_ip, parse_subnet
from simpul.core.diagram.report import DiagramProblems, DiagramResult, ParseReport, ReadItem
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan, device_key
from simpul.core.validation import input_errors_from_validation
from simpul.core.yaml_lines import LineIndex, field_path, load_yaml_with_lines
from simpul.errors import InputError

SCHEMA_ID = "https://simpul.example/topology/schema.json"

_NAME = {"type": "string", "minLength": 1, "pattern": r"^\S(.*\S)?$"}
_OPT_TEXT = {"type": "string", "minLength": 1}
_END = {
    "type": "object",
    "additionalProperties": False,
    "required": ["device"],
    # a port may be written as a bare number (port: 24) on switches that name ports so
    "properties": {"device": _NAME, "port": {"type": ["string", "integer"], "minLength": 1}},
}

# The JSON Schema of a YAML diagram. topology/schema.json is this, serialised (json.dumps indent=2).
DIAGRAM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "simpul SKPD LAN diagram",
    "description": "One SKPD's LAN as it submits it to the Dinas (Perbup Sekadau 19/2021 Pasal 20).",
    "type": "object",
    "additionalProperties": False,
    "required": ["skpd", "date", "devices"],
    "properties": {
        "skpd": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]*$",
            "description": "the SKPD's NetBox tenant slug, e.g. disdik",
        },
        "date": {
            "type": "string",
            "description": "submission date, YYYY-MM-DD (Pasal 20 ayat (1): at least yearly)",
        },
        "description": {"type": "string"},
        "devices": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name"],
                "properties": {
                    "name": _NAME,
                    "role": _OPT_TEXT,
                    "model": _OPT_TEXT,
                    "platform": _OPT_TEXT,
                    "mgmt_ip": {"type": "string", "minLength": 1},
                },
            },
        },
        "links": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["a", "b"],
                "properties": {"a": _END, "b": _END},
            },
        },
        "vlans": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["vid"],
                "properties": {
                    "vid": {"type": "integer", "minimum": 1, "maximum": 4094},
                    "name": _OPT_TEXT,
                    "subnet": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}

_HINT = "see docs/diagrams.md for the YAML diagram format (schema: topology/schema.json)"


def parse_yaml_diagram(text: str, *, source: str) -> DiagramResult:
    """Read a YAML diagram; every problem is raised at once, each naming file, line and field
    (:class:`~simpul.core.diagram.report.DiagramProblems`; a single problem is raised as itself)."""
    data, lines = _load(text, source)
    read: list[ReadItem] = []
    problems: list[InputError] = []
    date = None
    try:
        date = parse_date(str(data["date"]), source=source, line=lines.line(("date",)), field="date")
    except InputError as err:
        problems.append(err)
    read.append(ReadItem(kind="skpd", ref=f"line {lines.line(('skpd',))}", summary=data["skpd"]))
    if date is not None:
        read.append(ReadItem(kind="date", ref=f"line {lines.line(('date',))}", summary=date.isoformat()))
    devices = _read_devices(data.get("devices", []), lines, source, read, problems)
    known = {device_key(raw["name"]) for raw in data.get("devices", [])}  # a device with a bad fact too
    links = _read_links(data.get("links", []), known, lines, source, read, problems)
    vlans = _read_vlans(data.get("vlans", []), lines, source, read, problems)
    if problems:
        raise DiagramProblems.of(problems, source=source)
    topology = Topology(
        skpd=data["skpd"],
        date=date,
        view=View.DIAGRAM,
        source=source,
        devices=tuple(devices),
        links=tuple(links),
        vlans=tuple(vlans),
    )
    return DiagramResult(
        topology=topology, report=ParseReport(source=source, format="yaml", read=tuple(read))
    )


def _load(text: str, source: str) -> tuple[dict[str, Any], LineIndex]:
    """The diagram's data, checked against the schema: one key per mapping, every field known."""
    data, lines = load_yaml_with_lines(text, source, hint="check indentation and quoting around this line")
    if lines.duplicates:
        twice = lines.duplicates[0]
        raise InputError(
            f"key {twice[-1]!r} appears twice",
            source=source,
            line=lines.get(twice),
            field=field_path(twice),
            hint="remove one of them",
        )
    if data is None:
        raise InputError("the diagram is empty", source=source, hint="see docs/diagrams.md")
    validator = Draft202012Validator(DIAGRAM_SCHEMA, format_checker=FormatChecker())
    errors = list(validator.iter_errors(data))
    if errors:
        raise DiagramProblems.of(
            input_errors_from_validation(errors, source, lines, hint=_HINT), source=source
        )
    return data, lines


def _read_devices(
    raws: list[Any], lines: LineIndex, source: str, read: list[ReadItem], problems: list[InputError]
) -> list[TopoDevice]:
    devices: list[TopoDevice] = []
    seen: dict[str, int] = {}  # device key -> line of its first entry
    for i, raw in enumerate(raws):
        try:
            device = _read_device(i, raw, seen, lines, source)
        except InputError as err:
            problems.append(err)
            continue
        devices.append(device)
        read.append(
            ReadItem(kind="device", ref=f"line {lines.line(('devices', i))}", summary=describe_device(device))
        )
    return devices


def _read_device(
    i: int, raw: dict[str, Any], seen: dict[str, int], lines: LineIndex, source: str
) -> TopoDevice:
    line = lines.line(("devices", i))
    name = raw["name"].strip()
    key = device_key(name)
    if key in seen:
        raise InputError(
            f"duplicate hostname {name!r} (first at line {seen[key]})",
            source=source,
            line=lines.line(("devices", i, "name")),
            field=f"devices[{i}].name",
            hint="hostnames are compared case-insensitively; give each device one entry",
        )
    seen[key] = line or 0
    ip = raw.get("mgmt_ip")
    return TopoDevice(
        name=name,
        role=raw.get("role"),
        model=raw.get("model"),
        platform=raw.get("platform"),
        mgmt_ip=None
        if ip is None
        else parse_ip(
            ip, source=source, line=lines.line(("devices", i, "mgmt_ip")), field=f"devices[{i}].mgmt_ip"
        ),
    )


def _read_links(
    raws: list[Any],
    known: set[str],
    lines: LineIndex,
    source: str,
    read: list[ReadItem],
    problems: list[InputError],
) -> list[TopoLink]:
    links: list[TopoLink] = []
    for i, raw in enumerate(raws):
        ends = []
        for side in ("a", "b"):
            end = raw[side]
            if device_key(end["device"]) not in known:
                problems.append(
                    InputError(
                        f"link to unknown device {end['device']!r}",
                        source=source,
                        line=lines.line(("links", i, side, "device")),
                        field=f"links[{i}].{side}.device",
                        hint="declare the device under devices: or fix the name",
                    )
                )
                continue
            port = str(end.get("port", "")).strip() or None
            ends.append(LinkEnd(device=end["device"].strip(), port=port))
        if len(ends) != 2:
            continue
        link = TopoLink(a=ends[0], b=ends[1])
        links.append(link)
        read.append(
            ReadItem(kind="link", ref=f"line {lines.line(('links', i))}", summary=describe_link(link))
        )
    return links


def _read_vlans(
    raws: list[Any], lines: LineIndex, source: str, read: list[ReadItem], problems: list[InputError]
) -> list[Vlan]:
    vlans: list[Vlan] = []
    vids: dict[int, int] = {}  # vid -> line of its first entry
    for i, raw in enumerate(raws):
        try:
            vlan = _read_vlan(i, raw, vids, lines, source)
        except InputError as err:
            problems.append(err)
            continue
        vlans.append(vlan)
        read.append(
            ReadItem(kind="vlan", ref=f"line {lines.line(('vlans', i))}", summary=describe_vlan(vlan))
        )
    return vlans


def _read_vlan(i: int, raw: dict[str, Any], vids: dict[int, int], lines: LineIndex, source: str) -> Vlan:
    line = lines.line(("vlans", i))
    vid = int(raw["vid"])
    if vid in vids:
        raise InputError(
            f"VLAN {vid} declared twice (first at line {vids[vid]})",
            source=source,
            line=lines.line(("vlans", i, "vid")),
            field=f"vlans[{i}].vid",
            hint="give each VLAN one entry",
        )
    vids[vid] = line or 0
    subnet = raw.get("subnet")
    return Vlan(
        vid=vid,
        name=raw.get("name"),
        subnet=None
        if subnet is None
        else parse_subnet(
            subnet, source=source, line=lines.line(("vlans", i, "subnet")), field=f"vlans[{i}].subnet"
        ),
    )


def describe_device(device: TopoDevice) -> str:
    """One line for a device, as the check output shows it.

    >>> describe_device(TopoDevice(name="rtr-disdik", mgmt_ip="10.20.3.1", model="RB4011"))
    'rtr-disdik (ip 10.20.3.1, model RB4011)'
    """
    facts = [
        f"{label} {value}"
        for label, value in (
            ("ip", device.mgmt_ip),
            ("model", device.model),
            ("role", device.role),
            ("platform", device.platform),
        )
        if value
    ]
    return device.name + (f" ({', '.join(facts)})" if facts else "")


def describe_link(link: TopoLink) -> str:
    """``rtr-disdik ether2 - sw-disdik-01 ether1``; a port not given shows as ``?``.

    >>> describe_link(TopoLink(a=LinkEnd(device="a", port="ether2"), b=LinkEnd(device="b")))
    'a ether2 - b ?'
    """
    return f"{link.a.device} {link.a.port or '?'} - {link.b.device} {link.b.port or '?'}"


def describe_vlan(vlan: Vlan) -> str:
    """One line for a VLAN, in the draw.io note convention.

    >>> describe_vlan(Vlan(vid=30, name="Disdik-Staf", subnet="10.20.3.0/24"))
    'VLAN 30 Disdik-Staf 10.20.3.0/24'
    """
    return " ".join(str(p) for p in ("VLAN", vlan.vid, vlan.name, vlan.subnet) if p)


def topology_to_yaml(topology: Topology, *, today: dt.date | None = None) -> str:
    """Write a topology as a YAML diagram an agency can start from.

    ``today`` stands in for a missing date (the schema requires one); without either, the date
    is written as ``YYYY-MM-DD`` for the agency to fill in and the file will not read until it does.
    """
    date = topology.date or today
    doc: dict[str, Any] = {
        "skpd": topology.skpd or "skpd-slug",
        "date": date.isoformat() if date else "YYYY-MM-DD",
        "devices": [
            {
                k: v
                for k, v in (
                    ("name", d.name),
                    ("role", d.role),
                    ("model", d.model),
                    ("platform", d.platform),
                    ("mgmt_ip", d.mgmt_ip),
                )
                if v is not None
            }
            for d in topology.devices
        ],
        "links": [
            {
                side: {k: v for k, v in (("device", end.device), ("port", end.port)) if v is not None}
                for side, end in (("a", link.a), ("b", link.b))
            }
            for link in topology.links
        ],
        "vlans": [
            {k: v for k, v in (("vid", v.vid), ("name", v.name), ("subnet", v.subnet)) if v is not None}
            for v in topology.vlans
        ],
    }
    header = (
        "# yaml-language-server: $schema=schema.json\n"
        "# SKPD LAN diagram (simpul, docs/diagrams.md). Update and resubmit after every change\n"
        "# (Perbup Sekadau 19/2021 Pasal 20).\n"
    )
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False)
