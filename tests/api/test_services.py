"""The services compute each use case once per request: the industry page assesses its chain's
gaps once (and once more for the province-wide headquarters targets when a prefecture is chosen)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

import analysis.gaps
from tests.canonical import INDUSTRY


def count_chain_gaps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str | None]]:
    """Replace `chain_gaps` in every module that imported it by a wrapper that records its calls."""
    calls: list[tuple[str, str | None]] = []
    real: Callable[..., Any] = analysis.gaps.chain_gaps

    def counted(view: Any, industry: str, *args: Any, **kwargs: Any) -> Any:
        calls.append((industry, kwargs.get("prefecture")))
        return real(view, industry, *args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("analysis", "api") and getattr(module, "chain_gaps", None) is real:
            monkeypatch.setattr(module, "chain_gaps", counted)
    return calls


def test_the_industry_page_assesses_the_chain_once(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    calls = count_chain_gaps(monkeypatch)
    response = client.get(f"/industries/{INDUSTRY}")
    assert response.status_code == 200
    assert calls == [(INDUSTRY, None)]


def test_with_a_prefecture_each_scope_is_assessed_once(client: TestClient, monkeypatch: pytest.MonkeyPatch):
    calls = count_chain_gaps(monkeypatch)
    response = client.get(f"/industries/{INDUSTRY}", params={"prefecture": "530300"})
    assert response.status_code == 200
    assert sorted(calls, key=str) == sorted([(INDUSTRY, "530300"), (INDUSTRY, None)], key=str)
