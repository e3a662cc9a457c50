"""`summarizer logs`: the model calls the store recorded, newest first (like `llm logs`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from summarizer.cli._common import EXIT_CODES, handle_errors

# Columns of the plain table: (title, width, right-aligned).
COLUMNS = [
    ("time (UTC)", 19, False),
    ("command", 10, False),
    ("model", 14, False),
    ("in", 6, True),
    ("out", 5, True),
    ("cost $", 7, True),
    ("latency", 7, True),
    ("try", 3, True),
    ("outcome", 16, False),
]
ERROR_CHARS = 100


@click.command(epilog=EXIT_CODES)
@click.option(
    "-n",
    "--count",
    "count",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many calls, the newest first (0: all).",
)
@click.option("-m", "--model", help="Only the calls to this model.")
@click.option("--run", "run_id", type=int, help="Only the calls of this digest run.")
@click.option("--json", "as_json", is_flag=True, help="As one JSON array.")
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="The store (default: SUMMARIZER_DB, the config file, <data dir>/summarizer.db).",
)
@handle_errors
def logs(count: int, model: str | None, run_id: int | None, as_json: bool, db: str | None) -> None:
    """List the model calls recorded in the store: those of `brief` and of every digest run.

    Each call, failed attempts and retries included: when it was made, by which command, the
    model, tokens in and out, cost, latency, attempt, outcome and the article. A call still
    'sent' was written down before it went out and never completed (the process was killed);
    its cost is the worst case reserved for it. A reply whose failing items were then repaired
    is 'repaired' (its other items are in the brief); one thrown away (it broke the schema, or
    was asked for again whole) is 'invalid'. Keys never appear: errors are redacted before they
    are stored. `summarizer brief --no-log` leaves no record.
    """
    from summarizer.config import default_db_path, load_settings
    from summarizer.errors import ConfigError
    from summarizer.secrets import redact
    from summarizer.store import is_postgres_url, open_store

    path = db or load_settings().db or str(default_db_path())
    if not is_postgres_url(path) and not Path(path).exists():
        if as_json:
            click.echo("[]")
        else:
            click.echo(f"summarizer: no calls logged yet (no store at {path})", err=True)
        return
    store = open_store(path)
    try:
        if not hasattr(store, "recent_calls"):
            raise ConfigError(f"{type(store).__name__} cannot list calls yet: use a SQLite store")
        rows = [_public(r, redact) for r in store.recent_calls(count, model=model, run_id=run_id)]
        warnings = list(store.warnings)
    finally:
        store.close()
    for w in warnings:
        click.echo(f"summarizer: warning: {w}", err=True)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"summarizer: no calls logged yet in {path}", err=True)
        return
    click.echo(_line([c[0] for c in COLUMNS]) + "  article")
    for r in rows:
        click.echo(_row(r))


def _public(row: dict[str, Any], redact: Any) -> dict[str, Any]:
    """One call as `--json` shows it: named fields, the command that made it, text redacted."""
    run_id = row.get("run_id")
    command = "brief" if run_id is None else "digest"
    return {
        "id": row["id"],
        "time": row["created_at"],
        "command": command,
        "run_id": run_id,
        "batch_id": row.get("batch_id"),
        "model": row["model"],
        "prompt_tokens": row["prompt_tokens"],
        "completion_tokens": row["completion_tokens"],
        "cost_usd": row["cost_usd"],
        "reserved_usd": row.get("reserved_usd"),
        "latency_s": row["latency_s"],
        "attempt": row["attempt"],
        "part": (row.get("chunk") or 0) + 1,
        "outcome": row["outcome"],
        "status_code": row["status_code"],
        "error": redact(row["error"]) if row.get("error") else None,
        "article_id": row["article_id"],
        "source": redact(row["source"]) if row.get("source") else None,
        "title": redact(row["title"]) if row.get("title") else None,
    }


def _short(error: str) -> str:
    """An error on one line; for an endpoint's JSON error body, just its message."""
    import re

    found = re.search(r"""['"]message['"]:\s*(?:'([^']*)'|"((?:[^"\\]|\\.)*)")""", error)
    if found:
        return " ".join((found.group(1) or found.group(2) or "").split())
    return " ".join(error.split())


def _line(cells: list[str]) -> str:
    out = []
    for (_, width, right), cell in zip(COLUMNS, cells, strict=True):
        cell = cell if len(cell) <= width else cell[: width - 1] + "…"
        out.append(f"{cell:>{width}}" if right else f"{cell:<{width}}")
    return "  ".join(out)


def _row(r: dict[str, Any]) -> str:
    command = "brief" if r["run_id"] is None else f"digest #{r['run_id']}"
    if r["batch_id"]:
        command = f"batch #{r['run_id']}"  # a Batch API request of that digest run
    # An error's HTTP status; a reply's 200 says nothing its outcome does not ('repaired').
    status = r["status_code"] if r["status_code"] and r["status_code"] != 200 else None
    outcome = r["outcome"] + (f" {status}" if status else "")
    cost = "-" if r["cost_usd"] is None else f"{r['cost_usd']:.4f}"
    article = r["source"] or (r["article_id"] or "-")[:12]
    if r["part"] > 1:
        article += f" (part {r['part']})"
    if r["error"]:
        error = _short(r["error"])
        article += f"  error: {error[:ERROR_CHARS]}{'…' if len(error) > ERROR_CHARS else ''}"
    cells = [
        str(r["time"]).replace("T", " ")[:19],
        command,
        r["model"],
        str(r["prompt_tokens"]),
        str(r["completion_tokens"]),
        cost,
        f"{r['latency_s']:.2f}s",
        str(r["attempt"]),
        outcome,
    ]
    return _line(cells) + "  " + article
