"""Prompt templates: Jinja2 files in `prompts/`, versioned by their file names.

The version is part of every brief's meta and every cache key, so changing a prompt means a new
file (`brief-v2.*.j2`) and a new `PROMPT_VERSION`, never an edit in place.

Your own prompts live in a folder of your own (`--prompts DIR`, `prompts = "DIR"` in the config
file, or SUMMARIZER_PROMPTS): `NAME.system.j2` and/or `NAME.user.j2`, where a missing part is
the built-in one. `load_prompt` reads and checks one; its version is `user:NAME@<sha256[:12]>`
of what it renders from, so an edited template is a new version (and a new cache key).
`use_prompt` makes it the prompt of every brief made inside the block (`summarize`,
`asummarize`, a digest run, eval).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from hashlib import sha256
from importlib import resources
from pathlib import Path

import jinja2
import jinja2.meta

# brief-v2: the article's data block is closed by a tag carrying a code the article does not
# contain (brief-v1 used a plain </article>, which an article could contain and so close the
# block early). brief-v1's files stay as they were: briefs made with them keep their version.
# brief-v3: every rule said once, in the system prompt; the reply schema's fields no longer
# repeat them (system prompt + tool schema as sent for the seed article: 1,426 -> 933 tokens,
# o200k_base; benchmarks/bench_tokens.py).
PROMPT_VERSION = "brief-v3"
BOUNDARY_CHARS = 12


def prompts_dir() -> Path:
    """Where the templates are: inside the wheel, or `prompts/` of a source checkout."""
    packaged = resources.files("summarizer") / "_data" / "prompts"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "prompts"


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
    version: str | None = None,
    lang: str | None = None,
    title: str | None = None,
    part_number: int = 1,
    part_count: int = 1,
) -> list[dict[str, str]]:
    """The chat messages for one brief: static system prompt first, the article last.

    `version` names a built-in prompt; without it, the active prompt (`use_prompt`) is used.
    Keeping the static part first and identical across calls lets providers' prompt caching
    apply to it.
    """
    prompt = builtin_prompt(version) if version is not None else active_prompt()
    variables: dict[str, object] = {
        "article": article,
        "lang": lang,
        "title": title,
        "part_number": part_number,
        "part_count": part_count,
    }
    if prompt.version != "brief-v1":
        # The headline stays on one line, and neither it nor the article holds the code.
        variables["title"] = " ".join(title.split()) if title else title
        variables["boundary"] = data_boundary(article, *([title] if title else []))
    return prompt.messages(**variables)


# --- which prompt: a built-in version, or one of your own ------------------------------------

# What a template may use (a user template using anything else is refused when loaded).
VARIABLES = ("article", "title", "lang", "part_number", "part_count", "boundary")
PARTS = ("system", "user")


@dataclass(frozen=True)
class Prompt:
    """The two templates of one prompt version (`version` goes into meta and cache keys)."""

    version: str
    system: jinja2.Template = field(compare=False, repr=False)
    user: jinja2.Template = field(compare=False, repr=False)
    name: str = ""
    folder: Path | None = None  # a prompt of your own: the folder it came from
    files: tuple[str, ...] = ()  # its own template files (a part not among them is built in)

    def messages(self, **variables: object) -> list[dict[str, str]]:
        """The system and user messages, rendered with `variables`."""
        return [
            {"role": "system", "content": self.system.render(**variables).strip()},
            {"role": "user", "content": self.user.render(**variables).strip()},
        ]


def builtin_versions() -> list[str]:
    """The prompt versions shipped with the package (brief-v1, brief-v2, ...)."""
    return sorted(p.name[: -len(".system.j2")] for p in prompts_dir().glob("brief-*.system.j2"))


@lru_cache(maxsize=8)
def builtin_prompt(version: str) -> Prompt:
    """A built-in prompt version, by name."""
    env = _env()
    return Prompt(
        version=version,
        system=env.get_template(f"{version}.system.j2"),
        user=env.get_template(f"{version}.user.j2"),
        name=version,
    )


_ACTIVE: ContextVar[Prompt | None] = ContextVar("summarizer_prompt", default=None)


def active_prompt() -> Prompt:
    """The prompt briefs use here: the one `use_prompt` set, else the built-in default."""
    return _ACTIVE.get() or builtin_prompt(PROMPT_VERSION)


def active_version() -> str:
    """The version of `active_prompt()`: what a brief's meta and its cache key record."""
    chosen = _ACTIVE.get()
    return chosen.version if chosen is not None else PROMPT_VERSION


@contextmanager
def use_prompt(prompt: Prompt | None) -> Iterator[Prompt]:
    """Brief with `prompt` inside the block (None: the built-in default).

    A context variable, so it holds for the asyncio tasks and worker threads started inside
    the block (a digest's briefs), and for nothing outside it.
    """
    token = _ACTIVE.set(prompt)
    try:
        yield active_prompt()
    finally:
        _ACTIVE.reset(token)


def prompt_names(folder: str | Path) -> list[str]:
    """The prompt names in a folder: every NAME with a NAME.system.j2 or NAME.user.j2."""
    names = set()
    for path in Path(folder).glob("*.j2"):
        for part in PARTS:
            suffix = f".{part}.j2"
            if path.name.endswith(suffix) and len(path.name) > len(suffix):
                names.add(path.name[: -len(suffix)])
    return sorted(names)


def choose_prompt(folder: str | Path | None, name: str | None) -> Prompt | None:
    """The prompt the settings ask for: NAME from `folder` (the folder's only one when no name
    is given), a built-in version by name (when the folder has no prompt of that name), or None
    (the built-in default).

    Raises `ConfigError` (one line) for a missing folder or name, or a template that cannot
    be used, before any call is made.
    """
    from summarizer.errors import ConfigError

    if folder is not None and not (name in builtin_versions() and _lacks(folder, name)):
        return load_prompt(folder, name)
    if name is None:
        return None
    if name in builtin_versions():
        return builtin_prompt(name)
    raise ConfigError(
        f"unknown prompt version {name!r}: the built-in ones are "
        f"{', '.join(builtin_versions())}; for your own, give the folder with --prompts"
    )


def _lacks(folder: str | Path, name: str) -> bool:
    """Whether a prompts folder has no prompt `name` (a built-in version is meant then)."""
    root = Path(folder).expanduser()
    return root.is_dir() and name not in prompt_names(root)


def load_prompt(folder: str | Path, name: str | None = None) -> Prompt:
    """Read and check prompt NAME of `folder` (its only prompt when `name` is None).

    `NAME.system.j2` and `NAME.user.j2` replace the built-in system and user templates; a part
    the folder does not have is the built-in one (of `PROMPT_VERSION`). Templates may include
    the built-in ones (`{% include "brief-v2.system.j2" %}`) and other `.j2` files of the
    folder. The version is `user:NAME@` and the first 12 hex digits of the sha256 of every
    template file of the folder it may render (its parts, the folder's other `.j2` files) and of
    the built-in version it falls back on.

    A template that does not parse, uses a variable other than `VARIABLES`, or leaves the
    article out of the request is a `ConfigError` naming the file.
    """
    from summarizer.errors import ConfigError

    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ConfigError(f"{root}: prompts folder not found")
    names = prompt_names(root)
    if not names:
        raise ConfigError(f"{root}: no prompt here (add NAME.system.j2 and/or NAME.user.j2)")
    if name is None:
        if len(names) > 1:
            raise ConfigError(
                f"{root}: holds {len(names)} prompts ({', '.join(names)}): choose one with "
                "--prompt-version NAME"
            )
        name = names[0]
    elif name not in names:
        raise ConfigError(f"{root}: no prompt {name!r} here (it has: {', '.join(names)})")
    env = _user_env(root)
    base = builtin_prompt(PROMPT_VERSION)
    digest = sha256(f"base={PROMPT_VERSION}\n".encode())
    own: dict[str, jinja2.Template] = {}
    files: list[str] = []
    for path in sorted(root.glob("*.j2")):
        part = next((p for p in PARTS if path.name == f"{name}.{p}.j2"), None)
        other_prompt = part is None and path.name.endswith((".system.j2", ".user.j2"))
        if other_prompt:
            continue  # another prompt's part: not ours to render
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the template: {exc}") from None
        digest.update(f"{path.name}\n{len(source)}\n{source}".encode())
        template = _compile(env, path, source)
        if part is not None:
            own[part] = template
            files.append(path.name)
    prompt = Prompt(
        version=f"user:{name}@{digest.hexdigest()[:12]}",
        system=own.get("system", base.system),
        user=own.get("user", base.user),
        name=name,
        folder=root,
        files=tuple(files),
    )
    _try_render(prompt, root)
    return prompt


def _user_env(root: Path) -> jinja2.Environment:
    # The built-in templates first, so an include of "brief-v2.system.j2" always gets the
    # built-in one; then the folder's own partials.
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(prompts_dir()), jinja2.FileSystemLoader(root)]
        ),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _compile(env: jinja2.Environment, path: Path, source: str) -> jinja2.Template:
    from summarizer.errors import ConfigError

    try:
        unknown = sorted(jinja2.meta.find_undeclared_variables(env.parse(source)) - set(VARIABLES))
        template = env.from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{path}: line {exc.lineno}: {exc.message}") from None
    if unknown:
        raise ConfigError(
            f"{path}: unknown variable {unknown[0]!r} (a template can use: {', '.join(VARIABLES)})"
        )
    return template


def _try_render(prompt: Prompt, root: Path) -> None:
    """Render the prompt as a brief would, with and without the optional variables: what
    breaks (an include not found, a filter on None) breaks here, before any call is paid for."""
    from summarizer.errors import ConfigError

    marker = "SUMMARIZER-ARTICLE-TEXT-CHECK"
    samples: list[dict[str, object]] = [
        {"lang": None, "title": None, "part_number": 1, "part_count": 1},
        {"lang": "en", "title": "A headline", "part_number": 2, "part_count": 3},
    ]
    for sample in samples:
        variables = {"article": marker, "boundary": data_boundary(marker), **sample}
        try:
            messages = prompt.messages(**variables)
        except jinja2.TemplateError as exc:
            where = root / prompt.files[0] if len(prompt.files) == 1 else root
            why = (
                f"included template {exc.name!r} not found"
                if isinstance(exc, jinja2.TemplateNotFound)
                else getattr(exc, "message", None) or str(exc)
            )
            raise ConfigError(
                f"{where}: prompt {prompt.name!r} cannot be rendered: {why}"
            ) from None
        if not any(marker in m["content"] for m in messages):
            verb = "leaves" if len(prompt.files) == 1 else "leave"
            raise ConfigError(
                f"{root}: prompt {prompt.name!r} never puts {{{{ article }}}} in the request "
                f"({' and '.join(prompt.files)} {verb} it out)"
            )
