"""Settings: flag beats env beats file beats default, and the key is never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.config import effective_engine, load_settings, masked
from summarizer.errors import ConfigError


@pytest.mark.parametrize(
    ("flag", "env", "file", "expected", "source"),
    [
        (None, None, None, None, "default"),
        (None, None, "from-file", "from-file", "file"),
        (None, "from-env", "from-file", "from-env", "env:SUMMARIZER_MODEL"),
        ("from-flag", "from-env", "from-file", "from-flag", "flag"),
    ],
    ids=["default", "file", "env-beats-file", "flag-beats-all"],
)
def test_precedence(
    flag: str | None,
    env: str | None,
    file: str | None,
    expected: str | None,
    source: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'model = "{file}"\n' if file else "", encoding="utf-8")
    if env:
        monkeypatch.setenv("SUMMARIZER_MODEL", env)
    settings = load_settings({"model": flag}, config_path=path)
    assert settings.model == expected
    assert settings.sources["model"].startswith(source)


@pytest.mark.parametrize(
    ("engine", "key", "base_url", "effective"),
    [
        ("auto", None, None, "offline"),
        ("auto", "k" * 20, None, "llm"),
        ("auto", None, "http://127.0.0.1:1/v1", "llm"),
        ("offline", "k" * 20, None, "offline"),
        ("llm", None, None, "llm"),
    ],
)
def test_effective_engine(
    engine: str,
    key: str | None,
    base_url: str | None,
    effective: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = load_settings({"engine": engine, "api_key": key, "base_url": base_url})
    assert effective_engine(settings) == effective


def test_bad_toml_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("model = = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML") as info:
        load_settings(config_path=path)
    assert "\n" not in str(info.value)


def test_bad_value_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("concurrency = 'many'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="concurrency"):
        load_settings(config_path=path)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(config_path=tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("key", "shown"),
    [("sk-proj-abcdefghijklmnopqrstuvwxyz1234", "sk-…1234"), ("short", "………"), (None, None)],
)
def test_masked(key: str | None, shown: str | None) -> None:
    assert masked(key) == shown
