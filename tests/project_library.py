"""The canonical chain plus a few Yunnan counties: the small world the project-library tests use.

530000 云南省 > 530100 昆明市 > 530102 五华区, 530103 盘龙区
              > 530300 曲靖市 > 530302 麒麟区
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Edge, Node
from tests.canonical import SRC, canonical_changes
from workflow.model import Actor
from workflow.users import create_user

TODAY = date(2024, 6, 30)
COUNTIES = {"530102": ("五华区", "530100"), "530103": ("盘龙区", "530100"), "530302": ("麒麟区", "530300")}

WUHUA = Actor("wuhua", "county", "530102")
PANLONG = Actor("panlong", "county", "530103")
QILIN = Actor("qilin", "county", "530302")
KUNMING = Actor("kunming", "prefecture", "530100")
QUJING = Actor("qujing", "prefecture", "530300")
PROVINCE = Actor("sheng", "province", "530000")
# the users the web tests sign up (name: (role, region)), all with PASSWORD
USERS = {a.name: (a.role, a.region) for a in (WUHUA, PANLONG, KUNMING, QUJING, PROVINCE)}
PASSWORD = "correct horse 42"


def library_changes() -> ChangeSet:
    base = canonical_changes()
    nodes = [Node(c, "Region", {"name": n, "level": "county", **SRC}) for c, (n, _) in COUNTIES.items()]
    edges = [Edge(c, "PART_OF", p, "", SRC) for c, (_, p) in COUNTIES.items()]
    return ChangeSet(nodes=base.nodes + tuple(nodes), edges=base.edges + tuple(edges))


def library_db(path: Path) -> Path:
    """An embedded store at `path` holding `library_changes()`."""
    store = SqliteStore(path)
    store.apply(library_changes())
    store.close()
    return path


def sign_up(db: Path, users: Mapping[str, tuple[str, str]], password: str) -> dict[str, str]:
    """Create `users` (name: (role, region)) with `password` in the store at `db`; their API tokens."""
    store = SqliteStore(db)
    try:
        return {
            name: create_user(store, name, role, region, password=password)[1]
            for name, (role, region) in users.items()
        }
    finally:
        store.close()


def a_project(**overrides: object) -> dict[str, object]:
    """A valid declaration of 五华区: 12亿元 in the demo industry, signed on 2024-03-15."""
    return {
        "name": "示例铝材项目",
        "county": "530102",
        "industry": "demo",
        "investor": "全国一号",
        "chain_nodes": ["中间品"],
        "investment_yi": 12,
        "stage": "signed",
        "date_negotiating": "2024-01-10",
        "date_signed": "2024-03-15",
        **overrides,
    }


CHECKLIST = {"risk_collective_decision": True, "risk_prior_assessment": True, "risk_legality_review": True}
