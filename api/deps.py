"""Dependencies of the web app: the store opened at start-up, and the ids a request names
(industry, prefecture, enterprise) resolved the way the CLI resolves them: slug, code, Chinese
or English name, with close matches when nothing fits (a 404 with suggestions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from graph.lookup import resolve, resolve_yunnan_region
from graph.store import GraphStore
from graph.view import chain_node_ids

NAME_MAX = 200  # longer than any id or name; keeps close-match search cheap on junk input


def get_store(request: Request) -> GraphStore:
    """The store the lifespan opened."""
    return request.app.state.store  # type: ignore[no-any-return]


StoreDep = Annotated[GraphStore, Depends(get_store)]


def industry_id(store: GraphStore, text: str) -> str:
    """The industry id for a slug, Chinese or English name (404 with close matches otherwise)."""
    return resolve("industry", text, store.find_nodes("Industry")).id


def prefecture_id(store: GraphStore, text: str | None) -> str | None:
    """The region id of a Yunnan prefecture or county given by code or name (曲靖 or 530300)."""
    if text is None or not text.strip():
        return None
    return resolve_yunnan_region(text, store.find_nodes("Region")).id


def enterprise_id(store: GraphStore, text: str) -> str:
    return resolve("enterprise", text, store.find_nodes("Enterprise")).id


def chain_node_id(store: GraphStore, text: str, industry: str | None = None) -> str:
    """A chain node by id or name, among one industry's nodes when `industry` is given."""
    nodes = store.find_nodes("ChainNode")
    if industry is not None:
        members = chain_node_ids(store.graph(industry), industry)
        nodes = [n for n in nodes if n.id in members]
    return resolve("chain node", text, nodes).id


def industry_param(
    store: StoreDep,
    industry: Annotated[
        str, Path(max_length=NAME_MAX, description="industry slug, Chinese or English name (绿色铝, green-aluminium)")
    ],
) -> str:
    return industry_id(store, industry)


def prefecture_param(
    store: StoreDep,
    prefecture: Annotated[
        str | None,
        Query(max_length=NAME_MAX, description="a Yunnan prefecture or county, code or name (曲靖, 530300)"),
    ] = None,
) -> str | None:
    return prefecture_id(store, prefecture)


IndustryDep = Annotated[str, Depends(industry_param)]
PrefectureDep = Annotated[str | None, Depends(prefecture_param)]
