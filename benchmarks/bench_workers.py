"""Workers on procrastinate: throughput by number of workers, duplicates, a kill -9, the rpm cap.

Against the scripted server on 127.0.0.1 (every answer delayed 200 ms, `FirstSentencesResponder`)
and the local PostgreSQL (a fresh database per run, dropped after). Articles are the synthetic
ones (`synthetic_article`, 300 words), written to files and queued with
`summarizer digest DIR --db URL --no-wait`; then N `summarizer worker` processes are started and
the clock runs from their launch until every brief is in the store.

- runs 1, 2 and 4 workers at the same per-worker concurrency; speed-up = time(1) / time(N);
- duplicates: articles the server was asked to brief more than once (goal 0);
- kill: 4 workers, one killed with SIGKILL when a third of the briefs are stored; lost = articles
  with no brief at the end (goal 0); re-sent = the killed worker's calls in flight, sent again;
- rpm: 4 workers with --rpm R; the most requests the server received in any 60 s window.

    python benchmarks/bench_workers.py [--quick] [--articles N] [--concurrency C] [--rpm R]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, print_machine

from summarizer.testserver import (
    FakeOpenAIServer,
    FirstSentencesResponder,
    Step,
    synthetic_article,
)

ADMIN = os.environ.get("SUMMARIZER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
WORDS = 300


class TimedResponder:
    """FirstSentencesResponder that notes when each request arrived."""

    def __init__(self) -> None:
        self.inner = FirstSentencesResponder()
        self.times: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, request: dict[str, Any]) -> Step:
        with self.lock:
            self.times.append(time.monotonic())
        return self.inner(request)


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"bench_{secrets.token_hex(5)}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def count(url: str, sql: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        row = c.execute(sql).fetchone()
    return int(row[0]) if row else 0


def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        return list(c.execute(sql).fetchall())


def env(tmp: Path) -> dict[str, str]:
    out = dict(os.environ)
    out.update(
        SUMMARIZER_DATA_DIR=str(tmp / "data"),
        SUMMARIZER_CONFIG_DIR=str(tmp / "config"),
        OPENAI_API_KEY="bench-dummy-key",
        PYTHONPATH=str(ROOT),
    )
    return out


def queue(url: str, folder: Path, server: FakeOpenAIServer, tmp: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "summarizer",
        "digest",
        str(folder),
        "--db",
        url,
        "--no-wait",
        "--engine",
        "llm",
        "--base-url",
        server.base_url,
        "--concurrency",
        "16",
        "--out",
        str(tmp / "queued.md"),
    ]
    subprocess.run(cmd, env=env(tmp), cwd=ROOT, check=False, capture_output=True)


def run(
    n_workers: int,
    folder: Path,
    n: int,
    conc: int,
    tmp: Path,
    *,
    kill_at: float | None = None,
    rpm: int | None = None,
    stalled_after: float = 10.0,
) -> dict[str, Any]:
    responder = TimedResponder()
    with fresh_database() as url, FakeOpenAIServer(responder=responder, latency=0.2) as server:
        queue(url, folder, server, tmp)
        todo = count(url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
        args = ["--concurrency", str(conc), "--base-url", server.base_url]
        args += ["--stalled-after", str(stalled_after)]
        if rpm:
            args += ["--rpm", str(rpm)]
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "summarizer", "worker", "--db", url, *args],
                env=env(tmp),
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=(tmp / f"worker{k}.log").open("wb"),
            )
            for k in range(n_workers)
        ]
        killed = False
        done = 0
        deadline = started + 1800
        try:
            while time.monotonic() < deadline:
                done = count(url, "SELECT count(*) FROM briefs")
                if done >= n:
                    break
                if kill_at is not None and not killed and done >= kill_at * n:
                    procs[0].send_signal(signal.SIGKILL)
                    procs[0].wait()
                    killed = True
                time.sleep(0.2)
            seconds = time.monotonic() - started
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        outcomes = rows(
            url,
            "SELECT outcome, count(*) FROM llm_calls WHERE article_id IS NOT NULL "
            "GROUP BY outcome ORDER BY outcome",
        )
        twice = rows(
            url,
            "SELECT count(*) FROM (SELECT article_id FROM llm_calls WHERE attempt = 1 "
            "GROUP BY article_id HAVING count(*) > 1) AS t",
        )
        ids = [
            __import__("hashlib").sha256(synthetic_article(i, WORDS).encode()).hexdigest()
            for i in range(n)
        ]
        sent = [server.per_article[i] for i in ids]
        times = sorted(responder.times)
        window = max(
            (bisect_right(times, t + 60.0) - k for k, t in enumerate(times)),
            default=0,
        )
        return {
            "workers": n_workers,
            "concurrency": conc,
            "queued": todo,
            "briefs": done,
            "seconds": round(seconds, 2),
            "art_per_s": round(done / seconds, 1) if seconds else 0.0,
            "duplicates": sum(1 for s in sent if s > 1),
            "never_sent": sum(1 for s in sent if s == 0),
            "lost": n - done,
            "killed": killed,
            "requests": len(times),
            "max_in_60s": window,
            "rpm": rpm,
            # llm_calls by outcome (a retry after a timeout or a dropped connection is a call
            # too), and articles whose first attempt was written more than once (a job run again)
            "calls": {str(k): int(v) for k, v in outcomes},
            "jobs_run_again": int(twice[0][0]) if twice else 0,
            # jobs the workers put back in the queue, their worker's heartbeat being too old
            "put_back": sum(
                log.read_text(errors="replace").count("of a stalled worker put back")
                for log in tmp.glob("worker*.log")
            ),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 articles")
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=4, help="per worker")
    ap.add_argument("--rpm", type=int, default=600)
    ap.add_argument("--rpm-articles", type=int, default=1000)
    ap.add_argument("--parts", default="throughput,kill,rpm", help="which runs, comma-separated")
    args = ap.parse_args()
    n = 200 if args.quick else args.articles
    n_rpm = 200 if args.quick else args.rpm_articles
    print_machine()
    print(f"{n} synthetic articles of {WORDS} words, 200 ms per answer, "
          f"{args.concurrency} jobs at once per worker")  # fmt: skip
    results = []
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        folder = tmp / "articles"
        folder.mkdir()
        for i in range(max(n, n_rpm)):
            (folder / f"a{i:05d}.txt").write_text(synthetic_article(i, WORDS), encoding="utf-8")
        rpm_folder = tmp / "rpm"
        rpm_folder.mkdir()
        for i in range(n_rpm):
            os.link(folder / f"a{i:05d}.txt", rpm_folder / f"a{i:05d}.txt")
        only = tmp / "n"
        only.mkdir()
        for i in range(n):
            os.link(folder / f"a{i:05d}.txt", only / f"a{i:05d}.txt")
        parts = args.parts.split(",")
        for workers in (1, 2, 4) if "throughput" in parts else ():
            r = run(workers, only, n, args.concurrency, tmp)
            results.append(("throughput", r))
            print(json.dumps(r), flush=True)
        if "kill" in parts:
            r = run(4, only, n, args.concurrency, tmp, kill_at=1 / 3)
            results.append(("kill -9", r))
            print(json.dumps(r), flush=True)
        if "rpm" in parts:
            r = run(4, rpm_folder, n_rpm, args.concurrency, tmp, rpm=args.rpm)
            results.append(("rpm", r))
            print(json.dumps(r), flush=True)
    base = results[0][1]["seconds"] if results and results[0][0] == "throughput" else 0.0
    print()
    print("| run | workers | articles | s | art/s | speed-up | duplicates | lost | "
          "max req in 60 s |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results:
        speed = f"{base / r['seconds']:.2f}x" if name == "throughput" and base else "-"
        cap = f"{r['max_in_60s']} (rpm {r['rpm']})" if r["rpm"] else str(r["max_in_60s"])
        print(
            f"| {name} | {r['workers']} | {r['briefs']}/{r['queued']} | {r['seconds']} | "
            f"{r['art_per_s']} | {speed} | {r['duplicates']} | {r['lost']} | {cap} |"
        )


if __name__ == "__main__":
    main()
