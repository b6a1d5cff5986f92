"""Answers the analysis commands keep beside the store, so that a question asked again while
the store stays as it was is answered at once: on a register of a million firms, `chainkg gaps`
reads an industry of about a hundred thousand firms (seconds); asked again, it prints what it
kept, the same bytes as when it computed them.

An answer is kept for the stamp of the industries' views it was computed from
(`GraphStore.views_version`, `keep_answer`), so any write that could change it ends it, whichever
process writes; the project library's writes and users' sign-ins leave it. Only answers computed
from industries' views (`store.graph(industry)`) and the nodes such a view holds may be kept
this way. Its key names the question (command, industry and
options) and a fingerprint of what computes the answer (the analyses and their rules, the
store's reads, the presented shapes), so a changed rule or a new release never finds an answer
of the old one. The embedded store keeps answers in a file beside its own (`<store>-answers`);
a shared Neo4j server keeps none.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import analysis
import api
import graph
from graph.store import GraphStore

Question = tuple[str | int | tuple[str, ...] | None, ...]


def fingerprint_files() -> list[Path]:
    """What an answer comes from: the `analysis` and `graph` packages' files (rules.yaml among
    them), the presented shapes and this module, in a fixed order."""
    here = Path(__file__).parent
    found = [
        *(p for package in (analysis, graph) for p in Path(package.__file__ or "").parent.rglob("*")),
        here / "present.py",
        here / "answers.py",
    ]
    return sorted(f for f in found if f.suffix in {".py", ".yaml"} and f.is_file())


def digest(files: list[Path]) -> str:
    """A digest of `files`' names and bytes."""
    summed = hashlib.sha256()
    for path in files:
        summed.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return summed.hexdigest()


@cache
def fingerprint() -> str:
    """The digest of `fingerprint_files`, once a process."""
    return digest(fingerprint_files())


def answer_key(question: Question) -> str:
    return hashlib.sha256(json.dumps([fingerprint(), *question], ensure_ascii=False).encode()).hexdigest()


def answered(store: GraphStore, question: Question, compute: Callable[[], Any]) -> Any:
    """The JSON answer to `question`, one computed from industries' views: the one `store` kept
    for its views' current stamp, else `compute()`'s, kept for the next time. Either way it has
    been through JSON, so a kept answer and a computed one print alike."""
    stamp = store.views_version()  # read before computing: never kept as newer than its data
    key = answer_key(question)
    kept = store.kept_answer(key, stamp)
    if kept is not None:
        try:
            return json.loads(kept)
        except ValueError:  # not what was kept (the file edited or damaged): computed again
            pass
    if api.ONE_COMMAND:
        # the process ends once the answer is printed: the cyclic collector's passes over the
        # objects of the view and the analysis would find nothing to free (0.05-0.07 s of a
        # question at a million firms)
        gc.disable()
    text = json.dumps(compute(), ensure_ascii=False, default=str)
    store.keep_answer(key, stamp, text)
    return json.loads(text)
