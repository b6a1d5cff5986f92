"""A command's question is answered on the part of the industry's view it reads
(`services.asked`): every answer is the one the whole view gives, for the 12 industries, for
Yunnan and its prefectures, on the bundled data and on a synthetic register where most firms
are left out of the part."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analysis.gaps import chain_gaps
from analysis.leaders import best_leader_set, headquarters_targets
from analysis.recommend import target_lists
from analysis.scenario import scenario as run_scenario
from api import cli_analysis, services
from api.present import gaps_json, leaders_json, scenario_json, target_lists_json
from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, GraphStore
from graph.view import OPERATOR_COUNTS
from ingest.build import build
from ingest.registry import import_file
from tests.test_dataset import INDUSTRIES

ROOT = Path(__file__).resolve().parents[2]
PREFECTURES_IN_FULL = ("530100", "530300", "532800")  # 昆明, 曲靖, 西双版纳: every question


def _whole_answers(view, industry: str, prefecture: str | None) -> dict:
    gaps = chain_gaps(view, industry, prefecture=prefecture)
    yunnan = gaps if prefecture is None else chain_gaps(view, industry)
    return {
        "gaps": gaps_json(gaps),
        "recommend": target_lists_json(
            target_lists(view, industry, top=10, prefecture=prefecture, gaps=gaps)
        ),
        "leaders": leaders_json(
            best_leader_set(view, industry, k=5, prefecture=prefecture, gaps=gaps),
            headquarters_targets(view, industry, gaps=yunnan),
        ),
    }


def _asked_answers(store: GraphStore, industry: str, prefecture: str | None) -> dict:
    return {
        "gaps": cli_analysis._gaps(store, industry, prefecture),
        "recommend": cli_analysis._targets(store, industry, None, 10, prefecture),
        "leaders": cli_analysis._leaders(store, industry, 5, prefecture),
    }


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("asked") / "kg.db"
    store = SqliteStore(path)
    build(store)
    prefectures = [p["id"] for p in services.prefectures(store)]
    store.close()
    whole = SqliteStore(path)  # keeps the whole industry views: the reference
    asking = SqliteStore(path)  # keeps none: every question reads its part
    yield whole, asking, prefectures
    whole.close()
    asking.close()


@pytest.mark.parametrize("industry", sorted(INDUSTRIES))
def test_every_answer_on_the_part_read_is_the_whole_views(bundled, industry):
    whole, asking, prefectures = bundled
    assert len(prefectures) == 16
    view = whole.graph(industry)
    for prefecture in (None, *PREFECTURES_IN_FULL):
        assert _asked_answers(asking, industry, prefecture) == _whole_answers(view, industry, prefecture)
    for prefecture in prefectures:
        assert cli_analysis._gaps(asking, industry, prefecture) == gaps_json(
            chain_gaps(view, industry, prefecture=prefecture)
        )
    gaps = chain_gaps(view, industry)
    # one node's list: a gap's, and a strong link's (its firms elsewhere are read for it)
    strong = [n.id for n in gaps.nodes if not n.is_gap]
    for node in [gaps.gaps[0].id, *strong[:1]]:
        assert cli_analysis._targets(asking, industry, node, 10, None) == target_lists_json(
            target_lists(view, industry, node=node, top=10, gaps=gaps)
        )
    # arrivals: the best target of the first gap, and a firm of Yunnan's, landing in 曲靖
    arriving = sorted(
        {
            r.enterprise_id
            for r in target_lists(view, industry, node=gaps.gaps[0].id, top=1, gaps=gaps).ranked()
        }
        | {f.id for n in gaps.nodes for f in n.local_firms[:1]}
    )[:2]
    for prefecture in (None, "530300"):
        assert cli_analysis._scenario(asking, industry, arriving, prefecture) == scenario_json(
            run_scenario(view, industry, arriving, prefecture=prefecture)
        )
    assert asking._industry_views.get(industry) is None  # nothing whole was read on its side


def test_a_write_between_the_two_reads_falls_back_to_the_whole_view(tmp_path, monkeypatch):
    """The target lists read the gaps first, then the firms on them. A write landing in between
    that makes another link a gap would leave that gap's firms unread: the whole view is read."""
    path = tmp_path / "kg.db"
    store = SqliteStore(path)
    build(store)
    view = store.graph("green-silicon")
    gaps = chain_gaps(view, "green-silicon")
    # strong by its Yunnan firms alone (no production figure would keep it strong without them)
    strong = next(
        n
        for n in gaps.nodes
        if n.status == "strong" and n.rule == "firms" and n.share is None and n.location_quotient is None
    )
    reads = []
    read = SqliteStore.focused_graph

    def write_after_first(self, industry, focus):
        found = read(self, industry, focus)
        reads.append(focus)
        if len(reads) == 1:  # the link's Yunnan firms stop operating on it
            with self.writing() as writer:
                writer.apply(
                    ChangeSet(
                        delete_edges=tuple((f.id, "OPERATES_IN", strong.id, "") for f in strong.local_firms)
                    )
                )
        return found

    monkeypatch.setattr(SqliteStore, "focused_graph", write_after_first)
    asking = SqliteStore(path)
    assessment = services.asked(asking, "green-silicon", targets=True)
    assert len(reads) == 2 and strong.id not in reads[1].links
    assert assessment.focus is None  # the whole view
    assert strong.id in {n.id for n in assessment.gaps.gaps}
    fresh = SqliteStore(tmp_path / "kg.db")
    assert target_lists_json(assessment.recommend(top=10)) == target_lists_json(
        target_lists(fresh.graph("green-silicon"), "green-silicon", top=10)
    )
    for opened in (store, asking, fresh):
        opened.close()


def test_a_register_s_firms_elsewhere_are_counted_not_read(tmp_path):
    """On a synthetic register most of an industry's firms are elsewhere: the part read holds a
    small share of the whole view's firms, and every answer is the whole view's."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from gen_register import generate

    firms, links = generate(tmp_path / "reg", 600)
    path = tmp_path / "kg.db"
    store = SqliteStore(path)
    build(store)
    import_file(store, "ashare-basic", firms)
    import_file(store, "chain-table", links, mapping=ROOT / "data/mappings/ashare_chain_companies.yaml")
    store.close()
    whole, asking = SqliteStore(path), SqliteStore(path)
    try:
        for industry in ("green-silicon", "biomedicine", "plateau-agriculture"):
            view = whole.graph(industry)
            for prefecture in (None, "530300"):
                assert _asked_answers(asking, industry, prefecture) == _whole_answers(
                    view, industry, prefecture
                )
            part = services.asked(asking, industry).view
            held = sum(1 for _n, label in part.nodes(data="label") if label == "Enterprise")
            every = sum(1 for _n, label in view.nodes(data="label") if label == "Enterprise")
            assert held < every / 2, (industry, held, every)
            assert sum(part.graph[OPERATOR_COUNTS].values()) == sum(
                1
                for _s, t, d in view.edges(data=True)
                if d["type"] == "OPERATES_IN" and t in part.graph[OPERATOR_COUNTS]
            )
    finally:
        whole.close()
        asking.close()


def test_on_neo4j_a_question_reads_its_part_too():
    """Neo4j reads the same part with Cypher: the answers are the whole view's, on a view that
    holds a part of the industry's firms and counts the others."""
    from graph.neo4j_store import Neo4jStore
    from tests.conftest import neo4j_store_or_skip

    store = neo4j_store_or_skip()  # cleared
    assert isinstance(store, Neo4jStore)
    asking = None
    try:
        build(store)
        asking = Neo4jStore(store.uri, user=store.user, password="unused-password", database=store.database)
        for industry in ("green-silicon", "tobacco", "biomedicine"):
            view = store.graph(industry)  # the whole view, kept by `store` only
            for prefecture in (None, "530300"):
                assert _asked_answers(asking, industry, prefecture) == _whole_answers(
                    view, industry, prefecture
                )
            part = services.asked(asking, industry).view
            assert OPERATOR_COUNTS in part.graph and set(part) < set(view)
    finally:
        if asking is not None:
            asking.close()
        store.clear()
        store.close()
