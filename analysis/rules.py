"""The versioned rules (thresholds and weights) every analysis takes, from `rules.yaml`.

Analyses receive a `Rules` value; reading the YAML happens once, here, not inside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from graph.errors import ValidationError

RULES_PATH = Path(__file__).with_name("rules.yaml")


@dataclass(frozen=True)
class Rules:
    """Thresholds and weights; see rules.yaml for what each one means."""

    version: str
    role_weight: Mapping[str, float]
    strong_at: float
    strong_at_prefecture: float
    production: Mapping[str, Any]
    evidence: Mapping[str, Any]
    status_value: Mapping[str, float]
    criticality_weights: Mapping[str, float]
    single_firm_at_most: int
    gap_factor: Mapping[str, float]
    weights: Mapping[str, float]
    role_fit: Mapping[str, float]
    tier_value: Mapping[str, float]
    group_tier_factor: float
    revenue_full_at: float
    pull_full_at: float
    ties_full_at: float
    resource_fit: Mapping[str, float]
    bulletin_weights: Mapping[str, float]
    measures: Mapping[str, int]
    confidence_factor: Mapping[str, float] = field(default_factory=dict)
    top: int = 10
    leaders_k: int = 5
    leaders_min_evidence: float = 1.0
    headquarters_top: int = 10
    headquarters_score: Mapping[str, float] = field(default_factory=dict)
    headquarters_foreign_in_yunnan_only: bool = False
    feasibility: Mapping[str, Any] = field(default_factory=dict)
    signals: Mapping[str, Any] = field(default_factory=dict)
    plans: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def with_weights(self, **weights: float) -> Rules:
        """A copy with some recommendation weights changed (the version says so)."""
        unknown = set(weights) - set(self.weights)
        if unknown:
            raise ValidationError(
                f"unknown weight(s) {', '.join(sorted(unknown))}; known: {', '.join(self.weights)}"
            )
        return replace(self, weights={**self.weights, **weights}, version=f"{self.version}+custom")


def rules_from_mapping(data: Mapping[str, Any], where: str = "rules") -> Rules:
    """Rules from the parsed YAML document.

    Raises:
        ValidationError: a key is missing, naming it.
    """
    try:
        status, crit, rec = data["status"], data["criticality"], data["recommend"]
        leaders = data.get("leaders", {})
        return Rules(
            version=str(data["version"]),
            role_weight=dict(status["role_weight"]),
            strong_at=float(status["strong_at"]),
            strong_at_prefecture=float(status["strong_at_prefecture"]),
            production=_production(data["production"]),
            evidence={
                k: int(data["evidence"][k]) for k in ("reference_year", "stale_after_years", "solid_firms")
            },
            status_value=dict(status["value"]),
            criticality_weights={
                k: float(crit[k]) for k in ("betweenness", "downstream_reach", "single_firm_risk")
            },
            single_firm_at_most=int(crit["single_firm_at_most"]),
            gap_factor=dict(data["priority"]["gap_factor"]),
            weights={k: float(v) for k, v in rec["weights"].items()},
            role_fit=dict(rec["role_fit"]),
            tier_value=dict(rec["tier_value"]),
            group_tier_factor=float(rec["group_tier_factor"]),
            revenue_full_at=float(rec["revenue_full_at"]),
            pull_full_at=float(rec["pull_full_at"]),
            ties_full_at=float(rec["ties_full_at"]),
            resource_fit=dict(rec["resource_fit"]),
            bulletin_weights={k: float(v) for k, v in data["bulletin"]["weights"].items()},
            measures={k: int(data["measures"][k]) for k in ("projects", "chain_leaders", "headquarters")},
            confidence_factor={k: float(rec["confidence_factor"][k]) for k in ("high", "medium", "low")},
            top=int(rec.get("top", 10)),
            leaders_k=int(leaders.get("k", 5)),
            leaders_min_evidence=float(leaders.get("min_evidence", 1.0)),
            headquarters_top=int(leaders.get("headquarters_top", 10)),
            headquarters_score={k: float(v) for k, v in leaders["headquarters_score"].items()},
            headquarters_foreign_in_yunnan_only=bool(
                leaders.get("headquarters_foreign_in_yunnan_only", False)
            ),
            feasibility=_feasibility(data["feasibility"]),
            signals=_signals(data["signals"]),
            plans=_plans(data["plans"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"{where}: missing or bad setting {exc}") from exc


def _production(section: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "metrics": tuple(str(m) for m in section["metrics"]),
        "max_year_gap": int(section["max_year_gap"]),
        "yunnan": {k: float(v) for k, v in section["yunnan"].items()},
        "prefecture": {k: float(v) for k, v in section["prefecture"].items()},
    }


def _feasibility(section: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "mainland": float(section["mainland"]),
        "west_or_asean": float(section["west_or_asean"]),
        "western_provinces": frozenset(str(r) for r in section["western_provinces"]),
        "asean_countries": frozenset(str(r) for r in section["asean_countries"]),
        "not_mainland": frozenset(str(r) for r in section["not_mainland"]),
        "penalties": {k: float(v) for k, v in section["penalties"].items()},
        "home_bound_links": frozenset(str(n) for n in section.get("home_bound_links", ())),
        "by_product_links": frozenset(str(n) for n in section.get("by_product_links", ())),
        "outside_territory": {
            str(group): {"links": frozenset(str(n) for n in spec["links"]), "why": str(spec["why"])}
            for group, spec in (section.get("outside_territory") or {}).items()
        },
        "list_warned": bool(section.get("list_warned", True)),
    }


def _signals(section: Mapping[str, Any]) -> dict[str, Any]:
    date = str(section["reference_date"])
    if len(date) < 7:
        raise ValueError(f"signals.reference_date {date!r} is not YYYY-MM or YYYY-MM-DD")
    return {
        "reference_date": date,
        "half_life_months": float(section["half_life_months"]),
        "full_at": float(section["full_at"]),
        "kind": {k: float(v) for k, v in section["kind"].items()},
        "region": {k: float(v) for k, v in section["region"].items()},
    }


def _plans(section: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "qualifying_revenue": float(section["qualifying_revenue"]),
        "qualifying_lists": tuple(str(name) for name in section["qualifying_lists"]),
        "qualifying_ownership": tuple(str(kind) for kind in section.get("qualifying_ownership", ())),
        "gap_actions": int(section["gap_actions"]),
        "conversion": {k: float(v) for k, v in section["conversion"].items()},
        "staff_per_project": {k: int(v) for k, v in section["staff_per_project"].items()},
        "staff_per_project_default": int(section["staff_per_project_default"]),
        "key_talent_share": float(section["key_talent_share"]),
    }


@lru_cache(maxsize=8)
def load_rules(path: Path = RULES_PATH) -> Rules:
    """The rules in `path` (the shipped rules.yaml by default)."""
    try:
        # libyaml's parser where PyYAML has it (every analysis reads the rules: 40 ms in Python)
        data = yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(f"{path}: cannot read the rules: {exc}") from exc
    return rules_from_mapping(data, str(path))
