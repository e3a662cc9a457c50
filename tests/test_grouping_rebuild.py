"""eval/grouping/rebuilt.py: texts that are not committed are rebuilt and checked against the
SHA-256 of the text that was measured."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def rebuilt() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rebuilt", ROOT / "eval/grouping/rebuilt.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def docs(second: str) -> list[tuple[str, str, dict[str, str | None]]]:
    record = {"title": "t", "date": None, "event": "e1", "split": "dev"}
    return [("a1", "First text.\n", record), ("a2", second, {**record, "event": "e2"})]


def test_a_set_written_then_rebuilt_unchanged_checks_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = rebuilt()
    assert r.write_texts(tmp_path, docs("Second text.\n"), write_set=True, rebuild="cmd") == 0
    data = json.loads((tmp_path / "set.json").read_text("utf-8"))
    assert data["rebuild"] == "cmd"
    assert [a["id"] for a in data["articles"]] == ["a1", "a2"]
    assert list(data["articles"][0]) == ["id", "path", "title", "date", "event", "split", "sha256"]
    (tmp_path / "texts/a2.txt").unlink()
    assert r.write_texts(tmp_path, docs("Second text.\n"), write_set=False, rebuild="cmd") == 0
    assert (tmp_path / "texts/a2.txt").read_text("utf-8") == "Second text.\n"
    assert "2 articles, 0 differing" in capsys.readouterr().out


def test_a_rebuilt_text_that_differs_is_named_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r = rebuilt()
    r.write_texts(tmp_path, docs("Second text.\n"), write_set=True, rebuild="cmd")
    before = (tmp_path / "set.json").read_text("utf-8")
    assert r.write_texts(tmp_path, docs("Second text, edited.\n"), write_set=False, rebuild="") == 1
    assert "a2: rebuilt text differs from the measured one" in capsys.readouterr().err
    assert (tmp_path / "set.json").read_text("utf-8") == before  # the measured SHA-256 stays


def test_an_article_the_set_does_not_list_is_skipped(tmp_path: Path) -> None:
    r = rebuilt()
    r.write_texts(tmp_path, docs("Second text.\n")[:1], write_set=True, rebuild="cmd")
    assert r.write_texts(tmp_path, docs("Other.\n"), write_set=False, rebuild="cmd") == 0
    assert not (tmp_path / "texts/a2.txt").exists()
