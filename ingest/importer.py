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
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

from graph.errors import ValidationError
from graph.sqlite_store import StagedWrite
from graph.store import BatchWriter, ChangeSet, Edge, GraphStore, Node, Uniqueness
from ingest.curated import ORIGIN, bundled_data_dir
from ingest.resolve import EnterpriseIndex, Match, fold, normalise, stock_key
from ingest.tables import Row, read_csv

R = TypeVar("R")


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


KEPT_OUTCOMES = 10_000  # the first rows' outcomes kept whole for the report (and tests)
KEPT_PROBLEMS = 1_000  # the first rejected rows named; the count covers all of them
KEPT_UNCERTAIN = 1_000  # the first uncertain rows listed for review
KEPT_CHANGES = 10_000  # the first nodes and edges kept for the report; all are written
PROGRESS_EVERY_S = 3.0


@dataclass
class ImportPlan:
    """What an import does, built row by row.

    A small source plans in full and the changes are written at the end. A streaming source
    (`batch_size` set) hands a batch of nodes and edges to `sink` (one open store transaction)
    whenever `batch_size` are waiting, so memory stays bounded whatever the file's size: the
    plan keeps counts, the first rows' outcomes, the first problems and uncertain rows, and a
    sample of the changes. After a rejected row (without `skip_invalid`) nothing more is handed
    on and `finish` raises, which rolls the transaction back.
    """

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
    uncertain_rows: list[RowOutcome] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)  # how matched rows were matched
    batch_size: int | None = None  # set by a streaming source
    sink: Callable[[ChangeSet], None] | None = None
    writer: BatchWriter | None = None  # the open write a bulk path writes through (None: dry run)
    stop_at_reject: bool = False  # a rejected row stops the writing (the import will be refused)
    progress: Callable[[str], None] | None = None
    _node_ids: set[str] = field(default_factory=set)
    _edge_keys: set[int] = field(default_factory=set)
    bulk_edges: int = 0  # edges a bulk path wrote in SQL (not in `_edge_keys`)
    staged: StagedWrite | None = None  # set by `stage_in_sql`: nodes and edges written at the end
    _pending_nodes: dict[str, Node] = field(default_factory=dict)
    _pending_edges: dict[tuple[str, str, str, str], Edge] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return self.statuses[status]

    def record(self, outcome: RowOutcome) -> None:
        self.record_row(
            outcome.line,
            outcome.name,
            outcome.status,
            outcome.enterprise_id,
            outcome.method,
            outcome.confidence,
            outcome.detail,
            outcome=outcome,
        )

    def record_row(
        self,
        line: int,
        name: str,
        status: str,
        enterprise_id: str | None = None,
        method: str = "",
        confidence: str = "",
        detail: str = "",
        *,
        outcome: RowOutcome | None = None,
    ) -> None:
        """`record` for a row's parts: the RowOutcome is made only when the report keeps it
        (past the first rows only the counts grow)."""
        self.statuses[status] += 1
        if status == "matched":
            self.methods[method] += 1
        keep_uncertain = status == "uncertain" and len(self.uncertain_rows) < KEPT_UNCERTAIN
        keep = len(self.outcomes) < KEPT_OUTCOMES
        if keep_uncertain or keep:
            outcome = outcome or RowOutcome(line, name, status, enterprise_id, method, confidence, detail)
            if keep_uncertain:
                self.uncertain_rows.append(outcome)
            if keep:
                self.outcomes.append(outcome)

    def reject(
        self, row: Row, column: str | None, reason: str, name: str = "", *, counted: bool = True
    ) -> None:
        """Refuse `row` for `reason` (`counted`: False for a further problem of a row refused already)."""
        where = f"{row.path}:{row.line}" + (f": column {column}" if column else "")
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(f"{where}: {reason}")
        if counted:
            self.record(RowOutcome(row.line, name, "rejected", detail=reason))
        if self.stop_at_reject:
            self.sink = None
            self.staged = None
            self._pending_nodes.clear()
            self._pending_edges.clear()

    def has_node(self, node_id: str) -> bool:
        return node_id in self._node_ids

    def has_edge(self, ident: tuple[str, str, str, str]) -> bool:
        return hash(ident) in self._edge_keys  # 64-bit hashes: no collision to fear below 10^8 edges

    def add_node(self, node: Node) -> None:
        node_id = node.id
        self._node_ids.add(node_id)
        if len(self.nodes) < KEPT_CHANGES or node_id in self.nodes:
            self.nodes[node_id] = node
        if self.staged is not None:
            self.staged.add_node(node)
            return
        self._pending_nodes[node_id] = node
        self._flush_when_full()

    def add_edge(self, edge: Edge) -> None:
        ident = (edge.source, edge.type, edge.target, edge.key)
        self._edge_keys.add(hash(ident))
        if len(self.edges) < KEPT_CHANGES or ident in self.edges:
            self.edges[ident] = edge
        if self.staged is not None:
            self.staged.add_edge(edge)
            return
        self._pending_edges[ident] = edge
        self._flush_when_full()

    def reading(self, rows: Iterable[R]) -> Iterator[R]:
        """`rows` (Rows, or a bulk path's cells), counted as read, with a line on `progress` every few seconds."""
        started = last = time.monotonic()
        first = self.rows_read
        read = first
        try:
            # counted into `rows_read` every thousand rows and at the end (an attribute written
            # each row is a tenth of a microsecond, half a second of a register of five million)
            for read, row in enumerate(rows, start=first + 1):
                yield row
                if not read % 1000:
                    self.rows_read = read
                    if self.progress and time.monotonic() - last >= PROGRESS_EVERY_S:
                        last = time.monotonic()
                        rate = (read - first) / (last - started)
                        self.progress(f"{self.path}: {read:,} rows read, {rate:,.0f} rows/s")
        finally:
            self.rows_read = read

    def _flush_when_full(self) -> None:
        if self.batch_size and len(self._pending_nodes) + len(self._pending_edges) >= self.batch_size:
            self.flush()

    def stage_in_sql(self) -> bool:
        """Whether the nodes and edges go into the embedded store's staging tables (`StagedWrite`)
        to be checked and written at the end in key order, instead of a change set every
        `batch_size`: so on the embedded store, not on a dry run. For sources whose rows give
        each node and edge once (a change set's created-and-updated counts would differ)."""
        if self.writer is not None and self.writer.connection is not None and self.sink is not None:
            self.staged = StagedWrite(self.writer.connection)
        return self.staged is not None

    def flush(self, *, last: bool = False) -> None:
        """Hand the waiting changes to the sink (the last batch carries the uniqueness rules,
        after the staged rows are written)."""
        if last and self.staged is not None and self.writer is not None:
            if self.progress:
                self.progress(f"{self.path}: {self.rows_read:,} rows read; writing them in SQL")
            self.writer.count(self.staged.finish())
            self.staged = None
        if self.sink and (self._pending_nodes or self._pending_edges or last):
            self.sink(
                ChangeSet(
                    nodes=tuple(self._pending_nodes.values()),
                    edges=tuple(self._pending_edges.values()),
                    unique=tuple(self.unique) if last else (),
                )
            )
        self._pending_nodes.clear()
        self._pending_edges.clear()

    @property
    def changes(self) -> ChangeSet:
        """The changes kept for the report (all of them unless more than KEPT_CHANGES)."""
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
            "nodes": len(self._node_ids),
            "edges": len(self._edge_keys) + self.bulk_edges,
            "warnings": list(self.warnings),
        }


# what resolving a row needs of each enterprise in the graph (all that is read of them)
ENTERPRISE_KEYS = ("name", "name_en", "aliases", "stock_code", "possible_duplicate_of")


@dataclass(frozen=True)
class ImportContext:
    """What a source needs from the graph: region and chain names, and the enterprises (read
    from the store when a source first needs them: a bulk import matching by stock code reads
    only the codes)."""

    regions_by_name: Mapping[str, str]
    region_ids: frozenset[str]
    chain_node_ids: frozenset[str]
    chain_node_names: Mapping[str, str] = field(default_factory=dict)
    chain_edges: frozenset[tuple[str, str, str]] = frozenset()
    ranking_list_ids: frozenset[str] = frozenset()
    translations: Mapping[str, str] = field(default_factory=dict)
    curated_rankings: frozenset[tuple[str, str, str, str]] = frozenset()
    store: GraphStore | None = None  # the store being imported into (the project source reads it)
    listed: Mapping[str, list[str]] = field(default_factory=dict)  # more names a firm is listed under

    @cached_property
    def _enterprises(self) -> list[Node]:
        return self.store.node_props("Enterprise", ENTERPRISE_KEYS) if self.store else []

    @cached_property
    def index(self) -> EnterpriseIndex:
        return EnterpriseIndex.build(self._enterprises, self.listed)

    @cached_property
    def enterprises(self) -> Mapping[str, tuple[tuple[str, ...], str]]:
        """The names (name, name_en) and stock code of each enterprise in the graph, by id: an
        import never overwrites a firm whose id it happens to compute for another one."""
        return {
            n.id: (
                tuple(str(n.props[k]) for k in ("name", "name_en") if n.props.get(k)),
                str(n.props.get("stock_code") or ""),
            )
            for n in self._enterprises
        }

    @cached_property
    def under_review(self) -> Mapping[str, tuple[str, ...]]:
        return {
            n.id: tuple(n.props["possible_duplicate_of"])
            for n in self._enterprises
            if n.props.get("possible_duplicate_of")
        }

    @cached_property
    def firms_by_code(self) -> Mapping[str, str]:
        """The enterprise each stock code (`stock_key`) names, when exactly one does: what
        `index.match("", code=...)` merges, read from the codes alone."""
        if "index" in self.__dict__:
            codes = self.index.codes
            return {key: next(iter(ids)) for key, ids in codes.items() if len(ids) == 1}
        nodes = self.store.node_props("Enterprise", ("stock_code",)) if self.store else []
        return firms_by_code((node.id, node.props.get("stock_code")) for node in nodes)

    @cached_property
    def operations(self) -> frozenset[tuple[str, str]]:
        """(firm, chain node) of every operation in the graph, read when first asked for (a bulk
        import looks them up in SQL instead of holding millions of pairs)."""
        return frozenset(self.store.edge_ends("OPERATES_IN")) if self.store else frozenset()

    def name_for(self, listed: str) -> str | None:
        """The Chinese name the alias table gives a firm listed under `listed` (an English name)."""
        return self.translations.get(fold(listed))

    @classmethod
    def from_store(cls, store: GraphStore, aliases_dir: Path | None = None) -> ImportContext:
        listed: dict[str, list[str]] = {}
        translations: dict[str, str] = {}
        curated: set[tuple[str, str, str, str]] = set()
        for alias, name, enterprise_id in read_alias_tables(aliases_dir or bundled_data_dir() / "aliases"):
            translations[fold(alias)] = name
            if enterprise_id:  # the index takes the aliases of the enterprises it holds
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
            listed=listed,
            regions_by_name=by_name,
            region_ids=frozenset(r.id for r in regions),
            chain_node_ids=frozenset(n.id for n in chain_nodes),
            chain_node_names={
                fold(str(n.props.get("name", ""))): n.id for n in chain_nodes if n.props.get("name")
            },
            chain_edges=frozenset(
                (e.source, e.type, e.target) for t in ("FEEDS", "PART_OF") for e in store.find_edges(type=t)
            ),
            ranking_list_ids=frozenset(n.id for n in store.find_nodes("RankingList")),
            translations=translations,
            curated_rankings=frozenset(curated),
        )


def firms_by_code(codes: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """The enterprise each stock code (`stock_key`) names when exactly one does, from (id,
    stock code) pairs (the code as stored; empty or None: no code)."""
    found: dict[str, str | None] = {}  # None: a code two firms give
    for firm, code in codes:
        if code:  # as EnterpriseIndex.add_code reads it
            key = stock_key(str(code))
            found[key] = None if key in found else firm
    return {key: firm for key, firm in found.items() if firm is not None}


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


Resolution = tuple[Match, str, str, str]  # the match, the enterprise id, the status, the detail


def resolution(ctx: ImportContext, name: str, names: tuple[str, ...], code: str | None) -> Resolution:
    """What `resolve_enterprise` makes of a row's names and code before it records anything:
    a function of the row and the graph alone (so a reading process may work it out)."""
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
    return match, enterprise_id, status, detail


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
    resolved: Resolution | None = None,
) -> str | None:
    """Resolve one row's firm and record the outcome; returns the enterprise id to link to.

    A match to an enterprise already in the graph links to it untouched; a new firm becomes a
    node (and its HQ edge); an uncertain match becomes a separate node marked
    `possible_duplicate_of`, listed for review, never merged. `resolved`: the row's
    `resolution`, when it was worked out already (by a reading process).
    """
    match, enterprise_id, status, detail = resolved or resolution(ctx, name, names, code)
    if enterprise_id in seen:
        plan.reject(row, None, f"the same enterprise as line {seen[enterprise_id]} ({enterprise_id})", name)
        return None
    seen[enterprise_id] = row.line
    if not match.merges:
        props = {**new_props(), **provenance}
        other = enterprise_id in ctx.enterprises and _other_firm(
            ctx, enterprise_id, (name, *names, str(props.get("name") or "")), code
        )
        if other:
            plan.reject(row, None, f"id {enterprise_id} already belongs to {other}: not overwritten", name)
            return None
        if match.candidates:
            props["possible_duplicate_of"] = list(match.candidates)
        plan.add_node(
            Node(
                enterprise_id,
                "Enterprise",
                {k: v for k, v in props.items() if v is not None and v != "" and v != []},
            )
        )
        if hq_region:
            plan.add_edge(Edge(enterprise_id, "HAS_SITE", hq_region, "hq", {"kind": "hq", **provenance}))
    plan.record_row(row.line, name, status, enterprise_id, match.method, match.confidence, detail)
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
        count = max(plan.count("rejected"), len(plan.problems))
        raise ValidationError(
            f"{count} invalid row(s) in {plan.path}; nothing imported (fix them, or pass --skip-invalid). "
            f"First: {plan.problems[0]}",
            plan.problems,
        )
