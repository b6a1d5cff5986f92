"""The list of target firms a prefecture or the province sends (Excel, Chinese headers): one row a
firm with its industry, chain link and reason, optionally the bureau and person responsible.

Read here, checked and written by `workflow.targets.add_target_list` (all rows or none, one
transaction); uploaded on the 目标企业库 page, whose template this module makes.
"""

from __future__ import annotations

from pathlib import Path

from ingest.sheets import Sheet, workbook
from ingest.tables import read_table
from workflow.targets import ListRow

# field -> column header
HEADERS: dict[str, str] = {
    "enterprise": "企业",
    "industry": "产业",
    "node": "环节",
    "reason": "理由",
    "bureau": "负责单位",
    "assignee": "负责人",
}
REQUIRED: tuple[str, ...] = (HEADERS["enterprise"], HEADERS["industry"])
HINTS: dict[str, str] = {
    "enterprise": "必填。企业全称，或图谱中的企业编号；图谱中没有的企业按名称加入。",
    "industry": "必填。12个重点产业之一：产业名称（如 绿色铝）或编号。",
    "node": "产业链环节名称或编号，须属于该产业；可空。",
    "reason": "列入理由，如 补链：缺失环节、链主企业配套。",
    "bureau": "负责跟进的单位，如 市投资促进局。",
    "assignee": "负责人姓名。",
}


def read_list(path: Path) -> list[ListRow]:
    """The rows of a target list (.xlsx or .csv) by field, with their lines.

    Raises:
        ValidationError: an unreadable file, a missing 企业 or 产业 column, a shifted row.
    """
    return [
        ListRow(
            row.line, {field: row.get(header) for field, header in HEADERS.items() if header in row.cells}
        )
        for row in read_table(path, REQUIRED)
    ]


def template() -> bytes:
    """The list's template (.xlsx): the header on the first sheet, the instructions on a second."""
    notes = [["列", "说明"], *([header, HINTS[field]] for field, header in HEADERS.items()), []]
    notes.append(["导入", "在“目标企业库”页面上传本表：全部行通过检查才写入；库中已有的企业不重复加入。"])
    form = Sheet(
        "目标企业名单",
        [list(HEADERS.values())],
        widths=(30, 16, 16, 30, 16, 16),
        freeze="A2",
        required=tuple(i for i, header in enumerate(HEADERS.values()) if header in REQUIRED),
    )
    return workbook([form, Sheet("填表说明", notes, widths=(16, 80))])
