"""Our own overhead per article: everything but waiting for the model.

    python benchmarks/bench_overhead.py [--quick] [--cpu] [--offload] [--grounding]

The pieces of a brief are timed directly, in the order the engine runs them, for a 1,000-word
and a 60,000-word article: split into parts, render the prompt, get the tool schema (built
once per process for our reply model), parse + validate + ground each reply
(`BriefReply.model_validate_json` with the article as context, as instructor calls it), merge +
ground the whole + build the `Brief` (`engine._finish`), render JSON and Markdown, and write to
the store. Then grounding alone at 4 sizes, to show its cost is linear in the article's length.
Last, for context, one whole `summarize` call end to end against a latency-0 local server in
another process (that figure includes the HTTP client and the server's own answer time, so it
is an upper bound). `--offload` prints only the cost of grounding on the loop against sending
it to a grounding worker process (`summarizer.brief.offload`), by article size. `--grounding`
prints only the CPU of one grounding as a worker does it (parse the reply's JSON, index the
article, check the reply) by article size, and on the real articles of eval/gold with their gold
replies: the best of three rounds, so a machine busy with other work shows less in it.
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from _common import (
    ServerProcess,
    grounded_reply,
    has_module,
    make_article,
    ms_stats,
    print_machine,
    time_call,
)

from summarizer import engine
from summarizer.brief.grounding import ArticleIndex, _clear_index_cache, check_reply
from summarizer.brief.llm import _REPLY_TOOL, CallLog, ReplyResult
from summarizer.brief.models import Brief, BriefReply
from summarizer.brief.prompts import brief_messages


def pieces(text: str) -> dict[str, Callable[[], Any]]:
    """One callable per step of the engine's own work on `text`."""
    parts = engine._parts(text, None)
    raws = [json.dumps(grounded_reply(p)) for p in parts]
    replies = [BriefReply.model_validate_json(r) for r in raws]

    def finish() -> Brief:
        if len(parts) > 1:
            # The merged brief of several parts was never checked against the whole article
            # in a real run: check it afresh each time. (One part: the validator's report of
            # that very reply is reused, as in a real run.)
            ArticleIndex.of(text)._reports.clear()
        results = [
            ReplyResult(reply=r, log=CallLog(model="gpt-4.1-mini", records=[])) for r in replies
        ]
        # engine._finish is private and its bookkeeping argument has changed shape before:
        # pass whichever it takes, so this keeps timing the engine's own code.
        kwargs: dict[str, Any] = {}
        params = inspect.signature(engine._finish).parameters
        if "tally" in params:
            kwargs["tally"] = engine._Tally()
        if "warnings" in params:
            kwargs["warnings"] = []
        return engine._finish(
            text,
            results,
            model="gpt-4.1-mini",
            source=engine._with_source(text, None),
            lang=None,
            started=time.perf_counter(),
            **kwargs,
        )

    brief = finish()
    out: dict[str, Callable[[], Any]] = {
        "check + split": lambda: engine._parts(engine.check_text(text), None),
        "render prompt": lambda: [brief_messages(p) for p in parts],
        # instructor's tool definition: built once per process for our reply model (llm.py).
        "tool schema (cached)": lambda: [_REPLY_TOOL.openai_schema for _ in parts],
        # A new article each time: the index the validator builds is cached for the merge
        # step after it (as in a real run), so each timing here starts without it.
        "parse+validate+ground": lambda: (
            _clear_index_cache(),
            [
                BriefReply.model_validate_json(r, context={"article": p})
                for r, p in zip(raws, parts, strict=True)
            ],
        ),
        "merge+ground+Brief": finish,
        "to_json": brief.to_json,
    }
    if has_module("render"):
        out["to_markdown"] = brief.to_markdown
    if has_module("store"):
        out["store write"] = _store_writer(brief)
    return out


def _store_writer(brief: Brief) -> Callable[[], Any]:
    """A callable that writes `brief` to a fresh store under a new key each time."""
    from summarizer.brief.models import SourceMeta
    from summarizer.store import BriefKey, SQLiteStore

    st = SQLiteStore(Path(tempfile.mkdtemp()) / "bench.sqlite")
    counter = iter(range(10**9))

    def write() -> None:
        # A digest stores the article, then its brief.
        text = f"article {next(counter)}"
        article_id = st.add_article(text, "bench", SourceMeta())
        st.put_brief(BriefKey(article_id, "llm", "gpt-4.1-mini", "brief-v1", "1"), brief)

    return write


def cpu_call(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    """`time_call` on the process's CPU clock: a machine shared with other work stretches wall
    time, much less the CPU time this process spends."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        out.append(time.process_time() - t0)
    return out


def _ground(text: str, reply: BriefReply) -> object:
    return check_reply(reply, ArticleIndex(text))


def offload_table(count: int) -> None:
    """Grounding on the loop against sending it to a worker process (`summarizer.brief.offload`),
    per article size: the CPU this process spends either way (for the worker: the reply's JSON,
    pickling, the loop's non-blocking pipe reads and writes, the report's unpickling), and the
    worker's own CPU."""
    import asyncio
    import os

    from bench_ab import worker_cpu

    from summarizer.brief import grounding, offload

    os.environ[offload.WORKERS_ENV] = "1"
    deadline = time.monotonic() + 60
    while (worker := offload._ready_worker()) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if worker is None:
        print("\n(no grounding worker started: table skipped)")
        return
    print("\n## grounding: on the loop vs offloaded to a worker process (CPU ms per article)")
    print(f"{'words':>8}{'chars':>8}{'on the loop':>13}{'offloaded: loop':>17}{'worker':>9}")
    for words in (60, 120, 250, 600, 1_000, 5_000):
        texts = [make_article(1_000 + i, words) for i in range(count)]
        replies = [BriefReply.model_validate(grounded_reply(t)) for t in texts]
        t0 = time.process_time()
        for text, reply in zip(texts, replies, strict=True):
            grounding._check_reply(reply, ArticleIndex(text))
        here = (time.process_time() - t0) / count * 1000

        async def send(texts: list[str], replies: list[BriefReply], w: Any) -> list[Any]:
            gate = asyncio.Semaphore(32)

            async def one(article: str, brief: BriefReply) -> Any:
                async with gate:
                    return await w.submit(article, grounding.report_key(brief))

            return await asyncio.gather(*map(one, texts, replies))

        t0, w0 = time.process_time(), worker_cpu()
        asyncio.run(send(texts, replies, worker))
        loop = (time.process_time() - t0) / count * 1000
        remote = (worker_cpu() - w0) / count * 1000
        chars = sum(map(len, texts)) // count
        print(f"{words:>8,}{chars:>8,}{here:>13.2f}{loop:>17.2f}{remote:>9.2f}")
    offload.shutdown()


def grounding_table(count: int) -> None:
    """CPU ms per grounding (a new article each time, as a worker gets them), best of 3 rounds."""
    from summarizer.brief.grounding import check_reply as check

    def cpu_per_job(jobs: list[tuple[str, str]]) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            for text, raw in jobs:
                check(BriefReply.model_validate_json(raw), ArticleIndex(text))
            best = min(best, (time.process_time() - t0) / len(jobs) * 1000)
        return best

    print("\n## grounding CPU per reply: parse its JSON, index the article, check (ms, best of 3)")
    print(f"{'article':>24}{'chars':>8}{'replies':>9}{'CPU ms':>9}")
    for words in (60, 600, 1_000, 5_000):
        n = max(10, count * 600 // max(words, 600))
        texts = [make_article(5_000 + i, words) for i in range(n)]
        jobs = [(t, json.dumps(grounded_reply(t))) for t in texts]
        chars = sum(map(len, texts)) // n
        print(f"{f'{words:,} words synthetic':>24}{chars:>8,}{n:>9}{cpu_per_job(jobs):>9.2f}")
    gold = []
    for folder in sorted((Path(__file__).resolve().parents[1] / "eval" / "gold").iterdir()):
        if (folder / "article.txt").is_file() and (folder / "gold.json").is_file():
            try:
                reply = BriefReply.model_validate_json((folder / "gold.json").read_text())
            except ValueError:
                continue  # not a brief's reply (a check-list)
            gold.append(((folder / "article.txt").read_text(), reply.model_dump_json()))
    if gold:
        chars = sum(len(t) for t, _ in gold) // len(gold)
        label = f"eval/gold real ({len(gold)})"
        print(f"{label:>24}{chars:>8,}{len(gold) * 5:>9}{cpu_per_job(gold * 5):>9.2f}")


def grounding_job(words: int, count: int, run: bool) -> None:
    """Build `count` new articles of `words` words and their replies, ground two, then the rest
    only when `run`: under valgrind, the instructions of the run with them minus those of the
    run without, divided by `count`, are one grounding's (see benchmarks/README.md)."""
    from summarizer.brief.grounding import check_reply as check

    texts = [make_article(5_000 + i, words) for i in range(count + 2)]
    jobs = [(t, json.dumps(grounded_reply(t))) for t in texts]
    for text, raw in jobs[:2] + (jobs[2:] if run else []):
        check(BriefReply.model_validate_json(raw), ArticleIndex(text))


def main() -> None:
    """Run the benchmark and print its tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--cpu", action="store_true", help="time on the process's CPU clock, not the wall clock"
    )
    ap.add_argument(
        "--offload",
        action="store_true",
        help="only the table of grounding on the loop vs in a worker process (CPU clock)",
    )
    ap.add_argument(
        "--grounding",
        action="store_true",
        help="only the CPU of one grounding by article size, and on eval/gold (CPU clock)",
    )
    ap.add_argument(
        "--grounding-job",
        nargs=3,
        metavar=("WORDS", "COUNT", "RUN"),
        help="for valgrind: build COUNT articles of WORDS words, ground them if RUN is 1",
    )
    args = ap.parse_args()
    if args.grounding_job:
        words, count, run = args.grounding_job
        grounding_job(int(words), int(count), run == "1")
        return
    if args.grounding:
        print_machine()
        grounding_table(20 if args.quick else 100)
        return
    if args.offload:
        print_machine()
        offload_table(50 if args.quick else 200)
        return
    timer = cpu_call if args.cpu else time_call
    reps = {1_000: 30 if args.quick else 200, 60_000: 3 if args.quick else 15}
    print_machine()
    clock = "CPU" if args.cpu else "wall"
    print(f"# per-article overhead, model time excluded: median / p95 in ms ({clock} clock)")
    totals: dict[int, list[float]] = {}
    for words, n in reps.items():
        text = make_article(1, words)
        steps = pieces(text)
        print(
            f"\n## {words:,} words ({len(text):,} chars, {len(engine._parts(text, None))} part(s))"
        )
        print(f"{'step':<28}{'median':>9}{'p95':>9}")
        per_run = [0.0] * n
        for name, fn in steps.items():
            samples = timer(fn, n)
            per_run = [a + b for a, b in zip(per_run, samples, strict=True)]
            med, p95 = ms_stats(samples)
            print(f"{name:<28}{med:>9.2f}{p95:>9.2f}")
        totals[words] = per_run
        med, p95 = ms_stats(per_run)
        print(f"{'TOTAL':<28}{med:>9.2f}{p95:>9.2f}")

    print("\n## grounding alone (index the article + check one brief of 3 facts, 1 position)")
    print(f"{'words':>8}{'chars':>10}{'median ms':>11}{'µs/1k words':>13}")
    sizes = [1_000, 5_000, 20_000, 60_000]
    for words in sizes:
        text = make_article(2, words)
        reply = BriefReply.model_validate(grounded_reply(text))
        real_words = len(text.split())
        samples = timer(partial(_ground, text, reply), 5 if args.quick else 20)
        med = statistics.median(samples) * 1000
        print(
            f"{real_words:>8,}{len(text):>10,}{med:>11.2f}{med * 1000 / real_words * 1000:>13.1f}"
        )

    print("\n## for context: summarize() end to end, local server at latency 0 (other process)")
    from summarizer import summarize
    from summarizer.brief.llm import RetryPolicy

    text = make_article(3, 1_000)
    with ServerProcess(latency=0.0) as server:

        def call() -> Brief:
            return summarize(text, base_url=server.base_url, api_key="bench", retry=RetryPolicy())

        samples = time_call(call, 20 if args.quick else 100)
    med, p95 = ms_stats(samples)
    print(f"{'1,000 words e2e':<28}{med:>9.2f}{p95:>9.2f}  (incl. client set-up, HTTP, server)")


if __name__ == "__main__":
    main()
