"""Settings: flag beats env beats file beats default, and the key is never shown."""

from __future__ import annotations

import re
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


CONFIG_TYPOS = [
    ("config.toml", "concurency = 8\n", "unknown setting 'concurency'; did you mean 'concurrency'"),
    ("config.toml", 'modell = "x"\n', "unknown setting 'modell'; did you mean 'model'"),
    ("config.toml", "[summarizer]\nmax_cots = 1.0\n", "did you mean 'max_cost'"),
    ("config.toml", "zzz = 1\n", "unknown setting 'zzz' (known: allow_private_urls, api_key"),
]


@pytest.mark.parametrize(("name", "text", "message"), CONFIG_TYPOS)
def test_unknown_setting_names_the_closest_known_one(
    name: str, text: str, message: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(config_path=path)
    for args in (["config", "--config", str(path)], ["brief", "-", "--config", str(path)]):
        out = CliRunner().invoke(main, args, input="text")
        assert out.exit_code == 2
        assert out.output.count("\n") == 1 and message in out.output


JOB_TYPOS = [
    ('sources = ["a"]\nshedule = "0 7 * * *"\n', "unknown key 'shedule'; did you mean 'schedule'"),
    ('sources = ["a"]\ntimezon = "UTC"\n', "did you mean 'timezone'"),
    ('sources = ["a"]\n[settings]\nconcurency = 8\n', "setting in [settings] 'concurency'"),
    ('sources = ["a"]\n[[outputs]]\npath = "d.md"\nfromat = "md"\n', "did you mean 'format'"),
]


@pytest.mark.parametrize(("text", "message"), JOB_TYPOS)
def test_unknown_key_in_a_digest_job(text: str, message: str, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main

    path = tmp_path / "digest.toml"
    path.write_text(text, encoding="utf-8")
    for args in (["digest", "--config", str(path)], ["schedule", str(path), "--next", "1"]):
        out = CliRunner().invoke(main, args)
        assert out.exit_code == 2, out.output
        assert out.output.count("\n") == 1 and message in out.output


def _env_vars_read_by_the_package() -> set[str]:
    root = Path(__file__).resolve().parents[1] / "summarizer"
    found: set[str] = set()
    for py in root.rglob("*.py"):
        found |= set(re.findall(r"\"((?:OPENAI|SUMMARIZER)_[A-Z_]+)\"", py.read_text("utf-8")))
    return found


def test_every_environment_variable_is_listed_by_config_and_the_readme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from summarizer.cli import main
    from summarizer.config import ENV_VARS

    used = _env_vars_read_by_the_package()
    assert {"OPENAI_API_KEY", "SUMMARIZER_PRICES", "SUMMARIZER_DATA_DIR"} <= used
    assert used <= set(ENV_VARS), f"not in ENV_VARS: {used - set(ENV_VARS)}"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-" + "x" * 30 + "wxyz")
    out = CliRunner().invoke(main, ["config"])
    assert out.exit_code == 0
    listed = dict(
        (line.split()[0], line.split()[1])
        for line in out.output.split("environment variables:")[1].splitlines()
        if line.strip()
    )
    assert set(listed) == set(ENV_VARS)
    assert listed["OPENAI_API_KEY"] == "sk-…wxyz" and listed["SUMMARIZER_PRICES"] == "(unset)"
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    missing = [v for v in ENV_VARS if f"| `{v}` |" not in readme]
    assert not missing, f"README does not list {missing}"


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("offline_disagreements", "env"),
        ("offline_disagreements", "file"),
        ("allow_private_urls", "env"),
        ("allow_private_urls", "file"),
        ("strict", "file"),
        ("log_calls", "file"),
    ],
)
@pytest.mark.parametrize("value", ["ture", "2", "maybe"])
def test_a_yes_or_no_setting_that_is_neither_is_an_error(
    name: str, value: str, where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A typo in a yes/no setting was read as "no": SUMMARIZER_OFFLINE_DISAGREEMENTS=ture hid
    # the disagreements it asked for, and strict = "ture" turned strict mode off, silently.
    path = tmp_path / "config.toml"
    path.write_text(f'{name} = "{value}"\n' if where == "file" else "", encoding="utf-8")
    if where == "env":
        monkeypatch.setenv(f"SUMMARIZER_{name.upper()}", value)
    with pytest.raises(ConfigError, match=rf"{name} must be true or false.*{value!r}") as info:
        load_settings(config_path=path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
    ],
)
def test_a_yes_or_no_setting_reads_the_usual_words(
    value: str, expected: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SUMMARIZER_OFFLINE_DISAGREEMENTS", value)
    settings = load_settings(config_path=_empty(tmp_path))
    assert settings.offline_disagreements is expected


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    return path
