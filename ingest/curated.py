"""The curated dataset in `data/`: read every file, check it whole, and turn it into one ChangeSet.

All problems are collected before anything is written, each naming the file, the row and what
is wrong; `python -m ingest.curated [DATA_DIR]` prints them (the check data editors run).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph import schema
from graph.errors import ValidationError
from graph.store import ChangeSet, Edge, Node
from graph.units import split_list
from ingest.tables import Row, is_as_of, read_csv

ORIGIN = "dataset"
PROVENANCE = schema.PROVENANCE_KEYS

ENTERPRISE_COLUMNS = (
    "id",
    "name",
    "name_en",
    "aliases",
    "ownership",
    "hq_region",
    "hq_city",
    "stock_code",
    "parent_id",
    "revenue_100m_cny",
    "revenue_year",
    "tags",
    *PROVENANCE,
)
OPERATES_COLUMNS = ("enterprise_id", "node_id", "role", "capacity", "unit", *PROVENANCE)
RANKING_COLUMNS = ("enterprise_id", "list", "edition", "rank", "listed_name", *PROVENANCE)
SITE_COLUMNS = ("enterprise_id", "region_id", "kind", "since", *PROVENANCE)
TIE_COLUMNS = ("from_id", "to_id", "kind", *PROVENANCE)
REGION_COLUMNS = ("id", "name", "name_en", *PROVENANCE)
INSTITUTION_COLUMNS = ("id", "name", "name_en", "kind", "region_id", *PROVENANCE)
TRAINS_COLUMNS = ("institution_id", "node_id", "programme", *PROVENANCE)
SKILL_COLUMNS = ("node_id", "skills", *PROVENANCE)
POLICY_COLUMNS = ("id", "name", "issuer", "doc_number", "date", "summary", *PROVENANCE)
POLICY_VALIDITY_COLUMNS = ("valid_from", "valid_until", "validity")
OVERCAPACITY_COLUMNS = ("node_id", "notice", "issuer", "date", "summary", *PROVENANCE)
PARK_COLUMNS = (
    "id",
    "name",
    "level",
    "region_id",
    "leading_industries",
    "leading_nodes",
    "land_available_mu",
    "power_price_cny_kwh",
    "energy_quota_tce",
    "notes",
    *PROVENANCE,
)
UNIT_COLUMNS = ("region_id", "industry_id", "unit", "role", *PROVENANCE)
SUPPORT_COLUMNS = ("policy_id", "target_id", "measure", *PROVENANCE)
INSTITUTION_KINDS = ("university", "research-institute", "vocational-college", "laboratory")
PRODUCTION_COLUMNS = ("node_id", "region_id", "metric", "value", "unit", "year", *PROVENANCE)
REVIEW_COLUMNS = ("node_id", "finding", "basis", *PROVENANCE)
GDP_COLUMNS = ("region_id", "year", "gdp_100m_cny", *PROVENANCE)
SIGNAL_COLUMNS = (
    "enterprise_id",
    "date",
    "kind",
    "region_id",
    "node_id",
    "amount_100m_cny",
    "summary",
    *PROVENANCE,
)
YUNNAN_COLUMNS = ("id", "name", "name_en", "level", "parent_id", *PROVENANCE)


def bundled_data_dir() -> Path:
    """The dataset shipped with chainkg: `data/` next to the packages."""
    return Path(__file__).resolve().parent.parent / "data"


@dataclass
class _Collector:
    """Nodes and edges being assembled, with where each came from, and the problems found."""

    nodes: dict[str, Node] = field(default_factory=dict)
    node_where: dict[str, str] = field(default_factory=dict)
    edges: dict[tuple[str, str, str, str], Edge] = field(default_factory=dict)
    edge_where: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def add_node(self, where: str, node_id: str, label: str, props: Mapping[str, Any]) -> bool:
        """Add a node; False (and a problem) when the id is taken."""
        if node_id in self.nodes:
            self.problem(where, f"duplicate id {node_id!r} (first defined at {self.node_where[node_id]})")
            return False
        self.nodes[node_id] = Node(node_id, label, {**_clean(props), "origin": ORIGIN})
        self.node_where[node_id] = where
        return True

    def add_edge(
        self, where: str, source: str, edge_type: str, target: str, props: Mapping[str, Any], key: str = ""
    ) -> None:
        edge = Edge(source, edge_type, target, key, {**_clean(props), "origin": ORIGIN})
        if edge.ident in self.edges:
            self.problem(
                where,
                f"duplicate {edge_type} edge {source} -> {target}"
                + (f" [{key}]" if key else "")
                + f" (first at {self.edge_where[edge.ident]})",
            )
            return
        self.edges[edge.ident] = edge
        self.edge_where[edge.ident] = where


def _clean(props: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v not in (None, "", [])}


def _provenance(col: _Collector, where: str, record: Mapping[str, Any]) -> dict[str, str]:
    """The source/as_of/confidence of a record, with a problem for each missing or bad one."""
    out: dict[str, str] = {}
    for key in PROVENANCE:
        value = record.get(key)
        text = "" if value is None else str(value).strip()
        if not text:
            col.problem(where, f"missing {key}")
        out[key] = text
    if out["as_of"] and not is_as_of(out["as_of"]):
        col.problem(where, f"as_of {out['as_of']!r} is not a year, YYYY-MM or YYYY-MM-DD")
    if out["confidence"] and out["confidence"] not in schema.CONFIDENCES:
        col.problem(where, f"confidence {out['confidence']!r} is not one of high, medium, low")
    return out


def _choice(col: _Collector, where: str, column: str, value: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        col.problem(where, f"{column} {value!r} is not one of {', '.join(allowed)}")
    return value


def _number(col: _Collector, where: str, column: str, value: str, kind: type = float) -> Any:
    if value == "":
        return None
    try:
        return kind(value)
    except ValueError:
        col.problem(where, f"{column} {value!r} is not a number")
        return None


def _load_yaml(col: _Collector, path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        col.problem(f"{path}{line}", f"not valid YAML: {getattr(exc, 'problem', exc)}")
    except UnicodeDecodeError as exc:
        col.problem(str(path), f"not valid UTF-8 ({exc.reason})")
    return None


def _csv_rows(col: _Collector, path: Path, columns: tuple[str, ...]) -> list[Row]:
    try:
        return list(read_csv(path, columns))
    except ValidationError as exc:
        col.problems.extend(exc.problems)
        return []


def _items(col: _Collector, path: Path, data: Any, key: str) -> list[tuple[str, dict[str, Any]]]:
    """The list under `key` of a YAML document, each item with a `file:#n` locator."""
    items = data.get(key) if isinstance(data, dict) else None
    if items is None:
        col.problem(str(path), f"no '{key}' list")
        return []
    if not isinstance(items, list):
        col.problem(str(path), f"'{key}' must be a list")
        return []
    out = []
    for index, item in enumerate(items, start=1):
        where = f"{path} {key}[{index}]"
        if not isinstance(item, dict):
            col.problem(where, "must be a mapping")
            continue
        if item.get("id"):
            where += f" ({item['id']})"
        out.append((where, item))
    return out


# -- the parts of the dataset -------------------------------------------------------------------


def _load_industries(col: _Collector, root: Path) -> set[str]:
    path = root / "industries.yaml"
    data = _load_yaml(col, path)
    ids: set[str] = set()
    for position, (where, item) in enumerate(_items(col, path, data, "industries"), start=1):
        node_id = str(item.get("id") or "")
        if not node_id or not item.get("name"):
            col.problem(where, "needs id and name")
            continue
        quota = item.get("yearly_project_quota")
        if quota is not None and (not isinstance(quota, int) or quota < 0):
            col.problem(where, f"yearly_project_quota {quota!r} must be a whole number or null")
        col.add_node(
            where,
            node_id,
            "Industry",
            {
                "name": item.get("name"),
                "name_en": item.get("name_en"),
                "lead_department": item.get("lead_department"),
                "yearly_project_quota": quota,
                "order": position,  # the order of measure 3, which the app lists them in
                **_provenance(col, where, item),
            },
        )
        ids.add(node_id)
    return ids


def _load_ranking_lists(col: _Collector, root: Path) -> None:
    path = root / "ranking_lists.yaml"
    for where, item in _items(col, path, _load_yaml(col, path), "ranking_lists"):
        col.add_node(
            where,
            str(item.get("id") or ""),
            "RankingList",
            {
                "name": item.get("name"),
                "name_en": item.get("name_en"),
                "publisher": item.get("publisher"),
                **_provenance(col, where, item),
            },
        )


def _load_regions(col: _Collector, root: Path) -> None:
    regions = root / "regions"
    for row in _csv_rows(col, regions / "countries.csv", REGION_COLUMNS):
        _region(col, row, "country", None)
    for row in _csv_rows(col, regions / "provinces.csv", REGION_COLUMNS):
        _region(col, row, "province", "CN")
    for row in _csv_rows(col, regions / "yunnan.csv", YUNNAN_COLUMNS):
        level = _choice(col, row.where, "level", row.get("level"), ("prefecture", "county"))
        _region(col, row, level, row.get("parent_id"))


def _region(col: _Collector, row: Row, level: str, parent: str | None) -> None:
    node_id = row.get("id")
    if not node_id or not row.get("name"):
        col.problem(row.where, "needs id and name")
        return
    prov = _provenance(col, row.where, row.cells)
    col.add_node(
        row.where,
        node_id,
        "Region",
        {"name": row.get("name"), "name_en": row.get("name_en"), "level": level, **prov},
    )
    if parent:
        col.add_edge(row.where, node_id, "PART_OF", parent, prov)


def _chain_node(col: _Collector, where: str, item: dict[str, Any], industries: list[str]) -> None:
    node_id = str(item.get("id") or "")
    if not node_id or not item.get("name"):
        col.problem(where, "needs id and name")
        return
    stage = _choice(col, where, "stage", str(item.get("stage")), schema.STAGES)
    level = item.get("level", 1)
    if level not in (1, 2, 3):
        col.problem(where, f"level {level!r} must be 1, 2 or 3")
    tags = item.get("tags") or []
    if not isinstance(tags, list):
        col.problem(where, "tags must be a list")
        tags = []
    for tag in tags:
        _choice(col, where, "tag", str(tag), schema.NODE_TAGS)
    prov = _provenance(col, where, item)
    col.add_node(
        where,
        node_id,
        "ChainNode",
        {
            "name": item.get("name"),
            "name_en": item.get("name_en"),
            "stage": stage,
            "level": level,
            "tags": sorted(str(t) for t in tags),
            "description": item.get("description"),
            "industries": sorted(industries),
            **prov,
        },
    )
    parent = item.get("parent")
    if parent:
        col.add_edge(where, node_id, "PART_OF", str(parent), prov)
    else:
        for industry in industries:
            col.add_edge(where, node_id, "PART_OF", industry, prov)


def _feeds(col: _Collector, path: Path, data: Any) -> None:
    feeds = data.get("feeds") if isinstance(data, dict) else None
    for index, item in enumerate(feeds or [], start=1):
        where = f"{path} feeds[{index}]"
        if not isinstance(item, dict) or not item.get("from") or not item.get("to"):
            col.problem(where, "needs from and to")
            continue
        source, target = str(item["from"]), str(item["to"])
        if source == target:
            col.problem(where, f"{source} feeds itself")
        props = {**_provenance(col, where, item), "share": item.get("share")}
        col.add_edge(where, source, "FEEDS", target, props)


def _load_chains(col: _Collector, root: Path, industries: set[str]) -> dict[str, set[str]]:
    """Chain nodes and FEEDS edges; returns each industry's member nodes."""
    chains = root / "chains"
    members: dict[str, set[str]] = {i: set() for i in industries}
    shared_path = chains / "shared.yaml"
    shared = _load_yaml(col, shared_path) if shared_path.exists() else {"nodes": []}
    shared_ids: set[str] = set()
    for where, item in _items(col, shared_path, shared, "nodes"):
        inds = [str(i) for i in item.get("industries") or []]
        if not inds:
            col.problem(where, "a shared node needs its industries")
        for ind in inds:
            if ind not in industries:
                col.problem(where, f"unknown industry {ind!r}")
        _chain_node(col, where, item, [i for i in inds if i in industries])
        shared_ids.add(str(item.get("id")))
        for ind in inds:
            members.setdefault(ind, set()).add(str(item.get("id")))
    _feeds(col, shared_path, shared)
    with_file: set[str] = set()
    for path in sorted(chains.glob("*.yaml")):
        if path.name == "shared.yaml":
            continue
        data = _load_yaml(col, path)
        if not isinstance(data, dict):
            if data is not None:
                col.problem(str(path), "must be a mapping with industry, nodes, uses, feeds")
            continue
        industry = str(data.get("industry") or "")
        if industry not in industries:
            col.problem(str(path), f"unknown industry {industry!r}; known: {', '.join(sorted(industries))}")
            continue
        if path.stem != industry:
            col.problem(str(path), f"file name should be {industry}.yaml")
        with_file.add(industry)
        for where, item in _items(col, path, data, "nodes"):
            _chain_node(col, where, item, [industry])
            members[industry].add(str(item.get("id")))
        for used in data.get("uses") or []:
            if used not in shared_ids:
                col.problem(f"{path} uses", f"{used!r} is not a node of chains/shared.yaml")
            elif industry not in (col.nodes[used].props.get("industries") or []):
                col.problem(
                    f"{path} uses", f"{used!r} must list {industry} among its industries in shared.yaml"
                )
        _feeds(col, path, data)
    for industry in sorted(industries - with_file):
        col.problem(str(chains), f"industry {industry} has no chain file ({industry}.yaml)")
    return members


def _load_enterprises(col: _Collector, root: Path) -> None:
    rows = [
        r for p in sorted((root / "enterprises").glob("*.csv")) for r in _csv_rows(col, p, ENTERPRISE_COLUMNS)
    ]
    for row in rows:
        node_id = row.get("id")
        if not node_id or not row.get("name"):
            col.problem(row.where, "needs id and name")
            continue
        prov = _provenance(col, row.where, row.cells)
        ownership = _choice(col, row.where, "ownership", row.get("ownership"), schema.OWNERSHIPS)
        tags = split_list(row.get("tags"), ";")
        for tag in tags:
            _choice(col, row.where, "tag", tag, schema.ENTERPRISE_TAGS)
        added = col.add_node(
            row.where,
            node_id,
            "Enterprise",
            {
                "name": row.get("name"),
                "name_en": row.get("name_en"),
                "aliases": split_list(row.get("aliases"), ";"),
                "ownership": ownership,
                "hq_city": row.get("hq_city"),
                "stock_code": row.get("stock_code"),
                "revenue_100m_cny": _number(col, row.where, "revenue_100m_cny", row.get("revenue_100m_cny")),
                "revenue_year": _number(col, row.where, "revenue_year", row.get("revenue_year"), int),
                "tags": tags,
                **prov,
            },
        )
        if not added:
            continue
        if not row.get("hq_region"):
            col.problem(row.where, "missing hq_region")
        else:
            col.add_edge(
                row.where, node_id, "HAS_SITE", row.get("hq_region"), {"kind": "hq", **prov}, key="hq"
            )
        if row.get("parent_id"):
            if row.get("parent_id") == node_id:
                col.problem(row.where, "an enterprise cannot be its own parent")
            col.add_edge(row.where, node_id, "SUBSIDIARY_OF", row.get("parent_id"), prov)


def _load_links(col: _Collector, root: Path) -> None:
    for path in sorted((root / "operates").glob("*.csv")):
        for row in _csv_rows(col, path, OPERATES_COLUMNS):
            role = _choice(col, row.where, "role", row.get("role"), schema.ROLES)
            props = {
                "role": role,
                "capacity": _number(col, row.where, "capacity", row.get("capacity")),
                "unit": row.get("unit"),
                **_provenance(col, row.where, row.cells),
            }
            col.add_edge(row.where, row.get("enterprise_id"), "OPERATES_IN", row.get("node_id"), props)
    for path in sorted((root / "rankings").glob("*.csv")):
        for row in _csv_rows(col, path, RANKING_COLUMNS):
            edition = row.get("edition")
            if not (edition.isdigit() and len(edition) == 4):
                col.problem(row.where, f"edition {edition!r} must be a year")
            props = {
                "list": row.get("list"),
                "edition": edition,
                "rank": _number(col, row.where, "rank", row.get("rank"), int),
                "listed_name": row.get("listed_name"),
                **_provenance(col, row.where, row.cells),
            }
            col.add_edge(
                row.where, row.get("enterprise_id"), "RANKED_IN", row.get("list"), props, key=edition
            )
    for path in sorted((root / "sites").glob("*.csv")):
        for row in _csv_rows(col, path, SITE_COLUMNS):
            kind = _choice(col, row.where, "kind", row.get("kind"), schema.SITE_KINDS)
            props = {"kind": kind, "since": row.get("since"), **_provenance(col, row.where, row.cells)}
            col.add_edge(
                row.where, row.get("enterprise_id"), "HAS_SITE", row.get("region_id"), props, key=kind
            )
    for path in sorted((root / "ties").glob("*.csv")):
        for row in _csv_rows(col, path, TIE_COLUMNS):
            kind = _choice(col, row.where, "kind", row.get("kind"), schema.TIE_KINDS)
            props = {"kind": kind, **_provenance(col, row.where, row.cells)}
            col.add_edge(row.where, row.get("from_id"), "SUPPLIES", row.get("to_id"), props, key=kind)


def _load_talent_and_policies(col: _Collector, root: Path) -> None:
    """Institutions and what they train for, the skills each link needs, support policies."""
    for path in sorted((root / "institutions").glob("institutions*.csv")):
        for row in _csv_rows(col, path, INSTITUTION_COLUMNS):
            kind = _choice(col, row.where, "kind", row.get("kind"), INSTITUTION_KINDS)
            prov = _provenance(col, row.where, row.cells)
            if col.add_node(
                row.where,
                row.get("id"),
                "Institution",
                {
                    "name": row.get("name"),
                    "name_en": row.get("name_en"),
                    "kind": kind,
                    **prov,
                },
            ):
                col.add_edge(row.where, row.get("id"), "LOCATED_IN", row.get("region_id"), prov)
    for path in sorted((root / "institutions").glob("trains_for*.csv")):
        for row in _csv_rows(col, path, TRAINS_COLUMNS):
            props = {"programme": row.get("programme"), **_provenance(col, row.where, row.cells)}
            # one institution may train for a link through several programmes: one edge each
            col.add_edge(
                row.where,
                row.get("institution_id"),
                "TRAINS_FOR",
                row.get("node_id"),
                props,
                key=row.get("programme"),
            )
    for path in sorted((root / "talent").glob("*.csv")):
        for row in _csv_rows(col, path, SKILL_COLUMNS):
            node = col.nodes.get(row.get("node_id"))
            prov = _provenance(col, row.where, row.cells)
            if node is None or node.label != "ChainNode":
                col.problem(row.where, f"skills for unknown chain node {row.get('node_id')!r}")
            elif "skills" in node.props:
                col.problem(row.where, f"skills for {node.id} given twice")
            else:
                col.nodes[node.id] = Node(
                    node.id,
                    node.label,
                    {
                        **node.props,
                        "skills": split_list(row.get("skills"), ";"),
                        "skills_source": prov["source"],
                    },
                )
    for path in sorted((root / "policies").glob("policies*.csv")):
        for row in _csv_rows(col, path, (*POLICY_COLUMNS, *POLICY_VALIDITY_COLUMNS)):
            validity = _choice(col, row.where, "validity", row.get("validity"), schema.POLICY_VALIDITY)
            for column in ("valid_from", "valid_until"):
                if row.get(column) and not is_as_of(row.get(column)):
                    col.problem(
                        row.where, f"{column} {row.get(column)!r} is not a year, YYYY-MM or YYYY-MM-DD"
                    )
            col.add_node(
                row.where,
                row.get("id"),
                "Policy",
                {
                    "name": row.get("name"),
                    "issuer": row.get("issuer"),
                    "doc_number": row.get("doc_number"),
                    "date": row.get("date"),
                    "summary": row.get("summary"),
                    "valid_from": row.get("valid_from"),
                    "valid_until": row.get("valid_until"),
                    "validity": validity,
                    **_provenance(col, row.where, row.cells),
                },
            )
    for path in sorted((root / "policies").glob("supports*.csv")):
        for row in _csv_rows(col, path, SUPPORT_COLUMNS):
            props = {"measure": row.get("measure"), **_provenance(col, row.where, row.cells)}
            col.add_edge(row.where, row.get("policy_id"), "SUPPORTS", row.get("target_id"), props)


def _append_props(col: _Collector, where: str, node_id: str, label: str, values: Mapping[str, Any]) -> None:
    """Append each of `values` to the list property of that name on `node_id` (parallel lists, as
    Neo4j properties hold no maps), with a problem when the node is not a `label`."""
    node = col.nodes.get(node_id)
    if node is None or node.label != label:
        col.problem(where, f"unknown {label} id {node_id!r}")
        return
    props = dict(node.props)
    for key, value in values.items():
        props[key] = [*props.get(key, []), value]
    col.nodes[node_id] = Node(node.id, node.label, props)


def _load_local_conditions(col: _Collector, root: Path, industries: set[str]) -> None:
    """Parks with their factor conditions, each prefecture's units, and the links under national
    overcapacity notices."""
    for path in sorted((root / "parks").glob("*.csv")):
        for row in _csv_rows(col, path, PARK_COLUMNS):
            level = _choice(col, row.where, "level", row.get("level"), schema.PARK_LEVELS)
            leading = split_list(row.get("leading_industries"), ";")
            for industry in leading:
                if industry not in industries:
                    col.problem(row.where, f"leading_industries: unknown industry {industry!r}")
            nodes = split_list(row.get("leading_nodes"), ";")
            for node_id in nodes:
                if col.nodes.get(node_id, Node("", "")).label != "ChainNode":
                    col.problem(row.where, f"leading_nodes: unknown chain node {node_id!r}")
            prov = _provenance(col, row.where, row.cells)
            props = {
                "name": row.get("name"),
                "level": level,
                "leading_industries": leading,
                "leading_nodes": nodes,
                "notes": row.get("notes"),
                **prov,
            }
            for column in ("land_available_mu", "power_price_cny_kwh", "energy_quota_tce"):
                value = _number(col, row.where, column, row.get(column))
                if value is not None and value < 0:
                    col.problem(row.where, f"{column} must be >= 0")
                props[column] = value
            if col.add_node(row.where, row.get("id"), "Park", props):
                col.add_edge(row.where, row.get("id"), "LOCATED_IN", row.get("region_id"), prov)
    units = root / "regions" / "prefecture_units.csv"
    for row in _csv_rows(col, units, UNIT_COLUMNS) if units.is_file() else []:
        role = _choice(col, row.where, "role", row.get("role"), schema.UNIT_ROLES)
        industry = row.get("industry_id")
        if role == "industry-lead" and industry not in industries:
            col.problem(row.where, f"an industry-lead unit needs a known industry_id, not {industry!r}")
        if not row.get("unit"):
            col.problem(row.where, "missing unit")
        source = _provenance(col, row.where, row.cells)["source"]
        _append_props(
            col,
            row.where,
            row.get("region_id"),
            "Region",
            {
                "unit_names": row.get("unit"),
                "unit_roles": role,
                "unit_industries": industry,
                "unit_sources": source,
            },
        )
    for path in sorted((root / "policies").glob("overcapacity*.csv")):
        for row in _csv_rows(col, path, OVERCAPACITY_COLUMNS):
            if not (row.get("notice") and row.get("issuer") and is_as_of(row.get("date"))):
                col.problem(
                    row.where, "needs a notice, its issuer and its date (YYYY, YYYY-MM or YYYY-MM-DD)"
                )
            source = _provenance(col, row.where, row.cells)["source"]
            _append_props(
                col,
                row.where,
                row.get("node_id"),
                "ChainNode",
                {
                    "overcapacity_notices": row.get("notice"),
                    "overcapacity_issuers": row.get("issuer"),
                    "overcapacity_dates": row.get("date"),
                    "overcapacity_summaries": row.get("summary"),
                    "overcapacity_sources": source,
                },
            )


def production_edge(col: _Collector, row: Row) -> None:
    """A PRODUCES edge from one production row (region -> chain node), keyed metric:unit:year."""
    metric = _choice(col, row.where, "metric", row.get("metric"), schema.PRODUCTION_METRICS)
    value = _number(col, row.where, "value", row.get("value"))
    year = _number(col, row.where, "year", row.get("year"), int)
    if row.get("value") == "" or (value is not None and value < 0):
        col.problem(row.where, "value must be a number >= 0")
    if year is None or not 1949 <= year <= 2100:
        col.problem(row.where, f"year {row.get('year')!r} must be a year")
    if not row.get("unit"):
        col.problem(row.where, "missing unit")
    if metric == "national_share" and value is not None and value > 100:
        col.problem(row.where, "a national_share is a percent (0-100)")
    props = {
        "metric": metric,
        "value": value,
        "unit": row.get("unit"),
        "year": year,
        **_provenance(col, row.where, row.cells),
    }
    key = f"{metric}:{row.get('unit')}:{year}"
    col.add_edge(row.where, row.get("region_id"), "PRODUCES", row.get("node_id"), props, key=key)


def signal_edge(col: _Collector, row: Row) -> None:
    """A SIGNALLED edge from one intent-signal row (enterprise -> region), keyed date:kind:node."""
    kind = _choice(col, row.where, "kind", row.get("kind"), schema.SIGNAL_KINDS)
    date = row.get("date")
    if not is_as_of(date) or len(date) < 7:
        col.problem(row.where, f"date {date!r} is not YYYY-MM or YYYY-MM-DD")
    amount = _number(col, row.where, "amount_100m_cny", row.get("amount_100m_cny"))
    if not row.get("summary"):
        col.problem(row.where, "missing summary")
    props = {
        "kind": kind,
        "date": date,
        "node_id": row.get("node_id"),
        "amount_100m_cny": amount,
        "summary": row.get("summary"),
        **_provenance(col, row.where, row.cells),
    }
    key = f"{date}:{kind}:{row.get('node_id')}"
    col.add_edge(row.where, row.get("enterprise_id"), "SIGNALLED", row.get("region_id"), props, key=key)


def fact_edges(
    rows: Iterable[Row], make_edge: Callable[[_Collector, Row], None]
) -> tuple[list[Edge], list[str]]:
    """The edges `make_edge` (production_edge, signal_edge) makes of `rows` outside a dataset
    build, with every problem found (a file a bureau imports gets the dataset's checks)."""
    col = _Collector()
    for row in rows:
        make_edge(col, row)
    return list(col.edges.values()), col.problems


def _load_evidence(col: _Collector, root: Path) -> None:
    """Production figures, the review findings on each link, regions' GDP and intent signals."""
    for path in sorted((root / "production").glob("*.csv")):
        for row in _csv_rows(col, path, PRODUCTION_COLUMNS):
            production_edge(col, row)
    reviewed: dict[str, tuple[str, str]] = {}
    for path in sorted((root / "reviews").glob("*.csv")):
        for row in _csv_rows(col, path, REVIEW_COLUMNS):
            finding = _choice(col, row.where, "finding", row.get("finding"), schema.FINDINGS)
            node_id = row.get("node_id")
            if node_id in reviewed:  # a shared link reviewed with each chain that uses it
                first, where = reviewed[node_id]
                if first != finding:
                    col.problem(
                        row.where, f"finding {finding!r} on {node_id} contradicts {first!r} at {where}"
                    )
                continue
            reviewed[node_id] = (finding, row.where)
            props = {"finding": finding, "basis": row.get("basis"), **_provenance(col, row.where, row.cells)}
            col.add_edge(row.where, schema.YUNNAN_REGION_ID, "ASSESSED", node_id, props)
    gdp: dict[str, list[tuple[int, float, dict[str, str]]]] = {}
    for path in sorted((root / "economy").glob("gdp*.csv")):
        for row in _csv_rows(col, path, GDP_COLUMNS):
            year = _number(col, row.where, "year", row.get("year"), int)
            value = _number(col, row.where, "gdp_100m_cny", row.get("gdp_100m_cny"))
            prov = _provenance(col, row.where, row.cells)
            region = col.nodes.get(row.get("region_id"))
            if region is None or region.label != "Region":
                col.problem(row.where, f"GDP of unknown region {row.get('region_id')!r}")
            elif year is None or value is None or value <= 0:
                col.problem(row.where, "year and a positive gdp_100m_cny are required")
            elif any(y == year for y, _, _ in gdp.get(region.id, [])):
                col.problem(row.where, f"GDP of {region.id} in {year} given twice")
            else:
                gdp.setdefault(region.id, []).append((year, value, prov))
    for region_id, rows in gdp.items():
        rows.sort(key=lambda r: r[0])
        node = col.nodes[region_id]
        col.nodes[region_id] = Node(
            node.id,
            node.label,
            {
                **node.props,
                "gdp_years": [y for y, _, _ in rows],
                "gdp_values": [v for _, v, _ in rows],
                "gdp_source": "；".join(dict.fromkeys(p["source"] for _, _, p in rows)),
            },
        )
    for path in sorted((root / "signals").glob("*.csv")):
        for row in _csv_rows(col, path, SIGNAL_COLUMNS):
            signal_edge(col, row)


def _check_references(col: _Collector) -> None:
    """Every edge end exists and the (source, edge, target) pattern is one the schema allows."""
    for ident, edge in col.edges.items():
        where = col.edge_where[ident]
        ends = []
        for end in (edge.source, edge.target):
            node = col.nodes.get(end)
            if node is None:
                col.problem(where, f"{edge.type} refers to unknown id {end!r}")
            ends.append(node)
        if ends[0] is None or ends[1] is None:
            continue
        pattern = (ends[0].label, edge.type, ends[1].label)
        if pattern not in schema.PATTERNS:
            col.problem(
                where,
                f"{edge.source} ({pattern[0]}) -[{edge.type}]-> {edge.target} ({pattern[2]}) "
                "is not allowed by the schema",
            )


def _check_chains(col: _Collector, members: Mapping[str, set[str]]) -> None:
    """Each chain's parents belong to it and classification never doubles as flow."""
    for ident, edge in col.edges.items():
        if edge.type == "PART_OF" and col.nodes.get(edge.target, Node("", "")).label == "ChainNode":
            child = col.nodes.get(edge.source)
            parent = col.nodes[edge.target]
            if child and set(child.props.get("industries", [])) - set(parent.props.get("industries", [])):
                col.problem(col.edge_where[ident], f"parent {edge.target} is not in the same chain")
            if (edge.source, "FEEDS", edge.target, "") in col.edges or (
                edge.target,
                "FEEDS",
                edge.source,
                "",
            ) in col.edges:
                col.problem(col.edge_where[ident], "a pair cannot be both PART_OF and FEEDS")


def load_dataset(root: Path | None = None) -> ChangeSet:
    """Read and check the whole dataset under `root` (the bundled `data/` by default).

    Raises:
        ValidationError: with every problem found, each naming its file and row.
    """
    root = root or bundled_data_dir()
    if not root.is_dir():
        raise ValidationError(f"{root}: no such data directory")
    col = _Collector()
    industries = _load_industries(col, root)
    _load_ranking_lists(col, root)
    _load_regions(col, root)
    members = _load_chains(col, root, industries)
    _load_enterprises(col, root)
    _load_links(col, root)
    _load_talent_and_policies(col, root)
    _load_local_conditions(col, root, industries)
    _load_evidence(col, root)
    _check_references(col)
    _check_chains(col, members)
    if col.problems:
        count = len(col.problems)
        raise ValidationError(
            f"{count} problem{'s' if count > 1 else ''} in {root}; first: {col.problems[0]}", col.problems
        )
    return ChangeSet(nodes=tuple(col.nodes.values()), edges=tuple(col.edges.values()))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else bundled_data_dir()
    try:
        changes = load_dataset(root)
    except ValidationError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s)")
        return 1
    labels: dict[str, int] = {}
    for node in changes.nodes:
        labels[node.label] = labels.get(node.label, 0) + 1
    types: dict[str, int] = {}
    for edge in changes.edges:
        types[edge.type] = types.get(edge.type, 0) + 1
    print("ok:", ", ".join(f"{k} {v}" for k, v in sorted({**labels, **types}.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
