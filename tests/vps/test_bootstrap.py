"""The bootstrap's VPS additions: the custom fields and the IPAM role, and a second run that
changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from simpul.netbox.bootstrap import bootstrap

pytestmark = [pytest.mark.netbox]


def test_vps_fields_exist_and_bootstrap_stays_idempotent(netbox_seeded: Any) -> None:
    api = netbox_seeded.api()
    counts, _ = bootstrap(api)  # the seeded NetBox was bootstrapped once already
    assert counts.created == counts.updated == 0
    fields = {cf.name: (cf.type.value, sorted(cf.object_types)) for cf in api.extras.custom_fields.all()}
    assert fields["vps_image"] == ("text", ["virtualization.virtualmachine"])
    assert fields["vps_provider_id"] == ("text", ["virtualization.virtualmachine"])
    assert fields["vps_ssh_keys"] == ("longtext", ["virtualization.virtualmachine"])
    assert fields["vps_request"] == ("json", ["ipam.ipaddress"])
    for name in ("vps_quota_vms", "vps_quota_vcpus", "vps_quota_memory_mb", "vps_quota_disk_gb"):
        assert fields[name] == ("integer", ["tenancy.tenant"])
    for name in ("vps_capacity_vcpus", "vps_capacity_memory_mb", "vps_capacity_disk_gb"):
        assert fields[name] == ("integer", ["virtualization.cluster"])
    for name in ("vps_overcommit_cpu", "vps_overcommit_memory", "vps_overcommit_disk"):
        assert fields[name] == ("decimal", ["virtualization.cluster"])
    assert api.ipam.roles.get(slug="vps") is not None
    again, _ = bootstrap(api)
    assert again.created == again.updated == 0
