"""Device-free: which target each platform renders comes from the one platform table, everywhere.

The Nornir apply, the service and the Ansible filters read ``PlatformSpec.bandwidth_target``; every
target a platform names has a template and a way to reach the device; the Ansible filters return
what the service returns.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from nornir_tasks.bandwidth import BY_TARGET
from simpul.devices.platforms import PLATFORMS, UnsupportedPlatform
from simpul.errors import BandwidthError
from simpul.services import bandwidth as service
from simpul.settings import load_settings
from simpul.templates.bandwidth import TEMPLATES

from .conftest import DATA, GOLDEN

ROOT = Path(__file__).resolve().parents[2]


def _filters() -> ModuleType:
    path = ROOT / "playbooks" / "filter_plugins" / "bandwidth_diff.py"
    spec = importlib.util.spec_from_file_location("simpul_bandwidth_filters", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_platform_target_renders_and_reaches_the_device() -> None:
    targets = {spec.bandwidth_target for spec in PLATFORMS.values() if spec.bandwidth_target}
    assert targets <= set(TEMPLATES) and targets <= set(BY_TARGET)
    assert {slug: service.target_of(slug) for slug, s in PLATFORMS.items() if s.bandwidth_target} == {
        "cisco_ios": "ios",
        "mikrotik_routeros": "routeros",
        "linux": "linux",
    }


def test_a_platform_without_a_renderer_or_unknown_is_bad_input() -> None:
    with pytest.raises(BandwidthError, match="arista_eos has no bandwidth renderer"):
        service.target_of("arista_eos")
    with pytest.raises(UnsupportedPlatform):
        service.target_of("juniper_junos")


def test_the_ansible_filters_call_the_service() -> None:
    filters = _filters().FilterModule().filters()
    assert filters["simpul_bandwidth_target"]("mikrotik_routeros") == "routeros"
    rendered = filters["simpul_bandwidth_render"](
        "routeros", uplink="ether1", plan_file=str(DATA / "plan3.yaml")
    )
    assert rendered == (GOLDEN / "plan3.rsc").read_text()
    request = service.RenderRequest(target="routeros", uplink="ether1", plan_file=DATA / "plan3.yaml")
    assert rendered == service.render(load_settings(), request).text
    assert filters["simpul_bandwidth_read_commands"]("ios") == ["show running-config"]
    change = filters["simpul_bandwidth_remediation"](rendered, ["", "", ""], "routeros")
    assert change["changed"] is True and change["commands"][0].startswith("/ip firewall address-list add")
    assert json.dumps(change)  # plain data for Ansible


@pytest.mark.parametrize(
    ("name", "args", "message"),
    [
        ("simpul_bandwidth_target", ("arista_eos",), "E6001 platform arista_eos has no bandwidth renderer"),
        ("simpul_bandwidth_render", ("routeros",), "--uplink is required"),
        ("simpul_bandwidth_read_commands", ("linux",), "is not pushed by commands"),
    ],
)
def test_filter_errors_carry_simpuls_message(name: str, args: tuple[str, ...], message: str) -> None:
    from ansible.errors import AnsibleFilterError

    filters = _filters().FilterModule().filters()
    kwargs = {"plan_file": str(DATA / "plan3.yaml")} if name == "simpul_bandwidth_render" else {}
    with pytest.raises(AnsibleFilterError, match=message):
        filters[name](*args, **kwargs)
