"""A vendor's industry-chain table, loaded through a column mapping instead of code.

One file holds either node-to-node relations or company-to-node links (CSV, XLSX or JSON
Lines). The mapping (a small YAML file, see data/mappings/) names the columns and says what
each relation means:

    kind: relations            # or: companies
    from: from_entity          # relations: the two node columns
    to: to_entity
    type: rel                  # the column holding the relation's name (optional)
    types:                     # relation name -> edge; reverse: the edge runs to -> from
      上游材料: {edge: FEEDS, reverse: true}
      产品小类: {edge: PART_OF, reverse: true}
      下游产品: {edge: FEEDS}
    # companies: company: company_code, node: product_name, match: code|name, role: player
    # companies may also map the vendor's product words to chain links (many-to-one, with a
    # confidence each): links: ashare_products_to_links.csv (beside the mapping), min_weight: 0.05
    # and hold back vendor rows known to be wrong: corrections: ashare_chain_corrections.csv
    source: 供应商名称与版本     # provenance written on every node and edge
    as_of: "2021"
    confidence: medium

Nodes are ChainNodes named by the table's text, with ids derived from the name (the same name
always gives the same node).
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from graph import schema
from graph.errors import ValidationError
from graph.schema import CONFIDENCES, ROLES
from graph.sqlite_store import indexes_set_aside
from graph.store import BatchWriter, Edge, Node, canonical_props
from ingest.importer import (
    KEPT_CHANGES,
    KEPT_OUTCOMES,
    ImportContext,
    ImportPlan,
    RowOutcome,
    SourceInfo,
    firms_by_code,
    stable_id,
)
from ingest.resolve import Match, fold, stock_key
from ingest.tables import Row, read_table, stream_cells, stream_table

INFO = SourceInfo(
    "chain-table",
    "产业链关系表 generic chain table",
    "node-to-node relations or company-to-node links from any vendor, through a column mapping",
    ".csv/.xlsx/.jsonl",
    "given by --mapping",
    "any",
    "the vendor's",
    needs_mapping=True,
)
EDGES = {"FEEDS", "PART_OF"}
MEMO_SIZE = 200_000  # firms and product names remembered while a table is read (then forgotten)


def load_mapping(path: Path | None) -> dict[str, Any]:
    """The mapping file, checked.

    Raises:
        ValidationError: no mapping, unreadable YAML, or a key missing or wrong (named).
    """
    if path is None:
        raise ValidationError("the chain-table source needs --mapping FILE.yaml (see data/mappings/)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(f"{path}: cannot read the mapping: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationError(f"{path}: the mapping must be a YAML mapping")
    kind = data.get("kind")
    needed = {"relations": ("from", "to"), "companies": ("company", "node")}.get(str(kind))
    if needed is None:
        raise ValidationError(f"{path}: kind must be relations or companies, not {kind!r}")
    missing = [k for k in (*needed, "source", "as_of", "confidence") if not data.get(k)]
    if missing:
        raise ValidationError(f"{path}: missing key(s) {', '.join(missing)}")
    for name, spec in (data.get("types") or {}).items():
        if not isinstance(spec, dict) or spec.get("edge") not in EDGES:
            raise ValidationError(f"{path}: types.{name}.edge must be one of {', '.join(sorted(EDGES))}")
    if data.get("match", "code") not in ("code", "name"):
        raise ValidationError(f"{path}: match must be code or name")
    if data.get("role", "player") not in ROLES:
        raise ValidationError(f"{path}: role must be one of {', '.join(ROLES)}")
    if (data.get("links") or data.get("corrections")) and kind != "companies":
        raise ValidationError(f"{path}: links (product words to chain links) go with kind: companies")
    try:
        float(data.get("min_weight", 0))
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{path}: min_weight must be a number") from exc
    return data


LINK_COLUMNS = ("product", "match", "node_id", "confidence", "note", "source", "as_of")


@dataclass(frozen=True)
class ProductLinks:
    """A vendor's product words mapped to chain links: exact words, and words a product name
    contains (the longest contained word wins; an exact word beats any contained one)."""

    exact: Mapping[str, tuple[str, str]]
    contains: Mapping[str, tuple[str, str]]
    longest: int

    def link(self, product: str) -> tuple[str, str, str] | None:
        """(chain node id, confidence, how) for a product name, or None when no word fits.

        >>> links = ProductLinks({"氧化铝": ("al-alumina", "high")}, {"铝土": ("al-bauxite", "high"),
        ...     "铝土矿": ("al-bauxite-mine", "medium")}, 3)
        >>> links.link("氧化铝"), links.link("高品位铝土矿石")
        (('al-alumina', 'high', 'exact'), ('al-bauxite-mine', 'medium', 'contains'))
        """
        if product in self.exact:
            return (*self.exact[product], "exact")
        for size in range(min(self.longest, len(product)), 0, -1):
            found = sorted(
                product[i : i + size]
                for i in range(len(product) - size + 1)
                if product[i : i + size] in self.contains
            )
            if found:
                return (*self.contains[found[0]], "contains")
        return None


def load_product_links(path: Path, chain_nodes: frozenset[str], ceiling: str = "high") -> ProductLinks:
    """The product-word mapping at `path`, checked whole. A word's confidence is capped at
    `ceiling` (the vendor table's own): an operation is only as sure as the vendor's row and the
    word's mapping together.

    Raises:
        ValidationError: every bad row (match, unknown chain link, confidence, a word twice), named.
    """
    problems: list[str] = []
    tables: dict[str, dict[str, tuple[str, str]]] = {"exact": {}, "contains": {}}
    for row in read_table(path, LINK_COLUMNS):
        word, match, node, confidence = (row.get(c) for c in ("product", "match", "node_id", "confidence"))
        if match not in tables:
            problems.append(f"{row.where}: column match: {match!r} is not exact or contains")
        elif not word:
            problems.append(f"{row.where}: column product: empty")
        elif node not in chain_nodes:
            problems.append(f"{row.where}: column node_id: no chain link {node!r} in the graph")
        elif confidence not in CONFIDENCES:
            problems.append(f"{row.where}: column confidence: {confidence!r} is not high, medium or low")
        elif word in tables[match]:
            problems.append(f"{row.where}: column product: {word!r} ({match}) is mapped twice")
        else:
            tables[match][word] = (node, max(confidence, ceiling, key=CONFIDENCES.index))
    if problems:
        raise ValidationError(f"{path}: {len(problems)} bad row(s); first: {problems[0]}", problems)
    return ProductLinks(tables["exact"], tables["contains"], max(map(len, tables["contains"]), default=0))


CORRECTION_COLUMNS = ("company", "product", "reason", "source", "as_of", "confidence")


class Corrections:
    """A vendor's rows known to be wrong (a company, a product word of its, why, and the source
    that shows it), held back from an import: a stock code that changed hands in a reverse
    merger still lists the shell's old products, for instance."""

    def __init__(self, pairs: frozenset[tuple[str, str]], by_code: bool) -> None:
        self.pairs, self.by_code = pairs, by_code  # (company key, product word)
        self.products = frozenset(product for _, product in pairs)
        self.held: list[tuple[int, str, str]] = []

    def key(self, company: str) -> str:
        return _company_key(company, self.by_code)

    def filter(self, rows: Iterable[Row], company: str, node: str) -> Iterator[Row]:
        """`rows` without the corrected ones (kept in `held`: line, company, product)."""
        for row in rows:
            if not self.holds(row.line, row.get(company) or "", row.get(node) or ""):
                yield row

    def holds(self, line: int, code: str, product: str) -> bool:
        """Whether the row (`line`, `code`, `product`) is a corrected one (then kept in `held`)."""
        if product not in self.products or (self.key(code), product) not in self.pairs:
            return False
        self.held.append((line, code, product))
        return True

    def note(self, name: str) -> str:
        first = "; ".join(f"line {line}: {code} {product}" for line, code, product in self.held[:5])
        return f"{len(self.held)} rows held back by the corrections {name} ({first})"


def load_corrections(path: Path, by_code: bool) -> Corrections:
    """The corrections file at `path`, checked whole: every column filled, a known confidence.

    Raises:
        ValidationError: every bad row, named.
    """
    problems: list[str] = []
    pairs: set[tuple[str, str]] = set()
    for row in read_table(path, CORRECTION_COLUMNS):
        empty = [c for c in CORRECTION_COLUMNS if not row.get(c)]
        if empty:
            problems.append(f"{row.where}: column {empty[0]}: empty")
        elif row.get("confidence") not in CONFIDENCES:
            problems.append(
                f"{row.where}: column confidence: {row.get('confidence')!r} is not high, medium or low"
            )
        else:
            pairs.add((_company_key(row.get("company"), by_code), row.get("product")))
    if problems:
        raise ValidationError(f"{path}: {len(problems)} bad row(s); first: {problems[0]}", problems)
    return Corrections(frozenset(pairs), by_code)


def _company_key(company: str, by_code: bool) -> str:
    """A company as a table names it, compared the way the mapping matches: its stock code's
    digits (600000.SH is 600000), or its folded name."""
    return stock_key(company) if by_code else fold(company)


def _node_id(ctx: ImportContext, name: str) -> str:
    """The chain node a table's text names: a node already in the graph with that id or name
    (the vendor's 工业硅 is our 工业硅), else a new one with an id derived from the name."""
    return (
        name
        if name in ctx.chain_node_ids
        else ctx.chain_node_names.get(fold(name)) or stable_id("prod", name)
    )


def _add_node(plan: ImportPlan, ctx: ImportContext, name: str, provenance: dict[str, Any]) -> str:
    node_id = _node_id(ctx, name)
    if node_id not in ctx.chain_node_ids and not plan.has_node(node_id):
        plan.add_node(Node(node_id, "ChainNode", {"name": name, **provenance}))
    return node_id


STREAMING = True


def plan(
    path: Path,
    ctx: ImportContext,
    *,
    edition: str | None,
    mapping: Path | None,
    options: Mapping[str, Any],
    into: ImportPlan | None = None,
) -> ImportPlan:
    spec = load_mapping(mapping)
    result = into or ImportPlan(INFO.id, str(path), edition)
    provenance = {
        "source": str(spec["source"]),
        "as_of": str(spec["as_of"]),
        "confidence": str(spec["confidence"]),
        "origin": f"import:{INFO.id}",
    }
    if spec["kind"] == "relations":
        _relations(result, ctx, path, spec, provenance)
    else:
        folder = Path(str(mapping)).parent
        links = (
            load_product_links(folder / str(spec["links"]), ctx.chain_node_ids, provenance["confidence"])
            if spec.get("links")
            else None
        )
        corrections = (
            load_corrections(folder / str(spec["corrections"]), spec.get("match", "code") == "code")
            if spec.get("corrections")
            else None
        )
        _companies(result, ctx, path, spec, provenance, links, corrections)
    return result


def _relations(
    result: ImportPlan, ctx: ImportContext, path: Path, spec: dict[str, Any], provenance: dict[str, Any]
) -> None:
    columns = tuple(c for c in (spec["from"], spec["to"], spec.get("type")) if c)
    rows = result.reading(stream_table(path, columns))
    types: dict[str, dict[str, Any]] = spec.get("types") or {}
    kinds: dict[frozenset[str], str] = {
        frozenset((s, t)): kind for s, kind, t in ctx.chain_edges if kind in EDGES and s != t
    }
    for row in rows:
        source, target = row.get(spec["from"]), row.get(spec["to"])
        relation = row.get(spec["type"]) if spec.get("type") else ""
        if not source or not target:
            result.reject(row, spec["from"] if not source else spec["to"], "empty node name")
            continue
        rule = types.get(relation) if spec.get("type") else {"edge": spec.get("edge", "FEEDS")}
        if rule is None:
            result.reject(row, spec["type"], f"relation {relation!r} is not in the mapping's types")
            continue
        if source == target:
            result.reject(row, spec["to"], f"{source!r} relates to itself")
            continue
        if rule.get("reverse"):
            source, target = target, source
        a, b = _node_id(ctx, source), _node_id(ctx, target)
        pair = frozenset((a, b))
        if kinds.setdefault(pair, rule["edge"]) != rule["edge"]:
            result.reject(
                row,
                spec.get("type"),
                f"{source} and {target} are already related as {kinds[pair]}: "
                "classification and flow never both hold for one pair",
            )
            continue
        stored = (a, rule["edge"], b) in ctx.chain_edges  # left as it is: the graph's own fact wins
        known = stored or result.has_edge((a, rule["edge"], b, ""))
        _add_node(result, ctx, source, provenance)
        _add_node(result, ctx, target, provenance)
        if not stored:
            result.add_edge(Edge(a, rule["edge"], b, "", {"relation": relation, **provenance}))
        # "matched": the graph (or an earlier row) has this relation already
        result.record(
            RowOutcome(row.line, f"{source} -> {target}", "matched" if known else "new", method=rule["edge"])
        )


def _companies(
    result: ImportPlan,
    ctx: ImportContext,
    path: Path,
    spec: dict[str, Any],
    provenance: dict[str, Any],
    links: ProductLinks | None = None,
    corrections: Corrections | None = None,
) -> None:
    """Company -> vendor product node for every row; with `links`, also company -> chain link
    for each product word the mapping knows (weight >= min_weight), with the vendor as source and
    the lower of the vendor's and the word mapping's confidence; a firm's several products on one
    link make one edge (the heaviest). Rows named in `corrections` are held back (and noted)."""
    columns = tuple(c for c in (spec["company"], spec["node"], spec.get("weight")) if c)
    by_code = spec.get("match", "code") == "code"
    writer = bulk_writer(result)
    if by_code and writer is not None:
        # a large file's lines are decoded by a second process while this one matches the rows
        cells = result.reading(stream_cells(path, columns, apart=True))
        _companies_in_sql(result, ctx, cells, spec, provenance, links, writer, corrections)
    else:
        rows = result.reading(stream_table(path, columns))
        if corrections is not None:
            rows = corrections.filter(rows, spec["company"], spec["node"])
        _companies_by_row(result, ctx, rows, spec, provenance, links)
    if corrections is not None and corrections.held:
        result.notes.append(corrections.note(spec["corrections"]))


def _companies_by_row(
    result: ImportPlan,
    ctx: ImportContext,
    rows: Iterable[Row],
    spec: dict[str, Any],
    provenance: dict[str, Any],
    links: ProductLinks | None,
) -> None:
    """`_companies` one row at a time (Neo4j, a dry run, a table matched by name)."""
    min_weight = float(spec.get("min_weight", 0))
    linked: dict[tuple[str, str], float] = {}
    by_code = spec.get("match", "code") == "code"
    company_column, node_column, weight_column = spec["company"], spec["node"], spec.get("weight")
    base_props: dict[str, Any] = {"role": spec.get("role", "player"), **provenance}
    # a firm has several rows and a product many firms: each is resolved once (bounded memos)
    firms: dict[str, Match] = {}
    products: dict[str, tuple[str, tuple[str, str, str] | None]] = {}
    for row in rows:
        company, node_name = row.get(company_column), row.get(node_column)
        if not company or not node_name:
            result.reject(row, company_column if not company else node_column, "empty company or node")
            continue
        match = firms.get(company)
        if match is None:
            if len(firms) >= MEMO_SIZE:
                firms.clear()
            match = firms[company] = (
                ctx.index.match("", code=company) if by_code else ctx.index.match(company)
            )
        if not match.merges:
            how = "stock code" if by_code else "name"
            result.reject(
                row,
                company_column,
                f"no enterprise with {how} {company!r} in the graph "
                "(import the company list first, e.g. ashare-basic)",
                company,
            )
            continue
        firm = str(match.enterprise_id)
        product = products.get(node_name)
        if product is None:
            if len(products) >= MEMO_SIZE:
                products.clear()
            product = products[node_name] = (
                _add_node(result, ctx, node_name, provenance),
                links.link(node_name) if links else None,
            )
        node, found = product
        props = dict(base_props)
        weight = 1.0
        if weight_column:
            try:
                weight = props["weight"] = float(row.get(weight_column))
            except ValueError:
                result.reject(
                    row, weight_column, f"weight {row.get(weight_column)!r} is not a number", company
                )
                continue
        if (firm, node) not in ctx.operations:  # an operation the graph already has stays as it is
            result.add_edge(Edge(firm, "OPERATES_IN", node, "", props))
        if found and weight >= min_weight and (firm, found[0]) not in ctx.operations:
            link, confidence, how = found
            if weight > linked.get((firm, link), -1.0):
                linked[(firm, link)] = weight
                result.add_edge(
                    Edge(
                        firm,
                        "OPERATES_IN",
                        link,
                        "",
                        {**props, "confidence": confidence, "product": node_name, "product_match": how},
                    )
                )
        result.record_row(row.line, company, "matched", firm, match.method, match.confidence)
    if links:
        result.notes.append(
            f"{len(linked)} company-link operations from the word mapping {spec['links']} "
            f"({len({f for f, _ in linked})} firms, {len({n for _, n in linked})} chain links)"
        )


# -- the bulk path: a company table matched by stock code, on the embedded store ----------------

STAGE_ROWS = 50_000  # operations handed to SQLite at once while staging
_MISSING = object()


def bulk_writer(plan: ImportPlan) -> BatchWriter | None:
    """The open write `plan` can stage and write in SQL through (the embedded store, not a dry
    run), else None: the rows go one by one."""
    return plan.writer if plan.writer is not None and plan.writer.connection is not None else None


def _weight_prefix(props: dict[str, Any]) -> str:
    """`canonical_props(props)` up to the weight's value: the weight sorts last among the keys,
    so a row's properties are this prefix, its weight's JSON and `}` (byte for byte)."""
    text = canonical_props({**props, "weight": 0.0})
    tail = '"weight": 0.0}'
    if not text.endswith(tail) or max(props) > "weight":
        raise AssertionError(f"weight is not the last property in {text}")  # keys are fixed above
    return text[: -len("0.0}")]


def _weight_json(value: float) -> str:
    """A weight as `canonical_props` writes it (Python's JSON for a float)."""
    if math.isfinite(value):
        return repr(value)
    return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")


def _firms_by_code(conn: Any) -> dict[str, str]:
    """`ImportContext.firms_by_code` read in the open write: each code's JSON as SQLite extracts
    it (one extraction a firm), decoded in Python; a string without escapes (SQLite gives one
    JSON value) by taking off its quotes."""
    rows = conn.execute("SELECT id, props -> '$.stock_code' FROM nodes WHERE label = 'Enterprise'")
    return firms_by_code(
        (
            firm,
            None
            if code is None
            else code[1:-1]
            if code[:1] == '"' and "\\" not in code
            else json.loads(code),
        )
        for firm, code in rows
    )


def _companies_in_sql(
    result: ImportPlan,
    ctx: ImportContext,
    cells: Iterable[tuple[int, list[str]]],
    spec: dict[str, Any],
    provenance: dict[str, Any],
    links: ProductLinks | None,
    writer: BatchWriter,
    corrections: Corrections | None,
) -> None:
    """`_companies` for a table matched by stock code, on the embedded store. The rows are read
    as plain cells; each firm's code and each product word is resolved once in Python (a memo);
    a row's outcome is recorded as it comes (the first rows whole, the first problems named, the
    rest counted), and the operations it adds go to a TEMP table as (order, firm, target,
    product, kind, weight's JSON): the vendor's product, and the chain link its word maps to
    when the weight is enough and heavier than the firm's earlier products on that link. One
    `INSERT ... SELECT ... GROUP BY` then writes each operation the graph does not have yet with
    the properties of the last row naming it. The store and the report come out as the
    row-by-row path's."""
    conn = writer.connection
    company_column, node_column, weight_column = spec["company"], spec["node"], spec.get("weight")
    min_weight = float(spec.get("min_weight", 0))
    base_props: dict[str, Any] = {"role": spec.get("role", "player"), **provenance}
    for table in ("chain_ops", "chain_product"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    conn.execute(
        "CREATE TEMP TABLE chain_ops(seq INTEGER, source TEXT, target TEXT, product INTEGER,"
        " linked INTEGER, wtext TEXT)"
    )
    by_code = ctx.firms_by_code if {"index", "firms_by_code"} & ctx.__dict__.keys() else _firms_by_code(conn)
    path = Path(result.path)
    firms: dict[str, Any] = {}  # the table's company text -> enterprise id (None: no such firm)
    products: dict[str, tuple[int, str, str | None]] = {}  # word -> (index, node id, chain link)
    heaviest: dict[tuple[str, str], float] = {}  # (firm, chain link) -> its heaviest product's weight
    ops: list[tuple[Any, ...]] = []
    staged = 0  # operations in chain_ops
    matched = 0  # rows matched past the outcomes the report keeps (only counted)
    corrected = corrections.products if corrections is not None else frozenset()
    outcomes, refusing = result.outcomes, result.stop_at_reject
    for line, row in cells:
        company, node_name = row[0], row[1]
        if node_name in corrected and corrections is not None and corrections.holds(line, company, node_name):
            continue
        if not company or not node_name:
            column = company_column if not company else node_column
            result.reject(Row(path, line, {}), column, "empty company or node")
            continue
        firm = firms.get(company, _MISSING)
        if firm is _MISSING:
            firm = firms[company] = by_code.get(stock_key(company))
        if firm is None:
            result.reject(
                Row(path, line, {}),
                company_column,
                f"no enterprise with stock code {company!r} in the graph "
                "(import the company list first, e.g. ashare-basic)",
                company,
            )
            continue
        product = products.get(node_name)
        if product is None:
            found = links.link(node_name) if links else None
            product = products[node_name] = (
                len(products),
                _node_id(ctx, node_name),
                found[0] if found else None,
            )
        weight, wtext = 1.0, None
        if weight_column:
            try:
                weight = float(row[2])
            except ValueError:
                result.reject(
                    Row(path, line, {}), weight_column, f"weight {row[2]!r} is not a number", company
                )
                continue
            wtext = repr(weight) if weight - weight == 0 else _weight_json(weight)  # finite: repr
        if len(outcomes) < KEPT_OUTCOMES:
            result.record_row(line, company, "matched", firm, "code", "high")
        else:
            matched += 1
        if refusing and result.sink is None:
            continue  # a row was refused: the import will be, so nothing more is staged
        index, node_id, link = product
        ops.append((line * 2, firm, node_id, index, 0, wtext))
        if link is not None and weight >= min_weight and weight > heaviest.get((firm, link), -1.0):
            heaviest[(firm, link)] = weight
            ops.append((line * 2 + 1, firm, link, index, 1, wtext))
        if len(ops) >= STAGE_ROWS:
            conn.executemany("INSERT INTO chain_ops VALUES (?, ?, ?, ?, ?, ?)", ops)
            staged += len(ops)
            ops.clear()
    conn.executemany("INSERT INTO chain_ops VALUES (?, ?, ?, ?, ?, ?)", ops)
    staged += len(ops)
    ops.clear()
    result.statuses["matched"] += matched
    result.methods["code"] += matched
    if result.count("rejected") and result.stop_at_reject:
        return  # the import is refused: nothing is written
    if result.progress:
        result.progress(f"{result.path}: {result.rows_read:,} rows read; writing the operations in SQL")
    # the new chain nodes first, in the order the rows first name them: the operations point at them
    conn.execute("CREATE TEMP TABLE chain_product(idx INTEGER PRIMARY KEY, plain TEXT NOT NULL, linked TEXT)")
    plain = _weight_prefix(base_props) if weight_column else canonical_props(base_props)
    product_rows = []
    for name, (index, _node, link) in products.items():
        _add_node(result, ctx, name, provenance)
        linked_text = None
        if link is not None and links is not None:
            _link, confidence, how = links.link(name) or ("", "", "")
            link_props = {**base_props, "confidence": confidence, "product": name, "product_match": how}
            linked_text = _weight_prefix(link_props) if weight_column else canonical_props(link_props)
        product_rows.append((index, plain, linked_text))
    conn.executemany("INSERT INTO chain_product VALUES (?, ?, ?)", product_rows)
    result.flush()
    schema.check_pattern("Enterprise", "OPERATES_IN", "ChainNode")
    if links:  # the firm -> chain link operations the word mapping adds that the graph does not have yet
        targets = sorted({link for _firm, link in heaviest})
        marks = ",".join("?" * len(targets))
        stored = conn.execute(
            f"SELECT source, target FROM edges WHERE target IN ({marks}) AND type = 'OPERATES_IN'", targets
        )
        added = heaviest.keys() - set(stored)
        result.notes.append(
            f"{len(added)} company-link operations from the word mapping {spec['links']} "
            f"({len({f for f, _ in added})} firms, {len({n for _, n in added})} chain links)"
        )
    top = conn.execute("SELECT max(rowid) FROM edges").fetchone()[0] or 0
    # the last row naming an operation gives its properties (SQLite takes the bare columns of
    # the max(seq) row); the groups come out in key order, and an operation the graph has
    # already stays as it is (the insert's own key check, no look-up before it). Operations
    # at least half as many as the edges stored go in with the edges' other indexes set aside
    close = " || o.wtext || '}'" if weight_column else ""
    with indexes_set_aside(conn, "edges") if staged * 2 >= top else contextlib.nullcontext():
        before = conn.total_changes
        conn.execute(
            f"""INSERT INTO edges(source, type, target, key, props)
            SELECT o.source, 'OPERATES_IN', o.target, '',
                   CASE WHEN o.linked THEN p.linked ELSE p.plain END {close}
              FROM (SELECT source, target, product, linked, wtext, max(seq) FROM chain_ops
                    GROUP BY source, target) o
              CROSS JOIN chain_product p ON p.idx = o.product WHERE true
            ON CONFLICT(source, type, target, key) DO NOTHING"""
        )
        written = conn.total_changes - before
    writer.count({"edges_created": written})
    result.bulk_edges += written
    sample = conn.execute(  # the report's sample of the changes: the first rows written
        "SELECT source, target, props FROM edges WHERE rowid > ? ORDER BY rowid LIMIT ?", (top, KEPT_CHANGES)
    )
    for source, target, props in sample:
        result.edges[(source, "OPERATES_IN", target, "")] = Edge(
            source, "OPERATES_IN", target, "", json.loads(props)
        )
    for table in ("chain_ops", "chain_product"):
        conn.execute(f"DROP TABLE temp.{table}")
