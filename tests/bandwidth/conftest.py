"""Fixtures of the bandwidth tests: plan files in data/, golden renders in golden/."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simpul.core.bandwidth import Plan, plan_from_data

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GOLDEN = HERE / "golden"


def load_plan(name: str) -> Plan:
    return plan_from_data(yaml.safe_load((DATA / name).read_text()), name)


@pytest.fixture
def plan3() -> Plan:
    return load_plan("plan3.yaml")
