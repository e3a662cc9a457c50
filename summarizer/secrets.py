"""Every secret the process knows, and one function that takes them out of any text.

A key can come from the environment, the config file or a flag, and need not start with `sk-`
(a proxy's token, an Azure key, a self-hosted server's password). Whatever reads a key calls
`register(value)`; environment variables whose names say they hold a secret (`*_KEY`,
`*_TOKEN`, `*_SECRET`, `*PASSWORD*`, ...) are known without registering. `redact` replaces
every known value, and anything shaped like an OpenAI key or a bearer token, with
`[redacted]`. Errors (`summarizer.errors`), log records, store rows and cassettes all go through
it.
"""

from __future__ import annotations

import os
import re
import threading

MARK = "[redacted]"
# Shorter values are too likely to be ordinary words or numbers.
MIN_LENGTH = 8
# A variable holds a secret when a word of its name says so (OPENAI_API_KEY, LLM_PROXY_TOKEN,
# DB_PASSWORD, GITHUB_AUTH, APIKEY), unless its last word says it only points at one.
_SECRET_WORDS = {"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASS", "CREDENTIAL",
                 "CREDENTIALS", "AUTH", "PAT"}  # fmt: skip
_SECRET_ENDINGS = ("KEY", "TOKEN", "SECRET", "PASSWORD")
_POINTER_WORDS = {"SOCK", "FILE", "PATH", "DIR", "URL", "HOST", "PORT", "ID", "NAME", "TYPE"}
_KEYLIKE = re.compile(r"\b(sk-[A-Za-z0-9_*.-]{3,}|Bearer\s+\S+)")

_lock = threading.Lock()
_registered: set[str] = set()


def _usable(value: str | None) -> bool:
    if not value:
        return False
    return len(value) >= MIN_LENGTH and not any(c.isspace() for c in value)


def register(value: str | None) -> None:
    """Remember a secret (an API key, a token) so that `redact` removes it everywhere."""
    if value is not None and _usable(value):
        with _lock:
            _registered.add(value)


def forget(value: str) -> None:
    """Stop redacting a value (tests that register a throwaway key)."""
    with _lock:
        _registered.discard(value)


def secret_name(name: str) -> bool:
    """Whether an environment variable's name says it holds a secret."""
    words = [w for w in re.split(r"[^A-Z0-9]+", name.upper()) if w]
    if not words or words[-1] in _POINTER_WORDS:
        return False
    return any(w in _SECRET_WORDS or w.endswith(_SECRET_ENDINGS) for w in words)


def _from_environment() -> set[str]:
    found = set()
    for name, value in os.environ.items():
        is_secret = secret_name(name)
        # a path is not a secret
        if is_secret and _usable(value) and not value.startswith(("/", "./", "~")):
            found.add(value)
    return found


def known() -> list[str]:
    """Every secret value known now, longest first (so a key inside a longer one goes whole)."""
    with _lock:
        values = set(_registered)
    values |= _from_environment()
    return sorted(values, key=len, reverse=True)


def redact_known(text: str) -> str:
    """`text` with every known secret replaced by `[redacted]`, and nothing else touched.

    For content (briefs, digests): an article may well say "Bearer bonds", which `redact`
    would take for a token.
    """
    for value in known():
        if value in text:
            text = text.replace(value, MARK)
    return text


def redact(text: str) -> str:
    """`text` with every known secret and anything key-like replaced by `[redacted]` (for
    messages: errors, logs, failure reasons)."""
    return _KEYLIKE.sub(MARK, redact_known(text))


def redact_bytes(data: bytes) -> bytes:
    """`redact` for bytes (a cassette's body): the secrets as UTF-8, and key-like strings."""
    for value in known():
        raw = value.encode("utf-8")
        if raw in data:
            data = data.replace(raw, MARK.encode())
    return re.sub(rb"\b(sk-[A-Za-z0-9_*.-]{3,}|Bearer\s+\S+)", MARK.encode(), data)
