"""The whole inventory is read through GraphQL (faster at 2,000 devices, docs/benchmarks.md): it must be
exactly what the REST reader gives, host for host, in the same order; a filtered load reads REST."""

from __future__ import annotations

import pytest

from simpul.inventory import Filters, host_from_device, iter_devices, load_hosts
from simpul.netbox.client import graphql_list
from tests.conftest import LabNetBox

pytestmark = pytest.mark.netbox


def test_graphql_inventory_equals_the_rest_one(netbox_seeded: LabNetBox) -> None:
    settings = netbox_seeded.settings()
    api = netbox_seeded.api()
    from_rest = [host_from_device(d) for d in iter_devices(api, Filters()) if d.get("name")]
    assert graphql_list(api, "device_list", "name") is not None  # the fast path is the one taken
    assert load_hosts(settings, Filters(), api=api) == from_rest
    assert len(from_rest) > 50 and any(h.tags for h in from_rest) and any(h.model for h in from_rest)
    one = load_hosts(settings, Filters(skpd=("disdik",)), api=api)
    assert one == [h for h in from_rest if h.skpd == "disdik"]


def test_a_netbox_without_graphql_answers_is_read_over_rest(netbox_seeded: LabNetBox) -> None:
    api = netbox_seeded.api()
    assert graphql_list(api, "no_such_list", "name") is None  # an error answer: the caller reads REST
