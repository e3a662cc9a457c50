"""Your own prompts: a folder of templates adds a prompt version used by brief, digest and eval.

What reaches the model is read from the requests the scripted server (summarizer.testing.server, on
127.0.0.1) received; the version (name and content hash) is read from the brief's meta and the
store's cache keys.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from summarizer import summarize
from summarizer.brief.prompts import (
    PROMPT_VERSION,
    active_version,
    brief_messages,
    load_prompt,
    render,
    use_prompt,
)
from summarizer.cli import main
from summarizer.errors import ConfigError
from summarizer.testing.server import FakeOpenAIServer, error

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = (
    "The city council voted on Tuesday to close the old library on Elm Street. "
    "Mayor Anna Berg said the building was no longer safe. "
    "“We cannot keep a roof over readers that may fall on them,” she told reporters. "
    "Librarian Tom Hale criticized the vote, calling it a loss for the neighbourhood. "
    "It is not yet known when a new library will open.\n"
)
SYSTEM = "You brief local council news for a neighbourhood newsletter. Quote exactly.\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "library.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A prompts folder holding one prompt, `council`, that replaces only the system part."""
    path = tmp_path / "my-prompts"
    path.mkdir()
    (path / "council.system.j2").write_text(SYSTEM, encoding="utf-8")
    return path


def sent(server: FakeOpenAIServer, i: int = 0) -> dict[str, str]:
    """The system and user messages of the i-th request the server received."""
    return {m["role"]: m["content"] for m in server.requests[i]["messages"]}


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("summarizer: error: ")
    return lines[0]


# --- the library -----------------------------------------------------------------------------


def test_a_system_only_prompt_keeps_the_built_in_user_part(folder: Path) -> None:
    prompt = load_prompt(folder)
    assert prompt.name == "council" and prompt.files == ("council.system.j2",)
    assert (
        prompt.version.startswith("user:council@")
        and len(prompt.version) == len("user:council@") + 12
    )
    with use_prompt(prompt):
        messages = brief_messages("Body of the article.", title="A headline")
        assert active_version() == prompt.version
    assert active_version() == PROMPT_VERSION  # only inside the block
    assert messages[0]["content"] == SYSTEM.strip()
    # The user part is the built-in one, article and data block included.
    assert messages[1] == brief_messages("Body of the article.", title="A headline")[1]


def test_the_version_follows_the_content(folder: Path) -> None:
    before = load_prompt(folder).version
    assert load_prompt(folder).version == before  # same files, same version
    (folder / "council.system.j2").write_text(SYSTEM + "Keep it short.\n", encoding="utf-8")
    edited = load_prompt(folder).version
    assert edited != before and edited.startswith("user:council@")
    # A partial the prompt may include is part of what it renders from.
    (folder / "_rules.j2").write_text("- Name every party.\n", encoding="utf-8")
    assert load_prompt(folder).version != edited


def test_a_user_template_with_the_variables_and_an_include(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "short.system.j2").write_text(
        f'{{% include "{PROMPT_VERSION}.system.j2" %}}\n{{% include "_extra.j2" %}}\n',
        encoding="utf-8",
    )
    (folder / "_extra.j2").write_text("- At most three key facts.\n", encoding="utf-8")
    (folder / "short.user.j2").write_text(
        "Brief this{% if lang %} in {{ lang }}{% endif %}"
        "{% if title %} (headline: {{ title }}){% endif %}.\n"
        "<article-{{ boundary }}>\n{{ article }}\n</article-{{ boundary }}>\n",
        encoding="utf-8",
    )
    with use_prompt(load_prompt(folder)):
        system, user = (m["content"] for m in brief_messages("Text.", title="T", lang="de"))
    assert system.startswith(render(f"{PROMPT_VERSION}.system.j2"))
    assert system.endswith("- At most three key facts.")
    assert user.startswith("Brief this in de (headline: T).\n<article-")
    assert "\nText.\n</article-" in user


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"bad.system.j2": "Rules {% if %}\n"}, "bad.system.j2: line 1: "),
        ({"bad.user.j2": "{{ article }} from {{ headline }}\n"}, "unknown variable 'headline'"),
        ({"bad.user.j2": "Summarize the news.\n"}, "never puts {{ article }} in the request"),
        (
            {"bad.system.j2": '{% include "missing.j2" %}\n'},
            "cannot be rendered: included template 'missing.j2' not found",
        ),
        ({"a.system.j2": "A\n", "b.system.j2": "B\n"}, "holds 2 prompts (a, b)"),
        ({"notes.txt": "no template here"}, "no prompt here"),
    ],
    ids=["syntax", "undefined", "no-article", "include", "several", "empty"],
)
def test_bad_prompts_are_one_line_before_any_call(
    tmp_path: Path, article: Path, files: dict[str, str], expected: str
) -> None:
    folder = tmp_path / "bad-prompts"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_prompt(folder)
    assert expected in str(caught.value)
    with FakeOpenAIServer() as server:
        result = run("brief", str(article), "--base-url", server.base_url, "--prompts", str(folder))
        assert server.requests == []  # nothing was paid for
    assert result.exit_code == 2
    assert expected in one_error_line(result)


def test_choosing_a_prompt_by_name(tmp_path: Path, folder: Path, article: Path) -> None:
    (folder / "other.system.j2").write_text("Another prompt.\n", encoding="utf-8")
    assert load_prompt(folder, "other").name == "other"
    with FakeOpenAIServer() as server:
        missing = run(
            "brief", str(article), "--base-url", server.base_url, "--prompts", str(folder),
            "--prompt-version", "nope",
        )  # fmt: skip
        assert "no prompt 'nope' here (it has: council, other)" in one_error_line(missing)
        ok = run(
            "brief", str(article), "--base-url", server.base_url, "--prompts", str(folder),
            "--prompt-version", "other", "--format", "json",
        )  # fmt: skip
        assert ok.exit_code == 0, ok.stderr
        assert sent(server)["system"] == "Another prompt."
        # A built-in version by name, without a folder.
        v1 = run(
            "brief", str(article), "--base-url", server.base_url, "--prompt-version", "brief-v1",
            "--format", "json",
        )  # fmt: skip
        assert v1.exit_code == 0, v1.stderr
        assert json.loads(v1.stdout)["meta"]["prompt_version"] == "brief-v1"
        assert "<article>" in sent(server, 1)["user"]
    assert server.requests and len(server.requests) == 2


def test_a_built_in_version_beside_a_folder(folder: Path, tmp_path: Path) -> None:
    from summarizer.brief.prompts import choose_prompt

    chosen = choose_prompt(folder, "brief-v1")  # the folder has no brief-v1: the built-in one
    assert chosen is not None and chosen.version == "brief-v1" and chosen.folder is None
    assert choose_prompt(folder, None) == load_prompt(folder)
    assert choose_prompt(None, None) is None
    with pytest.raises(ConfigError, match="prompts folder not found"):
        choose_prompt(tmp_path / "nowhere", "brief-v1")
    with pytest.raises(ConfigError, match="unknown prompt version 'brief-v9'"):
        choose_prompt(None, "brief-v9")


def test_python_api(folder: Path) -> None:
    with FakeOpenAIServer() as server, use_prompt(load_prompt(folder)) as prompt:
        made = summarize(ARTICLE, base_url=server.base_url)
    assert made.meta.prompt_version == prompt.version
    assert sent(server)["system"] == SYSTEM.strip()


# --- the commands --------------------------------------------------------------------------------


def expected_version(folder: Path, name: str) -> str:
    """The version `load_prompt` documents: sha256 over the base version and every file."""
    digest = hashlib.sha256(f"base={PROMPT_VERSION}\n".encode())
    for path in sorted(folder.glob("*.j2")):
        source = path.read_text(encoding="utf-8")
        digest.update(f"{path.name}\n{len(source)}\n{source}".encode())
    return f"user:{name}@{digest.hexdigest()[:12]}"


def test_brief_sends_the_template_and_records_its_version(folder: Path, article: Path) -> None:
    with FakeOpenAIServer() as server:
        result = run(
            "brief", str(article), "--base-url", server.base_url, "--prompts", str(folder),
            "--format", "json", "-v",
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sent(server)["system"] == SYSTEM.strip()
    assert ARTICLE.strip() in sent(server)["user"]
    meta = json.loads(result.stdout)["meta"]
    assert meta["prompt_version"] == expected_version(folder, "council")
    assert f" prompt={meta['prompt_version']} " in result.stderr  # -v names it


def test_prompts_from_the_config_file_and_the_environment(
    tmp_path: Path, folder: Path, article: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'prompts = "{folder}"\n', encoding="utf-8")
    with FakeOpenAIServer() as server:
        by_file = run(
            "brief", str(article), "--base-url", server.base_url, "--config", str(config),
            "--format", "json",
        )  # fmt: skip
        monkeypatch.setenv("SUMMARIZER_PROMPTS", str(folder))
        by_env = run("brief", str(article), "--base-url", server.base_url, "--format", "json")
        shown = run("config", "--json")
    for result in (by_file, by_env):
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["meta"]["prompt_version"].startswith("user:council@")
    assert [sent(server, i)["system"] for i in range(2)] == [SYSTEM.strip()] * 2
    settings = json.loads(shown.stdout)
    assert settings["settings"]["prompts"] == str(folder)
    assert settings["sources"]["prompts"] == "env:SUMMARIZER_PROMPTS"


def test_offline_engine_says_it_uses_no_prompt(folder: Path, article: Path) -> None:
    result = run("brief", str(article), "--engine", "offline", "--prompts", str(folder))
    assert result.exit_code == 0, result.stderr
    assert "offline engine uses no prompt" in result.stderr


def _brief_keys(db: Path) -> list[str]:
    with sqlite3.connect(db) as con:
        return [r[0] for r in con.execute("SELECT prompt_version FROM briefs ORDER BY id")]


def test_digest_cache_key_changes_when_the_template_does(
    tmp_path: Path, folder: Path, article: Path
) -> None:
    db = tmp_path / "digest.db"

    def digest(server: FakeOpenAIServer, *more: str) -> Result:
        result = run(
            "digest", str(article), "--base-url", server.base_url, "--db", str(db), "--out",
            str(tmp_path / "d.md"), *more,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        return result

    with FakeOpenAIServer() as server:
        digest(server, "--prompts", str(folder))
        assert len(server.requests) == 1 and sent(server)["system"] == SYSTEM.strip()
        digest(server, "--prompts", str(folder))  # unchanged: the cached brief, no call
        assert len(server.requests) == 1
        (folder / "council.system.j2").write_text(SYSTEM + "Be brief.\n", encoding="utf-8")
        digest(server, "--prompts", str(folder))  # edited: a new version, a new call
        assert len(server.requests) == 2 and sent(server, 1)["system"].endswith("Be brief.")
        digest(server)  # the built-in prompt has its own key
        assert len(server.requests) == 3
        assert sent(server, 2)["system"] == render(f"{PROMPT_VERSION}.system.j2")
    keys = _brief_keys(db)
    assert len(keys) == len(set(keys)) == 3
    assert keys[0] != keys[1] and all(k.startswith("user:council@") for k in keys[:2])
    assert keys[1] == expected_version(folder, "council") and keys[2] == PROMPT_VERSION


def test_digest_job_file_prompts_are_relative_to_it(tmp_path: Path, article: Path) -> None:
    job_dir = tmp_path / "job"
    (job_dir / "prompts").mkdir(parents=True)
    (job_dir / "prompts" / "council.system.j2").write_text(SYSTEM, encoding="utf-8")
    job = job_dir / "digest.toml"
    job.write_text(
        f'sources = ["{article}"]\n[settings]\nprompts = "prompts"\ndb = "store.db"\n',
        encoding="utf-8",
    )
    with FakeOpenAIServer() as server:
        result = run("digest", "--config", str(job), "--base-url", server.base_url)
    assert result.exit_code == 0, result.stderr
    assert sent(server)["system"] == SYSTEM.strip()
    assert _brief_keys(job_dir / "store.db")[0].startswith("user:council@")


def test_eval_measures_your_prompt(tmp_path: Path, folder: Path) -> None:
    data = tmp_path / "gold"
    shutil.copytree(ROOT / "eval" / "gold" / "court-clearwater-verdict", data / "court")
    with FakeOpenAIServer() as server:
        result = run(
            "eval", str(data), "--engine", "llm", "--base-url", server.base_url, "--prompts",
            str(folder), "--out", "-",
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sent(server)["system"] == SYSTEM.strip()
    assert f"prompt={expected_version(folder, 'council')} " in result.stdout
    # Every article failing still reports the prompt that was measured.
    with FakeOpenAIServer([error(400, "bad request (scripted)")]) as server:
        failed = run(
            "eval", str(data), "--engine", "llm", "--base-url", server.base_url, "--prompts",
            str(folder), "--out", "-",
        )  # fmt: skip
    assert failed.exit_code == 5, failed.stderr
    assert f"prompt={expected_version(folder, 'council')} " in failed.stdout
    offline = run("eval", str(data), "--prompts", str(folder), "--out", "-")
    assert offline.exit_code == 2 and "need --engine llm" in offline.stderr


def test_the_readme_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: Path
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:]]
    example = next(b for b in blocks if "use_prompt(load_prompt(" in b)
    shutil.copytree(folder, tmp_path / "prompts")
    monkeypatch.chdir(tmp_path)
    with FakeOpenAIServer() as server:
        code = example.replace("http://localhost:11434/v1", server.base_url)
        scope: dict[str, Any] = {"text": ARTICLE}
        exec(compile(code, "README.md", "exec"), scope)
    assert sent(server)["system"] == SYSTEM.strip()
    assert scope["brief"].meta.prompt_version.startswith("user:council@")
