"""Prompt templates: Jinja2 files in `prompts/`, versioned by their file names.

The version is part of every brief's meta and every cache key, so changing a prompt means a new
file (`brief-v2.*.j2`) and a new `PROMPT_VERSION`, never an edit in place.
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import sha256
from importlib import resources
from pathlib import Path

import jinja2

# brief-v2: the article's data block is closed by a tag carrying a code the article does not
# contain (brief-v1 used a plain </article>, which an article could contain and so close the
# block early). brief-v1's files stay as they were: briefs made with them keep their version.
PROMPT_VERSION = "brief-v2"
BOUNDARY_CHARS = 12


def prompts_dir() -> Path:
    """Where the templates are: inside the wheel, or `prompts/` of a source checkout."""
    packaged = resources.files("summarizer") / "_data" / "prompts"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    # StrictUndefined: a missing variable is a bug, not an empty string in a prompt.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(prompts_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, **variables: object) -> str:
    """Render template `name` (e.g. "brief-v1.user.j2") with `variables`."""
    return _env().get_template(name).render(**variables).strip()


def data_boundary(*texts: str) -> str:
    """A code for the data block's tags that occurs in none of `texts` (case-insensitively).

    Derived from the texts' sha256, so the same article always gets the same code (requests are
    reproducible and replay from cassettes); if the code occurs in a text anyway, the next
    candidate (hash of the texts and a counter) is tried, so no text can close its own block.
    """
    folded = [t.casefold() for t in texts]
    digest = sha256("\x00".join(texts).encode("utf-8", "surrogatepass"))
    for n in range(1000):
        if n:
            digest.update(f"\x00{n}".encode())
        code = digest.hexdigest()[:BOUNDARY_CHARS]
        if not any(code in t for t in folded):
            return code
    raise ValueError("no boundary code found that the text does not contain")  # pragma: no cover


def brief_messages(
    article: str,
    *,
    version: str = PROMPT_VERSION,
    lang: str | None = None,
    title: str | None = None,
    part_number: int = 1,
    part_count: int = 1,
) -> list[dict[str, str]]:
    """The chat messages for one brief: static system prompt first, the article last.

    Keeping the static part first and identical across calls lets providers' prompt caching
    apply to it.
    """
    system = render(f"{version}.system.j2")
    variables: dict[str, object] = {
        "article": article,
        "lang": lang,
        "title": title,
        "part_number": part_number,
        "part_count": part_count,
    }
    if version != "brief-v1":
        # The headline stays on one line, and neither it nor the article holds the code.
        variables["title"] = " ".join(title.split()) if title else title
        variables["boundary"] = data_boundary(article, *([title] if title else []))
    user = render(f"{version}.user.j2", **variables)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
