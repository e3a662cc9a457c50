"""The store: articles, briefs, model calls and runs. SQLite by default, behind a small interface.

Briefs are keyed by (content hash, engine, model, prompt version, schema version), so re-running a
digest over unchanged sources finds every brief and makes no model call. Each brief is committed
the moment it is made, so a run killed at any point loses nothing it finished. Schema changes are
numbered migrations recorded in `_migrations` (simonw/llm's pattern): each runs once, in order.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from summarizer.models import Brief, CallRecord, SourceMeta

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


# --- the interface --------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def canonical_url(url: str | None) -> str | None:
    """One spelling per page: lower-case host, no fragment, no utm_* or tracking parameters."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return url.strip()
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in {"fbclid", "gclid", "ref"}
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, urlencode(query), ""))


@dataclass(frozen=True)
class BriefKey:
    """What makes a cached brief reusable: same text, same engine, model and versions."""

    article_id: str
    engine: str
    model: str
    prompt_version: str
    schema_version: str


class Store(Protocol):
    """What the digest needs from a store; a server database can implement it too."""

    def add_article(self, text: str, source: str, meta: SourceMeta) -> str: ...
    def get_brief(self, key: BriefKey) -> Brief | None: ...
    def put_brief(self, key: BriefKey, brief: Brief) -> None: ...
    def record_call(self, run_id: int | None, article_id: str | None, call: CallRecord) -> None: ...
    def start_run(self, args: dict[str, Any]) -> int: ...
    def record_item(
        self,
        run_id: int,
        source: str,
        article_id: str | None,
        status: str,
        reason: str | None = None,
    ) -> None: ...
    def finish_run(self, run_id: int, status: str, totals: dict[str, Any]) -> None: ...
    def mark_interrupted(self) -> int: ...
    def article(self, article_id: str) -> tuple[str, SourceMeta] | None: ...
    def add_batch(
        self, batch_id: str, model: str, prompt_version: str, article_ids: list[str]
    ) -> None: ...
    def open_batches(self, model: str, prompt_version: str) -> list[tuple[str, list[str]]]: ...
    def finish_batch(self, batch_id: str, status: str) -> None: ...
    def close(self) -> None: ...


class SQLiteStore:
    """The default store: one SQLite file in WAL mode, safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.applied = migrate(self.db)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self.db:
            yield self.db

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # articles
    def add_article(self, text: str, source: str, meta: SourceMeta) -> str:
        """Store an article once (by content hash; a known canonical URL keeps its first text)."""
        import hashlib

        article_id = meta.content_sha256 or hashlib.sha256(text.encode()).hexdigest()
        url = canonical_url(meta.url)
        with self._tx() as db:
            if url:
                row = db.execute(
                    "SELECT id FROM articles WHERE canonical_url = ?", (url,)
                ).fetchone()
                if row and row["id"] != article_id:
                    # Same page, new text (an update): keep both, the URL points at the newest.
                    db.execute(
                        "UPDATE articles SET canonical_url = NULL WHERE id = ?", (row["id"],)
                    )
            db.execute(
                "INSERT INTO articles (id, canonical_url, source, title, site, published, "
                "meta_json, text, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET canonical_url = COALESCE(excluded.canonical_url, "
                "articles.canonical_url)",
                (
                    article_id,
                    url,
                    source,
                    meta.title,
                    meta.site,
                    meta.date,
                    meta.model_dump_json(),
                    text,
                    _now(),
                ),
            )
        return article_id

    def article_count(self) -> int:
        """How many distinct articles are stored."""
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    # briefs
    def get_brief(self, key: BriefKey) -> Brief | None:
        """The cached brief for this key, if any."""
        row = self.db.execute(
            "SELECT brief_json FROM briefs WHERE article_id=? AND engine=? AND model=? AND "
            "prompt_version=? AND schema_version=?",
            (key.article_id, key.engine, key.model, key.prompt_version, key.schema_version),
        ).fetchone()
        return Brief.model_validate_json(row[0]) if row else None

    def put_brief(self, key: BriefKey, brief: Brief) -> None:
        """Store a brief (committed at once)."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO briefs (article_id, engine, model, prompt_version, "
                "schema_version, brief_json, cost_usd, tokens, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key.article_id,
                    key.engine,
                    key.model,
                    key.prompt_version,
                    key.schema_version,
                    brief.model_dump_json(),
                    brief.meta.cost_usd,
                    brief.meta.usage.total_tokens,
                    _now(),
                ),
            )

    def brief_count(self) -> int:
        """How many briefs are stored."""
        return int(self.db.execute("SELECT count(*) FROM briefs").fetchone()[0])

    # calls and runs
    def record_call(self, run_id: int | None, article_id: str | None, call: CallRecord) -> None:
        """Keep one model call."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO llm_calls (run_id, article_id, model, attempt, outcome, status_code, "
                "latency_s, prompt_tokens, completion_tokens, cost_usd, error, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    article_id,
                    call.model,
                    call.attempt,
                    call.outcome,
                    call.status_code,
                    call.latency_s,
                    call.usage.prompt_tokens,
                    call.usage.completion_tokens,
                    call.cost_usd,
                    call.error,
                    _now(),
                ),
            )

    def start_run(self, args: dict[str, Any]) -> int:
        """Open a run; return its id."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO runs (started_at, status, args_json) VALUES (?, 'running', ?)",
                (_now(), json.dumps(args, default=str)),
            )
            return int(cur.lastrowid or 0)

    def record_item(
        self,
        run_id: int,
        source: str,
        article_id: str | None,
        status: str,
        reason: str | None = None,
    ) -> None:
        """Record what happened to one source in a run."""
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO run_items (run_id, source, article_id, status, reason) "
                "VALUES (?, ?, ?, ?, ?)",
                (run_id, source, article_id, status, reason),
            )

    def finish_run(self, run_id: int, status: str, totals: dict[str, Any]) -> None:
        """Close a run with its status and totals."""
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, totals_json = ? WHERE id = ?",
                (_now(), status, json.dumps(totals), run_id),
            )

    def mark_interrupted(self) -> int:
        """Runs still 'running' when a new run starts were killed: say so."""
        with self._tx() as db:
            return db.execute(
                "UPDATE runs SET status = 'interrupted' WHERE status = 'running'"
            ).rowcount

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest runs, newest first."""
        rows = self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def run(self, run_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        """One run and its items."""
        row = self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        items = self.db.execute(
            "SELECT * FROM run_items WHERE run_id = ? ORDER BY status, source", (run_id,)
        ).fetchall()
        return dict(row), [dict(i) for i in items]

    def calls(self, run_id: int | None = None) -> list[dict[str, Any]]:
        """Model calls, of one run or all."""
        if run_id is None:
            rows = self.db.execute("SELECT * FROM llm_calls ORDER BY id").fetchall()
        else:
            rows = self.db.execute(
                "SELECT * FROM llm_calls WHERE run_id = ? ORDER BY id", (run_id,)
            ).fetchall()
        return [dict(r) for r in rows]

    def brief_by_article(self, article_prefix: str) -> Brief | None:
        """The newest brief of an article, by id or id prefix."""
        row = self.db.execute(
            "SELECT brief_json FROM briefs WHERE article_id LIKE ? ORDER BY id DESC LIMIT 1",
            (article_prefix + "%",),
        ).fetchone()
        return Brief.model_validate_json(row[0]) if row else None

    def article(self, article_id: str) -> tuple[str, SourceMeta] | None:
        """A stored article's text and source, by id."""
        row = self.db.execute(
            "SELECT text, meta_json FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        return (row["text"], SourceMeta.model_validate_json(row["meta_json"])) if row else None

    # Batch API jobs
    def add_batch(
        self, batch_id: str, model: str, prompt_version: str, article_ids: list[str]
    ) -> None:
        """Remember a submitted batch, so any later run can collect it."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO batches (id, model, prompt_version, article_ids_json, status, "
                "created_at) VALUES (?, ?, ?, ?, 'submitted', ?)",
                (batch_id, model, prompt_version, json.dumps(article_ids), _now()),
            )

    def open_batches(self, model: str, prompt_version: str) -> list[tuple[str, list[str]]]:
        """Batches not yet collected for this model and prompt: (batch id, article ids)."""
        rows = self.db.execute(
            "SELECT id, article_ids_json FROM batches WHERE finished_at IS NULL AND model = ? "
            "AND prompt_version = ? ORDER BY created_at",
            (model, prompt_version),
        ).fetchall()
        return [(r["id"], json.loads(r["article_ids_json"])) for r in rows]

    def finish_batch(self, batch_id: str, status: str) -> None:
        """A batch was collected (or ended without results)."""
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET status = ?, finished_at = ? WHERE id = ?",
                (status, _now(), batch_id),
            )

    def integrity_ok(self) -> bool:
        """PRAGMA integrity_check says ok."""
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
