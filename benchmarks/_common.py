"""Shared helpers for the benchmarks: synthetic articles, a grounded responder, timing, machine.

Every benchmark here runs against `summarizer.testing.server.FakeOpenAIServer` on 127.0.0.1, so the
model's latency is simulated and everything else is ours. The articles are generated, not real
news: deterministic per index, each one distinct (so the server can count requests per article),
with named people the replies can cite as parties.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_9423660f65a83069.txt"

if str(ROOT) not in sys.path:  # run as `python benchmarks/bench_x.py` from a checkout
    sys.path.insert(0, str(ROOT))

from summarizer.testing.server import (  # noqa: E402
    FirstSentencesResponder,
    first_sentences_reply,
    synthetic_article,
)


def make_article(index: int, words: int = 600) -> str:
    """A deterministic synthetic news article of about `words` words, distinct for each index."""
    return synthetic_article(index, words)


def articles(count: int, words: int = 600, start: int = 0) -> Iterator[str]:
    """`count` distinct synthetic articles, generated lazily."""
    for i in range(start, start + count):
        yield make_article(i, words)


grounded_reply = first_sentences_reply
CachedResponder = FirstSentencesResponder

# --- articles that form stories (for the digest) ----------------------------------------------

_SYLLABLES = "ka lo mi ren ta vos ul bri den fa gor hel ix jun ker lam nor pel qua rist sev tor"


def _invented(rng: Any, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES.split()) for _ in range(syllables))


def news_article(index: int, per_story: int = 4, words: int = 400) -> str:
    """A synthetic article that belongs to story `index // per_story`, distinct per index.

    `synthetic_article` shares one small vocabulary across all articles, so a digest of them is
    one giant story. Here each story has its own invented people, place and topic words, and
    the articles of one story share them (and not much else), as a day's news does.
    """
    import random

    story = random.Random(f"story-{index // per_story}")
    people = [f"{_invented(story, 2).title()} {_invented(story, 3).title()}" for _ in range(3)]
    place = _invented(story, 3).title()
    topic = [_invented(story, 3) for _ in range(6)]
    rng = random.Random(f"article-{index}")
    sentences = []
    count = n = 0
    while count < words:
        n += 1
        a, b, c = rng.sample(topic, 3)
        # Few fixed words: what two stories share is little more than "said" and "the".
        s = f"{rng.choice(people)} said the {a} of {place} {b} {c} {index}-{n}."
        sentences.append(s)
        count += len(s.split())
    paras = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
    return "\n\n".join(paras)


class StoryResponder(FirstSentencesResponder):
    """A grounded reply whose title and summary come from the article (see `news_article`)."""

    def __call__(self, request: dict[str, Any]) -> Any:
        from summarizer.testing.server import article_of, reply

        text = article_of(request)
        data = first_sentences_reply(text)
        flat = " ".join(text.split())
        first = flat.split(". ")[:2]
        data["title"] = " ".join(first[0].split()[:9])
        data["summary"] = f"{first[0]}. {first[1]}." if len(first) > 1 else f"{first[0]}. More."
        return reply(data)


# --- timing -------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) of `values`, nearest-rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_call(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    """Run `fn` `warmup` times untimed, then `repeat` times; return each run's seconds."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def ms_stats(samples: list[float]) -> tuple[float, float]:
    """(median, p95) of `samples` (seconds) in milliseconds."""
    return statistics.median(samples) * 1000, percentile(samples, 95) * 1000


# --- the machine -------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "ram": ram,
        "python": platform.python_version(),
        "commit": commit or "unknown",
    }


def print_machine() -> None:
    """Print the machine line every benchmark starts with."""
    m = machine()
    print(
        f"# {m['date']} | nproc={m['nproc']} | {m['cpu']} | RAM {m['ram']} | "
        f"Python {m['python']} | commit {m['commit']}"
    )


def run_child(script: str, *args: str) -> dict[str, Any]:
    """Run `script child ARGS...` in a fresh interpreter; return the JSON its last line prints.

    A fresh process per measurement, so peak RSS is that run's alone.
    """
    proc = subprocess.run(
        [sys.executable, script, "child", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def has_module(name: str) -> bool:
    """Whether `summarizer.<name>` exists in this checkout (other parts land over time)."""
    import importlib.util

    return importlib.util.find_spec(f"summarizer.{name}") is not None


# --- the fake server in its own process ----------------------------------------------------


class ServerProcess:
    """FakeOpenAIServer in a child process, so its threads do not share the client's GIL.

    The machine has 2 cores: one for the client being measured, one for the server. The child
    answers every article with `CachedResponder` after `latency` seconds, and stops when the
    context exits (or when its stdin closes, if the parent dies).
    """

    def __init__(
        self,
        latency: float = 0.0,
        faults: dict[str, float] | None = None,
        responder: str = "first",
    ) -> None:
        self.latency = latency
        self.faults = faults or {}
        self.responder = responder
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "serve",
                str(self.latency),
                json.dumps(self.faults),
                self.responder,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://"):
            raise RuntimeError(f"fake server did not start: {line!r}")
        self.base_url = line
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def _serve(latency: float, faults: dict[str, float], responder: str = "first") -> None:
    from summarizer.testing.server import FakeOpenAIServer

    answer = StoryResponder() if responder == "story" else CachedResponder()
    server = FakeOpenAIServer(responder=answer, latency=latency, faults=faults)
    with server:
        print(server.base_url, flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or dies)


if __name__ == "__main__" and len(sys.argv) >= 2 and sys.argv[1] == "serve":
    _serve(
        float(sys.argv[2]),
        json.loads(sys.argv[3]) if len(sys.argv) > 3 else {},
        sys.argv[4] if len(sys.argv) > 4 else "first",
    )
