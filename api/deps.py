"""Dependencies of the web app: the store opened at start-up, and the ids a request names
(industry, prefecture, enterprise) resolved the way the CLI resolves them: slug, code, Chinese
or English name, with close matches when nothing fits (a 404 with suggestions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from graph.lookup import chain_node_id, enterprise_id, industry_id, prefecture_id
from graph.store import GraphStore

NAME_MAX = 200  # longer than any id or name; keeps close-match search cheap on junk input


def get_store(request: Request) -> GraphStore:
    """The store the lifespan opened."""
    return request.app.state.store  # type: ignore[no-any-return]


StoreDep = Annotated[GraphStore, Depends(get_store)]

__all__ = ["NAME_MAX", "StoreDep", "chain_node_id", "enterprise_id", "industry_id", "prefecture_id"]


def industry_param(
    store: StoreDep,
    industry: Annotated[
        str,
        Path(
            max_length=NAME_MAX,
            description="industry slug, Chinese or English name (绿色铝, green-aluminium)",
        ),
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
