"""The JSON Schema files in schemas/ are the published contract: they must match the models."""

from __future__ import annotations

import json
from pathlib import Path

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


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_the_export_prints_its_usage_for_help(
    flag: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--help` was taken for a directory: the schemas were written into ./--help/."""
    from summarizer.brief.schemas import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        main([flag])
    assert exited.value.code == 0
    assert "usage: python -m summarizer.brief.schemas" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []


def test_the_export_writes_into_the_directory_given(tmp_path: Path) -> None:
    from summarizer.brief.schemas import main

    assert main([str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{stem}.schema.json" for stem in schemas()
    )
