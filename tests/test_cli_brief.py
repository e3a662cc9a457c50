"""`summarizer brief`, `schema` and `config` through click's runner (and one real process).

The CLI only parses, calls the library and prints: these tests check what a user sees on
stdout and stderr, the exit codes the help documents, and that a failed run leaves no file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from summarizer.brief.models import Brief
from summarizer.cli import main
from tests.conftest import local_site

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PAGES = SHARED / "external" / "article_html"
ARTICLE = (
    "The city council voted on Tuesday to close the old library on Elm Street. "
    "Mayor Anna Berg said the building was no longer safe. "
    "“We cannot keep a roof over readers that may fall on them,” she told reporters. "
    "Librarian Tom Hale criticized the vote, calling it a loss for the neighbourhood. "
    "It is not yet known when a new library will open.\n"
)


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def one_error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("summarizer: error: ")
    assert "Traceback" not in result.output
    return lines[0]


# --- the offline default -------------------------------------------------------------------


@pytest.mark.usefixtures("no_key")
def test_no_key_uses_offline_and_says_so(article: Path) -> None:
    result = run("brief", str(article))
    assert result.exit_code == 0, result.stderr
    assert "offline engine was used" in result.stderr
    assert "OPENAI_API_KEY" in result.stderr
    # Piped (not a terminal): Markdown on stdout, and nothing but the brief there.
    assert result.stdout.startswith("# ")
    assert "## Key facts" in result.stdout
    assert "summarizer:" not in result.stdout


@pytest.mark.usefixtures("no_key")
@pytest.mark.parametrize("fmt", ["json", "md", "html", "text"])
def test_formats(article: Path, fmt: str) -> None:
    result = run("brief", str(article), "--format", fmt)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    if fmt == "json":
        brief = Brief.model_validate_json(out)
        assert brief.meta.engine == "offline"
        assert {p.name for p in brief.parties} >= {"Anna Berg", "Tom Hale"}
    elif fmt == "html":
        assert out.lstrip().lower().startswith("<!doctype html>")
        # One self-contained page: no external scripts, styles or images.
        assert "<script src" not in out and "<link" not in out and "<img" not in out
    else:
        assert "Anna Berg" in out


@pytest.mark.usefixtures("no_key")
def test_stdin(article: Path) -> None:
    result = run("brief", "-", "--format", "json", input=article.read_bytes())
    assert result.exit_code == 0, result.stderr
    assert Brief.model_validate_json(result.stdout).key_facts


@pytest.mark.usefixtures("no_key")
def test_verbose_goes_to_stderr_only(article: Path) -> None:
    result = run("brief", str(article), "--format", "json", "-v")
    assert result.exit_code == 0
    assert "engine=offline" in result.stderr and "cost=$0.0000" in result.stderr
    json.loads(result.stdout)  # stdout is the brief alone


@pytest.mark.usefixtures("no_key")
def test_out_is_written_and_reported(tmp_path: Path, article: Path) -> None:
    out = tmp_path / "brief.json"
    result = run("brief", str(article), "--format", "json", "--out", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    Brief.model_validate_json(out.read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.txt", "brief.json"]


# --- bad input: one line, a documented exit code, no partial file ---------------------------------


@pytest.mark.usefixtures("no_key")
@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", 3, "empty"),
        (b"   \n\n  ", 3, "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 3, "PNG"),
        (b"\x00\x01\x02\x03" * 500, 3, "binary"),
        (b"Just one line with no second sentence", 3, "not an article"),
    ],
    ids=["empty", "whitespace", "png", "binary", "one-sentence"],
)
def test_bad_input_fails_cleanly_and_keeps_old_output(
    tmp_path: Path, content: bytes, code: int, message: str
) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(content)
    out = tmp_path / "brief.md"
    out.write_text("the previous brief\n", encoding="utf-8")
    result = run("brief", str(src), "--out", str(out))
    assert result.exit_code == code
    line = one_error_line(result)
    assert message in line and "in.txt" in line
    assert out.read_text(encoding="utf-8") == "the previous brief\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.md", "in.txt"]


def test_missing_file(tmp_path: Path) -> None:
    result = run("brief", str(tmp_path / "nope.txt"))
    assert result.exit_code == 3
    assert "nope.txt" in one_error_line(result)


def test_llm_without_key_is_one_line(no_key: None, article: Path) -> None:
    result = run("brief", str(article), "--engine", "llm")
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in one_error_line(result)
    assert result.stdout == ""


def test_bad_format_is_a_usage_error(article: Path) -> None:
    result = run("brief", str(article), "--format", "pdf")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# --- URLs: a real news page served on 127.0.0.1 -----------------------------------------------


class _Pages(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        page = PAGES / "reuters.com.parasite.html"
        if self.path == "/parasite" and page.exists():
            body, code = page.read_bytes(), 200
        else:
            body, code = b"not here", 404
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with local_site(_Pages) as url:
        yield url


@pytest.mark.usefixtures("no_key", "allow_private_urls")
def test_url_of_a_real_page(site: str) -> None:
    if not (PAGES / "reuters.com.parasite.html").exists():
        pytest.skip("../shared/external is not beside the repo")
    result = run("brief", f"{site}/parasite", "--format", "json")
    assert result.exit_code == 0, result.stderr
    brief = Brief.model_validate_json(result.stdout)
    assert brief.meta.source is not None and brief.meta.source.url == f"{site}/parasite"
    assert "Parasite" in brief.meta.source.title
    assert any("Parasite" in f.statement for f in brief.key_facts)


@pytest.mark.usefixtures("no_key", "allow_private_urls")
def test_url_that_fails(site: str, tmp_path: Path) -> None:
    out = tmp_path / "b.md"
    result = run("brief", f"{site}/missing", "--out", str(out))
    assert result.exit_code == 4
    assert "404" in one_error_line(result)
    assert not out.exists()


# --- schema and config ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "file"), [((), "brief.v1.schema.json"), (("--reply",), "brief-reply.v1.schema.json")]
)
def test_schema_is_the_exported_file(args: tuple[str, ...], file: str) -> None:
    result = run("schema", *args)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads((ROOT / "schemas" / file).read_text("utf-8"))


def test_config_masks_the_key_and_names_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    monkeypatch.setenv("SUMMARIZER_MODEL", "gpt-4.1-nano")
    result = run("config", "--json")
    assert result.exit_code == 0
    assert key not in result.output and key[8:] not in result.output
    data = json.loads(result.stdout)
    assert data["settings"]["model"] == "gpt-4.1-nano"
    assert data["sources"]["model"].startswith("env")
    assert data["settings"]["engine (effective)"] == "llm"


# --- a real process: --help is fast because openai is not imported --------------------


def test_help_does_not_import_the_llm_stack() -> None:
    code = (
        "import sys\n"
        "from summarizer.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('openai', 'instructor', 'tenacity', 'trafilatura')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    for command in ("brief", "digest", "schema", "config", "eval"):
        assert command in proc.stdout
