"""`chainkg import` on small inline files: each source, units, editions, bad rows, encodings."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import NotFoundError, ValidationError
from graph.sqlite_store import SqliteStore
from ingest.build import build
from ingest.registry import import_file
from tests.ingest.tiny_dataset import write_tiny_dataset

PRIVATE = "rank,name,province,revenue_wan_cny\n1,通威股份有限公司,四川省,13910000\n2,云南新兴企业有限公司,云南省,500000\n"


@pytest.fixture
def tiny(tmp_path: Path):
    store = SqliteStore(tmp_path / "kg.db")
    build(store, write_tiny_dataset(tmp_path / "data"))
    yield store
    store.close()


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_private_500_matches_and_creates(tiny, tmp_path):
    plan, _result = import_file(tiny, "china-private-500", write(tmp_path, "private_2026.csv", PRIVATE))
    assert plan.edition == "2026"  # from the file name
    assert (plan.count("matched"), plan.count("new"), plan.count("rejected")) == (1, 1, 0)
    matched = next(o for o in plan.outcomes if o.status == "matched")
    assert (matched.enterprise_id, matched.method) == ("tongwei", "exact")
    edge = next(e for e in tiny.find_edges(source="tongwei", type="RANKED_IN") if e.key == "2026")
    # 13,910,000 万元 = 1,391 亿元; the original kept
    assert edge.props["revenue_100m_cny"] == 1391.0
    assert (edge.props["revenue_original"], edge.props["revenue_unit"], edge.props["revenue_year"]) == (
        13910000.0,
        "万元",
        2025,
    )
    new = next(o for o in plan.outcomes if o.status == "new")
    assert tiny.find_edges(source=new.enterprise_id, type="HAS_SITE")[0].target == "530000"
    again, second = import_file(tiny, "china-private-500", tmp_path / "private_2026.csv")
    assert not second.changed and again.count("matched") == 2


def test_editions_coexist(tiny, tmp_path):
    import_file(tiny, "china-private-500", write(tmp_path, "p.csv", PRIVATE), edition="2025")
    import_file(tiny, "china-private-500", tmp_path / "p.csv", edition="2026")
    keys = [
        e.key for e in tiny.find_edges(source="tongwei", type="RANKED_IN") if e.target == "china-private-500"
    ]
    assert keys == ["2025", "2026"]


def test_fortune_dollars_to_yuan(tiny, tmp_path):
    text = 'RANK,NAME,REVENUES ($M)\n1,Walmart,"$648,125"\n2,Tongwei,"$19,700"\n'
    plan, _ = import_file(tiny, "fortune-global-500", write(tmp_path, "g500.csv", text), edition="2024")
    assert plan.count("matched") == 1  # Tongwei: the bundled English name
    edge = next(e for e in tiny.find_edges(type="RANKED_IN") if e.props.get("listed_name") == "Walmart")
    # $648,125M x 7.0467 (2023 average) / 100 = 45,671.42 亿元
    assert edge.props["revenue_100m_cny"] == pytest.approx(45671.4244)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rank,name,province\n1,甲公司,四川省\n", "missing column revenue"),
        (
            "rank,name,province,revenue_wan_cny\n1,甲公司,四川省,很多\n",
            "p.csv:2: column revenue_wan_cny: revenue '很多' is not a number",
        ),
        (
            "rank,name,province,revenue_wan_cny\n1,甲公司,四川省,100\n1,乙公司,四川省,90\n",
            "p.csv:3: column rank: duplicate rank 1 in edition 2026 (also line 2)",
        ),
        ("rank,name,province,revenue_wan_cny\n1,甲公司,四川省\n", "p.csv:2: 3 cells but the header has 4"),
        (
            "rank,name,province,revenue_wan_cny\n1,甲公司,四川省,100\n2,甲公司,四川省,90\n",
            "the same enterprise as line 2",
        ),
    ],
)
def test_bad_rows_name_file_row_and_column_and_write_nothing(tiny, tmp_path, text, expected):
    before = tiny.counts()
    with pytest.raises(ValidationError) as err:
        import_file(tiny, "china-private-500", write(tmp_path, "p.csv", text), edition="2026")
    assert any(expected in p for p in err.value.problems), err.value.problems
    assert tiny.counts() == before


def test_dry_run_lists_every_problem_and_skip_invalid_imports_the_rest(tiny, tmp_path):
    text = "rank,name,province,revenue_wan_cny\n1,甲公司,四川省,x\n2,乙公司,四川省,y\n3,丙公司,四川省,300\n"
    path = write(tmp_path, "p.csv", text)
    plan, result = import_file(tiny, "china-private-500", path, edition="2026", dry_run=True)
    assert result is None and len(plan.problems) == 2
    plan, result = import_file(tiny, "china-private-500", path, edition="2026", skip_invalid=True)
    assert plan.count("rejected") == 2 and plan.count("new") == 1 and result.changed


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_office_encodings(tiny, tmp_path, encoding):
    plan, _ = import_file(
        tiny, "china-private-500", write(tmp_path, "p.csv", PRIVATE, encoding), edition="2026"
    )
    assert plan.count("matched") == 1 and plan.count("new") == 1


def test_xlsx(tiny, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["rank", "name", "province", "revenue_wan_cny"])
    sheet.append([1, "通威股份有限公司", "四川省", 13910000])
    book.save(tmp_path / "p.xlsx")
    plan, _ = import_file(tiny, "china-private-500", tmp_path / "p.xlsx", edition="2026")
    assert plan.count("matched") == 1


def test_ashare_by_code_in_either_form(tiny, tmp_path):
    text = (
        "ts_code,symbol,name,fullname,enname,area,industry\n"
        "600438.SH,600438,通威股份,通威股份有限公司（新名称）,Tongwei,四川,电气设备\n"
        "601012.SH,601012,隆基绿能,隆基绿能科技股份有限公司,LONGi,陕西,电气设备\n"
    )
    plan, _ = import_file(tiny, "ashare-basic", write(tmp_path, "a.csv", text))
    by_line = {o.line: o for o in plan.outcomes}
    assert (by_line[2].enterprise_id, by_line[2].method) == ("tongwei", "code")
    assert by_line[3].status == "new"


def test_chain_table_with_a_mapping(tiny, tmp_path):
    mapping = write(
        tmp_path,
        "m.yaml",
        (
            "kind: relations\nfrom: 产品\nto: 原料\ntype: 关系\n"
            "types: {上游: {edge: FEEDS, reverse: true}, 子类: {edge: PART_OF, reverse: true}}\n"
            "source: 某供应商产业链表 2025版\nas_of: '2025'\nconfidence: medium\n"
        ),
    )
    table = write(
        tmp_path,
        "t.csv",
        "产品,原料,关系\n单晶硅片,工业硅,上游\n单晶硅片,N型硅片,子类\n单晶硅片,单晶硅片,上游\n",
    )
    with pytest.raises(ValidationError, match="relates to itself"):
        import_file(tiny, "chain-table", table, mapping=mapping)
    plan, _ = import_file(tiny, "chain-table", table, mapping=mapping, skip_invalid=True)
    edges = {(e.source, e.type, e.target) for e in plan.changes.edges}
    # 单晶硅片 and 工业硅 are the curated chain's own nodes (matched by name), and the curated
    # chain already says 工业硅 feeds 单晶硅片: that row is "matched" and the curated edge stays
    n_type = next(n.id for n in plan.changes.nodes if n.props["name"] == "N型硅片")
    assert edges == {(n_type, "PART_OF", "si-wafer")}
    assert [n.props["name"] for n in plan.changes.nodes] == ["N型硅片"]
    assert (plan.count("matched"), plan.count("new")) == (1, 1)
    assert tiny.find_edges(source="industrial-silicon", type="FEEDS")[0].props["origin"] == "dataset"
    again, _ = import_file(tiny, "chain-table", table, mapping=mapping, skip_invalid=True)
    assert (again.count("matched"), again.count("new")) == (2, 0)
    assert not import_file(tiny, "chain-table", table, mapping=mapping, skip_invalid=True)[1].changed
    # a vendor's sub-product under a curated node does not join the chain the analyses assess
    from graph.view import chain_node_ids

    assert chain_node_ids(tiny.graph(), "green-silicon") == {"industrial-silicon", "si-wafer", "si-cell"}


def test_chain_table_companies_and_mapping_errors(tiny, tmp_path):
    mapping = write(
        tmp_path,
        "c.yaml",
        "kind: companies\ncompany: code\nnode: product\nsource: x\nas_of: '2021'\nconfidence: low\n",
    )
    table = write(tmp_path, "c.csv", "code,product\n600438,电池片\n999999,某产品\n")
    plan, _ = import_file(tiny, "chain-table", table, mapping=mapping, skip_invalid=True)
    assert plan.count("matched") == 1 and plan.count("rejected") == 1
    assert "999999" in plan.problems[0]
    with pytest.raises(ValidationError, match="kind must be relations or companies"):
        import_file(tiny, "chain-table", table, mapping=write(tmp_path, "bad.yaml", "kind: stuff\n"))
    with pytest.raises(ValidationError, match="needs --mapping"):
        import_file(tiny, "chain-table", table)


def test_unknown_source(tiny, tmp_path):
    with pytest.raises(NotFoundError):
        import_file(tiny, "forbes", write(tmp_path, "x.csv", PRIVATE))


def test_uncertain_rows_stay_on_the_review_list_on_re_import(tiny, tmp_path):
    # 通威集团 is 通威股份 only once 集团 is dropped: kept apart, listed for review, both times
    path = write(tmp_path, "p.csv", "rank,name,province,revenue_wan_cny\n1,通威集团有限公司,四川省,100\n")
    first, _ = import_file(tiny, "china-private-500", path, edition="2026")
    second, written = import_file(tiny, "china-private-500", path, edition="2026")
    assert first.count("uncertain") == second.count("uncertain") == 1
    assert "tongwei" in second.outcomes[0].detail and not written.changed


def test_a_skipped_duplicate_row_writes_nothing_of_its_own(tiny, tmp_path):
    text = "rank,name,province,revenue_wan_cny\n1,测试甲乙有限公司,四川省,100\n2,测试甲乙股份有限公司,四川省,90\n"
    plan, _ = import_file(
        tiny, "china-private-500", write(tmp_path, "p.csv", text), edition="2026", skip_invalid=True
    )
    assert plan.count("rejected") == 1
    (node,) = [n for n in tiny.find_nodes("Enterprise") if n.props.get("name", "").startswith("测试甲乙")]
    assert node.props["name"] == "测试甲乙有限公司"


def test_a_table_cannot_classify_a_pair_the_graph_has_as_flow(tiny, tmp_path):
    mapping = write(
        tmp_path,
        "m.yaml",
        (
            "kind: relations\nfrom: 产品\nto: 原料\ntype: 关系\ntypes: {子类: {edge: PART_OF, reverse: true}}\n"
            "source: 某供应商产业链表\nas_of: '2025'\nconfidence: medium\n"
        ),
    )
    table = write(tmp_path, "t.csv", "产品,原料,关系\n工业硅,单晶硅片,子类\n")
    with pytest.raises(ValidationError, match="already related as FEEDS"):
        import_file(tiny, "chain-table", table, mapping=mapping)


def test_a_company_table_leaves_the_graphs_own_operations_as_they_are(tiny, tmp_path):
    mapping = write(
        tmp_path,
        "c.yaml",
        "kind: companies\ncompany: code\nnode: product\nrole: player\nsource: x\nas_of: '2021'\nconfidence: low\n",
    )
    # tongwei leads si-cell in the curated data; the vendor says player on 电池片: the curated row stays
    plan, written = import_file(
        tiny, "chain-table", write(tmp_path, "c.csv", "code,product\n600438,电池片\n"), mapping=mapping
    )
    assert plan.count("matched") == 1 and not written.changed
    (edge,) = tiny.find_edges(source="tongwei", type="OPERATES_IN", target="si-cell")
    assert (edge.props["role"], edge.props["origin"]) == ("leader", "dataset")


def test_signals_import_checks_like_the_dataset_and_writes_once(tiny, tmp_path):
    header = "enterprise_id,date,kind,region_id,node_id,amount_100m_cny,summary,source,as_of,confidence\n"
    good = "tongwei,2026-10,expansion,530000,si-cell,12,通威来滇扩产,某州市招商局接待记录,2026-10,low\n"
    bad = "nobody,2026,rumour,999999,zz,lots,,,,\n"
    with pytest.raises(ValidationError) as caught:
        import_file(tiny, "signals", write(tmp_path, "s.csv", header + good + bad))
    problems = "\n".join(caught.value.problems)
    for needle in (
        "s.csv:3: kind 'rumour'",
        "s.csv:3: date '2026' is not YYYY-MM",
        "s.csv:3: amount_100m_cny 'lots'",
        "s.csv:3: missing summary",
        "s.csv:3: column enterprise_id: no enterprise 'nobody'",
        "s.csv:3: column region_id: no region '999999'",
        "s.csv:3: column node_id: no chain node 'zz'",
    ):
        assert needle in problems
    assert not tiny.find_edges(type="SIGNALLED")  # nothing half loaded
    path = write(tmp_path, "s.csv", header + good)
    plan, written = import_file(tiny, "signals", path)
    assert plan.count("matched") == 1 and written.edges_created == 1
    (edge,) = tiny.find_edges(source="tongwei", type="SIGNALLED")
    assert (edge.target, edge.key, edge.props["amount_100m_cny"], edge.props["origin"]) == (
        "530000",
        "2026-10:expansion:si-cell",
        12.0,
        "import:signals",
    )
    assert not import_file(tiny, "signals", path)[1].changed


def test_company_products_become_operations_on_chain_links_through_the_word_mapping(tiny, tmp_path):
    write(
        tmp_path,
        "links.csv",
        "product,match,node_id,confidence,note,source,as_of\n"
        "单晶硅片,exact,si-wafer,high,,映射,2026-12\n"
        "硅片,contains,si-wafer,medium,,映射,2026-12\n"
        "工业硅,contains,industrial-silicon,medium,,映射,2026-12\n",
    )
    mapping = write(
        tmp_path,
        "c.yaml",
        "kind: companies\ncompany: code\nnode: product\nweight: w\nsource: 某供应商产业链库\n"
        "as_of: '2021'\nconfidence: low\nlinks: links.csv\nmin_weight: 0.05\n",
    )
    table = write(
        tmp_path,
        "c.jsonl",
        '{"code": "600438.SH", "product": "N型硅片产品", "w": 0.3}\n'  # contains 硅片 -> si-wafer, medium
        '{"code": "600438.SH", "product": "单晶硅片", "w": 0.4}\n'  # exact -> si-wafer, high: heavier, kept
        '{"code": "600438.SH", "product": "工业硅粉", "w": 0.01}\n'  # below min_weight: no link
        '{"code": "600438.SH", "product": "饲料", "w": 0.5}\n',  # no word: the vendor node only
    )
    plan, _ = import_file(tiny, "chain-table", table, mapping=mapping)
    (edge,) = tiny.find_edges(source="tongwei", type="OPERATES_IN", target="si-wafer")
    # the word maps with high confidence, but the vendor's table is low: the row is low
    assert (edge.props["confidence"], edge.props["source"], edge.props["product"], edge.props["weight"]) == (
        "low",
        "某供应商产业链库",
        "单晶硅片",
        0.4,
    )
    assert not tiny.find_edges(source="tongwei", type="OPERATES_IN", target="industrial-silicon")
    assert plan.notes[-1].startswith("1 company-link operations")
    write(
        tmp_path, "links.csv", "product,match,node_id,confidence,note,source,as_of\n硅,fuzzy,x,high,,m,2026\n"
    )
    with pytest.raises(ValidationError, match=r"links\.csv: 1 bad row"):
        import_file(tiny, "chain-table", table, mapping=mapping)


def test_company_industries_become_operations_on_chain_links_through_the_industry_mapping(tiny, tmp_path):
    # company_industry.json's shape: one industry a company, no weight column
    import_file(
        tiny,
        "ashare-basic",
        write(
            tmp_path,
            "firms.csv",
            "ts_code,name,fullname,area,industry\n"
            "800001.SZ,硅甲,硅甲测试股份有限公司,江苏,电气设备\n"
            "800002.SZ,酒乙,酒乙测试股份有限公司,贵州,白酒\n",
        ),
    )
    write(
        tmp_path,
        "industries.csv",
        "product,match,node_id,confidence,note,source,as_of\n"
        "硅料硅片,exact,si-wafer,low,含硅料与硅片,申万行业映射,2026-12\n"
        "光伏电池组件,exact,si-cell,medium,,申万行业映射,2026-12\n",
    )
    mapping = write(
        tmp_path,
        "i.yaml",
        "kind: companies\ncompany: company_code\nnode: industry_name\nmatch: code\nrole: player\n"
        "source: 某供应商公司行业表\nas_of: '2021'\nconfidence: low\nlinks: industries.csv\n",
    )
    table = write(
        tmp_path,
        "company_industry.json",
        '{"company_code": "800001.SZ", "industry_code": "630501", "industry_name": "硅料硅片"}\n'
        '{"company_code": "600438.SH", "industry_code": "630502", "industry_name": "光伏电池组件"}\n'
        '{"company_code": "800002.SZ", "industry_code": "340501", "industry_name": "白酒Ⅲ"}\n',
    )
    links = {"industrial-silicon", "si-wafer", "si-cell"}
    before = {(e.source, e.target) for e in tiny.find_edges(type="OPERATES_IN") if e.target in links}
    plan, _ = import_file(tiny, "chain-table", table, mapping=mapping)
    firm, drinks = (plan.outcomes[i].enterprise_id for i in (0, 2))
    after = {(e.source, e.target): e for e in tiny.find_edges(type="OPERATES_IN") if e.target in links}
    # exactly one new firm-link operation: the mapped industry's firm on its link, with the
    # mapping's confidence and the vendor as source; 白酒Ⅲ is not mapped and reaches no link;
    # tongwei's curated leader row on si-cell stays as it is
    assert set(after) - before == {(firm, "si-wafer")}
    edge = after[(firm, "si-wafer")]
    assert (edge.props["confidence"], edge.props["source"], edge.props["role"], edge.props["product"]) == (
        "low",
        "某供应商公司行业表",
        "player",
        "硅料硅片",
    )
    assert (after[("tongwei", "si-cell")].props["role"], after[("tongwei", "si-cell")].props["origin"]) == (
        "leader",
        "dataset",
    )
    (vendor,) = tiny.find_edges(source=drinks, type="OPERATES_IN")
    node = tiny.get_node(vendor.target)
    assert vendor.target not in links and node is not None and node.props["name"] == "白酒Ⅲ"
    assert plan.notes[-1].startswith("1 company-link operations")


def firms_csv(tmp_path: Path, count: int, bad_line: int | None = None) -> Path:
    """An A-share basics file of `count` firms; the row on `bad_line` has no stock code."""
    rows = ["ts_code,name,fullname,area,industry"]
    for i in range(count):
        code = "" if i + 2 == bad_line else f"{800000 + i}.SZ"
        rows.append(f"{code},流式{i},流式测试企业{i}有限公司,云南,电气设备")
    return write(tmp_path, "firms.csv", "\n".join(rows) + "\n")


def test_a_streamed_import_writes_in_batches_all_or_nothing(store, tmp_path, monkeypatch):
    # batches of 4 nodes and edges: the 25 firms (and their HQ edges) reach the store in 13
    # batches inside one transaction; a rejected row on line 20 rolls back the 9 batches before it
    monkeypatch.setattr("ingest.registry.STREAM_BATCH", 4)
    build(store, write_tiny_dataset(tmp_path / "data"))
    before = (store.counts(), store.find_nodes("Enterprise"), store.version())
    with pytest.raises(ValidationError, match="1 invalid row") as err:
        import_file(store, "ashare-basic", firms_csv(tmp_path, 25, bad_line=20))
    assert err.value.problems == [f"{tmp_path / 'firms.csv'}:20: column ts_code: empty stock code or name"]
    assert (store.counts(), store.find_nodes("Enterprise"), store.version()) == before
    plan, written = import_file(
        store, "ashare-basic", firms_csv(tmp_path, 25, bad_line=20), skip_invalid=True
    )
    assert (plan.rows_read, plan.count("new"), plan.count("rejected")) == (25, 24, 1)
    assert (written.nodes_created, written.edges_created) == (24, 24)
    assert plan.summary()["nodes"] == plan.summary()["edges"] == 24
    assert store.counts()["Enterprise"] == before[0]["Enterprise"] + 24
    again, unchanged = import_file(
        store, "ashare-basic", firms_csv(tmp_path, 25, bad_line=20), skip_invalid=True
    )
    assert again.count("matched") == 24 and not unchanged.changed


def test_a_streamed_import_reports_progress_and_keeps_a_bounded_report(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr("ingest.importer.PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr("ingest.importer.KEPT_OUTCOMES", 10)
    monkeypatch.setattr("ingest.importer.KEPT_CHANGES", 5)
    lines: list[str] = []
    plan, written = import_file(tiny, "ashare-basic", firms_csv(tmp_path, 2500), progress=lines.append)
    # a line each 1000 rows read (the interval set to 0 s here; 3 s in use), and one when the
    # staged rows are written
    assert [line.split(": ", 1)[1].split(",")[0:2] for line in lines] == [
        ["1", "000 rows read"],
        ["2", "000 rows read"],
        ["2", "500 rows read; writing them in SQL"],
    ]
    assert len(plan.outcomes) == 10 and len(plan.changes.nodes) == 5 and plan.count("new") == 2500
    assert written.nodes_created == 2500
