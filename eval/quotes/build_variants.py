"""Write eval/quotes/news_variants.jsonl: authored variants of quotes from the Wikinews articles.

Every row is written here by hand (none is a model's): the article span, the variant, its label
and the equivalence it exercises; each original span is checked to occur in its article.
"""

import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
W = ROOT.parent / "shared" / "external" / "wikinews"
A = {p.name[:2]: p.name for p in W.glob("*.txt")}
rows = []


def v(art, kind, original, quote, label="faithful", why=""):
    rows.append(
        dict(article=A[art], equivalence=kind, original=original, quote=quote, label=label, why=why)
    )


F, U = "faithful", "unfaithful"
# --- accents ---
v(
    "21",
    "accent",
    "Next year's competition is scheduled to take place in Mexico City.",
    "Next year's competition is scheduled to take place in México City.",
)
v("13", "accent", "Belgium defeated debutants Panama 3–0", "Belgium defeated debutants Panamá 3–0")
v(
    "13",
    "accent",
    "Belgium defeated debutants Panama 3–0",
    "Belgium defeated debutants Panamá 2–0",
    U,
    "score changed",
)
v(
    "21",
    "accent",
    "Next year's competition is scheduled to take place in Mexico City.",
    "Next year's competition is scheduled to take place in Méxicali.",
    U,
    "city changed",
)
# --- US/UK spelling ---
v(
    "09",
    "us_uk",
    "has analysed effects of global warming and ozone pollution",
    "has analyzed effects of global warming and ozone pollution",
)
v(
    "21",
    "us_uk",
    "the organization plans to hold the contest in a different country every year",
    "the organisation plans to hold the contest in a different country every year",
)
v(
    "21",
    "us_uk",
    "the robots were required to recognize, pick up, carry, and deposit balls colored blue and orange",
    "the robots were required to recognise, pick up, carry, and deposit balls coloured blue and orange",
)
v(
    "21",
    "us_uk",
    "the organization plans to hold the contest in a different country every year",
    "the organisation plans to hold the contest in the same country every year",
    U,
    "'a different' became 'the same'",
)
v(
    "21",
    "us_uk",
    "deposit balls colored blue and orange",
    "deposit balls coloured red and orange",
    U,
    "colour changed",
)
# --- percent / per cent / % ---
v(
    "07",
    "percent",
    "IE's various versions accounted for 70 percent of the market in 2009",
    "IE's various versions accounted for 70% of the market in 2009",
)
v(
    "07",
    "percent",
    "this has dropped to approximately 56 percent today",
    "this has dropped to approximately 56 per cent today",
)
v(
    "01",
    "percent",
    "whose claim acceptance rate is already above 95%",
    "whose claim acceptance rate is already above 95 percent",
)
v("09", "percent", "exceeded 10% of 2000 levels", "exceeded 10 per cent of 2000 levels")
v("09", "percent", "increase world food needs by 50 percent", "increase world food needs by 50%")
v(
    "09",
    "percent",
    "ozone pollution caused 46 percent of previously heat-attributed damage to soybean crops",
    "ozone pollution caused 46% of previously heat-attributed damage to soybean crops",
)
v(
    "07",
    "percent",
    "IE's various versions accounted for 70 percent of the market in 2009",
    "IE's various versions accounted for 75% of the market in 2009",
    U,
    "70 became 75",
)
v(
    "07",
    "percent",
    "this has dropped to approximately 56 percent today",
    "this has dropped to approximately 66 per cent today",
    U,
    "56 became 66",
)
v(
    "09",
    "percent",
    "ozone pollution caused 46 percent of previously heat-attributed damage",
    "ozone pollution caused 4.6% of previously heat-attributed damage",
    U,
    "46 became 4.6",
)
v(
    "01",
    "percent",
    "whose claim acceptance rate is already above 95%",
    "whose claim acceptance rate is already below 95 percent",
    U,
    "above became below",
)
# --- units ---
v(
    "21",
    "unit",
    "travel about 500 miles (800 km) from Herat",
    "travel about 500 miles (800km) from Herat",
)
v(
    "21",
    "unit",
    "travel about 500 miles (800 km) from Herat",
    "travel about 500 miles (800 kms) from Herat",
)
v(
    "21",
    "unit",
    "travel about 500 miles (800 km) from Herat",
    "travel about 500 miles (900km) from Herat",
    U,
    "800 became 900",
)
# --- number formats ---
v("01", "number", "for some 12,000 asylee hopefuls", "for some 12000 asylee hopefuls")
v(
    "01",
    "number",
    "a record 45,756 migrants crossing the Channel last year",
    "a record 45 756 migrants crossing the Channel last year",
)
v(
    "01",
    "number",
    "drove outstanding asylum claims over 150,000, also a record",
    "drove outstanding asylum claims over 150.000, also a record",
    F,
    "European thousands separator",
)
v(
    "01",
    "number",
    "for some 12,000 asylee hopefuls",
    "for some 120,000 asylee hopefuls",
    U,
    "12,000 became 120,000",
)
v(
    "01",
    "number",
    "a record 45,756 migrants crossing the Channel last year",
    "a record 45,765 migrants crossing the Channel last year",
    U,
    "digits swapped",
)
v(
    "01",
    "number",
    "drove outstanding asylum claims over 150,000, also a record",
    "drove outstanding asylum claims over 15,000, also a record",
    U,
    "a zero dropped",
)
# --- commas ---
v(
    "01",
    "comma",
    "While standard security, criminal, and health checks will continue",
    "While standard security, criminal and health checks will continue",
)
v(
    "21",
    "comma",
    "The group whose three robots collectively earned the most points won that match.",
    "The group whose three robots collectively earned the most points, won that match.",
)
v(
    "09",
    "comma",
    "By 2050, undernourishment would increase by either 49 percent or by 27 percent",
    "By 2050 undernourishment would increase by either 49 percent or by 27 percent",
)
v(
    "09",
    "comma",
    "Results of NCLAN studies, published in a paper by AS Heagle in 1989, show dicot species",
    "Results of NCLAN studies published in a paper by AS Heagle in 1989 show dicot species",
)
v(
    "09",
    "comma",
    "By 2050, undernourishment would increase by either 49 percent or by 27 percent",
    "By 2050 undernourishment would increase by either 94 percent or by 27 percent",
    U,
    "49 became 94",
)
v(
    "09",
    "comma",
    "published in a paper by AS Heagle in 1989, show dicot species",
    "published in a paper by AS Heagle in 1998 show dicot species",
    U,
    "1989 became 1998",
)
# --- hyphen / space / line-wrap ---
v(
    "01",
    "hyphen",
    "officials will scrap the face-to-face interview step",
    "officials will scrap the face to face interview step",
)
v(
    "07",
    "hyphen",
    "move away from the antiquated 10-year-old browser",
    "move away from the antiquated 10 year old browser",
)
v(
    "01",
    "hyphen",
    "Labour has a common-sense plan to fast-track cases",
    "Labour has a common sense plan to fast track cases",
)
v(
    "07",
    "hyphen",
    "while the recently released Google Chrome is also quickly gaining users",
    "while the recently-released Google Chrome is also quickly gaining users",
)
v(
    "13",
    "hyphen",
    "Korea's Kim Shin-Wook was shown a yellow card early in the game.",
    "Korea's Kim Shin Wook was shown a yellow card early in the game.",
)
v(
    "09",
    "hyphen",
    "Ground-level ozone causes more damage to plants than all other air pollutants combined",
    "Groundlevel ozone causes more damage to plants than all other air pollutants combined",
)
v(
    "07",
    "linewrap",
    "they are forced to accommodate older out-of-date technology to support IE6 users",
    "they are forced to accom-\nmodate older out-of-date technology to support IE6 users",
)
v(
    "21",
    "linewrap",
    "The team arrived in Washington D.C. after many difficulties.",
    "The team arrived in Wash-\nington D.C. after many difficulties.",
)
v(
    "07",
    "hyphen",
    "move away from the antiquated 10-year-old browser",
    "move away from the antiquated 12-year-old browser",
    U,
    "10 became 12",
)
v(
    "13",
    "hyphen",
    "Korea's Kim Shin-Wook was shown a yellow card early in the game.",
    "Korea's Kim Shin-Woo was shown a yellow card early in the game.",
    U,
    "name changed",
)
v(
    "07",
    "linewrap",
    "they are forced to accommodate older out-of-date technology",
    "they are forced to accom-\nmodate newer out-of-date technology",
    U,
    "older became newer",
)
# --- quote marks ---
v(
    "01",
    "quote_marks",
    "clear the nation's 92,000 asylum claim- 'legacy backlog' by year end",
    'clear the nation\'s 92,000 asylum claim- "legacy backlog" by year end',
)
v(
    "01",
    "quote_marks",
    'officials will scrap the face-to-face interview step to "streamline" processing',
    "officials will scrap the face-to-face interview step to 'streamline' processing",
)
v(
    "21",
    "quote_marks",
    'the girls were granted "parole" status',
    "the girls were granted \u2018parole\u2019 status",
)
v("21", "quote_marks", 'named their robot "Robogee."', "named their robot \u00abRobogee.\u00bb")
v(
    "07",
    "quote_marks",
    "Microsoft's Internet Explorer 6 is one of the most successful software products ever",
    "Microsoft\u2019s Internet Explorer 6 is one of the most successful software products ever",
)
v(
    "01",
    "quote_marks",
    "clear the nation's 92,000 asylum claim- 'legacy backlog' by year end",
    'clear the nation\'s 29,000 asylum claim- "legacy backlog" by year end',
    U,
    "92,000 became 29,000",
)
v(
    "21",
    "quote_marks",
    'the girls were granted "parole" status',
    "the girls were refused \u2018parole\u2019 status",
    U,
    "granted became refused",
)
# --- brackets / editorial insertions ---
v("07", "bracket", '"[Ten] years ago, a browser was born.', '"Ten years ago, a browser was born.')
v(
    "01",
    "bracket",
    'She continued: "Labour has a common-sense plan to fast-track cases',
    '[Cooper] continued: "Labour has a common-sense plan to fast-track cases',
)
v(
    "09",
    "bracket",
    "leading to either offsetting or reinforcing effects [of climate change] on crops",
    "leading to either offsetting or reinforcing effects on crops",
)
v(
    "09",
    "bracket",
    '"The climate projections are quite consistent [...] the future of ozone pollution is very different',
    '"The climate projections are quite consistent \u2026 the future of ozone pollution is very different',
)
v(
    "21",
    "bracket",
    "Afghan Ambassador Hamdullah Mohib says there were concerns they would attempt to remain in the United States",
    "[The] Afghan Ambassador Hamdullah Mohib says there were concerns they would attempt to remain in the United States",
)
v(
    "07",
    "bracket",
    '"[Ten] years ago, a browser was born.',
    '"[Twenty] years ago, a browser was born.',
    U,
    "Ten became Twenty",
)
v(
    "01",
    "bracket",
    'She continued: "Labour has a common-sense plan to fast-track cases',
    '[Cooper] continued: "Labour has no plan to fast-track cases',
    U,
    "negation added",
)
v(
    "09",
    "bracket",
    "leading to either offsetting or reinforcing effects [of climate change] on crops",
    "leading to either offsetting or reinforcing effects [of ozone] on wheat",
    U,
    "crops became wheat",
)
# --- invisible chars / look-alikes ---
v(
    "07",
    "invisible",
    "Microsoft no longer wants to support it",
    "Micro\u00adsoft no longer wants to sup\u00adport it",
)
v(
    "21",
    "invisible",
    "Seventeen years ago, this would not have been possible at all",
    "Seventeen years ago, this would\u200b not have been possible at all",
)
v(
    "09",
    "invisible",
    "The study was supported by the Croucher Foundation",
    "The study was supported by the\u2060 Croucher Foundation",
)
v(
    "13",
    "invisible",
    "Swedish captain Andreas Granqvist won the Budweiser Man of the Match award.",
    "Swedish captain Andreas Granqvist won the Budweiser Man of the Match award.\ufeff",
)
v(
    "07",
    "lookalike",
    "Microsoft no longer wants to support it",
    "Micr\u043esoft no longer wants to support it",
    F,
    "Cyrillic o",
)
v(
    "21",
    "lookalike",
    "Afghan Ambassador Hamdullah Mohib",
    "Afghan Ambass\u0430dor Hamdullah Mohib",
    F,
    "Cyrillic a",
)
v(
    "13",
    "lookalike",
    "Sweden defeated South Korea 1–0",
    "Sweden defeated South K\u043erea 1\u20130",
    F,
    "Cyrillic o",
)
v(
    "07",
    "invisible",
    "Microsoft no longer wants to support it",
    "Micro\u00adsoft still wants to sup\u00adport it",
    U,
    "negation dropped",
)
v(
    "21",
    "invisible",
    "Seventeen years ago, this would not have been possible at all",
    "Seventeen years ago, this would\u200b have been possible at all",
    U,
    "negation dropped",
)
v(
    "13",
    "lookalike",
    "Sweden defeated South Korea 1–0",
    "Sw\u0435den lost to South Korea 1–0",
    U,
    "defeated became lost to",
)
v(
    "21",
    "lookalike",
    "Afghan Ambassador Hamdullah Mohib",
    "Pakistani Ambass\u0430dor Hamdullah Mohib",
    U,
    "nationality changed",
)
# --- dashes, apostrophes, abbreviations ---
v(
    "09",
    "dash",
    "over 2000 - 2050 on the worldwide production",
    "over 2000\u20132050 on the worldwide production",
)
v("13", "dash", "Sweden defeated South Korea 1–0", "Sweden defeated South Korea 1-0")
v(
    "21",
    "abbreviation",
    "drawing notice from critics of U.S. President Donald Trump's policies",
    "drawing notice from critics of US President Donald Trump's policies",
)
v(
    "13",
    "dash",
    "Sweden defeated South Korea 1–0",
    "Sweden defeated South Korea 0-1",
    U,
    "score reversed",
)
v(
    "21",
    "abbreviation",
    "drawing notice from critics of U.S. President Donald Trump's policies",
    "drawing notice from supporters of US President Donald Trump's policies",
    U,
    "critics became supporters",
)
# --- dates ---
v(
    "07",
    "date",
    "as of March 4, 2011, IE6 has 277 vulnerabilities",
    "as of 4 March 2011, IE6 has 277 vulnerabilities",
    "debatable",
    "day and month reordered: same date, not the same words",
)
v(
    "07",
    "date",
    "as of March 4, 2011, IE6 has 277 vulnerabilities",
    "as of March 14, 2011, IE6 has 277 vulnerabilities",
    U,
    "4 became 14",
)
v(
    "07",
    "date",
    "as of March 4, 2011, IE6 has 277 vulnerabilities",
    "as of March 4, 2011, IE6 has 227 vulnerabilities",
    U,
    "277 became 227",
)
out = []
for i, r in enumerate(rows):
    text = (W / r["article"]).read_text(encoding="utf-8")
    assert r["original"] in text, (r["article"], r["original"])
    out.append({"id": f"nv-{i:03d}", **r, "kind": "authored"})
with open(ROOT / "eval" / "quotes" / "news_variants.jsonl", "w", encoding="utf-8") as fh:
    for r in out:
        fh.write(json.dumps(r, ensure_ascii=False) + "\n")
import collections

print(collections.Counter(r["label"] for r in out), len(out))
