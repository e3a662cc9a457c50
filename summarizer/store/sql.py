"""What the SQLite and PostgreSQL stores share: the statements, written once, and the methods
that are the same on both (`SQLStore`).

The statements are written with `?` placeholders (and `:name` for named ones), as sqlite3 takes
them; `SQL.marked(psycopg_style)` spells the same text for psycopg (`?` -> `%s`, `:name` ->
`%(name)s`). What stays in each backend is what really differs: how a transaction is opened and
a failed write reported, how a damaged row is skipped (SQLite) or an error raised (PostgreSQL),
the row locks, `INSERT OR REPLACE` where SQLite keeps it, how a new row's id comes back, and
the reads that PostgreSQL does in one statement (`ANY`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields, replace
from typing import Any

from summarizer.brief.models import Brief, CallRecord, SourceMeta
from summarizer.secrets import redact, redact_known
from summarizer.store.base import BriefKey, _now, canonical_url

log = logging.getLogger(__name__)

_SECRET_ARGS = {"api_key", "key", "token", "password", "secret"}


def public_args(args: dict[str, Any]) -> dict[str, Any]:
    """A run's arguments without any secret-named one (the rest is redacted when written)."""
    return {k: ("[redacted]" if k.lower() in _SECRET_ARGS and v else v) for k, v in args.items()}


def first_line(exc: BaseException) -> str:
    """The first line of an error's message, redacted (its type's name when it has none)."""
    return redact((str(exc).strip().splitlines() or [type(exc).__name__])[0])


_NAMED = re.compile(r"(?<![:\w]):([a-z_]+)\b")


def psycopg_style(sql: str) -> str:
    """`sql` with psycopg's placeholders: `?` -> `%s`, `:name` -> `%(name)s`. The statements
    here hold no literal `?`, `%` or `:word` (a `%` would be psycopg's to read: refused)."""
    if "%" in sql:
        raise ValueError(f"a literal % in a shared statement: {sql[:60]}")
    return _NAMED.sub(r"%(\1)s", sql.replace("?", "%s"))


def like_prefix(prefix: str) -> str:
    """A LIKE pattern (with `ESCAPE '\\'`) matching `prefix` literally at the start."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# What `end_call` sets (parameters: `end_call_params`); the workers' pool runs it in a larger
# statement of its own (`postgres.END_CALL_SET`).
END_CALL_SET = (
    "attempt = :attempt, outcome = :outcome, status_code = :status_code, "
    "latency_s = :latency_s, prompt_tokens = :prompt_tokens, "
    "completion_tokens = :completion_tokens, cost_usd = :cost_usd, error = :error"
)


@dataclass(frozen=True)
class Statements:
    """The statements both backends run, in sqlite3's placeholder style (`?`, `:name`)."""

    # articles
    find_url: str = "SELECT id FROM articles WHERE canonical_url = ?"
    forget_url: str = "UPDATE articles SET canonical_url = NULL WHERE id = ?"
    insert_article: str = (
        "INSERT INTO articles (id, canonical_url, source, title, site, published, "
        "meta_json, text, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET canonical_url = COALESCE(excluded.canonical_url, "
        "articles.canonical_url)"
    )
    article: str = "SELECT text, meta_json FROM articles WHERE id = ?"
    count_articles: str = "SELECT count(*) AS n FROM articles"
    # briefs
    get_brief: str = (
        "SELECT brief_json FROM briefs WHERE article_id = ? AND engine = ? AND model = ? AND "
        "prompt_version = ? AND schema_version = ?"
    )
    put_brief: str = (
        "INSERT INTO briefs (article_id, engine, model, prompt_version, schema_version, "
        "brief_json, cost_usd, tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (article_id, engine, model, prompt_version, schema_version) DO "
        "UPDATE SET brief_json = excluded.brief_json, cost_usd = excluded.cost_usd, "
        "tokens = excluded.tokens, created_at = excluded.created_at"
    )
    count_briefs: str = "SELECT count(*) AS n FROM briefs"
    # the newest brief of an article by id prefix (`like_prefix`: read literally on both)
    brief_by_prefix: str = (
        "SELECT brief_json FROM briefs WHERE article_id LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT 1"
    )
    # model calls
    record_call: str = (
        "INSERT INTO llm_calls (run_id, article_id, model, attempt, outcome, status_code, "
        "latency_s, prompt_tokens, completion_tokens, cost_usd, error, created_at, chunk) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    begin_call: str = (
        "INSERT INTO llm_calls (run_id, article_id, model, attempt, outcome, status_code, "
        "latency_s, prompt_tokens, completion_tokens, cost_usd, error, created_at, "
        "reserved_usd, batch_id, chunk) VALUES (?, ?, ?, ?, ?, NULL, 0, 0, 0, ?, "
        "NULL, ?, ?, ?, ?)"
    )
    end_call: str = f"UPDATE llm_calls SET {END_CALL_SET} WHERE id = :id"
    sent_batch_call: str = (
        "SELECT id FROM llm_calls WHERE batch_id = ? AND article_id = ? AND "
        "outcome = 'sent' ORDER BY id LIMIT 1"
    )
    # runs
    start_run: str = "INSERT INTO runs (started_at, status, args_json) VALUES (?, 'running', ?)"
    record_item: str = (
        "INSERT INTO run_items (run_id, source, article_id, status, reason) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, source) DO UPDATE SET "
        "article_id = excluded.article_id, status = excluded.status, "
        "reason = excluded.reason"
    )
    finish_run: str = "UPDATE runs SET finished_at = ?, status = ?, totals_json = ? WHERE id = ?"
    interrupt_calls: str = (
        "UPDATE llm_calls SET outcome = 'interrupted' WHERE outcome = 'sent' AND "
        "batch_id IS NULL AND run_id IN (SELECT id FROM runs WHERE status = 'running')"
    )
    interrupt_runs: str = "UPDATE runs SET status = 'interrupted' WHERE status = 'running'"
    # Batch API jobs
    add_batch: str = (
        "INSERT INTO batches (id, model, prompt_version, article_ids_json, status, "
        "created_at) VALUES (?, ?, ?, ?, 'submitted', ?)"
    )
    open_batches: str = (
        "SELECT id, article_ids_json FROM batches WHERE finished_at IS NULL AND model = ? "
        "AND prompt_version = ? ORDER BY created_at, id"
    )
    finish_batch: str = "UPDATE batches SET status = ?, finished_at = ? WHERE id = ?"
    # stories, syntheses, feeds
    save_story: str = (
        "INSERT INTO stories (id, title, first_seen, last_updated, last_run, "
        "fingerprint, state_json) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, "
        "last_updated = excluded.last_updated, last_run = excluded.last_run, "
        "fingerprint = excluded.fingerprint, state_json = excluded.state_json"
    )
    save_member: str = (
        "INSERT INTO story_members (story_id, article_id) VALUES (?, ?) "
        "ON CONFLICT (story_id, article_id) DO NOTHING"
    )
    get_synthesis: str = "SELECT synthesis_json FROM syntheses WHERE key = ?"
    put_synthesis: str = (
        "INSERT INTO syntheses (key, model, prompt_version, synthesis_json, created_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
        "synthesis_json = excluded.synthesis_json, created_at = excluded.created_at"
    )
    feed_state: str = "SELECT etag, last_modified, body FROM feed_state WHERE url = ?"
    save_feed_state: str = (
        "INSERT INTO feed_state (url, etag, last_modified, body, fetched_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
        "etag = excluded.etag, last_modified = excluded.last_modified, "
        "body = excluded.body, fetched_at = excluded.fetched_at"
    )

    def marked(self, style: Callable[[str], str]) -> Statements:
        """The same statements in another placeholder style (`psycopg_style`)."""
        return replace(self, **{f.name: style(getattr(self, f.name)) for f in fields(self)})


SQL = Statements()


# --- the rows the statements take ----------------------------------------------------------


def article_row(
    article_id: str, url: str | None, text: str, source: str, meta: SourceMeta
) -> tuple[Any, ...]:
    """The parameters of `insert_article`."""
    return (
        article_id,
        url,
        source,
        meta.title,
        meta.site,
        meta.date,
        meta.model_dump_json(),
        text,
        _now(),
    )


def brief_row(key: BriefKey, brief: Brief) -> tuple[Any, ...]:
    """The parameters of `put_brief` (the brief's JSON with every known secret redacted)."""
    return (
        key.article_id,
        key.engine,
        key.model,
        key.prompt_version,
        key.schema_version,
        redact_known(brief.model_dump_json()),
        brief.meta.cost_usd,
        brief.meta.usage.total_tokens,
        _now(),
    )


def call_row(run_id: int | None, article_id: str | None, call: CallRecord) -> tuple[Any, ...]:
    """The parameters of `record_call`: a call kept whole, once it is over."""
    return (
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
        redact(call.error) if call.error else None,
        _now(),
        call.chunk,
    )


def begin_call_row(
    run_id: int | None, article_id: str | None, call: CallRecord, batch_id: str | None
) -> tuple[Any, ...]:
    """The parameters of `begin_call`: the call before it is sent, its cost the reserved
    worst case (kept twice: as its cost until `end_call`, and as `reserved_usd`)."""
    return (
        run_id,
        article_id,
        call.model,
        call.attempt,
        call.outcome,
        call.cost_usd,
        _now(),
        call.cost_usd,
        batch_id,
        call.chunk,
    )


def end_call_params(call_id: int, call: CallRecord) -> dict[str, Any]:
    """The parameters of `END_CALL_SET` (and `:id`, the row) for one call."""
    return {
        "id": call_id,
        "attempt": call.attempt,
        "outcome": call.outcome,
        "status_code": call.status_code,
        "latency_s": call.latency_s,
        "prompt_tokens": call.usage.prompt_tokens,
        "completion_tokens": call.usage.completion_tokens,
        "cost_usd": call.cost_usd,
        "error": redact(call.error) if call.error else None,
    }


def story_row(r: dict[str, Any], run_id: int | None) -> tuple[Any, ...]:
    """The parameters of `save_story` for a row of `continuity.states_to_rows`."""
    return (
        r["id"],
        r["title"],
        r["first_seen"],
        r["last_updated"],
        run_id,
        r["fingerprint"],
        r["state_json"],
    )


# --- the methods both stores share ---------------------------------------------------------


class SQLStore(ABC):
    """The `Store` methods that read and write the same way on both backends.

    A backend sets `sql` (its `Statements`), `db`, `path` and `warnings`, and gives `_tx` (a
    transaction on the connection, a failed write one `StoreError`), `_select` (a query's rows
    as mappings, or None when the backend skipped them as damaged), `_insert_id` (run an
    INSERT, return the new row's id) and `_executemany`.
    """

    sql: Statements = SQL
    db: Any
    path: Any
    warnings: list[str]

    @abstractmethod
    def _tx(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    @abstractmethod
    def _select(self, what: str, sql: str, args: tuple[Any, ...] = ()) -> list[Any] | None:
        raise NotImplementedError

    @abstractmethod
    def _insert_id(self, db: Any, sql: str, args: tuple[Any, ...]) -> int:
        raise NotImplementedError

    @abstractmethod
    def _executemany(self, db: Any, sql: str, rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    def _report(self, message: str) -> None:
        """Keep a warning about the store (and log it), once."""
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning("%s", message)

    def _damaged(self, what: str, exc: Exception) -> None:
        self._report(f"{self.path}: skipped a damaged row ({what}): {first_line(exc)[:200]}")

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    # articles
    def add_article(self, text: str, source: str, meta: SourceMeta) -> str:
        """Store an article once (by content hash; a known canonical URL keeps its first text)."""
        article_id = meta.content_sha256 or hashlib.sha256(text.encode()).hexdigest()
        url = canonical_url(meta.url)
        with self._tx() as db:
            if url:
                # `find_url` locks the row where the backend can (two workers, one page).
                row = db.execute(self.sql.find_url, (url,)).fetchone()
                if row and row["id"] != article_id:
                    # Same page, new text (an update): keep both, the URL points at the newest.
                    db.execute(self.sql.forget_url, (row["id"],))
            db.execute(self.sql.insert_article, article_row(article_id, url, text, source, meta))
        return article_id

    def article_count(self) -> int:
        """How many distinct articles are stored."""
        rows = self._select("articles", self.sql.count_articles)
        return int(rows[0]["n"]) if rows else 0

    def article(self, article_id: str) -> tuple[str, SourceMeta] | None:
        """A stored article's text and source, by id (a damaged one is reported, None)."""
        rows = self._select(f"article {article_id[:12]}", self.sql.article, (article_id,))
        if not rows:
            return None
        try:
            return rows[0]["text"], SourceMeta.model_validate_json(rows[0]["meta_json"])
        except ValueError as exc:
            self._damaged(f"article {article_id[:12]}", exc)
            return None

    # briefs
    def get_brief(self, key: BriefKey) -> Brief | None:
        """The cached brief for this key, if any (a damaged one is reported and not used)."""
        rows = self._select(
            f"brief of {key.article_id[:12]}",
            self.sql.get_brief,
            (key.article_id, key.engine, key.model, key.prompt_version, key.schema_version),
        )
        return self._brief(rows[0]["brief_json"], key.article_id) if rows else None

    def _brief(self, raw: str, article_id: str) -> Brief | None:
        try:
            return Brief.model_validate_json(raw)
        except ValueError as exc:
            self._damaged(f"brief of {article_id[:12]}", exc)
            return None

    def brief_by_article(self, article_prefix: str) -> Brief | None:
        """The newest brief of an article, by id or id prefix (read literally; ids are
        lowercase hex, so either case finds them on both backends)."""
        rows = self._select(
            f"brief of {article_prefix[:12]}",
            self.sql.brief_by_prefix,
            (like_prefix(article_prefix.lower()),),
        )
        return self._brief(rows[0]["brief_json"], article_prefix) if rows else None

    def put_brief(self, key: BriefKey, brief: Brief) -> None:
        """Store a brief (committed at once); the same key twice keeps the newest, one row."""
        with self._tx() as db:
            db.execute(self.sql.put_brief, brief_row(key, brief))

    def brief_count(self) -> int:
        """How many briefs are stored."""
        rows = self._select("briefs", self.sql.count_briefs)
        return int(rows[0]["n"]) if rows else 0

    # calls and runs
    def record_call(self, run_id: int | None, article_id: str | None, call: CallRecord) -> None:
        """Keep one model call."""
        with self._tx() as db:
            db.execute(self.sql.record_call, call_row(run_id, article_id, call))

    def begin_call(
        self,
        run_id: int | None,
        article_id: str | None,
        call: CallRecord,
        batch_id: str | None = None,
    ) -> int:
        """Write a call down before it is sent (outcome 'sent', cost its reserved worst case);
        return its row id for `end_call`."""
        with self._tx() as db:
            return self._insert_id(
                db, self.sql.begin_call, begin_call_row(run_id, article_id, call, batch_id)
            )

    def end_call(self, call_id: int, call: CallRecord) -> None:
        """Complete a call written down by `begin_call` with how it went and what it cost."""
        with self._tx() as db:
            db.execute(self.sql.end_call, end_call_params(call_id, call))

    def sent_batch_call(self, batch_id: str, article_id: str) -> int | None:
        """The row of a Batch API request still waiting for its answer, if one was written."""
        rows = self._select(
            f"call of batch {batch_id}", self.sql.sent_batch_call, (batch_id, article_id)
        )
        return int(rows[0]["id"]) if rows else None

    def start_run(self, args: dict[str, Any]) -> int:
        """Open a run; return its id."""
        with self._tx() as db:
            return self._insert_id(
                db,
                self.sql.start_run,
                (_now(), redact(json.dumps(public_args(args), default=str))),
            )

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
                self.sql.record_item,
                (run_id, source, article_id, status, redact(reason) if reason else None),
            )

    def finish_run(self, run_id: int, status: str, totals: dict[str, Any]) -> None:
        """Close a run with its status and totals."""
        with self._tx() as db:
            db.execute(
                self.sql.finish_run,
                (_now(), status, redact(json.dumps(totals, default=str)), run_id),
            )

    # Batch API jobs
    def add_batch(
        self, batch_id: str, model: str, prompt_version: str, article_ids: list[str]
    ) -> None:
        """Remember a submitted batch, so any later run can collect it."""
        with self._tx() as db:
            db.execute(
                self.sql.add_batch,
                (batch_id, model, prompt_version, json.dumps(article_ids), _now()),
            )

    def open_batches(self, model: str, prompt_version: str) -> list[tuple[str, list[str]]]:
        """Batches not yet collected for this model and prompt: (batch id, article ids)."""
        out = []
        for r in self._select("batches", self.sql.open_batches, (model, prompt_version)) or []:
            try:
                ids = json.loads(r["article_ids_json"])
            except ValueError as exc:
                self._damaged(f"batch {r['id']}", exc)
                continue
            out.append((r["id"], [str(i) for i in ids]))
        return out

    def finish_batch(self, batch_id: str, status: str) -> None:
        """A batch was collected (or ended without results)."""
        with self._tx() as db:
            db.execute(self.sql.finish_batch, (status, _now(), batch_id))

    # stories a digest showed (summarizer.digests.continuity)
    def save_stories(self, rows: list[dict[str, Any]], run_id: int | None) -> None:
        """Insert or update stories (rows from `continuity.states_to_rows`), in one transaction
        (two digests saving one story: the later one wins)."""
        with self._tx() as db:
            for r in rows:
                db.execute(self.sql.save_story, story_row(r, run_id))
                self._executemany(db, self.sql.save_member, [(r["id"], a) for a in r["members"]])

    # story syntheses (one model call per multi-source story, cached)
    def get_synthesis(self, key: str) -> str | None:
        """A cached synthesis (JSON) by its key (`synthesis.cache_key`), or None."""
        rows = self._select(f"synthesis {key[:12]}", self.sql.get_synthesis, (key,))
        return str(rows[0]["synthesis_json"]) if rows else None

    def put_synthesis(self, key: str, model: str, prompt_version: str, synthesis_json: str) -> None:
        """Keep a synthesis (the same key again replaces it)."""
        with self._tx() as db:
            db.execute(self.sql.put_synthesis, (key, model, prompt_version, synthesis_json, _now()))

    # feeds (conditional GET)
    def feed_state(self, url: str) -> tuple[str | None, str | None, bytes] | None:
        """A feed's (ETag, Last-Modified, body) of its last 200 response, or None."""
        rows = self._select(f"feed state {url[:60]}", self.sql.feed_state, (url,))
        if not rows:
            return None
        r = rows[0]
        return r["etag"], r["last_modified"], bytes(r["body"])

    def save_feed_state(
        self, url: str, etag: str | None, last_modified: str | None, body: bytes
    ) -> None:
        """Keep a feed's validators and body (a new 200 replaces them)."""
        with self._tx() as db:
            db.execute(self.sql.save_feed_state, (url, etag, last_modified, body, _now()))


__all__ = [
    "END_CALL_SET",
    "SQL",
    "SQLStore",
    "Statements",
    "article_row",
    "begin_call_row",
    "brief_row",
    "call_row",
    "end_call_params",
    "first_line",
    "like_prefix",
    "psycopg_style",
    "public_args",
    "story_row",
]
