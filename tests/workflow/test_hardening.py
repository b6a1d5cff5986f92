"""What an attack review got through in the project library (issue 16): a name two writers
declare at once is kept once, on both stores, and control characters never get in."""

from __future__ import annotations

import pytest

from graph.errors import ConflictError, ValidationError
from graph.store import GraphStore
from tests.project_library import TODAY, WUHUA, a_project, library_changes
from workflow import projects
from workflow.fields import FIELD_ZH


@pytest.fixture
def library(store: GraphStore) -> GraphStore:
    store.apply(library_changes())
    return store


def test_the_same_name_planned_by_two_servers_is_written_once(library: GraphStore):
    # both servers check the name before either writes (what the process lock cannot prevent)
    _, first = projects.plan_declare(library, WUHUA, a_project(name="重名项目"), today=TODAY)
    _, second = projects.plan_declare(library, WUHUA, a_project(name="重名项目"), today=TODAY)
    library.apply(first)
    with pytest.raises(ConflictError, match="重名项目"):
        library.apply(second)
    assert [p.props["name"] for p in library.find_nodes("Project")] == ["重名项目"]
    assert len(library.find_nodes("AuditEntry")) == 1
    with pytest.raises(ValidationError) as refused:  # the next declaration is told why
        projects.declare(library, WUHUA, a_project(name="重名项目"), today=TODAY)
    assert refused.value.problems[0].startswith("项目名称：本县已有同名项目")


def test_an_import_racing_a_declaration_of_the_same_name_writes_nothing(library: GraphStore, tmp_path):
    from ingest.registry import import_file
    from ingest.sources.projects import HEADERS

    path = tmp_path / "projects.csv"
    header = [HEADERS[k] for k in ("name", "county", "industry", "investment_yi")]
    path.write_text(",".join(header) + "\n导入重名项目,530102,demo,3\n", encoding="utf-8")
    planned, _ = import_file(library, "project-library", path, dry_run=True, options={"today": TODAY})
    projects.declare(library, WUHUA, a_project(name="导入重名项目"), today=TODAY)  # meanwhile
    with pytest.raises(ConflictError):
        library.apply(planned.changes)
    assert len(library.find_nodes("Project")) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "项目\x00甲"), ("name", "项目\x0b甲"), ("name", "两行\n名称"), ("notes", "备注\x1b[31m红")],
)
def test_control_characters_are_refused_naming_the_field(library: GraphStore, field: str, value: str):
    with pytest.raises(ValidationError) as refused:
        projects.declare(library, WUHUA, a_project(**{field: value}), today=TODAY)
    assert refused.value.problems[0].startswith(f"{FIELD_ZH[field]}：含有控制字符")
    assert library.find_nodes("Project") == []


def test_a_reason_with_control_characters_is_refused(library: GraphStore):
    project = projects.declare(library, WUHUA, a_project(), today=TODAY)
    with pytest.raises(ValidationError, match="原因：含有控制字符"):
        projects.update(library, WUHUA, project.id, {"investment_yi": 13}, reason="\x07")
    assert projects.get_project(library, project.id).version == 1
