"""Request and response models of the JSON API (`XCreate` in, `XPublic` out).

They describe the dicts `api.present` builds, so the OpenAPI schema documents every answer.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Status = Literal["strong", "weak", "missing"]


class ErrorPublic(BaseModel):
    """The one body of every error: what went wrong, and for an unknown id the close matches."""

    status: int = Field(description="the HTTP status code, repeated")
    code: str = Field(
        description="not_found | invalid_request | invalid | http_error | store_unavailable | internal"
    )
    message: str
    kind: str | None = Field(None, description="for not_found: what kind of id (industry, enterprise, ...)")
    key: str | None = Field(None, description="for not_found: the id or name that was asked for")
    suggestions: list[str] = Field(default_factory=list, description="ids close to an unknown one")
    problems: list[str] = Field(default_factory=list, description="each malformed parameter and why")


class HealthPublic(BaseModel):
    status: Literal["ok"]
    backend: str
    industries: int


class LinkPublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None


class RegionPublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    level: str | None = None


class StatusCountsPublic(BaseModel):
    strong: int
    weak: int
    missing: int


class IndustryPublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    lead_department: str | None = None
    yearly_project_quota: int | None = Field(None, description="measure 1: projects of >= 10亿元 a year")
    completeness: float = Field(description="chain completeness, 0-100")
    counts: StatusCountsPublic
    node_count: int
    config_version: str


class LocalFirmPublic(BaseModel):
    id: str
    name: str
    role: str
    capacity: float | None = None
    unit: str | None = None


class GapNodePublic(BaseModel):
    id: str
    name: str
    stage: str
    status: Status
    criticality: float
    priority: float
    betweenness: float
    downstream_reach: float
    single_firm_risk: float
    gap_type: str
    action: str = Field(description="补链 fill | 强链 strengthen | 延链 extend | empty for strong")
    action_en: str
    presence: float
    local_enterprises: list[LocalFirmPublic]
    candidate_count: int


class GapsPublic(BaseModel):
    industry: str
    industry_name: str
    prefecture: str | None
    completeness: float
    config_version: str
    counts: StatusCountsPublic
    nodes: list[GapNodePublic] = Field(description="sorted by priority, highest first")


class ScorePartPublic(BaseModel):
    factor: str
    value: float
    reason: str


class RecommendationPublic(BaseModel):
    enterprise_id: str
    name: str
    node_id: str
    node_name: str
    action: str
    score: float = Field(description="the sum of the parts")
    parts: list[ScorePartPublic]
    config_version: str
    track: str = Field(description="expand (增资扩产: the group is already in Yunnan) or new (新引进)")
    warnings: list[str] = Field(description="what makes the firm an unlikely investor; empty when nothing")


class TargetListsPublic(BaseModel):
    """The two target lists, each best first."""

    expand: list[RecommendationPublic] = Field(description="增资扩产: groups already in Yunnan")
    new: list[RecommendationPublic] = Field(description="新引进: new investors")


class LeaderPickPublic(BaseModel):
    enterprise_id: str
    name: str
    covers: list[str]
    new_gaps: list[str]
    marginal_gain: float
    track: str


class HeadquartersTargetPublic(BaseModel):
    enterprise_id: str
    name: str
    hq_types: list[str]
    reasons: list[str]
    score: float


class LeadersPublic(BaseModel):
    industry: str
    k: int
    set: list[LeaderPickPublic] = Field(description="the greedy best set of k chain leaders, in order")
    covered_gaps: list[str]
    gain: float
    total_gap_weight: float
    headquarters_targets: list[HeadquartersTargetPublic]
    counts: dict[str, int] = Field(description="picks on each list: expand (增资扩产) and new (新引进)")
    config_version: str


class ScenarioCreate(BaseModel):
    """Enterprises (ids or names) that land in a prefecture (code or name; Yunnan when omitted)."""

    enterprises: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=50
    )
    prefecture: str | None = Field(None, max_length=200)


class ChainSummaryPublic(BaseModel):
    completeness: float
    strong: int
    weak: int
    missing: int


class NodeChangePublic(BaseModel):
    id: str
    name: str
    before: Status
    after: Status
    arriving: list[str]


class ScenarioPublic(BaseModel):
    industry: str
    prefecture: str | None
    landings: list[str]
    before: ChainSummaryPublic
    after: ChainSummaryPublic
    changed_nodes: list[NodeChangePublic]
    config_version: str


class GraphNodePublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    stage: str
    level: int | None = None
    status: Status
    criticality: float
    priority: float
    action: str
    column: int = Field(description="left-to-right position, upstream to downstream")
    local_enterprises: list[str]
    candidate_count: int


class GraphEdgePublic(BaseModel):
    source: str
    target: str
    type: Literal["FEEDS", "PART_OF"]


class OperationPublic(BaseModel):
    node: str
    role: str


class GraphEnterprisePublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    in_region: bool
    operates: list[OperationPublic]


class ChainGraphPublic(BaseModel):
    industry: str
    industry_name: str
    prefecture: str | None
    completeness: float
    counts: StatusCountsPublic
    nodes: list[GraphNodePublic]
    edges: list[GraphEdgePublic]
    enterprises: list[GraphEnterprisePublic] = Field(description="only with ?enterprises=true")


class EnterpriseSummaryPublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    aliases: list[str]
    ownership: str | None = None
    hq_region: LinkPublic | None = None
    in_yunnan: bool
    tiers: list[str]
    node_count: int


class EnterprisePagePublic(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[EnterpriseSummaryPublic]


class MembershipPublic(BaseModel):
    list: str
    label: str
    edition: str
    rank: int | None = None


class SitePublic(BaseModel):
    region: LinkPublic
    kind: str
    since: str | int | None = None


class OperatesPublic(BaseModel):
    node: LinkPublic
    stage: str | None = None
    industries: list[str]
    role: str
    capacity: float | None = None
    unit: str | None = None
    source: str | None = None


class TiePublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    kind: str


class EnterprisePublic(EnterpriseSummaryPublic):
    stock_code: str | None = None
    credit_code: str | None = None
    hq_city: str | None = None
    revenue_100m_cny: float | None = None
    revenue_year: int | None = None
    tags: list[str]
    parent: LinkPublic | None = None
    group: LinkPublic
    subsidiaries: list[LinkPublic]
    memberships: list[MembershipPublic]
    sites: list[SitePublic]
    operates: list[OperatesPublic]
    ties: list[TiePublic]
    source: str | None = None
    as_of: str | None = None
    confidence: str | None = None


class CandidatePublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    role: str
    tiers: list[str]


class ChainNodePublic(BaseModel):
    id: str
    name: str
    name_en: str | None = None
    stage: str
    level: int | None = None
    description: str | None = None
    tags: list[str]
    industry: LinkPublic = Field(description="the industry the assessment is for")
    industries: list[str] = Field(description="every industry whose chain uses this node")
    parent: LinkPublic | None = None
    children: list[LinkPublic]
    upstream: list[LinkPublic]
    downstream: list[LinkPublic]
    assessment: GapNodePublic
    candidates: list[CandidatePublic] = Field(description="firms outside the region that work on it")
    recommendations: TargetListsPublic
    source: str | None = None
