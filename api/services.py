"""The use cases of chainkg, each computed once per request: the JSON routes, the pages, the CLI
and the renderers all call these and shape (or print) what they return.

An `Assessment` holds one industry's view and its gap assessment (for Yunnan or one prefecture),
computed on first use and then shared by everything one request shows: the summary, the gap
list, the targets, the leader set and the chain graph. A server keeps them in a `ResultCache`,
valid for one store version: every write (by any process on the store) bumps the version, and
the next request starts afresh.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable
from contextvars import ContextVar, Token
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import networkx as nx

from analysis.gaps import ChainGaps, chain_gaps
from analysis.leaders import HeadquartersTarget, LeaderSet, best_leader_set, headquarters_targets
from analysis.recommend import TargetLists, target_lists
from analysis.regions import YUNNAN, enterprises_in, region_descendants
from analysis.scenario import ScenarioResult
from analysis.scenario import scenario as run_scenario
from analysis.stats import stats_figures
from api.present import (
    chain_graph_json,
    chain_node_json,
    enterprise_brief_json,
    enterprise_json,
    gaps_json,
    industry_json,
    leaders_json,
    scenario_json,
    target_lists_json,
)
from graph.errors import NotFoundError
from graph.lookup import chain_node_id, firms_named, industry_id, resolve
from graph.reads import chain_members, enterprise_view, region_tree, region_view
from graph.schema import EDGE_TYPES, FACT_EDGE_TYPES, FACT_LABELS, NODE_LABELS
from graph.sqlite_store import READ_VIEWS
from graph.store import Focus, GraphStore, Node, names_of
from graph.view import build_view, freeze_kept, release_frozen

if TYPE_CHECKING:
    import asyncio

    from pydantic import TypeAdapter

    from analysis.plans import IndustryPlan


async def run_in_threadpool(func: Callable[..., R], *args: Any) -> R:
    """starlette's `run_in_threadpool`, imported when a served request first needs it: a
    command asking one question starts without the event loop's modules (asyncio, anyio)."""
    from starlette.concurrency import run_in_threadpool as run

    return await run(func, *args)


R = TypeVar("R")


def json_body(model: Any, data: Any) -> bytes:
    """`data` checked against the response `model` and serialised as FastAPI would (the same
    bytes a route returning `data` sends), so a cached body is the route's answer."""
    adapter: TypeAdapter[Any] = _adapter(model)
    content = adapter.dump_python(adapter.validate_python(data), mode="json", by_alias=True)
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


_adapters: dict[Any, TypeAdapter[Any]] = {}


def _adapter(model: Any) -> TypeAdapter[Any]:
    if model not in _adapters:
        # pydantic when a response is first shaped: a command that asks a question has none
        from pydantic import TypeAdapter

        _adapters[model] = TypeAdapter(model)
    return _adapters[model]


class Assessment:
    """One industry's view and gaps (for Yunnan, or one prefecture), each computed at most once:
    every answer is kept under its arguments (the results are shared, never changed). A server
    keeps an assessment through writes that leave the industries' views (`ResultCache`), so what
    it keeps must come from the industry's view alone; a plan, which also reads the parks and
    the quotas, is made afresh each time."""

    def __init__(
        self,
        store: GraphStore,
        industry: str,
        prefecture: str | None = None,
        focus: Focus | None = None,
        *,
        view: nx.MultiDiGraph | None = None,
        gaps: ChainGaps | None = None,
    ) -> None:
        self.store, self.industry, self.prefecture = store, industry, prefecture
        self.focus = focus  # None: the whole industry view (see `asked`)
        # a view read already, and its gaps worked out already (on a view that gives the same:
        # see `asked`), kept where the cached properties keep them
        for name, known in (("view", view), ("gaps", gaps)):
            if known is not None:
                self.__dict__[name] = known
        self._answers: dict[Hashable, Any] = {}
        self._answers_lock = threading.Lock()

    def once(self, key: Hashable, compute: Callable[[], R]) -> R:
        """The answer kept under `key`, computed by `compute()` the first time (two threads
        asking at once may both compute it; the first kept wins)."""
        with self._answers_lock:
            if key in self._answers:
                return self._answers[key]  # type: ignore[no-any-return]
        value = compute()
        with self._answers_lock:
            return self._answers.setdefault(key, value)  # type: ignore[no-any-return]

    def body(self, key: Hashable, model: Any, compute: Callable[[], Any]) -> bytes:
        """A JSON response's bytes, serialised once (see `json_body`)."""
        return self.once(("body", key), lambda: json_body(model, compute()))

    async def served(self, key: Hashable, model: Any, compute: Callable[[], Any]) -> bytes:
        """`body` for an async route: kept bytes straight away, else computed in a worker thread
        (never on the event loop, which serves every other request meanwhile)."""
        with self._answers_lock:
            kept = self._answers.get(("body", key))
        if kept is not None:
            return kept  # type: ignore[no-any-return]
        return await run_in_threadpool(self.body, key, model, compute)

    @cached_property
    def view(self) -> nx.MultiDiGraph:
        if self.focus is not None:
            return self.store.focused_graph(self.industry, self.focus)
        return self.store.graph(self.industry)

    @cached_property
    def gaps(self) -> ChainGaps:
        return chain_gaps(self.view, self.industry, prefecture=self.prefecture)

    @cached_property
    def yunnan_gaps(self) -> ChainGaps:
        """The province-wide gaps (headquarters targets are a provincial matter)."""
        return self.gaps if self.prefecture is None else chain_gaps(self.view, self.industry)

    def summary(self) -> dict[str, Any]:
        def compute() -> dict[str, Any]:
            node = self.store.get_node(self.industry)
            return industry_json(node.props if node else {}, self.gaps)

        return self.once("summary", compute)

    def gaps_json(self) -> dict[str, Any]:
        return self.once("gaps_json", lambda: gaps_json(self.gaps))

    def recommend(self, *, node: str | None = None, top: int = 10) -> TargetLists:
        """The two target lists (增资扩产, 新引进), each at most `top` long."""
        return self.once(
            ("recommend", node, top),
            lambda: target_lists(
                self.view, self.industry, node=node, top=top, prefecture=self.prefecture, gaps=self.gaps
            ),
        )

    def recommendations(self, *, node: str | None = None, top: int = 10) -> dict[str, list[dict[str, Any]]]:
        return self.once(
            ("recommendations", node, top), lambda: target_lists_json(self.recommend(node=node, top=top))
        )

    def leader_set(self, *, k: int = 5) -> LeaderSet:
        return self.once(
            ("leader_set", k),
            lambda: best_leader_set(
                self.view, self.industry, k=k, prefecture=self.prefecture, gaps=self.gaps
            ),
        )

    def headquarters(self) -> tuple[HeadquartersTarget, ...]:
        return self.once(
            "headquarters",
            lambda: tuple(headquarters_targets(self.view, self.industry, gaps=self.yunnan_gaps)),
        )

    def leaders(self, *, k: int = 5) -> dict[str, Any]:
        return self.once(("leaders", k), lambda: leaders_json(self.leader_set(k=k), self.headquarters()))

    def chain_graph(self, *, with_enterprises: bool = False) -> dict[str, Any]:
        return self.once(
            ("chain_graph", with_enterprises),
            lambda: chain_graph_json(self.view, self.gaps, with_enterprises=with_enterprises),
        )

    def chain_node_names(self) -> dict[str, str]:
        """Every chain node's name by id (the industry page's labels)."""
        return self.once(
            "chain_node_names",
            lambda: {
                n: str(d.get("name", n))
                for n, d in self.view.nodes(data=True)
                if d.get("label") == "ChainNode"
            },
        )

    @property
    def plan_view(self) -> nx.MultiDiGraph:
        """The industry's view with every park and where it is (where a plan lands its projects);
        the chain's own view leaves parks out."""
        parks = self.store.find_nodes("Park")
        edges = [e for park in parks for e in self.store.find_edges(source=park.id, type="LOCATED_IN")]
        return nx.compose(self.view, build_view(parks, edges)) if parks else self.view

    def plan(self, *, top: int = 20) -> IndustryPlan:
        from analysis.plans import industry_plan  # (its modules only when a plan is drafted)

        return industry_plan(
            self.plan_view,
            self.industry,
            prefecture=self.prefecture,
            top=top,
            quota_total=quota_total(self.store),
        )

    def plan_document(self, fmt: str, *, top: int = 20) -> bytes:
        """The drafted plan as one file's bytes (md, html, docx; xlsx: the target list)."""
        from api.office import render_plan  # matplotlib and python-docx load only when asked

        return render_plan(self.plan(top=top), fmt, view=self.view, gaps=self.gaps)


def assess(store: GraphStore, industry: str, prefecture: str | None = None) -> Assessment:
    """The industry's assessment (for Yunnan, or one prefecture); nothing is computed until used."""
    return Assessment(store, industry, prefecture)


def asked(
    store: GraphStore,
    industry: str,
    prefecture: str | None = None,
    *,
    targets: bool = False,
    node: str | None = None,
    headquarters: bool = False,
    firms: Iterable[str] = (),
) -> Assessment:
    """An assessment on the part of the industry's view one question reads (`GraphStore.
    focused_graph`), for a command that asks one: the firms located in Yunnan (the gaps of the
    province and of every prefecture rest on them) and `firms` (a scenario's arrivals); with
    `targets`, also every firm on the gaps and on `node` (the target lists, the leader set); with
    `headquarters`, every firm on a ranking list. The gaps are read first, then the firms on
    them; should a write land in between and make another link a gap, the whole view is read.
    A served process keeps whole views and reads them instead (`focused_graph`)."""
    local = frozenset(region_descendants(region_view(store), YUNNAN))
    focus = Focus(local, ranked=headquarters, firms=frozenset(firms))
    stamp = store.views_version()
    first = Assessment(store, industry, prefecture, focus)
    if not targets:
        return first
    links = frozenset({n.id for n in first.gaps.gaps} | ({node} if node else set()))
    if not links:
        return first  # no gap, no link asked about: nobody else to read
    wide_focus = replace(focus, links=links)
    view = store.focused_graph(industry, wide_focus)
    if store.views_version() == stamp:
        # no write touched the views since the first read: the gaps are the first's (a focused
        # view's gaps are the whole view's, so those of any view holding the first's part)
        return Assessment(store, industry, prefecture, wide_focus, view=view, gaps=first.gaps)
    wide = Assessment(store, industry, prefecture, wide_focus, view=view)
    if {n.id for n in wide.gaps.gaps} <= links:
        return wide
    return Assessment(store, industry, prefecture)


def quota_total(store: GraphStore) -> int:
    """The sum of measure 1's per-industry yearly quotas (89 in the curated data)."""
    return sum(int(n.props.get("yearly_project_quota") or 0) for n in store.find_nodes("Industry"))


class ResultCache:
    """A server's answers, kept while the store's version stays, and its assessments per
    (industry, prefecture), kept while the industries' views stay.

    Each request checks the version: on an embedded store, `PRAGMA data_version` on a read-only
    connection of the cache's own (a few microseconds, no lock shared with the store's work; it
    moves with every commit to the file, whichever process made it); else the store's version
    (the Neo4j meta node's counter). Every write bumps it inside its own transaction, so an
    answer kept here is never older than the store. When it moved, the industries' views'
    counter is read (`GraphStore.views_version`): the other answers (whole responses, pages,
    look-ups: `once`, `api.kept`) go with every write, but the assessments, computed from an
    industry's view alone, stay through a write that leaves the views (the project library,
    sign-ins and sign-outs), so the next page of an industry of a 1M-firm register does not
    compute its gaps and targets again. At most `size` assessments are kept (least recently used
    dropped), and at most 4 x `size` other answers. An answer computed while the version moved
    is returned but not kept.

    A served request checks once, at its start (`refresh`, awaited by `api.kept`), and then
    answers from what is kept for that version; on Neo4j one version read at a time serves every
    request that arrived before it began (`CoalescedRead`), so a round trip to the database is
    not paid per request, nor on the event loop.

    With `settle_gc` (a serving process), what is kept is moved out of the cyclic garbage
    collector's sight (`gc.freeze()`) each time a new answer is kept, and handed back to it
    (`gc.unfreeze()`) when the version moves and the kept answers are dropped: a full collection
    then no longer walks the kept graphs and answers (150k objects, 50-70 ms a collection on the
    2-core machine, one every second or so under load: the served p99).
    """

    def __init__(self, store: GraphStore, *, size: int = 256, settle_gc: bool = False) -> None:
        self.store, self.size, self.settle_gc = store, size, settle_gc
        self._version: object = None
        self._views: int | None = None  # the views' stamp the assessments were kept for
        self._generation = 0
        self._assessments: OrderedDict[tuple[str, str | None], Assessment] = OrderedDict()
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._probe = version_probe(store)
        self._views_probe = views_probe(store, self._probe)
        async_version = getattr(store, "version_async", None)
        self._read_async = (
            None
            if isinstance(self._probe, _DataVersion)
            else CoalescedRead(self._probe, read_async=async_version)
        )

    async def refresh(self) -> Token[ResultCache | None]:
        """Check the store's version for this request (its context): the checks of `kept`,
        `assessment` and `once` in the same request then use it without reading it again. Give
        the token back to `done` when the request ends."""
        version = self._probe() if self._read_async is None else await self._read_async()
        views = None
        if version != self._version:  # (a look without the lock: the worst is a views read too many)
            views = (
                self._views_probe()
                if self._read_async is None
                else await run_in_threadpool(self._views_probe)
            )
        with self._lock:
            self._moved(version, views)
        return _checked.set(self)

    @staticmethod
    def done(token: Token[ResultCache | None]) -> None:
        """The request that `refresh` checked for has ended: later checks read the version."""
        _checked.reset(token)

    def _current(self) -> None:
        """Drop everything kept if the store moved on (call with the lock held)."""
        if _checked.get() is not self:
            version = self._probe()
            self._moved(version, self._views_probe() if version != self._version else None)

    def _moved(self, version: object, views: int | None) -> None:
        """The store is at `version` (and `views`, read after it; None: not read): drop the
        answers kept for another version, and the assessments too unless the views' stamp
        they were kept for is still `views`."""
        if version != self._version:
            if views is None or views != self._views:
                self._assessments.clear()
            self._answers.clear()
            self._version, self._views = version, views
            self._generation += 1
            if self.settle_gc:
                release_frozen()  # what was kept is garbage now: the collector may free its cycles

    def assessment(self, industry: str, prefecture: str | None = None) -> Assessment:
        """The kept assessment of `industry` (for Yunnan, or one prefecture), or a new one."""
        key = (industry, prefecture)
        with self._lock:
            self._current()
            found = self._assessments.get(key)
            if found is None:
                found = self._assessments[key] = Assessment(self.store, industry, prefecture)
                while len(self._assessments) > self.size:
                    self._assessments.popitem(last=False)
            self._assessments.move_to_end(key)
            return found

    def kept(self, key: Hashable) -> tuple[bool, Any, int]:
        """(found, answer, generation) for `key` at the store's current version; the generation
        is what `keep` is given to keep an answer computed after this look-up."""
        with self._lock:
            self._current()
            if key in self._answers:
                self._answers.move_to_end(key)
                return True, self._answers[key], self._generation
            return False, None, self._generation

    def keep(self, key: Hashable, value: R, generation: int) -> R:
        """Keep `value` under `key` (the one kept first wins), unless the store moved on since
        the look-up that gave `generation`: then it is returned but not kept."""
        with self._lock:
            if generation != self._generation:
                return value
            kept = self._answers.setdefault(key, value)
            while len(self._answers) > 4 * self.size:
                self._answers.popitem(last=False)
            if self.settle_gc and kept is value:
                freeze_kept()  # the new answer and what it was built from stay: out of the GC's walk
            return kept  # type: ignore[no-any-return]

    def once(self, key: Hashable, compute: Callable[[], R]) -> R:
        """An answer not tied to one assessment (the overview), kept like the assessments."""
        found, value, generation = self.kept(key)
        if found:
            return value  # type: ignore[no-any-return]
        return self.keep(key, compute(), generation)

    async def served(self, key: Hashable, compute: Callable[[], R]) -> R:
        """`once` for an async route: a kept answer straight away, else computed in a worker
        thread (never on the event loop)."""
        found, value, _ = self.kept(key)
        if found:
            return value  # type: ignore[no-any-return]
        return await run_in_threadpool(self.once, key, compute)

    def close(self) -> None:
        close = getattr(self._probe, "close", None)
        if close is not None:
            close()

    async def aclose(self) -> None:
        """`close`, and the store's async client when it made one (`version_async`)."""
        self.close()
        aclose = getattr(self.store, "aclose", None)
        if aclose is not None:
            await aclose()


_checked: ContextVar[ResultCache | None] = ContextVar("chainkg_version_checked", default=None)


class CoalescedRead:
    """An async `read()` that runs one call at a time (in a worker thread, or `read_async` on the
    event loop when given): a caller arriving while one runs waits for the next, which starts as
    soon as that one ends and answers everyone who waited. So each caller gets a value read after
    it arrived, however many arrive together."""

    def __init__(
        self, read: Callable[[], object], read_async: Callable[[], Awaitable[object]] | None = None
    ) -> None:
        self.read, self.read_async = read, read_async
        self._running: asyncio.Future[object] | None = None
        self._next: asyncio.Future[object] | None = None
        self._task: asyncio.Task[None] | None = None

    async def __call__(self) -> object:
        import asyncio  # (loaded by then: this runs on the event loop)

        loop = asyncio.get_running_loop()
        if self._running is None or self._running.get_loop() is not loop:
            self._running, self._next = loop.create_future(), None
            self._task = loop.create_task(self._run())
            return await asyncio.shield(self._running)
        if self._next is None:
            self._next = loop.create_future()
        return await asyncio.shield(self._next)

    async def _run(self) -> None:
        while self._running is not None:
            answer = self._running
            try:
                value = await (self.read_async() if self.read_async else run_in_threadpool(self.read))
                answer.set_result(value)
            except Exception as exc:  # every waiter raises it (a store gone: 503)
                answer.set_exception(exc)
            self._running, self._next = self._next, None


class _DataVersion:
    """`PRAGMA data_version` of an embedded store's file, on a read-only connection of its own:
    it changes whenever any other connection (this process's store or another process) commits."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()

    def __call__(self) -> object:
        with self._lock:
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def views(self) -> int:
        """The store's views' stamp (`GraphStore.views_version`), read on this connection (no
        lock shared with the store)."""
        with self._lock:
            row = self._conn.execute(READ_VIEWS).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self._conn.close()


def version_probe(store: GraphStore) -> Callable[[], object]:
    """The cheapest check that the store has not changed: `_DataVersion` for an embedded store
    on a file, else the store's own version."""
    path = getattr(store, "path", None)
    if store.backend == "sqlite" and path is not None and str(path) != ":memory:":
        return _DataVersion(quote(str(Path(path).resolve())))
    return store.version


def views_probe(store: GraphStore, probe: Callable[[], object]) -> Callable[[], int]:
    """The read of the industries' views' stamp that goes with `probe` (`version_probe`)."""
    return probe.views if isinstance(probe, _DataVersion) else store.views_version


def industries_in_order(store: GraphStore) -> list[Node]:
    """The industries in the order of measure 3 (their `order`), then by id."""
    return sorted(store.find_nodes("Industry"), key=lambda n: (n.props.get("order", 99), n.id))


def overview(store: GraphStore, results: ResultCache | None = None) -> list[dict[str, Any]]:
    """Every industry with completeness, status counts and quota, in the order of measure 3."""
    if results is not None:
        return results.once(
            "overview", lambda: [results.assessment(n.id).summary() for n in industries_in_order(store)]
        )
    return [assess(store, node.id).summary() for node in industries_in_order(store)]


def recommendations(
    store: GraphStore, industry: str, *, node: str | None = None, top: int = 10, prefecture: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    return assess(store, industry, prefecture).recommendations(node=node, top=top)


def leaders(store: GraphStore, industry: str, *, k: int = 5, prefecture: str | None = None) -> dict[str, Any]:
    return assess(store, industry, prefecture).leaders(k=k)


def chain_graph(
    store: GraphStore, industry: str, *, prefecture: str | None = None, with_enterprises: bool = False
) -> dict[str, Any]:
    return assess(store, industry, prefecture).chain_graph(with_enterprises=with_enterprises)


def what_if_result(
    store: GraphStore, industry: str, firms: list[str], prefecture: str | None, *, any_firm: bool = False
) -> ScenarioResult:
    """The scenario's statuses before and after, on the industry's own view. `any_firm` (the CLI)
    lets a firm of any chain land: a firm outside the view is added with its edges into the view
    (only those can bear on this chain), never by reading the whole graph; and the view is the
    part of it the question reads (`asked`: Yunnan's firms and the arriving ones)."""
    view = asked(store, industry, prefecture, firms=firms).view if any_firm else store.graph(industry)
    if any_firm:
        for firm in firms:
            node = store.get_node(firm)
            if firm not in view and node is not None:
                edges = [e for e in store.find_edges(source=firm) if e.target in view]
                view = nx.compose(view, build_view([node], edges))
    return run_scenario(view, industry, firms, prefecture=prefecture)


def what_if(store: GraphStore, industry: str, firms: list[str], prefecture: str | None) -> dict[str, Any]:
    return scenario_json(what_if_result(store, industry, firms, prefecture))


def prefectures(store: GraphStore) -> list[dict[str, object]]:
    """Yunnan's prefecture-level regions, by code."""
    return [
        {"id": n.id, "name": n.name, "name_en": n.props.get("name_en"), "level": n.props.get("level")}
        for n in store.find_nodes("Region")
        if n.id.startswith("53")
        and n.id != YUNNAN
        and (n.props.get("level") == "prefecture" or n.id.endswith("00"))
    ]


def node_industry(store: GraphStore, node: str, industry: str | None) -> str:
    """The industry to assess `node` in: the one asked for (it must use the node), else the first
    industry whose chain uses it."""
    found = store.get_node(node)
    uses = list((found.props.get("industries") if found else None) or [])
    if industry is not None:
        chosen = industry_id(store, industry)
        chain_node_id(store, node, chosen)  # 404 unless the industry's chain has the node
        return chosen
    if uses:
        return str(uses[0])
    for ind in store.find_nodes("Industry"):
        try:
            chain_node_id(store, node, ind.id)
            return ind.id
        except NotFoundError:
            continue
    raise NotFoundError("industry of chain node", node)


def chain_node(
    store: GraphStore,
    node: str,
    industry: str | None = None,
    *,
    prefecture: str | None = None,
    top: int = 10,
    results: ResultCache | None = None,
) -> dict[str, Any]:
    chosen = node_industry(store, node, industry)
    assessment = results.assessment(chosen, prefecture) if results else assess(store, chosen, prefecture)
    return assessment.once(
        ("chain_node", node, top),
        lambda: chain_node_json(
            assessment.view, assessment.gaps, node, assessment.recommend(node=node, top=top)
        ),
    )


def stats(store: GraphStore) -> dict[str, Any]:
    """`graph_stats` of the whole graph, counted by the store (`counts`, `sourced_counts`) and
    the firms at the regions of Yunnan (its region tree and their HAS_SITE edges), without
    reading the graph: a register of a million firms took minutes and gigabytes to read whole."""
    counts = store.counts()
    facts, sourced_facts = store.sourced_counts(FACT_LABELS, FACT_EDGE_TYPES)
    return stats_figures(
        counts,
        sum(n for name, n in counts.items() if name in NODE_LABELS),
        sum(n for name, n in counts.items() if name in EDGE_TYPES),
        len(store.sources("HAS_SITE", region_descendants(region_view(store), YUNNAN))),
        facts,
        sourced_facts,
    )


def _match_rank(firm: Node, wanted: str) -> int | None:
    """0 for an exact id/name/alias match, 1 for a partial one, None for no match."""
    folded = [name.casefold() for name in names_of(firm)]
    if wanted in folded:
        return 0
    if any(wanted in n for n in folded):
        return 1
    return None


def search(
    store: GraphStore,
    *,
    q: str | None = None,
    tier: str | None = None,
    node: str | None = None,
    prefecture: str | None = None,
    industry: str | None = None,
    in_yunnan: bool | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    """Enterprises matching every filter given, exact name matches first, then by id.

    `tier` is a ranking-list id or name, `node` a chain node, `prefecture` a region id (its
    counties included), `industry` an industry id: unknown ones raise NotFoundError.
    """
    # read with the store's look-ups, never the whole graph (a register holds a million firms):
    # each filter is the set of firms at the far end of its edges, the names only when asked
    wanted = " ".join((q or "").split()).casefold()
    tier_id = resolve("ranking list", tier, store.find_nodes("RankingList")).id if tier else None
    node_id = chain_node_id(store, node) if node else None
    tree = region_tree(store)  # read once: the filters' regions and every result line
    regions = build_view(*tree)

    wanted_sets: list[set[str]] = []
    if prefecture:
        wanted_sets.append(store.sources("HAS_SITE", region_descendants(regions, prefecture)))
    if tier_id:
        wanted_sets.append(store.sources("RANKED_IN", [tier_id]))
    if node_id:
        wanted_sets.append(store.sources("OPERATES_IN", [node_id]))
    if industry:
        members = [n.id for n in chain_members(store, industry_id(store, industry))]
        wanted_sets.append(store.sources("OPERATES_IN", members))
    yunnan = (
        store.sources("HAS_SITE", region_descendants(regions, YUNNAN)) if in_yunnan is not None else set()
    )
    if in_yunnan:
        wanted_sets.append(yunnan)
    hits: list[tuple[int, str]] = []
    if not wanted:
        # no name asked: the ids alone, in order (each filter's edges come from Enterprises, the
        # schema's only pattern for them), the firms themselves read for the page only
        ids = set.intersection(*wanted_sets) if wanted_sets else store.ids("Enterprise")
        hits = [(0, firm) for firm in sorted(ids) if in_yunnan is not False or firm not in yunnan]
    else:
        firms: Iterable[Node]
        if wanted_sets:  # the names of the firms every filter found, one by one
            ids = set.intersection(*wanted_sets)
            firms = [n for n in map(store.get_node, sorted(ids)) if n is not None and n.label == "Enterprise"]
        else:  # the firms holding the name (a Chinese one narrowed by the store), or every firm's names
            firms = firms_named(store, wanted)
        for firm in firms:
            if in_yunnan is not None and (firm.id in yunnan) != in_yunnan:
                continue
            rank = _match_rank(firm, wanted)
            if rank is not None:
                hits.append((rank, firm.id))
    hits.sort()
    page = hits[offset : offset + limit]
    items = []
    for _, firm_id in page:
        view = enterprise_view(store, firm_id, tree)
        items.append(enterprise_brief_json(view, firm_id, enterprises_in(view, YUNNAN)))
    return {"total": len(hits), "limit": limit, "offset": offset, "items": items}


def profile(store: GraphStore, enterprise: str) -> dict[str, Any]:
    view = enterprise_view(store, enterprise)  # the firm's surroundings, not the whole register
    return enterprise_json(view, enterprise, enterprises_in(view, YUNNAN))
