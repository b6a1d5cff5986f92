"""Analysis results shaped as JSON-ready dicts: one shape for the CLI's --json and the web API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from analysis.gaps import ACTION_EN, ChainGaps
from analysis.leaders import HeadquartersTarget, LeaderSet
from analysis.recommend import Recommendation
from analysis.scenario import ScenarioResult

STATUS_ZH = {"strong": "强", "weak": "弱", "missing": "缺失"}
STAGE_ZH = {"upstream": "上游", "midstream": "中游", "downstream": "下游", "support": "支撑"}
GAP_TYPE_ZH = {**STAGE_ZH, "technology": "技术"}


def gaps_json(gaps: ChainGaps) -> dict[str, Any]:
    return {
        "industry": gaps.industry,
        "industry_name": gaps.industry_name,
        "prefecture": gaps.prefecture,
        "completeness": gaps.completeness,
        "config_version": gaps.config_version,
        "counts": {s: gaps.count(s) for s in ("strong", "weak", "missing")},
        "nodes": [
            {
                "id": n.id,
                "name": n.name,
                "stage": n.stage,
                "status": n.status,
                "criticality": n.criticality,
                "priority": n.priority,
                "betweenness": n.betweenness,
                "downstream_reach": n.downstream_reach,
                "single_firm_risk": n.single_firm_risk,
                "gap_type": n.gap_type,
                "action": n.action,
                "action_en": ACTION_EN[n.action],
                "presence": n.presence,
                "local_enterprises": [asdict(f) for f in n.local_firms],
                "candidate_count": len(n.candidates),
            }
            for n in gaps.nodes
        ],
    }


def recommendation_json(rec: Recommendation) -> dict[str, Any]:
    return {
        "enterprise_id": rec.enterprise_id,
        "name": rec.name,
        "node_id": rec.node_id,
        "node_name": rec.node_name,
        "action": rec.action,
        "score": rec.score,
        "parts": [asdict(p) for p in rec.parts],
        "config_version": rec.config_version,
    }


def leaders_json(leaders: LeaderSet, headquarters: tuple[HeadquartersTarget, ...] = ()) -> dict[str, Any]:
    return {
        "industry": leaders.industry,
        "k": leaders.k,
        "set": [asdict(p) for p in leaders.picks],
        "covered_gaps": list(leaders.covered_gaps),
        "gain": leaders.gain,
        "total_gap_weight": leaders.total_gap_weight,
        "headquarters_targets": [asdict(t) for t in headquarters],
        "config_version": leaders.config_version,
    }


def scenario_json(result: ScenarioResult) -> dict[str, Any]:
    return {
        "industry": result.industry,
        "prefecture": result.prefecture,
        "landings": list(result.landings),
        "before": asdict(result.before),
        "after": asdict(result.after),
        "changed_nodes": [asdict(c) for c in result.changed_nodes],
        "config_version": result.config_version,
    }
