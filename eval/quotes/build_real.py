"""Rebuild `real.jsonl` from FaithBench's copy of the Vectara leaderboard summaries.

Not run by the tests: it needs a checkout of github.com/forrestbao/FaithBench (pass its path).
Every quoted stretch (text in "...", “...”, ‘...’ or '...', four words or more) of the summaries
of the models below is a (source, model quote) pair: the model put those words in quotation
marks, presenting them as the source's own. 18 distinct pairs per model are drawn with a fixed
seed; the source is kept as a window of about 500 chars either side of where the quote best
matches. Labels are by hand (see README.md): `LABELS` lists every pair that is not an exact
substring of its source after folding quote marks and white space; the rest are labelled
faithful because they are exact.

    python eval/quotes/build_real.py /path/to/FaithBench > eval/quotes/real.jsonl
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import random
import re
import subprocess
import sys
from collections import defaultdict

MODELS = [
    "openai/gpt-4o",
    "openai/GPT-4-Turbo-2024-04-09",
    "openai/o1-preview",
    "openai/GPT-3.5-Turbo",
    "Anthropic/claude-3-5-sonnet-20240620",
    "Anthropic/Claude-3-opus",
    "meta-llama/Meta-Llama-3.1-70B-Instruct",
    "meta-llama/Meta-Llama-3.1-405B-Instruct",
    "meta-llama/Llama-3-70B-chat-hf",
    "mistralai/Mistral-Large2",
    "mistralai/Mixtral-8x22B-Instruct-v0.1",
    "google/Gemini-1.5-Pro",
    "google/gemini-1.5-flash-001",
    "google/PaLM-2-Chat",
    "cohere/command-r-plus-08-2024",
    "CohereForAI/c4ai-command-r-plus",
    "deepseek/deepseek-chat",
    "Qwen/Qwen2-72B-Instruct",
    "microsoft/Phi-3.5-MoE-instruct",
    "google/gemma-2-9b-it",
]
PER_MODEL = 18
WINDOW = 500
DQ = re.compile(
    r'(?:(?<=^)|(?<=[\s(\[:,—-]))["\u201c]([^"\u201c\u201d\n]{8,600}?)["\u201d]'
    r"(?=$|[\s).,;:!?\]—-])"
)
SQ = re.compile(
    r"(?:(?<=^)|(?<=[\s(\[:,—-]))['\u2018]([A-Z0-9][^\n]{6,600}?[^\s\\])['\u2019]"
    r"(?=$|[\s).,;:!?\]—-])"
)

# Hand labels for every pair that is not an exact substring (id -> (label, why)).
F, D, U = "faithful", "debatable", "unfaithful"
_TOKENIZED = "the source is tokenized text (spaces before punctuation, lower case)"
LABELS: dict[str, tuple[str, str]] = {
    "fb-012": (F, _TOKENIZED),
    "fb-031": (F, _TOKENIZED + "; the source marks the quote with ` '"),
    "fb-044": (F, _TOKENIZED + "; the final '.' became ','"),
    "fb-052": (F, "the source's own '(ing)' adaptation written out: 'enfold(ing)' -> 'enfolding'"),
    "fb-059": (U, "a title the source never names"),
    "fb-082": (U, "'a hero' became 'heroes'"),
    "fb-092": (F, _TOKENIZED),
    "fb-103": (F, _TOKENIZED),
    "fb-104": (U, "the source says 'Marvel's new film Ultron', not this title"),
    "fb-119": (F, "'concocting ` a soap opera '': the quote marks inside the source dropped"),
    "fb-122": (F, _TOKENIZED),
    "fb-155": (F, _TOKENIZED),
    "fb-168": (F, _TOKENIZED),
    "fb-169": (F, _TOKENIZED),
    "fb-177": (U, "a title the source never names"),
    "fb-178": (F, _TOKENIZED),
    "fb-181": (U, "translated from the Welsh source: not its words"),
    "fb-205": (U, "the source says 'Marvel's new film Ultron', not this title"),
    "fb-219": (U, "'build up false hope' became 'building up false hope'"),
    "fb-223": (U, "'bulldozes' became 'bulldozing'"),
    "fb-232": (U, "not in the source"),
    "fb-234": (U, "not in the source"),
    "fb-243": (F, _TOKENIZED),
    "fb-247": (U, "not in the source (it says 'appalled by mindless attacks on PSNI officers')"),
    "fb-248": (U, "not in the source"),
    "fb-249": (D, "the source's typo 'It look a good shout' silently corrected to 'looked'"),
    "fb-256": (F, _TOKENIZED),
    "fb-264": (F, _TOKENIZED),
    "fb-270": (F, _TOKENIZED),
    "fb-272": (U, "the model's own sentence in quote marks; not in the source"),
    "fb-277": (F, _TOKENIZED),
    "fb-281": (U, "the model's own sentence in quote marks; not in the source"),
    "fb-282": (U, "the model's own sentence in quote marks; not in the source"),
    "fb-289": (F, _TOKENIZED),
    "fb-296": (F, _TOKENIZED),
    "fb-297": (F, _TOKENIZED),
    "fb-303": (F, "a serial comma added: 'appalling, unlawful and' -> 'appalling, unlawful, and'"),
    "fb-329": (F, _TOKENIZED),
    "fb-331": (F, _TOKENIZED),
    "fb-337": (U, "'at least' dropped from 'read every question at least twice', no ellipsis"),
    "fb-340": (U, "the model quotes its own prompt, not the source"),
    "fb-345": (U, "the model quotes its own prompt, not the source"),
    "fb-347": (F, _TOKENIZED),
    "fb-353": (F, _TOKENIZED),
    "fb-357": (U, "the model quotes its own prompt, not the source"),
}
# Pairs that are not exact but were read and found faithful: case or tokenized spacing only.
CASE_OR_SPACING = "same words; only case or the source's tokenized spacing differs"


def _fold(s: str) -> str:
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        s = s.replace(a, b)
    return " ".join(s.split())


def _window(src: str, quote: str) -> str:
    sm = difflib.SequenceMatcher(None, src.lower(), quote.lower(), autojunk=False)
    m = max(sm.get_matching_blocks(), key=lambda b: b.size)
    at = max(0, m.a - m.b)
    a, b = max(0, at - WINDOW), min(len(src), at + len(quote) + WINDOW)
    # whole words at both ends
    while a > 0 and not src[a - 1].isspace():
        a -= 1
    while b < len(src) and not src[b].isspace():
        b += 1
    return src[a:b]


def main(repo: str) -> None:
    csv.field_size_limit(10**9)
    commit = subprocess.run(
        ["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    by_model: dict[str, list[dict]] = defaultdict(list)
    for model in MODELS:
        path = f"backup_data_with_detector_results/{model}.csv"
        raw = subprocess.run(
            ["git", "-C", repo, "show", f"HEAD:{path}"], capture_output=True, check=True
        ).stdout
        for row_no, row in enumerate(csv.DictReader(io.StringIO(raw.decode("utf-8", "replace")))):
            summary = (row.get("summary") or "").strip()
            source = row.get("source") or ""
            if "\\n" in summary or "\\'" in summary:
                continue  # stored as an escaped repr, not the text the model gave
            for rx in (DQ, SQ):
                for m in rx.finditer(summary):
                    q = m.group(1)
                    if len(q.split()) < 4 or q.strip() != q:
                        continue
                    if rx is SQ and ("' " in q or " '" in q):
                        continue
                    if len(q) > 0.6 * len(summary):
                        continue  # the whole summary wrapped in quote marks
                    by_model[model].append(
                        {"model": model, "path": path, "row": row_no, "quote": q, "source": source}
                    )
    rng = random.Random(10)
    k = 0
    for model in MODELS:
        items = by_model[model]
        rng.shuffle(items)
        seen: set[tuple[str, str]] = set()
        taken = 0
        for it in items:
            key = (it["quote"].lower(), it["source"][:80])
            if key in seen:
                continue
            seen.add(key)
            pid = f"fb-{k:03d}"
            k += 1
            taken += 1
            exact = _fold(it["quote"]).rstrip(".,;:") in _fold(it["source"])
            if pid in LABELS:
                label, why = LABELS[pid]
            elif exact:
                label, why = F, "exact substring of the source"
            else:
                label, why = F, CASE_OR_SPACING
            print(
                json.dumps(
                    {
                        "id": pid,
                        "source": _window(it["source"], it["quote"]),
                        "quote": it["quote"],
                        "label": label,
                        "why": why,
                        "kind": "real",
                        "model": model,
                        "origin": {
                            "repo": "forrestbao/FaithBench",
                            "commit": commit,
                            "path": it["path"],
                            "row": it["row"],
                            "licence": "no licence file in the repository; summaries from "
                            "vectara/leaderboard_results (HF dataset, Apache-2.0); sources "
                            "are news and Wikipedia excerpts, kept as short windows",
                        },
                    },
                    ensure_ascii=False,
                )
            )
            if taken >= PER_MODEL:
                break


if __name__ == "__main__":
    main(sys.argv[1])
