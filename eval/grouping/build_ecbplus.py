"""Build eval/grouping/ecbplus/: many outlets on one event, for `summarizer eval --grouping`.

    python eval/grouping/build_ecbplus.py ECBPLUS_DIR            # set.json and texts/
    python eval/grouping/build_ecbplus.py ECBPLUS_DIR --texts    # texts/ only, checked

ECBPLUS_DIR is the ECB+ corpus folder of XML files, one folder per topic (`1/1_1ecb.xml`, ...):
`ECB+.zip` of github.com/cltl/ecbPlus unzipped, or the `ECB+/` folder of
github.com/cltl/ECB-parser (the same 982 files; what this set was built from, commit
eba7c4d1caa758816bcee3139bdd4e6688dee00d).

ECB+ (Cybulska and Vossen, LREC 2014) is 982 English news articles in 43 topics; each topic
holds two *seminal events* of the same kind (Tara Reid's and Lindsay Lohan's checking into
rehab; two earthquakes; two shootings), each told by several outlets, found through Google
News. The event label of an article is its ECB+ subtopic (topic number + `ecb` or `ecbplus`),
as the corpus's annotators gave it; nothing here is derived from the grouping under test.

Licence: the ECB+ *annotation* is CC BY 3.0 (Cybulska, Vossen, VU University Amsterdam); the
*texts* are the outlets' own and carry no open licence, so they are NOT committed: this
script writes them to `ecbplus/texts/` (ignored by git), and `set.json` (committed) holds
only ids, labels, outlets, source addresses and each text's SHA-256, so that a rebuilt text
is checked against the one that was measured.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

from rebuilt import write_texts

HERE = Path(__file__).resolve().parent
OUT = HERE / "ecbplus"
LICENCE = (
    "text: its outlet's copyright, not redistributed here (rebuilt locally from the corpus); "
    "ECB+ annotation CC BY 3.0 (Agata Cybulska, Piek Vossen, VU University Amsterdam)"
)
REBUILD = "python eval/grouping/build_ecbplus.py ECBPLUS_DIR --texts (see README.md)"
VIA = "ECB+ corpus (github.com/cltl/ecbPlus, ECB+.zip; same files in github.com/cltl/ECB-parser)"
# Held out (only measured, never read while changing the grouping): the topics of the dev and
# test splits of Barhom et al. (2019), the split most ECB+ work uses. The rest are dev.
HELDOUT_TOPICS = {2, 5, 12, 18, 21, 23, 34, 35, *range(36, 46)}
_TOKEN = re.compile(r'<token [^>]*?sentence="(\d+)"[^>]*>([^<]*)</token>')
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'"}


def detokenize(tokens: list[str]) -> str:
    """ECB+ tokens joined back into a sentence (spacing around punctuation is ours)."""
    s = " ".join(tokens)
    for k, v in _ENTITIES.items():
        s = s.replace(k, v)
    s = re.sub(r" ([,.;:!?%)\]])", r"\1", s)
    s = re.sub(r"([(\[$]) ", r"\1", s)
    s = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
    s = s.replace("`` ", '"').replace(" ''", '"')
    s = re.sub(r"(\d)([.:]) (\d)", r"\1\2\3", s)  # "2. 6 million", "7: 08 p.m."
    return s.strip()


def read_doc(path: Path) -> tuple[str | None, list[str]]:
    """The article's address (ECB+ articles start with it; ECB ones have none) and sentences."""
    sentences: OrderedDict[int, list[str]] = OrderedDict()
    for m in _TOKEN.finditer(path.read_text(encoding="utf-8")):
        sentences.setdefault(int(m.group(1)), []).append(m.group(2))
    lines = [" ".join(t) for _, t in sorted(sentences.items())]
    url = None
    if lines and lines[0].replace(" ", "").startswith("http"):
        url = lines.pop(0).replace(" ", "")
        sentences.pop(next(iter(sentences)))
    return url, [detokenize(t) for _, t in sorted(sentences.items()) if t]


def outlet(url: str | None) -> str:
    if url is None:
        return "unknown (ECB, 2008 news; the corpus keeps no address)"
    host = urlparse(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


def docs(files: list[Path]) -> Iterator[tuple[str, str, dict[str, str | None]]]:
    """(id, text, set.json record) of each ECB+ file."""
    for f in files:
        m = re.fullmatch(r"(\d+)_(\d+)(ecb|ecbplus)\.xml", f.name)
        if m is None:
            continue
        topic, part = int(m.group(1)), m.group(3)
        url, lines = read_doc(f)
        if not lines:
            continue
        record = {
            "title": lines[0][:200],
            "date": None,
            "outlet": outlet(url),
            "licence": LICENCE,
            "source": url or f"ECB+ {f.name}",
            "via": VIA,
            "event": f"ecbplus-{topic}{part}",
            "storyline": None,
            "split": "heldout" if topic in HELDOUT_TOPICS else "dev",
        }
        yield f"ecbplus-{f.stem}", "\n\n".join(lines) + "\n", record


def build(src: Path, write_set: bool) -> int:
    def natural(p: Path) -> list[int | str]:
        return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p.name)]

    files = sorted(src.glob("*/*.xml"), key=natural)
    if not files:
        print(f"{src}: no ECB+ XML files (expected TOPIC/TOPIC_Necb.xml)", file=sys.stderr)
        return 2
    return write_texts(OUT, docs(files), write_set=write_set, rebuild=REBUILD)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src", type=Path, help="the ECB+ folder of topic folders of XML files")
    p.add_argument("--texts", action="store_true", help="write texts/ only, check them")
    args = p.parse_args()
    return build(args.src, write_set=not args.texts)


if __name__ == "__main__":
    raise SystemExit(main())
