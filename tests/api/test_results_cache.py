"""The server's kept answers: two apps on one store file (two processes' worth of connections and
caches) never serve an answer older than the store, and a kept answer is the route's own."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.models import GapsPublic, TargetListsPublic
from api.services import CoalescedRead, ResultCache, assess
from graph.errors import StoreError
from graph.settings import Settings
from graph.sqlite_store import SqliteStore
from graph.store import ChangeSet, Edge, Node
from tests.api.conftest import client_on
from tests.canonical import SRC, canonical_changes
from tests.conftest import NEO4J_URI_ENV, neo4j_store_or_skip


def state(client: TestClient) -> Any:
    """The app's state (its store and kept answers)."""
    return client.app.state  # type: ignore[attr-defined]


def leader_on_b() -> ChangeSet:
    """A Kunming leader on chain node b (missing before: strong after, leader weight 3)."""
    return ChangeSet(
        nodes=(Node("y4", "Enterprise", {"name": "新链主", **SRC}),),
        edges=(
            Edge("y4", "HAS_SITE", "530100", props={"kind": "hq", **SRC}),
            Edge("y4", "OPERATES_IN", "b", props={"role": "leader", **SRC}),
        ),
    )


def statuses(body: dict) -> dict[str, str]:
    return {n["id"]: n["status"] for n in body["nodes"]}


def written_elsewhere(db: Path, changes: ChangeSet) -> None:
    """`changes` written through a store of its own on the file, as another process would."""
    other = SqliteStore(db)
    try:
        other.apply(changes)
    finally:
        other.close()


def test_a_write_through_one_app_is_seen_by_the_other_on_its_next_request(canonical_copy: Path):
    db = canonical_copy
    with client_on(db) as first, client_on(db) as second:
        for client in (first, second):  # both compute and keep the answers
            assert statuses(client.get("/api/industries/demo/gaps").json())["b"] == "missing"
            assert "中间品" in client.get("/industries/demo").text
        kept = state(first).results
        assert kept.assessment("demo") is kept.assessment("demo")  # kept between requests

        state(first).store.apply(leader_on_b())  # through the first app's store (its own connection)
        for client in (second, first):
            gaps = client.get("/api/industries/demo/gaps").json()
            assert statuses(gaps)["b"] == "strong"  # leader weight 3: strong
            assert gaps["counts"]["missing"] == 3  # d, e and x (b, d, e, x before)
            page = client.get("/industries/demo").text
            assert "新链主" in page
        assert second.get("/api/industries").json()[0]["counts"]["strong"] == 2  # a and b


def test_a_write_from_another_process_is_seen(canonical_copy: Path):
    """A store opened apart from the app (as `chainkg import` would) bumps the same version."""
    db = canonical_copy
    with client_on(db) as client:
        before = client.get("/api/industries/demo/recommendations?top=3").json()
        other = SqliteStore(db)
        try:
            version = other.version()
            other.upsert_nodes([Node("n1", "Enterprise", {**other.get_node("n1").props, "name": "改名集团"})])  # type: ignore[union-attr]
            assert other.version() == version + 1
        finally:
            other.close()
        after = client.get("/api/industries/demo/recommendations?top=3").json()
        names = [r["name"] for lst in after.values() for r in lst]
        assert "改名集团" in names and names != [r["name"] for lst in before.values() for r in lst]


def test_kept_bodies_are_what_the_route_would_send(bundled_db: Path):
    with client_on(bundled_db) as client:
        store = state(client).store
        for industry in ("green-silicon", "tobacco", "biomedicine"):
            for _ in range(2):  # computed, then served from what was kept
                got = client.get(f"/api/industries/{industry}/gaps").json()
                assert got == GapsPublic.model_validate(assess(store, industry).gaps_json()).model_dump(
                    mode="json"
                )
                got = client.get(f"/api/industries/{industry}/recommendations?prefecture=530300").json()
                want = assess(store, industry, "530300").recommendations()
                assert got == TargetListsPublic.model_validate(want).model_dump(mode="json")


def test_an_answer_computed_while_the_store_moved_is_not_kept(canonical_copy: Path):
    db = canonical_copy
    store = SqliteStore(db)
    try:
        kept = ResultCache(store)
        calls: list[int] = []

        def counted_during_a_write() -> int:
            calls.append(1)
            if len(calls) == 1:  # another connection commits while the first answer is computed
                written_elsewhere(
                    db, ChangeSet(nodes=(Node("late", "Enterprise", {"name": "迟到公司", **SRC}),))
                )
            return len(store.find_nodes("Enterprise"))

        first = kept.once("firms", counted_during_a_write)
        second = kept.once("firms", counted_during_a_write)
        assert (first, second, len(calls)) == (second, second, 2)  # the first was not kept
        assert kept.once("firms", counted_during_a_write) == second and len(calls) == 2  # the second was
        store.upsert_nodes(
            [Node("later", "Enterprise", {"name": "更晚公司", **SRC})]
        )  # the store's own write
        assert kept.once("firms", counted_during_a_write) == second + 1 and len(calls) == 3
        kept.close()
    finally:
        store.close()


def test_a_serving_cache_hides_what_it_keeps_from_the_collector_until_the_store_moves(canonical_copy: Path):
    db = canonical_copy
    store = SqliteStore(db)
    kept = ResultCache(store, settle_gc=True)
    gc.unfreeze()
    try:
        answer = {"firms": [object()]}
        assert kept.once("firms", lambda: answer) is answer and gc.get_freeze_count() > 0
        frozen = gc.get_freeze_count()
        assert kept.once("firms", lambda: pytest.fail("kept")) is answer  # no new answer: no freeze
        assert gc.get_freeze_count() == frozen
        store.upsert_nodes([Node("later", "Enterprise", {"name": "更晚公司", **SRC})])
        assert kept.once("other", lambda: 2) == 2  # the version moved: unfrozen, then the new one frozen
        assert 0 < gc.get_freeze_count() and kept.once("firms", lambda: 3) == 3
        unsettled = ResultCache(store)  # not serving (a command, a test): the collector is left alone
        gc.unfreeze()
        unsettled.once("x", lambda: 1)
        assert gc.get_freeze_count() == 0
        unsettled.close()
    finally:
        gc.unfreeze()
        kept.close()
        store.close()


def test_a_kept_response_is_the_routes_own_and_passes_this_requests_checks(canonical_copy: Path):
    db = canonical_copy
    with client_on(db) as client:
        results = state(client).results
        first = client.get("/industries/demo")
        assert results.kept(("response", "/industries/demo", b"", ""))[0]  # the whole response kept
        again = client.get("/industries/demo")
        assert (again.status_code, again.content) == (200, first.content)
        assert again.headers["x-frame-options"] == "DENY" and "cache-control" not in again.headers
        signed_in = client.get("/industries/demo", headers={"cookie": "chainkg_session=x.y"})
        assert signed_in.content == first.content and signed_in.headers["cache-control"] == "no-store"
        english = client.get("/industries/demo", headers={"cookie": "chainkg_lang=en"})
        assert "Completeness" in english.text and "Completeness" not in first.text  # kept per language
        assert client.get("/industries/demo", headers={"host": "attacker.example"}).status_code == 400
        assert client.get("/industries/nosuch").status_code == 404
        assert not results.kept(("response", "/industries/nosuch", b"", ""))[0]  # errors are not kept
        gaps = client.get("/api/industries/demo/gaps?prefecture=530100")
        assert results.kept(("response", "/api/industries/demo/gaps", b"prefecture=530100", ""))[0]
        assert client.get("/api/industries/demo/gaps?prefecture=530100").json() == gaps.json()
        assert client.get("/api/industries/demo/gaps").json() != gaps.json()  # Yunnan, not Kunming


def test_a_coalesced_read_answers_everyone_who_waited_with_a_read_begun_after_they_arrived():
    reads: list[int] = []
    gate = threading.Event()

    def read() -> int:
        gate.wait(5)  # the first read is held until the others have arrived
        reads.append(len(reads) + 1)
        return reads[-1]

    async def scenario() -> list[object]:
        coalesced = CoalescedRead(read)
        first = asyncio.ensure_future(coalesced())
        await asyncio.sleep(0.05)  # the first read is running
        later = [asyncio.ensure_future(coalesced()) for _ in range(5)]
        await asyncio.sleep(0.05)
        gate.set()
        answers = await asyncio.gather(first, *later)
        return [*answers, await coalesced()]  # alone again: a read of its own

    assert asyncio.run(scenario()) == [1, 2, 2, 2, 2, 2, 3]
    assert reads == [1, 2, 3]  # seven callers, three reads


def test_a_coalesced_async_read_runs_on_the_loop_and_coalesces_the_same_way():
    reads: list[int] = []

    async def read_async() -> int:
        await asyncio.sleep(0.05)  # a round trip: the others arrive meanwhile
        reads.append(len(reads) + 1)
        return reads[-1]

    async def scenario() -> list[object]:
        coalesced = CoalescedRead(lambda: pytest.fail("the thread read is not used"), read_async=read_async)
        first = asyncio.ensure_future(coalesced())
        await asyncio.sleep(0.01)
        later = [asyncio.ensure_future(coalesced()) for _ in range(4)]
        return list(await asyncio.gather(first, *later))

    assert asyncio.run(scenario()) == [1, 2, 2, 2, 2]
    assert reads == [1, 2]


def test_the_neo4j_version_read_on_the_event_loop_follows_writes():
    store = neo4j_store_or_skip()  # cleared

    async def before_and_after() -> tuple[int, int]:
        before = await store.version_async()
        store.apply(canonical_changes())
        after = await store.version_async()
        await store.aclose()
        return before, after

    try:
        before, after = asyncio.run(before_and_after())
        assert after == store.version() and after > before
    finally:
        store.clear()
        store.close()


def test_the_neo4j_async_client_is_closed_when_its_event_loop_ends_or_another_loop_reads():
    store = neo4j_store_or_skip()  # cleared
    try:
        first = asyncio.run(store.version_async())
        assert store._async is not None
        ended = store._async[1]
        assert ended._closed  # asyncio.run closed the loop's async generators, so the driver
        idle = asyncio.new_event_loop()
        try:
            assert idle.run_until_complete(store.version_async()) == first
            assert store._async is not None
            left = store._async[1]
            assert asyncio.run(store.version_async()) == first  # another loop: left's close is queued
            assert not left._closed
            idle.run_until_complete(asyncio.sleep(0.05))  # its own loop runs it
            assert left._closed
        finally:
            idle.close()
    finally:
        store.clear()
        store.close()


def test_served_from_neo4j_a_write_by_another_connection_is_seen_on_the_next_request(tmp_path: Path):
    writer = neo4j_store_or_skip()  # cleared
    try:
        writer.apply(canonical_changes())
        settings = Settings(
            CHAINKG_BACKEND="neo4j",
            CHAINKG_DB=tmp_path / "kg.db",  # where the session secret is kept
            NEO4J_URI=os.environ[NEO4J_URI_ENV],
            NEO4J_PASSWORD=os.environ.get("NEO4J_PASSWORD", "unused-password"),
        )
        with TestClient(create_app(settings)) as client:
            for _ in range(2):  # computed, then kept
                assert statuses(client.get("/api/industries/demo/gaps").json())["b"] == "missing"
            writer.apply(leader_on_b())
            assert statuses(client.get("/api/industries/demo/gaps").json())["b"] == "strong"
            assert client.get("/health").json()["backend"] == "neo4j"
    finally:
        writer.clear()
        writer.close()


def test_a_store_that_cannot_say_its_version_is_a_503_not_a_crash(canonical_copy: Path):
    db = canonical_copy
    with client_on(db) as client:
        assert client.get("/api/industries/demo/gaps").status_code == 200  # kept

        def gone() -> object:
            raise StoreError("cannot reach the store")

        state(client).results._probe = gone
        answer = client.get("/api/industries/demo/gaps")
        assert (answer.status_code, answer.json()["code"]) == (503, "store_unavailable")
        page = client.get("/industries/demo", headers={"accept": "text/html"})
        assert page.status_code == 503 and "cannot reach the store" in page.text
        assert page.headers["x-frame-options"] == "DENY"


def test_the_assessments_stay_through_a_write_that_leaves_the_views_and_go_with_one_that_does(store):
    """A project saved (or a user signing out) keeps an industry's computed gaps; the other kept
    answers (pages, responses) go with every write; a firm's new link drops the assessments."""
    store.apply(canonical_changes())
    kept = ResultCache(store)
    try:
        first = kept.assessment("demo")
        assert statuses(first.gaps_json())["b"] == "missing"
        assert kept.once("a page", lambda: "before") == "before"
        store.upsert_nodes([Node("p1", "Project", {"name": "某项目", **SRC})])
        assert kept.assessment("demo") is first  # its gaps are not computed again
        assert kept.once("a page", lambda: "after") == "after"
        store.apply(leader_on_b())
        again = kept.assessment("demo")
        assert again is not first
        assert statuses(again.gaps_json())["b"] == "strong"  # the Kunming leader: weight 3
    finally:
        kept.close()


def test_a_served_industry_keeps_its_answers_through_a_project_written_by_another_process(
    canonical_copy: Path,
):
    db = canonical_copy
    with client_on(db) as client:
        before = client.get("/api/industries/demo/gaps").json()
        assessment = state(client).results.assessment("demo")
        written_elsewhere(db, ChangeSet(nodes=(Node("p1", "Project", {"name": "某项目", **SRC}),)))
        assert client.get("/api/industries/demo/gaps").json() == before
        assert state(client).results.assessment("demo") is assessment
        written_elsewhere(db, leader_on_b())
        assert statuses(client.get("/api/industries/demo/gaps").json())["b"] == "strong"
        assert state(client).results.assessment("demo") is not assessment
