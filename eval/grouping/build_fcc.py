"""Build eval/grouping/fcc/: many matches of one football tournament, undated; a fresh set.

    python eval/grouping/build_fcc.py DEV_CONLL           # set.json, texts/
    python eval/grouping/build_fcc.py DEV_CONLL --texts   # texts/ only

DEV_CONLL is `FCC-prep/output_data_FCC/dev/dataset.conll` of
github.com/anastasia-zhukova/Diverse_CDCR_datasets at commit 8a57cc92 (later commits dropped
the FCC folder): the development part of the Football Coreference Corpus (Bugert, Reimers,
Barhom, Dagan and Gurevych, Text2Story 2020; Bugert, Reimers and Gurevych, Computational
Linguistics 2021; UKP Lab, TU Darmstadt, tudatalib.ulb.tu-darmstadt.de/handle/tudatalib/2305),
one token a row: 117 English sports news articles on UEFA Euro 2016 (June-July 2016). Each
article is filed under its *seminal event*, the match it was written about (a document the
annotators tied to no match is an event of its own); that is the event label, nothing is
derived from the grouping under test. The split is `fresh`: built after the grouping's rules
were set, measured, not tuned on.

No dates: the corpus's publication dates are in its own download, not in this file (the
seminal event's name carries the *match* date, which would be the label, not the article's
date), so the set is grouped as one undated batch. The file keeps no address either (outlet
unknown) and no paragraph breaks: the first sentence is taken as the headline (it is one in
the articles read) and each further sentence as a paragraph.

Licence: the texts belong to their outlets and are NOT committed (the corpus itself is
distributed as a script that downloads them from the Wayback Machine); the annotations' licence
is not stated in the copies read here. This script writes the texts to `fcc/texts/` (ignored
by git) and `set.json` keeps ids, labels and each text's SHA-256.
"""

from __future__ import annotations

import argparse
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from build_newswcl50 import join
from rebuilt import write_texts

HERE = Path(__file__).resolve().parent
OUT = HERE / "fcc"
LICENCE = (
    "text: its outlet's copyright, not redistributed here (rebuilt locally from the corpus); "
    "Football Coreference Corpus (Bugert et al., UKP Lab, TU Darmstadt): annotation licence "
    "not stated in the copies read"
)
VIA = (
    "Football Coreference Corpus via github.com/anastasia-zhukova/Diverse_CDCR_datasets "
    "FCC-prep/output_data_FCC/dev/dataset.conll (commit 8a57cc92)"
)
REBUILD = "python eval/grouping/build_fcc.py DEV_CONLL --texts (README.md)"


def read_docs(conll: Path) -> OrderedDict[str, list[list[str]]]:
    """doc key (topic/seminal event/doc) -> sentences of tokens, in order."""
    docs: OrderedDict[str, OrderedDict[int, list[tuple[int, str]]]] = OrderedDict()
    with conll.open(encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(cols) < 4:
                continue
            key, sent, tok, token = cols[0], int(cols[1]), int(cols[2]), cols[3]
            docs.setdefault(key, OrderedDict()).setdefault(sent, []).append((tok, token))
    return OrderedDict(
        (key, [[t for _, t in sorted(toks)] for _, toks in sorted(sents.items())])
        for key, sents in docs.items()
    )


def docs(conll: Path) -> Iterator[tuple[str, str, dict[str, str | None]]]:
    """(id, text, set.json record) of each FCC development article."""
    for key, sentences in read_docs(conll).items():
        _, event, doc = key.split("/")
        title, body = join(sentences[0]), [join(s) for s in sentences[1:]]
        if not title or not body:
            continue
        text = title + "\n\n\n\n" + "\n\n".join(body) + "\n"
        record = {
            "title": title[:200],
            "date": None,
            "outlet": "unknown (the FCC file keeps no address)",
            "licence": LICENCE,
            "source": f"FCC document {doc}",
            "via": VIA,
            "event": f"fcc-{event}",
            "storyline": None,
            "split": "fresh",
        }
        yield f"fcc-{doc}", text, record


def build(conll: Path, write_set: bool) -> int:
    return write_texts(OUT, docs(conll), write_set=write_set, rebuild=REBUILD)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("conll", type=Path, help="FCC-prep/output_data_FCC/dev/dataset.conll")
    p.add_argument("--texts", action="store_true", help="write texts/ only, check them")
    args = p.parse_args()
    return build(args.conll, write_set=not args.texts)


if __name__ == "__main__":
    raise SystemExit(main())
