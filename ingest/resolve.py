"""Entity resolution: which enterprise already in the graph a row of a published list names.

Every match says how it was made and how sure it is:
- `code`: the same stock code (`600000` and `600000.SH` are one code) -> high
- `exact`: the same Chinese or English name -> high
- `alias`: a recorded alias, former name or list name (data/aliases/) -> high
- `normalised`: equal once bracket width, spacing, case and legal-form suffixes
  (有限公司, 股份有限公司, Co., Ltd. ...) are ignored, and only one firm fits -> medium
- `uncertain`: equal only once 集团/控股/Group/Holdings are dropped too, or several firms fit:
  reported for review and never merged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from graph.store import Node

LEGAL_SUFFIXES_ZH = ("股份有限公司", "有限责任公司", "股份公司", "有限公司", "公司")
GROUP_WORDS_ZH = ("控股集团", "集团", "控股")
LEGAL_SUFFIXES_EN = (
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "plc",
    "ag",
    "se",
    "sa",
    "nv",
    "llc",
    "the",
)
GROUP_WORDS_EN = ("group", "holding", "holdings")
_WORDS_EN = re.compile(r"[a-z0-9]+")
_A_SHARE = re.compile(r"(?:SH|SZ|BJ)?(\d{6})(?:\.(?:SH|SZ|BJ))?")
_MARKETS = frozenset(("SH", "SZ", "BJ"))  # the prefixes _A_SHARE allows


def fold(text: str) -> str:
    """Full-width to half-width, brackets unified, whitespace removed, case folded.

    >>> fold("阿里巴巴（中国） 有限公司")
    '阿里巴巴(中国)有限公司'
    """
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    return "".join(text.split()).casefold()  # str.split's whitespace is re's \s


_folded = lru_cache(maxsize=4096)(fold)  # a row's names are folded for several tables in turn


def normalise_zh(name: str, *, drop_group: bool = False) -> str:
    """A Chinese firm name without its legal-form suffix (and, with `drop_group`, 集团/控股).

    >>> normalise_zh("云南铝业股份有限公司")
    '云南铝业'
    >>> normalise_zh("中国铝业集团有限公司"), normalise_zh("中国铝业集团有限公司", drop_group=True)
    ('中国铝业集团', '中国铝业')
    """
    text = _folded(name)
    suffixes = LEGAL_SUFFIXES_ZH + (GROUP_WORDS_ZH if drop_group else ())
    changed = True
    while changed and text.endswith(suffixes):  # most passes end here: no suffix left
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                changed = True
    return text


def normalise_en(name: str, *, drop_group: bool = False) -> str:
    """An English firm name in lower case, without punctuation and legal-form words.

    >>> normalise_en("Aluminum Corp. of China"), normalise_en("ALUMINUM CORPORATION OF CHINA LTD")
    ('aluminumofchina', 'aluminumofchina')
    """
    words = _WORDS_EN.findall(unicodedata.normalize("NFKC", name or "").casefold().replace("&", " and "))
    dropped = set(LEGAL_SUFFIXES_EN) | (set(GROUP_WORDS_EN) if drop_group else set())
    return "".join(w for w in words if w not in dropped)


_CJK = re.compile("[\u4e00-\u9fff]")


def is_chinese(text: str) -> bool:
    """Whether `text` holds a CJK ideograph (most Chinese firm names start with one: no search).

    >>> [is_chinese(t) for t in ("云南铝业", "A股中铝", "Chalco", "")]
    [True, True, False, False]
    """
    return "\u4e00" <= text[:1] <= "\u9fff" or _CJK.search(text) is not None


@lru_cache(maxsize=262_144)  # an import resolves the same product and firm names many times
def normalise(name: str, *, drop_group: bool = False) -> str:
    return (
        normalise_zh(name, drop_group=drop_group)
        if is_chinese(name)
        else normalise_en(name, drop_group=drop_group)
    )


def stock_key(code: str) -> str:
    """The six digits that identify an A-share (`600000.SH`, `sh600000` and `600000` agree);
    other markets keep their code.

    >>> stock_key("600000.SH"), stock_key("600000"), stock_key("0700.HK")
    ('600000', '600000', '0700.HK')
    """
    code = (code or "").strip().upper()
    if not (code[:1].isdigit() or code[:2] in _MARKETS):  # isdigit holds for every digit \d matches
        return code
    digits = _A_SHARE.fullmatch(code)
    return digits.group(1) if digits else code


@dataclass(frozen=True)
class Match:
    """The answer for one name: the enterprise (None when new), how, and how sure."""

    enterprise_id: str | None
    method: str
    confidence: str
    candidates: tuple[str, ...] = ()

    def __reduce__(self) -> str | tuple[Any, ...]:
        # sent by a reading process a row at a time: the common answer as a reference to NEW
        if self is NEW:
            return "NEW"
        return (Match, (self.enterprise_id, self.method, self.confidence, self.candidates))

    @property
    def merges(self) -> bool:
        """Whether the row may be merged into `enterprise_id` without a person's review."""
        return self.enterprise_id is not None and self.method != "uncertain"


NEW = Match(None, "new", "high")  # a firm no table holds (one shared, immutable answer)


@dataclass
class EnterpriseIndex:
    """Look-up tables over the enterprises in the graph (and recorded aliases). The stock-code
    tables are built at once; the name tables only when a row first needs a name looked up
    (rows that all match by stock code never pay for normalising every stored name)."""

    exact: dict[str, set[str]] = field(default_factory=dict)
    alias: dict[str, set[str]] = field(default_factory=dict)
    normalised: dict[str, set[str]] = field(default_factory=dict)
    loose: dict[str, set[str]] = field(default_factory=dict)
    codes: dict[str, set[str]] = field(default_factory=dict)
    code_of: dict[str, str] = field(default_factory=dict)
    # the first two characters of every normalised and loose key: a Chinese name whose folded
    # form starts otherwise can be in neither table (its keys are prefixes of the folded name)
    _starts: set[str] = field(default_factory=set)
    _unnamed: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # names not yet indexed

    @classmethod
    def build(
        cls, enterprises: Iterable[Node], aliases: Mapping[str, Iterable[str]] | None = None
    ) -> EnterpriseIndex:
        index = cls()
        for node in enterprises:
            index.add(node.id, node.props, extra_aliases=(aliases or {}).get(node.id, ()))
        return index

    def add(self, enterprise_id: str, props: Mapping[str, object], extra_aliases: Iterable[str] = ()) -> None:
        names = [str(props.get("name") or ""), str(props.get("name_en") or "")]
        aliases = [str(a) for a in props.get("aliases") or ()]  # type: ignore[attr-defined]
        aliases += [str(a) for a in extra_aliases]
        self._unnamed.append((enterprise_id, names, aliases))
        self.add_code(enterprise_id, props)

    def add_code(self, enterprise_id: str, props: Mapping[str, object]) -> None:
        """Index the enterprise's stock code alone (`add` does it with the names)."""
        code = str(props.get("stock_code") or "")
        if code:
            key = stock_key(code)
            self.codes.setdefault(key, set()).add(enterprise_id)
            self.code_of[enterprise_id] = key

    def _index_names(self) -> None:
        """Fold and normalise the names added since the last look-up by name."""
        for enterprise_id, names, aliases in self._unnamed:
            self._add_names(enterprise_id, names, aliases)
        self._unnamed.clear()

    def _add_names(self, enterprise_id: str, names: list[str], aliases: list[str]) -> None:
        for name in names:
            if name:
                self.exact.setdefault(fold(name), set()).add(enterprise_id)
        for name in aliases:
            if name:
                self.alias.setdefault(fold(name), set()).add(enterprise_id)
        for name in names + aliases:
            if name:
                for table, key in (
                    (self.normalised, normalise(name)),
                    (self.loose, normalise(name, drop_group=True)),
                ):
                    table.setdefault(key, set()).add(enterprise_id)
                    self._starts.add(key[:2])

    def _surely_new(self, names: list[str]) -> bool:
        """Whether no table can hold any of `names` (Chinese names only; others are looked up):
        a register's new firms need no normalising. A Chinese name's normalised and loose keys
        are its folded form less suffixes, never shorter than two characters (or the whole)."""
        for name in names:
            if not is_chinese(name):
                return False
            folded = _folded(name)
            if folded in self.exact or folded in self.alias or folded[:2] in self._starts:
                return False
        return True

    def match(self, name: str, *, code: str | None = None, names: Iterable[str] = ()) -> Match:
        """Resolve one row by its stock code, its name and any other names it gives.

        A firm listed under another stock code is never the row's firm, whatever the names say
        (东风股份 was the short name of two different listed companies).
        """
        key = stock_key(code) if code else ""
        if key:
            found = self.codes.get(key)
            if found is not None and len(found) == 1:
                return Match(next(iter(found)), "code", "high")
        all_names = [n for n in (name, *names) if n]
        if not all_names:
            return NEW
        if self._unnamed:
            self._index_names()
        if self._surely_new(all_names):
            return NEW

        def lookup(
            table: dict[str, set[str]], normaliser: Callable[[str], str], texts: list[str]
        ) -> set[str]:
            hits: set[str] = set()
            for text in texts:
                found = table.get(normaliser(text))
                if found:
                    hits |= found
            if key and hits:
                return {h for h in hits if self.code_of.get(h, key) == key}
            return hits

        # A listed row whose name only matches an unlisted firm (a short name shared with its
        # parent group: 中国石化 is both 中国石化集团 and the listed 中国石油化工股份) is not merged
        # unless its full registered name is that firm's name.
        full_name_hits = lookup(self.exact, _folded, [name]) if name else set()

        def unsure(hits: set[str]) -> bool:
            return bool(key) and any(h not in self.code_of and h not in full_name_hits for h in hits)

        for table, method, confidence, normaliser in (
            (self.exact, "exact", "high", _folded),
            (self.alias, "alias", "high", _folded),
            (self.normalised, "normalised", "medium", normalise),
        ):
            hits = lookup(table, normaliser, all_names)
            if len(hits) == 1 and not unsure(hits):
                return Match(next(iter(hits)), method, confidence)
            if hits:
                return Match(None, "uncertain", "low", tuple(sorted(hits)))
        loose = lookup(self.loose, lambda n: normalise(n, drop_group=True), all_names)
        if loose:
            return Match(None, "uncertain", "low", tuple(sorted(loose)))
        return NEW
