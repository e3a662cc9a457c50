"""The rebuild-and-check loop shared by build_ecbplus.py and build_gvc.py.

Their texts belong to their outlets and are not committed: each build script turns its corpus
into (id, text, record) triples and `write_texts` writes every text to `OUT/texts/` (ignored by
git). Building the set (`write_set`), it also writes `OUT/set.json` with each text's SHA-256;
rebuilding the texts only (`--texts`), it checks each text against the SHA-256 that was
measured and says which differ.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def write_texts(
    out: Path,
    docs: Iterable[tuple[str, str, Mapping[str, Any]]],
    *,
    write_set: bool,
    rebuild: str,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Write each (id, text, record) to `out/texts/ID.txt`; 0 when all is well, 1 when a
    rebuilt text differs from the measured one.

    `record` holds the set.json fields after `path` (title ... split); `path` and `sha256`
    are added here. Without `write_set`, articles that set.json does not list are skipped.
    `extra` holds set-level fields written after `rebuild` (such as `brief_as`).
    """
    (out / "texts").mkdir(parents=True, exist_ok=True)
    known: dict[str, dict[str, Any]] = {}
    if not write_set:
        data = json.loads((out / "set.json").read_text("utf-8"))
        known = {a["id"]: a for a in data["articles"]}
    articles, bad = [], 0
    for aid, text, record in docs:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        path = f"texts/{aid}.txt"
        if not write_set:
            if aid not in known:
                continue
            if known[aid]["sha256"] != digest:
                print(f"{aid}: rebuilt text differs from the measured one", file=sys.stderr)
                bad += 1
        (out / path).write_text(text, encoding="utf-8")
        articles.append({"id": aid, "path": path, **record, "sha256": digest})
    if write_set:
        (out / "set.json").write_text(
            json.dumps(
                {"rebuild": rebuild, **(extra or {}), "articles": articles},
                indent=1,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
    print(f"{len(articles)} articles, {bad} differing, in {out}")
    return 1 if bad else 0
