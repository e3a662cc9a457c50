"""Word lists and patterns of the offline engine: words, never names from any article."""

from __future__ import annotations

import re

# --- small gazetteers (words, not names from any article) --------------------------------------

COUNTRIES = {
    "Russia": "Russian",
    "Ukraine": "Ukrainian",
    "United States": "American",
    "U.S.": "American",
    "US": "American",
    "America": "American",
    "China": "Chinese",
    "Germany": "German",
    "France": "French",
    "Britain": "British",
    "United Kingdom": "British",
    "UK": "British",
    "Syria": "Syrian",
    "Israel": "Israeli",
    "Iran": "Iranian",
    "Turkey": "Turkish",
    "India": "Indian",
    "Japan": "Japanese",
    "Italy": "Italian",
    "Spain": "Spanish",
    "Poland": "Polish",
    "Europe": "European",
    "Canada": "Canadian",
    "Mexico": "Mexican",
    "Brazil": "Brazilian",
    "Crimea": "Crimean",
    "Belarus": "Belarusian",
    "Gaza": "Palestinian",
    "North Korea": "North Korean",
    "South Korea": "South Korean",
    "Taiwan": "Taiwanese",
    "Australia": "Australian",
    "Egypt": "Egyptian",
    "Saudi Arabia": "Saudi",
    "Namibia": "Namibian",
}
DEMONYMS = {v: k for k, v in COUNTRIES.items()}
GOV_WORDS = {"Kremlin", "White House", "Pentagon", "Downing Street", "Elysee", "Élysée"}
MEDIA_NAMES = {
    "Reuters",
    "AP",
    "AFP",
    "Bloomberg",
    "BBC",
    "CNN",
    "Associated Press",
    "TASS",
    "Interfax",
    "Al Jazeera",
    "DW",
    "NPR",
}
ORG_WORDS = {
    "Committee",
    "Ministry",
    "Department",
    "Council",
    "Agency",
    "Bank",
    "Court",
    "Parliament",
    "Party",
    "Union",
    "Authority",
    "Commission",
    "Police",
    "Army",
    "Forces",
    "Office",
    "Service",
    "University",
    "Institute",
    "Corporation",
    "Inc",
    "Ltd",
    "Company",
    "Group",
    "Foundation",
    "Association",
    "Organization",
    "Organisation",
    "Centre",
    "Center",
    "Government",
    "Senate",
    "Congress",
    "Navy",
    "Federation",
    "Board",
    "Bureau",
    "Fund",
    "Guard",
    "Cabinet",
    "Assembly",
}
GOV_ORG_WORDS = {
    "Committee",
    "Ministry",
    "Department",
    "Council",
    "Parliament",
    "Authority",
    "Commission",
    "Police",
    "Government",
    "Senate",
    "Congress",
    "Cabinet",
    "Assembly",
    "Bureau",
    "Office",
    "Court",
    "Army",
    "Navy",
    "Forces",
    "Guard",
}
MEDIA_WORDS = {
    "magazine",
    "newspaper",
    "channel",
    "agency",
    "broadcaster",
    "outlet",
    "daily",
    "tabloid",
    "website",
    "network",
    "radio",
    "television",
    "news",
}
MEDIA_TITLE_WORDS = {
    "Times",
    "Post",
    "News",
    "Journal",
    "Herald",
    "Gazette",
    "Tribune",
    "Courier",
    "Telegraph",
    "Guardian",
    "Chronicle",
    "Observer",
    "Magazine",
}
TITLES = [
    "Lieutenant General",
    "Oberbürgermeisterin",
    "Oberbürgermeister",
    "Bürgermeisterin",
    "Bürgermeister",
    "Verhandlungsführerin",
    "Verhandlungsführer",
    "Geschäftsführerin",
    "Geschäftsführer",
    "Sprecherin",
    "Sprecher",
    "Ministerin",
    "Präsidentin",
    "Präsident",
    "Kanzlerin",
    "Kanzler",
    "Lt Gen",
    "Lt. Gen.",
    "Major General",
    "General",
    "Gen.",
    "Colonel",
    "Admiral",
    "President",
    "Vice President",
    "Prime Minister",
    "Foreign Minister",
    "Defence Minister",
    "Defense Minister",
    "Finance Minister",
    "Minister",
    "Chancellor",
    "Governor",
    "Mayor",
    "Senator",
    "Secretary",
    "Ambassador",
    "Judge",
    "Justice",
    "Director",
    "Chief",
    "Chairman",
    "Chairwoman",
    "CEO",
    "Dr.",
    "Dr",
    "Mr.",
    "Mr",
    "Mrs.",
    "Mrs",
    "Ms.",
    "Ms",
    "Professor",
    "Prof.",
    "King",
    "Queen",
    "Prince",
    "Pope",
    "Sheikh",
    "Commander",
    "Councillor",
    "Council member",
    "Spokesman",
    "Spokeswoman",
    "Military blogger",
    "Envoy",
]
PERSON_ROLE_WORDS = {
    "adviser",
    "advisor",
    "envoy",
    "president",
    "minister",
    "general",
    "director",
    "spokesman",
    "spokeswoman",
    "blogger",
    "head",
    "chief",
    "daughter",
    "son",
    "wife",
    "husband",
    "leader",
    "official",
    "governor",
    "mayor",
    "secretary",
    "ambassador",
    "judge",
    "analyst",
    "ideologue",
}
# Capitalised words that start sentences or name times, never parties.
NOT_NAMES = set(
    """
A An The This That These Those It Its He She They We I You His Her Their Our However But And Or
If When While Since After Before During Despite Even Although Though Because As In On At By For
From With Without Into Over Under About Besides Also Meanwhile Still Yet Then There Here Some
Many Most Several Few Other Another Such No Not One Two Three Four Five Six Seven Eight Nine Ten
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December Today Yesterday Tomorrow Earlier Later
According Sources Source Officials Footage Photos Video Reports Analysts Residents Engineers
Experts Critics Witnesses Police Local Last Next First Second Third Only Each Every Both
Whether Who What Where Why How Once Now Until Unless Like Unlike Amid Among Between Toward
Der Die Das Den Dem Des Ein Eine Einen Einem Einer Eines Nach Laut Am Im Auf Aus Bei Mit Von Vom
Zu Zum Zur Für Über Unter Vor Auch Sein Seine Ihr Ihre Sie Er Es Wir Ich Dieses Diese Dieser
Ob Wenn Als Wie Und Oder Aber Doch Noch Nur Schon Viele Einige Alle Angaben Millionen Milliarden
Prozent Euro Dollar Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Januar Februar
März Mai Juni Juli Oktober Dezember Le La Les Un Une Des Du Au Aux Selon El Los Las Según
""".split()
)
SPEECH_VERBS = (
    "said",
    "says",
    "told",
    "added",
    "stated",
    "criticized",
    "criticised",
    "accused",
    "admitted",
    "highlighted",
    "warned",
    "called",
    "denied",
    "confirmed",
    "praised",
    "condemned",
    "urged",
    "argued",
    "insisted",
    "claimed",
    "announced",
    "declared",
    "rejected",
    "wrote",
    "noted",
    "acknowledged",
    "refused",
    "threatened",
    "promised",
    "vowed",
    "blamed",
    "defended",
    "questioned",
    "disagreed",
    "demanded",
    "ordered",
    "pledged",
    "stressed",
    "suggested",
    "estimated",
    "predicted",
    "dismissed",
    "welcomed",
    "described",
    # German: the article may be in any language; these are the reporting verbs of the wires.
    "sagte",
    "sagt",
    "erklärte",
    "betonte",
    "kritisierte",
    "forderte",
    "warnte",
    "nannte",
    "kündigte",
    "wies",
    "rief",
    "äußerte",
    "bestätigte",
    "dementierte",
)
_SPEECH = re.compile(r"\b(" + "|".join(SPEECH_VERBS) + r")\b")
_ACCORDING = re.compile(
    r"\b(?:[Aa]ccording to|[Nn]ach Angaben (?:der|des|von)|[Ll]aut|[Ss]elon|[Ss]egún)\b"
)
_STOPWORDS = {
    "en": set(
        "the and of to in a is that for on was with as by at from it he said has have".split()
    ),
    "de": set(
        "der die und das ist nicht mit den von zu ein eine sich auf dem des im sagte".split()
    ),
    "fr": set("le la les et des est une dans pour que qui pas sur au avec du il a dit".split()),
    "es": set("el la los las y de que en un una es por con para del se dijo al".split()),
    "it": set("il la di che e un una per con non sono del della ha detto".split()),
    "pt": set("o a os as e de que em um uma para com não do da disse".split()),
    "nl": set("de het een en van in is dat op te met voor zijn niet zei".split()),
}

_ABBREV = re.compile(
    r"\b(?:U\.S|U\.K|U\.N|E\.U|Mr|Mrs|Ms|Dr|Gen|Lt|Col|St|Jr|Sr|Prof|No|vs"
    r"|Inc|Ltd|Co|Corp|Sen|Rep|Gov|a\.m|p\.m|e\.g|i\.e)\.$"
)
_SENT_END = re.compile(r"[.!?…][”“\"’')\]]*\s+(?=[“„\"‘'(\[]?[A-Z0-9À-ÖØ-Þ])")
_WORDCHAR = r"[\w’'\-]"
# A capitalised word, an initialism ("U.S.") or an initial ("J."); a trailing full stop is not
# part of a word, so runs never cross a sentence end.
_CAP_TOKEN = r"(?:(?:[A-Z]\.){2,}|[A-Z]\.(?=\s[A-Z])|[A-Z][\w’'\-]*)"
_CAP_RUN = re.compile(
    r"(?<![\w’'])"
    + _CAP_TOKEN
    + r"(?:(?:[ \t]+(?:of|for|the|de|del|von|van|al|bin|da|di|and)[ \t]+|[ \t]+)"
    + _CAP_TOKEN
    + r")*"
)
_QUOTE = re.compile(r"[“„\"]([^”“\"]{8,})[”“\"]")
