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
from jsonschema.exceptions import ValidationError

from simpul.core.diagram.common import parse_date, parse_ip, parse_subnet
from simpul.core.diagram.report import DiagramResult, ParseReport, ReadItem
from simpul.core.topology import LinkEnd, TopoDevice, TopoLink, Topology, View, Vlan, device_key
from simpul.core.yaml_lines import YamlPath, line_of
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

Path_ = YamlPath


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as text, so a bad date is reported with its line, not a crash."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _field(path: Path_) -> str:
    """``('devices', 1, 'mgmt_ip')`` -> ``devices[1].mgmt_ip``.

    >>> _field(("devices", 1, "mgmt_ip")), _field(())
    ('devices[1].mgmt_ip', '(top level)')
    """
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _to_python(loader: _Loader, node: yaml.Node, path: Path_, lines: dict[Path_, int], source: str) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                raise InputError(
                    f"key {key!r} appears twice",
                    source=source,
                    line=key_node.start_mark.line + 1,
                    field=_field((*path, key)),
                    hint="remove one of them",
                )
            out[key] = _to_python(loader, value_node, (*path, key), lines, source)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_to_python(loader, item, (*path, i), lines, source) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    # YAML reads an unquoted 1.5 as a float and 10 as an int; the schema decides which types it takes
    return value


def _load(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        lines: dict[Path_, int] = {}
        data = None if node is None else _to_python(loader, node, (), lines, source)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        raise InputError(
            f"not valid YAML: {err.problem or err}",
            source=source,
            line=mark.line + 1 if mark else None,
            hint="check indentation and quoting around this line",
        ) from None
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML: {err}", source=source) from None
    finally:
        loader.dispose()
    return data, lines


def _schema_error(errors: list[ValidationError], lines: dict[Path_, int], source: str) -> InputError:
    def where(err: ValidationError) -> tuple[int, str]:
        path = tuple(err.absolute_path)
        return (line_of(lines, path) or 0, _field(path))

    first = min(errors, key=where)
    path = tuple(first.absolute_path)
    more = f" ({len(errors) - 1} more error(s) after fixing this one)" if len(errors) > 1 else ""
    field = _field(path)
    line = line_of(lines, path)
    if first.validator == "required" and first.message.endswith("is a required property"):
        missing = first.message.split("'")[1]
        field = _field((*path, missing))
    elif first.validator == "additionalProperties" and isinstance(first.instance, dict):
        allowed = first.schema.get("properties", {}) if isinstance(first.schema, dict) else {}
        extra = [k for k in first.instance if k not in allowed]
        if extra:  # point at the unexpected key itself
            field = _field((*path, extra[0]))
            line = line_of(lines, (*path, extra[0]))
    return InputError(
        first.message + more,
        source=source,
        line=line,
        field=field,
        hint="see docs/diagrams.md for the YAML diagram format (schema: topology/schema.json)",
    )


def parse_yaml_diagram(text: str, *, source: str) -> DiagramResult:
    """Read a YAML diagram; raise InputError naming file, line and field on the first problem."""
    data, lines = _load(text, source)
    if data is None:
        raise InputError("the diagram is empty", source=source, hint="see docs/diagrams.md")
    validator = Draft202012Validator(DIAGRAM_SCHEMA, format_checker=FormatChecker())
    errors = list(validator.iter_errors(data))
    if errors:
        raise _schema_error(errors, lines, source)

    read: list[ReadItem] = []
    date = parse_date(str(data["date"]), source=source, line=line_of(lines, ("date",)), field="date")
    read.append(ReadItem(kind="skpd", ref=f"line {line_of(lines, ('skpd',))}", summary=data["skpd"]))
    read.append(ReadItem(kind="date", ref=f"line {line_of(lines, ('date',))}", summary=date.isoformat()))

    devices: list[TopoDevice] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data.get("devices", [])):
        line = line_of(lines, ("devices", i))
        name = raw["name"].strip()
        key = device_key(name)
        if key in seen:
            raise InputError(
                f"duplicate hostname {name!r} (first at line {seen[key]})",
                source=source,
                line=line_of(lines, ("devices", i, "name")),
                field=f"devices[{i}].name",
                hint="hostnames are compared case-insensitively; give each device one entry",
            )
        seen[key] = line or 0
        ip = raw.get("mgmt_ip")
        device = TopoDevice(
            name=name,
            role=raw.get("role"),
            model=raw.get("model"),
            platform=raw.get("platform"),
            mgmt_ip=None
            if ip is None
            else parse_ip(
                ip,
                source=source,
                line=line_of(lines, ("devices", i, "mgmt_ip")),
                field=f"devices[{i}].mgmt_ip",
            ),
        )
        devices.append(device)
        read.append(ReadItem(kind="device", ref=f"line {line}", summary=describe_device(device)))

    links: list[TopoLink] = []
    for i, raw in enumerate(data.get("links", [])):
        ends = []
        for side in ("a", "b"):
            end = raw[side]
            if device_key(end["device"]) not in seen:
                raise InputError(
                    f"link to unknown device {end['device']!r}",
                    source=source,
                    line=line_of(lines, ("links", i, side, "device")),
                    field=f"links[{i}].{side}.device",
                    hint="declare the device under devices: or fix the name",
                )
            port = str(end.get("port", "")).strip() or None
            ends.append(LinkEnd(device=end["device"].strip(), port=port))
        link = TopoLink(a=ends[0], b=ends[1])
        links.append(link)
        read.append(
            ReadItem(kind="link", ref=f"line {line_of(lines, ('links', i))}", summary=describe_link(link))
        )

    vlans: list[Vlan] = []
    vids: dict[int, int] = {}
    for i, raw in enumerate(data.get("vlans", [])):
        line = line_of(lines, ("vlans", i))
        vid = int(raw["vid"])
        if vid in vids:
            raise InputError(
                f"VLAN {vid} declared twice (first at line {vids[vid]})",
                source=source,
                line=line_of(lines, ("vlans", i, "vid")),
                field=f"vlans[{i}].vid",
                hint="give each VLAN one entry",
            )
        vids[vid] = line or 0
        subnet = raw.get("subnet")
        vlan = Vlan(
            vid=vid,
            name=raw.get("name"),
            subnet=None
            if subnet is None
            else parse_subnet(
                subnet, source=source, line=line_of(lines, ("vlans", i, "subnet")), field=f"vlans[{i}].subnet"
            ),
        )
        vlans.append(vlan)
        read.append(ReadItem(kind="vlan", ref=f"line {line}", summary=describe_vlan(vlan)))

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
