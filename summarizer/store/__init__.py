"""The store: articles, briefs, model calls and runs, behind a small interface (`Store`).

SQLite (`sqlite.py`) is the embedded default for one machine.

Briefs are keyed by (content hash, engine, model, prompt version, schema version), so re-running a
digest over unchanged sources finds every brief and makes no model call. Each brief is committed
the moment it is made, so a run killed at any point loses nothing it finished. Schema changes are
numbered migrations recorded in `_migrations` (simonw/llm's pattern): each runs once, in order.
"""

from summarizer.store.base import BriefKey, Store, canonical_url
from summarizer.store.sqlite import (
    MIGRATIONS,
    SQLiteStore,
    lock_path,
    migrate,
    migration,
    real_path,
    store_lock,
)

__all__ = [
    "MIGRATIONS",
    "BriefKey",
    "SQLiteStore",
    "Store",
    "canonical_url",
    "lock_path",
    "migrate",
    "migration",
    "real_path",
    "store_lock",
]
