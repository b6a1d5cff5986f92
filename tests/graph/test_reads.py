"""The small views of graph/reads.py give, on each store, the answers the whole graph gives, and
hold only what their question touches (a register of a million firms is never read whole for a
profile page, a project form's chain-node check or the tracking report)."""

from __future__ import annotations

from datetime import date

import networkx as nx
import pytest

from analysis.enterprises import ancestors
from analysis.regions import YUNNAN, enterprises_in
from api import services
from api.present import enterprise_json
from api.reports import report_json, tracking_report
from graph.lookup import chain_node_id
from graph.reads import chain_members, enterprise_view, records_view
from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Edge, GraphStore, Node
from graph.view import chain_node_ids
from ingest.build import build
from tests.analysis.test_tracking import library
from tests.conftest import BUNDLED_INDUSTRIES, neo4j_store_or_skip


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory):
    store = SqliteStore(tmp_path_factory.mktemp("reads") / "kg.db")
    build(store)
    yield store, store.graph()
    store.close()


def profile_of(view: nx.MultiDiGraph, firm: str) -> dict:
    return enterprise_json(view, firm, enterprises_in(view, YUNNAN))


def check_chains(store: GraphStore, whole: nx.MultiDiGraph) -> None:
    for industry in BUNDLED_INDUSTRIES:
        members = chain_members(store, industry)
        assert [n.id for n in members] == sorted(chain_node_ids(whole, industry)), industry
        assert all(n == store.get_node(n.id) for n in members)


def check_profiles(store: GraphStore, whole: nx.MultiDiGraph, firms: list[str]) -> None:
    in_yunnan = enterprises_in(whole, YUNNAN)
    for firm in firms:
        small = enterprise_view(store, firm)
        assert profile_of(small, firm) == enterprise_json(whole, firm, in_yunnan), firm
        # the firm, what it touches and its line of parents, and no other firm
        allowed = {firm, *whole.succ[firm], *whole.pred[firm], *ancestors(whole, firm)}
        assert {n for n, d in small.nodes(data=True) if d["label"] == "Enterprise"} <= allowed, firm


def test_an_industrys_chain_read_alone(bundled):
    store, whole = bundled
    check_chains(store, whole)
    # a chain node named within one industry, resolved without the industry's view
    assert chain_node_id(store, "石墨电极与炭电极", "green-silicon") == "si-graphite-electrodes"


def test_every_enterprise_profile_from_its_surroundings(bundled):
    store, whole = bundled
    firms = sorted(n for n, d in whole.nodes(data=True) if d["label"] == "Enterprise")
    assert len(firms) > 500
    # every firm in a group or with a tie, and every third of the others
    grouped = {
        f
        for f in firms
        if any(d["type"] in {"SUBSIDIARY_OF", "SUPPLIES"} for _, _, d in whole.in_edges(f, data=True))
    }
    grouped |= {
        f
        for f in firms
        if any(d["type"] in {"SUBSIDIARY_OF", "SUPPLIES"} for _, _, d in whole.out_edges(f, data=True))
    }
    check_profiles(store, whole, sorted(grouped | set(firms[::3])))
    # through the service the pages use, for a firm two levels down a group
    deep = next(f for f in firms if len(ancestors(whole, f)) >= 2)
    assert services.profile(store, deep) == profile_of(whole, deep)


def test_the_tracking_report_from_the_records_alone(tmp_path):
    """The tracking report's hand-built library (tests/analysis/test_tracking.py) in a store
    beside the bundled data: the report on the records alone is the report on the whole."""
    store = SqliteStore(tmp_path / "kg.db")
    try:
        build(store)
        g = library()
        nodes = [
            Node(n, d["label"], {k: v for k, v in d.items() if k != "label"}) for n, d in g.nodes(data=True)
        ]
        edges = [Edge(u, d["type"], v, "", {}) for u, v, d in g.edges(data=True)]
        store.apply(ChangeSet(nodes=tuple(n for n in nodes if n.label not in {"Region"}), edges=tuple(edges)))
        records = records_view(store)
        assert not any(d["label"] == "Enterprise" for _, d in records.nodes(data=True))
        for year in (2023, 2024):
            whole = report_json(tracking_report(store.graph(), year, date(year, 12, 31)))
            assert report_json(tracking_report(records, year, date(year, 12, 31))) == whole
        assert report_json(tracking_report(records, 2024))["quota"]["total"] == 2  # p1 and p3
    finally:
        store.close()


def test_neo4j_reads_the_same_small_views(bundled):
    store = neo4j_store_or_skip()
    try:
        build(store)
        whole = bundled[1]
        check_chains(store, whole)
        firms = sorted(n for n, d in whole.nodes(data=True) if d["label"] == "Enterprise")[::25]
        check_profiles(store, whole, firms)
    finally:
        store.close()


def search_on_the_whole(whole: nx.MultiDiGraph, store: GraphStore, **filters: object) -> dict:
    """Enterprise search as a plain filter over the whole graph (what `services.search` did
    before it read with look-ups): the oracle it must agree with."""
    from analysis.regions import located_in, region_descendants
    from api.present import enterprise_brief_json
    from graph.lookup import industry_id, resolve

    yunnan = enterprises_in(whole, YUNNAN)
    wanted = " ".join(str(filters.get("q") or "").split()).casefold()
    tier = filters.get("tier")
    tier_id = resolve("ranking list", str(tier), store.find_nodes("RankingList")).id if tier else None
    node_id = chain_node_id(store, str(filters["node"])) if filters.get("node") else None
    prefecture = filters.get("prefecture")
    in_region = located_in(whole, region_descendants(whole, str(prefecture))) if prefecture else None
    industry = filters.get("industry")
    members = chain_node_ids(whole, industry_id(store, str(industry))) if industry else None
    hits = []
    for firm, data in whole.nodes(data=True):
        if data["label"] != "Enterprise":
            continue
        rank = services._match_rank(Node(firm, "Enterprise", data), wanted) if wanted else 0
        if rank is None or (in_region is not None and firm not in in_region):
            continue
        if filters.get("in_yunnan") is not None and (firm in yunnan) != filters["in_yunnan"]:
            continue
        out = [(t, d) for _, t, d in whole.out_edges(firm, data=True)]
        if tier_id and not any(d["type"] == "RANKED_IN" and t == tier_id for t, d in out):
            continue
        operated = {t for t, d in out if d["type"] == "OPERATES_IN"}
        if (node_id and node_id not in operated) or (members is not None and not operated & members):
            continue
        hits.append((rank, firm))
    hits.sort()
    limit, offset = int(filters.get("limit", 20)), int(filters.get("offset", 0))  # type: ignore[call-overload]
    page = hits[offset : offset + limit]
    items = [enterprise_brief_json(whole, firm, yunnan) for _, firm in page]
    return {"total": len(hits), "limit": limit, "offset": offset, "items": items}


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"offset": 40, "limit": 7},
        {"q": "云南"},
        {"q": "  中国  ", "limit": 50},
        {"q": "LONGi"},
        {"q": "隆基"},
        {"q": "云南 铝业"},
        {"q": "铝", "in_yunnan": True},
        {"q": "铝", "in_yunnan": False, "offset": 3},
        {"tier": "fortune-global-500", "limit": 100},
        {"node": "si-graphite-electrodes"},
        {"industry": "green-silicon", "in_yunnan": False, "limit": 30},
        {"industry": "green-silicon", "in_yunnan": True, "limit": 30},
        {"in_yunnan": True, "limit": 50},
        {"in_yunnan": False, "offset": 100},
        {"tier": "china-500", "in_yunnan": False, "limit": 40},
        {"industry": "tobacco", "prefecture": "530100"},
        {"prefecture": "530300", "q": "硅"},
    ],
)
def test_enterprise_search_reads_with_look_ups_and_answers_as_over_the_whole(bundled, filters):
    store, whole = bundled
    found = services.search(store, **filters)  # type: ignore[arg-type]
    assert found == search_on_the_whole(whole, store, **filters)
    assert filters or found["total"] > 500  # the unfiltered search counts every firm


@pytest.mark.parametrize("backend", ["sqlite", "neo4j"])
def test_a_chinese_name_search_is_narrowed_by_the_store(bundled, tmp_path, backend):
    """A Chinese name is looked for by the store in the stored text (every firm a case-folded
    search finds is among what it narrows to); a Latin one too, with the ASCII letters lowered
    (see the next test)."""
    from graph.store import StoreConveniences, narrowable

    store = SqliteStore(tmp_path / "kg.db") if backend == "sqlite" else neo4j_store_or_skip()
    try:
        build(store)
        extra = [("de-1", "Großmann Gruppe"), ("de-2", "\u212aelvin 科技"), ("de-3", "云南“引号”公司")]
        store.upsert_nodes(
            [
                Node(i, "Enterprise", {"name": n, "source": "t", "as_of": "2026", "confidence": "low"})
                for i, n in extra
            ]
        )
        every = store.find_nodes("Enterprise")
        for text in ("隆基", "云南铝业", "2024", "“引号”", "科技", "无此企业"):
            assert narrowable(text), text
            found = store.nodes_containing("Enterprise", text)
            assert found == StoreConveniences.nodes_containing(store, "Enterprise", text), text  # type: ignore[arg-type]
            folded = {
                n.id
                for n in every
                if any(text in name.casefold() for name in (n.id, n.name, *n.props.get("aliases", ())))
            }
            assert folded <= {n.id for n in found}, text
        assert [n.id for n in store.nodes_containing("Enterprise", "隆基")][:2] == ["longi", "longi-baoshan"]
        assert not any(narrowable(t) for t in ("longi", "gross", "Ä", 'a"b', "\\", "ⅰ"))
        # no character narrowable is made by case folding another (so raw text and folded agree)
        assert not {
            x for c in map(chr, range(0x110000)) if c.casefold() != c for x in c.casefold() if narrowable(x)
        }
        assert [f["id"] for f in services.search(store, q="GROSSMANN")["items"]] == ["de-1"]
        assert [f["id"] for f in services.search(store, q="kelvin 科技")["items"]] == ["de-2"]
        assert [f["id"] for f in services.search(store, q="“引号”")["items"]] == ["de-3"]
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite", "neo4j"])
def test_an_ascii_name_search_is_narrowed_by_the_store_to_a_superset(bundled, tmp_path, backend):
    """An English name is looked for by the store with ASCII letters lowered, and every firm
    holding a character whose case folding makes ASCII (ß folds to ss, the Kelvin sign to k, ﬁ
    to fi) is kept too: every firm whose names hold the text case-folded is among what it
    narrows to, so the search and a firm typed by name answer as over every firm's names."""
    import sys

    from graph.lookup import enterprise_names, firms_named, resolve
    from graph.store import FOLDS_TO_ASCII, foldable, names_of

    assert FOLDS_TO_ASCII == "".join(
        c for c in map(chr, range(0x80, sys.maxunicode + 1)) if any(x.isascii() for x in c.casefold())
    )
    store = SqliteStore(tmp_path / "kg.db") if backend == "sqlite" else neo4j_store_or_skip()
    try:
        build(store)
        extra = [
            ("de-1", "Großmann Gruppe", []),
            ("de-2", "\u212aelvin Instruments", []),
            ("fr-1", "Banque \ufb01nance", ["\u0130stanbul Office"]),
            ("x-1", "某某公司", ["LONGI-like Co"]),
        ]
        store.upsert_nodes(
            [
                Node(
                    i,
                    "Enterprise",
                    {"name": n, "aliases": a, "source": "t", "as_of": "2026", "confidence": "low"},
                )
                for i, n, a in extra
            ]
        )
        every = enterprise_names(store)
        texts = sorted(
            {w.casefold() for n in every[::5] for name in names_of(n) for w in name.split() if foldable(w)}
        )
        texts += ["grossmann", "kelvin", "finance", "fin", "i", "longi", "co., ltd", "abb", "zz-none"]
        for text in texts:
            assert foldable(text), text
            exact = [n.id for n in every if any(text in name.casefold() for name in names_of(n))]
            found = firms_named(store, text)
            assert [n.id for n in found if any(text in name.casefold() for name in names_of(n))] == exact, (
                text
            )
            assert all(n.id in {f.id for f in every} for n in found), text
        assert {n.id for n in firms_named(store, "grossmann")} >= {"de-1"}
        assert {n.id for n in firms_named(store, "kelvin")} >= {"de-2"}
        assert {n.id for n in firms_named(store, "finance")} >= {"fr-1"}
        assert resolve("enterprise", "GROSSMANN GRUPPE", firms_named(store, "grossmann gruppe")).id == "de-1"
        assert [f["id"] for f in services.search(store, q="LONGi-like")["items"]] == ["x-1"]
    finally:
        store.close()


def test_a_firm_typed_by_name_resolves_as_among_every_firm(bundled):
    """`resolve_enterprise` narrows a Chinese name in the store first: the answer, or the error
    and its suggestions, is the one `resolve` gives among every firm."""
    from graph.errors import NotFoundError
    from graph.lookup import resolve, resolve_enterprise

    store = bundled[0]
    every = store.find_nodes("Enterprise")
    texts = [n.name for n in every[::7]] + [a for n in every[::11] for a in n.props.get("aliases", [])[:1]]
    texts += ["隆基", "云南", "中国", "云南铝", "铝业", "隆基绿能科技", "无此企业", "LONGi", "longi", "中铝"]

    def outcome(pool_of):
        try:
            return pool_of().id
        except NotFoundError as exc:
            return ("error", str(exc), tuple(exc.suggestions))

    for text in texts:
        expected = outcome(lambda t=text: resolve("enterprise", t, every))
        assert outcome(lambda t=text: resolve_enterprise(store, t)) == expected, text
