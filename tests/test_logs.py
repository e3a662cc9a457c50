"""Every model call goes to the store, `brief`'s included, and `summarizer logs` lists them.

Through click's runner, with the store in tmp_path and the scripted OpenAI-compatible server on
127.0.0.1 (summarizer.testing.server).
"""

from __future__ import annotations

import functools
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import summarizer.brief.llm as llm
from summarizer.cli import main
from summarizer.testing.server import FakeOpenAIServer, error, offline_responder, reply

ARTICLE = (
    "The city council voted on Tuesday to close the old library on Elm Street. "
    "Mayor Anna Berg said the building was no longer safe. "
    "“We cannot keep a roof over readers that may fall on them,” she told reporters. "
    "Librarian Tom Hale criticized the vote, calling it a loss for the neighbourhood. "
    "It is not yet known when a new library will open.\n"
)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "library.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "store" / "calls.db"


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI's retry policy waits seconds between attempts; the attempts are what is tested.
    monkeypatch.setattr(
        llm,
        "RetryPolicy",
        functools.partial(llm.RetryPolicy, backoff_base_s=0.001, backoff_max_s=0.002),
    )


def brief(server: FakeOpenAIServer, article: Path, db: Path, *more: str) -> Result:
    return run(
        "brief",
        str(article),
        "--base-url",
        server.base_url,
        "--db",
        str(db),
        "--format",
        "json",
        *more,
    )


def logs_json(db: Path, *more: str) -> list[dict[str, Any]]:
    result = run("logs", "--db", str(db), "--json", *more)
    assert result.exit_code == 0, result.stderr
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_brief_calls_are_logged_and_listed(article: Path, db: Path) -> None:
    with FakeOpenAIServer() as server:
        first = brief(server, article, db)
        second = brief(server, article, db, "--model", "gpt-4.1-nano")
    assert first.exit_code == 0 and second.exit_code == 0, first.stderr + second.stderr
    made = json.loads(second.stdout)["meta"]
    rows = logs_json(db)
    # Newest first: the second brief's call, then the first's.
    assert [r["model"] for r in rows] == ["gpt-4.1-nano", "gpt-4.1-mini"]
    newest = rows[0]
    assert newest["command"] == "brief" and newest["run_id"] is None
    assert newest["outcome"] == "ok" and newest["attempt"] == 1
    assert newest["prompt_tokens"] == made["usage"]["prompt_tokens"] > 0
    assert newest["completion_tokens"] == made["usage"]["completion_tokens"] > 0
    assert newest["cost_usd"] == pytest.approx(made["cost_usd"])
    assert newest["latency_s"] > 0
    assert newest["source"] == str(article)
    assert newest["article_id"] == made["source"]["content_sha256"]
    # -m keeps one model's calls.
    assert [r["id"] for r in logs_json(db, "-m", "gpt-4.1-mini")] == [rows[1]["id"]]
    assert logs_json(db, "--model", "gpt-4o") == []
    # -n limits, 0 is all.
    assert [r["id"] for r in logs_json(db, "-n", "1")] == [newest["id"]]
    assert len(logs_json(db, "-n", "0")) == 2
    # The plain table: a header and one line per call, newest first.
    table = run("logs", "--db", str(db))
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["time", "(UTC)", "command", "model"]
    assert len(lines) == 3
    assert "gpt-4.1-nano" in lines[1] and "gpt-4.1-mini" in lines[2]
    assert lines[1].split()[2] == "brief" and str(article) in lines[1]
    assert f"{made['cost_usd']:.4f}" in lines[1]


def test_stdin_is_named_stdin(db: Path) -> None:
    with FakeOpenAIServer() as server:
        result = CliRunner().invoke(
            main, ["brief", "-", "--base-url", server.base_url, "--db", str(db)], input=ARTICLE
        )
    assert result.exit_code == 0, result.stderr
    assert [r["source"] for r in logs_json(db)] == ["stdin"]


def test_failed_attempts_are_in_the_log(article: Path, db: Path) -> None:
    # Two server errors, then an answer: three calls, each with its outcome.
    script = [error(500, "boom (scripted)"), error(503, "busy (scripted)")]
    with FakeOpenAIServer(script) as server:
        ok = brief(server, article, db)
        assert ok.exit_code == 0, ok.stderr
        # A brief that fails altogether: every attempt is there too.
        server.script = [error(500, "down (scripted)")] * 6
        failed = brief(server, article, db)
        assert failed.exit_code == 5, failed.stderr
        sent = len(server.requests)
    rows = logs_json(db, "-n", "0")
    assert len(rows) == sent == 3 + 6
    oldest_first = list(reversed(rows))
    assert [(r["attempt"], r["outcome"], r["status_code"]) for r in oldest_first[:3]] == [
        (1, "server_error", 500),
        (2, "server_error", 503),
        (3, "ok", 200),
    ]
    assert "boom (scripted)" in (oldest_first[0]["error"] or "")
    assert all(r["outcome"] == "server_error" for r in oldest_first[3:])
    assert [r["attempt"] for r in oldest_first[3:]] == [1, 2, 3, 4, 5, 6]
    table = run("logs", "--db", str(db), "-n", "3").stdout
    assert table.count("server_error 500") == 3
    assert "down (scripted)" in table


def test_a_key_echoed_in_an_error_never_reaches_the_log(
    article: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not shaped like an OpenAI key, so only knowing the key can take it out.
    key = "proxy-token-5d41402abc4b2a76b971"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    echo = error(401, f"Incorrect API key provided: {key}.", code="invalid_api_key")
    with FakeOpenAIServer([echo]) as server:
        result = brief(server, article, db)
    assert result.exit_code == 2, result.stderr
    assert key not in result.stderr
    rows = logs_json(db)
    assert rows and rows[0]["status_code"] == 401
    assert "[redacted]" in (rows[0]["error"] or "")
    for out in (run("logs", "--db", str(db)).output, json.dumps(rows)):
        assert key not in out
    stored = b"".join(p.read_bytes() for p in db.parent.iterdir() if p.is_file())
    assert key.encode() not in stored


def test_no_log_records_nothing(article: Path, db: Path) -> None:
    with FakeOpenAIServer() as server:
        result = brief(server, article, db, "--no-log")
    assert result.exit_code == 0, result.stderr
    assert not db.exists()
    assert logs_json(db) == []
    empty = run("logs", "--db", str(db))
    assert empty.exit_code == 0 and empty.stdout == ""
    assert "no calls logged yet" in empty.stderr


def test_log_calls_off_in_the_config_file(article: Path, db: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("log_calls = false\n", encoding="utf-8")
    with FakeOpenAIServer() as server:
        result = brief(server, article, db, "--config", str(config))
    assert result.exit_code == 0, result.stderr
    assert not db.exists()


def test_default_store_is_the_digests(article: Path, tmp_path: Path) -> None:
    # No --db: the brief's calls go where a digest keeps its own, and a digest's calls are
    # listed beside them with the run they belong to.
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text(ARTICLE.replace("Tuesday", "Monday"), encoding="utf-8")
    with FakeOpenAIServer(responder=offline_responder) as server:
        one = run("brief", str(article), "--base-url", server.base_url)
        assert one.exit_code == 0, one.stderr
        digest = run(
            "digest", str(pages), "--base-url", server.base_url, "--out", str(tmp_path / "d.md")
        )
        assert digest.exit_code == 0, digest.stderr
    store = tmp_path / "data" / "summarizer.db"
    assert store.exists()
    rows = json.loads(run("logs", "--json").stdout)
    assert [r["command"] for r in rows] == ["digest", "brief"]
    assert rows[0]["run_id"] == 1 and rows[0]["source"] == str(pages / "a.txt")
    assert [r["command"] for r in json.loads(run("logs", "--run", "1", "--json").stdout)] == [
        "digest"
    ]
    table = run("logs").stdout.splitlines()
    assert "digest #1" in table[1] and " brief " in table[2]
    with sqlite3.connect(store) as con:
        assert con.execute("SELECT count(*) FROM llm_calls").fetchone()[0] == 2


def test_a_store_that_cannot_be_opened_names_no_log(article: Path, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-store.db"
    bad.write_bytes(b"this is not SQLite at all" * 100)
    with FakeOpenAIServer() as server:
        result = brief(server, article, bad)
    assert result.exit_code == 2
    assert "--no-log" in result.stderr and str(bad) in result.stderr
    assert server.requests == []  # nothing paid for


def _authored_brief() -> dict[str, Any]:
    from summarizer.offline import brief_offline

    return brief_offline(ARTICLE).model_dump(mode="json", exclude={"meta"})


@pytest.mark.parametrize(
    ("second", "outcomes"),
    [
        # The failing fact is repaired: the first reply's other items are in the brief.
        ("fix", ["repaired", "ok"]),
        # The repair removes the failing fact (an empty fix): the first reply is kept too.
        ("remove", ["repaired", "ok"]),
        # The repair breaks its schema: that reply is thrown away, the next repair is taken.
        ("broken", ["repaired", "invalid", "ok"]),
    ],
)
def test_a_reply_whose_items_were_repaired_is_logged_repaired(
    article: Path, db: Path, second: str, outcomes: list[str]
) -> None:
    good = _authored_brief()
    bad = json.loads(json.dumps(good))
    bad["key_facts"][0]["evidence"] = ["The council will build a new library by spring"]
    fix: dict[str, Any] = {"fixes": [{"path": "key_facts[0]", "key_fact": good["key_facts"][0]}]}
    answers: list[dict[str, Any]] = {
        "fix": [fix],
        "remove": [{"fixes": [{"path": "key_facts[0]"}]}],
        "broken": [{"title": "not a repair"}, fix],
    }[second]
    with FakeOpenAIServer([reply(bad), *(reply(a) for a in answers)]) as server:
        result = brief(server, article, db)
        assert result.exit_code == 0, result.stderr
        tools = [r["tools"][0]["function"]["name"] for r in server.requests]
    assert tools == ["BriefReply"] + ["RepairReply"] * len(answers)
    rows = list(reversed(logs_json(db)))
    assert [r["outcome"] for r in rows] == outcomes
    assert [r["attempt"] for r in rows] == list(range(1, len(outcomes) + 1))
    table = run("logs", "--db", str(db)).stdout.splitlines()
    # the oldest call, listed last; no "200" after its outcome
    assert table[-1].split()[9:11] == ["repaired", str(article)]


@pytest.mark.parametrize(
    ("script", "code", "outcomes"),
    [
        # A reply that broke the schema is re-asked whole and thrown away.
        ("schema", 0, ["invalid", "ok"]),
        # No claim passes: asked for again whole, the first reply is thrown away.
        ("unusable", 0, ["invalid", "ok"]),
        # Repairs that never pass: the brief fails, every reply was thrown away.
        ("never", 5, ["invalid", "invalid", "invalid"]),
    ],
)
def test_a_reply_thrown_away_stays_invalid(
    article: Path, db: Path, script: str, code: int, outcomes: list[str]
) -> None:
    good = _authored_brief()
    bad = json.loads(json.dumps(good))
    for item in bad["key_facts"] + bad["positions"]:
        item["evidence"] = ["The council will build a new library by spring"]
    one_bad = json.loads(json.dumps(good))
    one_bad["key_facts"][0]["evidence"] = bad["key_facts"][0]["evidence"]
    steps = {
        "schema": [reply({"title": "not a brief"}), reply(good)],
        "unusable": [reply(bad), reply(good)],
        "never": [reply(one_bad), reply({"fixes": []}), reply({"fixes": []})],
    }[script]
    with FakeOpenAIServer(steps) as server:
        result = brief(server, article, db)
    assert result.exit_code == code, result.stderr
    assert [r["outcome"] for r in reversed(logs_json(db))] == outcomes
