"""Prompt tokens per request for the seed article: the fixed part versus the article.

    python benchmarks/bench_tokens.py [--quick]

The request body is captured as the real `openai` client sends it (through instructor, TOOLS
mode) to the local test server, then split: system prompt, tool definition (name, description,
JSON schema), the user message's own words, and the article. Tokens are counted exactly with the
model's own tokenizer (`summarizer.brief.tokens.count_tokens`: tiktoken's o200k_base for
gpt-4.1-mini, from the encodings the package ships) and, alongside, the package's offline estimate
(`estimate_tokens`, which leans high). The goal figure is "system + tool schema", exact. Then the
tool schema is taken apart to show where its size goes (descriptions, `title` keys, structure).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from _common import SEED, CachedResponder, print_machine

from summarizer import summarize
from summarizer.brief.llm import RetryPolicy
from summarizer.brief.tokens import count_tokens, estimate_tokens
from summarizer.testing.server import FakeOpenAIServer, article_of

MODEL = "gpt-4.1-mini"  # the default model; its tokenizer is o200k_base


def exact(text: str) -> int:
    """Tokens of `text` by the model's own tokenizer."""
    return count_tokens(text, MODEL)


def capture(text: str) -> dict[str, Any]:
    """The first request body sent for a brief of `text`."""
    with FakeOpenAIServer(responder=CachedResponder()) as server:
        summarize(text, base_url=server.base_url, api_key="bench", retry=RetryPolicy())
        return server.requests[0]


def _walk(node: Any, key: str, out: list[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                out.append(v)
            else:
                _walk(v, key, out)
    elif isinstance(node, list):
        for v in node:
            _walk(v, key, out)


def _strip(node: Any, key: str) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v, key) for k, v in node.items() if not (k == key and isinstance(v, str))}
    if isinstance(node, list):
        return [_strip(v, key) for v in node]
    return node


def row(name: str, text: str, total: int) -> None:
    """Print one line of the split."""
    t = exact(text)
    print(f"{name:<34}{len(text):>8,}{estimate_tokens(text):>8,}{t:>8,}{t / total:>7.0%}")


def main() -> None:
    """Run the benchmark and print its tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="same thing (it is quick)")
    ap.parse_args()
    if not SEED.exists():
        raise SystemExit(f"seed article not found: {SEED}")
    text = SEED.read_text(encoding="utf-8")
    body = capture(text)
    system = next(m["content"] for m in body["messages"] if m["role"] == "system")
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    article = article_of(body)
    tools = json.dumps(body.get("tools", []), ensure_ascii=False)
    choice = json.dumps(body.get("tool_choice", ""), ensure_ascii=False)
    user_own = user.replace(article, "")
    everything = system + tools + choice + user
    total = exact(everything)
    fixed = exact(system + tools + choice + user_own)
    goal = exact(system) + exact(tools)
    from summarizer.brief.prompts import PROMPT_VERSION

    print_machine()
    print(f"# seed article {SEED.name}: {len(text.split())} words, {len(text):,} chars")
    print(f"# prompt {PROMPT_VERSION}; tokens: offline estimate, exact ({MODEL})")
    print(f"{'part of the request':<34}{'chars':>8}{'est.':>8}{'exact':>8}{'share':>7}")
    row("system prompt", system, total)
    row("tool definition (schema)", tools, total)
    row("tool_choice", choice, total)
    row("user message minus article", user_own, total)
    row("article", article, total)
    print(f"{'system prompt + tool schema':<34}{'':>8}{'':>8}{goal:>8,}{goal / total:>7.0%}")
    print(f"{'fixed part (all but the article)':<34}{'':>8}{'':>8}{fixed:>8,}{fixed / total:>7.0%}")
    print(f"{'whole prompt':<34}{len(everything):>8,}{'':>8}{total:>8,}")

    schema = body["tools"][0]["function"]["parameters"]
    descs: list[str] = []
    _walk(schema, "description", descs)
    titles: list[str] = []
    _walk(schema, "title", titles)
    raw = json.dumps(schema, ensure_ascii=False)
    no_titles = json.dumps(_strip(schema, "title"), ensure_ascii=False)
    no_descs = json.dumps(_strip(_strip(schema, "title"), "description"), ensure_ascii=False)
    print("\n## the tool schema taken apart")
    print(f"{'piece':<34}{'chars':>8}{'exact':>8}")
    for name, s in [
        ("schema as sent", raw),
        (f"  {len(descs)} description strings", " ".join(descs)),
        (f"  {len(titles)} auto 'title' keys", " ".join(f'"title": "{t}",' for t in titles)),
        ("schema without titles", no_titles),
        ("schema without titles, descriptions", no_descs),
    ]:
        print(f"{name:<34}{len(s):>8,}{exact(s):>8,}")
    print("\n## descriptions, longest first (chars)")
    for d in sorted(set(descs), key=len, reverse=True)[:8]:
        print(f"{len(d):>5}  {d[:90]}{'…' if len(d) > 90 else ''}")


if __name__ == "__main__":
    main()
