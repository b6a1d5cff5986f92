"""Resolving what a person types (a slug, a Chinese name, an English name) to a node id."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from graph.errors import NotFoundError
from graph.reads import chain_members
from graph.schema import YUNNAN_REGION_ID
from graph.store import NAME_KEYS, GraphStore, Node, foldable, names_of, narrowable


def resolve(kind: str, text: str, candidates: Iterable[Node]) -> Node:
    """The candidate whose id, name, English name or alias equals `text` (case-insensitive), or
    the only one that begins with it (曲靖 for 曲靖市).

    Raises:
        NotFoundError: no candidate matches (its `suggestions` are the closest names), or
            several do (`ambiguous`: they are its `suggestions`, at most five, by id).

    >>> nodes = [Node("green-silicon", "Industry", {"name": "绿色硅"}), Node("tobacco", "Industry", {"name": "烟草"})]
    >>> resolve("industry", "绿色硅", nodes).id
    'green-silicon'
    >>> resolve("industry", "green-silcon", nodes)
    Traceback (most recent call last):
    ...
    graph.errors.NotFoundError: unknown industry 'green-silcon'；相近的有：green-silicon
    """
    wanted = text.strip().casefold()
    pool = list(candidates)
    exact = [node for node in pool if any(name.casefold() == wanted for name in names_of(node))]
    if len(exact) == 1:
        return exact[0]
    if exact:  # two firms share the name: say which, never pick one silently
        raise NotFoundError(kind, text, sorted(node.id for node in exact)[:5], ambiguous=True)
    if len(wanted) >= 2:
        prefixed = {
            node.id: node for node in pool if any(n.casefold().startswith(wanted) for n in names_of(node))
        }
        if len(prefixed) == 1:
            return next(iter(prefixed.values()))
        if prefixed:  # 通威 begins 通威集团 and 通威股份: say which
            raise NotFoundError(kind, text, sorted(prefixed)[:5], ambiguous=True)
    by_name = {name.casefold(): node for node in pool for name in names_of(node)}
    close = difflib.get_close_matches(wanted, list(by_name), n=5, cutoff=0.5)
    contains = [k for k in by_name if wanted and (wanted in k or k in wanted)]
    suggestions: list[str] = []
    for key in [*close, *contains]:
        label = by_name[key].id
        if label not in suggestions:
            suggestions.append(label)
    raise NotFoundError(kind, text, suggestions[:5])


def resolve_yunnan_region(text: str, regions: Iterable[Node]) -> Node:
    """A Yunnan prefecture or county by code or name; a prefecture wins over a county whose name
    begins the same way (文山 is 文山州, not 文山市; say 文山市 for the city).

    Raises:
        NotFoundError: no Yunnan region matches.
    """
    yunnan = [r for r in regions if r.id.startswith("53") and r.id != YUNNAN_REGION_ID]
    prefectures = [r for r in yunnan if r.props.get("level") == "prefecture"]
    try:
        return resolve("prefecture", text, prefectures)
    except NotFoundError:
        return resolve("prefecture", text, yunnan)


# -- the same, against a store: what the CLI and the web app resolve every argument with -------


def industry_id(store: GraphStore, text: str) -> str:
    """The industry id for a slug, Chinese or English name (NotFoundError with close matches)."""
    return resolve("industry", text, store.find_nodes("Industry")).id


def prefecture_id(store: GraphStore, text: str | None) -> str | None:
    """The region id of a Yunnan prefecture or county given by code or name (曲靖 or 530300)."""
    if text is None or not text.strip():
        return None
    return resolve_yunnan_region(text, store.find_nodes("Region")).id


def enterprise_id(store: GraphStore, text: str) -> str:
    """An enterprise by id, name, English name or alias. An id is looked up by itself, without
    reading every enterprise (a register holds a million)."""
    found = store.get_node(text.strip())
    if found is not None and found.label == "Enterprise":
        return found.id
    return resolve_enterprise(store, text).id


def resolve_enterprise(store: GraphStore, text: str) -> Node:
    """`resolve` among the enterprises. A Chinese name is first resolved among the firms the
    store finds holding it (`nodes_containing`): every exact or prefix match is among them, so
    an answer found there is the answer among all; the rest (no match, an ambiguous one, the
    suggestions) is worked out among every firm's names.

    Raises:
        NotFoundError: as `resolve`.
    """
    wanted = text.strip().casefold()
    try:
        return resolve("enterprise", text, firms_named(store, wanted))
    except NotFoundError:
        if not narrowed(wanted):
            raise  # it was among every firm's names already
    return resolve("enterprise", text, enterprise_names(store))


def narrowed(text: str) -> bool:
    """Whether `firms_named` has the store narrow the firms for `text` (a Chinese name, or an
    ASCII one), instead of reading every firm's names."""
    return bool(text) and (narrowable(text) or foldable(text))


def firms_named(store: GraphStore, text: str) -> list[Node]:
    """The enterprises a look-up of the name `text` (case-folded) has to consider: those the
    store finds holding it when it can narrow them down (`nodes_containing` for a Chinese name,
    `nodes_folded_containing` for an ASCII one), else every firm's names (`enterprise_names`)."""
    if text and narrowable(text):
        return store.nodes_containing("Enterprise", text)
    if foldable(text):
        return store.nodes_folded_containing("Enterprise", text)
    return enterprise_names(store)


def enterprise_names(store: GraphStore) -> list[Node]:
    """Every enterprise with only the properties a name look-up reads (name, English name,
    aliases): a register's firms without the rest of their properties."""
    return store.node_props("Enterprise", NAME_KEYS)


def chain_node_id(store: GraphStore, text: str, industry: str | None = None) -> str:
    """A chain node by id or name, among one industry's nodes when `industry` is given. An id
    is looked up by itself, without reading every chain node (a register's import names tens of
    thousands of products)."""
    if industry is None:
        found = store.get_node(text.strip())
        if found is not None and found.label == "ChainNode":
            return found.id
    nodes = store.find_nodes("ChainNode") if industry is None else chain_members(store, industry)
    return resolve("chain node", text, nodes).id
