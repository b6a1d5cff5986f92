#!/usr/bin/env python3
"""Benchmark (not a test): chainkg on a province-sized enterprise register.

For each size, a fresh embedded store gets the bundled data (`chainkg build`), then a synthetic
register from scripts/gen_register.py (`import ashare-basic` for the firms, `import chain-table`
for their links), then one industry's `gaps`, `recommend`, `leaders` and `scenario`, and the
industry's `recommend` for one prefecture (`recommend prefecture`: 保山, whose gaps the synthetic firms leave open: at
1M the province has none, so its lists are empty), each twice: first computed from the store,
then asked again (`again`), answered with what the first kept in the store for its version
(api/answers.py). A recommend step prints how many rows its two lists hold. Every step
is the real command in its own process, timed (wall clock, and the CPU seconds it used: the
fairer figure on a machine shared with other work), with its peak memory (the process's max RSS).
Each figure is also printed as a ratio to the same step on the bundled data alone, measured in
the same run (for the two imports, the ratio is to building the bundled data).

    python scripts/bench_scale.py                       # 2k firms: a quick check
    python scripts/bench_scale.py --sizes 100k,300k,1m  # the figures in the README
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from gen_register import generate, size  # noqa: E402

INDUSTRY = "green-silicon"
LANDING = "longi"  # a firm of the bundled data outside Yunnan, on the green-silicon chain
MAPPING = ROOT / "data/mappings/ashare_chain_companies.yaml"
PREFECTURE = "保山"
ANALYSES = ("gaps", "recommend", "leaders", "scenario", "recommend prefecture")
STEPS = (
    "build",
    "import firms",
    "import links",
    *(f"{a}{again}" for a in ANALYSES for again in ("", " again")),
)


@dataclass(frozen=True)
class Figure:
    seconds: float
    peak_mb: float
    ok: bool
    cpu: float = 0.0  # user + system seconds of the process
    rows: tuple[int, int] | None = None  # a recommend step's rows: 增资扩产, 新引进

    def text(self) -> str:
        return f"{self.seconds:.2f} s (cpu {self.cpu:.1f} s), {self.peak_mb:.0f} MB" + (
            "" if self.ok else " FAILED"
        )

    def lists(self) -> str:
        return "" if self.rows is None else f"  (lists {self.rows[0]} + {self.rows[1]} rows)"


def run(args: list[str], db: Path, timeout: float) -> Figure:
    """One `chainkg` command in its own process: wall time and peak RSS (from wait4); for a
    `recommend`, the rows of its lists (its JSON goes to a file beside the store)."""
    env = {**os.environ, "CHAINKG_DB": str(db), "CHAINKG_BACKEND": "sqlite", "PYTHONPATH": str(ROOT)}
    printed = db.with_name(db.name + ".out")
    start = time.perf_counter()
    with printed.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "api", *args], env=env, stdout=out, stderr=subprocess.PIPE
        )
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    ok = proc.returncode == 0
    if not ok and proc.stderr is not None:
        print(
            f"  {' '.join(args)}: exit {proc.returncode}: {proc.stderr.read().decode()[-300:]}",
            file=sys.stderr,
        )
    rows = None
    if ok and args[0] == "recommend":
        lists = json.loads(printed.read_text(encoding="utf-8"))
        rows = (len(lists["expand"]), len(lists["new"]))
    printed.unlink()
    return Figure(seconds, usage.ru_maxrss / 1024, ok, usage.ru_utime + usage.ru_stime, rows)


def measure(folder: Path, firms: int, timeout: float) -> dict[str, Figure]:
    """Every step on a fresh store with `firms` synthetic firms (0: the bundled data alone)."""
    db = folder / f"bench-{firms}.db"
    figures = {"build": run(["build"], db, timeout)}
    if firms:
        firms_csv, links = generate(folder / f"register-{firms}", firms)
        figures["import firms"] = run(["import", "ashare-basic", str(firms_csv)], db, timeout)
        figures["import links"] = run(
            ["import", "chain-table", str(links), "--mapping", str(MAPPING)], db, timeout
        )
    for step, args in (
        ("gaps", ["gaps", INDUSTRY, "--json"]),
        ("recommend", ["recommend", INDUSTRY, "--json"]),
        ("leaders", ["leaders", INDUSTRY, "--json"]),
        ("scenario", ["scenario", INDUSTRY, "--add", LANDING, "--json"]),
        ("recommend prefecture", ["recommend", INDUSTRY, "--prefecture", PREFECTURE, "--json"]),
    ):
        figures[step] = run(args, db, timeout)
        figures[f"{step} again"] = run(args, db, timeout)
    store_mb = db.stat().st_size / 2**20
    db.unlink()
    for extra in (db.with_name(db.name + suffix) for suffix in ("-wal", "-shm", "-answers")):
        extra.unlink(missing_ok=True)
    figures["store"] = Figure(0.0, store_mb, True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="2k", help="comma-separated firm counts: 100k,300k,1m (default 2k)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a step is stopped")
    parser.add_argument("--dir", type=Path, default=None, help="where the stores and registers go")
    args = parser.parse_args(argv)
    sizes = [size(s) for s in args.sizes.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        base = measure(Path(tmp), 0, args.timeout)
        print(f"bundled data: store {base['store'].peak_mb:.0f} MB; load {os.getloadavg()[0]:.1f}")
        for step in STEPS:
            if step in base:
                print(f"  {step:<26} {base[step].text()}{base[step].lists()}")
        for firms in sizes:
            figures = measure(Path(tmp), firms, args.timeout)
            print(
                f"{firms:,} firms (load {os.getloadavg()[0]:.1f}): store {figures['store'].peak_mb:.0f} MB (x{figures['store'].peak_mb / base['store'].peak_mb:.0f})"
            )
            for step in STEPS:
                ref = base["build"] if step.startswith("import") else base[step]
                fig = figures[step]
                print(
                    f"  {step:<26} {fig.text():<36} x{fig.seconds / ref.seconds:6.1f} time, "
                    f"x{fig.peak_mb / ref.peak_mb:5.1f} memory{fig.lists()}"
                )
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
