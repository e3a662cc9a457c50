"""The store: articles, briefs, model calls and runs, behind a small interface (`Store`).

SQLite (`sqlite.py`) is the embedded default for one machine; PostgreSQL (`postgres.py`, chosen
by a `postgresql://…` URL) is shared by any number of workers and machines. Their statements
and the methods that are the same on both are written once (`sql.py`); each backend keeps what
really differs (transactions, damaged rows, locks, upserts, column types). `open_store` and
`run_lock` choose by what `db` names.

Briefs are keyed by (content hash, engine, model, prompt version, schema version), so re-running a
digest over unchanged sources finds every brief and makes no model call. Each brief is committed
the moment it is made, so a run killed at any point loses nothing it finished. Schema changes are
numbered migrations recorded in `_migrations` (simonw/llm's pattern): each runs once, in order;
both backends carry the same migration names.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from summarizer.store.base import BriefKey, Store, canonical_url
from summarizer.store.postgres import is_postgres_url
from summarizer.store.sqlite import (
    MIGRATIONS,
    SQLiteStore,
    lock_path,
    migrate,
    migration,
    real_path,
    store_lock,
)


def open_store(db: str | Path) -> Any:
    """The store `db` names: a `postgresql://…` URL opens a `PostgresStore`, anything else is
    the path of a SQLite file (`SQLiteStore`)."""
    if is_postgres_url(db):
        from summarizer.store.postgres import PostgresStore

        return PostgresStore(str(db))
    return SQLiteStore(db)


@contextmanager
def run_lock(db: str | Path, *, wait: bool = False) -> Iterator[Any]:
    """The run lock of the store `db` names: an advisory lock in PostgreSQL, else the fcntl lock
    beside the SQLite file (`store_lock`). Raises `StoreLocked` when held and not waiting."""
    if is_postgres_url(db):
        from summarizer.store.postgres import pg_run_lock

        with pg_run_lock(str(db), wait=wait) as where:
            yield where
    else:
        with store_lock(db, wait=wait) as lock:
            yield lock


__all__ = [
    "MIGRATIONS",
    "BriefKey",
    "SQLiteStore",
    "Store",
    "canonical_url",
    "is_postgres_url",
    "lock_path",
    "migrate",
    "migration",
    "open_store",
    "real_path",
    "run_lock",
    "store_lock",
]
