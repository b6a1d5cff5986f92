"""The project form: each field's Chinese label and kind, and parsing what a form, a sheet or JSON
sends into clean values, with the cross-field rules (stage dates, funds, the measure-8 checklist).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graph.errors import NotFoundError, ValidationError
from graph.lookup import firms_named, resolve
from graph.project_rules import SIGNED, STAGES, is_major, stage_index
from graph.reads import chain_members
from graph.store import GraphStore
from graph.text import control_problem
from graph.units import money_yi, split_list
from workflow.model import PROJECT_STAGE_ZH, REVIEW_ZH, STAGE_DATE
from workflow.permissions import resolve_county

MAX_INVESTMENT_YI = 10_000.0  # 1万亿元: a larger figure is a unit mistake (万元 typed as 亿元)
EARLIEST_DATE = date(2000, 1, 1)


@dataclass(frozen=True)
class ProjectField:
    """One field of a project, stated once: the form, the JSON API's model, the JSON shape, the
    Excel template and its importer are all built from `PROJECT_FIELDS`.

    `kind` decides parsing and the widget: text, bool, money (亿元), quantity (a non-negative
    number in `unit`), count (a non-negative whole number), date, stage, choice (one of
    `choices`), phone, and the looked-up kinds county, industry, investor, chain_nodes, park.
    """

    key: str
    label: str
    kind: str = "text"
    required: bool = False
    max_length: int = 500
    unit: str = ""
    choices: tuple[str, ...] = ()
    group: str = ""  # "risk": the measure-8 checklist, shown together
    declared: bool = False  # a declared fact: changing it after a review is a new declaration
    form: bool = (
        True  # on the page's form (the county is the user's own; the name of a firm is typed as investor)
    )
    sheet: bool = True  # a column of the Excel template
    hint: str = ""  # the template's instruction and the form's placeholder
    limit: float = 0.0  # the largest plausible value of a number (0: no limit)


ORIGINS = ("省内", "省外", "境外")
MAX_LAND_MU = 100_000.0  # 10万亩: larger is a unit mistake (平方米 typed as 亩)
MAX_ENERGY_TCE = 50_000_000.0  # 5000万吨标准煤/年 is more than the province's heaviest user
MAX_JOBS = 1_000_000
PHONE = re.compile(r"1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?")

PROJECT_FIELDS: tuple[ProjectField, ...] = (
    ProjectField(
        "name",
        "项目名称",
        required=True,
        max_length=200,
        declared=True,
        hint="必填。同一县内项目名称不能重复。",
    ),
    ProjectField(
        "county",
        "所在县（市、区）",
        "county",
        required=True,
        max_length=200,
        declared=True,
        form=False,
        hint="必填。县（市、区）名称或6位区划代码，如 五华区 或 530102。",
    ),
    ProjectField(
        "industry",
        "所属产业",
        "industry",
        required=True,
        max_length=200,
        declared=True,
        hint="必填。12个重点产业之一，如 绿色铝、新材料。",
    ),
    ProjectField(
        "investor",
        "投资企业",
        "investor",
        max_length=200,
        declared=True,
        hint="投资企业全称；与图谱中企业同名时自动关联。",
    ),
    ProjectField("investor_name", "投资主体名称", max_length=500, declared=True, form=False, sheet=False),
    ProjectField(
        "investor_origin", "投资方来源", "choice", choices=ORIGINS, declared=True, hint="省内 / 省外 / 境外。"
    ),
    ProjectField(
        "chain_nodes",
        "产业链环节",
        "chain_nodes",
        declared=True,
        hint="项目所在产业链环节名称，多个用“、”分隔。",
    ),
    ProjectField(
        "investment_yi",
        "总投资（亿元）",
        "money",
        required=True,
        unit="亿元",
        declared=True,
        hint="必填。单位：亿元，不能为负数。",
    ),
    ProjectField(
        "funds_in_place_yi",
        "累计到位资金（亿元）",
        "money",
        unit="亿元",
        hint="累计到位资金，单位亿元，不超过总投资。",
    ),
    ProjectField(
        "output_yi",
        "预计年产值（亿元）",
        "money",
        unit="亿元",
        declared=True,
        hint="达产后预计年产值，单位亿元。",
    ),
    ProjectField(
        "tax_yi",
        "预计年税收（亿元）",
        "money",
        unit="亿元",
        declared=True,
        hint="达产后预计年税收，单位亿元。",
    ),
    ProjectField(
        "land_mu",
        "用地（亩）",
        "quantity",
        unit="亩",
        declared=True,
        limit=MAX_LAND_MU,
        hint="项目用地面积，单位亩。",
    ),
    ProjectField(
        "energy_tce",
        "年综合能耗（吨标准煤）",
        "quantity",
        unit="吨标准煤/年",
        declared=True,
        limit=MAX_ENERGY_TCE,
        hint="达产后年综合能耗，单位吨标准煤。",
    ),
    ProjectField(
        "jobs",
        "新增就业（人）",
        "count",
        unit="人",
        declared=True,
        limit=MAX_JOBS,
        hint="达产后新增就业人数，整数。",
    ),
    ProjectField(
        "park", "所在园区", "park", max_length=200, declared=True, hint="园区全称，或图谱中的园区编号。"
    ),
    ProjectField(
        "stage", "项目阶段", "stage", max_length=20, hint="线索 / 洽谈 / 签约 / 开工 / 投产；默认 线索。"
    ),
    *(
        ProjectField(f"date_{s}", f"{label}日期", "date", max_length=30)
        for s, label in (
            ("lead", "获得线索"),
            ("negotiating", "开始洽谈"),
            ("signed", "签约"),
            ("started", "开工"),
            ("production", "投产"),
        )
    ),
    ProjectField("chain_leader", "链主企业项目", "bool", declared=True),
    ProjectField("headquarters", "总部项目", "bool", declared=True),
    ProjectField("hq_type", "总部类型", max_length=100, declared=True, hint="区域总部 / 研发 / 结算 …"),
    ProjectField("risk_collective_decision", "经集体决策", "bool", group="risk", declared=True),
    ProjectField("risk_prior_assessment", "已开展事前评估", "bool", group="risk", declared=True),
    ProjectField("risk_legality_review", "投资协议已经合法性审查", "bool", group="risk", declared=True),
    ProjectField("risk_preferential_terms", "重大优惠条件", group="risk", declared=True),
    ProjectField("risk_preferential_approved_by", "优惠条件审批单位", group="risk", declared=True),
    ProjectField("contact_name", "联系人", max_length=50, hint="县级项目联系人姓名。"),
    ProjectField(
        "contact_phone", "联系电话", "phone", max_length=30, hint="手机（11位）或座机（区号-号码）。"
    ),
    ProjectField("notes", "备注", max_length=2000),
)
FIELD_BY_KEY: dict[str, ProjectField] = {f.key: f for f in PROJECT_FIELDS}

# Field -> Chinese label: the form, the audit trail, the errors and the Excel template use the same names.
FIELD_ZH: dict[str, str] = {
    **{f.key: f.label for f in PROJECT_FIELDS},
    "prefecture": "所属州（市）",
    "park_name": "所在园区名称",
    "review_status": "审核状态",
    "return_reason": "退回原因",
    "approved_at": "审定时间",
    "reason": "原因",
}
LABEL_KEY: dict[str, str] = {label: key for key, label in FIELD_ZH.items()}
INPUT_FIELDS = tuple(f.key for f in PROJECT_FIELDS)
FORM_FIELDS = tuple(f for f in PROJECT_FIELDS if f.form)
SHEET_FIELDS = tuple(f for f in PROJECT_FIELDS if f.sheet)
TEXT_FIELDS = tuple(f.key for f in PROJECT_FIELDS if f.kind == "text")
BOOL_FIELDS = tuple(f.key for f in PROJECT_FIELDS if f.kind == "bool")
MONEY_FIELDS = tuple(f.key for f in PROJECT_FIELDS if f.kind == "money")
NUMBER_FIELDS = tuple(f.key for f in PROJECT_FIELDS if f.kind in ("money", "quantity", "count"))
DATE_FIELDS = tuple(STAGE_DATE.values())
RISK_FIELDS = tuple(f.key for f in PROJECT_FIELDS if f.group == "risk")
# Declared facts: a change to one of these after a review sends the project back to its prefecture
# (so do changing a recorded signing date and moving the stage back; see `review_reset_causes`).
DECLARED_FIELDS = tuple(f.key for f in PROJECT_FIELDS if f.declared)
# What the JSON shape holds besides the input fields: where it sits, its review and its history.
STORED_FIELDS = (
    "prefecture",
    "park_name",
    "review_status",
    "return_reason",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "approved_at",
)
TEXT_MAX = {f.key: f.max_length for f in PROJECT_FIELDS if f.kind == "text"}
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


def _stage(value: Any) -> str | None:
    text = str(value).strip()
    if text in STAGES:
        return text
    by_zh = {zh: key for key, zh in PROJECT_STAGE_ZH.items()}
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


def problem(key: str, message: str) -> str:
    """A problem as people read it: the field's Chinese label, then what is wrong.

    >>> problem("land_mu", "不能为负数")
    '用地（亩）：不能为负数'
    """
    return f"{FIELD_ZH.get(key, key)}：{message}"


def problem_field(text: str) -> str | None:
    """The field a problem (from `problem`) is about, or None.

    >>> problem_field("用地（亩）：不能为负数"), problem_field("something else")
    ('land_mu', None)
    """
    label = re.split("[:：]", text, maxsplit=1)[0].strip()
    return LABEL_KEY.get(label)


def _quote(raw: Any) -> str:
    return f"“{str(raw)[:40]}”"


def _number(field: ProjectField, raw: Any, problems: list[str]) -> float | int | None:
    number = money_yi(raw)
    what = "整数" if field.kind == "count" else "数字"
    if number is None:
        problems.append(problem(field.key, f"应为{what}（{field.unit}），不是{_quote(raw)}"))
        return None
    if number < 0:
        problems.append(problem(field.key, "不能为负数"))
        return None
    limit = MAX_INVESTMENT_YI if field.kind == "money" else field.limit
    if limit and number > limit:
        problems.append(problem(field.key, f"{number:g} {field.unit}过大，请核对单位（应为{field.unit}）"))
        return None
    if field.kind == "count":
        if number != int(number):
            problems.append(problem(field.key, f"应为整数，不是{_quote(raw)}"))
            return None
        return int(number)
    return round(number, 4)


def _park(store: GraphStore, text: str) -> tuple[str | None, str]:
    """A park named by its id or name: (the Park node's id when the graph has it, the name)."""
    for node in store.find_nodes("Park"):
        if text in (node.id, node.name):
            return node.id, node.name
    return None, text


def clean_fields(
    store: GraphStore, data: Mapping[str, Any], *, today: date, industry_hint: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Parse the fields present in `data` (strings from a form or sheet, or typed JSON values).

    Returns the cleaned values (ids resolved, None for a cleared optional field) and the
    problems, each starting with the field's Chinese label (see `problem_field`).
    """
    cleaned: dict[str, Any] = {}
    problems: list[str] = []
    for key, raw in data.items():
        field = FIELD_BY_KEY.get(key)
        if field is None:
            continue
        empty = raw is None or (isinstance(raw, str) and not raw.strip())
        if empty and field.kind not in ("bool", "stage", "county", "industry", "chain_nodes"):
            cleaned[key] = None
            if key == "park":
                cleaned["park_name"] = None
            continue
        kind = field.kind
        if kind in ("text", "phone", "choice", "park"):
            text = str(raw).strip()
            control = control_problem(field.label, text, multiline=key == "notes")
            if control:
                problems.append(control.replace(": ", "：", 1))
            elif len(text) > field.max_length:
                problems.append(problem(key, f"不能超过 {field.max_length} 个字"))
            elif kind == "phone" and not PHONE.fullmatch(re.sub(r"[\s()（）]", "", text)):
                problems.append(problem(key, f"应为11位手机号或“区号-号码”的座机号，不是{_quote(raw)}"))
            elif kind == "choice" and text not in field.choices:
                problems.append(problem(key, f"应为 {'/'.join(field.choices)} 之一，不是{_quote(raw)}"))
            elif kind == "park":
                cleaned["park"], cleaned["park_name"] = _park(store, text)
            else:
                cleaned[key] = re.sub(r"[\s()（）]", "", text) if kind == "phone" else text
        elif kind == "bool":
            flag = False if empty else _as_bool(raw)
            if flag is None:
                problems.append(problem(key, f"应为“是”或“否”，不是{_quote(raw)}"))
            cleaned[key] = flag
        elif kind in ("money", "quantity", "count"):
            if isinstance(raw, bool):
                problems.append(problem(key, f"应为数字（{field.unit}），不是{_quote(raw)}"))
                continue
            number = _number(field, raw, problems)
            if number is not None:
                cleaned[key] = number
        elif kind == "date":
            day = _as_date(raw)
            if day is None:
                problems.append(problem(key, f"日期格式应为 YYYY-MM-DD，不是{_quote(raw)}"))
            elif day > today:
                problems.append(problem(key, f"{day.isoformat()} 晚于今天 {today.isoformat()}"))
            elif day < EARLIEST_DATE:
                problems.append(problem(key, f"{day.isoformat()} 早于 {EARLIEST_DATE.isoformat()}"))
            else:
                cleaned[key] = day.isoformat()
        elif kind == "stage":
            stage = None if empty else _stage(raw)
            if stage is None:
                problems.append(problem(key, f"应为 {'/'.join(PROJECT_STAGE_ZH.values())} 之一"))
            cleaned[key] = stage
        elif kind == "county":
            if empty:
                problems.append(problem(key, "必填"))
                continue
            try:
                cleaned[key] = resolve_county(store, str(raw)[:200]).id
            except ValidationError as exc:
                problems.extend(exc.problems)
        elif kind == "industry":
            if empty:
                problems.append(problem(key, "必填"))
                continue
            try:
                cleaned[key] = resolve("industry", str(raw)[:200], store.find_nodes("Industry")).id
            except NotFoundError as exc:
                problems.append(
                    problem(key, f"未知的产业“{str(raw)[:200]}”")
                    + (f"；相近的有：{'、'.join(exc.suggestions)}" if exc.suggestions else "")
                )
        elif kind == "investor":
            text = str(raw).strip()[:200]
            pool = firms_named(store, text)  # a Chinese name narrowed by the store
            found = [n for n in pool if text in (n.id, n.name, *(n.props.get("aliases") or []))]
            cleaned["investor"] = found[0].id if len(found) == 1 else None
            if not found and "investor_name" not in data:
                cleaned["investor_name"] = text
            elif found and "investor_name" not in data:
                cleaned["investor_name"] = found[0].name
        elif kind == "chain_nodes":
            cleaned[key] = split_list(raw) if not empty else []
    return cleaned, problems


def check_chain_nodes(store: GraphStore, industry: str, wanted: list[str]) -> tuple[list[str], list[str]]:
    if not wanted:
        return [], []
    nodes = chain_members(store, industry)  # not the whole graph: a register may hold a million firms
    found: list[str] = []
    problems: list[str] = []
    for text in wanted:
        try:
            node = resolve("chain node", text[:200], nodes)
        except NotFoundError:
            problems.append(problem("chain_nodes", f"“{text[:200]}”不是该产业的环节"))
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
        problem(f, "已签约的10亿元以上项目须先完成这项风险防控（措施8），才能审核通过")
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
                problem(
                    "stage",
                    f"阶段从“{PROJECT_STAGE_ZH[old_stage]}”退回“{PROJECT_STAGE_ZH[new_stage]}”须说明原因",
                )
            )
        for later in STAGES[stage_index(new_stage) + 1 :]:
            merged[STAGE_DATE[later]] = None  # that stage is no longer reached
    for later in STAGES[stage_index(new_stage) + 1 :]:
        if merged.get(STAGE_DATE[later]) and STAGE_DATE[later] in cleaned:
            problems.append(
                problem(STAGE_DATE[later], f"项目尚未到“{PROJECT_STAGE_ZH[later]}”阶段，不能填写该日期")
            )
    if not merged.get(STAGE_DATE[new_stage]) and not any(
        problem_field(p) == STAGE_DATE[new_stage] for p in problems
    ):
        merged[STAGE_DATE[new_stage]] = today.isoformat()
    if (
        stage_index(new_stage) >= SIGNED
        and not merged.get("date_signed")
        and not any(problem_field(p) == "date_signed" for p in problems)
    ):
        # skipping to 开工/投产 must not lose the signing date: measure 1 counts projects by it
        problems.append(
            problem("date_signed", f"项目已到“{PROJECT_STAGE_ZH[new_stage]}”阶段，须填写签约日期")
        )
    dated = [(s, merged.get(STAGE_DATE[s])) for s in STAGES[: stage_index(new_stage) + 1]]
    previous: tuple[str, str] | None = None
    for stage, day in dated:
        if not day:
            continue
        if previous and day < previous[1]:
            problems.append(
                problem(STAGE_DATE[stage], f"{day} 早于{PROJECT_STAGE_ZH[previous[0]]}日期 {previous[1]}")
            )
        previous = (stage, day)
    investment = merged.get("investment_yi")
    if investment is None:
        problems.append(problem("investment_yi", "必填"))
    funds = merged.get("funds_in_place_yi")
    if funds is not None and investment is not None and funds > investment:
        problems.append(
            problem("funds_in_place_yi", f"到位资金 {funds:g} 亿元超过总投资 {investment:g} 亿元")
        )
    if not merged.get("name"):
        problems.append(problem("name", "必填"))
    if merged.get("risk_preferential_terms") and not merged.get("risk_preferential_approved_by"):
        problems.append(problem("risk_preferential_approved_by", "有重大优惠条件时须填写审批单位"))
    if not merged.get("headquarters"):
        merged["hq_type"] = None
    return merged, problems


def display_value(key: str, value: Any, names: Mapping[str, str] | None = None) -> str:
    """A stored value as people read it: 是/否, the stage and review state in Chinese, names for
    ids (`names`: id -> name), numbers without trailing zeros, "—" for nothing.

    >>> display_value("chain_leader", True), display_value("stage", "signed"), display_value("jobs", None)
    ('是', '签约', '—')
    >>> display_value("industry", "green-silicon", {"green-silicon": "绿色硅"})
    '绿色硅'
    """
    names = names or {}
    if value is None or value == "" or value == []:
        return "否" if key in BOOL_FIELDS else "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "stage":
        return PROJECT_STAGE_ZH.get(str(value), str(value))
    if key == "review_status":
        return REVIEW_ZH.get(str(value), str(value))
    if isinstance(value, list | tuple):
        return "、".join(names.get(str(v), str(v)) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return names.get(str(value), str(value))
