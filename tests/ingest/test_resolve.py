"""Entity resolution: how each match is made, and that unsure ones are never merged."""

from __future__ import annotations

from graph.store import Node
from ingest.resolve import EnterpriseIndex, normalise_zh, stock_key


def index() -> EnterpriseIndex:
    return EnterpriseIndex.build(
        [
            Node(
                "chalco",
                "Enterprise",
                {
                    "name": "中国铝业股份有限公司",
                    "aliases": ["中国铝业", "Chalco"],
                    "stock_code": "601600.SH",
                },
            ),
            Node(
                "chinalco",
                "Enterprise",
                {"name": "中国铝业集团有限公司", "name_en": "Aluminum Corp. of China"},
            ),
            Node("alibaba-cn", "Enterprise", {"name": "阿里巴巴（中国）有限公司"}),
            Node("twin-a", "Enterprise", {"name": "同名科技有限公司"}),
            Node("twin-b", "Enterprise", {"name": "同名科技股份有限公司"}),
        ],
        {"chinalco": ["Chinalco"]},
    )


def test_each_kind_of_match():
    idx = index()
    assert (idx.match("中国铝业股份有限公司").enterprise_id, idx.match("中国铝业股份有限公司").method) == (
        "chalco",
        "exact",
    )
    assert idx.match("", code="601600").method == "code"
    assert idx.match("", code="601600").enterprise_id == "chalco"
    assert idx.match("Chinalco").method == "alias"
    assert (
        idx.match("ALUMINUM CORPORATION OF CHINA").enterprise_id,
        idx.match("ALUMINUM CORPORATION OF CHINA").method,
    ) == (
        "chinalco",
        "normalised",
    )
    # full- and half-width brackets and spacing do not matter
    match = idx.match("阿里巴巴(中国) 有限公司")
    assert (match.enterprise_id, match.method, match.confidence) == ("alibaba-cn", "exact", "high")


def test_group_and_listed_company_are_not_merged():
    idx = index()
    # 中国铝业集团 vs 中国铝业股份: equal only without 集团 -> uncertain, never merged
    match = idx.match("中国铝业控股集团")
    assert match.method == "uncertain" and not match.merges
    assert "chalco" in match.candidates or "chinalco" in match.candidates


def test_two_firms_that_normalise_alike_are_uncertain():
    match = index().match("同名科技")
    assert match.method == "uncertain"
    assert match.candidates == ("twin-a", "twin-b")


def test_new_firm():
    match = index().match("云南新企业有限公司")
    assert (match.enterprise_id, match.method) == (None, "new")


def test_normalisation_helpers():
    assert normalise_zh("云南白药集团股份有限公司") == "云南白药集团"
    assert normalise_zh("云南白药集团股份有限公司", drop_group=True) == "云南白药"
    assert stock_key("sh600000") == stock_key("600000.SH") == "600000"


def test_a_firm_listed_under_another_code_is_never_merged():
    # 东风股份 was the short name of 601515 (东峰集团) and is that of 600006 (东风汽车股份)
    idx = EnterpriseIndex.build(
        [
            Node(
                "dongfeng-printing",
                "Enterprise",
                {
                    "name": "广东东峰新材料集团股份有限公司",
                    "aliases": ["东风股份"],
                    "stock_code": "601515.SH",
                },
            )
        ]
    )
    assert idx.match("东风汽车股份有限公司", code="600006.SH", names=("东风股份",)).method == "new"
    assert idx.match("东峰集团", code="601515").enterprise_id == "dongfeng-printing"
    assert idx.match("东风股份").enterprise_id == "dongfeng-printing"  # no code given: the alias decides


def test_a_listed_row_is_not_merged_into_an_unlisted_group_by_a_shared_short_name():
    idx = EnterpriseIndex.build(
        [Node("sinopec", "Enterprise", {"name": "中国石油化工集团有限公司", "aliases": ["中国石化"]})]
    )
    match = idx.match("中国石油化工股份有限公司", code="600028.SH", names=("中国石化",))
    assert (match.method, match.candidates) == ("uncertain", ("sinopec",))
    # the same row without a code, or the group's own full name with one, still resolves
    assert idx.match("中国石化").enterprise_id == "sinopec"
    assert idx.match("中国石油化工集团有限公司", code="000000").enterprise_id == "sinopec"


def test_a_china_subsidiary_is_not_its_foreign_parent():
    idx = EnterpriseIndex.build(
        [Node("siemens", "Enterprise", {"name": "西门子股份公司", "aliases": ["西门子"]})]
    )
    assert idx.match("西门子(中国)有限公司").enterprise_id is None


def test_a_name_no_table_can_hold_is_new_and_the_shortcut_changes_no_answer(monkeypatch):
    """A Chinese name whose folded form starts with two characters no normalised or loose key
    starts with is new without normalising it; every answer is the one the full look-up gives."""
    idx = index()
    idx.add("one-char", {"name": "甲"})
    rows = [
        ("云南新企业有限公司", ()),  # no key starts 云南: new, by the shortcut
        ("中国铝业有限责任公司", ()),  # starts 中国 like stored keys: normalised -> chalco
        ("全新名称有限公司", ("中国铝业",)),  # the short name is chalco's alias
        ("同名", ()),  # a stored key starts 同名, but none is 同名: new
        ("甲", ()),  # a one-character name: exact
        ("ALUMINUM CORPORATION OF CHINA", ()),  # not Chinese: looked up
        ("新（中国）有限公司", ("Chinalco",)),
    ]
    found = [idx.match(name, names=names) for name, names in rows]
    assert [(m.enterprise_id, m.method) for m in found] == [
        (None, "new"),
        ("chalco", "normalised"),
        ("chalco", "alias"),
        (None, "new"),
        ("one-char", "exact"),
        ("chinalco", "normalised"),
        ("chinalco", "alias"),
    ]
    assert idx._surely_new(["云南新企业有限公司"]) and not idx._surely_new(["中国铝业有限责任公司"])
    monkeypatch.setattr(EnterpriseIndex, "_surely_new", lambda self, names: False)
    assert [idx.match(name, names=names) for name, names in rows] == found
