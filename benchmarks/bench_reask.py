"""What a failing reply costs in tokens: the project's repair against instructor's default re-ask.

    python benchmarks/bench_reask.py             # replay cassettes/reask/repair/, print figures
    python benchmarks/bench_reask.py --record    # re-record them through the local test server
    python benchmarks/bench_reask.py --variants  # the older corpus (quote presentation variants)
    python benchmarks/bench_reask.py --batch     # the corpus through the Batch API (live, local)

The corpus (default): every article of `eval/gold` whose text is here (the seed, the authored
fixtures and the Wikinews articles; ../shared beside the repo) and whose gold brief passes the
guard, with its gold brief as the *authored* first reply (written here, not a model's). For 30 %
of the articles (chosen by their place in the sorted list) the first reply has 1, 2 or 3 failing
items, in turn: a key fact whose evidence is its own statement (a paraphrase the article does not
hold), a position given to a party the reply does not list, a party the article never names.
Every failure is checked to fail the guard when the corpus is built. Three runs, in one process:

- clean: every first reply is the gold brief (what the corpus costs with no failure);
- project: `summarize` with the failing first replies; the test server answers the repair
  request with an authored repair (the gold items for the failing paths, the invented party
  removed);
- instructor: instructor's own default flow (`instructor.from_openai(...).create(response_model=
  BriefReply, max_retries=2)` with the same messages and grounding in the validator): its re-ask
  resends everything plus the failed reply and the error; the server answers with the whole
  gold brief.

`--record` serves those replies from `summarizer.testing.server` and records what the real `openai`
client exchanges into one cassette per run (`cassettes/reask/repair/<run>.yaml`, authored); the
default replays them (vcrpy, no network). Tokens in and out per call are counted with the
model's own tokenizer (o200k_base, `summarizer.brief.tokens.count_tokens`) over what was sent (every
message's text, the assistant tool calls of a re-ask, the tool definitions and tool_choice) and
what came back (the tool call's arguments).

The older corpus (`--variants`, cassettes/reask/*.yaml): five Wikinews articles whose authored
replies quote faithful presentation variants of the article (eval/quotes/news_variants.jsonl);
a guard that accepts the variants makes one call per brief and leaves the recorded re-ask
unplayed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT.parent / "shared" / "external" / "wikinews"
VARIANTS = ROOT / "eval" / "quotes" / "news_variants.jsonl"
CASSETTES = ROOT / "cassettes" / "reask"
REPAIR_CASSETTES = CASSETTES / "repair"
GOLD = ROOT / "eval" / "gold"
MODEL = "gpt-4.1-mini"
RUNS = ("clean", "project", "instructor")
# A paraphrase a guard cannot find anywhere, used when a statement happens to be verbatim.
INVENTED = "officials confirmed the full details of the plan on Tuesday evening"
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"  # never contacted: vcr answers every request

# Article -> (parties named in it, as (name, kind, role, aliases); the position's party, stance
# and verbatim evidence; an open question).
SETTINGS: dict[str, dict[str, Any]] = {
    "01": {
        "title": "UK to replace asylum interviews with questionnaires for five nationalities",
        "parties": [
            ("Home Office", "government", "UK ministry handling asylum", []),
            ("Rishi Sunak", "person", "Prime Minister", ["Sunak"]),
            ("Yvette Cooper", "person", "Labour's Shadow Home Secretary", ["Cooper"]),
        ],
        "position": (
            "Yvette Cooper",
            "Says Labour has long backed fast-tracking and the Home Office is late.",
            "Labour's Shadow Home Secretary Yvette Cooper said her party has supported the idea "
            '"for months"',
        ),
        "question": "Will the questionnaire be extended to other claimants?",
    },
    "07": {
        "title": "Microsoft campaigns to end use of Internet Explorer 6",
        "parties": [
            ("Microsoft", "organization", "maker of Internet Explorer", []),
            ("Secunia.com", "organization", "Internet security firm", ["Secunia"]),
            ("PC World", "media", "technology publication", []),
        ],
        "position": (
            "Microsoft",
            "Wants IE6 users to move to a newer browser.",
            "Microsoft has launched an aggressive campaign to persuade users to stop using IE6",
        ),
        "question": "Will IE6 use fall below one percent?",
    },
    "09": {
        "title": "Warming and ozone pollution threaten crop yields, study finds",
        "parties": [
            ("Colette Heald", "person", "coauthor of the study", ["Heald"]),
            ("Massachusetts Institute of Technology", "organization", "research team", []),
            ("The Huffington Post", "media", "news outlet", []),
        ],
        "position": (
            "Colette Heald",
            "Says ozone and temperature must be studied together.",
            "Heald said although temperature and ozone are separately known to impact crop "
            'yields, "nobody has looked at these together"',
        ),
        "question": "How will future ozone regulation change the outlook?",
    },
    "13": {
        "title": "World Cup day five: Sweden, Belgium and England win",
        "parties": [
            ("Sweden", "country", "national football team", []),
            ("Andreas Granqvist", "person", "Swedish captain", ["Granqvist"]),
            ("Harry Kane", "person", "English captain", ["Kane"]),
        ],
        "position": (
            "Andreas Granqvist",
            "Scored the winning penalty for Sweden.",
            "Swedish captain Andreas Granqvist scored from the penalty spot, "
            "putting Sweden 1–0 up.",
        ),
        "question": "Who will advance from Group F?",
    },
    "21": {
        "title": "All-girl Afghan robotics team honored after visa reversal",
        "parties": [
            ("Hamdullah Mohib", "person", "Afghan Ambassador to the United States", ["Mohib"]),
            ("Donald Trump", "person", "U.S. President", ["Trump"]),
            ("Rodaba Noori", "person", "team member", []),
        ],
        "position": (
            "Hamdullah Mohib",
            "Sees the team as a sign of Afghanistan's progress.",
            '"Seventeen years ago, this would not have been possible at all," '
            "said Ambassador Mohib.",
        ),
        "question": "Why was the team initially denied visas?",
    },
}


def _article(prefix: str) -> tuple[str, str]:
    path = next(ARTICLES.glob(f"{prefix}_*.txt"))
    return path.stem, path.read_text(encoding="utf-8")


def replies(prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The authored reply with variant quotes, and the same reply with verbatim quotes."""
    name, _ = _article(prefix)
    rows = [json.loads(line) for line in VARIANTS.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["article"] == f"{name}.txt" and r["label"] == "faithful"]
    s = SETTINGS[prefix]

    def brief(quote: Any) -> dict[str, Any]:
        return {
            "title": s["title"],
            "summary": f"{s['title']}. The article gives the details and the reactions.",
            "key_facts": [
                {
                    "statement": f"The article reports: {r['original'][:80]}",
                    "evidence": [quote(r)],
                    "status": "confirmed",
                    "attribution": None,
                }
                for r in rows
            ],
            "parties": [
                {"name": n, "kind": k, "role": role, "aliases": aliases}
                for n, k, role, aliases in s["parties"]
            ],
            "positions": [
                {
                    "party": s["position"][0],
                    "stance": s["position"][1],
                    "evidence": [s["position"][2]],
                }
            ],
            "open_questions": [
                {
                    "question": s["question"],
                    "why_open": "The article does not say.",
                    "parties": [s["parties"][0][0]],
                }
            ],
        }

    return brief(lambda r: r["quote"]), brief(lambda r: r["original"])


def record_variants() -> None:
    """Record one cassette per article of the variants corpus (see `--variants`)."""
    import vcr

    from summarizer import summarize
    from summarizer.brief.llm import RetryPolicy
    from summarizer.testing.server import FakeOpenAIServer, reply

    CASSETTES.mkdir(parents=True, exist_ok=True)
    for prefix in SETTINGS:
        name, text = _article(prefix)
        variant, verbatim = replies(prefix)
        path = CASSETTES / f"{name}.yaml"
        path.unlink(missing_ok=True)
        recorder = vcr.VCR(
            record_mode="all",
            match_on=["method", "path"],
            filter_headers=[("authorization", "REDACTED"), "cookie", "openai-organization"],
            decode_compressed_response=True,
        )
        with (
            FakeOpenAIServer([reply(variant), reply(verbatim)]) as server,
            recorder.use_cassette(str(path)),
        ):
            brief = summarize(text, base_url=server.base_url, api_key="bench", retry=RetryPolicy())
        print(f"recorded {path.relative_to(ROOT)}: {brief.meta.attempts} call(s)")


def replay_variants() -> dict[str, Any]:
    """Brief every article of the variants corpus from its cassette; count calls and tokens."""
    import vcr

    import summarizer
    from summarizer import summarize
    from summarizer.brief.llm import RetryPolicy
    from summarizer.brief.models import CallRecord

    rows = []
    for prefix in SETTINGS:
        name, text = _article(prefix)
        calls: list[CallRecord] = []
        recorder = vcr.VCR(record_mode="none", match_on=["method", "path"])
        with recorder.use_cassette(str(CASSETTES / f"{name}.yaml")) as cassette:
            summarize(
                text,
                base_url=REPLAY_BASE_URL,
                api_key="bench",
                retry=RetryPolicy(),
                on_call=calls.append,
            )
            recorded = len(cassette)
        tokens = [c.usage.prompt_tokens + c.usage.completion_tokens for c in calls]
        rows.append(
            {
                "article": name,
                "variant_quotes": len(replies(prefix)[0]["key_facts"]),
                "calls": len(calls),
                "recorded": recorded,
                "reasks": len(calls) - 1,
                "tokens": sum(tokens),
                "reask_tokens": sum(tokens[1:]),
            }
        )
    total = {k: sum(r[k] for r in rows) for k in ("variant_quotes", "calls", "reasks", "tokens")}
    total["reask_tokens"] = sum(r["reask_tokens"] for r in rows)
    total["briefs"] = len(rows)
    total["briefs_reasked"] = sum(r["reasks"] > 0 for r in rows)
    return {"code": str(Path(summarizer.__file__).parent), "rows": rows, "total": total}


# --- the failures corpus: repair against instructor's default re-ask ----------------------------


def _fails(i: int, n: int) -> bool:
    """Whether the i-th of n articles gets a failing first reply: 30 %, spread over the list."""
    return (i * 3) % 10 < 3


def _paths(reply: dict[str, Any], text: str) -> set[str]:
    from summarizer.brief.grounding import check_reply
    from summarizer.brief.models import BriefReply
    from summarizer.brief.repair import item_of

    report = check_reply(BriefReply.model_validate(reply), text)
    return {f"{s}[{i}]" for s, i in filter(None, (item_of(x.path) for x in report.issues))}


def corpus() -> list[dict[str, Any]]:
    """Every gold article here, with its first reply, and for 30 % a failing one and its repair."""
    import copy

    from summarizer.evaluation.dataset import load_dataset

    articles = [a for a in load_dataset(GOLD).articles if not _paths(a.gold.model_dump(), a.text)]
    cases = []
    failing_seen = 0
    for i, a in enumerate(articles):
        good = a.gold.model_dump(mode="json")
        case: dict[str, Any] = {"name": a.id, "text": a.text, "good": good, "bad": None}
        if _fails(i, len(articles)):
            k = 1 + failing_seen % 3
            failing_seen += 1
            bad = copy.deepcopy(good)
            fixes: list[dict[str, Any]] = []
            # 1: a key fact whose evidence is its own statement (a paraphrase).
            fact = bad["key_facts"][0]
            fact["evidence"] = [fact["statement"].rstrip(".")]
            if not _paths(bad, a.text):
                fact["evidence"] = [INVENTED]
            fixes.append({"path": "key_facts[0]", "key_fact": good["key_facts"][0]})
            if k >= 2:
                # 2: a position given to a party the reply does not list.
                j = 0 if bad["positions"] else None
                if j is None:
                    raise SystemExit(f"{a.id}: no position to spoil")
                bad["positions"][j]["party"] = "a spokesperson"
                fixes.append({"path": f"positions[{j}]", "position": good["positions"][j]})
            if k >= 3:
                # 3: a party the article never names (removed by the repair).
                bad["parties"].append(
                    {"name": "Olaf Scholz", "kind": "person", "role": "German chancellor"}
                )
                fixes.append({"path": f"parties[{len(bad['parties']) - 1}]"})
            want = {f["path"] for f in fixes}
            got = _paths(bad, a.text)
            if got != want:
                raise SystemExit(
                    f"{a.id}: the spoiled reply fails {sorted(got)}, not {sorted(want)}"
                )
            case.update(bad=bad, repair={"fixes": fixes}, failing=k)
        cases.append(case)
    return cases


def _instructor_brief(base_url: str, text: str) -> None:
    """One brief through instructor's own default flow: grounding in the validator, re-ask."""
    import instructor
    import openai

    from summarizer.brief.models import BriefReply, grounding_article
    from summarizer.brief.prompts import brief_messages

    client = instructor.from_openai(
        openai.OpenAI(base_url=base_url, api_key="bench", max_retries=0),
        mode=instructor.Mode.TOOLS,
    )
    with grounding_article(text):
        client.chat.completions.create(
            model=MODEL,
            response_model=BriefReply,
            messages=brief_messages(text),  # type: ignore[arg-type]
            max_retries=2,
            temperature=0,
            max_tokens=4096,
        )


def _run(run: str, cases: list[dict[str, Any]], base_url: str | None, server: Any = None) -> None:
    """Brief every case once the way `run` does (live when `server` is given, else replayed)."""
    from summarizer import summarize
    from summarizer.brief.llm import RetryPolicy
    from summarizer.testing.server import reply

    for case in cases:
        if server is not None:
            failing = case["bad"] is not None and run != "clean"
            first = case["bad"] if failing else case["good"]
            server.script[:] = [reply(first)]
            if failing:
                server.script.append(reply(case["repair"] if run == "project" else case["good"]))
        url = server.base_url if server is not None else base_url
        if run == "instructor":
            _instructor_brief(str(url), case["text"])
        else:
            summarize(case["text"], base_url=url, api_key="bench", retry=RetryPolicy())
        case.setdefault("calls", {})[run] = None  # filled from the captured exchange


def _tokens_in(body: dict[str, Any]) -> int:
    from summarizer.brief.tokens import count_tokens

    parts = []
    for m in body.get("messages", []):
        parts.append(str(m.get("content") or ""))
        for call in m.get("tool_calls") or []:
            parts.append(str(call["function"]["arguments"]))
    parts.append(json.dumps(body.get("tools", []), ensure_ascii=False))
    parts.append(json.dumps(body.get("tool_choice", ""), ensure_ascii=False))
    return sum(count_tokens(p, MODEL) for p in parts if p)


def _tokens_out(body: dict[str, Any]) -> int:
    from summarizer.brief.tokens import count_tokens

    message = body["choices"][0]["message"]
    calls = message.get("tool_calls") or []
    text = calls[0]["function"]["arguments"] if calls else message.get("content") or ""
    return count_tokens(str(text), MODEL)


def _body(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict) and "string" in raw:
        raw = raw["string"]
    if isinstance(raw, bytes):
        raw = raw.decode()
    return json.loads(raw)


def failures(record: bool = False) -> dict[str, Any]:
    """Brief the corpus three ways (clean, project, instructor); tokens in and out per brief."""
    import vcr

    import summarizer
    from summarizer.testing.server import FakeOpenAIServer

    cases = corpus()
    REPAIR_CASSETTES.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "code": str(Path(summarizer.__file__).parent),
        "briefs": len(cases),
        "failing_briefs": sum(c["bad"] is not None for c in cases),
        "failing_items": sum(c.get("failing", 0) for c in cases),
        "runs": {},
    }
    for run in RUNS:
        path = REPAIR_CASSETTES / f"{run}.yaml"
        sent: list[dict[str, Any]] = []

        def capture(request: Any, sent: list[dict[str, Any]] = sent) -> Any:
            # vcr passes one request here more than once (to match it, to record it): the same
            # body twice in a row is one request (no two calls of a run send the same body).
            if request.path.endswith("/chat/completions"):
                body = _body(request.body)
                if not sent or sent[-1] != body:
                    sent.append(body)
            return request

        if record:
            path.unlink(missing_ok=True)
        recorder = vcr.VCR(
            record_mode="all" if record else "none",
            match_on=["method", "path"],
            filter_headers=[("authorization", "REDACTED"), "cookie", "openai-organization"],
            decode_compressed_response=True,
            before_record_request=capture,
        )
        with recorder.use_cassette(str(path)) as cassette:
            sent.clear()  # vcr also passed the cassette's own recorded requests through the hook
            if record:
                with FakeOpenAIServer() as server:
                    _run(run, cases, None, server)
            else:
                _run(run, cases, REPLAY_BASE_URL, None)
            if not record and cassette.play_count != len(cassette):
                raise SystemExit(f"{path.name}: {len(cassette) - cassette.play_count} unplayed")
            answers = [_body(r["body"]) for r in cassette.responses]
        if len(sent) != len(answers):
            raise SystemExit(f"{path.name}: {len(sent)} requests seen for {len(answers)} answers")
        tin = [_tokens_in(b) for b in sent]
        tout = [_tokens_out(b) for b in answers]
        result["runs"][run] = {
            "calls": len(answers),
            "tokens_in": sum(tin),
            "tokens_out": sum(tout),
            "per_brief": (sum(tin) + sum(tout)) / len(cases),
            "in_per_brief": sum(tin) / len(cases),
            "out_per_brief": sum(tout) / len(cases),
        }
        if record:
            print(f"recorded {path.relative_to(ROOT)}: {len(answers)} interaction(s)")
    runs = result["runs"]
    result["project_vs_clean"] = runs["project"]["per_brief"] / runs["clean"]["per_brief"]
    result["project_vs_instructor"] = runs["project"]["per_brief"] / runs["instructor"]["per_brief"]
    # The tokens spent on failures: each run's total beyond the clean run's.
    clean = runs["clean"]["per_brief"]
    result["failure_tokens_vs_instructor"] = (runs["project"]["per_brief"] - clean) / max(
        runs["instructor"]["per_brief"] - clean, 1e-9
    )
    return result


BATCH_RUNS = ("clean", "repair", "whole")


def _batch_run(run: str, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Brief the corpus through the Batch API against the local test server, the way `run` does.

    clean: every batch answer is the gold brief. repair: the failing answers are repaired live
    by `batch.collect` (this code), with the authored repairs. whole: the same failing answers,
    each article then briefed live anew with its gold brief, which is what `collect` did before
    (its unusable answers went to the live path); the repair calls `collect` makes in that run
    are left out of its count. Tokens exact over every request and answer.
    """
    import tempfile

    from summarizer import summarize
    from summarizer.brief.llm import RetryPolicy, make_client
    from summarizer.brief.models import SourceMeta
    from summarizer.brief.pricing import cost_of
    from summarizer.digests import batch
    from summarizer.store import SQLiteStore
    from summarizer.testing.server import FakeOpenAIServer, Step, article_of, completion, reply

    by_text = {" ".join(c["text"].split()): c for c in cases}
    # A repair request names the failing first fact: its statement tells the case.
    repairs = {
        json.dumps(c["bad"]["key_facts"][0]["statement"], ensure_ascii=False)[1:-1]: c["repair"]
        for c in cases
        if c["bad"] is not None
    }
    answered: list[tuple[dict[str, Any], int]] = []  # (request, tokens out), as served
    live_brief = False  # the "whole" run's live briefs get the gold brief

    def respond(body: dict[str, Any]) -> Step:
        if body["tools"][0]["function"]["name"] == "RepairReply":
            sent = json.dumps(body["messages"], ensure_ascii=False)
            (fix,) = [r for statement, r in repairs.items() if statement in sent]
            step = reply(fix)
        else:
            case = by_text[" ".join(article_of(body).split())]
            failing = run != "clean" and case["bad"] is not None and not live_brief
            step = reply(case["bad"] if failing else case["good"])
        answered.append((body, _tokens_out(completion(body, step))))
        return step

    class Server(FakeOpenAIServer):
        def _respond(self, body: dict[str, Any]) -> Step:
            return self.responder(body)  # a repair request too

    with tempfile.TemporaryDirectory() as tmp, Server(responder=respond) as server:
        store = SQLiteStore(Path(tmp) / "s.db")
        ids = {store.add_article(c["text"], c["name"], SourceMeta()): c for c in cases}
        client = make_client(base_url=server.base_url, api_key="bench")
        batch.submit(store, client, {a: c["text"] for a, c in ids.items()}, model=MODEL, lang=None)
        server.batch_polls = 0
        got = batch.collect(store, client, model=MODEL, poll_s=0.01)
        client.close()
        store.close()
        n_batch = len(cases)
        calls = [(True, body, out) for body, out in answered[:n_batch]]
        if run == "whole":
            live_brief = True
            for case in (c for c in cases if c["bad"] is not None):
                before = len(answered)
                summarize(case["text"], base_url=server.base_url, api_key="bench",
                          retry=RetryPolicy())  # fmt: skip
                calls += [(False, body, out) for body, out in answered[before:]]
        else:
            calls += [(False, body, out) for body, out in answered[n_batch:]]
    if run == "repair" and (got.retry_live or len(got.briefs) != len(cases)):
        raise SystemExit(f"batch {run}: {len(got.retry_live)} answer(s) not repaired")
    tin = [_tokens_in(body) for _, body, _ in calls]
    tout = [out for _, _, out in calls]
    usd = sum(
        cost_of(MODEL, i, o, batch=b) or 0.0
        for (b, _, _), i, o in zip(calls, tin, tout, strict=True)
    )
    return {
        "calls": len(calls),
        "live_calls": sum(not b for b, _, _ in calls),
        "tokens_in": sum(tin),
        "tokens_out": sum(tout),
        "per_brief": (sum(tin) + sum(tout)) / len(cases),
        "usd_per_1000_briefs": usd / len(cases) * 1000,
    }


def batch_failures() -> dict[str, Any]:
    """The corpus through the Batch API three ways (clean, repair, whole): tokens and USD."""
    import summarizer

    cases = corpus()
    result: dict[str, Any] = {
        "code": str(Path(summarizer.__file__).parent),
        "briefs": len(cases),
        "failing_briefs": sum(c["bad"] is not None for c in cases),
        "failing_items": sum(c.get("failing", 0) for c in cases),
        "runs": {run: _batch_run(run, cases) for run in BATCH_RUNS},
    }
    runs = result["runs"]
    for run in ("repair", "whole"):
        result[f"{run}_vs_clean_tokens"] = runs[run]["per_brief"] / runs["clean"]["per_brief"]
        result[f"{run}_vs_clean_usd"] = (
            runs[run]["usd_per_1000_briefs"] / runs["clean"]["usd_per_1000_briefs"]
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="re-record the cassettes")
    parser.add_argument("--variants", action="store_true", help="the quote-variants corpus")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--batch", action="store_true", help="through the Batch API: repair vs brief live anew"
    )
    args = parser.parse_args()
    if args.batch:
        main_batch(args.json)
        return
    if args.variants:
        if args.record:
            record_variants()
            return
        main_variants(args.json)
        return
    result = failures(record=args.record)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from _common import print_machine

    print_machine()
    print(f"code under test: {result['code']}")
    print(
        f"corpus: {result['briefs']} briefs (eval/gold), {result['failing_briefs']} with a failing "
        f"first reply ({result['failing_items']} failing items); tokens exact ({MODEL})"
    )
    print(
        f"{'run':<12}{'calls':>6}{'in':>9}{'out':>8}{'in/brief':>10}{'out/brief':>10}{'total/brief':>12}"
    )
    for run, r in result["runs"].items():
        print(
            f"{run:<12}{r['calls']:>6}{r['tokens_in']:>9,}{r['tokens_out']:>8,}"
            f"{r['in_per_brief']:>10,.0f}{r['out_per_brief']:>10,.0f}{r['per_brief']:>12,.0f}"
        )
    print(
        f"project / clean: {result['project_vs_clean']:.3f} (goal <= 1.15); "
        f"project / instructor: {result['project_vs_instructor']:.3f} (goal <= 0.6)"
    )
    print(
        "tokens spent on failures (total beyond clean), project / instructor: "
        f"{result['failure_tokens_vs_instructor']:.3f}"
    )


def main_batch(as_json: bool) -> None:
    """Print the Batch API figures (`--batch`)."""
    result = batch_failures()
    if as_json:
        print(json.dumps(result, indent=2))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    from _common import print_machine

    print_machine()
    print(f"code under test: {result['code']}")
    print(
        f"corpus: {result['briefs']} briefs (eval/gold) through the Batch API (local test "
        f"server), {result['failing_briefs']} with a failing answer ({result['failing_items']} "
        f"failing items); tokens exact ({MODEL}); USD at list price, batch requests at half"
    )
    print(f"{'run':<8}{'calls':>6}{'live':>6}{'in':>9}{'out':>8}{'total/brief':>12}{'$/1000':>9}")
    for run, r in result["runs"].items():
        print(
            f"{run:<8}{r['calls']:>6}{r['live_calls']:>6}{r['tokens_in']:>9,}{r['tokens_out']:>8,}"
            f"{r['per_brief']:>12,.0f}{r['usd_per_1000_briefs']:>9.3f}"
        )
    for run in ("repair", "whole"):
        print(
            f"{run} / clean: tokens {result[f'{run}_vs_clean_tokens']:.3f}, "
            f"USD {result[f'{run}_vs_clean_usd']:.3f}"
        )


def main_variants(as_json: bool) -> None:
    """The older corpus: quote presentation variants that no longer cause a re-ask."""
    result = replay_variants()
    if as_json:
        print(json.dumps(result, indent=2))
        return
    print(f"code under test: {result['code']}")
    print(
        f"{'article':44} {'variants':>8} {'calls':>5} {'re-asks':>7} {'tokens':>7} "
        f"{'re-ask tok':>10}"
    )
    for r in result["rows"]:
        print(
            f"{r['article'][:44]:44} {r['variant_quotes']:>8} {r['calls']:>5} {r['reasks']:>7} "
            f"{r['tokens']:>7} {r['reask_tokens']:>10}"
        )
    t = result["total"]
    print(
        f"{'total':44} {t['variant_quotes']:>8} {t['calls']:>5} {t['reasks']:>7} "
        f"{t['tokens']:>7} {t['reask_tokens']:>10}"
    )
    print(
        f"re-ask rate: {t['reasks']}/{t['briefs']} briefs ({t['briefs_reasked']} re-asked); "
        f"re-ask tokens {t['reask_tokens']} of {t['tokens']} "
        f"({100 * t['reask_tokens'] / max(t['tokens'], 1):.0f}%)"
    )


if __name__ == "__main__":
    sys.exit(main())
