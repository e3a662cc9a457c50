"""Parties: capitalised runs split, cleaned and classified, with roles and aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from summarizer.offline.lexicon import (
    _CAP_RUN,
    _SPEECH,
    COUNTRIES,
    DEMONYMS,
    GOV_ORG_WORDS,
    GOV_WORDS,
    MEDIA_NAMES,
    MEDIA_TITLE_WORDS,
    MEDIA_WORDS,
    NOT_NAMES,
    ORG_WORDS,
    PERSON_ROLE_WORDS,
    TITLES,
)


@dataclass
class Entity:
    """A party being assembled: canonical name, kind, role, and every spelling seen."""

    name: str
    kind: str
    role: str = ""
    aliases: list[str] = field(default_factory=list)
    mentions: int = 0
    first: int = 0

    def spellings(self) -> list[str]:
        """Name first, then aliases."""
        return [self.name, *self.aliases]


# Occupations that open a sentence capitalised: "Librarian Tom Hale criticized the vote."
OCCUPATIONS = set(
    """librarian teacher farmer lawyer attorney economist analyst scientist researcher professor
    doctor nurse officer spokesperson witness resident activist author historian journalist
    reporter engineer coach player singer actor actress designer founder blogger prosecutor
    defendant investor trader pilot soldier commander priest bishop rabbi imam lawmaker
    legislator candidate voter sheriff detective chef architect student worker owner""".split()
)
_INNER_TITLES = {
    "President",
    "Executive",
    "Co-founder",
    "Founder",
    "Chairman",
    "Director",
    "Minister",
    "Secretary",
    "Spokesman",
    "Spokeswoman",
    "Chief",
    "Officer",
}


def _strip_title(run: str) -> tuple[str, str]:
    """('Lieutenant General Yaroslav Moskalik') -> ('Yaroslav Moskalik', 'Lieutenant General')."""
    words = run.split()
    prefix: list[str] = []
    while len(words) > 2 and words[0].lower() in OCCUPATIONS:
        prefix.append(words.pop(0))
    # "GVD-Verhandlungsführerin Katrin Wolff": a title after a hyphen is a title too.
    if len(words) > 2 and "-" in words[0] and words[0].rsplit("-", 1)[1] in TITLES:
        prefix.append(words.pop(0))
    # "Microsoft President Brad Smith", "Chief Executive Satya Nadella": the name follows the
    # last title word, and everything before it is the role.
    inner = [i for i, w in enumerate(words[:-1]) if w in _INNER_TITLES]
    if inner and 1 <= len(words) - inner[-1] - 1 <= 3:
        k = inner[-1] + 1
        return " ".join(words[k:]), " ".join(prefix + words[:k])
    changed = True
    while changed and len(words) > 1:
        changed = False
        if words[0] in DEMONYMS or words[0].rstrip("’'s") in COUNTRIES:
            prefix.append(words.pop(0))
            changed = True
            continue
        for title in sorted(TITLES, key=len, reverse=True):
            tw = title.split()
            if words[: len(tw)] == tw and len(words) > len(tw):
                prefix.extend(words[: len(tw)])
                del words[: len(tw)]
                changed = True
                break
    return " ".join(words), " ".join(prefix)


def _classify(name: str, context_after: str) -> str | None:
    words = name.split()
    if name in COUNTRIES:
        return "country"
    if name in GOV_WORDS:
        return "government"
    if name in MEDIA_NAMES or (words and words[-1] in MEDIA_TITLE_WORDS and len(words) > 1):
        return "media"
    appositive = re.match(r"\s*,\s*(?:an?|the)\s+([^,.;]{3,80})", context_after)
    if appositive and any(w in appositive.group(1).lower().split() for w in MEDIA_WORDS):
        return "media"
    if re.match(r"\s+(magazine|newspaper|news agency|channel)\b", context_after):
        return "media"
    if any(w in ORG_WORDS for w in words):
        return "government" if any(w in GOV_ORG_WORDS for w in words) else "organization"
    if name.isupper() and 2 <= len(name) <= 6:
        return "organization"
    if (
        len(words) >= 2
        and all(w[:1].isupper() for w in words)
        and not any(w in NOT_NAMES for w in words)
    ):
        return "person"
    return None


def _clean_run(run: str) -> str:
    run = run.strip(" .,-’'")
    words = run.split()
    while words and (words[0] in NOT_NAMES or words[0].lower() in {"of", "the", "and"}):
        words.pop(0)
    while words and (words[-1] in NOT_NAMES or words[-1].lower() in {"of", "the", "and", "for"}):
        words.pop()
    return " ".join(words)


_ROLE_NOUN = r"(?:" + "|".join(sorted(PERSON_ROLE_WORDS, key=len, reverse=True)) + r")s?"
_PRECEDING_ROLE = re.compile(
    r"((?:[A-Z][\w.]*(?:\s[A-Z][\w.]*)*[’']s\s+|[A-Z][a-z]+\s+)?(?:[a-z][\w\-]*\s+){0,3}"
    + _ROLE_NOUN
    + r")(?:,\s*|\s+)$"
)


def _preceding_role(text: str, start: int) -> str:
    """ "Donald Trump’s special envoy, Steve Witkoff" -> "Donald Trump’s special envoy"."""
    m = _PRECEDING_ROLE.search(text[max(0, start - 80) : start])
    if not m:
        return ""
    role = re.sub(r"s$", "", m.group(1).strip())  # "Putin advisers X and Y": each an adviser
    return role[0].lower() + role[1:] if role.split()[0] in NOT_NAMES | {"Military"} else role


def _appositive_role(text: str, end: int) -> str:
    after = text[end : end + 160]
    m = re.match(
        r"\s*(?:,|—|–|\s-\s)\s*((?:an?\s+|the\s+|[A-Z][\w.]*[’']s\s+)?[a-z][^,.;—–()]{3,90})",
        after,
    )
    if m:
        role = m.group(1).strip()
        if any(w in role.lower() for w in PERSON_ROLE_WORDS | MEDIA_WORDS) or role.startswith(
            ("a ", "an ", "the ")
        ):
            return role
    return ""


def find_parties(text: str) -> list[Entity]:
    """Every party the article names, with kinds, roles and aliases."""
    found: dict[str, Entity] = {}

    def add(name: str, kind: str, role: str, at: int, alias: str | None = None) -> Entity:
        ent = found.get(name)
        if ent is None:
            ent = found[name] = Entity(name, kind, role, first=at)
        if role and not ent.role:
            ent.role = role
        if alias and alias != name and alias not in ent.aliases:
            ent.aliases.append(alias)
        ent.mentions += 1
        return ent

    # Split capitalised runs on possessives and dashes (and on "and" between names, but not
    # inside "Department of Health and Human Services"), then classify each piece.
    for m in _CAP_RUN.finditer(text):
        raw = m.group()
        offset = m.start()
        split_on = r"(’s|'s|—|–)"
        if not any(w in ORG_WORDS for w in raw.split()):
            split_on = r"(’s|'s|—|–| and )"
        shared_role = ""  # "advisers Yuri Ushakov and Kirill Dmitriev": both are advisers
        for piece in re.split(split_on, raw):
            if piece in ("’s", "'s", "—", "–", " and "):
                offset += len(piece)
                if piece != " and ":
                    shared_role = ""
                continue
            start = offset
            offset += len(piece)
            run = _clean_run(piece)
            if not run:
                continue
            run_at = text.find(run, start)
            if re.fullmatch(r"(?:[A-Z]\.)+[A-Z]", run) and text.startswith(".", run_at + len(run)):
                run += "."  # "U.S." lost its last full stop to the sentence end
            # "a Telegram channel", "a Time magazine interview": a modifier, not a party.
            if re.search(r"(?<![\w])[Aa]n?\s+$", text[max(0, run_at - 3) : run_at]) and re.match(
                r"\s+[a-z]", text[run_at + len(run) : run_at + len(run) + 3]
            ):
                continue
            name, title = _strip_title(run)
            if not name or name in NOT_NAMES:
                continue
            after = text[run_at + len(run) : run_at + len(run) + 120]
            if name in DEMONYMS or name.rstrip(".") in DEMONYMS:
                continue
            kind = _classify(name, after)
            if kind is None:
                continue
            role = title
            if kind in ("person", "media", "organization", "government"):
                appos = _appositive_role(text, run_at + len(run))
                if not appos and not title and kind == "person":
                    appos = _preceding_role(text, run_at) or shared_role
                    shared_role = appos
                role = (f"{title} — {appos}" if title and appos else title or appos).strip()
            alias = run if (title and kind == "person" and run != name) else None
            add(name, kind, role, run_at, alias)

    # "according to X" and "X, a Telegram channel" name single-word parties too.
    for m in re.finditer(
        r"\b(?:[Aa]ccording to (?:the )?|[Nn]ach Angaben (?:der|des|von) |[Ll]aut (?:der |dem )?)"
        r"([A-Z][\w’'\-]+(?: [A-Z][\w’'\-]+)*)",
        text,
    ):
        name = _clean_run(m.group(1))
        if name and name not in NOT_NAMES and name not in found:
            kind = _classify(name, text[m.end() : m.end() + 120]) or "other"
            add(name, kind, _appositive_role(text, m.end()), m.start(1))
    # Groups named by a demonym: "Ukrainian officials", "Russian security forces".
    group_re = (
        r"\b("
        + "|".join(re.escape(d) for d in DEMONYMS)
        + r")\s+(officials|authorities|security forces|forces|military|government)\b"
    )
    for m in re.finditer(group_re, text):
        name = f"{m.group(1)} {m.group(2)}"
        kind = "government" if m.group(2) in ("officials", "authorities", "government") else "group"
        add(name, kind, f"{m.group(2)} of {DEMONYMS[m.group(1)]}", m.start())

    # Short forms: a surname or a single word of a multi-word name becomes an alias of it.
    persons = [e for e in found.values() if e.kind == "person"]
    for ent in list(found.values()):
        if ent.kind == "person" and len(ent.name.split()) == 1:
            full = [p for p in persons if p is not ent and ent.name in p.name.split()]
            if len(full) == 1:
                full[0].aliases.append(ent.name)
                full[0].mentions += ent.mentions
                del found[ent.name]
    for p in persons:
        last = p.name.split()[-1]
        owners = [q for q in persons if q.name.split()[-1] == last]
        if (
            len(p.name.split()) > 1
            and len(owners) == 1
            and last not in p.aliases
            and re.search(r"(?<![\w’'])" + re.escape(last) + r"(?![\w])", text)
        ):
            p.aliases.append(last)
    # Single capitalised words that the article uses as a speaker are parties too.
    return sorted(found.values(), key=lambda e: e.first)


def _keep_party(ent: Entity, text: str) -> bool:
    """Drop the noise capitalised runs bring: one-off acronyms, headlines, unplaced names."""
    if ent.name.isupper() and "." not in ent.name:
        # "DOC", "JPEG", "NOT": an acronym counts when the article defines it or keeps using it.
        return bool(re.search(r"\(" + re.escape(ent.name) + r"\)", text)) or ent.mentions >= 3
    if ent.kind == "person":
        words = [w for w in ent.name.split() if w[:1].isupper()]
        if len(words) > 3:
            return False  # "Meta Outage Hits Facebook" is a headline, not a person
        # A person is introduced with a title or role, named again, or quoted.
        near = text[max(0, ent.first - 40) : ent.first + len(ent.name) + 40]
        named = len(re.findall(r"(?<![\w])" + re.escape(words[-1]) + r"(?![\w])", text))
        return bool(ent.role) or named >= 2 or bool(_SPEECH.search(near))
    if ent.kind in ("media", "government", "organization", "group"):
        return True
    if ent.kind == "country":
        return len(re.findall(r"(?<!\w)" + re.escape(ent.name) + r"(?!\w)", text)) >= 2
    return ent.mentions >= 2
