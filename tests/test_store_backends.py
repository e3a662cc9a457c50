"""The store's behaviour, the same against both backends: SQLite in tmp_path and PostgreSQL in a
fresh database on the real local server (the `store` fixture in conftest.py; never a mock)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer import summarize
from summarizer.brief.models import Brief, CallRecord, SourceMeta, Usage
from summarizer.errors import StoreError, StoreLocked
from summarizer.store import (
    MIGRATIONS,
    BriefKey,
    SQLiteStore,
    canonical_url,
    migrate,
    open_store,
    run_lock,
)
from summarizer.store.postgres import PG_MIGRATIONS, PostgresStore, pg_migrate, safe_url
from summarizer.store.sql import psycopg_style
from summarizer.testing.server import synthetic_article


@pytest.fixture(scope="module")
def brief() -> Brief:
    return summarize(synthetic_article(1), engine="offline")


def _id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def key(article_id: str, model: str = "m") -> BriefKey:
    return BriefKey(article_id, "llm", model, "p1", "s1")


def call(outcome: str = "ok", cost: float | None = 0.001, **kw: Any) -> CallRecord:
    return CallRecord(
        model="gpt-x",
        attempt=kw.pop("attempt", 1),
        outcome=outcome,
        latency_s=kw.pop("latency_s", 0.5),
        usage=Usage(prompt_tokens=kw.pop("prompt", 100), completion_tokens=kw.pop("done", 20)),
        cost_usd=cost,
        **kw,
    )


# --- one interface, two backends ------------------------------------------------------------


def test_the_fixture_gives_each_backend(store: Any) -> None:
    assert isinstance(store, SQLiteStore | PostgresStore)
    assert store.integrity_ok()
    assert store.article_count() == 0 and store.brief_count() == 0


def test_an_article_is_stored_once_by_its_text(store: Any) -> None:
    meta = SourceMeta(url="https://Example.com/a/?utm_source=x#top", title="A")
    first = store.add_article("Some text.", "feed entry", meta)
    again = store.add_article("Some text.", "another source", meta)
    assert first == again == _id("Some text.")
    assert store.article_count() == 1
    text, got = store.article(first)
    assert text == "Some text." and got.title == "A"
    assert store.article("0" * 64) is None


def test_a_page_with_new_text_keeps_both_and_the_url_points_at_the_newest(store: Any) -> None:
    meta = SourceMeta(url="https://example.com/story")
    old = store.add_article("First version.", "u", meta)
    new = store.add_article("Second version.", "u", meta)
    assert old != new and store.article_count() == 2
    assert {store.article(old)[0], store.article(new)[0]} == {"First version.", "Second version."}
    # Only the newest holds the canonical URL: storing the old text again does not steal it back
    # silently into a constraint error.
    store.add_article("First version.", "u", SourceMeta())
    assert canonical_url(meta.url) == "https://example.com/story"


def test_a_brief_is_found_by_its_whole_key_only(store: Any, brief: Brief) -> None:
    aid = store.add_article("Text one.", "s", SourceMeta())
    store.put_brief(key(aid), brief)
    assert store.get_brief(key(aid)) == brief
    assert store.get_brief(key(aid, model="other")) is None
    assert store.get_brief(BriefKey(aid, "llm", "m", "p2", "s1")) is None
    assert store.brief_by_article(aid[:10]) == brief
    assert store.brief_by_article("zz") is None


@pytest.mark.parametrize("prefix", ["%", "_", "%%", "_" * 10, "\\", "%0"])
def test_an_article_prefix_is_read_literally_on_both_backends(
    store: Any, brief: Brief, prefix: str
) -> None:
    # `summarizer show %` found the newest brief of any article on SQLite (its LIKE read the
    # prefix as a pattern) and nothing on PostgreSQL (escaped there).
    aid = store.add_article("Text for a literal prefix.", "s", SourceMeta())
    store.put_brief(key(aid), brief)
    assert store.brief_by_article(prefix) is None
    assert store.brief_by_article(aid[:8].upper()) == brief


def test_putting_a_brief_twice_keeps_one_row_the_newest(store: Any, brief: Brief) -> None:
    aid = store.add_article("Text two.", "s", SourceMeta())
    store.put_brief(key(aid), brief)
    changed = brief.model_copy(update={"title": "Changed title"})
    store.put_brief(key(aid), changed)
    assert store.brief_count() == 1
    got = store.get_brief(key(aid))
    assert got is not None and got.title == "Changed title"


def test_calls_written_before_they_are_sent_and_completed_after(store: Any) -> None:
    run = store.start_run({"sources": ["a"], "api_key": "sk-secretsecretsecret123456"})
    first = store.begin_call(run, "art", call("sent", cost=0.05))
    second = store.begin_call(run, "art", call("sent", cost=0.04))
    assert second > first
    store.end_call(first, call("ok", cost=0.01, status_code=200, latency_s=1.5))
    store.record_call(None, None, call("error", cost=None, error="HTTP 500"))
    rows = store.calls(run)
    assert [r["outcome"] for r in rows] == ["ok", "sent"]
    assert rows[0]["cost_usd"] == 0.01 and rows[0]["reserved_usd"] == 0.05
    assert rows[0]["latency_s"] == 1.5 and rows[0]["status_code"] == 200
    assert rows[1]["cost_usd"] == 0.04
    assert len(store.calls()) == 3
    assert store.calls()[-1]["error"] == "HTTP 500"
    # a secret-named argument never reaches the store
    assert "secret" not in store.runs()[0]["args_json"]


@pytest.mark.parametrize("chunk", [0, 2])
def test_a_call_kept_whole_keeps_its_part_of_a_split_article(store: Any, chunk: int) -> None:
    # `record_call` (a Batch API result) writes the chunk as `begin_call` does: SQLite used to
    # leave it at 0.
    store.record_call(None, "art", call("ok", chunk=chunk))
    store.begin_call(None, "art", call("sent", chunk=chunk))
    assert [r["chunk"] for r in store.calls()] == [chunk, chunk]


def test_batch_requests_are_named_found_and_collected(store: Any) -> None:
    a = store.begin_call(None, "a1", call("sent"))
    b = store.begin_call(None, "a2", call("sent"))
    store.name_batch([a, b], "batch_1")
    assert store.sent_batch_call("batch_1", "a2") == b
    assert store.sent_batch_call("batch_1", "a3") is None
    store.add_batch("batch_1", "gpt-x", "p1", ["a1", "a2"])
    store.add_batch("batch_2", "gpt-x", "p2", ["a9"])
    assert store.open_batches("gpt-x", "p1") == [("batch_1", ["a1", "a2"])]
    store.finish_batch("batch_1", "completed")
    assert store.open_batches("gpt-x", "p1") == []
    assert store.open_batches("gpt-x", "p2") == [("batch_2", ["a9"])]


def test_a_run_its_items_and_its_totals(store: Any) -> None:
    run = store.start_run({"sources": ["a", "b"]})
    store.record_item(run, "a", "id-a", "done")
    store.record_item(run, "b", None, "failed", "no such file")
    store.record_item(run, "b", None, "skipped", "cost cap")  # the last word on a source wins
    store.finish_run(run, "partial", {"articles": 2, "briefed": 1})
    found = store.run(run)
    assert found is not None
    row, items = found
    assert row["status"] == "partial" and row["finished_at"]
    assert json.loads(row["totals_json"]) == {"articles": 2, "briefed": 1}
    assert [(i["source"], i["status"], i["reason"]) for i in items] == [
        ("a", "done", None),
        ("b", "skipped", "cost cap"),
    ]
    assert store.run(run + 1000) is None


def test_runs_newest_first_and_killed_runs_marked_interrupted(store: Any) -> None:
    ids = [store.start_run({"n": i}) for i in range(3)]
    store.finish_run(ids[0], "ok", {})
    sent = store.begin_call(ids[1], "x", call("sent", cost=0.2))
    batched = store.begin_call(ids[1], "y", call("sent"), batch_id="b1")
    assert [r["id"] for r in store.runs(2)] == [ids[2], ids[1]]
    assert store.mark_interrupted() == 2
    assert [r["status"] for r in store.runs()] == ["interrupted", "interrupted", "ok"]
    outcome = {r["id"]: r["outcome"] for r in store.calls()}
    # a call in flight may have been billed: it counts, at its reserved cost; a Batch API
    # request is still collectable
    assert outcome == {sent: "interrupted", batched: "sent"}
    assert store.mark_interrupted() == 0


def test_a_brief_put_by_many_threads_at_once_is_one_row(store: Any, brief: Brief) -> None:
    aid = store.add_article("Raced text.", "s", SourceMeta())
    errors: list[BaseException] = []

    def put() -> None:
        try:
            for _ in range(5):
                store.put_brief(key(aid), brief)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and store.brief_count() == 1


@pytest.mark.parametrize(
    ("shared", "psycopg"),
    [
        ("SELECT id FROM t WHERE a = ? AND b = ?", "SELECT id FROM t WHERE a = %s AND b = %s"),
        ("UPDATE t SET a = :a WHERE id = :id", "UPDATE t SET a = %(a)s WHERE id = %(id)s"),
        ("SELECT x::text FROM t WHERE t.a = ?", "SELECT x::text FROM t WHERE t.a = %s"),
    ],
)
def test_a_shared_statement_in_psycopgs_style(shared: str, psycopg: str) -> None:
    assert psycopg_style(shared) == psycopg


def test_a_shared_statement_may_not_hold_a_literal_percent() -> None:
    with pytest.raises(ValueError, match="literal %"):
        psycopg_style("SELECT id FROM t WHERE a LIKE 'x%'")


def test_both_backends_carry_the_same_migrations() -> None:
    assert [f.__name__ for f in PG_MIGRATIONS] == [f.__name__ for f in MIGRATIONS]


def test_migrations_apply_once_on_each_backend(tmp_path: Path, pg_url: str) -> None:
    db = sqlite3.connect(tmp_path / "m.db")
    names = migrate(db)
    assert names == [f.__name__ for f in MIGRATIONS] and migrate(db) == []
    first = PostgresStore(pg_url)
    assert first.applied == names
    second = PostgresStore(pg_url)
    assert second.applied == []
    assert pg_migrate(second.db) == []
    rows = second.db.execute("SELECT name FROM _migrations ORDER BY name").fetchall()
    assert [r["name"] for r in rows] == sorted(names)
    first.close()
    second.close()


def test_workers_starting_together_migrate_once(pg_url: str) -> None:
    stores: list[PostgresStore] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            stores.append(PostgresStore(pg_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    applied = [s.applied for s in stores]
    assert sorted(map(len, applied)) == [0, 0, 0, len(PG_MIGRATIONS)]
    for s in stores:
        s.close()


# --- choosing a backend, locks and errors -------------------------------------------------------


def test_open_store_chooses_by_url(tmp_path: Path, pg_url: str) -> None:
    s = open_store(tmp_path / "x.db")
    assert isinstance(s, SQLiteStore)
    s.close()
    p = open_store(pg_url)
    assert isinstance(p, PostgresStore)
    p.close()
    s2 = open_store(str(tmp_path / "y.db"))
    assert isinstance(s2, SQLiteStore) and (tmp_path / "y.db").exists()
    s2.close()


def test_the_run_lock_is_an_advisory_lock_released_on_exit(pg_url: str) -> None:
    with (
        run_lock(pg_url),
        pytest.raises(StoreLocked, match="another digest run holds the lock"),
        run_lock(pg_url),
    ):
        pass
    with run_lock(pg_url):  # released on exit
        pass


def test_an_unreachable_server_is_one_error_without_the_password() -> None:
    url = "postgresql://u:hunter2@127.0.0.1:1/nodb"
    with pytest.raises(StoreError) as err:
        open_store(url)
    message = str(err.value)
    assert "hunter2" not in message and "127.0.0.1:1" in message and "cannot connect" in message
    assert safe_url(url) == "postgresql://u:***@127.0.0.1:1/nodb"


def test_history_and_show_read_a_postgres_store(pg_url: str, brief: Brief) -> None:
    from summarizer.cli import main

    store = open_store(pg_url)
    aid = store.add_article("Shown text.", "s", SourceMeta())
    store.put_brief(key(aid), brief)
    run = store.start_run({"sources": ["s"]})
    store.record_item(run, "s", aid, "done")
    store.finish_run(run, "ok", {"articles": 1, "briefed": 1, "cost_usd": 0.5})
    store.close()
    runner = CliRunner()
    out = runner.invoke(main, ["history", "--db", pg_url])
    assert out.exit_code == 0, out.output
    assert f"{run:>5}" in out.output and "ok" in out.output and "$0.5000" in out.output
    out = runner.invoke(main, ["show", str(run), "--db", pg_url])
    assert out.exit_code == 0 and "done     s" in out.output
    out = runner.invoke(main, ["show", aid[:12], "--db", pg_url, "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.output)["title"] == brief.title
    out = runner.invoke(main, ["history", "--db", "postgresql://u:pw@127.0.0.1:1/x"])
    assert out.exit_code == 2 and "pw" not in out.output


def _story(sid: str, updated: str, members: list[str], state: str) -> dict[str, Any]:
    return {
        "id": sid,
        "title": f"Story {sid}",
        "first_seen": "2026-01-01T00:00:00+00:00",
        "last_updated": updated,
        "fingerprint": f"fp-{sid}",
        "state_json": state,
        "members": members,
    }


def test_stories_are_saved_and_found_by_member_or_by_date(store: Any) -> None:
    run = store.start_run({})
    s1 = _story("s1", "2026-01-02T00:00:00+00:00", ["a1", "a2"], '{"id": "s1"}')
    s2 = _story("s2", "2026-03-01T00:00:00+00:00", ["b1"], '{"id": "s2"}')
    store.save_stories([s1, s2], run)
    assert store.earlier_stories(["a2"], "2026-06-01") == ['{"id": "s1"}']
    assert store.earlier_stories([], "2026-02-01") == ['{"id": "s2"}']
    assert store.earlier_stories(["a1", "zz"], "2026-02-01") == ['{"id": "s1"}', '{"id": "s2"}']
    # saved again: one row, its new state, its members added to the old ones
    store.save_stories([{**s1, "state_json": '{"id": "s1", "v": 2}', "members": ["a3"]}], run)
    for member in ("a1", "a3"):
        assert store.earlier_stories([member], "2099") == ['{"id": "s1", "v": 2}']


def test_recent_calls_newest_first_with_their_article(store: Any) -> None:
    aid = store.add_article("Called text.", "feed entry 1", SourceMeta(title="Called"))
    run = store.start_run({})
    store.record_call(run, aid, call("ok"))
    other = CallRecord(model="gpt-y", attempt=1, outcome="ok", latency_s=0.1)
    store.record_call(None, None, other)
    store.record_call(run, aid, call("rate_limited", attempt=2))
    rows = store.recent_calls()
    assert [r["outcome"] for r in rows] == ["rate_limited", "ok", "ok"]
    assert (rows[0]["source"], rows[0]["title"]) == ("feed entry 1", "Called")
    assert rows[1]["source"] is None  # a call with no article
    assert [r["model"] for r in store.recent_calls(model="gpt-y")] == ["gpt-y"]
    assert len(store.recent_calls(run_id=run)) == 2
    assert len(store.recent_calls(1)) == 1 and len(store.recent_calls(0)) == 3


def test_a_story_synthesis_is_kept_by_its_key(store: Any) -> None:
    assert store.get_synthesis("k1") is None
    store.put_synthesis("k1", "gpt-x", "s1", '{"a": 1}')
    store.put_synthesis("k1", "gpt-x", "s1", '{"a": 2}')
    assert store.get_synthesis("k1") == '{"a": 2}'


def test_a_second_digest_on_one_database_exits_8(tmp_path: Path, pg_url: str) -> None:
    from summarizer.cli import main

    (tmp_path / "a.txt").write_text(synthetic_article(3), encoding="utf-8")
    with run_lock(pg_url):  # a digest run in another process holds the database's lock
        out = CliRunner().invoke(
            main, ["digest", str(tmp_path / "a.txt"), "--db", pg_url, "--engine", "offline"]
        )
    assert out.exit_code == 8 and "another digest run holds the lock" in out.output
    out = CliRunner().invoke(
        main, ["digest", str(tmp_path / "a.txt"), "--db", pg_url, "--engine", "offline"]
    )
    assert out.exit_code == 0, out.output


def test_a_feeds_conditional_get_state_is_kept_per_url(store: Any) -> None:
    url = "https://example.org/rss"
    assert store.feed_state(url) is None
    store.save_feed_state(url, '"v1"', "Mon, 23 Nov 2026 08:00:00 GMT", b"<rss>one</rss>")
    store.save_feed_state("https://example.org/other", None, None, b"<rss>x</rss>")
    assert store.feed_state(url) == ('"v1"', "Mon, 23 Nov 2026 08:00:00 GMT", b"<rss>one</rss>")
    store.save_feed_state(url, '"v2"', None, b"\x00<rss>two</rss>")  # a new 200 replaces it
    assert store.feed_state(url) == ('"v2"', None, b"\x00<rss>two</rss>")
    assert store.feed_state("https://example.org/other") == (None, None, b"<rss>x</rss>")
