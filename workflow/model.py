"""What the project library is made of: the actor who acts, a project as stored, an audit entry,
and the vocabulary of roles, review states and decisions with their Chinese labels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from graph.project_rules import STAGES
from graph.schema import YUNNAN_REGION_ID

PROVINCE = YUNNAN_REGION_ID

ROLES: tuple[str, ...] = ("county", "prefecture", "province")
ROLE_ZH = {"county": "县（市、区）", "prefecture": "州（市）", "province": "省级"}

PROJECT_STAGE_ZH = {
    "lead": "线索",
    "negotiating": "洽谈",
    "signed": "签约",
    "started": "开工",
    "production": "投产",
}
STAGE_DATE = {stage: f"date_{stage}" for stage in STAGES}

REVIEW_STATES: tuple[str, ...] = ("declared", "prefecture_reviewed", "province_approved", "returned")
REVIEW_ZH = {
    "declared": "县级已申报",
    "prefecture_reviewed": "州市已审核",
    "province_approved": "省级已审定",
    "returned": "已退回",
}
DECISIONS: tuple[str, ...] = ("review", "approve", "return", "resubmit")
ACTION_ZH = {
    "declare": "申报",
    "update": "修改",
    "review": "州市审核通过",
    "approve": "省级审定通过",
    "return": "退回",
    "resubmit": "重新申报",
    "update_resubmit": "修改并重新申报",
    "import": "导入",
    "convert": "由目标企业转为申报",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name, a role (county / prefecture / province) and the region code."""

    name: str
    role: str
    region: str


@dataclass(frozen=True)
class Record:
    """A record of the libraries as stored (a project, a target): id and properties."""

    id: str
    props: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)

    @property
    def version(self) -> int:
        return int(self.props.get("version", 0))


RecordT = TypeVar("RecordT", bound=Record)


def newest_first(records: Iterable[RecordT]) -> list[RecordT]:
    """`records` most recently updated first (then by id, descending), as the lists show them."""
    return sorted(records, key=lambda r: (str(r.get("updated_at") or ""), r.id), reverse=True)


def where_given(**values: Any) -> dict[str, Any]:
    """A store `where` of the filters given: an empty or None value filters nothing.

    >>> where_given(stage="signed", industry=None, region="")
    {'stage': 'signed'}
    """
    return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Project(Record):
    """A project as stored: id and properties (see FIELD_ZH for their meaning)."""

    @property
    def county(self) -> str:
        return str(self.props.get("county", ""))

    @property
    def prefecture(self) -> str:
        return str(self.props.get("prefecture", ""))

    @property
    def review_status(self) -> str:
        return str(self.props.get("review_status", "declared"))

    @property
    def stage(self) -> str:
        return str(self.props.get("stage", "lead"))


@dataclass(frozen=True)
class AuditEntry:
    """One change of a project: who, when, what (each field from -> to)."""

    id: str
    project: str
    version: int
    at: str
    user: str
    role: str
    region: str
    action: str
    changes: tuple[Mapping[str, Any], ...]
    reason: str = ""
