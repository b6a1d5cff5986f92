"""A tiny but complete dataset folder, written by tests that need `chainkg build` input."""

from __future__ import annotations

from pathlib import Path

FILES = {
    "industries.yaml": """\
industries:
  - {id: green-silicon, name: 绿色硅, name_en: Green silicon, lead_department: 云南省工业和信息化厅,
     yearly_project_quota: 5, source: 云政办函〔2022〕97号, as_of: 2022-12-11, confidence: high}
""",
    "ranking_lists.yaml": """\
ranking_lists:
  - {id: fortune-global-500, name: 世界500强, source: Fortune, as_of: 2024, confidence: high}
""",
    "chains/shared.yaml": """\
nodes:
  - {id: industrial-silicon, name: 工业硅, industries: [green-silicon], stage: upstream, level: 1,
     source: 硅业分会, as_of: 2023, confidence: high}
""",
    "chains/green-silicon.yaml": """\
industry: green-silicon
nodes:
  - {id: si-wafer, name: 单晶硅片, stage: midstream, level: 1, source: 光伏协会, as_of: 2023, confidence: high}
  - {id: si-cell, name: 电池片, stage: downstream, level: 1, tags: [technology], source: 光伏协会, as_of: 2023, confidence: high}
uses: [industrial-silicon]
feeds:
  - {from: industrial-silicon, to: si-wafer, source: 光伏协会, as_of: 2023, confidence: high}
  - {from: si-wafer, to: si-cell, source: 光伏协会, as_of: 2023, confidence: high}
""",
    "regions/countries.csv": "id,name,name_en,source,as_of,confidence\nCN,中国,China,ISO 3166-1,2024,high\n",
    "regions/provinces.csv": (
        "id,name,name_en,source,as_of,confidence\n"
        "530000,云南省,Yunnan,国家统计局,2023,high\n"
        "510000,四川省,Sichuan,国家统计局,2023,high\n"
    ),
    "regions/yunnan.csv": (
        "id,name,name_en,level,parent_id,source,as_of,confidence\n"
        "530500,保山市,Baoshan,prefecture,530000,国家统计局,2023,high\n"
    ),
    "enterprises/test.csv": (
        "id,name,name_en,aliases,ownership,hq_region,hq_city,stock_code,parent_id,revenue_100m_cny,revenue_year,tags,source,as_of,confidence\n"
        "tongwei,通威股份有限公司,Tongwei,通威,private,510000,成都,600438.SH,,1391,2023,,通威股份2023年年度报告,2023,high\n"
        'longi-baoshan,保山隆基硅材料有限公司,,"保山隆基;隆基保山",private,530500,保山,,,,,,隆基绿能2023年年度报告,2023,high\n'
    ),
    "operates/green-silicon.csv": (
        "enterprise_id,node_id,role,capacity,unit,source,as_of,confidence\n"
        "tongwei,si-cell,leader,,,通威股份2023年年度报告,2023,high\n"
        "longi-baoshan,si-wafer,major,,,隆基绿能2023年年度报告,2023,high\n"
    ),
    "rankings/test.csv": (
        "enterprise_id,list,edition,rank,listed_name,source,as_of,confidence\n"
        "tongwei,fortune-global-500,2024,,Tongwei,Fortune Global 500 2024,2024,high\n"
    ),
    "sites/test.csv": "enterprise_id,region_id,kind,since,source,as_of,confidence\n",
    "ties/test.csv": "from_id,to_id,kind,source,as_of,confidence\n",
}


def write_tiny_dataset(root: Path) -> Path:
    """Write the tiny dataset under `root` and return `root`."""
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
