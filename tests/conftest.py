"""Shared test set-up: isolated dirs and a dummy key for every test; vcr settings for cassettes."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from summarizer.secrets import redact, redact_bytes

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_9423660f65a83069.txt"
CASSETTES = ROOT / "cassettes"

# Not an "sk-" string on purpose: the cassette scan looks for real-looking keys.
DUMMY_KEY = "test-dummy-key-not-a-secret"
# Taken before any test runs, for the live tests only (tests/test_live.py); every other test
# sees DUMMY_KEY.
REAL_KEY = os.environ.get("OPENAI_API_KEY")


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
        "SUMMARIZER_ALLOW_PRIVATE_URLS",
        "SUMMARIZER_OFFLINE_DISAGREEMENTS",
        "SUMMARIZER_PER_HOST",
        # brief logs its calls to the store: never to the user's own
        "SUMMARIZER_DB",
        "SUMMARIZER_PROMPTS",
        "SUMMARIZER_PROMPT_VERSION",
    ):
        monkeypatch.delenv(var, raising=False)
    yield


@pytest.fixture
def allow_private_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let fetches reach 127.0.0.1: the test servers are local, and URLs to private hosts are
    refused otherwise (summarizer.netguard)."""
    monkeypatch.setenv("SUMMARIZER_ALLOW_PRIVATE_URLS", "1")


@pytest.fixture
def seed_text() -> str:
    """The article that started the project."""
    if not SEED.exists():
        pytest.skip("../shared/seeds is not beside the repo")
    return SEED.read_text(encoding="utf-8")


# --- cassettes -----------------------------------------------------------------------------

# Response headers that identify an account or a session; never kept in a cassette.
_SCRUB_RESPONSE_HEADERS = {"set-cookie", "openai-organization", "openai-project", "cf-ray"}


_KEYLIKE = re.compile(rb"sk-[A-Za-z0-9_*.-]+")


def _scrub_response(response: dict) -> dict:
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in _SCRUB_RESPONSE_HEADERS:
            del headers[name]
        else:
            headers[name] = [redact(str(v)) for v in headers[name]]
    # Real 401 bodies echo a masked key ("sk-proj-abc***xyz"), a proxy may echo the whole key,
    # whatever its prefix: every key the process knows, and every key-like string, goes.
    body = response.get("body") or {}
    if isinstance(body.get("string"), bytes):
        body["string"] = _KEYLIKE.sub(b"[redacted-key]", redact_bytes(body["string"]))
    elif isinstance(body.get("string"), str):
        body["string"] = redact(body["string"])
    return response


def _scrub_request(request: Any) -> Any:
    """Known keys out of a recorded request's URI and body (headers go by `filter_headers`)."""
    request.uri = redact(request.uri)
    if isinstance(request.body, bytes):
        request.body = redact_bytes(request.body)
    elif isinstance(request.body, str):
        request.body = redact(request.body)
    return request


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    """Readable, scrubbed cassettes that replay by method and path, in recorded order."""
    return {
        "filter_headers": [
            ("authorization", "REDACTED"),
            ("api-key", "REDACTED"),
            ("x-api-key", "REDACTED"),
            ("proxy-authorization", "REDACTED"),
            "cookie",
            "openai-organization",
            "openai-project",
        ],
        "decode_compressed_response": True,
        "before_record_response": _scrub_response,
        "before_record_request": _scrub_request,
        # The local server's port changes every run; what identifies a call is its path and
        # its place in the sequence.
        "match_on": ["method", "path"],
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """cassettes/<test module>/<test>.yaml at the repo root."""
    return str(CASSETTES / request.module.__name__.split(".")[-1])


@pytest.fixture(autouse=True)
def _cassette_fully_played(request: pytest.FixtureRequest, vcr: object) -> Iterator[None]:
    """A replayed cassette with an interaction nobody asked for means the code changed."""
    yield
    if vcr is None or request.config.getoption("--record-mode") != "none":
        return
    cassette: Any = vcr
    if not cassette.all_played:
        played = cassette.play_count
        pytest.fail(
            f"cassette {cassette._path} has {len(cassette) - played} unplayed interaction(s)"
        )


@contextmanager
def local_site(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> Iterator[str]:
    """Serve `handler` on `host` (127.0.0.1; a free port) for the block; yield its base URL."""
    server = ThreadingHTTPServer((host, 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# --- PostgreSQL: a real server (127.0.0.1:5432, started by .ci/run), a fresh database a test ---

PG_ADMIN_URLS = [
    os.environ.get("SUMMARIZER_TEST_PG", ""),
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "postgresql://root@127.0.0.1:5432/postgres",
]


def _pg_admin() -> Any:
    import psycopg

    errors = []
    for url in filter(None, PG_ADMIN_URLS):
        try:
            return psycopg.connect(url, autocommit=True, connect_timeout=5), url
        except psycopg.Error as exc:
            errors.append(f"{url}: {str(exc).strip()}")
    raise RuntimeError("no PostgreSQL at 127.0.0.1:5432 (.ci/run starts one): " + "; ".join(errors))


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """CREATE DATABASE test_<random> on the local server; yield its URL; drop it after."""
    import secrets as _secrets

    admin, admin_url = _pg_admin()
    name = f"test_{_secrets.token_hex(6)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh PostgreSQL database, dropped after the test."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The same store tests against both backends: a SQLiteStore in tmp_path, a PostgresStore
    in a fresh database."""
    from summarizer.store import open_store

    if request.param == "sqlite":
        s = open_store(tmp_path / "store.db")
        yield s
        s.close()
        return
    with fresh_pg_database() as url:
        s = open_store(url)
        yield s
        s.close()
