"""The JSON Schema files in schemas/ are the published contract: they must match the models."""

from __future__ import annotations

import json

import pytest

from summarizer.brief.schemas import render, schemas, schemas_dir


@pytest.mark.parametrize("stem", sorted(schemas()))
def test_schema_file_matches_model(stem: str) -> None:
    path = schemas_dir() / f"{stem}.schema.json"
    assert path.exists(), f"{path} missing: run python -m summarizer.brief.schemas"
    assert path.read_text(encoding="utf-8") == render(schemas()[stem]), (
        f"{path.name} drifted from the pydantic model: run python -m summarizer.brief.schemas "
        "(and bump the schema version if a field was renamed or made required)"
    )


def test_no_stale_schema_files() -> None:
    known = {f"{stem}.schema.json" for stem in schemas()}
    assert {p.name for p in schemas_dir().glob("*.schema.json")} <= known


def test_v1_contract_field_names() -> None:
    """The names other programs rely on: renaming one must fail here, not in their code."""
    reply = schemas()["brief-reply.v1"]
    assert set(reply["required"]) == {
        "title",
        "summary",
        "key_facts",
        "parties",
        "positions",
        "open_questions",
    }
    defs = reply["$defs"]
    assert set(defs["KeyFact"]["properties"]) == {"statement", "evidence", "attribution", "status"}
    assert set(defs["KeyFact"]["required"]) == {"statement", "evidence", "status"}
    assert defs["KeyFact"]["properties"]["status"]["enum"] == [
        "confirmed",
        "claimed",
        "reported",
        "disputed",
    ]
    assert set(defs["Party"]["properties"]) == {"name", "kind", "role", "aliases"}
    assert set(defs["Position"]["properties"]) == {"party", "stance", "evidence", "topic"}
    assert set(defs["OpenQuestion"]["properties"]) == {"question", "why_open", "parties"}
    brief = json.loads(render(schemas()["brief.v1"]))
    assert "meta" in brief["required"]
