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
# The rest of the world's states (name:demonym), so a team or a government named by its
# country is a party ("Sweden defeated South Korea", "Malaysia said").
COUNTRIES.update(
    dict(
        pair.replace("_", " ").split(":")
        for pair in """Afghanistan:Afghan Albania:Albanian Algeria:Algerian Angola:Angolan
        Argentina:Argentine Armenia:Armenian Austria:Austrian Azerbaijan:Azerbaijani
        Bahrain:Bahraini Bangladesh:Bangladeshi Belgium:Belgian Bolivia:Bolivian
        Bosnia:Bosnian Botswana:Botswanan Bulgaria:Bulgarian Cambodia:Cambodian
        Cameroon:Cameroonian Chile:Chilean Colombia:Colombian Croatia:Croatian Cuba:Cuban
        Cyprus:Cypriot Denmark:Danish Ecuador:Ecuadorian Estonia:Estonian Eritrea:Eritrean
        Ethiopia:Ethiopian Finland:Finnish Georgia:Georgian Ghana:Ghanaian Greece:Greek
        Guatemala:Guatemalan Haiti:Haitian Honduras:Honduran Hungary:Hungarian
        Iceland:Icelandic Indonesia:Indonesian Iraq:Iraqi Ireland:Irish Jamaica:Jamaican
        Jordan:Jordanian Kazakhstan:Kazakh Kenya:Kenyan Kosovo:Kosovar Kuwait:Kuwaiti
        Latvia:Latvian Lebanon:Lebanese Libya:Libyan Lithuania:Lithuanian
        Luxembourg:Luxembourgish Malaysia:Malaysian Mali:Malian Malta:Maltese
        Moldova:Moldovan Mongolia:Mongolian Montenegro:Montenegrin Morocco:Moroccan
        Mozambique:Mozambican Myanmar:Burmese Nepal:Nepali Netherlands:Dutch
        Nicaragua:Nicaraguan Niger:Nigerien Nigeria:Nigerian Norway:Norwegian Oman:Omani
        Pakistan:Pakistani Panama:Panamanian Paraguay:Paraguayan Peru:Peruvian
        Philippines:Filipino Portugal:Portuguese Qatar:Qatari Romania:Romanian
        Rwanda:Rwandan Senegal:Senegalese Serbia:Serbian Singapore:Singaporean
        Slovakia:Slovak Slovenia:Slovenian Somalia:Somali Sudan:Sudanese Sweden:Swedish
        Switzerland:Swiss Tajikistan:Tajik Tanzania:Tanzanian Thailand:Thai Tunisia:Tunisian
        Turkmenistan:Turkmen Uganda:Ugandan Uruguay:Uruguayan Uzbekistan:Uzbek
        Venezuela:Venezuelan Vietnam:Vietnamese Yemen:Yemeni Zambia:Zambian
        Zimbabwe:Zimbabwean England:English Scotland:Scottish Wales:Welsh
        New_Zealand:New_Zealander South_Africa:South_African Sri_Lanka:Sri_Lankan
        Costa_Rica:Costa_Rican Czech_Republic:Czech Dominican_Republic:Dominican
        El_Salvador:Salvadoran Ivory_Coast:Ivorian Hong_Kong:Hong_Konger
        Palestine:Palestinian Lebanon:Lebanese Kyrgyzstan:Kyrgyz Laos:Lao
        United_Arab_Emirates:Emirati Vatican:Vatican""".split()
        if ":" in pair
    )
)
DEMONYMS = {v: k for k, v in COUNTRIES.items()}
GOV_WORDS = {"Kremlin", "White House", "Pentagon", "Downing Street", "Elysee", "Élysée", "Crown"}
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
    # institutions that act and speak
    "Inc.",
    "Corp",
    "Corp.",
    "LLC",
    "PLC",
    "GmbH",
    "Co.",
    "District",
    "School",
    "College",
    "Academy",
    "Museum",
    "Library",
    "Hospital",
    "Society",
    "League",
    "Club",
    "Team",
    "Alliance",
    "Coalition",
    "Movement",
    "Front",
    "Church",
    "Guild",
    "Corps",
    "Administration",
    "Laboratory",
    "Laboratories",
    "Labs",
    "Trust",
    "Airlines",
    "Airways",
    "Motors",
    "Technologies",
    "Industries",
    "Holdings",
    "Studios",
    "Org",
    "Network",
    "Initiative",
    "Ministerium",
    "Regierung",
}
# A name ending in one of these is a company; the words before it are its short name
# ("Microsoft Corp" -> "Microsoft", "Amazon.com Inc." -> "Amazon.com").
ORG_SUFFIXES = {"Inc", "Inc.", "Corp", "Corp.", "Ltd", "Ltd.", "LLC", "PLC", "Co.", "GmbH", "AG"}
# Words that make a name a place, an event, a work or a thing: never a party by themselves.
PLACE_THING_WORDS = set(
    """Street Road Avenue Square Park River Lake Sea Ocean Gulf Bay Island Islands Mountain
    Mountains Valley Coast Quarter Stadium Arena Airport Station Bridge Tower Towers Building
    Hall Hotel Mosque Temple Cathedral Palace Region Province County City Town Village
    Peninsula Desert Africa Asia Europe Americas Agreement Treaty Accord Act Bill Law Protocol
    War Cup Championship Championships Games Olympics Festival Expo Fair Prize Award Awards
    Globes Story Show Day Week Year Conference Summit Plan Program Programme Age Era Empire
    Dynasty Edition Version Series Model Phone Store App Browser TV VR Max Pro Mini Plus
    Award Medal Trophy Tournament Marathon Race Derby Disease Syndrome Virus Flu Fever""".split()
)
# States, provinces and regions: places, not parties ("North Carolina" is no person).
PLACES = set(
    """Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Hawaii|
    Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|
    Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|
    New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|
    South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|West Virginia|Wisconsin|Wyoming|
    Ontario|Quebec|Québec|Alberta|Manitoba|Saskatchewan|British Columbia|Nova Scotia|
    New Brunswick|Newfoundland|New South Wales|Queensland|Tasmania|Bavaria|Catalonia|Siberia|
    Middle East|Latin America|South America|North America|Central America|Southeast Asia|
    South East Asia|Caribbean|Balkans|Scandinavia|Patagonia|Kashmir|Tibet|Xinjiang|Punjab|
    Bengal|Sahara|Sahel|Amazon Basin|West Bank|Gaza Strip""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)
# "Greater Syria", "Northern Ireland", "South East Asia": a direction before a place is a place.
PLACE_PREFIXES = {
    "Greater",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Central",
    "Upper",
    "Lower",
    "North",
    "South",
    "East",
    "West",
    "Middle",
    "Far",
    "Inner",
    "Outer",
}
# Common given names (English and international): the first word of a two- or three-word
# capitalised run is evidence that the run names a person.
GIVEN_NAMES = set(
    """Aaron Abdul Abdullah Adam Adrian Ahmed Ahmad Alan Albert Alex Alexander Alexandra Alexei
 Ali Alice Alicia Alan Amanda Amy Ana Andrea Andrew Andy Angela Angelo Anna Anne Annie
 Anthony Antonio Arthur Barbara Ben Benjamin Bernard Bill Billy Bob Bobby Boris Brad
 Brandon Brian Bruce Bruno Carl Carlos Carol Caroline Catherine Charles Charlie Chris
 Christian Christina Christine Christopher Claire Colin Craig Daniel
 Daniela Danny Dave David Deborah Dennis Diana Diane Donald Doug Douglas Dmitry Ed Eddie
 Edward Elena Elizabeth Ellen Emily Emma Emmanuel Eric Erik Eva Evan Frank Fred Frederick
 Gabriel Gary George Georg Gerald Gordon Grace Greg Gregory Hans Harry Hassan Heather
 Helen Henry Hillary Howard Hugh Hussein Ian Igor Irene Isabel Ivan Jack Jacob James Jan Jane
 Janet Jason Jean Jeff Jeffrey Jennifer Jenny Jeremy Jerry Jessica Jim Jimmy Joan Joe Joel
 Johann John Johnny Jon Jonathan Jose Joseph Josh Joshua Juan Judith Judy Julia Julian Julie
 Justin Karen Karl Kate Katherine Kathleen Keith Kelly Ken Kenneth Kevin Kim
 Klaus Larry Laura Lauren Lee Leo Leonard Linda Lisa Liz Louis Louise Lucas Lucy
 Luis Luke Manuel Marc Marco Margaret Maria Marie Marina Mario Mark Martin
 Mary Matt Matthew Max Maria Megan Melissa Michael Michel Michelle Mike Mohamed
 Mohammed Muhammad Nancy Natalie Nathan Neil Nicholas Nick Nicola Nicole Nikolai Noah Oliver
 Olga Omar Oscar Pablo Pamela Patricia Patrick Paul Paula Pedro Peter Philip Phil Pierre
 Rachel Ralph Randy Ray Raymond Rebecca Richard Rick Rob Robert Roberto Robin Roger
 Ronald Rose Roy Ruth Ryan Sam Samantha Samuel Sandra Sara Sarah Scott Sean Sebastian Sergei
 Sergey Sharon Shirley Simon Sophie Stefan Stephanie Stephen Steve Steven Susan Suzanne
 Tara Ted Teresa Terry Thomas Tim Timothy Tina Todd Tom Tommy Tony Valerie Victor Victoria
 Vincent Viktor Vladimir Walter Wayne William Willie Wolfgang Zoe""".split()
)
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
    "Weekly",
    "Daily",
    "Review",
    "Wire",
    "Mail",
    "Express",
    "Press",
    "Zeitung",
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
    "Crown Prince",
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
    "attorney",
    "lawyer",
    "barrister",
    "campaigner",
    "spokesperson",
    "editor",
    "executive",
    "founder",
    "chairman",
    "chairwoman",
    "professor",
    "researcher",
    "scientist",
    "officer",
    "captain",
    "coach",
    "manager",
    "referee",
    "player",
    "striker",
    "midfielder",
    "defender",
    "goalkeeper",
    "student",
    "mother",
    "father",
    "teacher",
    "doctor",
    "author",
    "writer",
    "reporter",
    "correspondent",
    "curator",
    "artist",
    "actor",
    "actress",
    "singer",
    "senator",
    "lawmaker",
    "commissioner",
    "administrator",
    "prosecutor",
    "member",
    "fellow",
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
_CAP_TOKEN = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sen|Rep|Gov|Prof|Sgt|Capt|Maj|Adm|Cmdr|Rev|Fr)\.(?=\s+[A-Z])"
    r"|(?:[A-Z]\.){2,}|[A-Z]\.(?=\s[A-Z])"
    r"|[A-Z][\w’'\-]*(?:\.(?:com|org|net|io)\b)?(?:(?:(?<=Inc)|(?<=Corp)|(?<=Ltd)|(?<=Co))\.(?=,?\s+[a-z]))?)"
)
_CAP_RUN = re.compile(
    r"(?<![\w’'.])"
    + _CAP_TOKEN
    + r"(?:(?:(?:[ \t]+(?:of|for|the|de|del|von|van|al|bin|da|di|and|on|&)){1,2}[ \t]+|[ \t]+)"
    + r"(?:(?:al|el|ad|ash|bin|ibn|abu)-)?"  # "Suleiman al-Amr", "Khaled el-Sayed"
    + _CAP_TOKEN
    + r")*"
)
_QUOTE = re.compile(r"[“„\"]([^”“\"]{8,})[”“\"]")
