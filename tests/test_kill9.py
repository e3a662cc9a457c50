"""kill -9 at random points of a digest, then a run to the end (issue 11).

The digest CLI runs in a subprocess against the scripted server on 127.0.0.1 and is SIGKILLed
at several moments drawn by a seeded RNG (from its start-up to its last writes); each killed run
leaves a store that passes `PRAGMA integrity_check`. A final run completes. Required: exactly one
brief per article, the store intact, and nothing temporary left next to the outputs or the
store (the atomic writes' `.NAME.*.tmp`, the writability checks' `.NAME.*.check`, SQLite's
`-journal`/`-wal`/`-shm`); the lock file `store.db.lock` is the store's, and stays.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from hashlib import sha256
from pathlib import Path

import pytest

from summarizer.testing.server import FakeOpenAIServer, FirstSentencesResponder, synthetic_article

pytestmark = pytest.mark.slow

N = 16
KILLS = 4


def sha(text: str) -> str:
    return sha256(text.encode()).hexdigest()


def _connect(db: Path) -> closing[sqlite3.Connection]:
    # Closed on leaving the block (sqlite3's own context manager only commits): an open
    # connection of the test would keep the -wal and -shm files there.
    return closing(sqlite3.connect(db))


def _integrity(db: Path) -> str:
    with _connect(db) as c:
        return str(c.execute("PRAGMA integrity_check").fetchone()[0])


def _briefs(db: Path) -> list[str]:
    if not db.exists() or not db.stat().st_size:
        return []
    try:
        with _connect(db) as c:
            return [r[0] for r in c.execute("SELECT article_id FROM briefs")]
    except sqlite3.OperationalError:  # killed before its tables were made
        return []


def _leftovers(folder: Path) -> list[str]:
    names = [p.name for p in folder.iterdir()]
    return sorted(
        n
        for n in names
        if n.endswith((".tmp", ".check", "-journal", "-wal", "-shm")) or n.startswith(".")
    )


def test_kill_9_at_random_points_then_a_clean_finish(tmp_path: Path) -> None:
    rng = random.Random(9)
    folder = tmp_path / "articles"
    folder.mkdir()
    texts = [synthetic_article(90_000 + i, 220) for i in range(N)]
    for i, text in enumerate(texts):
        (folder / f"{i:02}.txt").write_text(text, "utf-8")
    work = tmp_path / "out"
    work.mkdir()
    db, out = work / "store.db", work / "digest.md"
    env = {**os.environ, "SUMMARIZER_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    with FakeOpenAIServer(
        responder=FirstSentencesResponder(), latency=0.12, faults={"500": 0.05}, seed=9
    ) as server:
        cmd = [sys.executable, "-m", "summarizer", "digest", str(folder), "--engine", "llm",
               "--base-url", server.base_url, "--db", str(db), "--concurrency", "4",
               "--out", str(out)]  # fmt: skip
        # Where each run is killed: during start-up (a random moment), after a random number
        # of briefs (plus a random few ms, so sometimes mid-write), and once all briefs are in
        # (grouping, the output's atomic write, the run's end).
        plans = [("startup", 0)] + [("briefs", 0)] * (KILLS - 2) + [("finish", 0)]
        killed = 0
        progress = []  # (plan, briefs before, briefs after) of each killed run
        for plan, _ in plans:
            before = len(_briefs(db))
            target = N if plan == "finish" else rng.randint(before + 1, min(N - 1, before + 5))
            proc = subprocess.Popen(
                cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            if plan == "startup":
                time.sleep(rng.uniform(0.05, 1.0))
            else:
                deadline = time.monotonic() + 60
                while len(_briefs(db)) < target and proc.poll() is None:
                    assert time.monotonic() < deadline, "no progress"
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.3 if plan == "finish" else 0.03))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait(timeout=30)
            if db.exists() and db.stat().st_size:
                assert _integrity(db) == "ok"
            progress.append((plan, before, len(_briefs(db))))
        print("kills (plan, briefs before, after):", progress)
        assert killed >= KILLS - 1, f"runs ended before their kill: {progress}"
        final = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert final.returncode == 0, final.stderr
    assert _integrity(db) == "ok"
    with _connect(db) as c:
        ids = [r[0] for r in c.execute("SELECT article_id FROM briefs")]
        unfinished = c.execute("SELECT count(*) FROM llm_calls WHERE outcome = 'sent'").fetchone()
        statuses = [r[0] for r in c.execute("SELECT status FROM runs ORDER BY id")]
    assert sorted(ids) == sorted(sha(t) for t in texts)  # exactly one brief per article
    assert unfinished[0] == 0  # calls in flight at a kill are completed 'interrupted'
    assert statuses[-1] == "ok" and "running" not in statuses
    assert _leftovers(work) == []
    assert sorted(p.name for p in work.iterdir()) == ["digest.md", "store.db", "store.db.lock"]
    assert out.read_text("utf-8").strip()


def test_a_killed_writers_temp_files_are_cleared_by_the_next_run(tmp_path: Path) -> None:
    """A kill between an atomic write's temp file and its rename leaves `.NAME.PID.*.tmp`: the
    next run's output check removes what a dead writer left, and nothing of a live one."""
    from summarizer.files import check_writable, write_atomic

    out = tmp_path / "digest.md"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = int(gone.stdout)  # a process that has exited
    stale = [tmp_path / f".digest.md.{dead}.k2x8q1.tmp", tmp_path / f".digest.md.{dead}.a1.check"]
    live = tmp_path / f".digest.md.{os.getppid()}.zz9.tmp"  # a running process's
    other = tmp_path / f".notes.md.{dead}.k2x8q1.tmp"  # another file's
    for p in [*stale, live, other]:
        p.write_text("half a digest")
    check_writable(out)
    assert not any(p.exists() for p in stale)
    assert live.exists() and other.exists()
    # A write leaves nothing of its own beside the output.
    write_atomic(out, "# digest\n")
    assert out.read_text() == "# digest\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["digest.md", live.name, other.name]
    )
