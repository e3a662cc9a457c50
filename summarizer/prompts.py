"""Prompt templates: Jinja2 files in `prompts/`, versioned by their file names.

The version is part of every brief's meta and every cache key, so changing a prompt means a new
file (`brief-v2.*.j2`) and a new `PROMPT_VERSION`, never an edit in place.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2

PROMPT_VERSION = "brief-v1"


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
    user = render(
        f"{version}.user.j2",
        article=article,
        lang=lang,
        title=title,
        part_number=part_number,
        part_count=part_count,
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
