"""Importing a published file: read it, check every row, resolve each firm, report, then write.

An import is planned in full before anything is written: the report lists rows read, rows
matched to enterprises already in the graph (and how), new firms, uncertain matches (kept apart,
never merged), and rejected rows with file, line, column and reason. Unless the user passes
`skip_invalid`, one rejected row stops the whole import; the write is one transaction, and
importing the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.errors import ValidationError
from graph.store import ChangeSet, Edge, GraphStore, Node, Uniqueness
from ingest.curated import ORIGIN, bundled_data_dir
from ingest.resolve import EnterpriseIndex, Match, fold, normalise, stock_key
from ingest.tables import Row, read_csv


@dataclass(frozen=True)
class SourceInfo:
    """What a source is, for `chainkg sources` and the report."""

    id: str
    name: str
    description: str
    formats: str
    columns: str
    expected_rows: str
    licence: str
    needs_mapping: bool = False


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row: matched, new, uncertain or rejected, and why."""

    line: int
    name: str
    status: str
    enterprise_id: str | None = None
    method: str = ""
    confidence: str = ""
    detail: str = ""


@dataclass
class ImportPlan:
    """Everything an import would do, built before anything is written."""

    source: str
    path: str
    edition: str | None
    rows_read: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str, str, str], Edge] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unique: list[Uniqueness] = field(default_factory=list)  # checked inside the write (ChangeSet.unique)
    warnings: list[str] = field(default_factory=list)  # shown with the report; nothing is refused for them

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def reject(self, row: Row, column: str | None, reason: str, name: str = "") -> None:
        where = f"{row.path}:{row.line}" + (f": column {column}" if column else "")
        self.problems.append(f"{where}: {reason}")
        self.outcomes.append(RowOutcome(row.line, name, "rejected", detail=reason))

    def add_node(self, node: Node) -> None:
        self.nodes[node.id] = node

    def add_edge(self, edge: Edge) -> None:
        self.edges[edge.ident] = edge

    @property
    def changes(self) -> ChangeSet:
        return ChangeSet(
            nodes=tuple(self.nodes.values()), edges=tuple(self.edges.values()), unique=tuple(self.unique)
        )

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file": self.path,
            "edition": self.edition,
            "rows_read": self.rows_read,
            "matched": self.count("matched"),
            "new": self.count("new"),
            "uncertain": self.count("uncertain"),
            "rejected": self.count("rejected"),
            "nodes": len(self.nodes),
            "edges": len(self.edges),
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class ImportContext:
    """What a source needs from the graph: the enterprise index and region names."""

    index: EnterpriseIndex
    regions_by_name: Mapping[str, str]
    region_ids: frozenset[str]
    chain_node_ids: frozenset[str]
    chain_node_names: Mapping[str, str] = field(default_factory=dict)
    chain_edges: frozenset[tuple[str, str, str]] = frozenset()
    operations: frozenset[tuple[str, str]] = frozenset()
    ranking_list_ids: frozenset[str] = frozenset()
    translations: Mapping[str, str] = field(default_factory=dict)
    curated_rankings: frozenset[tuple[str, str, str, str]] = frozenset()
    under_review: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    store: GraphStore | None = None  # the store being imported into (the project source reads it)
    # the names (name, name_en) and stock code of each enterprise in the graph, by id: an import
    # never overwrites a firm whose id it happens to compute for another one
    enterprises: Mapping[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)

    def name_for(self, listed: str) -> str | None:
        """The Chinese name the alias table gives a firm listed under `listed` (an English name)."""
        return self.translations.get(fold(listed))

    @classmethod
    def from_store(cls, store: GraphStore, aliases_dir: Path | None = None) -> ImportContext:
        enterprises = store.find_nodes("Enterprise")
        known = {n.id for n in enterprises}
        listed: dict[str, list[str]] = {}
        translations: dict[str, str] = {}
        curated: set[tuple[str, str, str, str]] = set()
        for alias, name, enterprise_id in read_alias_tables(aliases_dir or bundled_data_dir() / "aliases"):
            translations[fold(alias)] = name
            if enterprise_id in known:
                listed.setdefault(enterprise_id, []).append(alias)
        for edge in store.find_edges(type="RANKED_IN"):
            if edge.props.get("origin") == ORIGIN:
                curated.add(edge.ident)
            if edge.props.get("listed_name"):
                listed.setdefault(edge.source, []).append(str(edge.props["listed_name"]))
        regions = store.find_nodes("Region")
        chain_nodes = store.find_nodes("ChainNode")
        by_name: dict[str, str] = {}
        for region in regions:
            for region_name in (region.props.get("name"), region.props.get("name_en")):
                if region_name:
                    by_name.setdefault(str(region_name), region.id)
        return cls(
            store=store,
            enterprises={
                n.id: (
                    tuple(str(n.props[k]) for k in ("name", "name_en") if n.props.get(k)),
                    str(n.props.get("stock_code") or ""),
                )
                for n in enterprises
            },
            index=EnterpriseIndex.build(enterprises, listed),
            regions_by_name=by_name,
            region_ids=frozenset(r.id for r in regions),
            chain_node_ids=frozenset(n.id for n in chain_nodes),
            chain_node_names={
                fold(str(n.props.get("name", ""))): n.id for n in chain_nodes if n.props.get("name")
            },
            chain_edges=frozenset(
                (e.source, e.type, e.target) for t in ("FEEDS", "PART_OF") for e in store.find_edges(type=t)
            ),
            operations=frozenset((e.source, e.target) for e in store.find_edges(type="OPERATES_IN")),
            ranking_list_ids=frozenset(n.id for n in store.find_nodes("RankingList")),
            translations=translations,
            curated_rankings=frozenset(curated),
            under_review={
                n.id: tuple(n.props["possible_duplicate_of"])
                for n in enterprises
                if n.props.get("possible_duplicate_of")
            },
        )


ALIAS_COLUMNS = ("alias", "name", "enterprise_id", "source", "as_of", "confidence")


def read_alias_tables(folder: Path) -> list[tuple[str, str, str]]:
    """(alias, Chinese name, enterprise id or "") from the alias tables in `folder`.

    Raises:
        ValidationError: a table without its columns or a row without alias, name or source.
    """
    found = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        for row in read_csv(path, ALIAS_COLUMNS):
            if not row.get("alias") or not row.get("name") or not row.get("source"):
                raise ValidationError(f"{row.where}: an alias needs alias, name and source")
            found.append((row.get("alias"), row.get("name"), row.get("enterprise_id")))
    return found


ID_HEX_DIGITS = 16  # 64 bits: among 10 million names a collision has odds of about 3 in a million


def stable_id(prefix: str, name: str) -> str:
    """A deterministic id for a firm or product first seen in an import (same name, same id).

    >>> stable_id("ent", "云南合成企业1239210有限公司") != stable_id("ent", "云南合成企业1805334有限公司")
    True
    """
    return key_id(prefix, normalise(name))


def key_id(prefix: str, key: str) -> str:
    """`stable_id` of a name already normalised."""
    return f"{prefix}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:ID_HEX_DIGITS]}"


def edition_from(path: Path, given: str | None) -> str | None:
    """The edition the user gave, else a year in the file name (private_enterprises_2026.csv)."""
    if given:
        if not re.fullmatch(r"\d{4}", given):
            raise ValidationError(f"--edition {given!r} must be a year such as 2024")
        return given
    years = re.findall(r"(?<!\d)(20\d{2})(?!\d)", path.name)
    return years[0] if len(years) == 1 else None


def resolve_enterprise(
    plan: ImportPlan,
    ctx: ImportContext,
    row: Row,
    *,
    name: str,
    names: tuple[str, ...] = (),
    code: str | None = None,
    new_props: Callable[[], dict[str, Any]],
    provenance: Mapping[str, Any],
    hq_region: str | None = None,
    seen: dict[str, int],
) -> str | None:
    """Resolve one row's firm and record the outcome; returns the enterprise id to link to.

    A match to an enterprise already in the graph links to it untouched; a new firm becomes a
    node (and its HQ edge); an uncertain match becomes a separate node marked
    `possible_duplicate_of`, listed for review, never merged.
    """
    match: Match = ctx.index.match(name, code=code, names=names)
    if match.merges:
        enterprise_id = str(match.enterprise_id)
        doubt = ctx.under_review.get(enterprise_id, ())
        # a firm an earlier import kept apart for review stays on the review list until a
        # person settles it (an alias, or a merge in the curated data)
        status = "uncertain" if doubt else "matched"
        detail = "possible duplicate of " + ", ".join(doubt) + " (still to review)" if doubt else ""
    else:
        enterprise_id = stable_id("ent", name)
        if enterprise_id in match.candidates:  # a firm kept apart whose name normalises the same
            enterprise_id = key_id("ent", "=" + fold(name))  # (滨化集团 and the listed 滨化集团股份)
        status = "uncertain" if match.method == "uncertain" else "new"
        detail = "possible duplicate of " + ", ".join(match.candidates) if match.candidates else ""
    if enterprise_id in seen:
        plan.reject(row, None, f"the same enterprise as line {seen[enterprise_id]} ({enterprise_id})", name)
        return None
    seen[enterprise_id] = row.line
    if not match.merges:
        props = {**new_props(), **provenance}
        other = _other_firm(ctx, enterprise_id, (name, *names, str(props.get("name") or "")), code)
        if other:
            plan.reject(row, None, f"id {enterprise_id} already belongs to {other}: not overwritten", name)
            return None
        if match.candidates:
            props["possible_duplicate_of"] = list(match.candidates)
        plan.add_node(
            Node(enterprise_id, "Enterprise", {k: v for k, v in props.items() if v not in (None, "", [])})
        )
        if hq_region:
            plan.add_edge(Edge(enterprise_id, "HAS_SITE", hq_region, "hq", {"kind": "hq", **provenance}))
    plan.outcomes.append(
        RowOutcome(row.line, name, status, enterprise_id, match.method, match.confidence, detail)
    )
    return enterprise_id


def _other_firm(ctx: ImportContext, enterprise_id: str, names: tuple[str, ...], code: str | None) -> str:
    """'' when no enterprise in the graph has `enterprise_id`, or it is this row's firm (a name in
    common and no other stock code); else that firm's name (and code), for the refusal."""
    if enterprise_id not in ctx.enterprises:
        return ""
    known, known_code = ctx.enterprises[enterprise_id]
    same_name = {fold(n) for n in known} & {fold(n) for n in names if n}
    other_code = bool(code and known_code and stock_key(code) != stock_key(known_code))
    if same_name and not other_code:
        return ""
    return "another firm, " + " / ".join(known or ("(no name)",)) + (f" ({known_code})" if known_code else "")


def finish(plan: ImportPlan, *, skip_invalid: bool, dry_run: bool) -> None:
    """Raise for rejected rows unless they may be skipped (or this is only a dry run); warn when
    the file held no data rows (a sheet that is empty, or whose rows the reader did not see)."""
    if plan.rows_read == 0:
        plan.warnings.append(
            f"{plan.path}: 0 data rows read: nothing to import (is the first sheet the data, "
            "with a header row and rows under it?)"
        )
    if plan.problems and not skip_invalid and not dry_run:
        count = len(plan.problems)
        raise ValidationError(
            f"{count} invalid row(s) in {plan.path}; nothing imported (fix them, or pass --skip-invalid). "
            f"First: {plan.problems[0]}",
            plan.problems,
        )
