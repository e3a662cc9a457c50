"""The store under faults: truncated, not a database, a damaged row, a full disk, an I/O error,
reached through a symlink. Each is a real SQLite file made so, never a mock of sqlite3."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import summarize
from summarizer.brief.models import Brief, SourceMeta
from summarizer.errors import StoreError, StoreLocked
from summarizer.store import BriefKey, SQLiteStore, lock_path, store_lock
from summarizer.testing.server import synthetic_article

ROOT = Path(__file__).resolve().parents[1]


def key(i: int) -> BriefKey:
    return BriefKey(hashlib.sha256(_text(i).encode()).hexdigest(), "offline", "-", "p", "1")


def _text(i: int) -> str:
    return f"Article number {i}."


def put(store: SQLiteStore, i: int, brief: Brief) -> None:
    """Store article `i` and its brief."""
    store.add_article(_text(i), f"source-{i}", SourceMeta())
    store.put_brief(key(i), brief)


@pytest.fixture(scope="module")
def brief() -> Brief:
    return summarize(synthetic_article(1), engine="offline")


def filled(path: Path, brief: Brief, n: int = 5) -> Path:
    """A store with `n` briefs and one finished run, closed (its WAL folded in)."""
    store = SQLiteStore(path)
    for i in range(n):
        put(store, i, brief)
    run = store.start_run({"sources": ["a"]})
    store.record_item(run, "a", None, "done")
    store.finish_run(run, "ok", {"articles": 1})
    store.close()
    return path


def cli(*args: str) -> tuple[int, list[str]]:
    from summarizer.cli import main

    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stderr.strip().splitlines()


# --- opening ------------------------------------------------------------------------------------


def test_a_store_truncated_to_nothing_is_named_not_reset(tmp_path: Path, brief: Brief) -> None:
    db = filled(tmp_path / "store.db", brief)
    os.truncate(db, 0)
    with pytest.raises(StoreError, match=r"store\.db: the store is empty \(0 bytes\)") as info:
        SQLiteStore(db)
    assert info.value.exit_code == 2 and "\n" not in str(info.value)
    assert db.stat().st_size == 0  # not silently made into a new store
    code, lines = cli("history", "--db", str(db))
    assert code == 2 and len(lines) == 1 and "0 bytes" in lines[0], lines
    assert db.stat().st_size == 0


def test_a_store_cut_short_is_named_as_truncated(tmp_path: Path, brief: Brief) -> None:
    db = filled(tmp_path / "store.db", brief, n=12)
    size = db.stat().st_size
    os.truncate(db, size // 2)
    with pytest.raises(StoreError, match=r"the store was truncated: [\d,]+ bytes of the") as info:
        SQLiteStore(db)
    assert f"{size:,}" in str(info.value)
    assert db.stat().st_size == size // 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is a text file, not a database\n" * 200, "not a SQLite store"),
        (b"SQLite format 3\x00" + b"\xff" * 4000, "store"),
    ],
)
def test_a_file_that_is_not_a_store_is_named(tmp_path: Path, content: bytes, message: str) -> None:
    db = tmp_path / "store.db"
    db.write_bytes(content)
    with pytest.raises(StoreError, match=message) as info:
        SQLiteStore(db)
    assert str(info.value).startswith(str(db)) and "\n" not in str(info.value)
    assert db.read_bytes() == content


# --- damaged rows -------------------------------------------------------------------------------


def _damage_row(db: Path, table: str, nth: int) -> None:
    """Overwrite the record header of the `nth` cell of `table`'s root leaf page."""
    with sqlite3.connect(db) as c:
        root = c.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        size = c.execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(db.read_bytes())
    page = (root[0] - 1) * size
    assert data[page] == 0x0D, "the table must fit in one leaf page"
    cell = page + struct.unpack(">H", data[page + 8 + 2 * nth : page + 10 + 2 * nth])[0]
    payload_len = 1
    while data[cell + payload_len - 1] & 0x80:
        payload_len += 1
    data[cell + payload_len + 1] = 0x7F  # after the payload length and a one-byte rowid
    db.write_bytes(bytes(data))


def test_a_damaged_run_row_is_skipped_and_reported(tmp_path: Path, brief: Brief) -> None:
    db = tmp_path / "store.db"
    store = SQLiteStore(db)
    for n in range(6):
        run = store.start_run({"n": n})
        store.finish_run(run, "ok", {"n": n})
    store.start_run({"n": 6})  # killed: still 'running'
    store.close()
    _damage_row(db, "runs", 2)

    store = SQLiteStore(db)
    assert any("integrity check" in w for w in store.warnings), store.warnings
    runs = store.runs()
    assert sorted(r["id"] for r in runs) == [1, 2, 4, 5, 6, 7]
    assert any("damaged row (run 3)" in w for w in store.warnings)
    # the next run's start still works: the killed run is marked, the damaged one left alone
    assert store.mark_interrupted() == 1
    assert store.start_run({"n": 7}) == 8
    put(store, 1, brief)
    assert store.get_brief(key(1)) == brief
    store.close()
    code, lines = cli("history", "--db", str(db), "--json")
    assert code == 0, lines


def test_a_brief_whose_json_is_damaged_is_skipped_reported_and_replaced(
    tmp_path: Path, brief: Brief
) -> None:
    db = filled(tmp_path / "store.db", brief)
    with sqlite3.connect(db) as c:
        c.execute(
            'UPDATE briefs SET brief_json = \'{"title": "trunc\' WHERE article_id = ?',
            (key(2).article_id,),
        )
    store = SQLiteStore(db)
    assert store.warnings == []  # the file is sound: only the row's content is not
    assert store.get_brief(key(1)) == brief
    assert store.get_brief(key(2)) is None  # a cache miss: it will be briefed again
    assert len(store.warnings) == 1 and "damaged row (brief of" in store.warnings[0]
    store.put_brief(key(2), brief)
    assert store.get_brief(key(2)) == brief


# --- write failures -----------------------------------------------------------------------------


def test_a_full_store_is_one_error_naming_the_file(tmp_path: Path, brief: Brief) -> None:
    db = filled(tmp_path / "store.db", brief, n=3)
    store = SQLiteStore(db)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL, as on a full disk
    big = brief.model_copy(update={"summary": "x" * 200_000})
    with pytest.raises(StoreError) as info:
        put(store, 9, big)
    message = str(info.value)
    assert message.startswith(f"{db}: cannot write the store: ") and "full" in message
    assert "\n" not in message and info.value.exit_code == 2
    store.close()
    again = SQLiteStore(db)
    assert [again.get_brief(key(i)) == brief for i in range(3)] == [True] * 3
    assert again.get_brief(key(9)) is None and again.integrity_ok()


def test_an_io_error_mid_run_keeps_what_was_committed(tmp_path: Path) -> None:
    """A real I/O error: the child may not grow any file past a limit (RLIMIT_FSIZE)."""
    db = tmp_path / "store.db"
    script = textwrap.dedent(
        f"""
        import json, os, resource, signal
        from summarizer.errors import StoreError
        from summarizer.store import SQLiteStore
        store = SQLiteStore({str(db)!r})
        run = store.start_run({{}})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))
        done = 0
        try:
            for i in range(2000):
                store.record_item(run, f"source-{{i}}", None, "done", "r" * 1000)
                done += 1
        except StoreError as exc:
            print(json.dumps({{"done": done, "error": str(exc), "code": exc.exit_code}}))
        """
    )
    child = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert child.returncode == 0, child.stderr
    outcome = json.loads(child.stdout)
    assert outcome["done"] > 10
    assert outcome["error"] == f"{db}: cannot write the store: disk I/O error"
    assert outcome["code"] == 2
    store = SQLiteStore(db)
    _, items = store.run(1) or ({}, [])
    assert len(items) >= outcome["done"] - 1  # WAL frames synced before the failure survive
    assert store.integrity_ok()


# --- the real path ------------------------------------------------------------------------------


def test_a_symlinked_store_shares_the_lock_of_its_real_file(tmp_path: Path) -> None:
    real = tmp_path / "data" / "store.db"
    real.parent.mkdir()
    SQLiteStore(real).close()
    link = tmp_path / "link.db"
    link.symlink_to(real)
    via_dir = tmp_path / "dirlink"
    via_dir.symlink_to(real.parent)
    assert SQLiteStore(link).path == real.resolve()
    assert lock_path(link) == lock_path(via_dir / "store.db") == lock_path(real)
    with store_lock(real) as held:
        assert held == real.resolve().with_name("store.db.lock")
        for other in (link, via_dir / "store.db"):
            with (
                pytest.raises(StoreLocked, match="another digest run holds the lock") as info,
                store_lock(other),
            ):
                pass
            assert info.value.exit_code == 8
    with store_lock(link):  # released: the next run takes it
        pass
    assert not (tmp_path / "link.db.lock").exists()
