"""Where things are: the region tree and which enterprises are present in a region."""

from __future__ import annotations

import networkx as nx

from graph.schema import YUNNAN_REGION_ID

YUNNAN = YUNNAN_REGION_ID


def region_descendants(view: nx.MultiDiGraph, region: str) -> set[str]:
    """`region` and every region PART_OF it, at any depth.

    >>> g = nx.MultiDiGraph()
    >>> for r in ("530000", "530100", "530102"): g.add_node(r, label="Region")
    >>> _ = g.add_edge("530100", "530000", type="PART_OF")
    >>> _ = g.add_edge("530102", "530100", type="PART_OF")
    >>> sorted(region_descendants(g, "530000"))
    ['530000', '530100', '530102']
    """
    found = {region}
    frontier = [region]
    while frontier:
        current = frontier.pop()
        if current not in view:
            continue
        # the adjacency dicts: Yunnan's own region is pointed at by every firm located there
        for child, keyed in view._pred[current].items():
            if (
                view._node[child].get("label") == "Region"
                and child not in found
                and any(data.get("type") == "PART_OF" for data in keyed.values())
            ):
                found.add(child)
                frontier.append(child)
    return found


def enterprise_sites(view: nx.MultiDiGraph, enterprise: str) -> set[str]:
    """The regions where `enterprise` has its HQ or a site."""
    return {
        target for _, target, data in view.out_edges(enterprise, data=True) if data.get("type") == "HAS_SITE"
    }


def present_in(view: nx.MultiDiGraph, enterprise: str, regions: set[str]) -> bool:
    """Whether `enterprise` has its HQ or a site in one of `regions`."""
    return bool(enterprise_sites(view, enterprise) & regions)


def located_in(view: nx.MultiDiGraph, regions: set[str]) -> set[str]:
    """Enterprises with an HQ or a site in one of `regions`: read off the regions' incoming
    edges (networkx's own adjacency index), so the cost is the firms there, not the graph."""
    return {
        source
        for region in regions
        if region in view
        for source, keys in view._pred[region].items()
        if any(data.get("type") == "HAS_SITE" for data in keys.values())
    }


def enterprises_in(view: nx.MultiDiGraph, region: str = YUNNAN) -> set[str]:
    """Enterprises with an HQ or a site in `region` or below it."""
    return located_in(view, region_descendants(view, region))
