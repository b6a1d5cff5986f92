"""Every Cypher statement the Neo4j backend runs, as named constants and small builders.

Values only ever go in as `$parameters`. Labels and relationship types cannot be parameters,
so the builders take them from `graph.schema` and check them against its allow-list first.

Storage layout: each node carries the common label `Node` (unique `id`) plus its schema label;
each edge is a relationship of its schema type with a `key` property. Both keep their
properties twice: as canonical JSON in `_props` (read back verbatim, compared to detect real
changes) and, where Neo4j can hold the value, as ordinary properties for people querying the
graph in Cypher. One `ChainkgMeta` node counts writes so a process can tell its cached view is
stale.
"""

from __future__ import annotations

from graph import schema

NODE_LABEL = "Node"
META_LABEL = "ChainkgMeta"
META_ID = "graph"
PROPS = "_props"

# -- schema setup (idempotent; Community edition supports uniqueness constraints only) --------

CONSTRAINT_NODE_ID = (
    f"CREATE CONSTRAINT chainkg_node_id IF NOT EXISTS FOR (n:{NODE_LABEL}) REQUIRE n.id IS UNIQUE"
)
CONSTRAINT_META_ID = (
    f"CREATE CONSTRAINT chainkg_meta_id IF NOT EXISTS FOR (m:{META_LABEL}) REQUIRE m.id IS UNIQUE"
)
# One project of a name in a county, whoever writes (the write path checks it first, with a clear
# message; this is the backstop). Property uniqueness over two keys is in Community edition.
CONSTRAINT_PROJECT_NAME = (
    "CREATE CONSTRAINT chainkg_project_county_name IF NOT EXISTS "
    "FOR (n:Project) REQUIRE (n.county, n.name) IS UNIQUE"
)
ENSURE_META = f"MERGE (m:{META_LABEL} {{id: $meta_id}}) ON CREATE SET m.writes = 0"


def name_index(label: str) -> str:
    """An index on `name` for one schema label (lookups by name are the common query)."""
    schema.check_label(label)
    return f"CREATE INDEX chainkg_{label.lower()}_name IF NOT EXISTS FOR (n:{label}) ON (n.name)"


def setup_statements() -> list[str]:
    """Constraints and indexes the store needs, derived from the schema."""
    return [
        CONSTRAINT_NODE_ID,
        CONSTRAINT_META_ID,
        CONSTRAINT_PROJECT_NAME,
        *(name_index(label) for label in sorted(schema.NODE_LABELS)),
    ]


SHOW_CONSTRAINTS = "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties RETURN *"
SHOW_INDEXES = "SHOW INDEXES YIELD name, labelsOrTypes, properties RETURN *"

# -- the write counter ----------------------------------------------------------------------

# Taken first in every write transaction: the write lock on the meta node serialises writers,
# so what a transaction reads about existing nodes still holds when it writes.
BUMP_WRITES = (
    f"MERGE (m:{META_LABEL} {{id: $meta_id}}) "
    "SET m.writes = coalesce(m.writes, 0) + 1 RETURN m.writes AS writes"
)
READ_WRITES = f"OPTIONAL MATCH (m:{META_LABEL} {{id: $meta_id}}) RETURN m.writes AS writes"
# The industries' views are kept until a write touches what they can hold (graph.view.
# touches_views): a second counter, so the project library's writes keep them.
BUMP_VIEWS = f"MATCH (m:{META_LABEL} {{id: $meta_id}}) SET m.views = coalesce(m.views, 0) + 1"
READ_STAMP = f"OPTIONAL MATCH (m:{META_LABEL} {{id: $meta_id}}) RETURN m.writes AS writes, m.views AS views"

# -- node writes ----------------------------------------------------------------------------

# `labels` keeps the common label out; a node has exactly one schema label.
_NODE_RETURN = f"n.id AS id, [l IN labels(n) WHERE l <> '{NODE_LABEL}'][0] AS label, n.{PROPS} AS props"

EXISTING_NODES = f"""
UNWIND $ids AS id
MATCH (n:{NODE_LABEL} {{id: id}})
RETURN {_NODE_RETURN}
"""

# The label check before a write: ids and labels only (the stored JSON stays on the server).
LABELS_OF = f"""
UNWIND $ids AS id
MATCH (n:{NODE_LABEL} {{id: id}})
RETURN n.id AS id, [l IN labels(n) WHERE l <> '{NODE_LABEL}'][0] AS label
"""


def _remove_other_labels(label: str) -> str:
    """The clause that drops every schema label of `n` but `label` (a node whose label was
    corrected), after checking `label` against the schema."""
    schema.check_label(label)
    others = sorted(schema.NODE_LABELS - {label})
    return "REMOVE n:" + ":".join(others) if others else ""


def upsert_nodes(label: str) -> str:
    """MERGE rows `{id, properties}` as nodes of `label`, replacing their properties and
    dropping any other schema label (a node whose label was corrected), only where they
    changed; returns how many were created and how many updated (change detection inside the
    write: no read before it). One statement for any row, new or stored: what the benchmark's
    one-statement-per-row writer sends. The store itself knows which nodes exist (its label
    check) and sends `create_nodes` and `update_nodes`, cheaper for a batch (no `Eager`, no
    lock on an unchanged node)."""
    remove = _remove_other_labels(label)
    return f"""
UNWIND $rows AS row
MERGE (n:{NODE_LABEL} {{id: row.id}})
WITH n, row, n.{PROPS} AS old
FOREACH (_ IN CASE WHEN old IS NULL OR old <> row.properties.{PROPS} OR NOT n:{label} THEN [1] ELSE [] END |
  SET n = row.properties, n:{label}
  {remove})
RETURN count(CASE WHEN old IS NULL THEN 1 END) AS created,
       count(CASE WHEN old IS NOT NULL AND old <> row.properties.{PROPS} THEN 1 END) AS updated
"""


def update_nodes(label: str) -> str:
    """Replace the properties of the stored nodes named by rows `{id, properties}` (the caller
    knows they exist, and gives each id once) where they changed, making them nodes of `label`
    only; returns how many changed. No MERGE: unchanged rows are filtered out after one seek of
    the unique `Node.id` index, so they take no lock and write nothing."""
    remove = _remove_other_labels(label)
    return f"""
UNWIND $rows AS row
MATCH (n:{NODE_LABEL} {{id: row.id}})
WITH n, row, n.{PROPS} AS old
WHERE old IS NULL OR old <> row.properties.{PROPS} OR NOT n:{label}
SET n = row.properties, n:{label}
{remove}
RETURN count(CASE WHEN old IS NULL OR old <> row.properties.{PROPS} THEN 1 END) AS updated
"""


def create_nodes(label: str) -> str:
    """CREATE rows `{id, properties}` as new nodes of `label` (the caller knows they do not
    exist: the unique `Node.id` constraint refuses one that does); returns how many."""
    schema.check_label(label)
    return f"""
UNWIND $rows AS row
CREATE (n:{NODE_LABEL}:{label})
SET n = row.properties
RETURN count(n) AS created
"""


# How many distinct edges touch the nodes `$ids` (they go with the nodes).
COUNT_EDGES_OF_NODES = f"""
UNWIND $ids AS id
MATCH (n:{NODE_LABEL} {{id: id}})-[r]-()
RETURN count(DISTINCT r) AS edges
"""


DELETE_NODES = f"""
UNWIND $ids AS id
MATCH (n:{NODE_LABEL} {{id: id}})
DETACH DELETE n
RETURN count(*) AS nodes
"""

# -- edge writes ----------------------------------------------------------------------------


def upsert_edges(edge_type: str) -> str:
    """Write rows `{source, target, key, properties}` as `edge_type` edges: create those that do
    not exist, replace the properties of those that changed, leave the rest untouched (no lock,
    no write); returns how many were created and how many updated. Both ends must exist
    (checked before, against the schema), and each edge must be named once in `$rows`: every
    row's look-up runs before any write (the planner's `Eager`), so a second row of one edge
    would not see the first."""
    schema.check_edge_type(edge_type)
    return f"""
UNWIND $rows AS row
MATCH (s:{NODE_LABEL} {{id: row.source}})
MATCH (t:{NODE_LABEL} {{id: row.target}})
OPTIONAL MATCH (s)-[old:{edge_type} {{key: row.key}}]->(t)
WITH s, t, row, old
WHERE old IS NULL OR old.{PROPS} IS NULL OR old.{PROPS} <> row.properties.{PROPS}
FOREACH (_ IN CASE WHEN old IS NULL THEN [1] ELSE [] END |
  CREATE (s)-[r:{edge_type}]->(t) SET r = row.properties)
FOREACH (_ IN CASE WHEN old IS NULL THEN [] ELSE [1] END |
  SET old = row.properties)
RETURN count(CASE WHEN old IS NULL THEN 1 END) AS created, count(old) AS updated
"""


def create_edges(edge_type: str) -> str:
    """CREATE rows `{source, target, key, properties}` as new `edge_type` edges (the caller
    knows they do not exist: an end is a node created in the same write); returns how many.
    Both ends are found through the unique `Node.id` index."""
    schema.check_edge_type(edge_type)
    return f"""
UNWIND $rows AS row
MATCH (s:{NODE_LABEL} {{id: row.source}})
MATCH (t:{NODE_LABEL} {{id: row.target}})
CREATE (s)-[r:{edge_type}]->(t)
SET r = row.properties
RETURN count(r) AS created
"""


def delete_edges(edge_type: str) -> str:
    """Delete the `edge_type` edges named by rows `{source, target, key}`."""
    schema.check_edge_type(edge_type)
    return f"""
UNWIND $rows AS row
MATCH (:{NODE_LABEL} {{id: row.source}})-[r:{edge_type} {{key: row.key}}]->(:{NODE_LABEL} {{id: row.target}})
DELETE r
RETURN count(r) AS edges
"""


CLEAR = f"MATCH (n:{NODE_LABEL}) DETACH DELETE n"
# A graph too large for one transaction is cleared a batch at a time: how many nodes and edges
# it holds (Neo4j's count store), then at most `$limit` edges, or nodes, a transaction.
COUNT_TO_CLEAR = f"RETURN COUNT {{ (:{NODE_LABEL}) }} + COUNT {{ (:{NODE_LABEL})-->() }} AS entities"
CLEAR_EDGES_BATCH = f"MATCH (:{NODE_LABEL})-[r]->() WITH r LIMIT $limit DELETE r RETURN count(*) AS deleted"
CLEAR_NODES_BATCH = f"MATCH (n:{NODE_LABEL}) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"

# -- reads ----------------------------------------------------------------------------------

GET_NODE = f"MATCH (n:{NODE_LABEL} {{id: $id}}) RETURN {_NODE_RETURN}"


def find_nodes(label: str | None, where_keys: bool) -> str:
    """Nodes (of `label` when given), ordered by id; with `where_keys`, only those whose
    properties equal every item of the map `$where`."""
    if label is not None:
        schema.check_label(label)
    labels = f"{NODE_LABEL}:{label}" if label else NODE_LABEL
    condition = " WHERE all(k IN keys($where) WHERE n[k] = $where[k])" if where_keys else ""
    return f"MATCH (n:{labels}){condition} RETURN {_NODE_RETURN} ORDER BY n.id"


def nodes_containing(label: str) -> str:
    """Nodes of `label` whose id or canonical JSON (`_props`) contains `$text`, ordered by id
    (`GraphStore.nodes_containing`: what the embedded store's `instr` finds)."""
    schema.check_label(label)
    return (
        f"MATCH (n:{NODE_LABEL}:{label}) WHERE n.{PROPS} CONTAINS $text OR n.id CONTAINS $text"
        f" RETURN {_NODE_RETURN} ORDER BY n.id"
    )


def find_edges(edge_type: str | None, *, by_source: bool = False, by_target: bool = False) -> str:
    """Edges (of `edge_type` when given), from `$source` and/or to `$target` when asked, ordered
    by source, type, target, key. The ends given are matched by id in the pattern itself, so the
    uniqueness index on Node.id finds them instead of a scan of every edge."""
    rel = "r"
    if edge_type is not None:
        schema.check_edge_type(edge_type)
        rel = f"r:{edge_type}"
    source = f"(s:{NODE_LABEL} {{id: $source}})" if by_source else f"(s:{NODE_LABEL})"
    target = f"(t:{NODE_LABEL} {{id: $target}})" if by_target else f"(t:{NODE_LABEL})"
    return f"""
MATCH {source}-[{rel}]->{target}
RETURN s.id AS source, type(r) AS type, t.id AS target, r.key AS key, r.{PROPS} AS props
ORDER BY source, type, target, key
"""


def sources(edge_type: str) -> str:
    """The ids of the nodes with an edge of `edge_type` into one of `$targets` (ids), each once."""
    schema.check_edge_type(edge_type)
    return f"""
UNWIND $targets AS target
MATCH (s:{NODE_LABEL})-[:{edge_type}]->(:{NODE_LABEL} {{id: target}})
RETURN DISTINCT s.id AS id
"""


def ids(label: str) -> str:
    """The ids of the nodes of `label`, in order."""
    schema.check_label(label)
    return f"MATCH (n:{label}) RETURN n.id AS id ORDER BY id"


ALL_NODES = f"MATCH (n:{NODE_LABEL}) RETURN {_NODE_RETURN} ORDER BY n.id"
ALL_EDGES = find_edges(None)

COUNT_LABELS = f"""
MATCH (n:{NODE_LABEL})
UNWIND labels(n) AS label
WITH label WHERE label <> '{NODE_LABEL}'
RETURN label AS name, count(*) AS count
"""
COUNT_TYPES = f"""
MATCH (:{NODE_LABEL})-[r]->(:{NODE_LABEL})
RETURN type(r) AS name, count(*) AS count
"""

# -- one industry's surroundings (the same set as the embedded store's `_around`) ------------------

# The PART_OF edges into `$ids` (a level of `graph.store.chain_walk`), with each child's label
# and properties.
PART_OF_INTO = f"""
UNWIND $ids AS id
MATCH (c:{NODE_LABEL})-[:PART_OF]->(:{NODE_LABEL} {{id: id}})
RETURN id AS parent, c.id AS id, [l IN labels(c) WHERE l <> '{NODE_LABEL}'][0] AS label, c.{PROPS} AS props
"""
# Every OPERATES_IN edge into one of `$ids` (chain links), by its ends: a row an edge.
OPERATIONS_INTO = f"""
UNWIND $ids AS id
MATCH (f:{NODE_LABEL})-[:OPERATES_IN]->(:{NODE_LABEL} {{id: id}})
RETURN id AS link, f.id AS firm
"""
# The nodes labelled one of `$labels` with an edge into one of `$ids` (the records on a chain).
LABELLED_POINTING_AT = f"""
UNWIND $ids AS id
MATCH (x:{NODE_LABEL})-->(:{NODE_LABEL} {{id: id}})
WHERE any(l IN labels(x) WHERE l IN $labels)
RETURN DISTINCT x.id AS id
"""
# How many SUBSIDIARY_OF and SUPPLIES edges the graph holds (from Neo4j's count store), and all
# of them.
COUNT_GROUP_TIES = "RETURN COUNT { ()-[:SUBSIDIARY_OF]->() } + COUNT { ()-[:SUPPLIES]->() } AS ties"
EVERY_GROUP_TIE = f"""
MATCH (s:{NODE_LABEL})-[r:SUBSIDIARY_OF|SUPPLIES]->(t:{NODE_LABEL})
RETURN s.id AS source, type(r) AS type, t.id AS target
"""
# The SUBSIDIARY_OF and SUPPLIES edges at `$ids`, either way, as (source, type, target).
GROUP_TIES_AT = f"""
UNWIND $ids AS id
MATCH (:{NODE_LABEL} {{id: id}})-[r:SUBSIDIARY_OF|SUPPLIES]-(:{NODE_LABEL})
RETURN DISTINCT startNode(r).id AS source, type(r) AS type, endNode(r).id AS target
"""
EVERY_REGION_AND_LIST = f"""
MATCH (n:{NODE_LABEL}) WHERE n:Region OR n:RankingList
RETURN n.id AS id
"""
NODES_BY_ID = f"""
UNWIND $ids AS id
MATCH (n:{NODE_LABEL} {{id: id}})
RETURN {_NODE_RETURN}
"""
# Every edge leaving one of `$ids` (the caller keeps those whose target is in the set too).
EDGES_FROM = f"""
UNWIND $ids AS id
MATCH (s:{NODE_LABEL} {{id: id}})-[r]->(t:{NODE_LABEL})
RETURN s.id AS source, type(r) AS type, t.id AS target, r.key AS key, r.{PROPS} AS props
"""
