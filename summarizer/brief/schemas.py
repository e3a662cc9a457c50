"""Export the JSON Schemas in `schemas/` from the pydantic models, which are the source.

Run `python -m summarizer.brief.schemas` after changing a model; a test fails when the files drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from summarizer.brief import models

# file stem -> model name in summarizer.brief.models
EXPORTED = {
    "brief.v1": "Brief",
    "brief-reply.v1": "BriefReply",
    "digest.v3": "Digest",
}


def schemas() -> dict[str, dict[str, Any]]:
    """Every exported schema by file stem (models not defined yet are skipped)."""
    out: dict[str, dict[str, Any]] = {}
    for stem, name in EXPORTED.items():
        model = getattr(models, name, None)
        if model is not None:
            schema = model.model_json_schema()
            schema["$id"] = f"https://summarizer.local/schemas/{stem}.schema.json"
            out[stem] = schema
    return out


def render(schema: dict[str, Any]) -> str:
    """The exact text of a schema file (stable key order, trailing newline)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def schemas_dir() -> Path:
    """`schemas/` of a source checkout, or the copy inside the wheel."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parent / "schemas", package / "_data" / "schemas"):
        if candidate.is_dir():
            return candidate
    return package.parent / "schemas"


def main(argv: list[str] | None = None) -> int:
    """Write every schema file into `schemas/` (or the directory given)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m summarizer.brief.schemas",
        description="Export the JSON Schema of every model (brief, brief reply, digest).",
    )
    parser.add_argument(
        "directory", nargs="?", type=Path, help="where to write them (default: schemas/)"
    )
    target = parser.parse_args(argv).directory or schemas_dir()
    target.mkdir(parents=True, exist_ok=True)
    for stem, schema in schemas().items():
        (target / f"{stem}.schema.json").write_text(render(schema), encoding="utf-8")
        print(f"wrote {target / f'{stem}.schema.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
