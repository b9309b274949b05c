"""Intended configs: the typed render context of one device and the pure Jinja2 render.

The context is what NetBox says about a device (interfaces, addresses, VLANs, the Jaringan Intra
links) plus the regency-wide parts from its config contexts (key ``jaringan_intra``: NTP, DNS,
syslog, SNMP location/contact, AAA, banner, LLDP). One template per platform
(``simpul/templates/intended/<platform>.j2``) serves Nornir and Ansible alike.

Templates never see a secret: the context has no field for one. Secret lines (SNMP communities,
enable secrets, user passwords, keys) are left out of the intended config and out of every
compliance feature, so the comparison runs on the backup's scrubbed text without ever needing them.

Examples:
    >>> ctx = IntendedDevice(name="rtr-x", platform="cisco_ios",
    ...     regency=RegencyConfig(ntp_servers=("10.10.0.11",)))
    >>> render_device(ctx, {"cisco_ios.j2": "hostname {{ device.name }}\\n"
    ...     "{% for s in regency.ntp_servers %}ntp server {{ s }}\\n{% endfor %}"})
    'hostname rtr-x\\nntp server 10.10.0.11\\n'
    >>> try:
    ...     render_device(ctx, {"cisco_ios.j2": "x\\n{{ ntp_server }}\\n"})
    ... except InputError as err:
    ...     print(err.render())
    E2001 simpul/templates/intended/cisco_ios.j2:2: undefined variable: rtr-x: 'ntp_server' is undefined
      -> the template reads a value the render context does not have (simpul.core.intended)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simpul.errors import InputError

#: The key of the NetBox config context that holds the regency-wide parts.
CONTEXT_KEY = "jaringan_intra"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SnmpConfig(_Frozen):
    location: str = "Kabupaten Sekadau"
    contact: str = "noc@diskominfo.sekadau.go.id"


class AaaConfig(_Frozen):
    """Login through local accounts (the lab and the demo); a RADIUS group name when one is used."""

    new_model: bool = True
    authentication: str = "local"
    authorization: str = "local"


class RegencyConfig(_Frozen):
    """The regency-wide parts of every device's config (NetBox config context ``jaringan_intra``).

    The defaults are what a device without the context gets: no servers, no banner (the demo
    regency's context, ``simpul/netbox/demo_regency.yaml``, sets them all).
    """

    domain: str = "sekadau.go.id"
    dns_servers: tuple[str, ...] = ()
    ntp_servers: tuple[str, ...] = ()
    timezone: str = "Asia/Pontianak"
    syslog_servers: tuple[str, ...] = ()
    syslog_level: str = "informational"
    snmp: SnmpConfig = SnmpConfig()
    aaa: AaaConfig = AaaConfig()
    banner: str = ""
    lldp: bool = True


class IntendedInterface(_Frozen):
    name: str
    description: str = ""
    enabled: bool = True
    ipv4: tuple[str, ...] = ()  # CIDR, the first is primary
    access_vlan: int | None = None
    mtu: int = 1500
    link_peer: str | None = None  # "device interface" across the Jaringan Intra cable, if any


class IntendedVlan(_Frozen):
    vid: int
    name: str


class IntendedDevice(_Frozen):
    """Everything a template may read about one device."""

    name: str
    platform: str
    role: str | None = None
    site: str | None = None
    skpd: str | None = None
    tags: tuple[str, ...] = ()
    mgmt_ip: str | None = None
    interfaces: tuple[IntendedInterface, ...] = ()
    vlans: tuple[IntendedVlan, ...] = ()
    regency: RegencyConfig = Field(default_factory=RegencyConfig)


def regency_from_context(context: Mapping[str, Any] | None, device: str = "") -> RegencyConfig:
    """The ``jaringan_intra`` key of a NetBox config context, validated (InputError naming the field).

    Examples:
        >>> regency_from_context({"jaringan_intra": {"ntp_servers": ["10.1.1.1"]}}).ntp_servers
        ('10.1.1.1',)
        >>> regency_from_context({}).domain
        'sekadau.go.id'
        >>> regency_from_context({"jaringan_intra": {"ntp": 1}}, "rtr-a")
        Traceback (most recent call last):
        ...
        simpul.errors.InputError: config context jaringan_intra.ntp: Extra inputs are not permitted
    """
    data = (context or {}).get(CONTEXT_KEY) or {}
    try:
        return RegencyConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise InputError(
            f"config context {CONTEXT_KEY}.{where}: {err['msg']}",
            source=f"NetBox device {device}" if device else "NetBox config context",
            field=f"config_context.{CONTEXT_KEY}.{where}",
            hint="fix the config context in NetBox (Customization > Config Contexts)",
        ) from None


def template_name(platform: str) -> str:
    """The template file of a platform.

    >>> template_name("mikrotik_routeros")
    'mikrotik_routeros.j2'
    """
    return f"{platform}.j2"


def ip_netmask(cidr: str) -> str:
    """IOS's ``address mask`` form of a CIDR.

    >>> ip_netmask("10.30.0.7/31")
    '10.30.0.7 255.255.255.254'
    """
    itf = ipaddress.ip_interface(cidr)
    return f"{itf.ip} {itf.network.netmask}"


def network(cidr: str) -> str:
    """The network address of a CIDR (RouterOS ``network=``).

    >>> network("10.20.3.1/24")
    '10.20.3.0'
    """
    return str(ipaddress.ip_interface(cidr).network.network_address)


def ros_quote(value: object) -> str:
    """A RouterOS value, quoted only when it must be (as ``/export`` prints it).

    >>> ros_quote("Kabupaten Sekadau"), ros_quote("rtr-disdik")
    ('"Kabupaten Sekadau"', 'rtr-disdik')
    """
    text = str(value)
    return f'"{text}"' if (not text or any(c in text for c in ' ;"=')) else text


_ROS_TOPICS = {"debugging": "debug", "informational": "info", "warnings": "warning", "errors": "error"}


def ros_topic(level: str) -> str:
    """A syslog level (IOS words) as a RouterOS logging topic.

    >>> ros_topic("informational")
    'info'
    """
    return _ROS_TOPICS.get(level, level)


#: The filters every intended-config template may use (an Ansible filter plugin exposes the same).
FILTERS = {"ip_netmask": ip_netmask, "network": network, "ros_quote": ros_quote, "ros_topic": ros_topic}


def _environment(templates: Mapping[str, str]) -> jinja2.Environment:
    env = SandboxedEnvironment(
        loader=jinja2.DictLoader(dict(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(FILTERS)
    return env


def _template_line(exc: BaseException) -> int | None:
    """The template line a Jinja2 runtime error happened on.

    Jinja2 rewrites the traceback so each template frame carries the template's own line; the
    innermost one is where the error is.
    """
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_device(
    device: IntendedDevice, templates: Mapping[str, str], source_dir: str = "simpul/templates/intended"
) -> str:
    """The intended config text of ``device``; a template error is an InputError naming the template,
    its line, the device and the missing variable."""
    name = template_name(device.platform)
    source = f"{source_dir}/{name}"
    if name not in templates:
        raise InputError(
            f"{device.name}: no intended-config template for platform {device.platform!r}",
            source=source,
            hint=f"add {source} or set a supported platform in NetBox",
        )
    env = _environment(templates)
    try:
        template = env.get_template(name)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(
            f"{device.name}: template syntax error: {exc.message}", source=source, line=exc.lineno
        ) from None
    try:
        return template.render(device=device, regency=device.regency)
    except jinja2.UndefinedError as exc:
        raise InputError(
            f"{device.name}: {exc.message}",
            source=source,
            line=_template_line(exc),
            field="undefined variable",
            hint="the template reads a value the render context does not have (simpul.core.intended)",
        ) from None
    except jinja2.TemplateError as exc:
        raise InputError(
            f"{device.name}: {exc.message or exc}", source=source, line=_template_line(exc)
        ) from None
