"""Workers on procrastinate, against the real local PostgreSQL and the scripted server on
127.0.0.1: workers run as subprocesses (`python -m summarizer worker`), one is killed with
SIGKILL; nothing here is mocked."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner

from summarizer.cli import main
from summarizer.errors import BudgetExceeded
from summarizer.testing.server import FakeOpenAIServer, synthetic_article
from summarizer.testing.workers import running_workers

pytestmark = pytest.mark.slow


def articles(folder: Path, n: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"a{i:03d}.txt").write_text(synthetic_article(i, words=250), encoding="utf-8")
    return folder


def brief_requests(server: FakeOpenAIServer, n: int) -> list[int]:
    """How many times each of the first `n` articles was sent to be briefed (other requests,
    such as a story's synthesis, are not counted)."""
    ids = [hashlib.sha256(synthetic_article(i, words=250).encode()).hexdigest() for i in range(n)]
    return sorted(server.per_article[i] for i in ids)


def q(url: str, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as c:
        return list(c.execute(sql, args).fetchall())


def wait_for(what: str, check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


def digest(url: str, server: FakeOpenAIServer, sources: Path, *more: str) -> Any:
    return CliRunner().invoke(
        main,
        [
            "digest",
            str(sources),
            "--db",
            url,
            "--engine",
            "llm",
            "--base-url",
            server.base_url,
            *more,
        ],
    )


def brief_count(url: str) -> int:
    return int(q(url, "SELECT count(*) FROM briefs")[0][0])


def test_a_worker_that_cannot_start_is_an_error_with_what_it_said(pg_url: str) -> None:
    # The helper the tests and bench_workers.py share: the worker's stderr (kept in a file,
    # never a pipe) is in the message.
    with (
        pytest.raises(AssertionError, match=r"(?s)exited with 2: .*'--no-such-option'"),
        running_workers(pg_url, 1, "--no-such-option", up_within=30),
    ):
        pass


def test_a_dead_workers_heartbeat_is_not_taken_for_a_new_worker_up(pg_url: str) -> None:
    # A worker killed with kill -9 leaves its heartbeat row; the next workers started on the
    # database are up only once they have rows of their own. The stand-in below never writes
    # one, so waiting for it must time out (it returned at once on the dead worker's row).
    with psycopg.connect(pg_url, autocommit=True) as c:
        c.execute(
            "CREATE TABLE procrastinate_workers (id bigint PRIMARY KEY GENERATED ALWAYS AS "
            "IDENTITY, last_heartbeat timestamptz NOT NULL DEFAULT now())"
        )
        c.execute("INSERT INTO procrastinate_workers DEFAULT VALUES")
    never_up = ("-c", "import time; time.sleep(60)")
    with (
        pytest.raises(AssertionError, match=r"not within 2\.0s: 1 workers up"),
        running_workers(pg_url, 1, command=never_up, up_within=2.0, stop_within=5.0),
    ):
        pass


def test_with_no_worker_the_digest_briefs_in_its_own_process(tmp_path: Path, pg_url: str) -> None:
    src = articles(tmp_path / "in", 4)
    with FakeOpenAIServer() as server:
        out = digest(pg_url, server, src, "--out", str(tmp_path / "d.md"))
        assert out.exit_code == 0, out.output
        assert brief_requests(server, 4) == [1] * 4
    assert "4 briefed" in out.output
    assert brief_count(pg_url) == 4
    assert q(pg_url, "SELECT count(*) FROM procrastinate_jobs")[0][0] == 0


def test_with_no_worker_the_digests_own_calls_count_in_the_shared_rate_log(
    tmp_path: Path, pg_url: str
) -> None:
    """rpm holds across the workers and a digest that briefs in its own process: its requests go
    into the same log in the database that the workers' requests go into."""
    src = articles(tmp_path / "in", 3)
    with FakeOpenAIServer() as server:
        out = digest(pg_url, server, src, "--rpm", "600", "--synthesis", "off")
        assert out.exit_code == 0, out.output
        sent = sum(server.per_article.values())
    assert brief_count(pg_url) == 3
    assert q(pg_url, "SELECT count(*) FROM summarizer_rate_log")[0][0] == sent >= 3


def test_two_workers_brief_every_article_once_and_the_digest_waits(
    tmp_path: Path, pg_url: str
) -> None:
    src = articles(tmp_path / "in", 16)
    with FakeOpenAIServer(latency=0.2) as server:
        with running_workers(pg_url, 2, "--concurrency", "3", "--base-url", server.base_url):
            out = digest(pg_url, server, src, "--out", str(tmp_path / "d.md"))
            assert out.exit_code == 0, out.output
            # a second digest at once finds every brief: no job, no call
            again = digest(pg_url, server, src)
            assert again.exit_code == 0, again.output
        assert brief_requests(server, 16) == [1] * 16
    # briefed by the workers, their calls written under the digest's run
    assert "16 briefed" in out.output and "16 cached" in again.output
    run_calls = q(
        pg_url,
        "SELECT run_id, count(*) FROM llm_calls WHERE article_id IS NOT NULL AND "
        "article_id <> '' GROUP BY run_id",
    )
    assert run_calls == [(1, 16)]
    assert q(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'") == [
        (0,)
    ]


def test_no_wait_queues_once_and_a_later_run_includes_the_briefs(
    tmp_path: Path, pg_url: str
) -> None:
    src = articles(tmp_path / "in", 6)
    with FakeOpenAIServer() as server:
        first = digest(pg_url, server, src, "--no-wait", "--out", str(tmp_path / "d.md"))
        assert first.exit_code == 7, first.output
        assert first.output.count("queued for the workers") == 6
        # queued again while waiting: the queueing lock keeps one job per article
        second = digest(pg_url, server, src, "--no-wait")
        assert second.exit_code == 7
        todo = q(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
        assert todo == [(6,)] and brief_requests(server, 6) == [0] * 6
        with running_workers(pg_url, 1, "--base-url", server.base_url):
            wait_for("6 briefs", lambda: brief_count(pg_url) == 6)
        third = digest(pg_url, server, src)
        assert third.exit_code == 0 and "6 cached" in third.output
        assert brief_requests(server, 6) == [1] * 6


def test_a_worker_killed_with_kill_9_loses_nothing(tmp_path: Path, pg_url: str) -> None:
    n = 12
    src = articles(tmp_path / "in", n)
    with FakeOpenAIServer(latency=1.0) as server:
        queued = digest(pg_url, server, src, "--no-wait", "--out", str(tmp_path / "d.md"))
        assert queued.exit_code == 7 and queued.output.count("queued for the workers") == n
        args = ("--concurrency", "3", "--stalled-after", "2", "--base-url", server.base_url)
        with running_workers(pg_url, 2, *args) as procs:
            # both busy; then one dies mid-call, its three jobs 'doing'
            wait_for("calls in flight", lambda: sum(brief_requests(server, n)) >= 4)
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()
            wait_for(f"{n} briefs", lambda: brief_count(pg_url) == n, timeout=90)
            # A job is marked succeeded after its brief is stored, and a killed job whose brief
            # was stored goes back to the queue only once it is taken for stalled: wait for it.
            wait_for(
                "every job succeeded",
                lambda: (
                    q(pg_url, "SELECT count(*) FROM procrastinate_jobs WHERE status <> 'succeeded'")
                    == [(0,)]
                ),
                timeout=60,
            )
        # the killed worker's calls in flight were sent again by the other: nothing lost
        sent = brief_requests(server, n)
        assert min(sent) >= 1 and 2 in sent
        final = digest(pg_url, server, src)
        assert final.exit_code == 0 and f"{n} cached" in final.output


def test_rate_limit_and_cost_cap_are_shared_between_processes(pg_url: str) -> None:
    from summarizer.digests.workers import SharedPurse, SharedRateLimiter, ensure_schema

    ensure_schema(pg_url)
    # two limiters are two workers: separate connections to one database
    a = SharedRateLimiter(pg_url, rpm=3, tpm=None)
    b = SharedRateLimiter(pg_url, rpm=3, tpm=None)
    assert [a._try(0), b._try(0), a._try(0)] == [0.0, 0.0, 0.0]
    wait = b._try(0)
    assert 55 < wait <= 61.5  # the oldest of the three leaves the 61 s window
    assert q(pg_url, "SELECT count(*) FROM summarizer_rate_log") == [(3,)]
    t1 = SharedRateLimiter(pg_url, rpm=None, tpm=1000)
    t2 = SharedRateLimiter(pg_url, rpm=None, tpm=1000)
    assert t1._try(700) == 0.0 and t2._try(400) > 0 and t2._try(300) == 0.0
    for lim in (a, b, t1, t2):
        lim.close()

    p1, p2 = SharedPurse(pg_url, 1.0), SharedPurse(pg_url, 1.0)
    p1.reserve(0.6)
    with pytest.raises(BudgetExceeded, match="shared cost cap"):
        p2.reserve(0.6)
    p1.settle(0.6, 0.1)  # the call cost less than its worst case
    p2.reserve(0.6)
    p2.settle(0.6, None)  # no answer: its reservation counts as spent
    assert p1.spent() == pytest.approx(0.7)
    with pytest.raises(BudgetExceeded):
        p1.reserve(0.31)
    p1.close()
    p2.close()


def test_a_worker_needs_a_postgres_store(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["worker", "--db", str(tmp_path / "s.db")])
    assert out.exit_code == 2
    assert "a worker needs a PostgreSQL store" in out.output
    out = CliRunner().invoke(
        main, ["digest", str(tmp_path), "--db", str(tmp_path / "x.db"), "--no-wait"]
    )
    assert out.exit_code == 2 and "--no-wait" in out.output


def test_scheduled_digest_runs_once_per_tick_across_workers(tmp_path: Path, pg_url: str) -> None:
    src = articles(tmp_path / "in", 2)
    job = tmp_path / "digest.toml"
    job.write_text(
        f'sources = ["{src}"]\n'
        'schedule = "* * * * * */5"\n'  # procrastinate's sixth column: every 5 seconds
        "[[outputs]]\n"
        f'path = "{tmp_path / "out.md"}"\n'
        "[settings]\n"
        'engine = "offline"\n'
        f'db = "{pg_url}"\n',
        encoding="utf-8",
    )
    with running_workers(pg_url, 2, "--schedule", str(job)):
        wait_for("two scheduled digests", lambda: len(q(pg_url, "SELECT id FROM runs")) >= 2)
        ticks = q(
            pg_url,
            "SELECT defer_timestamp, count(*) FROM procrastinate_periodic_defers GROUP BY 1",
        )
    # each tick deferred once, though both workers hold the schedule
    assert ticks and all(n == 1 for _, n in ticks)
    assert (tmp_path / "out.md").exists()
    assert q(pg_url, "SELECT count(*) FROM briefs") == [(2,)]


def test_the_readme_worker_unit_starts_and_stops_cleanly(tmp_path: Path, pg_url: str) -> None:
    """The systemd unit in the README: its ExecStart, its environment file's SUMMARIZER_DB, and
    systemctl stop (SIGTERM) ending it with exit 0."""
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    unit = re.search(r"# /etc/systemd/system/summarizer-worker@\.service\n(.*?)```", readme, re.S)
    assert unit is not None
    exec_start = re.search(r"^ExecStart=(.+)$", unit.group(1), re.M)
    assert exec_start is not None
    program, *args = exec_start.group(1).split()
    assert program.endswith("/.venv/bin/summarizer") and args[0] == "worker"
    env = dict(os.environ, SUMMARIZER_DB=pg_url)
    proc = subprocess.Popen(
        [sys.executable, "-m", "summarizer", *args], env=env, stderr=subprocess.PIPE
    )
    try:
        wait_for(
            "the worker up",
            lambda: (
                q(pg_url, "SELECT count(*) FROM procrastinate_workers")[0][0]
                if _has_workers_table(pg_url)
                else 0
            ),
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert q(pg_url, "SELECT count(*) FROM procrastinate_workers") == [(0,)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _has_workers_table(url: str) -> bool:
    return q(url, "SELECT to_regclass('procrastinate_workers') IS NOT NULL")[0][0] is True


def test_the_digests_cost_cap_holds_across_the_workers(tmp_path: Path, pg_url: str) -> None:
    src = articles(tmp_path / "in", 8)
    with (
        FakeOpenAIServer(latency=0.2) as server,
        running_workers(pg_url, 2, "--concurrency", "4", "--base-url", server.base_url),
    ):
        out = digest(pg_url, server, src, "--max-cost", "0.01", "--out", str(tmp_path / "d.md"))
    assert out.exit_code == 7, out.output
    skipped = out.output.count("cost cap")
    briefed = brief_count(pg_url)
    assert skipped >= 1 and briefed >= 1 and skipped + briefed == 8
    # what the workers' calls of this run cost (or kept reserved), under the cap
    spent = q(
        pg_url,
        "SELECT COALESCE(sum(cost_usd), 0) FROM llm_calls WHERE run_id = 1 AND article_id IN "
        "(SELECT id FROM articles)",
    )
    assert 0 < spent[0][0] <= 0.01


def test_a_killed_workers_calls_in_flight_are_interrupted_and_their_reservation_settled(
    tmp_path: Path, pg_url: str
) -> None:
    """A worker killed with kill -9 mid-call leaves its llm_calls rows 'sent' and their worst
    case reserved under the shared caps; another worker, once the dead one's heartbeat is old,
    marks them 'interrupted' (a call that never completed) and settles their reservations as
    spent, so no cap is held by the dead as 'reserved'."""
    n = 6
    src = articles(tmp_path / "in", n)
    with FakeOpenAIServer(latency=30.0) as slow, FakeOpenAIServer(latency=0.05) as fast:
        queued = digest(
            pg_url, slow, src, "--no-wait", "--max-cost", "50", "--out", str(tmp_path / "d.md")
        )
        assert queued.exit_code == 7, queued.output
        caps = ("--max-cost", "100", "--stalled-after", "2", "--concurrency", "3")
        with running_workers(pg_url, 1, *caps, "--base-url", slow.base_url) as dead:
            wait_for("3 calls in flight", lambda: sum(slow.per_article.values()) >= 3)
            dead[0].send_signal(signal.SIGKILL)
            dead[0].wait()
        sent = q(pg_url, "SELECT id FROM llm_calls WHERE outcome = 'sent' ORDER BY id")
        assert len(sent) == 3
        held = q(pg_url, "SELECT scope, reserved FROM summarizer_spend ORDER BY scope")
        assert [s for s, _ in held] == ["day:" + time.strftime("%Y-%m-%d", time.gmtime()), "run:1"]
        assert all(r > 0 for _, r in held)
        with running_workers(pg_url, 1, *caps, "--base-url", fast.base_url):
            wait_for(f"{n} briefs", lambda: brief_count(pg_url) == n, timeout=90)

            def released() -> bool:
                return q(pg_url, "SELECT count(*) FROM llm_calls WHERE outcome = 'sent'") == [
                    (0,)
                ] and q(pg_url, "SELECT count(*) FROM summarizer_in_flight") == [(0,)]

            wait_for("the dead worker's calls released", released, timeout=30)
    dead_calls = q(
        pg_url,
        "SELECT outcome, error, cost_usd FROM llm_calls WHERE id = ANY(%s) ORDER BY id",
        ([i for (i,) in sent],),
    )
    assert [o for o, _, _ in dead_calls] == ["interrupted"] * 3
    assert all("stopped" in (e or "") for _, e, _ in dead_calls)
    # nothing reserved any more; spent = what every call cost or, for the dead one's, kept
    total = q(pg_url, "SELECT sum(cost_usd) FROM llm_calls WHERE run_id = 1")[0][0]
    spend = dict(q(pg_url, "SELECT scope, reserved FROM summarizer_spend"))
    assert set(spend.values()) == {0.0}
    spent = dict(q(pg_url, "SELECT scope, spent FROM summarizer_spend"))
    assert spent["run:1"] == pytest.approx(total)
    assert sum(c for _, _, c in dead_calls) == pytest.approx(
        sum(r for _, r in held) / 2  # each dead call was reserved under both scopes
    )


def test_a_workers_call_is_reserved_written_and_settled_and_a_sweep_corrects_to_its_cost(
    pg_url: str,
) -> None:
    """The worker's meter hooks against the database: begin reserves the worst case under the
    shared cap and writes the call in flight; end settles it at its cost. A call whose worker
    was taken for dead (released by a sweep, settled at its reservation) that then ends after
    all is counted at its real cost, once."""
    from types import SimpleNamespace

    from summarizer.brief.models import CallRecord, Usage
    from summarizer.digests.workers import (
        WorkerSettings,
        _Worker,
        ensure_schema,
        release_dead_calls,
    )

    ensure_schema(pg_url)
    worker = _Worker(WorkerSettings(url=pg_url, max_cost=1.0))
    worker.runner = SimpleNamespace(worker_id=4242)  # a worker id no heartbeat row has
    try:
        meter = worker.meter(None, "article-1")

        def call(outcome: str, cost: float) -> CallRecord:
            return CallRecord(
                model="m", attempt=1, outcome=outcome, latency_s=0.1, cost_usd=cost, usage=Usage()
            )

        def spend() -> tuple[float, float]:
            rows = q(pg_url, "SELECT reserved, spent FROM summarizer_spend")
            return rows[0][0], rows[0][1]

        first = meter.on_begin(call("sent", 0.5))
        assert spend() == (pytest.approx(0.5), 0.0)
        assert q(pg_url, "SELECT worker_id, scopes FROM summarizer_in_flight") == [
            (4242, [worker.purse.scope])  # type: ignore[union-attr]
        ]
        meter.on_end(first, call("ok", 0.125))
        assert spend() == (0.0, pytest.approx(0.125))
        assert q(pg_url, "SELECT count(*) FROM summarizer_in_flight") == [(0,)]

        second = meter.on_begin(call("sent", 0.5))
        with psycopg.connect(pg_url, autocommit=True, row_factory=psycopg.rows.dict_row) as db:
            assert release_dead_calls(db, 1.0) == 1  # no heartbeat: taken for dead
            assert release_dead_calls(db, 1.0) == 0  # released once
        assert q(pg_url, "SELECT outcome FROM llm_calls WHERE id = %s", (second,)) == [
            ("interrupted",)
        ]
        assert spend() == (0.0, pytest.approx(0.625))  # kept at its worst case
        meter.on_end(second, call("ok", 0.25))  # it was alive after all
        assert spend() == (0.0, pytest.approx(0.375))
        assert q(pg_url, "SELECT outcome, cost_usd FROM llm_calls ORDER BY id") == [
            ("ok", 0.125),
            ("ok", 0.25),
        ]
        with pytest.raises(BudgetExceeded, match="shared cost cap"):
            meter.on_begin(call("sent", 0.7))  # 0.375 + 0.7 > 1.0
        assert q(pg_url, "SELECT count(*) FROM llm_calls") == [(2,)]  # nothing written
    finally:
        worker.close()
