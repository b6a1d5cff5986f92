#!/usr/bin/env python3
"""A synthetic enterprise register, deterministic and sized by a flag, in the formats `chainkg
import` takes: the firms as an A-share basics table (`ashare-basic`: ts_code, name, fullname,
area, industry) and their links as a company -> product chain table (`chain-table` with
data/mappings/ashare_chain_companies.yaml: company_code, product_name, rel, rel_weight).

    python scripts/gen_register.py --firms 100k --links-per-firm 5 -o /tmp/register
    chainkg import ashare-basic /tmp/register/firms.csv
    chainkg import chain-table /tmp/register/links.jsonl --mapping data/mappings/ashare_chain_companies.yaml

The same flags always give the same files (a seeded generator). About a fifth of the links land
on the bundled chains' links (by their Chinese names, the way a vendor's product words do), the
rest on products of no chain; a tenth of the firms are in Yunnan.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("北京", "上海", "广东", "江苏", "浙江", "四川", "贵州", "湖南", "河南", "山东", "新疆", "内蒙")
SECTORS = ("化工原料", "电气设备", "元器件", "小金属", "中成药", "软件服务", "农业综合", "物流", "旅游服务")
WORDS = "华宏兴源泰达信恒盛通瑞丰安鑫嘉德隆汇新景博远"


def size(text: str) -> int:
    """`100k`, `1m`, `2500` -> a count.

    >>> size("100k"), size("1M"), size("2500")
    (100000, 1000000, 2500)
    """
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if factor > 1 else text) * factor)


def chain_names(data: Path = ROOT / "data") -> list[str]:
    """The Chinese names of every chain link in the bundled dataset, sorted."""
    names: set[str] = set()
    for path in sorted((data / "chains").glob("*.yaml")):
        for node in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nodes") or []:
            if node.get("name"):
                names.add(str(node["name"]))
    return sorted(names)


def generate(out: Path, firms: int, links_per_firm: int = 5, seed: int = 15) -> tuple[Path, Path]:
    """Write firms.csv and links.jsonl under `out`; returns their paths."""
    rng = random.Random(seed)
    chain = chain_names()
    products = [f"合成产品{i:05d}" for i in range(max(100, firms // 20))]
    out.mkdir(parents=True, exist_ok=True)
    firms_path, links_path = out / "firms.csv", out / "links.jsonl"
    with (
        firms_path.open("w", encoding="utf-8", newline="") as firm_file,
        links_path.open("w", encoding="utf-8") as link_file,
    ):
        writer = csv.writer(firm_file)
        writer.writerow(("ts_code", "symbol", "name", "fullname", "enname", "area", "industry"))
        for i in range(firms):
            code = f"R{i:07d}.SY"
            short = "".join(rng.choice(WORDS) for _ in range(2)) + f"{i}"
            area = "云南" if rng.random() < 0.1 else rng.choice(AREAS)
            writer.writerow(
                (code, code[:8], short, f"{short}合成科技有限公司", "", area, rng.choice(SECTORS))
            )
            picked: set[str] = set()
            for _ in range(links_per_firm):
                product = rng.choice(chain) if rng.random() < 0.2 else rng.choice(products)
                if product in picked:
                    continue
                picked.add(product)
                row = {
                    "company_code": code,
                    "product_name": product,
                    "rel": "主营产品",
                    "rel_weight": round(rng.random(), 6),
                }
                link_file.write(json.dumps(row, ensure_ascii=False) + "\n")
    return firms_path, links_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--firms", default="10k", help="how many firms: 2500, 100k, 1m (default 10k)")
    parser.add_argument("--links-per-firm", type=int, default=5)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("-o", "--out", type=Path, required=True, help="folder for firms.csv and links.jsonl")
    args = parser.parse_args(argv)
    firms_path, links_path = generate(args.out, size(args.firms), args.links_per_firm, args.seed)
    print(f"wrote {firms_path} and {links_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
