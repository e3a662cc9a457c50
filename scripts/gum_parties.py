"""Build the GUM party set in eval/gum/ from GUM's Wikinews news documents.

GUM (Georgetown University Multilayer corpus, github.com/amir-zeldes/gum, CC BY 4.0
annotations; the Wikinews texts are CC BY 2.5) annotates every entity mention of its
``GUM_news_*`` documents with a type (person, organization, place, event, ...) and a
coreference chain, in ``dep/GUM_news_*.conllu`` (MISC ``Entity=`` brackets). This script turns
that into a party list per document, the precision/recall data of the offline party finder:

- ``parties.json``: per document, every *named* entity chain (one of its mentions holds a proper
  noun of its own, not of a nested entity): its type, its proper-name spellings, how many
  mentions it has, whether it speaks (a mention is the subject of a reporting verb, or the
  object of "according to"), and ``party``: a named person or organization with at least two
  mentions, or one that speaks;
- ``texts/GUM_news_*.txt``: the article text (title header, body), rebuilt from the tokens the
  way ``../shared/external/wikinews`` does it (captions and source lists dropped), for the
  documents that are not among those 14 files; the others point at their Wikinews file.

Usage: ``python scripts/gum_parties.py GIT_DIR_OR_DEP_FOLDER [eval/gum]`` where the first
argument is a bare git directory of amir-zeldes/gum (read at HEAD) or a folder of its
``GUM_news_*.conllu`` files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1]
WIKINEWS = ROOT.parent / "shared" / "external" / "wikinews"

# Which documents the party rules may be looked at on (dev) and which are only measured
# (heldout). The 14 documents that are also ../shared/external/wikinews files follow that
# folder's split (files 01-13 dev, 15-27 held out); the other ten are split half and half.
DEV_OTHERS = {"crane", "expo", "imprisoned", "stampede", "warhol"}
HELDOUT_OTHERS = {"election", "flag", "lanterns", "taxes", "worship"}

SPEECH_LEMMAS = set(
    [
        "say",
        "tell",
        "add",
        "state",
        "announce",
        "claim",
        "explain",
        "note",
        "write",
        "report",
        "comment",
        "argue",
        "warn",
        "deny",
        "confirm",
        "insist",
        "suggest",
        "respond",
        "reply",
        "stress",
        "acknowledge",
        "admit",
        "declare",
        "describe",
        "criticize",
        "criticise",
        "accuse",
        "urge",
        "call",
        "remark",
        "predict",
        "estimate",
        "ask",
        "tweet",
        "post",
    ]
)
CONNECTORS = {"of", "for", "the", "and", "&", "de", "du", "la", "von", "van", "al", "-", "."}
STOP_HEADS = {"sources", "related news", "external links", "see also", "references"}


@dataclass
class Token:
    """One word of a sentence, with its offsets in the rebuilt text (-1: not in the text)."""

    form: str
    lemma: str
    upos: str
    head: int
    deprel: str
    start: int = -1


@dataclass
class Chain:
    """One entity: its type, mentions and proper-name spellings."""

    eid: str
    etype: str
    identity: str = ""
    mentions: int = 0
    names: list[str] = field(default_factory=list)
    speaks: bool = False


def _entity_events(misc: str) -> list[tuple[str, str, str]]:
    """('open', id, annotation) and ('close', id, '') events of one token, in order."""
    m = re.search(r"(?:^|\|)Entity=([^|]*)", misc)
    if not m:
        return []
    out = []
    for tok in re.finditer(r"\((\d+)-([^()]*)(\))?|(\d+)\)", m.group(1)):
        if tok.group(1):
            out.append(("open", tok.group(1), tok.group(2)))
            if tok.group(3):
                out.append(("close", tok.group(1), ""))
        else:
            out.append(("close", tok.group(4), ""))
    return out


def read_docs(source: Path) -> dict[str, str]:
    """{doc name: conllu text} of every GUM_news document in a git dir or folder."""
    if (source / "HEAD").is_file() and (source / "objects").is_dir():
        listing = subprocess.run(
            ["git", f"--git-dir={source}", "ls-tree", "--name-only", "HEAD", "dep/"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        names = [n for n in listing if Path(n).name.startswith("GUM_news_")]
        return {
            Path(n).stem: subprocess.run(
                ["git", f"--git-dir={source}", "show", f"HEAD:{n}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for n in names
        }
    return {p.stem: p.read_text("utf-8") for p in sorted(source.glob("GUM_news_*.conllu"))}


def convert(conllu: str) -> tuple[dict[str, str], str, list[Chain]]:
    """(metadata, text with title header, named entity chains) of one document."""
    meta: dict[str, str] = {}
    paragraphs: list[list[list[Token]]] = []  # paragraphs of sentences of tokens
    sent_tokens: list[list[Token]] = []  # every sentence, kept or not
    sent_misc: list[list[str]] = []
    block = "p"
    title = ""
    stopped = False
    new_par = True
    tokens: list[Token] = []
    misc: list[str] = []
    text_line = ""
    joined_until = 0  # the last word of a multi-word token ("Mecca's" = "Mecca" + "'s")
    joined_misc = ""
    for line in [*conllu.splitlines(), ""]:
        if line.startswith("# meta::"):
            k, _, v = line[8:].partition(" = ")
            meta[k] = v
        elif line.startswith("# newpar_block = "):
            block = line.split(" = ", 1)[1]
            new_par = True
        elif line.startswith("# newpar"):
            new_par = True
        elif line.startswith("# text = "):
            text_line = line[9:]
        elif line and not line.startswith("#"):
            cols = line.split("\t")
            if "-" in cols[0]:
                joined_until, joined_misc = int(cols[0].split("-")[1]), cols[9]
                continue
            if "." in cols[0]:
                continue
            tokens.append(Token(cols[1], cols[2], cols[3], int(cols[6]), cols[7]))
            word = int(cols[0])
            if word < joined_until:
                misc.append(cols[9] + "|SpaceAfter=No")
            elif word == joined_until:
                space = "|SpaceAfter=No" if "SpaceAfter=No" in joined_misc else ""
                misc.append(re.sub(r"\|?SpaceAfter=No", "", cols[9]) + space)
            else:
                misc.append(cols[9])
        elif not line and tokens:
            kind = block.split()[0]
            if kind == "head" and not title:
                title = text_line
            elif kind == "head" and text_line.strip().lower() in STOP_HEADS:
                stopped = True
            elif kind not in ("figure",) and "caption" not in block and not stopped:
                if new_par or not paragraphs:
                    paragraphs.append([])
                paragraphs[-1].append(tokens)
                new_par = False
            sent_tokens.append(tokens)
            sent_misc.append(misc)
            tokens, misc = [], []
            joined_until = 0

    # Rebuild the text: SpaceAfter=No joins words, a paragraph ends with a blank line.
    body = []
    pos = 0
    misc_of = {
        id(t): m
        for toks, ms in zip(sent_tokens, sent_misc, strict=True)
        for t, m in zip(toks, ms, strict=True)
    }
    for par in paragraphs:
        chunk = ""
        for sent in par:
            if chunk:
                chunk += " "
            for t in sent:
                if t.upos == "PART" and t.form in ("'", "’") and chunk.endswith("s "):
                    chunk = chunk[:-1]  # GUM keeps a space in "members ' bills"
                t.start = pos + len(chunk)
                chunk += t.form
                if "SpaceAfter=No" not in misc_of[id(t)]:
                    chunk += " "
            chunk = chunk.rstrip()
        body.append(chunk)
        pos += len(chunk) + 2
    text = "\n\n".join(body) + "\n"

    # Entity chains from the bracket annotation (mentions may nest and span sentences not).
    chains: dict[str, Chain] = {}
    for toks, ms in zip(sent_tokens, sent_misc, strict=True):
        open_spans: dict[str, list[int]] = {}
        spans: list[tuple[str, int, int]] = []
        for i, m in enumerate(ms):
            for ev, eid, ann in _entity_events(m):
                if ev == "open":
                    parts = ann.split("-", 6)
                    ch = chains.setdefault(eid, Chain(eid, parts[0]))
                    if len(parts) > 6 and parts[6] and not ch.identity:
                        ch.identity = parts[6]
                    open_spans.setdefault(eid, []).append(i)
                else:
                    spans.append((eid, open_spans[eid].pop(), i))
        for eid, a, b in spans:
            chains[eid].mentions += 1
            nested = [
                (a2, b2)
                for e2, a2, b2 in spans
                if e2 != eid and (a2, b2) != (a, b) and a <= a2 and b2 <= b
            ]
            name = _proper_name(toks, a, b, nested, chains[eid].etype, text)
            kept = toks[a].start >= 0
            if name and kept and name not in chains[eid].names:
                chains[eid].names.append(name)
            if kept and _speaks(toks, a, b):
                chains[eid].speaks = True
    named = [c for c in chains.values() if c.names]
    header = (
        f"Title: {title}\nDate: {meta.get('dateCreated', '')}\n"
        f"Address: {meta.get('sourceURL', '')}\nLicence: CC BY 2.5 (text, Wikinews); "
        f"annotations CC BY 4.0 (GUM)\nText status: COMPLETE\n\n"
    )
    return meta, header + text, named


def _proper_name(
    toks: list[Token], a: int, b: int, nested: list[tuple[int, int]], etype: str, text: str
) -> str:
    """The mention's name: a run of capitalised words (with "of", "for", "the" ... inside)
    holding a proper noun, not owned by a mention of another entity nested in it; the run
    holding the mention's head if there is one, else the longest. A person's name has no
    "of" in it ("Edward Yiu of the Architectural constituency")."""
    connectors = {"-"} if etype == "person" else CONNECTORS
    runs: list[list[int]] = []
    run: list[int] = []
    for i in range(a, b + 2):
        t = toks[i] if i <= b else None
        word = t is not None and (
            t.upos == "PROPN" or (t.form[:1].isupper() and t.upos not in _FUNCTION_POS)
        )
        joins = t is not None and bool(run) and t.form.lower() in connectors
        if (word and not (i == 0 and t is not None and t.upos != "PROPN")) or joins:
            run.append(i)
        else:
            while run and toks[run[-1]].form.lower() in connectors:
                run.pop()
            if run and any(toks[j].upos == "PROPN" for j in run):
                runs.append(run)
            run = []
    runs = [r for r in runs if not any(x <= r[0] and r[-1] <= y for x, y in nested)]
    if not runs:
        return ""
    heads = [i for i in range(a, b + 1) if not (a < toks[i].head <= b + 1)]
    best = next((r for r in runs if any(h in r for h in heads)), max(runs, key=len))
    first, last = toks[best[0]], toks[best[-1]]
    if first.start >= 0 and last.start >= 0:
        return text[first.start : last.start + len(last.form)]
    return " ".join(toks[i].form for i in best)


_FUNCTION_POS = {"PRON", "DET", "AUX", "CCONJ", "SCONJ", "ADP", "PART", "PUNCT", "INTJ"}


def _speaks(toks: list[Token], a: int, b: int) -> bool:
    """A mention that is the subject of a reporting verb, or the object of 'according to'."""
    heads = [i for i in range(a, b + 1) if not (a < toks[i].head <= b + 1)]
    for i in heads:
        t = toks[i]
        gov = toks[t.head - 1] if t.head else None
        if gov and t.deprel.startswith("nsubj") and gov.lemma.lower() in SPEECH_LEMMAS:
            return True
        if any(
            toks[j].head == i + 1 and toks[j].form.lower() == "according"
            for j in range(max(0, i - 3), i)
        ):
            return True
    return False


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "eval" / "gum"
    docs = read_docs(Path(argv[0]))
    wikinews = {}
    for f in sorted(WIKINEWS.glob("*.txt")):
        if f.name == "README.md":
            continue
        m = re.search(r"^Address: (.+)$", f.read_text("utf-8"), re.M)
        if m:
            wikinews[unquote(m.group(1).strip())] = f.name
    (out / "texts").mkdir(parents=True, exist_ok=True)
    result: dict[str, dict[str, object]] = {}
    parties_of: dict[str, list[bool]] = {}
    for name, conllu in sorted(docs.items()):
        meta, text, chains = convert(conllu)
        short = name.removeprefix("GUM_news_")
        wn = wikinews.get(unquote(meta.get("sourceURL", "")))
        if wn:
            split = "dev" if int(wn[:2]) <= 13 else "heldout"
            text_file = f"../shared/external/wikinews/{wn}"  # from the project root
        else:
            split = "dev" if short in DEV_OTHERS else "heldout"
            text_file = f"eval/gum/texts/{name}.txt"
            (out / "texts" / f"{name}.txt").write_text(text, "utf-8")
        parties_of[name] = [
            c.etype in ("person", "organization") and (c.mentions >= 2 or c.speaks) for c in chains
        ]
        result[name] = {
            "split": split,
            "text": text_file,
            "address": meta.get("sourceURL", ""),
            "entities": [
                {
                    "names": c.names,
                    "type": c.etype,
                    "mentions": c.mentions,
                    "speaks": c.speaks,
                    "party": c.etype in ("person", "organization")
                    and (c.mentions >= 2 or c.speaks),
                    **({"wikipedia": c.identity} if c.identity else {}),
                }
                for c in sorted(chains, key=lambda c: -c.mentions)
            ],
        }
    (out / "parties.json").write_text(
        json.dumps(result, indent=1, ensure_ascii=False) + "\n", "utf-8"
    )
    n = sum(1 for chains in parties_of.values() for c in chains if c)
    print(f"{len(result)} documents, {n} parties -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
