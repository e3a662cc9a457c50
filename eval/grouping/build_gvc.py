"""Build eval/grouping/gvc/: dated local news on many shootings, for `summarizer eval --grouping`.

    python eval/grouping/build_gvc.py VAL_CONLL_CSV TEST_CONLL_CSV           # set.json, texts/
    python eval/grouping/build_gvc.py VAL_CONLL_CSV TEST_CONLL_CSV --texts   # texts/ only

The two files are `GVC-prep/output_data/val/conll.csv` and `.../test/conll.csv` of
github.com/anastasia-zhukova/Diverse_CDCR_datasets (commit 0ad1547f; this set was built from
it): the Gun Violence Corpus (Vossen, Ilievski, Postma and Segers, LREC 2018;
github.com/cltl/GunViolenceCorpus) as one token a row, each document opening with its creation
date, then its title and body. Each document reports one incident of the Gun Violence Archive;
the event label is that incident (the corpus's subtopic, as Burgert et al. 2021 assigned
documents to incidents), and the split is theirs: their validation incidents are our dev,
their test incidents our held-out. Nothing is derived from the grouping under test.

Licence: the GVC repository is CC BY 4.0 (its LICENSE.md); the texts are US local news
articles whose copyright stays with their outlets, so they are NOT committed: this script
writes them to `gvc/texts/` (ignored by git) and `set.json` keeps ids, dates, labels and each
text's SHA-256, so that a rebuilt text is checked against the one that was measured.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from rebuilt import write_texts

HERE = Path(__file__).resolve().parent
OUT = HERE / "gvc"
LICENCE = (
    "text: its outlet's copyright, not redistributed here (rebuilt locally from the corpus); "
    "Gun Violence Corpus CC BY 4.0 (Piek Vossen, Filip Ilievski, Marten Postma, Roxane Segers)"
)
VIA = (
    "Gun Violence Corpus via github.com/anastasia-zhukova/Diverse_CDCR_datasets "
    "GVC-prep/output_data/{val,test}/conll.csv (commit 0ad1547f)"
)
REBUILD = "python eval/grouping/build_gvc.py VAL_CONLL_CSV TEST_CONLL_CSV --texts (README.md)"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def detokenize(tokens: list[str]) -> str:
    s = " ".join(tokens)
    s = re.sub(r" ([,.;:!?%)\]’”])", r"\1", s)
    s = re.sub(r"([(\[$“‘]) ", r"\1", s)
    s = re.sub(r" (n't|'s|’s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
    s = s.replace("`` ", '"').replace(" ''", '"')
    return s.strip()


def read_docs(conll: Path) -> OrderedDict[str, tuple[str, OrderedDict[int, list[str]]]]:
    """doc key (topic/incident/doc) -> (incident, sentences of tokens)."""
    docs: OrderedDict[str, tuple[str, OrderedDict[int, list[str]]]] = OrderedDict()
    with conll.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = row["topic/subtopic_name/doc"]
            incident = key.split("/")[1]
            docs.setdefault(key, (incident, OrderedDict()))[1].setdefault(
                int(row["sent_id"]), []
            ).append(row["token"])
    return docs


def article(sentences: OrderedDict[int, list[str]]) -> tuple[str | None, str, list[str]]:
    """(date, title, paragraphs); '//n' tokens end paragraphs."""
    ordered = [t for _, t in sorted(sentences.items())]
    date = None
    if ordered and len(ordered[0]) == 1 and _DATE.fullmatch(ordered[0][0]):
        date = ordered.pop(0)[0]
    title = detokenize(ordered.pop(0)) if ordered else ""
    paragraphs: list[str] = []
    current: list[str] = []
    for tokens in ordered:
        for tok in tokens:
            if tok == "//n":
                if current:
                    paragraphs.append(detokenize(current))
                current = []
            else:
                current.append(tok)
        current.append("\n")  # sentence end inside a paragraph: a space once joined
    if any(t != "\n" for t in current):
        paragraphs.append(detokenize(current))
    paragraphs = [re.sub(r"\s*\n\s*", " ", p).strip() for p in paragraphs]
    paragraphs = [re.sub(r"([(\[“‘]) ", r"\1", p) for p in paragraphs]
    return date, title, [p for p in paragraphs if p]


def docs(val: Path, test: Path) -> Iterator[tuple[str, str, dict[str, str | None]]]:
    """(id, text, set.json record) of each GVC document of the two files."""
    for split, path in (("dev", val), ("heldout", test)):
        for key, (incident, sentences) in read_docs(path).items():
            doc = key.split("/")[2]
            date, title, paragraphs = article(sentences)
            if not title or not paragraphs:
                continue
            text = title + "\n\n" + (date or "") + "\n\n" + "\n\n".join(paragraphs) + "\n"
            record = {
                "title": title[:200],
                "date": date,
                "outlet": "unknown (GVC keeps no address)",
                "licence": LICENCE,
                "source": f"GVC document {doc}",
                "via": VIA,
                "event": f"gvc-incident-{incident}",
                "storyline": None,
                "split": split,
            }
            yield f"gvc-{doc[:12]}", text, record


def build(val: Path, test: Path, write_set: bool) -> int:
    return write_texts(OUT, docs(val, test), write_set=write_set, rebuild=REBUILD)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("val", type=Path, help="GVC-prep/output_data/val/conll.csv")
    p.add_argument("test", type=Path, help="GVC-prep/output_data/test/conll.csv")
    p.add_argument("--texts", action="store_true", help="write texts/ only, check them")
    args = p.parse_args()
    return build(args.val, args.test, write_set=not args.texts)


if __name__ == "__main__":
    raise SystemExit(main())
