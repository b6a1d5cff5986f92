"""Resolving names people type to node ids."""

from __future__ import annotations

import pytest

from graph.errors import NotFoundError
from graph.lookup import resolve, resolve_yunnan_region
from graph.store import Node

REGIONS = [
    Node("530000", "Region", {"name": "云南省", "level": "province"}),
    Node("532600", "Region", {"name": "文山壮族苗族自治州", "name_en": "Wenshan", "level": "prefecture"}),
    Node("532601", "Region", {"name": "文山市", "level": "county"}),
    Node("530300", "Region", {"name": "曲靖市", "level": "prefecture"}),
    Node("530381", "Region", {"name": "宣威市", "level": "county"}),
    Node("510000", "Region", {"name": "四川省", "level": "province"}),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("文山", "532600"),
        ("文山市", "532601"),
        ("wenshan", "532600"),
        ("曲靖", "530300"),
        ("宣威", "530381"),
        ("530381", "530381"),
    ],
)
def test_yunnan_regions(text, expected):
    assert resolve_yunnan_region(text, REGIONS).id == expected


@pytest.mark.parametrize("text", ["四川省", "云南省", "拉萨"])
def test_regions_outside_the_prefectures_and_counties_are_refused(text):
    with pytest.raises(NotFoundError):
        resolve_yunnan_region(text, REGIONS)


def test_ambiguous_prefix_lists_both():
    nodes = [
        Node("a", "Enterprise", {"name": "云南铝业股份有限公司"}),
        Node("b", "Enterprise", {"name": "云南锡业股份有限公司"}),
    ]
    with pytest.raises(NotFoundError) as err:
        resolve("enterprise", "云南", nodes)
    assert err.value.suggestions == ["a", "b"] and err.value.ambiguous
    assert (
        str(err.value)
        == "'云南' fits more than one enterprise；请写全称或编号（give the full name or id）：a、b"
    )
    # two firms of one name: the same, never one picked
    twins = [*nodes, Node("c", "Enterprise", {"name": "云南铝业股份有限公司"})]
    with pytest.raises(NotFoundError) as err:
        resolve("enterprise", "云南铝业股份有限公司", twins)
    assert err.value.suggestions == ["a", "c"] and err.value.ambiguous
    # nothing fits: unknown, with the closest names
    with pytest.raises(NotFoundError) as err:
        resolve("enterprise", "贵州", nodes)
    assert not err.value.ambiguous and str(err.value).startswith("unknown enterprise '贵州'")
