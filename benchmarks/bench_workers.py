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

from summarizer.testing.server import (
    FakeOpenAIServer,
    FirstSentencesResponder,
    Step,
    synthetic_article,
)
from summarizer.testing.workers import start_workers, stop_workers

ADMIN = os.environ.get("SUMMARIZER_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
WORDS = 300
# How a worker is started; `--worker-wrapper FILE` runs FILE instead (a script that wraps
# `summarizer worker`, e.g. to time or profile it, and takes the same arguments).
WORKER_CMD = ["-m", "summarizer", "worker"]


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


_TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far (0.0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def tree_cpu(pid: int) -> float:
    """CPU seconds of a live process and its live descendants (a worker's grounding process)."""
    children: dict[int, list[int]] = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            children.setdefault(_ppid(int(p.name)), []).append(int(p.name))
    total, todo = 0.0, [pid]
    while todo:
        here = todo.pop()
        total += proc_cpu(here)
        todo.extend(children.get(here, []))
    return total


def reaped_cpu(pid: int) -> float:
    """CPU seconds of a process's children that ended and were waited for (cutime + cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[13]) + int(fields[14])) / _TICK


class PgCpu:
    """CPU of PostgreSQL: `own` = the backends serving the benchmark's database (sampled while
    they live, so a backend's last sample is close to its total; one that lives less than a
    sample's interval is missed, see `sessions`), `all` = every postgres process plus the ones
    that ended (the postmaster's reaped children; includes other sessions' use of the server)."""

    def __init__(self, admin: Any, db: str) -> None:
        self.admin, self.db = admin, db
        self.backends: dict[int, float] = {}
        pid = int(admin.execute("SELECT pg_backend_pid()").fetchone()[0])
        self.postmaster = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        self.start_all = self.total_all()
        self.start_sessions = self.sessions()

    def total_all(self) -> float:
        kids = [
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and _ppid(int(p.name)) == self.postmaster
        ]
        return reaped_cpu(self.postmaster) + proc_cpu(self.postmaster) + sum(map(proc_cpu, kids))

    def sessions(self) -> int:
        row = self.admin.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", (self.db,)
        ).fetchone()
        return int(row[0]) if row else 0

    def sample(self) -> None:
        for (pid,) in self.admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.db,)
        ).fetchall():
            cpu = proc_cpu(int(pid))
            if cpu:
                self.backends[int(pid)] = cpu

    def result(self) -> dict[str, float]:
        return {
            "own": round(sum(self.backends.values()), 2),
            "all": round(self.total_all() - self.start_all, 2),
            "sessions": self.sessions() - self.start_sessions,
        }


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


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
    import resource

    import psycopg

    responder = TimedResponder()
    with fresh_database() as url, FakeOpenAIServer(responder=responder, latency=0.2) as server:
        queued_at = time.monotonic()
        queue(url, folder, server, tmp)
        queue_s = time.monotonic() - queued_at
        todo = count(url, "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
        args = ["--concurrency", str(conc), "--base-url", server.base_url]
        args += ["--stalled-after", str(stalled_after)]
        if rpm:
            args += ["--rpm", str(rpm)]
        poll = psycopg.connect(url, autocommit=True)  # one connection for the polling
        pg = PgCpu(psycopg.connect(ADMIN, autocommit=True), url.rsplit("/", 1)[1])
        started = time.monotonic()
        procs = start_workers(
            url, n_workers, *args, command=WORKER_CMD, env=env(tmp), cwd=ROOT, log_dir=tmp
        )
        killed = False
        done = 0
        deadline = started + 1800
        # CPU in the steady state: from when a tenth of the briefs are in (the workers have
        # started and warmed up) to the end, per brief stored in between.
        mark: dict[str, float] | None = None

        def cpu_now() -> dict[str, float]:
            pg.sample()
            self_cpu = resource.getrusage(resource.RUSAGE_SELF)
            return {
                "workers": sum(tree_cpu(p.pid) for p in procs),
                "pg_own": sum(pg.backends.values()),
                "pg_all": pg.total_all(),
                "bench": self_cpu.ru_utime + self_cpu.ru_stime,
                "done": float(done),
                "t": time.monotonic(),
            }

        try:
            while time.monotonic() < deadline:
                row = poll.execute("SELECT count(*) FROM briefs").fetchone()
                done = int(row[0]) if row else 0
                pg.sample()
                if mark is None and done >= n // 10 and not kill_at:
                    mark = cpu_now()
                if done >= n:
                    break
                if kill_at is not None and not killed and done >= kill_at * n:
                    procs[0].send_signal(signal.SIGKILL)
                    procs[0].wait()
                    killed = True
                time.sleep(0.2)
            seconds = time.monotonic() - started
            end = cpu_now()
        finally:
            stop_workers(procs, timeout=20)
            poll.close()
        cpu: dict[str, Any] = {}
        if mark is not None and end["done"] > mark["done"]:
            briefs = end["done"] - mark["done"]
            cpu = {
                k: round(1000 * (end[k] - mark[k]) / briefs, 1)
                for k in ("workers", "pg_own", "pg_all", "bench")
            }
            cpu["steady_art_per_s"] = round(briefs / (end["t"] - mark["t"]), 1)
        cpu["pg_sessions"] = pg.result()["sessions"]
        pg.admin.close()
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
            # how long `summarizer digest DIR --no-wait` took to store and queue them
            "queue_s": round(queue_s, 1),
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
            # CPU ms per brief in the steady state, by process: the workers, the PostgreSQL
            # backends of this database, all of PostgreSQL (incl. other sessions' use), this
            # process (the scripted server and the polling); and connections opened
            "cpu_ms_per_article": cpu,
            "put_back": sum(
                log.read_text(errors="replace").count("of a stalled worker put back")
                for log in tmp.glob("worker*.log")
            ),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 articles")
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument(
        "--concurrency", "--jobs-per-worker", type=int, default=4, help="jobs at once per worker"
    )
    ap.add_argument("--workers", default="1,2,4", help="throughput runs: numbers of workers")
    ap.add_argument("--rpm", type=int, default=600)
    ap.add_argument("--rpm-articles", type=int, default=1000)
    ap.add_argument("--parts", default="throughput,kill,rpm", help="which runs, comma-separated")
    ap.add_argument("--worker-wrapper", type=Path, help="run this script as each worker")
    args = ap.parse_args()
    if args.worker_wrapper:
        WORKER_CMD[:] = [str(args.worker_wrapper.resolve())]
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
        counts = [int(w) for w in args.workers.split(",")]
        for workers in counts if "throughput" in parts else ():
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
