"""Party precision and recall of the offline engine, on GUM and on the Wikinews check-lists.

    python scripts/party_eval.py [dev|heldout|all] [-v] [--names] [--spacy]

- GUM (``eval/gum/parties.json``, built by ``scripts/gum_parties.py``): a brief party is
  *right* when one of its spellings names a GUM party (a named person or organization with two
  or more mentions, or that speaks), *neutral* when it names another named GUM entity (a place,
  a thing, a one-off name), a *duplicate* when the party it names was already named by an
  earlier brief party, and *wrong* otherwise ("Inc", a headline, "America" when GUM has no such
  entity). Precision = right / all; recall = GUM parties named / GUM parties. A right or neutral
  party whose kind contradicts GUM's type (a person typed organization, a place typed person)
  counts as a kind error.
- Wikinews check-lists (``../shared/external/wikinews``): party recall as
  ``summarizer.evaluation.checklist`` counts it, on files 01-13 (dev) or 15-27 (held out).

A spelling names a GUM entity when, lower-cased, without a leading "the" and a trailing "'s":
it equals one of the entity's names; or, for a person, one is the other's last words ("Sunak",
"Rishi Sunak", "Prime Minister Rishi Sunak"); or, for any other type, one holds the other's
words in a row ending with the same word ("Scientology", "Church of Scientology") or adding
only generic words ("Microsoft", "Microsoft Corporation"); and the shared words are not only
generic ones ("Council", "Inc", "President").
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from summarizer.brief.models import Party, SourceMeta  # noqa: E402
from summarizer.evaluation.checklist import article_body, run_checklists  # noqa: E402
from summarizer.offline import brief_offline  # noqa: E402
from summarizer.offline.parties import _keep_party, find_parties, set_ner  # noqa: E402

WIKINEWS = ROOT.parent / "shared" / "external" / "wikinews"


def _words(text: str) -> set[str]:
    return set(text.split())


GENERIC = _words(
    """inc ltd co corp corporation company group union council committee ministry department
    office agency authority commission court party government university institute foundation
    association organization organisation centre center service board bureau fund national
    international federal state states united new the of for and president minister secretary
    prime chief director general mr mrs ms dr professor senator governor mayor ambassador
    spokesman spokeswoman news church police army navy"""
)


def _norm(s: str) -> list[str]:
    s = s.lower().replace("’", "'")
    s = re.sub(r"'s\b|'$", "", s)
    words = re.findall(r"[\w.\-&]+", s)
    words = [w.strip(".") for w in words if w.strip(".")]
    while words and words[0] == "the":
        words.pop(0)
    return words


def _contains(big: list[str], small: list[str]) -> bool:
    n = len(small)
    return any(big[i : i + n] == small for i in range(len(big) - n + 1))


def names_entity(spelling: str, entity: dict) -> bool:
    """Whether a brief party's spelling names this GUM entity (see the module docstring)."""
    p = _norm(spelling)
    if not p:
        return False
    for name in entity["names"]:
        g = _norm(name)
        if not g:
            continue
        if p == g:
            return True
        if entity["type"] == "person":
            short, long_ = (p, g) if len(p) < len(g) else (g, p)
            shared = short if long_[-len(short) :] == short else []
        else:
            # "Scientology" / "Church of Scientology", "Home Office" / "United Kingdom Home
            # Office": the shorter holds the longer's last word, or all that the longer adds is
            # generic ("Microsoft" / "Microsoft Corporation"); "U.S." does not name "U.S.
            # Department of Agriculture".
            short, long_ = (p, g) if len(p) < len(g) else (g, p)
            inside = _contains(long_, short)
            extra = [w for w in long_ if w not in short]
            shared = (
                short
                if inside and (short[-1] == long_[-1] or all(w in GENERIC for w in extra))
                else []
            )
        if shared and any(w not in GENERIC for w in shared):
            return True
    return False


def brief_parties(text: str) -> list[Party]:
    """The parties a brief of `text` lists: the party finder's, kept as the engine keeps them."""
    return [
        Party.model_construct(name=e.name, kind=e.kind, role=e.role, aliases=e.aliases)
        for e in find_parties(text)
        if _keep_party(e, text)
    ]


def _kind_ok(party: Party, etype: str) -> bool:
    if etype == "person":
        return party.kind == "person"
    return party.kind != "person"


def score_gum(split: str, verbose: bool, show: bool) -> dict[str, float]:
    data = json.loads((ROOT / "eval" / "gum" / "parties.json").read_text("utf-8"))
    tot = {"gold": 0, "found": 0, "pred": 0, "right": 0, "neutral": 0, "dup": 0, "wrong": 0}
    kind_err = 0
    for doc, d in sorted(data.items()):
        if split != "all" and d["split"] != split:
            continue
        raw = (ROOT / d["text"]).read_text("utf-8")
        text, _ = article_body(raw)
        parties = brief_parties(text)
        ents = d["entities"]
        gold = [e for e in ents if e["party"]]
        named: set[int] = set()
        lines = []
        for p in parties:
            spellings = [p.name, *p.aliases]
            hits = [i for i, e in enumerate(ents) if any(names_entity(s, e) for s in spellings)]
            party_hits = [i for i in hits if ents[i]["party"]]
            if party_hits and not set(party_hits) <= named:
                verdict = "right"
                named.update(party_hits)
            elif party_hits:
                verdict = "dup"
            elif hits:
                verdict = "neutral"
            else:
                verdict = "wrong"
            tot[verdict] += 1
            tot["pred"] += 1
            bad_kind = bool(hits) and not _kind_ok(p, ents[hits[0]]["type"])
            kind_err += bad_kind
            label = verdict + (" KIND" if bad_kind else "")
            lines.append(f"    {label:12} {p.name} ({p.kind}) {p.aliases or ''}")
        found = sum(1 for i, e in enumerate(ents) if e["party"] and i in named)
        tot["gold"] += len(gold)
        tot["found"] += found
        if verbose:
            print(f"  {doc} [{d['split']}] parties {found}/{len(gold)}")
            for line in lines:
                if show or not line.strip().startswith("right"):
                    print(line)
            for i, e in enumerate(ents):
                if e["party"] and i not in named:
                    print(f"    MISSED       {e['names']} ({e['type']}, {e['mentions']})")
    prec = tot["right"] / tot["pred"] if tot["pred"] else 0.0
    rec = tot["found"] / tot["gold"] if tot["gold"] else 0.0
    lenient = tot["right"] / max(1, tot["pred"] - tot["neutral"])
    print(
        f"GUM {split}: recall {tot['found']}/{tot['gold']} = {rec:.2f}; "
        f"precision {tot['right']}/{tot['pred']} = {prec:.2f} "
        f"(neutral {tot['neutral']}, duplicate {tot['dup']}, wrong {tot['wrong']}; "
        f"without neutral {lenient:.2f}); kind errors {kind_err}"
    )
    return {"recall": rec, "precision": prec}


def score_checklists(split: str) -> None:
    def only(name: str) -> bool:
        n = int(name[:2])
        return split == "all" or (n <= 13) == (split == "dev")

    report = run_checklists(
        WIKINEWS,
        lambda a: brief_offline(a.text, source=SourceMeta(title=a.title)),
        only=only,
    )
    t = report.total
    print(
        f"Wikinews check-lists {split}: party recall {t.parties_found}/{t.parties} = "
        f"{t.party_recall or 0:.2f}; missed: {', '.join(t.missed_parties)}"
    )


def main(argv: list[str]) -> int:
    split = next((a for a in argv if a in ("dev", "heldout", "all")), "dev")
    verbose = "-v" in argv
    ner = "spacy" if "--spacy" in argv or os.environ.get("SUMMARIZER_NER") == "spacy" else None
    if ner and not set_ner(ner):
        print("spaCy or an en_core_web_sm pipeline is not installed (pip install .[ner])")
        return 2
    print(f"party finder: {'rules + spaCy NER' if ner else 'rules'}")
    score_gum(split, verbose, "--names" in argv)
    if WIKINEWS.is_dir():
        score_checklists(split)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
