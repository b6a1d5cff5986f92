"""Copy a whole graph from one store into another (`chainkg sync --to neo4j`).

The copy is one ChangeSet, so the target gets all of it or none of it, and copying again
changes nothing. With `prune=True` the target becomes an exact mirror of the source.
"""

from __future__ import annotations

from graph.store import ChangeSet, GraphStore, ProgressFn, WriteResult


def sync_changes(source: GraphStore, target: GraphStore, *, prune: bool = False) -> ChangeSet:
    """The ChangeSet that copies every node and edge of `source` into `target`; with `prune`,
    it also deletes what `target` has and `source` does not."""
    nodes = tuple(source.find_nodes())
    edges = tuple(source.find_edges())
    if not prune:
        return ChangeSet(nodes=nodes, edges=edges)
    keep_nodes = {n.id for n in nodes}
    keep_edges = {e.ident for e in edges}
    stale_nodes = tuple(n.id for n in target.find_nodes() if n.id not in keep_nodes)
    # edges of stale nodes go with them; only those between kept nodes need deleting by name
    stale_edges = tuple(
        e.ident
        for e in target.find_edges()
        if e.ident not in keep_edges and e.source in keep_nodes and e.target in keep_nodes
    )
    return ChangeSet(nodes=nodes, edges=edges, delete_nodes=stale_nodes, delete_edges=stale_edges)


def sync(
    source: GraphStore,
    target: GraphStore,
    progress: ProgressFn | None = None,
    *,
    prune: bool = False,
) -> WriteResult:
    """Copy every node and edge of `source` into `target` in one transaction.

    `progress` is called with the size of each batch written. Nodes and edges only in `target`
    stay unless `prune` is set.

    Raises:
        SchemaError: the source holds something the schema does not allow.
        StoreError: either store cannot be reached.

    Examples:
        >>> from graph.sqlite_store import SqliteStore
        >>> from graph.store import Node
        >>> a, b = SqliteStore(":memory:"), SqliteStore(":memory:")
        >>> _ = a.upsert_nodes([Node("tobacco", "Industry", {"name": "烟草"})])
        >>> sync(a, b).nodes_created, sync(a, b).changed
        (1, False)
    """
    return target.apply(sync_changes(source, target, prune=prune), progress=progress)
