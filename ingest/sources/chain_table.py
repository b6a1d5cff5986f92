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
    source: 供应商名称与版本     # provenance written on every node and edge
    as_of: "2021"
    confidence: medium

Nodes are ChainNodes named by the table's text, with ids derived from the name (the same name
always gives the same node).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from graph.errors import ValidationError
from graph.schema import ROLES
from graph.store import Edge, Node
from ingest.importer import ImportContext, ImportPlan, RowOutcome, SourceInfo, stable_id
from ingest.resolve import fold
from ingest.tables import read_table

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
    return data


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
    if node_id not in ctx.chain_node_ids and node_id not in plan.nodes:
        plan.add_node(Node(node_id, "ChainNode", {"name": name, **provenance}))
    return node_id


def plan(
    path: Path, ctx: ImportContext, *, edition: str | None, mapping: Path | None, options: Mapping[str, Any]
) -> ImportPlan:
    spec = load_mapping(mapping)
    result = ImportPlan(INFO.id, str(path), edition)
    provenance = {
        "source": str(spec["source"]),
        "as_of": str(spec["as_of"]),
        "confidence": str(spec["confidence"]),
        "origin": f"import:{INFO.id}",
    }
    if spec["kind"] == "relations":
        _relations(result, ctx, path, spec, provenance)
    else:
        _companies(result, ctx, path, spec, provenance)
    return result


def _relations(
    result: ImportPlan, ctx: ImportContext, path: Path, spec: dict[str, Any], provenance: dict[str, Any]
) -> None:
    columns = tuple(c for c in (spec["from"], spec["to"], spec.get("type")) if c)
    rows = read_table(path, columns)
    result.rows_read = len(rows)
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
        known = stored or (a, rule["edge"], b, "") in result.edges
        _add_node(result, ctx, source, provenance)
        _add_node(result, ctx, target, provenance)
        if not stored:
            result.add_edge(Edge(a, rule["edge"], b, "", {"relation": relation, **provenance}))
        # "matched": the graph (or an earlier row) has this relation already
        result.outcomes.append(
            RowOutcome(row.line, f"{source} -> {target}", "matched" if known else "new", method=rule["edge"])
        )


def _companies(
    result: ImportPlan, ctx: ImportContext, path: Path, spec: dict[str, Any], provenance: dict[str, Any]
) -> None:
    columns = tuple(c for c in (spec["company"], spec["node"], spec.get("weight")) if c)
    rows = read_table(path, columns)
    result.rows_read = len(rows)
    by_code = spec.get("match", "code") == "code"
    for row in rows:
        company, node_name = row.get(spec["company"]), row.get(spec["node"])
        if not company or not node_name:
            result.reject(row, spec["company"] if not company else spec["node"], "empty company or node")
            continue
        match = ctx.index.match("", code=company) if by_code else ctx.index.match(company)
        if not match.merges:
            how = "stock code" if by_code else "name"
            result.reject(
                row,
                spec["company"],
                f"no enterprise with {how} {company!r} in the graph "
                "(import the company list first, e.g. ashare-basic)",
                company,
            )
            continue
        firm = str(match.enterprise_id)
        node = _add_node(result, ctx, node_name, provenance)
        props: dict[str, Any] = {"role": spec.get("role", "player"), **provenance}
        if spec.get("weight"):
            try:
                props["weight"] = float(row.get(spec["weight"]))
            except ValueError:
                result.reject(
                    row, spec["weight"], f"weight {row.get(spec['weight'])!r} is not a number", company
                )
                continue
        if (firm, node) not in ctx.operations:  # an operation the graph already has stays as it is
            result.add_edge(Edge(firm, "OPERATES_IN", node, "", props))
        result.outcomes.append(RowOutcome(row.line, company, "matched", firm, match.method, match.confidence))
