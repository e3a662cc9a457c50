"""Digests end to end, through the local test server with authored replies (never a model)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from summarizer.brief.llm import RetryPolicy
from summarizer.digests.run import DigestLocked, run_digest
from summarizer.store import SQLiteStore, migrate
from summarizer.testing.server import FakeOpenAIServer
from tests.conftest import SHARED
from tests.digest_helpers import ARTICLES, responder

FAST = RetryPolicy(backoff_base_s=0.01, backoff_max_s=0.05)
FEEDS = SHARED / "external" / "feeds"


def run(server: FakeOpenAIServer, db: Path, *sources: Any, **kw: Any) -> Any:
    return run_digest(
        [str(s) for s in sources] or [str(ARTICLES)],
        engine="llm",
        base_url=server.base_url,
        db=db,
        retry=FAST,
        **kw,
    )


def test_five_articles_two_stories_with_a_disagreement(tmp_path: Path) -> None:
    out = tmp_path / "digest.json"
    with FakeOpenAIServer(responder=responder) as server:
        result = run(
            server,
            tmp_path / "s.db",
            outputs=[(out, "json"), (tmp_path / "d.md", "md"), (tmp_path / "d.html", "html")],
        )
    d = result.digest
    assert result.exit_code == 0 and not d.failed
    assert len(d.stories) == 2
    dam, bank = d.stories  # three sources outrank two
    assert len(dam.sources) == 3 and len(bank.sources) == 2
    assert "Harlow" in dam.title and "Valdoria" in bank.title
    assert any("Nadia Brennan" in why for why in dam.why_grouped)
    # the wire says twelve dead, the local paper fourteen: listed as a disagreement
    assert any("12" in x.reason and "14" in x.reason for x in dam.disagreements)
    # the same fact from two outlets is one fact with both sources
    rate = [f for f in bank.facts if "4.5 percent" in f.statement]
    assert len(rate) == 1 and len(rate[0].sources) == 2
    okafor = [p for p in bank.positions if p.party == "Tomas Okafor"]
    assert okafor and len(okafor[0].sources) == 2
    # outputs: valid JSON of the Digest model, Markdown, a self-contained page
    from summarizer.brief.models import Digest

    assert Digest.model_validate_json(out.read_text()).stories[0].id == dam.id
    assert "## 1. " in (tmp_path / "d.md").read_text()
    page = (tmp_path / "d.html").read_text()
    assert "<script" not in page and "https://" not in page


def test_second_run_makes_zero_model_calls(tmp_path: Path) -> None:
    with FakeOpenAIServer(responder=responder) as server:
        first = run(server, tmp_path / "s.db")
        calls_after_first = len(server.requests)
        second = run(server, tmp_path / "s.db")
        # 5 briefs and one synthesis per multi-source story (2); the second run's are cached
        assert len(server.requests) == calls_after_first == 7
    assert first.digest.totals["briefed"] == 5
    assert second.digest.totals["briefed"] == 0 and second.digest.totals["cached"] == 5
    assert second.digest.totals["calls"] == 0
    assert [s.id for s in second.digest.stories] == [s.id for s in first.digest.stories]


def test_failing_sources_do_not_stop_the_digest(tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_text("", encoding="utf-8")
    sources = [
        ARTICLES / "dam-wire.txt",
        tmp_path / "missing.txt",
        bad,
        FEEDS / "node-feedparser__notafeed.html",
    ]
    with FakeOpenAIServer(responder=responder) as server:
        result = run(server, tmp_path / "s.db", *sources)
    reasons = {Path(f.source).name: f.reason for f in result.digest.failed}
    assert "no such file" in reasons["missing.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "no article text" in reasons["node-feedparser__notafeed.html"]
    assert len(result.digest.stories) == 1
    assert result.exit_code == 7
    store = SQLiteStore(tmp_path / "s.db")
    _, items = store.run(result.run_id) or ({}, [])
    assert sorted(i["status"] for i in items) == ["done", "failed", "failed", "failed"]


def test_cost_cap_stops_new_calls(tmp_path: Path) -> None:
    # A cap below one call's worst case: no call is sent at all (the cap is a cap).
    with FakeOpenAIServer(responder=responder) as server:
        result = run(server, tmp_path / "s.db", concurrency=1, max_cost=0.000001)
        assert len(server.requests) == 0
    t = result.digest.totals
    assert t["briefed"] == 0 and t["skipped"] == 5 and t["cost_usd"] == 0
    assert all("cost cap" in f.reason for f in result.digest.failed)


def test_lock_makes_a_second_run_exit(tmp_path: Path) -> None:
    from summarizer.store import store_lock

    db = tmp_path / "s.db"
    link = tmp_path / "link.db"
    link.symlink_to(db)  # the lock is the store's real path's: a run through a link waits too
    with (
        store_lock(db, wait=False),
        FakeOpenAIServer(responder=responder) as server,
        pytest.raises(DigestLocked, match="another digest run holds the lock"),
    ):
        run(server, link)
    assert DigestLocked("x").exit_code == 8


def test_rate_limiter_spaces_requests(tmp_path: Path) -> None:
    import asyncio

    from summarizer.digests.ratelimit import RateLimiter

    now = [0.0]
    slept: list[float] = []

    async def fake_sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    limiter = RateLimiter(rpm=60, tpm=None, clock=lambda: now[0], sleep=fake_sleep)

    async def go() -> None:
        for _ in range(65):
            await limiter.acquire(100)

    asyncio.run(go())
    # a full bucket of 60, then one request a second
    assert len(slept) == 5 and all(abs(s - 1.0) < 1e-6 for s in slept)


def test_migrations_apply_once(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "m.db")
    from summarizer.store import MIGRATIONS

    first = migrate(db)
    assert first == [fn.__name__ for fn in MIGRATIONS]
    assert first[:2] == ["m001_initial", "m002_batches"] and first == sorted(first)
    assert migrate(db) == []
    names = [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")]
    assert names == first


def test_real_feeds_as_sources(tmp_path: Path) -> None:
    """Real feeds; entries briefed from their own text (their pages are on the internet)."""
    if not FEEDS.is_dir():
        pytest.skip("shared feeds absent")
    from summarizer.testing.server import FirstSentencesResponder

    sources = [
        FEEDS / "node-feedparser__saxerror.xml",
        FEEDS / "feedparser__bozo_invalid-bytes-with-bom.xml",
    ]
    with FakeOpenAIServer(responder=FirstSentencesResponder()) as server:
        result = run(server, tmp_path / "s.db", *sources, fetch_pages=False)
    d = result.digest
    reasons = {Path(f.source).name: f.reason for f in d.failed}
    assert "broken feed" in reasons[sources[1].name]
    # "This item is fine." is all the first entry says: too little to brief, and said so
    assert "almost no words" in reasons["good"]
    assert any("malformed feed" in w for w in d.warnings)
    # the other two recovered entries are briefed from the feed's own text, and it says so
    assert d.totals["briefed"] == 2
    assert sum("feed entry's own text" in w for w in d.warnings) == 2


def _wait_for_briefs(db: Path, n: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db) as c:
                    got = c.execute("SELECT count(*) FROM briefs").fetchone()[0]
                if got >= n:
                    return int(got)
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"no {n} briefs within {timeout}s")


def test_kill_9_then_resume_redoes_nothing_and_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    env = {**os.environ, "SUMMARIZER_DATA_DIR": str(tmp_path)}
    with FakeOpenAIServer(responder=responder, latency=0.4) as server:
        cmd = [
            sys.executable,
            "-m",
            "summarizer",
            "digest",
            str(ARTICLES),
            "--engine",
            "llm",
            "--base-url",
            server.base_url,
            "--db",
            str(db),
            "--concurrency",
            "1",
            "--out",
            str(tmp_path / "d.md"),
        ]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done_before = _wait_for_briefs(db, 2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        with sqlite3.connect(db) as c:
            briefed = {r[0] for r in c.execute("SELECT article_id FROM briefs")}
        assert len(briefed) >= done_before
        requests_before = len(server.requests)
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        import hashlib

        after = server.requests[requests_before:]
        from summarizer.testing.server import article_of

        redone = {hashlib.sha256(article_of(r).encode()).hexdigest() for r in after}
    assert not (redone & briefed), "a finished article was briefed again"
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("SELECT count(*) FROM briefs").fetchone()[0] == 5
        statuses = [r[0] for r in c.execute("SELECT status FROM runs ORDER BY id")]
    assert statuses == ["interrupted", "ok"]
    assert "## 1." in (tmp_path / "d.md").read_text()
    # history counts what the killed run kept, instead of "0 briefed"
    from click.testing import CliRunner

    from summarizer.cli import main

    with sqlite3.connect(db) as c:
        kept = c.execute("SELECT count(*) FROM run_items WHERE run_id = 1 AND status = 'done'")
        done_in_killed_run = kept.fetchone()[0]
    assert done_in_killed_run >= 1
    out = CliRunner().invoke(main, ["history", "--db", str(db)])
    killed = next(line for line in out.output.splitlines() if "interrupted" in line)
    assert f"{done_in_killed_run:>4} briefed" in killed


def test_cli_history_and_show(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    db = tmp_path / "s.db"
    with FakeOpenAIServer(responder=responder) as server:
        result = run(server, db)
    runner = CliRunner()
    out = runner.invoke(main, ["history", "--db", str(db)])
    assert out.exit_code == 0 and f"{result.run_id:>5}" in out.output and " ok " in out.output
    out = runner.invoke(main, ["show", str(result.run_id), "--db", str(db), "--format", "json"])
    assert out.exit_code == 0
    assert len(json.loads(out.output)["items"]) == 5
    aid = result.digest.stories[0].sources[0].article_id
    out = runner.invoke(main, ["show", aid, "--db", str(db)])
    assert out.exit_code == 0 and out.output.startswith("# ")
    out = runner.invoke(main, ["show", "999", "--db", str(db)])
    assert out.exit_code == 3 and "no run 999" in out.output


def test_same_sources_same_digest_whatever_order_briefs_finish(tmp_path: Path) -> None:
    # The offline engine runs in worker threads: with 5 at once they finish in any order.
    runs = []
    for concurrency in (1, 5, 5):
        result = run_digest(
            [str(ARTICLES)],
            engine="offline",
            db=tmp_path / f"s{len(runs)}.db",
            concurrency=concurrency,
        )
        runs.append(
            [
                ([s.path for s in story.sources], [f.statement for f in story.facts])
                for story in result.digest.stories
            ]
        )
    assert runs[0] == runs[1] == runs[2]
    sources = [path for story in runs[0] for path in story[0]]
    assert all(p is not None for p in sources)
    for story_sources, _ in runs[0]:
        assert story_sources == sorted(story_sources)  # the order the folder gave them


def test_public_digest_is_the_function_and_returns_a_digest(tmp_path: Path) -> None:
    # The README's `from summarizer import digest; digest([...])`: the function, whatever was
    # imported before it (a submodule named `digest` used to replace it on the package).
    import importlib

    import summarizer
    from summarizer.brief.models import Digest

    for module in ("summarizer.digests", "summarizer.digests.run", "summarizer.cli.digest"):
        importlib.import_module(module)
    from summarizer import adigest, digest

    assert callable(digest) and callable(adigest) and summarizer.digest is digest
    got = digest([str(ARTICLES)], engine="offline", db=tmp_path / "s.db")
    assert isinstance(got, Digest)
    assert got.run_id == 1 and len(got.stories) == 2 and got.totals["briefed"] == 5


def _feed_site(requested: list[str]) -> Any:
    from http.server import BaseHTTPRequestHandler

    texts = [
        (ARTICLES / f"{n}.txt").read_text(encoding="utf-8") for n in ("dam-wire", "bank-rates")
    ]

    class Site(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            host = f"http://{self.headers['Host']}"
            if self.path == "/feed.xml":
                items = "".join(
                    f"<item><title>Story {i}</title><link>{host}/news/{i}</link>"
                    f"<description><![CDATA[{t}]]></description></item>"
                    for i, t in enumerate(texts)
                )
                body = (
                    '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>'
                    f"<link>{host}/</link><description>d</description>{items}</channel></rss>"
                ).encode()
                ctype = "application/rss+xml"
            else:
                i = int(self.path.rsplit("/", 1)[1])
                body = texts[i].encode()
                ctype = "text/plain; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Site


@pytest.mark.parametrize(
    ("flag", "pages_fetched"), [("--no-fetch", 0), ("--fetch", 2)], ids=["no-fetch", "fetch"]
)
def test_no_fetch_briefs_the_feed_text_without_requesting_pages(
    flag: str, pages_fetched: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZER_ALLOW_PRIVATE_URLS", "1")  # the site is on 127.0.0.1
    from click.testing import CliRunner

    from summarizer.cli import main
    from tests.conftest import local_site

    requested: list[str] = []
    with local_site(_feed_site(requested)) as base:
        out = CliRunner().invoke(
            main,
            [
                "digest",
                f"{base}/feed.xml",
                flag,
                "--engine",
                "offline",
                "--db",
                str(tmp_path / "s.db"),
            ],
        )
    assert out.exit_code == 0, out.output
    assert sum(p.startswith("/news/") for p in requested) == pages_fetched
    assert "(2 briefed," in out.output


def _atom_entries_with_dates() -> int:
    from summarizer.digests.feeds import parse_feed

    feed = parse_feed((FEEDS / "node-feedparser__tpm.atom").read_bytes(), name="tpm")
    return sum(e.published is not None for e in feed.entries)


def test_since_says_how_many_entries_were_too_old(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    if not FEEDS.is_dir():
        pytest.skip("shared feeds absent")
    n = _atom_entries_with_dates()
    assert n > 0
    out = CliRunner().invoke(
        main,
        [
            "digest",
            str(FEEDS / "node-feedparser__tpm.atom"),
            "--since",
            "24h",
            "--no-fetch",
            "--engine",
            "offline",
            "--db",
            str(tmp_path / "s.db"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "from 0 sources" in out.output
    assert f"; {n} feed entries older than --since left out" in out.output


def _site_with_unreachable_pages() -> Any:
    from http.server import BaseHTTPRequestHandler

    class Site(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # one entry whose page is on a closed port and whose own text is one sentence
            body = (
                b'<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>'
                b"<link>http://127.0.0.1:9/</link><description>d</description>"
                b"<item><title>T</title><link>http://127.0.0.1:9/news/1</link>"
                b"<description>The council met on Monday.</description></item></channel></rss>"
            )
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Site


def test_failure_reasons_name_the_cause_and_the_source_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main
    from tests.conftest import local_site

    monkeypatch.setenv("SUMMARIZER_ALLOW_PRIVATE_URLS", "1")
    dead = "http://127.0.0.1:9/feed.xml"
    with local_site(_site_with_unreachable_pages()) as base:
        db, page = ["--db", str(tmp_path / "s.db")], ["--out", str(tmp_path / "d.md")]
        out = CliRunner().invoke(
            main, ["digest", f"{base}/feed.xml", dead, "--engine", "offline", *db, *page]
        )
    assert out.exit_code == 7, out.output
    lines = {ln.split(": ", 3)[2]: ln for ln in out.output.splitlines() if ": failed: " in ln}
    entry = "http://127.0.0.1:9/news/1"
    assert set(lines) == {entry, dead}
    # the entry: the page could not be fetched, and then its own text was too short
    assert "cannot connect" in lines[entry] and "fewer than two sentences" in lines[entry]
    # each source named once, on the console and in the digest
    digest_page = (tmp_path / "d.md").read_text()
    for name in (entry, dead):
        assert lines[name].count(name) == 1
        assert digest_page.count(f"{name}: {name}") == 0
    assert "cannot connect" in lines[dead]


def test_allow_private_urls_from_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main
    from tests.conftest import local_site

    # Registered with monkeypatch first, so what the command sets is undone after the test.
    monkeypatch.setenv("SUMMARIZER_ALLOW_PRIVATE_URLS", "")
    config = tmp_path / "config.toml"
    config.write_text("allow_private_urls = true\n", encoding="utf-8")
    monkeypatch.setenv("SUMMARIZER_CONFIG", str(config))
    shown = CliRunner().invoke(main, ["config"])
    assert "allow_private_urls   True" in shown.output and f"file:{config}" in shown.output
    requested: list[str] = []
    with local_site(_feed_site(requested)) as base:
        out = CliRunner().invoke(
            main,
            ["digest", f"{base}/feed.xml", "--engine", "offline", "--db", str(tmp_path / "s.db")],
        )
    assert out.exit_code == 0, out.output
    assert "(2 briefed," in out.output and "/feed.xml" in requested
