"""Settings: flags beat environment variables beat the config file beat defaults.

Each resolved value remembers where it came from, so `summarizer config` can say it.

Environment variables: `ENV_VARS` below (every one the package reads), listed by
`summarizer config`.

The config file is TOML whose keys are the field names of `Settings`; any other key is an error
that names the closest known one (a misspelt `concurency = 8` must not be silently ignored).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from summarizer.errors import ConfigError

ENV = {
    "api_key": "OPENAI_API_KEY",
    "base_url": "OPENAI_BASE_URL",
    "model": "SUMMARIZER_MODEL",
    "engine": "SUMMARIZER_ENGINE",
    "lang": "SUMMARIZER_LANG",
    "db": "SUMMARIZER_DB",
    "allow_private_urls": "SUMMARIZER_ALLOW_PRIVATE_URLS",
    "mode": "SUMMARIZER_MODE",
    "prompts": "SUMMARIZER_PROMPTS",
    "prompt_version": "SUMMARIZER_PROMPT_VERSION",
    "max_feed_entries": "SUMMARIZER_MAX_FEED_ENTRIES",
    "synthesis": "SUMMARIZER_SYNTHESIS",
    "per_host": "SUMMARIZER_PER_HOST",
    "offline_disagreements": "SUMMARIZER_OFFLINE_DISAGREEMENTS",
}

# How a reply is requested: tool calling (default), or JSON for servers without tools.
MODES = ("tools", "json", "json_schema", "md_json")

# Every environment variable the package reads, and what it does (`summarizer config` lists
# them, and so does the README; a test greps the package for any that is missing here).
ENV_VARS: dict[str, str] = {
    "OPENAI_API_KEY": "the API key (never printed in full)",
    "OPENAI_BASE_URL": "an OpenAI-compatible endpoint (Ollama, vLLM, Azure's v1 API, ...)",
    "SUMMARIZER_MODEL": "the model (default gpt-4.1-mini)",
    "SUMMARIZER_ENGINE": "auto | llm | offline",
    "SUMMARIZER_LANG": "language of the brief",
    "SUMMARIZER_MODE": "tools | json | json_schema | md_json: how a reply is requested",
    "SUMMARIZER_DB": "the SQLite store of digests and of every model call",
    "SUMMARIZER_PROMPTS": "a folder of your own prompt templates (NAME.system.j2, NAME.user.j2)",
    "SUMMARIZER_PROMPT_VERSION": "the prompt: a NAME in the prompts folder, or a built-in version",
    "SUMMARIZER_ALLOW_PRIVATE_URLS": "1: fetch URLs on loopback and private networks too",
    "SUMMARIZER_MAX_FEED_ENTRIES": "entries kept per feed, the newest (default 300)",
    "SUMMARIZER_SYNTHESIS": "auto | llm | offline | off: how a digest story is written up",
    "SUMMARIZER_PER_HOST": "at most this many fetches to one host (hostname:port) at once (4)",
    "SUMMARIZER_OFFLINE_DISAGREEMENTS": "1: show the disagreements rules find in offline briefs",
    "SUMMARIZER_GROUND_WORKERS": "processes grounding async briefs off the event loop (cores - 1)",
    "SUMMARIZER_GROUND_MIN_CHARS": "shorter articles are grounded on the event loop (500)",
    "SUMMARIZER_PRICES": 'extra prices, JSON: {"model": [input, output]} USD per 1M tokens',
    "SUMMARIZER_CONFIG": "the config file (default <config dir>/config.toml)",
    "SUMMARIZER_CONFIG_DIR": "where config.toml lives (default: the user config dir)",
    "SUMMARIZER_DATA_DIR": "where the store lives (default: the user data dir)",
}


# The model when none is given (flag, SUMMARIZER_MODEL, config file); cheap and current.
DEFAULT_MODEL = "gpt-4.1-mini"


def data_dir() -> Path:
    """Where the store lives: SUMMARIZER_DATA_DIR, else the platform's user data dir."""
    env = os.environ.get("SUMMARIZER_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("summarizer"))


def config_dir() -> Path:
    """Where config.toml lives: SUMMARIZER_CONFIG_DIR, else the platform's user config dir."""
    env = os.environ.get("SUMMARIZER_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("summarizer"))


def default_config_path() -> Path:
    """SUMMARIZER_CONFIG, else <config dir>/config.toml."""
    env = os.environ.get("SUMMARIZER_CONFIG")
    return Path(env) if env else config_dir() / "config.toml"


@dataclass
class Settings:
    """Every setting the CLI and the digest use, with where each value came from."""

    engine: str = "auto"
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    lang: str | None = None
    strict: bool = True
    format: str | None = None
    db: str | None = None
    concurrency: int = 4
    rpm: int | None = None
    tpm: int | None = None
    max_cost: float | None = None
    timeout: float = 120.0
    allow_private_urls: bool = False
    mode: str = "tools"
    # Your own prompt templates (`summarizer.brief.prompts.load_prompt`), and which one.
    prompts: str | None = None
    prompt_version: str | None = None
    # Record every model call in the store (`summarizer logs`); `--no-log` turns it off.
    log_calls: bool = True
    # Entries kept per feed (the newest); a feed with more is named in the digest's warnings.
    max_feed_entries: int = 300
    # A digest story's account across its sources (summarizer.digests.synthesis): auto (the
    # model for multi-source stories with the LLM engine, else rules), llm, offline or off.
    synthesis: str = "auto"
    # Polite fetching: at most this many requests to one host (hostname:port) at once.
    per_host: int = 4
    # "Where sources disagree" found by rules in briefs of the offline engine: hidden unless
    # set (on ECB+ dev events the rules' disagreements were mostly wrong: eval/synthesis). The
    # LLM synthesis's disagreements, each side checked against its quote, are always shown.
    offline_disagreements: bool = False
    sources: dict[str, str] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """The settings as a dict, key masked."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sources"}
        out["api_key"] = masked(self.api_key)
        return out


def masked(key: str | None) -> str | None:
    """Show a key's kind and last four characters only."""
    if not key:
        return None
    if len(key) <= 8:
        return "…" * 3
    prefix = "sk-" if key.startswith("sk-") else ""
    return f"{prefix}…{key[-4:]}"


_TYPES = {f.name: f.type for f in fields(Settings)}


_YES = frozenset(("1", "true", "yes", "on"))
_NO = frozenset(("0", "false", "no", "off", ""))


def _coerce(name: str, value: Any, where: str) -> Any:
    kind = str(_TYPES[name])
    if value is None:
        return None
    try:
        if "bool" in kind:
            if not isinstance(value, str):
                return bool(value)
            word = value.strip().lower()
            if word in _YES or word in _NO:
                return word in _YES
            # A typo ("ture") was read as no: a setting asked for, silently not taken.
            raise ConfigError(
                f"{where}: {name} must be true or false (1/0, yes/no, on/off), got {value!r}"
            )
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"{where}: {name} must be a {kind.split(' ')[0]}, got {value!r}"
        ) from None
    return str(value)


def check_keys(found: Mapping[str, Any], known: set[str], where: str, what: str) -> None:
    """Raise ConfigError on the first key not in `known`, naming the closest known key."""
    import difflib

    for name in found:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(known))})"
        raise ConfigError(f"{where}: unknown {what} {name!r}{hint}")


SETTING_NAMES = {f.name for f in fields(Settings)} - {"sources"}


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings in a TOML file (its top-level keys, or its [summarizer] table)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    section = data.get("summarizer", data)
    return section if isinstance(section, dict) else {}


def load_settings(
    flags: Mapping[str, Any] | None = None, *, config_path: Path | None = None
) -> Settings:
    """Resolve every setting: flags, then env, then the config file, then defaults."""
    settings = Settings()
    for f in fields(Settings):
        if f.name != "sources":
            settings.sources[f.name] = "default"
    path = config_path or default_config_path()
    explicit = config_path is not None
    if explicit and not path.exists():
        raise ConfigError(f"{path}: config file not found")
    from_file = read_config_file(path)
    known = SETTING_NAMES
    check_keys(from_file, known, str(path), "setting")
    for name, value in from_file.items():
        setattr(settings, name, _coerce(name, value, str(path)))
        settings.sources[name] = f"file:{path}"
    for name, var in ENV.items():
        value = os.environ.get(var)
        if value:
            setattr(settings, name, _coerce(name, value, var))
            settings.sources[name] = f"env:{var}"
    for name, value in (flags or {}).items():
        if name in known and value is not None:
            setattr(settings, name, _coerce(name, value, f"--{name.replace('_', '-')}"))
            settings.sources[name] = "flag"
    if settings.engine not in {"auto", "llm", "offline"}:
        raise ConfigError(f"engine must be auto, llm or offline, got {settings.engine!r}")
    if settings.mode not in MODES:
        raise ConfigError(f"mode must be {', '.join(MODES)}, got {settings.mode!r}")
    if settings.synthesis not in {"auto", "llm", "offline", "off"}:
        raise ConfigError(
            f"synthesis must be auto, llm, offline or off, got {settings.synthesis!r}"
        )
    if settings.max_feed_entries < 1:
        raise ConfigError(f"max_feed_entries must be at least 1, got {settings.max_feed_entries}")
    if settings.per_host < 1:
        raise ConfigError(f"per_host must be at least 1, got {settings.per_host}")
    from summarizer import secrets

    # A key from the config file or a flag need not look like a key: redact it everywhere.
    secrets.register(settings.api_key)
    return settings


def allow_private_urls(settings: Settings) -> None:
    """Let this process's fetches reach private hosts when `allow_private_urls` is set.

    The URL guard reads SUMMARIZER_ALLOW_PRIVATE_URLS; a config file's `allow_private_urls =
    true` sets it for the command (and the runs `summarizer schedule` starts). The per-host
    fetch limit (`per_host`, read by `summarizer.ingest.fetch_url` from SUMMARIZER_PER_HOST) is
    passed on the same way, and so is `offline_disagreements` (read by the digest's
    disagreement rules through `offline_disagreements_shown`).
    """
    if settings.allow_private_urls:
        os.environ[ENV["allow_private_urls"]] = "1"
    if settings.sources.get("per_host", "default") != "default":
        os.environ[ENV["per_host"]] = str(settings.per_host)
    if settings.sources.get("offline_disagreements", "default") != "default":
        os.environ[ENV["offline_disagreements"]] = "1" if settings.offline_disagreements else "0"


def offline_disagreements_shown() -> bool:
    """Whether a digest shows the disagreements its rules find in briefs of the offline engine
    (the `offline_disagreements` setting, passed on as SUMMARIZER_OFFLINE_DISAGREEMENTS by
    `allow_private_urls`; off by default)."""
    value = os.environ.get(ENV["offline_disagreements"], "")
    return value.strip().lower() in _YES


def effective_engine(settings: Settings) -> Literal["llm", "offline"]:
    """auto means the LLM when a key or a base URL is set, else the offline engine."""
    if settings.engine == "llm":
        return "llm"
    if settings.engine == "offline":
        return "offline"
    return "llm" if (settings.api_key or settings.base_url) else "offline"


def default_db_path(settings: Settings | None = None) -> Path:
    """The SQLite store: the setting, else <data dir>/summarizer.db."""
    if settings is not None and settings.db:
        return Path(settings.db)
    return data_dir() / "summarizer.db"


@dataclass
class DigestConfig:
    """A digest job in one TOML file: sources, schedule, outputs and settings."""

    path: Path
    sources: list[str]
    schedule: str | None = None
    timezone: str | None = None
    since: str | None = None
    outputs: list[tuple[str, str]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    # The front page: stories shown in full, and unchanged stories folded, omitted or shown.
    max_stories: int | None = None
    unchanged: str | None = None


DIGEST_KEYS = {
    "sources",
    "schedule",
    "timezone",
    "since",
    "outputs",
    "settings",
    "max_stories",
    "unchanged",
}


def load_digest_config(path: str | Path) -> DigestConfig:
    """Read a digest config; relative paths in it are relative to the file.

    ```toml
    sources = ["feeds.txt", "https://example.org/rss"]
    schedule = "0 7 * * *"      # cron, for `summarizer schedule`
    timezone = "Europe/Berlin"  # of the schedule (default UTC)
    since = "24h"
    max_stories = 12            # the front page; the rest go in "In brief"
    unchanged = "fold"          # stories with nothing new: fold (one line), omit or show
    [[outputs]]
    path = "out/digest.md"
    format = "md"
    [settings]                  # any Settings field: engine, model, concurrency, max_cost, db...
    engine = "auto"
    ```
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: digest config not found")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    base = p.parent
    check_keys(data, DIGEST_KEYS, str(p), "key")

    def rel(value: str) -> str:
        if value.startswith(("http://", "https://")) or Path(value).is_absolute():
            return value
        return str(base / value)

    sources = data.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ConfigError(f"{p}: sources must be a list of strings")
    outputs = []
    for out in data.get("outputs") or []:
        if not isinstance(out, dict) or "path" not in out:
            raise ConfigError(f"{p}: each [[outputs]] needs a path")
        check_keys(out, {"path", "format"}, str(p), "[[outputs]] key")
        fmt = str(out.get("format") or Path(out["path"]).suffix.lstrip(".") or "md")
        if fmt not in {"md", "html", "json", "atom"}:
            raise ConfigError(f"{p}: output format must be md, html, json or atom, got {fmt!r}")
        outputs.append((rel(out["path"]), fmt))
    settings = dict(data.get("settings") or {})
    check_keys(settings, SETTING_NAMES, str(p), "setting in [settings]")
    if "db" in settings and "://" not in str(settings["db"]):  # a postgresql:// URL stays
        settings["db"] = rel(str(settings["db"]))
    if "prompts" in settings:
        settings["prompts"] = rel(str(settings["prompts"]))
    max_stories = data.get("max_stories")
    if max_stories is not None and (
        not isinstance(max_stories, int) or isinstance(max_stories, bool) or max_stories < 1
    ):
        raise ConfigError(f"{p}: max_stories must be a whole number of at least 1")
    unchanged = data.get("unchanged")
    if unchanged is not None and unchanged not in ("fold", "omit", "show"):
        raise ConfigError(f"{p}: unchanged must be fold, omit or show, got {unchanged!r}")
    return DigestConfig(
        path=p,
        max_stories=max_stories,
        unchanged=unchanged,
        sources=[rel(s) for s in sources],
        schedule=data.get("schedule"),
        timezone=data.get("timezone"),
        since=data.get("since"),
        outputs=outputs,
        settings=settings,
    )
