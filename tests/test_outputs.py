"""Outputs: file modes as `open()` would give them, links that cannot run, no bidi controls."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from summarizer import summarize
from summarizer.brief.models import Brief
from summarizer.brief.render import (
    BIDI_CONTROLS,
    brief_html,
    brief_markdown,
    brief_terminal,
    md_link,
    strip_bidi,
)
from summarizer.errors import OutputError
from summarizer.files import check_writable, current_umask, write_atomic
from summarizer.testing.server import synthetic_article


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process's umask after a test sets its own."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield
    os.umask(saved)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- modes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mask", "existing", "expected"),
    [
        (0o022, None, 0o644),
        (0o077, None, 0o600),
        (0o002, None, 0o664),
        (0o027, None, 0o640),
        (0o077, 0o644, 0o644),  # an existing file keeps its mode, whatever the umask
        (0o022, 0o600, 0o600),
        (0o022, 0o640, 0o640),
    ],
)
@pytest.mark.usefixtures("umask")
def test_outputs_respect_the_umask_and_keep_an_existing_mode(
    tmp_path: Path, mask: int, existing: int | None, expected: int
) -> None:
    out = tmp_path / "digest.md"
    if existing is not None:
        out.write_text("old", encoding="utf-8")
        out.chmod(existing)
    os.umask(mask)
    assert current_umask() == mask
    write_atomic(out, "new\n")
    assert out.read_text(encoding="utf-8") == "new\n"
    assert mode(out) == expected
    assert [p.name for p in tmp_path.iterdir()] == ["digest.md"]  # no temp file left


def test_writing_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "published" / "digest.html"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    real.chmod(0o644)
    link = tmp_path / "digest.html"
    link.symlink_to(real)
    write_atomic(link, "<p>new</p>\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "<p>new</p>\n"
    assert mode(real) == 0o644


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("a-file/out.md", "cannot write here"),
        ("a-folder", "is a folder"),
    ],
)
def test_an_output_that_cannot_be_written_is_named_before_any_work(
    tmp_path: Path, where: str, message: str
) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "a-folder").mkdir()
    target = tmp_path / where
    with pytest.raises(OutputError, match=message) as info:
        check_writable(target)
    assert str(info.value).startswith(str(target)) and info.value.exit_code == 2
    with pytest.raises(OutputError, match=r"cannot write|folder"):
        write_atomic(target, "text")
    assert check_writable(tmp_path / "new" / "dir" / "out.md").parent.is_dir()
    assert not list((tmp_path / "new" / "dir").iterdir())  # the probe is gone


def test_brief_out_to_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    from summarizer.cli import main

    article = tmp_path / "a.txt"
    article.write_text(synthetic_article(3), encoding="utf-8")
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["brief", str(article), "--engine", "offline", "--out", str(tmp_path / "a-file/b.md")]
    )
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and "a-file/b.md" in lines[0] and "Traceback" not in result.output


# --- Markdown links -----------------------------------------------------------------------------

HOSTILE = [
    "[x](javascript:alert(1))",
    "[x]( JavaScript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x\\](javascript:alert(1))",
    "![img](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    "[x](//evil.example/x)",
    "[x](file:///etc/passwd)",
    "<javascript:alert(1)>",
    "[x][r]\n[r]: javascript:alert(1)",
]


def _links(md: str) -> list[str]:
    """Every link and image target a CommonMark renderer would make of `md` (none filtered)."""
    parser = MarkdownIt("commonmark")
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    found = []
    stack = list(parser.parse(md))
    while stack:
        token = stack.pop()
        stack.extend(token.children or [])
        if token.type in ("link_open", "image"):
            found.append(str(token.attrGet("href") or token.attrGet("src")))
    return found


@pytest.fixture(scope="module")
def brief() -> Brief:
    return summarize(synthetic_article(2), engine="offline")


def _everywhere(brief: Brief, text: str) -> Brief:
    """`brief` with `text` in its title, summary, a fact, a party and a question."""
    fact = brief.key_facts[0].model_copy(update={"statement": text, "attribution": text})
    party = brief.parties[0].model_copy(update={"name": text, "role": text, "aliases": [text]})
    return brief.model_copy(
        update={
            "title": text,
            "summary": f"See {text} here.",
            "key_facts": [fact, *brief.key_facts[1:]],
            "parties": [party, *brief.parties[1:]],
        }
    )


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markdown_links_are_inert_unless_http(brief: Brief, hostile: str) -> None:
    md = brief_markdown(_everywhere(brief, hostile))
    assert all(h.startswith(("http://", "https://")) for h in _links(md)), _links(md)
    assert "javascript" not in " ".join(_links(md)).lower()


def test_http_links_stay_links(brief: Brief) -> None:
    md = brief_markdown(_everywhere(brief, "[the report](https://example.org/report)"))
    assert "https://example.org/report" in _links(md)


def test_the_check_would_see_an_active_link() -> None:
    assert _links("see [x](javascript:alert(1))") == ["javascript:alert(1)"]


@pytest.mark.parametrize(
    ("text", "url", "links"),
    [
        ("Story", "https://example.org/a b", ["https://example.org/a%20b"]),
        ("Story", "javascript:alert(1)", []),
        ("Story [1](javascript:x)", "http://example.org/", ["http://example.org/"]),
        ("Story", None, []),
    ],
)
def test_md_link_links_only_http(text: str, url: str | None, links: list[str]) -> None:
    assert _links(md_link(text, url)) == links


# --- bidi controls ------------------------------------------------------------------------------


def test_bidi_controls_are_stripped_from_every_output(brief: Brief, tmp_path: Path) -> None:
    sneaky = (
        "Mayor \u202eAnna\u202c Berg \u2067(\u2069 \u200eX\u200f \u061cY "
        "\u202a\u202b\u202d\u2066\u2068"
    )
    evil = _everywhere(brief, sneaky)
    outputs = {
        "md": brief_markdown(evil),
        "html": brief_html(evil),
        "json": evil.to_json(),
        "text": brief_terminal(evil, color=False),
        "text in colour": brief_terminal(evil, color=True),
    }
    assert "Anna" in outputs["md"] and json.loads(outputs["json"])["title"].startswith("Mayor Anna")
    for name, text in outputs.items():
        assert not set(text) & set(BIDI_CONTROLS), name
    out = write_atomic(tmp_path / "raw.txt", f"a{sneaky}b")  # the net under any other output
    assert not set(out.read_text(encoding="utf-8")) & set(BIDI_CONTROLS)
    assert len(BIDI_CONTROLS) == 12 and strip_bidi(sneaky) == "Mayor Anna Berg ( X Y "


@pytest.mark.parametrize("fmt", ["md", "html", "json", "text"])
def test_cli_outputs_of_an_article_with_bidi_controls(tmp_path: Path, fmt: str) -> None:
    from summarizer.cli import main

    article = tmp_path / "a.txt"
    text = synthetic_article(4).replace(" said ", " \u202esaid\u202c ", 3)
    text = text.replace(".", ".\u2067", 2)
    article.write_text(text, encoding="utf-8")
    assert "\u202e" in text and "\u2067" in text
    stdout = CliRunner().invoke(
        main, ["brief", str(article), "--engine", "offline", "--format", fmt]
    )
    assert stdout.exit_code == 0, stdout.output
    out = tmp_path / f"b.{fmt}"
    written = CliRunner().invoke(
        main, ["brief", str(article), "--engine", "offline", "--format", fmt, "--out", str(out)]
    )
    assert written.exit_code == 0, written.output
    for shown in (stdout.stdout, out.read_text(encoding="utf-8")):
        assert shown.strip() and not set(shown) & set(BIDI_CONTROLS)
