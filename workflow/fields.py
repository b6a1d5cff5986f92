"""The project form: each field's Chinese label and kind, and parsing what a form, a sheet or JSON
sends into clean values, with the cross-field rules (stage dates, funds, the measure-8 checklist).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from graph.errors import NotFoundError, ValidationError
from graph.lookup import resolve
from graph.project_rules import SIGNED, STAGES, is_major, stage_index
from graph.store import GraphStore
from graph.text import control_problem
from graph.view import chain_node_ids
from workflow.model import STAGE_DATE, STAGE_ZH
from workflow.permissions import resolve_county

MAX_INVESTMENT_YI = 10_000.0  # 1万亿元: a larger figure is a unit mistake (万元 typed as 亿元)
EARLIEST_DATE = date(2000, 1, 1)

# Field -> Chinese label: the form, the audit trail and the Excel template use the same names.
FIELD_ZH: dict[str, str] = {
    "name": "项目名称",
    "county": "所在县（市、区）",
    "industry": "所属产业",
    "investor": "投资企业",
    "investor_name": "投资主体名称",
    "chain_nodes": "产业链环节",
    "investment_yi": "总投资（亿元）",
    "funds_in_place_yi": "累计到位资金（亿元）",
    "stage": "项目阶段",
    "date_lead": "获得线索日期",
    "date_negotiating": "开始洽谈日期",
    "date_signed": "签约日期",
    "date_started": "开工日期",
    "date_production": "投产日期",
    "chain_leader": "链主企业项目",
    "headquarters": "总部项目",
    "hq_type": "总部类型",
    "risk_collective_decision": "经集体决策",
    "risk_prior_assessment": "已开展事前评估",
    "risk_legality_review": "投资协议已经合法性审查",
    "risk_preferential_terms": "重大优惠条件",
    "risk_preferential_approved_by": "优惠条件审批单位",
    "notes": "备注",
    "review_status": "审核状态",
    "return_reason": "退回原因",
}
TEXT_FIELDS = (
    "name",
    "investor_name",
    "hq_type",
    "risk_preferential_terms",
    "risk_preferential_approved_by",
    "notes",
)
BOOL_FIELDS = (
    "chain_leader",
    "headquarters",
    "risk_collective_decision",
    "risk_prior_assessment",
    "risk_legality_review",
)
MONEY_FIELDS = ("investment_yi", "funds_in_place_yi")
DATE_FIELDS = tuple(STAGE_DATE.values())
INPUT_FIELDS = (
    "name",
    "county",
    "industry",
    "investor",
    "chain_nodes",
    *MONEY_FIELDS,
    "stage",
    *DATE_FIELDS,
    *BOOL_FIELDS,
    *TEXT_FIELDS,
)
RISK_FIELDS = (
    "risk_collective_decision",
    "risk_prior_assessment",
    "risk_legality_review",
    "risk_preferential_terms",
    "risk_preferential_approved_by",
)
# Declared facts: a change to one of these after a review sends the project back to its prefecture
# (so do changing a recorded signing date and moving the stage back; see `review_reset_causes`).
DECLARED_FIELDS = (
    "name",
    "county",
    "industry",
    "investor",
    "investor_name",
    "investment_yi",
    "chain_nodes",
    "chain_leader",
    "headquarters",
    "hq_type",
    *RISK_FIELDS,
)
TEXT_MAX = {"name": 200, "notes": 2000}
TEXT_DEFAULT_MAX = 500
TRUE_WORDS = {"true", "1", "yes", "y", "on", "是", "有", "√", "✓"}
FALSE_WORDS = {"false", "0", "no", "n", "off", "否", "无", "", "×"}


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _as_money(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = re.sub(r"[,，\s]|亿元?$", "", str(value))
        try:
            number = float(text)
        except ValueError:
            return None
    return number if number == number and abs(number) != float("inf") else None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?", text) or re.fullmatch(
        r"(\d{4})年(\d{1,2})月(\d{1,2})日", str(value).strip()
    )
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[,，、;；\n]", str(value))
    return [i.strip() for i in items if i and i.strip()]


def _stage(value: Any) -> str | None:
    text = str(value).strip()
    if text in STAGES:
        return text
    by_zh = {zh: key for key, zh in STAGE_ZH.items()}
    return (
        by_zh.get(text)
        or by_zh.get(text.removesuffix("阶段"))
        or {
            "投产运营": "production",
            "在建": "started",
            "已签约": "signed",
            "已开工": "started",
            "已投产": "production",
        }.get(text)
    )


def clean_fields(
    store: GraphStore, data: Mapping[str, Any], *, today: date, industry_hint: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Parse the fields present in `data` (strings from a form or sheet, or typed JSON values).

    Returns the cleaned values (ids resolved, None for a cleared optional field) and the
    problems, each starting with the field's name.
    """
    cleaned: dict[str, Any] = {}
    problems: list[str] = []
    for key, raw in data.items():
        if key not in INPUT_FIELDS:
            continue
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if key in TEXT_FIELDS:
            text = "" if empty else str(raw).strip()
            limit = TEXT_MAX.get(key, TEXT_DEFAULT_MAX)
            control = control_problem(key, text, multiline=key == "notes")
            if control:
                problems.append(control)
            elif len(text) > limit:
                problems.append(f"{key}: 不能超过 {limit} 个字 (at most {limit} characters)")
            cleaned[key] = text or None
        elif key in BOOL_FIELDS:
            flag = False if empty else _as_bool(raw)
            if flag is None:
                problems.append(f"{key}: 应为“是”或“否” (yes/no), not {str(raw)[:40]!r}")
            cleaned[key] = flag
        elif key in MONEY_FIELDS:
            if empty:
                cleaned[key] = None
                continue
            number = _as_money(raw)
            if number is None:
                problems.append(f"{key}: 应为数字（亿元） (a number in 亿元), not {str(raw)[:40]!r}")
            elif number < 0:
                problems.append(f"{key}: {FIELD_ZH[key]}不能为负数 (must not be negative)")
            elif number > MAX_INVESTMENT_YI:
                problems.append(
                    f"{key}: {number:g} 亿元过大，单位应为亿元 (over {MAX_INVESTMENT_YI:g} 亿元; unit is 亿元)"
                )
            else:
                cleaned[key] = round(number, 4)
        elif key in DATE_FIELDS:
            if empty:
                cleaned[key] = None
                continue
            day = _as_date(raw)
            if day is None:
                problems.append(f"{key}: 日期格式应为 YYYY-MM-DD (a date), not {str(raw)[:40]!r}")
            elif day > today:
                problems.append(
                    f"{key}: {FIELD_ZH[key]} {day.isoformat()} 晚于今天 {today.isoformat()} (a date in the future)"
                )
            elif day < EARLIEST_DATE:
                problems.append(f"{key}: {day.isoformat()} 早于 {EARLIEST_DATE.isoformat()}")
            else:
                cleaned[key] = day.isoformat()
        elif key == "stage":
            stage = None if empty else _stage(raw)
            if stage is None:
                problems.append(
                    f"stage: 应为 {'/'.join(STAGE_ZH.values())} 之一 (one of {', '.join(STAGES)})"
                )
            cleaned[key] = stage
        elif key == "county":
            if empty:
                problems.append("county: 必填 (required)")
                continue
            try:
                cleaned[key] = resolve_county(store, str(raw)[:200]).id
            except ValidationError as exc:
                problems.extend(exc.problems)
        elif key == "industry":
            if empty:
                problems.append("industry: 必填 (required)")
                continue
            try:
                cleaned[key] = resolve("industry", str(raw)[:200], store.find_nodes("Industry")).id
            except NotFoundError as exc:
                problems.append(
                    f"industry: 未知的产业 '{str(raw)[:200]}'"
                    + (f"；相近的有：{'、'.join(exc.suggestions)}" if exc.suggestions else "")
                )
        elif key == "investor":
            if empty:
                cleaned["investor"] = None
                continue
            text = str(raw).strip()[:200]
            found = [
                n
                for n in store.find_nodes("Enterprise")
                if text in (n.id, n.name, *(n.props.get("aliases") or []))
            ]
            cleaned["investor"] = found[0].id if len(found) == 1 else None
            if not found and "investor_name" not in data:
                cleaned["investor_name"] = text
            elif found and "investor_name" not in data:
                cleaned["investor_name"] = found[0].name
        elif key == "chain_nodes":
            cleaned[key] = _as_list(raw) if not empty else []
    return cleaned, problems


def check_chain_nodes(store: GraphStore, industry: str, wanted: list[str]) -> tuple[list[str], list[str]]:
    if not wanted:
        return [], []
    members = chain_node_ids(store.graph(), industry)
    nodes = [n for n in store.find_nodes("ChainNode") if n.id in members]
    found: list[str] = []
    problems: list[str] = []
    for text in wanted:
        try:
            node = resolve("chain node", text[:200], nodes)
        except NotFoundError:
            problems.append(f"chain_nodes: '{text[:200]}' 不是该产业的环节 (not a link of {industry})")
            continue
        if node.id not in found:
            found.append(node.id)
    return found, problems


def risk_gaps(props: Mapping[str, Any]) -> list[str]:
    """The measure-8 checklist items a signed major project still lacks (field names)."""
    missing = [
        f
        for f in ("risk_collective_decision", "risk_prior_assessment", "risk_legality_review")
        if not props.get(f)
    ]
    if props.get("risk_preferential_terms") and not props.get("risk_preferential_approved_by"):
        missing.append("risk_preferential_approved_by")
    return missing


def approval_problems(props: Mapping[str, Any]) -> list[str]:
    """What keeps a project from being (or staying) approved: a signed major project (>= 10亿元,
    at least signed) needs the measure-8 checklist complete. One problem per missing field."""
    if not (is_major(props) and stage_index(str(props.get("stage") or "")) >= SIGNED):
        return []
    return [
        f"{f}: 已签约的10亿元以上项目须先完成风险防控事项“{FIELD_ZH[f]}”（措施8），才能审核通过"
        for f in risk_gaps(props)
    ]


def same_answer(field: str, before: Any, after: Any) -> bool:
    """Whether two values of `field` say the same: a missing yes/no answer is "no", and a
    missing text or list is empty."""
    if field in BOOL_FIELDS:
        return bool(before) == bool(after)
    empty: tuple[Any, ...] = (None, "", [])
    return (before in empty and after in empty) or before == after


def review_reset_causes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The changes that make a reviewed or approved project a new declaration, by field: a
    declared fact (DECLARED_FIELDS: what, where, who, how much, the flags and the measure-8
    answers), a signing date that was already recorded, or the stage moving back. Forward
    progress (the next stage with its date, funds in place, notes) is not among them."""
    causes = [f for f in DECLARED_FIELDS if not same_answer(f, before.get(f), after.get(f))]
    if before.get("date_signed") and after.get("date_signed") != before.get("date_signed"):
        causes.append("date_signed")
    if stage_index(str(after.get("stage") or "")) < stage_index(str(before.get("stage") or "")):
        causes.append("stage")
    return causes


def merge_fields(
    current: Mapping[str, Any], cleaned: Mapping[str, Any], *, today: date, reason: str
) -> tuple[dict[str, Any], list[str]]:
    """The project's properties after `cleaned` is applied, with the cross-field rules checked."""
    merged = {**current, **cleaned}
    problems: list[str] = []
    old_stage = str(current.get("stage") or "")
    new_stage = str(merged.get("stage") or "lead")
    merged["stage"] = new_stage
    if old_stage and stage_index(new_stage) < stage_index(old_stage):
        if not reason.strip():
            problems.append(
                f"stage: 阶段从“{STAGE_ZH[old_stage]}”退回“{STAGE_ZH[new_stage]}”须说明原因 (reason) "
                "(a stage going backwards needs a reason)"
            )
        for later in STAGES[stage_index(new_stage) + 1 :]:
            merged[STAGE_DATE[later]] = None  # that stage is no longer reached
    for later in STAGES[stage_index(new_stage) + 1 :]:
        if merged.get(STAGE_DATE[later]) and STAGE_DATE[later] in cleaned:
            problems.append(f"{STAGE_DATE[later]}: 项目尚未到“{STAGE_ZH[later]}”阶段，不能填写该日期")
    if not merged.get(STAGE_DATE[new_stage]) and not any(
        p.startswith(STAGE_DATE[new_stage]) for p in problems
    ):
        merged[STAGE_DATE[new_stage]] = today.isoformat()
    if (
        stage_index(new_stage) >= SIGNED
        and not merged.get("date_signed")
        and not any(p.startswith("date_signed") for p in problems)
    ):
        # skipping to 开工/投产 must not lose the signing date: measure 1 counts projects by it
        problems.append(
            f"date_signed: 项目已到“{STAGE_ZH[new_stage]}”阶段，须填写签约日期 (required from the signed stage on)"
        )
    dated = [(s, merged.get(STAGE_DATE[s])) for s in STAGES[: stage_index(new_stage) + 1]]
    previous: tuple[str, str] | None = None
    for stage, day in dated:
        if not day:
            continue
        if previous and day < previous[1]:
            problems.append(
                f"{STAGE_DATE[stage]}: {STAGE_ZH[stage]}日期 {day} 早于{STAGE_ZH[previous[0]]}日期 {previous[1]}"
            )
        previous = (stage, day)
    investment = merged.get("investment_yi")
    if investment is None:
        problems.append("investment_yi: 必填 (required)")
    funds = merged.get("funds_in_place_yi")
    if funds is not None and investment is not None and funds > investment:
        problems.append(f"funds_in_place_yi: 到位资金 {funds:g} 亿元超过总投资 {investment:g} 亿元")
    if not merged.get("name"):
        problems.append("name: 必填 (required)")
    if merged.get("risk_preferential_terms") and not merged.get("risk_preferential_approved_by"):
        problems.append(
            "risk_preferential_approved_by: 有重大优惠条件时须填写审批单位 (who approved the terms)"
        )
    if not merged.get("headquarters"):
        merged["hq_type"] = None
    return merged, problems
