"""The submitted diagrams in topology/ match the demo regency exactly (so the lab audit has no finding
but the ones planted), and carry the seed's submission dates."""

from __future__ import annotations

from pathlib import Path

import pytest

from simpul.core.diff import diff_topologies
from simpul.services.diagram import find_diagram, load_diagram
from tests.lan.seed_views import mandiri_tik, seed_topology

TOPOLOGY = Path(__file__).resolve().parents[2] / "topology"
DATED = sorted(slug for slug, t in mandiri_tik().items() if t.get("lan_diagram_date"))


def test_every_mandiri_tik_skpd_with_a_submission_date_has_a_diagram() -> None:
    missing = [slug for slug in DATED if find_diagram(TOPOLOGY, slug) is None]
    assert missing == []
    assert {p.suffix for p in TOPOLOGY.iterdir() if p.stem in DATED} >= {".yaml", ".drawio"}


def test_an_skpd_that_never_submitted_has_no_diagram() -> None:
    # disdukcapil has no lan_diagram_date in the seed: the audit shows REG-003 for it
    never = sorted(slug for slug, t in mandiri_tik().items() if not t.get("lan_diagram_date"))
    assert never, "the demo keeps one SKPD Mandiri TIK without a diagram"
    assert [find_diagram(TOPOLOGY, slug) for slug in never] == [None] * len(never)


@pytest.mark.parametrize("slug", DATED)
def test_diagram_matches_the_seed(slug: str) -> None:
    path = find_diagram(TOPOLOGY, slug)
    assert path is not None
    diagram = load_diagram(path).topology
    assert diagram.skpd == slug
    assert diagram.date == mandiri_tik()[slug]["lan_diagram_date"]
    documented = seed_topology(slug)
    assert diff_topologies(diagram, documented) == []
    assert len(diagram.devices) == len(documented.devices)
    assert len(diagram.links) == len(documented.links)
    assert [v.vid for v in diagram.vlans] == [v.vid for v in documented.vlans]
