"""`summarizer brief`, `summarizer schema`, `summarizer config`: parse, call the library, print."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import click

from summarizer.cli._common import EXIT_CODES, handle_errors, status

if TYPE_CHECKING:
    from summarizer.brief.models import CallRecord
    from summarizer.budget import Meter
    from summarizer.config import Settings
    from summarizer.ingest import Article


@click.command(epilog=EXIT_CODES)
@click.argument("source")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json", "html", "text"]),
    help="Output format. Default: readable text in a terminal, Markdown when piped.",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (atomically).")
@click.option("--model", help="Model name (else SUMMARIZER_MODEL, config, gpt-4.1-mini).")
@click.option("--base-url", help="OpenAI-compatible endpoint (else OPENAI_BASE_URL).")
@click.option(
    "--engine",
    type=click.Choice(["auto", "llm", "offline"]),
    help="auto (default): the LLM when a key or base URL is set, else offline.",
)
@click.option(
    "--mode",
    type=click.Choice(["tools", "json", "json_schema", "md_json"]),
    help="How the reply is requested: tools (default) or json, for servers without tool calling.",
)
@click.option("--lang", help="Language of the brief (quotes stay in the article's language).")
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Fail on ungrounded items (default) or drop them and list them in meta.dropped.",
)
@click.option("--timeout", type=float, help="Seconds for each fetch and model call.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (TOML).",
)
@click.option(
    "--prompts",
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder of your own prompt templates: NAME.system.j2 and/or NAME.user.j2.",
)
@click.option(
    "--prompt-version",
    help="Which prompt: a NAME in --prompts (needed when it holds several), or a built-in one.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="The store where calls are logged (default: the digest's store).",
)
@click.option(
    "--log/--no-log",
    "log_calls",
    default=None,
    help="Record the model calls in the store, for `summarizer logs` (default: on).",
)
@click.option("-v", "--verbose", is_flag=True, help="Engine, calls, tokens, cost, time on stderr.")
@handle_errors
def brief(
    source: str,
    fmt: str | None,
    out: str | None,
    model: str | None,
    base_url: str | None,
    engine: str | None,
    mode: str | None,
    lang: str | None,
    strict: bool | None,
    timeout: float | None,
    config_file: Path | None,
    prompts: Path | None,
    prompt_version: str | None,
    db: str | None,
    log_calls: bool | None,
    verbose: bool,
) -> None:
    """Brief one article: SOURCE is a file, - for stdin, or an http(s) URL.

    HTML is reduced to the article first. Every fact and position in the brief carries a
    verbatim quote from the article, checked in code.
    """
    from summarizer.brief.prompts import choose_prompt, use_prompt
    from summarizer.config import allow_private_urls, effective_engine, load_settings
    from summarizer.engine import summarize
    from summarizer.ingest import load_source

    settings = load_settings(
        {
            "model": model,
            "base_url": base_url,
            "engine": engine,
            "mode": mode,
            "lang": lang,
            "strict": strict,
            "timeout": timeout,
            "prompts": str(prompts) if prompts else None,
            "prompt_version": prompt_version,
            "db": db,
            "log_calls": log_calls,
        },
        config_path=config_file,
    )
    allow_private_urls(settings)
    chosen = effective_engine(settings)
    # A template that cannot be used fails here, before the article is fetched or any call made.
    prompt = choose_prompt(settings.prompts, settings.prompt_version) if chosen == "llm" else None
    started = time.perf_counter()
    if out:
        from summarizer.files import check_writable

        check_writable(out)  # before the article is fetched or any call is paid for
    article = load_source(
        source,
        timeout=settings.timeout,
        stdin=sys.stdin.buffer,
        allow_private=settings.allow_private_urls,
    )
    calls = _call_log(settings, article, source) if chosen == "llm" and settings.log_calls else None
    with (
        status("briefing", enabled=chosen == "llm"),
        _naming(source),
        use_prompt(prompt),
        calls or nullcontext() as meter,
    ):
        result = summarize(
            article.text,
            on_call=_show_call if verbose else None,
            meter=meter,
            engine=chosen,
            mode=settings.mode,
            model=settings.model,
            base_url=settings.base_url,
            api_key=settings.api_key,
            strict=settings.strict,
            lang=settings.lang,
            source=article.source,
            timeout=settings.timeout,
        )
    if chosen == "offline" and (prompts or prompt_version):
        click.echo("summarizer: the offline engine uses no prompt: --prompts ignored", err=True)
    if settings.engine == "auto" and chosen == "offline":
        # Said after the brief is made, so that a failed run prints its one error line only.
        click.echo(
            "summarizer: no API key or base URL set, so the offline engine was used; set "
            "OPENAI_API_KEY (or pass --base-url) for an LLM brief",
            err=True,
        )
    if verbose:
        m = result.meta
        cost = f"${m.cost_usd:.4f}" if m.cost_usd is not None else "unknown"
        click.echo(
            f"summarizer: engine={m.engine} model={m.model or '-'} prompt={m.prompt_version} "
            f"calls={m.attempts} "
            f"parts={m.chunks} tokens={m.usage.prompt_tokens}+{m.usage.completion_tokens} "
            f"cost={cost} dropped={len(m.dropped)} time={time.perf_counter() - started:.2f}s",
            err=True,
        )
    fmt = fmt or settings.format or ("text" if sys.stdout.isatty() and not out else "md")
    if fmt == "json":
        text = result.to_json() + "\n"
    elif fmt == "html":
        text = result.to_html()
    elif fmt == "text":
        from summarizer.brief.render import brief_terminal

        text = brief_terminal(result, color=sys.stdout.isatty() and not out)
    else:
        text = result.to_markdown()
    if out:
        from summarizer.files import write_atomic

        write_atomic(out, text)
        click.echo(f"summarizer: wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


@contextmanager
def _call_log(settings: Settings, article: Article, source: str) -> Iterator[Meter]:
    """A meter (no cap) that writes each call to the store before it is sent and completes it
    after, as a digest's calls are (run_id empty: `summarizer logs` shows them as brief)."""
    from summarizer.budget import Meter
    from summarizer.config import default_db_path
    from summarizer.errors import StoreError
    from summarizer.store import open_store

    try:
        store = open_store(settings.db or default_db_path())  # a path, or a postgresql:// URL
        article_id = store.add_article(
            article.text, "stdin" if source == "-" else source, article.source
        )
    except StoreError as exc:
        raise StoreError(f"{exc} (or brief without logging: --no-log)") from None
    try:
        yield Meter(
            None,
            on_begin=lambda call: store.begin_call(None, article_id, call),
            on_end=lambda row, call: store.end_call(int(row), call),
        )
    finally:
        store.close()


def _show_call(call: CallRecord) -> None:
    """One line on stderr for each model call, failed ones included (`-v`)."""
    u = call.usage
    tokens = f" {u.prompt_tokens}+{u.completion_tokens} tokens" if u.total_tokens else ""
    status = f" {call.status_code}" if call.status_code else ""
    error = f": {call.error}" if call.error else ""
    part = f" part {call.chunk + 1}" if call.chunk else ""
    click.echo(
        f"summarizer: call {call.attempt}{part}: {call.outcome}{status} "
        f"({call.latency_s:.2f}s){tokens}{error}",
        err=True,
    )


@contextmanager
def _naming(source: str) -> Iterator[None]:
    """Name the input in an input error raised after loading ("x.txt: not an article")."""
    from summarizer.errors import InputError

    try:
        yield
    except InputError as exc:
        if exc.source is None:
            raise InputError(str(exc), source=source) from exc
        raise


@click.command()
@click.option("--reply", is_flag=True, help="The schema a model must fill, without meta.")
def schema(reply: bool) -> None:
    """Print the JSON Schema of a brief (schema v1)."""
    from summarizer.brief.schemas import render, schemas

    click.echo(render(schemas()["brief-reply.v1" if reply else "brief.v1"]), nl=False)


@click.command()
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (TOML).",
)
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@handle_errors
def config(config_file: Path | None, as_json: bool) -> None:
    """Show the effective settings and where each came from (the key masked)."""
    import os

    from summarizer.config import (
        DEFAULT_MODEL,
        ENV_VARS,
        default_config_path,
        default_db_path,
        effective_engine,
        load_settings,
        masked,
    )

    settings = load_settings(config_path=config_file)
    values = settings.public()
    # Show what a run would use, not None, where the default is known here.
    if values["model"] is None:
        values["model"] = DEFAULT_MODEL
    if values["db"] is None:
        values["db"] = str(default_db_path(settings))
    values["engine (effective)"] = effective_engine(settings)
    env = {
        var: (masked(os.environ[var]) if var == "OPENAI_API_KEY" else os.environ[var])
        if os.environ.get(var)
        else None
        for var in ENV_VARS
    }
    if as_json:
        click.echo(
            json.dumps(
                {"settings": values, "sources": settings.sources, "environment": env}, indent=2
            )
        )
        return
    click.echo(f"config file: {config_file or default_config_path()}")
    for name, value in values.items():
        where = settings.sources.get(name, "derived")
        click.echo(f"{name:20} {value!s:40} {where}")
    click.echo("\nenvironment variables:")
    for var, meaning in ENV_VARS.items():
        click.echo(f"{var:30} {'(unset)' if env[var] is None else env[var]!s:20} {meaning}")
