"""The graph model as data: node labels, edge types and the allowed (source, edge, target) patterns.

Backends take labels and relationship types only from here (Cypher cannot parameterise them),
and every write is checked against `PATTERNS` before it reaches a store.
"""

from __future__ import annotations

from graph.errors import SchemaError

NODE_LABELS: frozenset[str] = frozenset(
    {
        "Industry",
        "ChainNode",
        "Enterprise",
        "Region",
        "RankingList",
        "Project",
        "Policy",
        "Institution",
        "Park",
        "User",
        "AuditEntry",
        "Target",
        "Activity",
    }
)

EDGE_TYPES: frozenset[str] = frozenset(
    {
        "PART_OF",
        "FEEDS",
        "OPERATES_IN",
        "RANKED_IN",
        "HAS_SITE",
        "SUBSIDIARY_OF",
        "SUPPLIES",
        "LOCATED_IN",
        "TRAINS_FOR",
        "SUPPORTS",
        "INVESTED_BY",
        "TARGETS",
        "IN_INDUSTRY",
        "ABOUT",
        "PRODUCES",
        "ASSESSED",
        "SIGNALLED",
        "PURSUES",
        "FROM_TARGET",
    }
)

PATTERNS: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("ChainNode", "PART_OF", "ChainNode"),
        ("ChainNode", "PART_OF", "Industry"),
        ("ChainNode", "FEEDS", "ChainNode"),
        ("Enterprise", "OPERATES_IN", "ChainNode"),
        ("Enterprise", "RANKED_IN", "RankingList"),
        ("Enterprise", "HAS_SITE", "Region"),
        ("Enterprise", "SUBSIDIARY_OF", "Enterprise"),
        ("Enterprise", "SUPPLIES", "Enterprise"),
        ("Region", "PART_OF", "Region"),
        ("Institution", "LOCATED_IN", "Region"),
        ("Park", "LOCATED_IN", "Region"),
        ("Institution", "TRAINS_FOR", "ChainNode"),
        ("Policy", "SUPPORTS", "Industry"),
        ("Policy", "SUPPORTS", "ChainNode"),
        ("Project", "INVESTED_BY", "Enterprise"),
        ("Project", "LOCATED_IN", "Region"),
        ("Project", "TARGETS", "ChainNode"),
        ("Project", "IN_INDUSTRY", "Industry"),
        ("AuditEntry", "ABOUT", "Project"),
        ("Region", "PRODUCES", "ChainNode"),
        ("Region", "ASSESSED", "ChainNode"),
        ("Enterprise", "SIGNALLED", "Region"),
        # the target-enterprise library (measure 7): a target pursues a firm for a prefecture,
        # on a link of an industry; activities and audit entries are about it; a project
        # declared from it keeps the link
        ("Target", "PURSUES", "Enterprise"),
        ("Target", "LOCATED_IN", "Region"),
        ("Target", "IN_INDUSTRY", "Industry"),
        ("Target", "TARGETS", "ChainNode"),
        ("Activity", "ABOUT", "Target"),
        ("AuditEntry", "ABOUT", "Target"),
        ("Project", "FROM_TARGET", "Target"),
    }
)

STAGES: tuple[str, ...] = ("upstream", "midstream", "downstream", "support")
ROLES: tuple[str, ...] = ("leader", "major", "player")
CONFIDENCES: tuple[str, ...] = ("high", "medium", "low")
OWNERSHIPS: tuple[str, ...] = ("central-soe", "local-soe", "private", "foreign", "mixed")
SITE_KINDS: tuple[str, ...] = ("hq", "plant", "branch", "rd")
REGION_LEVELS: tuple[str, ...] = ("country", "province", "prefecture", "county")
NODE_TAGS: tuple[str, ...] = (
    "energy-intensive",
    "resource",
    "export",
    "technology",
    "service",
    "hq",
)
# platform / asset-light: a firm type that cannot carry a 10亿 industrial project; distressed: ST,
# restructuring or bankruptcy (the row's source names the notice).
ENTERPRISE_TAGS: tuple[str, ...] = (
    "south-southeast-asia",
    "chain-leader",
    "platform",
    "asset-light",
    "distressed",
)
TIE_KINDS: tuple[str, ...] = ("supplies", "partner", "stake")
# Production figures (PRODUCES): output, capacity, a share of China's output the source states
# (percent), or a count of operating units (travel agencies, star hotels, ...).
PRODUCTION_METRICS: tuple[str, ...] = ("output", "capacity", "national_share", "establishments")
# A review finding on a link in Yunnan (ASSESSED): what an analyst's check of the sources found.
FINDINGS: tuple[str, ...] = ("present", "absent", "unknown")
# Dated intent signals of an enterprise (SIGNALLED, to the region the investment goes to).
SIGNAL_KINDS: tuple[str, ...] = ("investment", "expansion", "fundraising", "land", "visit")

# Facts carry these three; a node or edge whose label/type is listed here must have them.
PROVENANCE_KEYS: tuple[str, ...] = ("source", "as_of", "confidence")
FACT_LABELS: frozenset[str] = frozenset(
    {"Industry", "ChainNode", "Enterprise", "Region", "RankingList", "Policy", "Institution", "Park"}
)
FACT_EDGE_TYPES: frozenset[str] = frozenset(
    {"FEEDS", "OPERATES_IN", "RANKED_IN", "HAS_SITE", "SUBSIDIARY_OF", "SUPPLIES", "TRAINS_FOR", "SUPPORTS"}
)

# Development zones and parks (data/parks): national economic-technological (etdz) and
# high-tech (htz) zones, provincial parks, comprehensive bonded zones, border cooperation zones.
PARK_LEVELS: tuple[str, ...] = ("national-etdz", "national-htz", "provincial", "bonded-zone", "border-zone")
# A prefecture's units (data/regions/prefecture_units.csv): its investment-promotion bureau, and
# the unit that leads one industry there.
UNIT_ROLES: tuple[str, ...] = ("investment-promotion", "industry-lead")
# A policy's standing on the day the data was checked: in force, expired, or not checked.
POLICY_VALIDITY: tuple[str, ...] = ("current", "expired", "unchecked")

YUNNAN_REGION_ID = "530000"


def check_label(label: str) -> str:
    """Return `label` if the schema has it.

    Raises:
        SchemaError: for a label outside `NODE_LABELS`.
    """
    if label not in NODE_LABELS:
        raise SchemaError(f"unknown node label {label!r}; allowed: {', '.join(sorted(NODE_LABELS))}")
    return label


def check_edge_type(edge_type: str) -> str:
    """Return `edge_type` if the schema has it.

    Raises:
        SchemaError: for a type outside `EDGE_TYPES`.
    """
    if edge_type not in EDGE_TYPES:
        raise SchemaError(f"unknown edge type {edge_type!r}; allowed: {', '.join(sorted(EDGE_TYPES))}")
    return edge_type


def check_pattern(source_label: str, edge_type: str, target_label: str) -> None:
    """Raise SchemaError unless (source_label)-[edge_type]->(target_label) is allowed.

    >>> check_pattern("Enterprise", "OPERATES_IN", "ChainNode")
    >>> check_pattern("ChainNode", "OPERATES_IN", "Enterprise")
    Traceback (most recent call last):
    ...
    graph.errors.SchemaError: (ChainNode)-[:OPERATES_IN]->(Enterprise) is not allowed by the schema
    """
    check_label(source_label)
    check_edge_type(edge_type)
    check_label(target_label)
    if (source_label, edge_type, target_label) not in PATTERNS:
        raise SchemaError(f"({source_label})-[:{edge_type}]->({target_label}) is not allowed by the schema")
