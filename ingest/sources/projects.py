"""The project-library sheet counties send (Excel, Chinese headers; the template is
data/templates/project_library_template.xlsx, or `chainkg projects template`).

Each row becomes a declared `Project` with its edges and an audit entry naming the file, checked
by the same rules as a project declared in the app. A row naming a project already in the
library (same county and name) with the same facts is left alone, so re-importing a file changes
nothing; with other facts it is rejected: changes to a project go through the app, where they
are reviewed. The source needs the store (existing projects, industries, counties): the one
being imported into (`ImportContext.store`), or `options["store"]`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.errors import PermissionDenied, ValidationError
from graph.store import GraphStore
from ingest.importer import ImportContext, ImportPlan, RowOutcome, SourceInfo
from ingest.sheets import Sheet, workbook
from ingest.tables import read_table
from workflow import clock, fields, model, permissions, projects

BOOL_SUFFIX = "（是/否）"
FIELDS: tuple[str, ...] = tuple(f.key for f in fields.SHEET_FIELDS)
HEADERS: dict[str, str] = {
    f: fields.FIELD_ZH[f] + (BOOL_SUFFIX if f in fields.BOOL_FIELDS else "") for f in FIELDS
}
REQUIRED: tuple[str, ...] = tuple(HEADERS[f.key] for f in fields.SHEET_FIELDS if f.required)
TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "data" / "templates" / "project_library_template.xlsx"

INFO = SourceInfo(
    "project-library",
    "重大项目库申报表 project-library sheet",
    "projects declared by a county: name, county, industry, investor, investment (亿元), stage and dates, "
    "chain-leader/HQ flags, the measure-8 risk checklist",
    ".xlsx/.csv",
    "、".join(REQUIRED) + " [+ the template's other columns]",
    "one row a project",
    "the county's own declaration; template: chainkg projects template -o FILE.xlsx",
)


def project_id_for(county: str, name: str) -> str:
    """Imported projects get a stable id from county and name, so the same row is the same project."""
    return "prj-" + hashlib.sha1(f"{county}|{name.strip()}".encode()).hexdigest()[:12]


def plan(
    path: Path, ctx: ImportContext, *, edition: str | None, mapping: Path | None, options: Mapping[str, Any]
) -> ImportPlan:
    result = ImportPlan(INFO.id, str(path), edition)
    rows = read_table(path, REQUIRED)
    result.rows_read = len(rows)
    store: GraphStore | None = options.get("store") or ctx.store
    if store is None:
        raise ValidationError("the project library is imported into a store (ImportContext.store)")
    today = options.get("today") or clock.today_in_china()
    seen: dict[str, int] = {}
    for row in rows:
        data = {field: row.get(header) for field, header in HEADERS.items() if header in row.cells}
        name = str(data.get("name") or "")
        try:
            county = (
                permissions.resolve_county(store, str(data.get("county") or "")).id
                if data.get("county")
                else ""
            )
        except ValidationError as exc:
            result.reject(row, HEADERS["county"], exc.problems[0], name)
            continue
        pid = project_id_for(county, name)
        if pid in seen:
            result.reject(row, HEADERS["name"], f"与第 {seen[pid]} 行是同一项目（同县同名）", name)
            continue
        seen[pid] = row.line
        uploader: model.Actor | None = options.get("actor")
        actor = (
            model.Actor(f"{uploader.name}（导入{path.name}）", uploader.role, uploader.region)
            if uploader is not None
            else model.Actor(f"导入:{path.name}", "county", county)
        )
        try:
            merged, changes = projects.plan_declare(
                store, actor, data, today=today, project_id=pid, action="import"
            )
        except PermissionDenied as exc:  # a county's upload names another county
            result.reject(row, HEADERS["county"], str(exc), name)
            continue
        except ValidationError as exc:
            for index, problem in enumerate(exc.problems):
                field = fields.problem_field(problem)
                # every problem is listed, the row counted once
                result.reject(row, HEADERS.get(field or "", None), problem, name, counted=not index)
            continue
        existing = store.get_node(pid)
        if existing is not None:
            given = [k for k, v in data.items() if v not in (None, "")]
            differs = [k for k in given if k != "investor" and merged.get(k) != existing.props.get(k)]
            if differs:
                result.reject(
                    row,
                    HEADERS[differs[0]],
                    f"项目已在库中（{pid}），{fields.FIELD_ZH[differs[0]]}不同；请在系统中修改（修改须经审核）",
                    name,
                )
            else:
                result.record(
                    RowOutcome(row.line, name, "matched", pid, "existing project", "high", "unchanged")
                )
            continue
        for node in changes.nodes:
            result.add_node(node)
        for edge in changes.edges:
            result.add_edge(edge)
        result.unique += changes.unique
        result.record(RowOutcome(row.line, name, "new", pid, "project", "high"))
    return result


def write_template(path: Path) -> Path:
    """Write the declaration template: the header on the first sheet (with drop-down lists for the
    stage, choice and yes/no columns) and the instructions on a second."""
    lists: dict[str, tuple[str, ...]] = dict.fromkeys(fields.BOOL_FIELDS, ("是", "否"))
    lists["stage"] = tuple(model.PROJECT_STAGE_ZH.values())
    lists |= {f.key: f.choices for f in fields.SHEET_FIELDS if f.kind == "choice"}
    explanations = {f.key: f.hint for f in fields.SHEET_FIELDS if f.hint}
    notes = [["列", "说明"]]
    for field in FIELDS:
        default = (
            "日期格式 YYYY-MM-DD，不能晚于今天；各阶段日期须先后有序。"
            if field in fields.DATE_FIELDS
            else ("填 是 或 否。" if field in fields.BOOL_FIELDS else "")
        )
        notes.append([HEADERS[field], explanations.get(field, default)])
    notes.append([])
    notes.append(
        [
            "导入",
            "在“项目库”页面上传本表，或 chainkg import project-library 文件.xlsx"
            "（全部行通过检查才写入，重复导入不会重复写入）",
        ]
    )
    form = Sheet(
        "项目申报表",
        [list(HEADERS.values())],
        widths=tuple(30 if field in ("name", "notes") else 16 for field in FIELDS),
        freeze="A2",
        required=tuple(i for i, field in enumerate(FIELDS) if HEADERS[field] in REQUIRED),
        choices={i: lists[field] for i, field in enumerate(FIELDS) if field in lists},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook([form, Sheet("填表说明", notes, widths=(28, 80))]))
    return path
