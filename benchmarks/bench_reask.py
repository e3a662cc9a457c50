"""Re-asks caused by presentation differences in quotes: how many, and what they cost in tokens.

    python benchmarks/bench_reask.py                 # replay cassettes/reask/ with this code
    PYTHONPATH=/tmp/before python benchmarks/bench_reask.py   # ... with another checkout's code
    python benchmarks/bench_reask.py --record        # re-record cassettes/reask/ (see below)

The corpus: for each of five Wikinews articles (`../shared/external/wikinews/`, CC BY 2.5), an
*authored* reply (written here, not a model's) whose evidence quotes are the faithful variants of
that article's quotes listed in `eval/quotes/news_variants.jsonl` — curly or straight quote
marks, an added accent, soft hyphens and other invisible characters, "percent" for "%", a comma
added or dropped, a hyphen or line-wrap hyphen, US/UK spelling, bracketed insertions — plus
verbatim quotes, parties and a position. If the guard re-asks, the second reply is the same brief
with every quote copied exactly from the article, as a model mends it.

`--record` serves those two replies from the local test server (`summarizer.testserver`) and
records what the real `openai` client exchanges with it into `cassettes/reask/<article>.yaml`;
record with a guard that re-asks (the guard before issue 10), so that every cassette holds the
re-ask too. The replay answers every call from the cassette (vcrpy, no network): a guard that
accepts the variants makes one call per brief and leaves the re-ask unplayed.

Figures per run: briefs, calls, re-asks (calls after the first of a brief), briefs re-asked,
tokens in all calls and tokens in the re-asks (prompt + completion, as the server counts them:
`summarizer.tokens.estimate_tokens`).
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


def record() -> None:
    """Record one cassette per article through the local test server (see the docstring)."""
    import vcr

    from summarizer import summarize
    from summarizer.llm import RetryPolicy
    from summarizer.testserver import FakeOpenAIServer, reply

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


def replay() -> dict[str, Any]:
    """Brief every article of the corpus from its cassette; count calls, re-asks and tokens."""
    import vcr

    import summarizer
    from summarizer import summarize
    from summarizer.llm import RetryPolicy
    from summarizer.models import CallRecord

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="re-record cassettes/reask/")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.record:
        record()
        return
    result = replay()
    if args.json:
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
