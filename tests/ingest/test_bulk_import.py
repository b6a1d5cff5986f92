"""A company table matched by stock code goes through SQL on the embedded store: the same
store and the same report as row by row, on the cases where the rows interact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.errors import ValidationError
from graph.sqlite_store import SqliteStore
from ingest.build import build
from ingest.registry import import_file
from ingest.sources import chain_table
from tests.ingest.tiny_dataset import write_tiny_dataset

FIRMS = "ts_code,name,fullname,area,industry\n800001.SZ,硅甲,硅甲测试股份有限公司,江苏,电气设备\n800002.SZ,酒乙,酒乙测试股份有限公司,贵州,白酒\n"
WORDS = (
    "product,match,node_id,confidence,note,source,as_of\n"
    "单晶硅片,exact,si-wafer,high,,映射,2026-12\n"
    "硅片,contains,si-wafer,medium,,映射,2026-12\n"
    "工业硅,contains,industrial-silicon,medium,,映射,2026-12\n"
)
MAPPING = (
    "kind: companies\ncompany: code\nnode: product\nweight: w\nsource: 某供应商产业链库\n"
    "as_of: '2021'\nconfidence: low\nlinks: words.csv\nmin_weight: 0.05\n"
)
ROWS = [
    ("800001.SZ", "工业硅", 0.2),  # 1 the chain's own node, and its word: the link's props win
    ("800001.SZ", "工业硅粉", 0.1),  # 2 a new node; its word's link is lighter than row 1's
    ("800001.SZ", "工业硅", 0.05),  # 3 the product again: the plain operation, last, wins
    ("600438", "电池片", 0.9),  # 4 tongwei already operates si-cell: left as it is
    ("600438.SH", "N型硅片产品", 0.3),  # 5 new node; contains 硅片: tongwei -> si-wafer
    ("600438", "单晶硅片", 0.3),  # 6 si-wafer itself: plain props; the exact word is not heavier
    ("999999", "某产品", 0.5),  # 7 rejected: no such stock code
    ("800002.SZ", "", 0.5),  # 8 rejected: no product
    ("800002.SZ", "饲料", '"lots"'),  # 9 rejected: weight; its product node is still made
    ("800002.SZ", "饲料", "NaN"),  # 10 an operation with a NaN weight, never a link
    ("800002.SZ", "硅片", 0.5),  # 11 new node; contains 硅片 -> si-wafer 0.5
    ("800002.SZ", "单晶硅片", 0.7),  # 12 heavier exact word: the link's props win
]


def _store(tmp_path: Path, name: str) -> SqliteStore:
    store = SqliteStore(tmp_path / f"{name}.db")
    build(store, write_tiny_dataset(tmp_path / f"data-{name}"))
    firms = tmp_path / "firms.csv"
    firms.write_text(FIRMS, encoding="utf-8")
    import_file(store, "ashare-basic", firms, edition="2026")
    return store


def _dump(store: SqliteStore) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    conn = sqlite3.connect(store.path)
    nodes = conn.execute("SELECT * FROM nodes ORDER BY id").fetchall()
    edges = conn.execute("SELECT * FROM edges ORDER BY source, type, target, key").fetchall()
    conn.close()
    return nodes, edges


def _report(plan, written) -> dict:  # type: ignore[no-untyped-def]
    return {
        **plan.summary(),
        "outcomes": plan.outcomes,
        "problems": plan.problems,
        "notes": plan.notes,
        "methods": plan.methods,
        "written": written,
        "edges": {
            k: (e.ident, dict(e.props))
            for k, e in plan.edges.items()
            if e.props.get("weight") == e.props.get("weight")
        },
    }


def test_a_company_table_in_sql_gives_the_store_and_report_of_row_by_row(tmp_path, monkeypatch):
    (tmp_path / "words.csv").write_text(WORDS, encoding="utf-8")
    mapping = tmp_path / "c.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    table = tmp_path / "c.jsonl"
    table.write_text(
        "".join(f'{{"code": "{c}", "product": "{p}", "w": {w}}}\n' for c, p, w in ROWS), encoding="utf-8"
    )
    bulk, rows = _store(tmp_path, "bulk"), _store(tmp_path, "rows")
    with pytest.raises(ValidationError, match="3 invalid row") as refused:
        import_file(bulk, "chain-table", table, mapping=mapping)
    assert [p.split(": ", 1)[1] for p in refused.value.problems] == [
        "column code: no enterprise with stock code '999999' in the graph "
        "(import the company list first, e.g. ashare-basic)",
        "column product: empty company or node",
        "column w: weight 'lots' is not a number",
    ]
    assert _dump(bulk) == _dump(rows)  # nothing written
    plan, written = import_file(bulk, "chain-table", table, mapping=mapping, skip_invalid=True)
    assert chain_table.bulk_writer(plan) is not None
    assert (plan.rows_read, plan.count("matched"), plan.count("rejected")) == (12, 9, 3)
    assert plan.notes == [
        "3 company-link operations from the word mapping words.csv (3 firms, 2 chain links)"
    ]
    assert (written.nodes_created, written.edges_created, written.edges_updated) == (4, 7, 0)
    ops = {
        (e.source, e.target): e.props
        for e in bulk.find_edges(type="OPERATES_IN")
        if e.props.get("origin") != "dataset"
    }
    firm_a, firm_b = (o.enterprise_id for o in plan.outcomes if o.line in (1, 12))
    assert ops[(firm_a, "industrial-silicon")] == {
        "as_of": "2021",
        "confidence": "low",
        "origin": "import:chain-table",
        "role": "player",
        "source": "某供应商产业链库",
        "weight": 0.05,
    }
    assert ops[("tongwei", "si-wafer")]["weight"] == 0.3 and "product" not in ops[("tongwei", "si-wafer")]
    # the exact word maps with high confidence, capped at the vendor table's low
    assert (ops[(firm_b, "si-wafer")]["product"], ops[(firm_b, "si-wafer")]["confidence"]) == (
        "单晶硅片",
        "low",
    )
    assert len(ops) == 7 and ("tongwei", "si-cell") not in ops

    monkeypatch.setattr(chain_table, "bulk_writer", lambda plan: None)
    reference, reference_written = import_file(rows, "chain-table", table, mapping=mapping, skip_invalid=True)
    assert _dump(bulk) == _dump(rows)
    assert _report(plan, written) == _report(reference, reference_written)
    monkeypatch.undo()
    again, unchanged = import_file(bulk, "chain-table", table, mapping=mapping, skip_invalid=True)
    assert (again.count("matched"), again.summary()["edges"], unchanged.changed) == (9, 0, False)


def test_a_company_table_decoded_by_a_second_process_gives_what_one_process_gives(tmp_path, monkeypatch):
    """A large company table's lines are decoded by a second process (`stream_cells(apart=True)`)
    while the importing one matches and stages them: the same store and report as in one
    process, over chunks of three lines (one holding a blank line, read again line by line),
    and a bad line refused the same way, after the rows before it, with nothing written."""
    from ingest import tables

    (tmp_path / "words.csv").write_text(WORDS, encoding="utf-8")
    mapping = tmp_path / "c.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    lines = [f'{{"code": "{c}", "product": "{p}", "w": {w}}}' for c, p, w in ROWS]
    table, bad = tmp_path / "c.jsonl", tmp_path / "bad.jsonl"
    table.write_text("\n".join([*lines[:4], "", *lines[4:]]) + "\n", encoding="utf-8")
    bad.write_text("\n".join([*lines[:5], '{"code": "800001.SZ"', *lines[5:]]) + "\n", encoding="utf-8")
    monkeypatch.setattr("ingest.tables.JSON_CHUNK", 3)
    found, forks, started = [], [], tables.in_second_process
    for second in (False, True):
        if second:
            monkeypatch.setattr("ingest.tables.READER_PROCESS_BYTES", 0)
            monkeypatch.setattr(
                "ingest.tables.in_second_process", lambda *args: forks.append(args[1]) or started(*args)
            )
        store = _store(tmp_path, f"second-{second}")
        before = _dump(store)
        with pytest.raises(ValidationError) as refused:
            import_file(store, "chain-table", bad, mapping=mapping, skip_invalid=True)
        assert refused.value.problems == [f"{bad}:6: not valid JSON (Expecting ',' delimiter)"]
        assert _dump(store) == before
        plan, written = import_file(store, "chain-table", table, mapping=mapping, skip_invalid=True)
        # (the firms' register is read apart as well)
        assert [p for p in forks if p.suffix == ".jsonl"] == ([bad, table] if second else [])
        found.append((_dump(store), _report(plan, written)))
    (one_store, one_report), (two_store, two_report) = found
    assert one_store == two_store and one_report == two_report
    assert (one_report["rows_read"], one_report["matched"], one_report["rejected"]) == (12, 9, 3)
    assert [o.line for o in two_report["outcomes"]][:6] == [1, 2, 3, 4, 6, 7]  # line 5 is blank
    assert (one_report["written"].nodes_created, one_report["written"].edges_created) == (4, 7)


def test_corrections_hold_rows_back_on_both_paths(tmp_path, monkeypatch):
    (tmp_path / "words.csv").write_text(WORDS, encoding="utf-8")
    corrections = tmp_path / "corr.csv"
    # the company as the bare code: it matches 800002.SZ in the table
    corrections.write_text(
        "company,product,reason,source,as_of,confidence\n800002,单晶硅片,壳公司旧主营,重组公告,2019-12,high\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "c.yaml"
    mapping.write_text(MAPPING + "corrections: corr.csv\n", encoding="utf-8")
    table = tmp_path / "c.jsonl"
    table.write_text(
        "".join(f'{{"code": "{c}", "product": "{p}", "w": {w}}}\n' for c, p, w in ROWS), encoding="utf-8"
    )
    bulk, rows = _store(tmp_path, "bulk"), _store(tmp_path, "rows")
    plan, _ = import_file(bulk, "chain-table", table, mapping=mapping, skip_invalid=True)
    # row 12 is held back: firm b's si-wafer link comes from row 11 (硅片, weight 0.5), and no
    # operation names 单晶硅片 for it
    assert (plan.rows_read, plan.count("matched"), plan.count("rejected")) == (12, 8, 3)
    assert plan.notes[-1] == "1 rows held back by the corrections corr.csv (line 12: 800002.SZ 单晶硅片)"
    firm_b = next(o.enterprise_id for o in plan.outcomes if o.line == 11)
    (link,) = bulk.find_edges(source=firm_b, type="OPERATES_IN", target="si-wafer")
    assert (link.props["product"], link.props["weight"]) == ("硅片", 0.5)
    monkeypatch.setattr(chain_table, "bulk_writer", lambda plan: None)
    reference, _ = import_file(rows, "chain-table", table, mapping=mapping, skip_invalid=True)
    assert _dump(bulk) == _dump(rows)
    assert reference.notes == plan.notes
    corrections.write_text("company,product,reason,source,as_of,confidence\n800002,单晶硅片,,x,2019,high\n")
    with pytest.raises(ValidationError, match=r"corr\.csv: 1 bad row.*column reason: empty"):
        import_file(rows, "chain-table", table, mapping=mapping, skip_invalid=True)


BASICS = (
    "ts_code,name,fullname,enname,area,industry\n"
    "600438.SH,通威股份,通威股份有限公司,Tongwei,四川,电气设备\n"  # 2 tongwei by its code: untouched
    "800001.SZ,硅甲,硅甲测试股份有限公司,,江苏,电气设备\n"  # 3 new, with its HQ
    "800001,硅甲,硅甲测试股份有限公司,,江苏,电气设备\n"  # 4 the same firm again: refused
    ",空码,空码测试有限公司,,江苏,电气设备\n"  # 5 refused: no stock code
    "800003.SZ,保山隆基,保山隆基硅材料股份有限公司,,云南,电气设备\n"  # 6 kept apart: 保山隆基 is longi-baoshan's
    "800004.SZ,无地,无地测试有限公司,Wudi Co,火星,\n"  # 7 new, no province known: no HQ edge
)


def test_a_basics_table_staged_in_sql_gives_the_store_and_report_of_row_by_row(tmp_path, monkeypatch):
    from ingest.importer import ImportPlan

    firms = tmp_path / "basics.csv"
    firms.write_text(BASICS, encoding="utf-8")
    stores = []
    # staged, staged with the rows read and matched by a second process, and row by row
    for name, staged, second in (("staged", True, False), ("process", True, True), ("rows", False, False)):
        if not staged:
            monkeypatch.setattr(ImportPlan, "stage_in_sql", lambda self: False)
        if second:
            monkeypatch.setattr("ingest.tables.READER_PROCESS_BYTES", 0)
        store = SqliteStore(tmp_path / f"{name}.db")
        build(store, write_tiny_dataset(tmp_path / f"data-{name}"))
        with pytest.raises(ValidationError, match="2 invalid row"):
            import_file(store, "ashare-basic", firms, edition="2025")
        reports = []
        for edition in ("2025", "2026"):  # new, then matched by code (a match is left as it is)
            plan, written = import_file(store, "ashare-basic", firms, edition=edition, skip_invalid=True)
            reports.append(_report(plan, written))
            assert (plan.staged is None) and (plan.writer is not None)
        stores.append((_dump(store), reports))
        monkeypatch.undo()
    (staged_dump, staged_reports), (second_dump, second_reports), (rows_dump, rows_reports) = stores
    assert staged_dump == second_dump == rows_dump and staged_reports == second_reports == rows_reports
    first, unchanged = staged_reports
    # 江苏 is no region in the tiny graph: one HQ edge
    assert (first["written"].nodes_created, first["written"].edges_created) == (3, 1)
    assert (first["new"], first["uncertain"], first["matched"], first["rejected"]) == (2, 1, 1, 2)
    assert not unchanged["written"].changed and unchanged["matched"] == 3


def test_a_staged_node_never_changes_a_stored_nodes_label(tmp_path):
    from graph.errors import SchemaError
    from graph.sqlite_store import StagedWrite
    from graph.store import Edge, Node

    store = SqliteStore(tmp_path / "s.db")
    build(store, write_tiny_dataset(tmp_path / "data"))
    before = _dump(store)
    with pytest.raises(SchemaError, match="node '530000' is a Region; it cannot become a Enterprise"):
        with store.writing() as writer:
            staged = StagedWrite(writer.connection)
            staged.add_node(Node("firm-a", "Enterprise", {"name": "甲"}))
            staged.add_node(Node("530000", "Enterprise", {"name": "云南"}))
            staged.finish()
    with pytest.raises(SchemaError, match="node 'nowhere' does not exist"):
        with store.writing() as writer:
            staged = StagedWrite(writer.connection)
            staged.add_edge(Edge("firm-a", "HAS_SITE", "nowhere", "hq", {}))
            staged.add_node(Node("firm-a", "Enterprise", {"name": "甲"}))
            staged.finish()
    with pytest.raises(SchemaError, match=r"HAS_SITE.*not allowed"):
        with store.writing() as writer:
            staged = StagedWrite(writer.connection)
            staged.add_edge(Edge("530000", "HAS_SITE", "tongwei", "hq", {}))
            staged.finish()
    with pytest.raises(SchemaError, match="given as Enterprise and as Region"):
        with store.writing() as writer:
            staged = StagedWrite(writer.connection)
            staged.add_node(Node("firm-a", "Enterprise", {"name": "甲"}))
            staged.add_node(Node("firm-a", "Region", {"name": "甲"}))
    assert _dump(store) == before
    with store.writing() as writer:  # the last row given for a key wins; the ends may come later
        staged = StagedWrite(writer.connection)
        staged.add_edge(Edge("firm-a", "HAS_SITE", "530000", "hq", {"kind": "x"}))
        staged.add_node(Node("firm-a", "Enterprise", {"name": "甲"}))
        staged.add_edge(Edge("firm-a", "HAS_SITE", "530000", "hq", {"kind": "hq"}))
        staged.add_node(Node("firm-a", "Enterprise", {"name": "乙"}))
        assert staged.finish()["nodes_created"] == 1
    assert store.get_node("firm-a").props == {"name": "乙"}
    assert [e.props for e in store.find_edges(source="firm-a")] == [{"kind": "hq"}]
    with store.writing() as writer:  # change detection: one node changed, the edge as it was
        staged = StagedWrite(writer.connection)
        staged.add_node(Node("firm-a", "Enterprise", {"name": "丙"}))
        staged.add_node(Node("530000", "Region", store.get_node("530000").props))
        staged.add_edge(Edge("firm-a", "HAS_SITE", "530000", "hq", {"kind": "hq"}))
        counts = staged.finish()
    assert (counts["nodes_created"], counts["nodes_updated"], counts["edges_updated"]) == (0, 1, 0)


@pytest.mark.parametrize("second_process", [False, True])
def test_a_basics_table_read_by_a_second_process_fails_as_in_one(tmp_path, monkeypatch, second_process):
    # a shifted row is raised after the last row, from the reading process too; nothing written
    if second_process:
        monkeypatch.setattr("ingest.tables.READER_PROCESS_BYTES", 0)
    firms = tmp_path / "basics.csv"
    firms.write_text(BASICS + "800005.SZ,多列,多列测试有限公司,,江苏,电气设备,多余\n", encoding="utf-8")
    store = SqliteStore(tmp_path / "s.db")
    build(store, write_tiny_dataset(tmp_path / "data"))
    before = _dump(store)
    with pytest.raises(ValidationError) as refused:
        import_file(store, "ashare-basic", firms, skip_invalid=True)
    assert refused.value.problems == [f"{firms}:8: 7 cells but the header has 6 (a shifted row?)"]
    assert _dump(store) == before


def test_stock_codes_read_in_sql_are_the_codes_the_store_gives(tmp_path):
    """The bulk path reads each firm's stock code as one JSON extraction and takes the quotes
    off a plain string: the codes are those `node_props` gives, escapes, numbers and odd values
    included (two firms giving one code name neither)."""
    from graph.store import ChangeSet, Node
    from ingest.importer import firms_by_code

    store = SqliteStore(tmp_path / "codes.db")
    codes = {
        "plain": "600001.SH",
        "quoted": 'X"1',
        "escaped": "\\600002",
        "unicode": "股600003",
        "number": 600004,
        "nothing": None,
        "twin-a": "600005",
        "twin-b": "sz600005",
    }
    store.apply(
        ChangeSet(
            nodes=(
                *(
                    Node(firm, "Enterprise", {"name": firm, "stock_code": code})
                    for firm, code in codes.items()
                ),
                Node("bare", "Enterprise", {"name": "bare"}),
            )
        )
    )
    with store.writing() as writer:
        in_sql = chain_table._firms_by_code(writer.connection)
    expected = firms_by_code(
        (n.id, n.props.get("stock_code")) for n in store.node_props("Enterprise", ("stock_code",))
    )
    assert (
        in_sql
        == expected
        == {
            "600001": "plain",
            'X"1': "quoted",
            "\\600002": "escaped",
            "股600003": "unicode",
            "600004": "number",
        }
    )
