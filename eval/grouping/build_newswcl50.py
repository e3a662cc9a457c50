"""Build eval/grouping/newswcl50/: one event told by five outlets, ten events in two weeks.

    python eval/grouping/build_newswcl50.py CONLL_CSV URLS_TSV           # set.json, texts/
    python eval/grouping/build_newswcl50.py CONLL_CSV URLS_TSV --texts   # texts/ only

CONLL_CSV is `NewsWCL50-prep/output_data/conll.csv` of
github.com/anastasia-zhukova/Diverse_CDCR_datasets (commit 9dfb4628; this set was built from
it): the 50 articles of NewsWCL50 (Hamborg, Zhukova and Gipp, JCDL 2019;
github.com/fhamborg/NewsWCL50) as one token a row, each document its title, then its body.
URLS_TSV is `urls.tsv` of github.com/fhamborg/NewsWCL50 (commit f9513ae7): each article's event
id, outlet code and address. The corpus chose ten political news events of 17 April - 1 May
2018 and took one article on each from each of five US outlets (HuffPost, The New York Times,
USA Today, Fox News, Breitbart). The event label is the corpus's event id: nothing is derived
from the grouping under test. Every article is split `fresh`: the set was built after the
grouping's rules were set, and is measured, not tuned on.

Dates come from each article's address: the /YYYY/MM/DD/ of its path, or for HuffPost (whose
addresses carry no date) the creation time that opens the entry id (a MongoDB ObjectId: its
first 8 hex digits are seconds since 1970, UTC). Three Breitbart wire items have neither and
stay undated.

Licence: NewsWCL50 is CC BY-SA 4.0 (its LICENSE; the annotations and the address list); the
texts belong to their outlets ("Due to copyright law, we cannot offer the original articles",
its README), so they are NOT committed: this script writes them to `newswcl50/texts/`
(ignored by git) and `set.json` keeps ids, dates, labels and each text's SHA-256, so that a
rebuilt text is checked against the one that was measured.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import OrderedDict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from build_gvc import detokenize
from rebuilt import write_texts

HERE = Path(__file__).resolve().parent
OUT = HERE / "newswcl50"
LICENCE = (
    "text: its outlet's copyright, not redistributed here (rebuilt locally from the corpus); "
    "NewsWCL50 CC BY-SA 4.0 (Felix Hamborg, Anastasia Zhukova, Bela Gipp)"
)
VIA = (
    "NewsWCL50 via github.com/anastasia-zhukova/Diverse_CDCR_datasets "
    "NewsWCL50-prep/output_data/conll.csv (commit 9dfb4628); addresses: "
    "github.com/fhamborg/NewsWCL50 urls.tsv (commit f9513ae7)"
)
REBUILD = "python eval/grouping/build_newswcl50.py CONLL_CSV URLS_TSV --texts (README.md)"
_PATH_DATE = re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/")
_OBJECT_ID = re.compile(r"_(?:us|uk)_([0-9a-f]{24})$")
_NEWLINE = "\\n"  # the corpus's paragraph-end token


def date_of(url: str) -> str | None:
    """The article's date as its address gives it (see the module's doc), or None."""
    m = _PATH_DATE.search(url)
    if m:
        return "-".join(m.groups())
    m = _OBJECT_ID.search(urlsplit(url).path)
    if m:
        return datetime.fromtimestamp(int(m.group(1)[:8], 16), UTC).date().isoformat()
    return None


def outlet_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    parts = host.split(".")
    if parts[0] in ("www", "insider"):
        parts = parts[1:]
    return ".".join(parts)


def join(tokens: list[str]) -> str:
    """Tokens back to text: GVC's detokenizer, then "Jong - un" -> "Jong-un"."""
    return re.sub(r"(?<=\w) - (?=\w)", "-", detokenize(tokens))


def read_docs(conll: Path) -> OrderedDict[str, list[list[str]]]:
    """doc id (EVENT_OUTLET) -> paragraphs of tokens, in order."""
    rows: OrderedDict[str, list[tuple[int, int, str]]] = OrderedDict()
    with conll.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows.setdefault(row["doc_id"], []).append(
                (int(row["sent_id"]), int(row["token_id"]), row["token"])
            )
    docs: OrderedDict[str, list[list[str]]] = OrderedDict()
    for doc, toks in rows.items():
        paragraphs: list[list[str]] = [[]]
        for _, _, tok in sorted(toks):
            if tok == _NEWLINE:
                if paragraphs[-1]:
                    paragraphs.append([])
            else:
                paragraphs[-1].append(tok)
        docs[doc] = [p for p in paragraphs if p]
    return docs


def read_urls(tsv: Path) -> dict[str, str]:
    """EVENT_OUTLET -> address."""
    with tsv.open(encoding="utf-8") as f:
        return {
            f"{r['Event ID']}_{r['Outlet']}": r["URL"] for r in csv.DictReader(f, delimiter="\t")
        }


def docs(conll: Path, urls_tsv: Path) -> Iterator[tuple[str, str, dict[str, str | None]]]:
    """(id, text, set.json record) of each NewsWCL50 article."""
    urls = read_urls(urls_tsv)
    for doc, paragraphs in read_docs(conll).items():
        if doc not in urls:
            raise SystemExit(f"{urls_tsv}: no address for {doc}")
        event, _, code = doc.partition("_")
        url = urls[doc]
        title, body = join(paragraphs[0]), [join(p) for p in paragraphs[1:]]
        if not title or not body:
            continue
        date = date_of(url)
        text = title + "\n\n" + (date or "") + "\n\n" + "\n\n".join(body) + "\n"
        record = {
            "title": title[:200],
            "date": date,
            "outlet": outlet_of(url),
            "licence": LICENCE,
            "source": url,
            "via": VIA,
            "event": f"newswcl50-event-{event}",
            "storyline": None,
            "split": "fresh",
        }
        yield f"wcl50-{event}-{code}", text, record


def build(conll: Path, urls_tsv: Path, write_set: bool) -> int:
    return write_texts(OUT, docs(conll, urls_tsv), write_set=write_set, rebuild=REBUILD)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("conll", type=Path, help="NewsWCL50-prep/output_data/conll.csv")
    p.add_argument("urls", type=Path, help="urls.tsv of github.com/fhamborg/NewsWCL50")
    p.add_argument("--texts", action="store_true", help="write texts/ only, check them")
    args = p.parse_args()
    return build(args.conll, args.urls, write_set=not args.texts)


if __name__ == "__main__":
    raise SystemExit(main())
