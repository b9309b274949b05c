"""The whole inventory is read through GraphQL (faster at 2,000 devices, docs/benchmarks.md), the tags
apart from the other fields: it must be exactly what the REST reader gives, host for host and tag for
tag, in the same order; a filtered load, and a NetBox whose GraphQL cannot answer, read REST."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from simpul.inventory import Filters, host_from_device, iter_devices, load_hosts
from simpul.netbox.client import graphql_list, graphql_tags
from tests.conftest import LabNetBox

pytestmark = pytest.mark.netbox


def rest_hosts(api: Any) -> list[Any]:
    return [host_from_device(d) for d in iter_devices(api, Filters()) if d.get("name")]


@dataclass(frozen=True)
class Tagged:
    netbox: LabNetBox
    both: str  # carries both new tags
    bare: str  # carries no tag
    one: tuple[str, ...]  # carry uji-b


@pytest.fixture(scope="module")
def tagged(netbox_seeded: LabNetBox) -> Tagged:
    """Two more tags on the seeded regency's devices."""
    api = netbox_seeded.api()
    names = [d["name"] for d in iter_devices(api, Filters())]
    spec = Tagged(netbox_seeded, both=names[0], bare=names[1], one=tuple(names[5:9]))
    a, b = ({"id": api.extras.tags.create(name=n, slug=n).id} for n in ("uji-a", "uji-b"))
    for dev in api.dcim.devices.filter(name=[spec.both, spec.bare, *spec.one]):
        old = [{"id": t.id} for t in dev.tags]
        dev.tags = [] if dev.name == spec.bare else [*old, a, b] if dev.name == spec.both else [*old, b]
        dev.save()
    return spec


def test_graphql_inventory_equals_the_rest_one(tagged: Tagged) -> None:
    settings = tagged.netbox.settings()
    api = tagged.netbox.api()
    from_rest = rest_hosts(api)
    # the fast path is the one taken
    assert graphql_list(api, "device_list", "name") is not None
    assert graphql_tags(api, "device_list") is not None
    assert load_hosts(settings, Filters(), api=api) == from_rest
    assert len(from_rest) > 50 and any(h.model for h in from_rest)
    tags = {h.name: h.tags for h in from_rest}
    assert {"uji-a", "uji-b"} <= set(tags[tagged.both]) and tags[tagged.bare] == ()
    assert sum("uji-b" in t for t in tags.values()) == 5
    one = load_hosts(settings, Filters(skpd=("disdik",)), api=api)
    assert one == [h for h in from_rest if h.skpd == "disdik"]


def test_tags_are_read_page_by_page(tagged: Tagged) -> None:
    api = tagged.netbox.api()
    by_name = {h.name: set(h.tags) for h in rest_hosts(api)}
    ids = {str(d["id"]): d["name"] for d in iter_devices(api, Filters())}
    paged = graphql_tags(api, "device_list", page_size=3)  # a tag on more devices than a page holds
    assert paged is not None
    assert {ids[i]: set(slugs) for i, slugs in paged.items()} == {n: t for n, t in by_name.items() if t}


def test_a_netbox_without_graphql_answers_is_read_over_rest(netbox_seeded: LabNetBox) -> None:
    api = netbox_seeded.api()
    assert graphql_list(api, "no_such_list", "name") is None  # an error answer: the caller reads REST
    assert graphql_tags(api, "no_such_list") is None
