"""Rebuild `real_curation.jsonl`: quotes AI curation agents gave as verbatim evidence from papers.

Not run by the tests: it needs a checkout of github.com/cmungall/ai-gene-review (pass its path).
In that project, agents (Claude Code) review gene annotations and back each claim with a
`supporting_text` that must be copied verbatim from a cited paper; the papers' text (PubMed
abstracts, PMC full text where open) is cached beside them in `publications/PMID_*.md`. Every
(supporting_text, cached paper) pair of the `*-ai-review.yaml` files is collected, duplicates
dropped, and 220 are drawn with a fixed seed; the paper is kept as a window of about 500 chars
either side of where the quote best matches. Labels are by hand (see README.md): `LABELS` lists
every pair that is not an exact substring of its paper after folding quote marks and white space.

    python eval/quotes/build_curation.py /path/to/ai-gene-review > eval/quotes/real_curation.jsonl
"""

from __future__ import annotations

import difflib
import json
import random
import subprocess
import sys
from typing import Any

import yaml

SAMPLE = 220
WINDOW = 500
F, D, U = "faithful", "debatable", "unfaithful"
_PLACEHOLDER = "a placeholder ('Supporting evidence for X function'), not a quote"
_SUPERSCRIPT = "the paper's text extraction spaces out super/subscripts ('Ca 2+', 'shu1 +')"
_STITCHED = "verbatim parts joined by '...' across thousands of characters"
_ANNOTATION = "verbatim words plus a bracketed note that adds a claim of the agent's own"
_ABBREVIATED = "an abbreviation put in place of the paper's words, without brackets"
LABELS: dict[str, tuple[str, str]] = {
    "gr-006": (U, _PLACEHOLDER),
    "gr-010": (U, "not in the paper"),
    "gr-014": (F, _SUPERSCRIPT),
    "gr-020": (U, "not in the paper"),
    "gr-023": (F, "'[Dscam]' stands in brackets for 'cell-recognition molecules encoded by the "
               "Dscam locus'; the rest is verbatim"),
    "gr-027": (D, _ANNOTATION),
    "gr-029": (D, _ABBREVIATED + " ('ER' for 'endoplasmic reticulum (ER)')"),
    "gr-030": (D, "a bracketed paraphrase of half the title"),
    "gr-035": (U, _PLACEHOLDER),
    "gr-042": (U, _PLACEHOLDER),
    "gr-043": (D, _ANNOTATION),
    "gr-053": (D, _ABBREVIATED + " ('CFTR')"),
    "gr-055": (F, _SUPERSCRIPT),
    "gr-057": (U, _PLACEHOLDER),
    "gr-064": (D, _STITCHED),
    "gr-070": (U, "a paraphrase ('~49% reduction ... confirming ...') presented as a quote"),
    "gr-072": (D, _ANNOTATION),
    "gr-073": (U, "not in the paper"),
    "gr-080": (D, "a bracketed paraphrase stands for 'axon guidance receptors that'"),
    "gr-085": (U, "a protein name misspelt: 'STRD' for 'STRAD'"),
    "gr-086": (U, _PLACEHOLDER),
    "gr-096": (D, "two verbatim parts joined by '...' in the reverse of the paper's order"),
    "gr-097": (U, "a paraphrase presented as a quote"),
    "gr-103": (D, "only 'neuronal' is outside the brackets"),
    "gr-110": (U, "not in the paper"),
    "gr-112": (U, _PLACEHOLDER),
    "gr-115": (D, _STITCHED),
    "gr-127": (U, _PLACEHOLDER),
    "gr-129": (U, _PLACEHOLDER),
    "gr-135": (F, "a bracketed clarification inserted; the rest verbatim"),
    "gr-149": (D, _STITCHED),
    "gr-154": (F, "a bracketed insertion '[with Dscam]'; the rest verbatim"),
    "gr-165": (D, _ANNOTATION),
    "gr-191": (D, _STITCHED),
    "gr-198": (F, _SUPERSCRIPT),
    "gr-199": (F, "in this window the paper's text has a space before a comma ('pombe ,')"),
    "gr-203": (U, "a paraphrase presented as a quote"),
    "gr-208": (U, "a paraphrase presented as a quote"),
}
READ = "read: verbatim up to case, or parts joined by '...' over a short gap"


def _fold(s: str) -> str:
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        s = s.replace(a, b)
    return " ".join(s.split())


def _window(src: str, quote: str) -> str:
    sm = difflib.SequenceMatcher(None, src.lower(), quote.lower(), autojunk=False)
    m = max(sm.get_matching_blocks(), key=lambda b: b.size)
    at = max(0, m.a - m.b)
    a, b = max(0, at - WINDOW), min(len(src), at + len(quote) + WINDOW)
    while a > 0 and not src[a - 1].isspace():
        a -= 1
    while b < len(src) and not src[b].isspace():
        b += 1
    return src[a:b]


def _span_window(src: str, quote: str) -> str:
    """From the first part of the quote found (words as in the paper, any case and spacing) to
    the last, plus a margin; where no part is found, around the best fuzzy match."""
    import re

    found = []
    for part in re.split(r"\.\.\.|\u2026", quote):
        words = part.split()
        if not words:
            continue
        m = re.search(r"\s+".join(re.escape(w) for w in words), src, re.I)
        if m:
            found += [m.start(), m.end()]
    if not found:
        return _window(src, quote)
    margin = 300 if len(found) > 2 else WINDOW
    a, b = max(0, min(found) - margin), min(len(src), max(found) + margin)
    while a > 0 and not src[a - 1].isspace():
        a -= 1
    while b < len(src) and not src[b].isspace():
        b += 1
    return src[a:b]


def _git(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=True).stdout


def _walk(node: Any, path: str, out: list[dict[str, str]]) -> None:
    if isinstance(node, dict):
        ref = str(node.get("reference_id", ""))
        if ref.startswith("PMID:") and isinstance(node.get("supporting_text"), str):
            out.append({"file": path, "ref": ref, "quote": node["supporting_text"]})
        for v in node.values():
            _walk(v, path, out)
    elif isinstance(node, list):
        for v in node:
            _walk(v, path, out)


def main(repo: str) -> None:
    commit = _git(repo, "rev-parse", "HEAD").decode().strip()
    names = _git(repo, "ls-tree", "-r", "--name-only", "HEAD").decode().split("\n")
    papers = {n for n in names if n.startswith("publications/PMID_")}
    found: list[dict[str, str]] = []
    for name in names:
        if name.endswith("-ai-review.yaml"):
            try:
                _walk(yaml.safe_load(_git(repo, "show", f"HEAD:{name}")), name, found)
            except yaml.YAMLError:
                continue
    seen: set[tuple[str, str]] = set()
    items = []
    for it in found:
        paper = f"publications/PMID_{it['ref'].split(':')[1]}.md"
        key = (it["quote"].strip().lower(), paper)
        if paper in papers and key not in seen:
            seen.add(key)
            items.append({**it, "paper": paper})
    random.Random(7).shuffle(items)
    texts: dict[str, str] = {}
    for i, it in enumerate(items[:SAMPLE]):
        pid = f"gr-{i:03d}"
        if it["paper"] not in texts:
            texts[it["paper"]] = _git(repo, "show", f"HEAD:{it['paper']}").decode("utf-8", "replace")
        source = texts[it["paper"]]
        if pid in LABELS:
            label, why = LABELS[pid]
        elif _fold(it["quote"]).rstrip(".,;:") in _fold(source):
            label, why = F, "exact substring of the paper"
        else:
            label, why = F, READ
        window = _span_window(source, it["quote"])
        print(
            json.dumps(
                {
                    "id": pid,
                    "source": window,
                    "quote": it["quote"],
                    "label": label,
                    "why": why,
                    "kind": "real",
                    "model": "curation agent (Claude Code)",
                    "origin": {
                        "repo": "cmungall/ai-gene-review",
                        "commit": commit,
                        "path": it["file"],
                        "paper": it["paper"],
                        "row": it["ref"],
                        "licence": "repository LICENSE: 'Copyright (c) 2025 My Name. All rights "
                        "reserved.' (a template); papers are PubMed abstracts and PMC texts of "
                        "their publishers; kept as short windows for evaluation only",
                    },
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main(sys.argv[1])
