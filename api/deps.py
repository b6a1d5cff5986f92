"""Dependencies of the web app: the store opened at start-up, and the ids a request names
(industry, prefecture, enterprise) resolved the way the CLI resolves them: slug, code, Chinese
or English name, with close matches when nothing fits (a 404 with suggestions)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from api.services import ResultCache
from graph.lookup import chain_node_id, enterprise_id, industry_id, prefecture_id
from graph.store import GraphStore

NAME_MAX = 200  # longer than any id or name; keeps close-match search cheap on junk input


async def get_store(request: Request) -> GraphStore:  # async: no thread hop for an attribute
    """The store the lifespan opened."""
    return request.app.state.store  # type: ignore[no-any-return]


StoreDep = Annotated[GraphStore, Depends(get_store)]


async def get_results(request: Request) -> ResultCache:
    """The answers the app keeps for the store's current version (see `ResultCache`)."""
    return request.app.state.results  # type: ignore[no-any-return]


ResultsDep = Annotated[ResultCache, Depends(get_results)]

__all__ = [
    "NAME_MAX",
    "ResultsDep",
    "StoreDep",
    "chain_node_id",
    "enterprise_id",
    "industry_id",
    "prefecture_id",
]


async def industry_param(
    results: ResultsDep,
    industry: Annotated[
        str,
        Path(
            max_length=NAME_MAX,
            description="industry slug, Chinese or English name (绿色铝, green-aluminium)",
        ),
    ],
) -> str:
    return await results.served(("industry_id", industry), lambda: industry_id(results.store, industry))


async def prefecture_param(
    results: ResultsDep,
    prefecture: Annotated[
        str | None,
        Query(max_length=NAME_MAX, description="a Yunnan prefecture or county, code or name (曲靖, 530300)"),
    ] = None,
) -> str | None:
    if prefecture is None:
        return None
    return await results.served(
        ("prefecture_id", prefecture), lambda: prefecture_id(results.store, prefecture)
    )


IndustryDep = Annotated[str, Depends(industry_param)]
PrefectureDep = Annotated[str | None, Depends(prefecture_param)]
