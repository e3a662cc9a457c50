"""Issue 11's guards, wired into the commands: each checked where a user meets it.

- a key known only from the config file is registered when the settings are loaded;
- `allow_private` reaches every fetch of a digest (the argument beats the environment);
- `brief --out` in a place that cannot be written fails before the article is fetched;
- a damaged row the store skipped shows in the digest's warnings;
- a feed's `javascript:` link is inert text in the digest's Markdown.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer.cli import main
from summarizer.digests.run import run_digest
from summarizer.testing.server import FakeOpenAIServer, synthetic_article
from tests.digest_helpers import ARTICLES
from tests.test_netguard import _Inside, _Outside, inside, outside  # noqa: F401 (fixtures)


def test_a_key_only_in_the_config_file_is_registered_when_settings_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer import secrets
    from summarizer.config import load_settings

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    key = "gw-token-5b1e88c2a7d94f06"
    config = tmp_path / "config.toml"
    config.write_text(f'api_key = "{key}"\n', encoding="utf-8")
    try:
        assert secrets.redact(f"echo {key}") == f"echo {key}"
        load_settings(config_path=config)
        assert secrets.redact(f"echo {key}") == "echo [redacted]"
    finally:
        secrets.forget(key)


@pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.[12]"])
@pytest.mark.parametrize(("env", "allow"), [("1", False), ("0", True)])
def test_allow_private_reaches_every_fetch_of_a_digest(
    inside: int,  # noqa: F811
    outside: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    env: str,
    allow: bool,
) -> None:
    from summarizer.digests.sources import expand

    monkeypatch.setenv("SUMMARIZER_ALLOW_PRIVATE_URLS", env)
    _Outside.feed_links.append(f"http://127.0.0.1:{inside}/secret")
    items, failed, _ = expand([f"{outside}/feed"], timeout=2, allow_private=allow)
    assert failed == [] and len(items) == 1
    article, warning = items[0].load()
    if allow:
        assert warning is None and "hunter2" in getattr(article, "text", "")
        assert _Inside.hits == ["/secret"]
    else:
        assert warning is not None and "refused to fetch" in warning
        assert _Inside.hits == []


def test_brief_out_that_cannot_be_written_fails_before_the_fetch(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    out = tmp_path / "plain" / "brief.md"
    src = tmp_path / "a.txt"
    src.write_text(synthetic_article(1), encoding="utf-8")
    with FakeOpenAIServer() as server:
        result = CliRunner().invoke(
            main, ["brief", str(src), "--engine", "llm", "--base-url", server.base_url,
                   "--out", str(out)],
        )  # fmt: skip
        assert server.requests == []
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"summarizer: error: {out}: cannot write")


def test_exit_code_2_names_the_store_and_outputs() -> None:
    result = CliRunner().invoke(main, ["brief", "--help"])
    assert "the store or an output cannot be used" in " ".join(result.output.split())


def test_a_damaged_row_the_store_skipped_is_in_the_digests_warnings(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    first = run_digest([str(ARTICLES)], engine="offline", db=db)
    assert first.digest.warnings == [] or all("damaged" not in w for w in first.digest.warnings)
    with sqlite3.connect(db) as c:
        c.execute('UPDATE briefs SET brief_json = \'{"title": "trunc\' WHERE id = 1')
    again = run_digest([str(ARTICLES)], engine="offline", db=db)
    damaged = [w for w in again.digest.warnings if "damaged row (brief of" in w]
    assert len(damaged) == 1 and str(db.resolve()) in damaged[0]
    assert again.digest.totals["briefed"] == 1  # the damaged one is briefed again


def test_a_javascript_link_in_a_digest_is_inert(tmp_path: Path) -> None:
    from summarizer.digests.render import digest_markdown

    digest: Any = run_digest([str(ARTICLES)], engine="offline", db=tmp_path / "s.db").digest
    story = digest.stories[0]
    hostile = story.sources[0].model_copy(update={"url": "javascript:alert(1)"})
    safe = story.sources[0].model_copy(update={"url": "https://example.org/a"})
    story = story.model_copy(update={"sources": [hostile, safe]})
    text = digest_markdown(digest.model_copy(update={"stories": [story]}))
    assert "javascript:" not in text
    assert "](https://example.org/a)" in text
