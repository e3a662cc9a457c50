"""The SQLite store: articles, briefs, model calls and runs in one file (the embedded default).

Briefs are keyed by (content hash, engine, model, prompt version, schema version), so re-running a
digest over unchanged sources finds every brief and makes no model call. Each brief is committed
the moment it is made, so a run killed at any point loses nothing it finished. Schema changes are
numbered migrations recorded in `_migrations` (simonw/llm's pattern): each runs once, in order.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from summarizer.errors import StoreError, StoreLocked
from summarizer.store.base import _now
from summarizer.store.sql import SQL, SQLStore

log = logging.getLogger(__name__)

# --- migrations ---------------------------------------------------------------------------------

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    """Register a migration; they run in the order they are defined, each exactly once."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE articles (
            id TEXT PRIMARY KEY,            -- sha256 of the text
            canonical_url TEXT UNIQUE,
            source TEXT NOT NULL,           -- what the user gave (path, URL, feed entry)
            title TEXT, site TEXT, published TEXT,
            meta_json TEXT NOT NULL,
            text TEXT NOT NULL,
            first_seen TEXT NOT NULL
        );
        CREATE TABLE briefs (
            id INTEGER PRIMARY KEY,
            article_id TEXT NOT NULL REFERENCES articles(id),
            engine TEXT NOT NULL, model TEXT NOT NULL,
            prompt_version TEXT NOT NULL, schema_version TEXT NOT NULL,
            brief_json TEXT NOT NULL,
            cost_usd REAL, tokens INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (article_id, engine, model, prompt_version, schema_version)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            started_at TEXT NOT NULL, finished_at TEXT,
            status TEXT NOT NULL,           -- running | ok | partial | failed | interrupted
            args_json TEXT NOT NULL,
            totals_json TEXT
        );
        CREATE TABLE run_items (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            source TEXT NOT NULL,
            article_id TEXT,
            status TEXT NOT NULL,           -- done | cached | failed | skipped
            reason TEXT,
            PRIMARY KEY (run_id, source)
        );
        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY,
            run_id INTEGER, article_id TEXT,
            model TEXT NOT NULL, attempt INTEGER NOT NULL, outcome TEXT NOT NULL,
            status_code INTEGER, latency_s REAL NOT NULL,
            prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
            cost_usd REAL, error TEXT, created_at TEXT NOT NULL
        );
        CREATE INDEX llm_calls_run ON llm_calls(run_id);
        """
    )


@migration
def m002_batches(db: sqlite3.Connection) -> None:
    # Batch API jobs, so a run can resume polling instead of submitting again.
    db.executescript(
        """
        CREATE TABLE batches (
            id TEXT PRIMARY KEY,            -- the endpoint's batch id
            model TEXT NOT NULL, prompt_version TEXT NOT NULL,
            article_ids_json TEXT NOT NULL,
            status TEXT NOT NULL,
            created_at TEXT NOT NULL, finished_at TEXT
        );
        """
    )


@migration
def m003_calls_in_flight(db: sqlite3.Connection) -> None:
    # A call is written down before it is sent (outcome 'sent', cost_usd its reserved worst
    # case) and completed after; a Batch API request carries its batch's id.
    db.executescript(
        """
        ALTER TABLE llm_calls ADD COLUMN reserved_usd REAL;
        ALTER TABLE llm_calls ADD COLUMN batch_id TEXT;
        ALTER TABLE llm_calls ADD COLUMN chunk INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX llm_calls_batch ON llm_calls(batch_id, article_id);
        """
    )


@migration
def m004_stories(db: sqlite3.Connection) -> None:
    # Stories a digest showed, so the next digest keeps their ids and says what changed
    # (summarizer.digests.continuity). Plain SQL: TEXT/INTEGER columns, ISO 8601 times as TEXT.
    db.executescript(
        """
        CREATE TABLE stories (
            id TEXT PRIMARY KEY,            -- the story's id, kept while it goes on
            title TEXT NOT NULL,
            first_seen TEXT NOT NULL,       -- when a digest first showed it
            last_updated TEXT NOT NULL,     -- when a digest last found something new in it
            last_run INTEGER,               -- the run that last showed it
            fingerprint TEXT NOT NULL,      -- hash of its facts, sources and disagreements
            state_json TEXT NOT NULL        -- members, parties, words, facts, sources, ...
        );
        CREATE TABLE story_members (
            story_id TEXT NOT NULL REFERENCES stories(id),
            article_id TEXT NOT NULL,       -- first 16 hex of the article's content hash
            PRIMARY KEY (story_id, article_id)
        );
        CREATE INDEX story_members_article ON story_members(article_id);
        CREATE INDEX stories_last_updated ON stories(last_updated);
        """
    )


@migration
def m005_syntheses(db: sqlite3.Connection) -> None:
    # A story's synthesis by the model, so a story whose members did not change is not
    # synthesised again (summarizer.digests.synthesis). Plain SQL, ISO 8601 times as TEXT.
    db.executescript(
        """
        CREATE TABLE syntheses (
            key TEXT PRIMARY KEY,           -- sha256 of sorted member article ids|prompt|model
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            synthesis_json TEXT NOT NULL,   -- a models.StorySynthesis
            created_at TEXT NOT NULL
        );
        """
    )


@migration
def m006_feed_state(db: sqlite3.Connection) -> None:
    # Per feed URL, the validators and body of its last 200 response, so the next fetch is a
    # conditional GET (If-None-Match / If-Modified-Since) and a 304 reuses the body.
    db.executescript(
        """
        CREATE TABLE feed_state (
            url TEXT PRIMARY KEY,
            etag TEXT,
            last_modified TEXT,
            body BLOB NOT NULL,
            fetched_at TEXT NOT NULL
        );
        """
    )


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied now."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with db:
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, _now())
            )
        applied.append(fn.__name__)
    return applied


class SQLiteStore(SQLStore):
    """The default store: one SQLite file in WAL mode, safe to share between threads.

    Opening checks the file: a store truncated to 0 bytes, or a file that is not a SQLite
    database, is a `StoreError` naming it (never silently replaced by a new store), and
    `PRAGMA quick_check` runs on every open; what it finds is kept in `warnings` (and logged).
    A damaged row (unreadable, or JSON that no longer parses) is skipped and reported in
    `warnings` too, never fatal. A failed write (disk full, I/O error, read-only) raises one
    `StoreError` naming the file; every commit before it stays.

    `path` is the store's real path (symlinks resolved): the lock (`store_lock`) is taken there.
    The statements and most methods are shared with PostgreSQL (`summarizer.store.sql`).
    """

    # A brief stored again replaces the row (a new id: `brief_by_article` finds it newest).
    sql = replace(
        SQL,
        put_brief="INSERT OR REPLACE INTO briefs (article_id, engine, model, prompt_version, "
        "schema_version, brief_json, cost_usd, tokens, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )

    def __init__(self, path: str | Path) -> None:
        self.path = real_path(path)
        self.warnings: list[str] = []
        _check_not_truncated(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store's folder: {exc.strerror}", path=str(self.path)
            ) from None
        self._lock = threading.RLock()
        try:
            self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store: {exc}", path=str(self.path)) from None
        self.db.row_factory = sqlite3.Row
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._quick_check()
            self.applied = migrate(self.db)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(_unusable(exc), path=str(self.path)) from None

    def _quick_check(self) -> None:
        try:
            rows = [str(r[0]) for r in self.db.execute("PRAGMA quick_check(20)")]
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "encrypted" in str(exc):
                raise
            rows = [str(exc)]
        if rows != ["ok"]:
            more = f", and {len(rows) - 1} more problem(s)" if len(rows) > 1 else ""
            self._report(
                f"{self.path}: the store failed its integrity check ({rows[0]}{more}); damaged "
                f"rows are skipped. To rebuild it: sqlite3 {self.path} .recover | sqlite3 new.db"
            )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """A transaction; a failed write is one StoreError naming the file (nothing half done)."""
        with self._lock:
            try:
                with self.db:
                    yield self.db
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot write the store: {exc}", path=str(self.path)) from None

    def _read(self, what: str, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row] | None:
        """Rows of a query, or None (reported) when the store cannot read them."""
        try:
            with self._lock:
                return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            self._damaged(what, exc)
            return None

    _select = _read

    def _insert_id(self, db: Any, sql: str, args: tuple[Any, ...]) -> int:
        return int(db.execute(sql, args).lastrowid or 0)

    def _executemany(self, db: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        db.executemany(sql, rows)

    def _rows_by_id(
        self, what: str, table: str, ids_sql: str, args: tuple[Any, ...]
    ) -> list[dict[str, Any]]:
        """Rows of `table` whose rowids `ids_sql` selects, one by one: a damaged one is skipped."""
        out = []
        for (rowid,) in self._read(what, ids_sql, args) or []:
            rows = self._read(f"{what} {rowid}", f"SELECT * FROM {table} WHERE rowid = ?", (rowid,))
            if rows:
                out.append(dict(rows[0]))
        return out

    def name_batch(self, call_ids: list[int], batch_id: str) -> None:
        """Mark calls written before a batch was submitted as that batch's requests."""
        with self._tx() as db:
            db.executemany(
                "UPDATE llm_calls SET batch_id = ? WHERE id = ?", [(batch_id, i) for i in call_ids]
            )

    def mark_interrupted(self) -> int:
        """Runs still 'running' when a new run starts were killed: say so.

        A damaged run row is skipped (and reported): the others are still marked. Their calls
        still 'sent' (not Batch API requests, which are collected later) become 'interrupted',
        at their reserved cost: they may have been billed.
        """
        try:
            with self._tx() as db:
                db.execute(self.sql.interrupt_calls)
        except StoreError:
            pass
        try:
            with self._tx() as db:
                return db.execute(self.sql.interrupt_runs).rowcount
        except StoreError:
            pass
        marked = 0
        for (run_id,) in self._read("runs", "SELECT id FROM runs") or []:
            row = self._read(f"run {run_id}", "SELECT status FROM runs WHERE id = ?", (run_id,))
            if row and row[0][0] == "running":
                with self._tx() as db:
                    db.execute("UPDATE runs SET status = 'interrupted' WHERE id = ?", (run_id,))
                marked += 1
        return marked

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest runs, newest first (a damaged row is skipped and reported)."""
        return self._rows_by_id(
            "run", "runs", "SELECT id FROM runs ORDER BY id DESC LIMIT ?", (limit,)
        )

    def run(self, run_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """One run and its items."""
        rows = self._read(f"run {run_id}", "SELECT * FROM runs WHERE id = ?", (run_id,))
        if not rows:
            return None
        items = self._rows_by_id(
            f"item of run {run_id}",
            "run_items",
            "SELECT rowid FROM run_items WHERE run_id = ? ORDER BY status, source",
            (run_id,),
        )
        return dict(rows[0]), items

    def calls(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Model calls, of one run or all."""
        if run_id is None:
            return self._rows_by_id("call", "llm_calls", "SELECT id FROM llm_calls ORDER BY id", ())
        return self._rows_by_id(
            "call", "llm_calls", "SELECT id FROM llm_calls WHERE run_id = ? ORDER BY id", (run_id,)
        )

    def recent_calls(
        self, limit: int = 20, *, model: str | None = None, run_id: int | None = None
    ) -> list[dict[str, Any]]:
        """The latest model calls, newest first (`limit` 0: all), of one model or one run if
        given, each with its article's source and title when the article is stored
        (`summarizer logs`). A damaged row is skipped and reported."""
        out = []
        ids = self._read(
            "calls",
            "SELECT id FROM llm_calls WHERE (? IS NULL OR model = ?) AND (? IS NULL OR run_id = ?) "
            "ORDER BY id DESC LIMIT ?",
            (model, model, run_id, run_id, limit or -1),
        )
        for (call_id,) in ids or []:
            rows = self._read(
                f"call {call_id}",
                "SELECT c.*, a.source AS source, a.title AS title FROM llm_calls c "
                "LEFT JOIN articles a ON a.id = c.article_id WHERE c.id = ?",
                (call_id,),
            )
            if rows:
                out.append(dict(rows[0]))
        return out

    def earlier_stories(self, article_ids: list[str], since: str) -> list[str]:
        """The stored states (JSON) of stories that hold one of these articles, or that were
        last updated at or after `since` (ISO 8601); a damaged row is skipped and reported."""
        ids: set[str] = set()
        for chunk in range(0, len(article_ids), 500):
            part = article_ids[chunk : chunk + 500]
            marks = ", ".join("?" * len(part))
            rows = self._read(
                "story members",
                f"SELECT DISTINCT story_id FROM story_members WHERE article_id IN ({marks})",
                tuple(part),
            )
            ids.update(str(r[0]) for r in rows or [])
        rows = self._read("stories", "SELECT id FROM stories WHERE last_updated >= ?", (since,))
        ids.update(str(r[0]) for r in rows or [])
        out = []
        for sid in sorted(ids):
            got = self._read(f"story {sid}", "SELECT state_json FROM stories WHERE id = ?", (sid,))
            if got:
                out.append(str(got[0][0]))
        return out

    def integrity_ok(self) -> bool:
        """PRAGMA integrity_check says ok."""
        rows = self._read("integrity check", "PRAGMA integrity_check")
        return rows is not None and bool(rows) and rows[0][0] == "ok"


# --- opening, checking and locking the file ---------------------------------------------------


def real_path(path: str | Path) -> Path:
    """The store's real path: `~` expanded, symlinks resolved (the file need not exist)."""
    return Path(os.path.expanduser(str(path))).resolve()


def lock_path(db_path: str | Path) -> Path:
    """The lock file of a store: beside its real path, so every way to reach it shares one."""
    real = real_path(db_path)
    return real.with_name(real.name + ".lock")


def _check_not_truncated(path: Path) -> None:
    """A store that exists with 0 bytes (and no write-ahead log holding its pages) was
    truncated: say so rather than let SQLite start a new, empty store in its place."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"cannot read the store: {exc.strerror}", path=str(path)) from None
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return  # the log holds pages the file does not have yet: SQLite reads both
    for _ in range(4):
        # Another process may have created the file this instant and be writing its header.
        if size:
            break
        time.sleep(0.05)
        size = path.stat().st_size
    if not size:
        raise StoreError(
            "the store is empty (0 bytes): it was truncated, and every brief, run and call it "
            "held is gone; restore it from a backup, or delete it to start a new store",
            path=str(path),
        )
    expected = _size_in_header(path)
    if expected is not None and size < expected:
        raise StoreError(
            f"the store was truncated: {size:,} bytes of the {expected:,} its header records; "
            "restore it from a backup (sqlite3 FILE .recover saves what is left)",
            path=str(path),
        )


def _size_in_header(path: Path) -> int | None:
    """The file size a SQLite header records (page size x page count), when it is valid."""
    try:
        with path.open("rb") as fh:
            head = fh.read(100)
    except OSError:
        return None
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return None
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    # The count is only kept up to date by SQLite >= 3.7.0, which says so with these two equal.
    if head[24:28] != head[92:96] or not pages:
        return None
    return page_size * pages


def _unusable(exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "not a database" in text:
        return "not a SQLite store (or damaged beyond reading); restore it from a backup"
    if "malformed" in text:
        return f"the store is damaged ({text}); rebuild it with: sqlite3 FILE .recover"
    return f"cannot use the store: {text}"


@contextmanager
def store_lock(db_path: str | Path, *, wait: bool = False) -> Iterator[Path]:
    """Hold the store's exclusive lock (fcntl, released on exit or kill); yield the lock file.

    The lock sits beside the store's real path, so a run through a symlink and a run through
    the file itself exclude each other. Raises `StoreLocked` when held and not waiting.
    """
    import fcntl

    lock = lock_path(db_path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise StoreLocked(
                f"another digest run holds the lock {lock}; wait for it, or pass --wait"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield lock
    finally:
        os.close(fd)
