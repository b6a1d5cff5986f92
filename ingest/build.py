"""`chainkg build`: make the store hold exactly the curated dataset, in one transaction.

Nodes and edges the dataset no longer has are removed; what came from elsewhere (imports,
the project library) is left alone. A second build of the same data changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from graph.store import ChangeSet, GraphStore, ProgressFn, WriteResult
from ingest.curated import ORIGIN, load_dataset


def plan_build(store: GraphStore, root: Path | None = None) -> ChangeSet:
    """The ChangeSet that turns the store's dataset part into the dataset under `root`.

    Raises:
        ValidationError: the dataset has problems; nothing is planned.
    """
    dataset = load_dataset(root)
    wanted_nodes = {n.id for n in dataset.nodes}
    wanted_edges = {e.ident for e in dataset.edges}
    stale_nodes = tuple(n.id for n in store.find_nodes(where={"origin": ORIGIN}) if n.id not in wanted_nodes)
    gone = set(stale_nodes)
    stale_edges = tuple(
        e.ident
        for e in store.find_edges()
        if e.props.get("origin") == ORIGIN
        and e.ident not in wanted_edges
        and e.source not in gone
        and e.target not in gone
    )
    return ChangeSet(
        nodes=dataset.nodes, edges=dataset.edges, delete_nodes=stale_nodes, delete_edges=stale_edges
    )


def build(store: GraphStore, root: Path | None = None, *, progress: ProgressFn | None = None) -> WriteResult:
    """Load the dataset into `store`, all or nothing."""
    return store.apply(plan_build(store, root), progress=progress)


def build_file(db: Path, root: Path | None = None) -> Path:
    """An embedded store at `db` holding the dataset at `root` (the bundled data/ by default),
    closed again; for tests, benchmarks and the attack script."""
    from graph.sqlite_store import SqliteStore

    store = SqliteStore(db)
    try:
        build(store, root)
    finally:
        store.close()
    return db
