"""Build eval/grouping/set.json (and articles/) from MEANTIME's English tokens and GUM's texts.

    python eval/grouping/build.py MEANTIME_CONLL_CSV

MEANTIME_CONLL_CSV is `MEANTIME-prep/output_data/en/conll.csv` of
github.com/anastasia-zhukova/Diverse_CDCR_datasets (the English NewsReader MEANTIME corpus,
CC BY 4.0, one token a row). Each article's text is its tokens joined back (title, date line,
body). The GUM / Wikinews articles are read where the project already keeps them.

The event labels below are written by hand, by reading the articles (see README.md for the
rule); nothing is derived from the grouping under test.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import OrderedDict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MEANTIME_LICENCE = (
    "CC BY 2.5 (Wikinews text); MEANTIME corpus CC BY 4.0 (Fondazione Bruno Kessler, VU "
    "University Amsterdam, Universidad del Pais Vasco)"
)
WIKINEWS_LICENCE = "CC BY 2.5 (Wikinews text); GUM annotations CC BY 4.0"

# Events with two or more articles: the same occurrence, or its direct consequence reported
# within days (see README.md). Every other article is its own event.
EVENTS = {
    "a380-first-delivery-2007": ["corpus_airbus/82548", "corpus_airbus/82597"],
    "apple-corps-v-apple-trial-2006": ["corpus_apple/37313", "corpus_apple/40203"],
    "us-auto-bailout-senate-dec-2008": ["corpus_gm/118147", "corpus_gm/118175"],
    "gm-bankruptcy-jun-2009": [
        "corpus_gm/126878",
        "corpus_gm/127226",
        "corpus_gm/127227",
        "corpus_gm/127248",
        "corpus_gm/127461",
    ],
    "russian-markets-suspended-sep-2008": ["corpus_stock/113227", "corpus_stock/113267"],
    "markets-crash-10-oct-2008": ["corpus_stock/114864", "corpus_stock/114904"],
}
# Storylines: different events of one running story. Pairs across events of one storyline
# are left out of the pair counts (a digest may join them or not); see README.md.
STORYLINES = {
    "us-air-force-tanker": ["corpus_airbus/1173", "corpus_airbus/100911", "corpus_airbus/108294"],
    "a380-programme": [
        "corpus_airbus/3307",
        "corpus_airbus/8951",
        "corpus_airbus/25501",
        "corpus_airbus/51682",
        "corpus_airbus/62929",
        "corpus_airbus/78496",
        "corpus_airbus/82548",
        "corpus_airbus/82597",
    ],
    "boeing-787-programme": [
        "corpus_airbus/73808",
        "corpus_airbus/145930",
        "corpus_airbus/276079",
    ],
    "apple-corps-dispute": [
        "corpus_apple/37313",
        "corpus_apple/40203",
        "corpus_apple/60083",
    ],
    "iphone-launch-2007": ["corpus_apple/58207", "corpus_apple/58383"],
    "iphone-4": [
        "corpus_apple/190356",
        "corpus_apple/191597",
        "corpus_apple/195869",
        "corpus_apple/199629",
    ],
    "steve-jobs-health": [
        "corpus_apple/238039",
        "corpus_apple/279494",
        "corpus_apple/287096",
    ],
    "us-automakers-2009-crisis": [
        "corpus_gm/118147",
        "corpus_gm/118175",
        "corpus_gm/120554",
        "corpus_gm/121134",
        "corpus_gm/123881",
        "corpus_gm/125796",
        "corpus_gm/126029",
        "corpus_gm/126311",
        "corpus_gm/126361",
        "corpus_gm/126878",
        "corpus_gm/127226",
        "corpus_gm/127227",
        "corpus_gm/127248",
        "corpus_gm/127461",
    ],
    "daimlerchrysler-2007": ["corpus_gm/60658", "corpus_gm/68899"],
    "financial-crisis-sep-2008": [
        "corpus_stock/113219",
        "corpus_stock/113227",
        "corpus_stock/113267",
        "corpus_stock/113278",
        "corpus_stock/113330",
    ],
    "financial-crisis-oct-2008": [
        "corpus_stock/114565",
        "corpus_stock/114613",
        "corpus_stock/114719",
        "corpus_stock/114864",
        "corpus_stock/114904",
        "corpus_stock/115064",
        "corpus_stock/115587",
        "corpus_stock/115711",
    ],
    "us-stocks-lows-2009": [
        "corpus_stock/121225",
        "corpus_stock/121416",
        "corpus_stock/121978",
        "corpus_stock/122475",
    ],
}
# Split by topic so that no event or storyline is in both: dev is read while changing the
# grouping, held-out is only measured.
DEV_TOPICS = {"corpus_airbus", "corpus_gm"}

GUM = {
    # id: (path from the project root, unused, page name on en.wikinews.org, split);
    # title and date are read from the text's header lines
    "gum-crane": (
        "eval/gum/texts/GUM_news_crane.txt",
        "2015-09-12",
        "At_least_107_killed_in_Mecca_crane_collapse",
        "dev",
    ),
    "gum-stampede": (
        "eval/gum/texts/GUM_news_stampede.txt",
        "2015-09-24",
        "Hundreds_dead_in_Hajj_stampede",
        "dev",
    ),
    "gum-expo": (
        "eval/gum/texts/GUM_news_expo.txt",
        None,
        "Pop_culture_celebrated_at_Fan_Expo_Canada_2016_in_Toronto",
        "dev",
    ),
    "gum-imprisoned": (
        "eval/gum/texts/GUM_news_imprisoned.txt",
        None,
        "Australian_woman_claims_Church_of_Scientology_imprisoned_her_for_twelve_years",
        "dev",
    ),
    "gum-warhol": (
        "eval/gum/texts/GUM_news_warhol.txt",
        None,
        "Warhol%27s_photo_legacy_spread_by_university_exhibits",
        "dev",
    ),
    "gum-election": (
        "eval/gum/texts/GUM_news_election.txt",
        None,
        "New_faces_emerge_as_veteran_politicians_step_down_in_Hong_Kong_legislative_election",
        "heldout",
    ),
    "gum-flag": (
        "eval/gum/texts/GUM_news_flag.txt",
        None,
        "New_Zealand_begins_process_to_consider_changing_national_flag_design",
        "heldout",
    ),
    "gum-lanterns": (
        "eval/gum/texts/GUM_news_lanterns.txt",
        None,
        "Lantern_Festival_in_Taipei_lights_up_the_night",
        "heldout",
    ),
    "gum-taxes": (
        "eval/gum/texts/GUM_news_taxes.txt",
        None,
        "Local_municipalities_in_Italy_ask_taxes_from_religious_schools",
        "heldout",
    ),
    "gum-worship": (
        "eval/gum/texts/GUM_news_worship.txt",
        None,
        "Greek_court_rules_worship_of_ancient_Greek_deities_is_legal",
        "heldout",
    ),
}
# The 14 Wikinews articles of eval/gold (also GUM documents): 01-13 dev, 15-27 held out.
GOLD_DEV_MAX = 13


def detokenize(tokens: list[str], quote_open: bool = False) -> tuple[str, bool]:
    """Tokens joined back into text; straight double quotes open and close in turn, across the
    sentences of an article (a quotation may run over several), so the state goes in and out."""
    s = " ".join(tokens)
    s = re.sub(r" ([,.;:!?%)\]])", r"\1", s)
    s = re.sub(r"([(\[$]) ", r"\1", s)
    s = re.sub(r" (n't|'s|'re|'ve|'ll|'d|'m)\b", r"\1", s)
    s = s.replace("`` ", '"').replace(" ''", '"').replace("` ", "'").replace(" '", "'")
    parts = s.split('"')
    out = parts[0]
    for p in parts[1:]:
        out = out.rstrip() + '"' + p if quote_open else out + '"' + p.lstrip()
        quote_open = not quote_open
    return out, quote_open


def meantime_docs(conll: Path) -> dict[str, list[str]]:
    docs: dict[str, OrderedDict[int, list[str]]] = OrderedDict()
    with conll.open(encoding="utf-8") as f:
        rows = csv.reader(f)
        next(rows)
        for _, doc, sent, _tok, token, _ref in rows:
            docs.setdefault(doc, OrderedDict()).setdefault(int(sent), []).append(token)
    out: dict[str, list[str]] = {}
    for doc, sentences in docs.items():
        quote_open = False
        lines = []
        for _, tokens in sorted(sentences.items()):
            line, quote_open = detokenize(tokens, quote_open)
            lines.append(line)
        out[doc] = lines
    return out


def iso(date_line: str) -> str:
    from datetime import datetime

    return datetime.strptime(date_line.strip(), "%B %d, %Y").date().isoformat()


def main(conll: Path) -> None:
    event_of = {a: e for e, arts in EVENTS.items() for a in arts}
    storyline_of: dict[str, str] = {}
    for s, arts in STORYLINES.items():
        for a in arts:
            assert a not in storyline_of, a
            storyline_of[a] = s
    out_dir = HERE / "articles"
    out_dir.mkdir(exist_ok=True)
    records = []
    for doc, lines in meantime_docs(conll).items():
        topic, curid = doc.split("/")
        aid = f"meantime-{topic.removeprefix('corpus_')}-{curid}"
        title, date_line, body = lines[0], lines[1], lines[2:]
        text = title + "\n\n" + date_line + "\n\n" + "\n\n".join(body) + "\n"
        (out_dir / f"{aid}.txt").write_text(text, encoding="utf-8")
        records.append(
            {
                "id": aid,
                "path": f"articles/{aid}.txt",
                "title": title.rstrip("."),
                "date": iso(date_line),
                "outlet": "Wikinews",
                "licence": MEANTIME_LICENCE,
                "source": f"https://en.wikinews.org/wiki/?curid={curid}",
                "via": "NewsReader MEANTIME (English, via anastasia-zhukova/Diverse_CDCR_datasets "
                "MEANTIME-prep/output_data/en/conll.csv)",
                "event": event_of.get(doc, aid),
                "storyline": storyline_of.get(doc),
                "split": "dev" if topic in DEV_TOPICS else "heldout",
            }
        )
    for aid, (path, _date, page, split) in GUM.items():
        text = (ROOT / path).read_text(encoding="utf-8")
        header = dict(line.split(": ", 1) for line in text.splitlines()[:3] if ": " in line)
        records.append(
            {
                "id": aid,
                "path": f"../../{path}",
                "title": header["Title"],
                "date": header["Date"],
                "outlet": "Wikinews",
                "licence": WIKINEWS_LICENCE,
                "source": f"https://en.wikinews.org/wiki/{page}",
                "via": "GUM corpus (amir-zeldes/gum), see eval/gum/README.md",
                "event": aid,
                "storyline": None,
                "split": split,
            }
        )
    readme = (ROOT / "eval" / "README.md").read_text(encoding="utf-8")
    for d in sorted((ROOT / "eval" / "gold").glob("wikinews-*")):
        found = re.search(rf"`{d.name}` \|[^|]*\|[^|]*\| Wikinews, (\d{{4}}-\d\d-\d\d)", readme)
        note = json.loads((d / "source.json").read_text("utf-8"))
        number = int(d.name.split("-")[1])
        aid = "gold-" + d.name
        text = (d / "article.txt").read_text(encoding="utf-8")
        records.append(
            {
                "id": aid,
                "path": f"../gold/{d.name}/article.txt",
                "title": d.name.split("-", 2)[2].replace("-", " "),
                "date": found.group(1) if found else None,
                "outlet": "Wikinews",
                "licence": note["licence"],
                "source": note["licence"].rsplit(", ", 1)[-1],
                "via": "eval/gold (GUM corpus)",
                "event": aid,
                "storyline": None,
                "split": "dev" if number <= GOLD_DEV_MAX else "heldout",
            }
        )
    (HERE / "set.json").write_text(
        json.dumps({"articles": records}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{len(records)} articles, {len(EVENTS)} multi-article events")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
