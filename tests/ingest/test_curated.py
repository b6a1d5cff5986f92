"""The curated-dataset loader and `build`: good input loads, bad input names file, row and problem,
and the store is left exactly as it was."""

from __future__ import annotations

import pytest

from graph.errors import ValidationError
from ingest.build import build
from ingest.curated import load_dataset
from tests.ingest.tiny_dataset import FILES, write_tiny_dataset


def problems_of(root) -> list[str]:
    with pytest.raises(ValidationError) as err:
        load_dataset(root)
    return err.value.problems


def test_tiny_dataset_loads(tmp_path):
    changes = load_dataset(write_tiny_dataset(tmp_path))
    labels = sorted(n.label for n in changes.nodes)
    assert labels.count("ChainNode") == 3 and labels.count("Enterprise") == 2 and labels.count("Region") == 4
    node = next(n for n in changes.nodes if n.id == "longi-baoshan")
    assert node.props["aliases"] == ["保山隆基", "隆基保山"]
    edges = {(e.source, e.type, e.target, e.key) for e in changes.edges}
    assert ("longi-baoshan", "HAS_SITE", "530500", "hq") in edges
    assert ("tongwei", "RANKED_IN", "fortune-global-500", "2024") in edges
    assert ("industrial-silicon", "PART_OF", "green-silicon", "") in edges
    assert ("530500", "PART_OF", "530000", "") in edges


def test_build_is_idempotent_and_removes_what_the_data_dropped(tmp_path, store):
    root = write_tiny_dataset(tmp_path)
    first = build(store, root)
    assert first.nodes_created == 11 and first.changed
    assert not build(store, root).changed
    ops = FILES["operates/green-silicon.csv"].splitlines()
    (tmp_path / "operates/green-silicon.csv").write_text("\n".join(ops[:2]) + "\n", encoding="utf-8")
    third = build(store, root)
    assert third.edges_deleted == 1
    assert store.find_edges(source="longi-baoshan", type="OPERATES_IN") == []


def test_build_leaves_other_origins_alone(tmp_path, store):
    from graph.store import Node

    root = write_tiny_dataset(tmp_path)
    build(store, root)
    store.upsert_nodes([Node("imported-firm", "Enterprise", {"name": "导入企业", "origin": "import"})])
    build(store, root)
    assert store.get_node("imported-firm") is not None


@pytest.mark.parametrize(
    ("rel", "text", "expected"),
    [
        (
            "operates/green-silicon.csv",
            "enterprise_id,node_id,role,capacity,unit,source,as_of,confidence\ntongwei,si-cell,leader,,,,2023,high\n",
            "operates/green-silicon.csv:2: missing source",
        ),
        (
            "operates/green-silicon.csv",
            "enterprise_id,node_id,role,capacity,unit,source,as_of,confidence\ntongwei,si-ingot,leader,,,年报,2023,high\n",
            "operates/green-silicon.csv:2: OPERATES_IN refers to unknown id 'si-ingot'",
        ),
        (
            "chains/green-silicon.yaml",
            "industry: green-sillicon\nnodes: []\n",
            "unknown industry 'green-sillicon'",
        ),
        (
            "enterprises/dup.csv",
            "id,name,name_en,aliases,ownership,hq_region,hq_city,stock_code,parent_id,revenue_100m_cny,revenue_year,tags,source,as_of,confidence\n"
            "tongwei,通威集团,,,private,510000,成都,,,,,,年报,2023,high\n",
            "duplicate id 'tongwei' (first defined at",
        ),
        (
            "ties/test.csv",
            "from_id,to_id,kind,source,as_of,confidence\ntongwei,si-wafer,supplies,年报,2023,high\n",
            "ties/test.csv:2: tongwei (Enterprise) -[SUPPLIES]-> si-wafer (ChainNode) is not allowed by the schema",
        ),
        (
            "operates/green-silicon.csv",
            "enterprise_id,node_id,role,capacity,source,as_of,confidence\ntongwei,si-cell,leader,,年报,2023,high\n",
            "operates/green-silicon.csv:1: missing column(s) unit",
        ),
        (
            "operates/green-silicon.csv",
            "enterprise_id,node_id,role,capacity,unit,source,as_of,confidence\ntongwei,si-cell,leader,lots,,年报,2023,high\n",
            "operates/green-silicon.csv:2: capacity 'lots' is not a number",
        ),
        (
            "operates/green-silicon.csv",
            "enterprise_id,node_id,role,capacity,unit,source,as_of,confidence\ntongwei,si-cell,leader,,年报,2023,high\n",
            "operates/green-silicon.csv:2: 7 cells but the header has 8",
        ),
        (
            "operates/green-silicon.csv",
            "enterprise_id,node_id,role,capacity,unit,source,as_of,confidence\ntongwei,si-cell,boss,,,年报,last year,high\n",
            "operates/green-silicon.csv:2: role 'boss' is not one of leader, major, player",
        ),
        (
            "chains/green-silicon.yaml",
            "industry: green-silicon\nnodes:\n  - {id: si-wafer, name: 硅片, stage: middle, source: x, as_of: 2023, confidence: sure}\n",
            "chains/green-silicon.yaml nodes[1] (si-wafer): stage 'middle' is not one of",
        ),
        (
            "chains/green-silicon.yaml",
            "industry: green-silicon\nnodes: [\n",
            "chains/green-silicon.yaml:3: not valid YAML",
        ),
    ],
)
def test_bad_input_names_file_row_and_problem(tmp_path, rel, text, expected):
    write_tiny_dataset(tmp_path)
    (tmp_path / rel).write_text(text, encoding="utf-8")
    found = problems_of(tmp_path)
    assert any(expected in p for p in found), found


def test_gbk_file_is_named_as_such(tmp_path):
    write_tiny_dataset(tmp_path)
    (tmp_path / "enterprises/test.csv").write_bytes(FILES["enterprises/test.csv"].encode("gbk"))
    found = problems_of(tmp_path)
    assert any("enterprises/test.csv:2: not valid UTF-8" in p and "GBK" in p for p in found), found


def test_bad_build_leaves_the_store_exactly_as_before(tmp_path, store):
    root = write_tiny_dataset(tmp_path)
    build(store, root)
    before = (store.find_nodes(), store.find_edges())
    (tmp_path / "operates/green-silicon.csv").write_text(
        "enterprise_id,node_id,role,capacity,unit,source,as_of,confidence\n"
        "tongwei,si-cell,major,,,年报,2024,high\n"
        "ghost,si-cell,leader,,,年报,2023,high\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError, match="ghost"):
        build(store, root)
    assert (store.find_nodes(), store.find_edges()) == before


LOCAL_FILES = {
    "parks/parks.csv": (
        "id,name,level,region_id,leading_industries,leading_nodes,land_available_mu,power_price_cny_kwh,"
        "energy_quota_tce,notes,source,as_of,confidence\n"
        "baoshan-park,保山产业园区,provincial,530500,green-silicon,si-wafer;industrial-silicon,568,0.35,,"
        "硅光伏基地,园区简介,2024,medium\n"
    ),
    "regions/prefecture_units.csv": (
        "region_id,industry_id,unit,role,source,as_of,confidence\n"
        "530500,,保山市投资促进局,investment-promotion,新华网,2022,high\n"
        "530500,green-silicon,保山市工业和信息化局,industry-lead,保山市政府网,2024,medium\n"
    ),
    "policies/policies.csv": (
        "id,name,issuer,doc_number,date,summary,source,as_of,confidence,valid_from,valid_until,validity\n"
        "p-old,三年行动（2022—2024年）,云南省人民政府,,2022,旧,报道,2022,medium,2022,2024,expired\n"
    ),
    "policies/overcapacity.csv": (
        "node_id,notice,issuer,date,summary,source,as_of,confidence\n"
        "si-cell,光伏制造行业规范条件（2024年本）,工业和信息化部,2024-11-20,减少单纯扩大产能,中国电子报,2024-11,high\n"
    ),
}


def test_parks_units_policy_validity_and_overcapacity_load(tmp_path):
    write_tiny_dataset(tmp_path)
    for rel, text in LOCAL_FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    changes = load_dataset(tmp_path)
    nodes = {n.id: n for n in changes.nodes}
    park = nodes["baoshan-park"]
    assert park.label == "Park" and park.props["level"] == "provincial"
    assert park.props["leading_nodes"] == ["si-wafer", "industrial-silicon"]
    assert park.props["land_available_mu"] == 568 and park.props["power_price_cny_kwh"] == 0.35
    assert "energy_quota_tce" not in park.props  # empty: not stated, never zero
    assert ("baoshan-park", "LOCATED_IN", "530500", "") in {
        (e.source, e.type, e.target, e.key) for e in changes.edges
    }
    baoshan = nodes["530500"].props
    assert baoshan["unit_names"] == ["保山市投资促进局", "保山市工业和信息化局"]
    assert baoshan["unit_roles"] == ["investment-promotion", "industry-lead"]
    assert baoshan["unit_industries"] == ["", "green-silicon"]
    assert nodes["p-old"].props["validity"] == "expired" and nodes["p-old"].props["valid_until"] == "2024"
    assert nodes["si-cell"].props["overcapacity_issuers"] == ["工业和信息化部"]
    assert nodes["si-cell"].props["overcapacity_dates"] == ["2024-11-20"]


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"),
    [
        (
            "parks/parks.csv",
            ",provincial,",
            ",county-park,",
            "parks/parks.csv:2: level 'county-park' is not one of",
        ),
        (
            "parks/parks.csv",
            "si-wafer;",
            "si-wafr;",
            "parks/parks.csv:2: leading_nodes: unknown chain node 'si-wafr'",
        ),
        ("parks/parks.csv", ",568,", ",lots,", "parks/parks.csv:2: land_available_mu 'lots' is not a number"),
        ("regions/prefecture_units.csv", "530500,green", "539999,green", "unknown Region id '539999'"),
        (
            "regions/prefecture_units.csv",
            ",green-silicon,",
            ",,",
            "an industry-lead unit needs a known industry_id",
        ),
        (
            "policies/policies.csv",
            ",expired\n",
            ",lapsed\n",
            "policies/policies.csv:2: validity 'lapsed' is not one of",
        ),
        (
            "policies/overcapacity.csv",
            "si-cell,",
            "si-cel,",
            "policies/overcapacity.csv:2: unknown ChainNode id 'si-cel'",
        ),
    ],
)
def test_bad_local_data_names_file_row_and_problem(tmp_path, rel, old, new, expected):
    write_tiny_dataset(tmp_path)
    for name, text in LOCAL_FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text.replace(old, new) if name == rel else text, encoding="utf-8")
    found = problems_of(tmp_path)
    assert any(expected in p for p in found), found
