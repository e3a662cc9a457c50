"""Shared test set-up: isolated dirs and a dummy key for every test; vcr settings for cassettes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_9423660f65a83069.txt"
CASSETTES = ROOT / "cassettes"

# Not an "sk-" string on purpose: the cassette scan looks for real-looking keys.
DUMMY_KEY = "test-dummy-key-not-a-secret"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point data and config dirs at tmp_path, set a dummy key, drop the user's settings."""
    monkeypatch.setenv("SUMMARIZER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SUMMARIZER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("OPENAI_API_KEY", DUMMY_KEY)
    for var in (
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "SUMMARIZER_MODEL",
        "SUMMARIZER_ENGINE",
        "SUMMARIZER_CONFIG",
    ):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture
def seed_text() -> str:
    """The article that started the project."""
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside the repo")
    return SEED.read_text(encoding="utf-8")
