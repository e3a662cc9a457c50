"""Fact status from wording, open questions from cues, and a fact's source."""

from __future__ import annotations

import re
from collections.abc import Callable

from summarizer.brief.attribution import _ORG_WORDS, Attribution, Attributor, hedge_cue
from summarizer.brief.models import OpenQuestion
from summarizer.offline.lexicon import _STOPWORDS, NOT_NAMES
from summarizer.offline.sentences import Sentence

_DISPUTED = re.compile(
    r"\b(disputed|denied|denies|deny|rejected|rejects|contested|contests|disagree\w*|"
    r"refuted|refutes|dismissed|dismisses)\b",
    re.I,
)
_CONFIRMS = {"confirmed", "confirms", "announced", "announces"}
_SAID = re.compile(r"\b(said|says|claimed|claims|alleged|accused|told|argued|insisted)\b")


def fact_status(
    sentence: str, att: Attribution | None = None, speaker_kind: str | None = None
) -> str:
    """confirmed / claimed / reported / disputed, from who the article says asserts it.

    Never `confirmed` when the sentence carries a hedge or source cue ("reportedly",
    "according to", "sources say", "believed"), when an outlet or an unnamed source asserts
    it, or when a party only says it: what the article only relays is not established.
    """
    if _DISPUTED.search(sentence):
        return "disputed"
    mode = att.mode if att else "narrator"
    cue = hedge_cue(sentence)
    if att and att.relayed_by:
        return "reported"  # "according to X, quoting Y": the article has it second-hand
    if speaker_kind == "media" or mode in ("hedge", "outlet"):
        return "reported"
    if mode == "according_to" or (cue and cue.lower() == "according to"):
        # "according to the ministry": the ministry's claim; to an outlet or nobody: relayed.
        return "claimed" if att and att.party and mode == "according_to" else "reported"
    if cue:
        return "reported"
    if mode == "unnamed":
        # "local officials said": a claim of people the article does not name.
        return "claimed"
    if mode in ("quote", "reported"):
        if att and att.cue in _CONFIRMS and mode == "reported" and att.party:
            return "confirmed"  # "the ministry confirmed ...": an official confirmation
        return "claimed"
    if _SAID.search(sentence):
        return "claimed"  # someone says it, even if the rules cannot tell who
    return "confirmed"


# --- open questions ------------------------------------------------------------------------
#
# What a careful editor lists as open: decisions, trials, votes and investigations still pending,
# what the article says is unknown, parties that have not commented, claims someone denies,
# threats and plans. Each rule turns one clause of one sentence into a question built from that
# clause's own subject and verb phrase, and cites the sentence. A rule that cannot build a clean
# question (no subject it can name, a verb phrase too long to keep whole, a cue inside someone's
# direct quote) asks nothing: no question rather than a garbled one.

_MAX_QUESTIONS = 5
_WH = r"(?:whether|if|who|whom|what|which|why|how|when|where)"
_AUX = r"will|would|can|could|should|may|might|must|is|are|was|were|has|have|had|do|does|did"
_CLAUSE_END = re.compile(
    r"\s*(?:[,;:()\[\]“”\"—–]|\.(?:\s|$)|$|\s(?:but|while|whereas|although|though|because|"
    r"since|as|after|before|which|who|so|unless|until|despite|amid|according)\s|"
    r"\s(?:and|or)\s+(?:that|whether|if|would|will|could|should|said|says|was|were|is|are|has|"
    r"have|had)\b)"
)
_PRONOUN_SUBJECTS = {"he", "she", "it", "they", "this", "that", "these", "those", "we", "i", "you"}
_SUBJECT_CUT = re.compile(
    r"(?:[;:]|\bbut\b|\band\b(?=\s+(?:the|a|an|[A-Z]))|,\s*(?:and|while|which))"
)
_ADVERBIAL = re.compile(
    r"^(?:(?:In|At|During|After|Before|Since|On|By|Even though|Although|Though|While|As|When|"
    r"Despite|Besides|Amid|Meanwhile|However|But|And|Later|Earlier|Yesterday|Today|Then|Now|"
    r"Also|Still|Separately|Instead|Nevertheless)\b[^,]{0,80},\s*|(?:But|And|Meanwhile|However|"
    r"Also|Still|Instead|Yesterday|Today)\s+)"
)
_QUOTES = '“”"„«»'
_HOW = {"many", "much", "long", "often", "far", "soon", "badly", "serious", "large", "big"}
_SUBJECT_START = (
    r"(?:(?:the|a|an|its|their|his|her|this|these|those|he|she|it|they|we|any|some|all|each)\b|"
    r"[A-Z0-9])"
)


def _cut_clause(text: str, max_words: int = 18) -> str | None:
    """The clause that starts `text`, up to its first boundary; None when too long to keep whole."""
    m = _CLAUSE_END.search(text)
    if m and any(q in m.group() for q in _QUOTES):
        return None  # the clause runs into a quote: not ours to rephrase
    clause = text[: m.start()] if m else text
    clause = clause.strip()
    clause = clause.rstrip(".")
    if re.search(r"\b[A-Z]\.[A-Z]$", clause):
        clause += "."  # "the U.S."
    if not clause or len(clause.split()) > max_words or any(q in clause for q in _QUOTES):
        return None
    return clause


def _lower_first(phrase: str) -> str:
    first, _, rest = phrase.partition(" ")
    if first in ("The", "A", "An", "Its", "Their", "His", "Her", "Both", "Some", "All"):
        return (first.lower() + " " + rest).strip()
    return phrase


# A question that ends on one of these lost its object ("What is the cause of which?").
_DANGLING = frozenset("which that whose the a an and or but".split())
_QUESTION_HEAD = re.compile(
    r"^(Will|Is it known whether|Is|Are|Was|Were|Did|Does|Do|Has|Have|"
    r"How|What|Who|When|Where|Why|Which) (\w+)"
)


def _tidy_question(question: str) -> str | None:
    """One spacing, a capital first letter, a sentence-opening word lowered after the
    question word ("Will Next year's ..." -> "Will next year's ..."); None when it dangles."""
    q = " ".join(question.split())
    if not q:
        return None
    q = q[0].upper() + q[1:]
    words = re.findall(r"[\w’']+", q)
    if not words or words[-1].lower() in _DANGLING:
        return None
    head = _QUESTION_HEAD.match(q)
    if head and head.group(2) in NOT_NAMES and head.group(2) not in ("I",):
        q = q[: head.start(2)] + head.group(2).lower() + q[head.end(2) :]
    return q


class _Asker:
    """Open questions of one article, from its sentences, parties and speakers."""

    def __init__(
        self,
        text: str,
        sentences: list[Sentence],
        attributor: Attributor,
        parties_in: Callable[[int, int], list[tuple[int, int, str, str]]],
    ) -> None:
        self.text = text
        self.sentences = sentences
        self.att = attributor
        self.parties_in = parties_in

    # --- subjects ----------------------------------------------------------------------------

    def subject(self, si: int, cue_at: int) -> str | None:
        """Who or what the clause ending at `cue_at` is about, as a question can name it."""
        who = self._subject(si, cue_at)
        return self.named(who) if who else None

    def _subject(self, si: int, cue_at: int) -> str | None:
        s = self.sentences[si]
        seg_start = s.start
        seg = self.text[s.start : cue_at]
        lead = _ADVERBIAL.match(seg)
        while lead and lead.end() > 0:
            seg_start += lead.end()
            seg = seg[lead.end() :]
            lead = _ADVERBIAL.match(seg)
        first = self.parties_in(seg_start, seg_start + len(seg))
        rest = seg
        for a, b, _, _ in reversed(first):
            rest = rest[: a - seg_start] + " " + rest[b - seg_start :]
        if (
            first
            and not seg[: first[0][0] - seg_start].strip()
            and re.fullmatch(
                r"(?:[\s,\d]|\b(?:and|his|her|wife|husband|son|daughter|from|aged)\b|"
                r"\b[A-Z][\w.\-]*)*",
                rest,
            )
        ):
            # "Thomas Sam, 42, and his wife Manju Sam, 36, from Sydney,": the names of its kind.
            kind = first[0][3]
            names = [p for _, _, p, k in first if k == kind]
            return " and ".join(self.named(n) for n in list(dict.fromkeys(names))[:3])
        cuts = list(_SUBJECT_CUT.finditer(seg))
        if cuts:
            seg_start += cuts[-1].end()
            seg = seg[cuts[-1].end() :]
        # A reporting verb before the clause: "X said (that) S will ...": S is the subject.
        said = list(
            re.finditer(
                r"\b(?:said|says|stated|states|told \w+|warned|announced|added|believes|"
                r"believed|expects|expected|hopes|hoped|fears|feared)\s+(?:that\s+)?",
                seg,
            )
        )
        speaker = None
        if said:
            speaker_phrase = self.text[seg_start : seg_start + said[-1].start()].strip(" ,")
            speaker = self.att.resolve(seg_start, seg_start + said[-1].start())
            if re.fullmatch(r"[Tt]he (?:[a-z][\w\-]*\s+){1,3}[a-z][\w\-]*", speaker_phrase):
                speaker = None  # "the regional water authority": the phrase says it best
            if speaker is None and re.fullmatch(
                r"[Tt]he (?:[a-z][\w\-]*\s+){0,3}[a-z][\w\-]*", speaker_phrase
            ):
                speaker = _lower_first(speaker_phrase)
            seg_start += said[-1].end()
            seg = seg[said[-1].end() :]
        coord = re.match(r"\s*(.+?)\s+(?:" + _AUX + r")\b.*\band\s*$", seg)
        if coord:
            # "it was disappointed ... and was considering": the first verb's subject.
            seg = seg[: coord.end(1)]
        lead_ws = len(seg) - len(seg.lstrip())
        seg_start += lead_ws
        phrase = seg.strip().rstrip(",")
        if not phrase or any(q in phrase for q in _QUOTES):
            return None
        low = phrase.lower()
        if low in _PRONOUN_SUBJECTS:
            if said:
                # "X stated it would attack": X, when X is as plain as the pronoun wants.
                sp_kind = self.att.kind_of(speaker)
                if speaker and (sp_kind == "person") == (low in ("he", "she")):
                    return speaker
                if speaker and sp_kind is None and low in ("it", "they"):
                    return speaker
                return self._previous_subject(si) if low == "it" and not speaker else None
            if low in ("he", "she", "it", "they"):
                who = self.att.resolve(seg_start, seg_start + len(phrase))
                if who:
                    return who
                if low == "it":
                    return self._previous_subject(si)
            return None
        if re.fullmatch(r"[Tt]he [a-z]+", phrase):
            # "the group", "the company": the party the article means, when it is clear.
            who = self.att.resolve(seg_start, seg_start + len(phrase))
            if who:
                return who
        names = [p for a, b, p, _ in self.parties_in(seg_start, seg_start + len(phrase))]
        names = list(dict.fromkeys(names))
        words = phrase.split()
        if names and len(words) > 6:
            # "Thomas Sam, 42, and his wife Manju Sam, 36, from Sydney": the people named.
            if not self.parties_in(seg_start, seg_start + len(words[0]) + 1):
                return None
            return " and ".join(self.named(n) for n in names[:3])
        if len(words) > 8 or not (
            phrase[:1].isupper()
            or words[0].lower() in ("the", "a", "an", "its", "their", "his", "her", "both")
        ):
            return None
        if re.search(r"\b(?:" + _AUX + r")\b", low) or re.search(
            r"\b\w+ed\b", low.split(" ", 1)[-1]
        ):
            return None  # a verb in the phrase: not a plain noun phrase
        if words[-1].endswith(("’s", "'s")) or words[0].lower() in ("his", "her", "their", "its"):
            return None
        return _lower_first(phrase)

    def named(self, party: str) -> str:
        """A party as a question names it: "the Investigative Committee", "Microsoft"."""
        words = party.split()
        if (
            self.att.kind_of(party) in ("organization", "government", "media")
            and words[0] not in ("The", "the")
            and words[-1] in _ORG_WORDS
        ):
            return "the " + party
        return party

    def _previous_subject(self, si: int) -> str | None:
        """ "it" opening a clause: the definite subject of the sentence before, if plain."""
        if si == 0:
            return None
        prev = self.sentences[si - 1].text
        m = re.match(
            r"(The|This) ((?:[a-z][\w\-]*\s+){0,2}[a-z][\w\-]*) (?:is|was|has|had)\b", prev
        )
        if m and m.group(2).split()[-1] not in _PRONOUN_SUBJECTS:
            return "the " + m.group(2)
        return None

    # --- embedded clauses as questions -----------------------------------------------------------

    @staticmethod
    def embedded(wh: str, rest: str) -> str | None:
        """ "whether the talks will go ahead" -> "Will the talks go ahead?";
        "who fired the first shell" -> "Who fired the first shell?";
        "which devices it will work with" -> "Which devices will it work with?"."""
        clause = _cut_clause(rest, 16)
        if clause is None:
            return None
        wh = wh.lower()
        words = clause.split()
        verb = r"\w+ed" if wh in ("what", "which") else r"\w+(?:ed|s)"
        if wh in ("who", "what", "which") and re.match(
            r"(?:" + _AUX + r"|" + verb + r")\b", clause
        ):
            return f"{wh.capitalize()} {clause}?"  # the wh-word is the subject
        for k in (0, 1, 2) if wh not in ("whether", "if") else (0,):
            if k and not (wh in ("which", "what") or (wh == "how" and words[0] in _HOW)):
                break
            head, tail_words = words[:k], words[k:]
            m = re.match(r"(.{1,60}?)\s+(" + _AUX + r")\s+(.+)$", " ".join(tail_words))
            if not m or re.search(r"\b(?:" + _AUX + r")\b", m.group(1)):
                continue
            subj, aux, tail = m.groups()
            bare = wh in ("whether", "if") and len(subj.split()) <= 5  # "new reservoirs would"
            if not (bare or re.match(_SUBJECT_START, subj)):
                continue
            subj = _lower_first(subj)
            if wh in ("whether", "if"):
                return f"{aux.capitalize()} {subj} {tail}?"
            return f"{' '.join([wh.capitalize(), *head])} {aux} {subj} {tail}?"
        if wh == "how" and words[0] in ("many", "much"):
            return f"How {clause}?"
        if wh in ("whether", "if"):
            return f"Is it known whether {clause}?"
        return f"Is it known {wh} {clause}?"

    # --- the rules --------------------------------------------------------------------------

    def questions(self) -> list[OpenQuestion]:
        found: list[tuple[float, int, str, str, list[str]]] = []
        for si, s in enumerate(self.sentences):
            best = None
            for weight, name in _RANKED:
                for m in _RULES[name].finditer(s.text):
                    q = self.ask(name, m, si)
                    if q:
                        best = (weight, q)
                        break
                if best:
                    break
            if best:
                weight, (question, names) = best
                why = f"The article says: “{s.text.strip()}”"
                found.append((weight - 0.02 * si, si, question, why, names))
        found.sort(key=lambda x: (-x[0], x[1]))
        out: list[OpenQuestion] = []
        asked: set[str] = set()
        for _, _, question, why, names in found:
            key = question.lower()
            if key in asked:
                continue
            asked.add(key)
            out.append(OpenQuestion(question=question, why_open=why, parties=names))
            if len(out) >= _MAX_QUESTIONS:
                break
        return out

    def ask(self, name: str, m: re.Match[str], si: int) -> tuple[str, list[str]] | None:
        """The question rule `name` makes of its match `m` in sentence `si`, with its parties."""
        s = self.sentences[si]
        at = s.start + m.start()
        if self.att.in_quote(at) and name not in ("unknown_wh", "unknown_np", "unclaimed"):
            return None  # someone's words: a question only when they state an unknown
        q = getattr(self, "_" + name)(m, si, at)
        if q is None:
            return None
        q = _tidy_question(q)
        if q is None:
            return None
        names = list(dict.fromkeys(p for _, _, p, _ in self.parties_in(s.start, s.end)))
        about = [
            n
            for n in names
            if n.lower() in q.lower()
            or any(w.lower() in q.lower() for w in n.split() if len(w) > 3 and w[:1].isupper())
        ]
        return q, about

    def _unknown_wh(self, m: re.Match[str], si: int, at: int) -> str | None:
        return self.embedded(m.group("wh"), m.group("rest"))

    def _unknown_np(self, m: re.Match[str], si: int, at: int) -> str | None:
        np = m.group("np")
        if len(np.split()) > 8 or np.lower().split()[0] in _PRONOUN_SUBJECTS:
            return None
        if not re.match(r"(?:the|its|their|his|her)\s", np, re.I):
            return None
        verb = "was" if m.group("v") in ("was", "were") else "is"
        return f"What {verb} {_lower_first(np)}?"

    def _suspected(self, m: re.Match[str], si: int, at: int) -> str | None:
        return self._unclaimed(m, si, at)

    def _unclaimed(self, m: re.Match[str], si: int, at: int) -> str | None:
        act = m.group("act")
        return f"Who carried out the {act.lower()}?"

    def _comment(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        if who is None or not (who[:1].isupper() or self.att.kind_of(who[4:])):
            return None  # "the office" the article does not name: whose comment is it?
        plural = re.search(r"\b[a-z]+s$|\b(?:police|people|staff)$", who)
        does = "do" if plural or " and " in who else "does"
        topic = re.match(
            r"\s*(?:on|about|to)\s+((?:the|a|an|its|their|his|her)\s+[^,;.]{2,60})",
            m.group("after") or "",
        )
        if topic and _cut_clause(topic.group(1), 10):
            return f"What {does} {who} say about {_cut_clause(topic.group(1), 10)}?"
        return f"What {does} {who} say?"

    def _trial(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        charge = _cut_clause(
            re.split(r"\s+for\s+(?:the|a|an|his|her|their)\s", m.group("charge"))[0], 10
        )
        if who is None or charge is None:
            return None
        return f"Will {who} be found guilty of {charge}?"

    def _charged(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        charge = _cut_clause(m.group("charge"), 14)
        if who is None or charge is None:
            return None
        return f"Will {who} be convicted of {charge}?"

    def _accused(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        what = _cut_clause(m.group("what"), 12)
        if who is None or what is None:
            return None
        return f"Is it proven that {who} {m.group('v')} guilty of {what}?".replace(
            " has been guilty", " is guilty"
        ).replace(" have been guilty", " are guilty")

    def _sentence(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        if who is None:
            return None
        if m.group("face"):
            what = _cut_clause(m.group("what"), 10)
            return f"Will {who} face {what}?" if what else None
        return f"What sentence will {who} receive?"

    def _bail(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        if who is None or not (who[:1].isupper() or self.att.kind_of(who[4:])):
            return None
        return f"How will the case against {who} end?"

    def _future(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        vp = _cut_clause(m.group("vp"), 16)
        if who is None or vp is None:
            return None
        if not re.match(r"[a-z]", vp):
            return None
        when = "When will" if "yet" in m.group("cue") else "Will"
        return f"{when} {who} {vp}?"

    def _timed(self, m: re.Match[str], si: int, at: int) -> str | None:
        np = m.group("np").strip()
        when = _cut_clause(m.group("when"), 6)
        if when is None or len(np.split()) > 10 or np.lower() in _PRONOUN_SUBJECTS:
            return None
        if not re.match(r"(?:the|a|an|[a-z]+s)\b", np, re.I):
            return None
        if re.search(r"\b(?:" + _AUX + r")\b", np.lower()):
            return None
        how = "go ahead" if m.group("v").startswith("sched") else "come"
        return f"Will {_lower_first(np)} {how} {when} as {m.group('v')}?"

    def _effect(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        vp = _cut_clause(m.group("vp"), 14)
        if who is None or vp is None:
            return None
        return f"Will {who} {vp}?"

    def _investigation(self, m: re.Match[str], si: int, at: int) -> str | None:
        rest = m.group("rest") or ""
        wh = re.match(r"\s*(" + _WH + r")\s+(.+)$", rest)
        if wh:
            return self.embedded(wh.group(1), wh.group(2))
        obj = re.match(r"\s*(?:into|of)\s+((?:the|a|an|his|her|its|their)\s+.+)$", rest)
        if obj:
            what = _cut_clause(obj.group(1), 10)
            if what:
                return f"What will the investigation into {what} find?"
        return "What will the investigation find?"

    def _denied(self, m: re.Match[str], si: int, at: int) -> str | None:
        clause = _cut_clause(m.group("claim"), 16)
        if (
            clause is None
            or len(clause.split()) < 4
            or clause.split()[0].lower() in _PRONOUN_SUBJECTS
            or not re.search(r"\b(?:" + _AUX + r"|\w+ed)\b", clause)
        ):
            return None
        return f"Is it true that {clause}?"

    def _pending(self, m: re.Match[str], si: int, at: int) -> str | None:
        np = m.group("np")
        if len(np.split()) > 14 or any(q in np for q in _QUOTES):
            return None
        np = re.sub(r"^(?:A|An|a|an)\s", "the ", np)
        return f"How will {_lower_first(np)} end?"

    def _appeal(self, m: re.Match[str], si: int, at: int) -> str | None:
        who = self.subject(si, at)
        return f"Will {who} appeal?" if who else None

    def _uncertain(self, m: re.Match[str], si: int, at: int) -> str | None:
        np = _cut_clause(m.group("np"), 10)
        if np is None or np.split()[0].lower() in _PRONOUN_SUBJECTS:
            return None
        return f"How will {_lower_first(np)} turn out?"

    def _unless(self, m: re.Match[str], si: int, at: int) -> str | None:
        rest = _cut_clause(m.group("rest"), 8) if m.group("rest").strip() else ""
        if rest is None:
            return None
        noun = m.group("noun")
        det = "an" if noun[0] in "aeiou" else "a"
        return f"Will {det} {noun} be {m.group('pp')} {rest}?"

    def _omits(self, m: re.Match[str], si: int, at: int) -> str | None:
        np = _cut_clause(m.group("np"), 10)
        if np is None or np.split()[0].lower() in _PRONOUN_SUBJECTS:
            return None
        subj = _lower_first(m.group("subj"))
        return f"How would {np} change the results of {subj}?"

    def _said_future(self, m: re.Match[str], si: int, at: int) -> str | None:
        if re.match(r"not\b|be\s+able\b|also\b", m.group("vp")):
            return None
        at = self.sentences[si].start + m.start("mod")
        who = self.subject(si, at)
        vp = _cut_clause(m.group("vp"), 14)
        if who is None or vp is None or vp in ("be", "have", "do"):
            return None
        return f"Will {who} {vp}?"


_ACTS = (
    r"attacks?|bombings?|killings?|explosions?|blasts?|strikes?|assassinations?|hacks?|"
    r"arson|leaks?|shootings?|stabbings?|kidnappings?|abductions?|murders?|cyberattacks?|"
    r"poisonings?|sabotage"
)
_RULES: dict[str, re.Pattern[str]] = {
    # "it is not known whether", "officials have not said why", "it remains unclear how"
    "unknown_wh": re.compile(
        r"(?:\b(?:it|that)\s+(?:is|was|remains|remained)\s+(?:still\s+)?(?:not\s+(?:yet\s+)?"
        r"(?:known|clear|certain)|unclear|unknown|uncertain|to be seen)|\bit\s+is\s+"
        r"(?:not\s+yet\s+)?unclear|\b(?:unclear|unknown|not\s+known|not\s+clear)|"
        r"\b(?:has|have|had|did|does|do|would|could)\s+not\s+(?:yet\s+)?(?:say|said|disclose[d]?|"
        r"explain(?:ed)?|reveal(?:ed)?|specif(?:y|ied)|confirm(?:ed)?|determine[d]?|establish(?:ed)?)|"
        r"\b(?:declined|refused)\s+to\s+(?:say|disclose|explain|specify|confirm)|"
        r"\b(?:cannot|can\s*not|can't)\s+(?:yet\s+)?(?:say|determine|confirm|establish|tell))"
        r"\s+(?P<wh>" + _WH + r")\s+(?P<rest>(?:[^.;]|\.(?=[\w,]))+)",
        re.I,
    ),
    # "the cause of the fire is unknown"
    "unknown_np": re.compile(
        r"(?P<np>(?:[Tt]he|[Ii]ts|[Tt]heir|[Hh]is|[Hh]er)\s+[^,;.]{2,60}?)\s+(?P<v>is|are|was|"
        r"were|remains?|remained)\s+(?:still\s+|as\s+yet\s+)?(?:unknown|unclear|not\s+(?:yet\s+)?"
        r"known|undetermined|unconfirmed)\b"
    ),
    # "no group has claimed responsibility for the bombing"
    "unclaimed": re.compile(
        r"\b(?:[Nn]o\s+(?:one|group|organi[sz]ation)|[Nn]obody)\s+(?:has|have|had)\s+(?:yet\s+)?"
        r"claimed\s+(?:responsibility|credit)\s+for\s+(?:the|this|that|these|those|its|their)\s+"
        r"(?:[\w\-]+\s+){0,2}?(?P<act>" + _ACTS + r")\b"
    ),
    # "this latest suspected Ukrainian attack": who did it is only suspected.
    "suspected": re.compile(
        r"\b(?:suspected|alleged|presumed|apparent)\s+(?:[\w\-]+\s+){0,2}?(?P<act>" + _ACTS + r")\b"
    ),
    "comment": re.compile(
        r"\b(?:(?:declined|refused)\s+(?:to\s+comment|comment)|did\s+not\s+(?:immediately\s+)?"
        r"(?:respond|reply|return)|(?:has|have|had)\s+not\s+(?:yet\s+)?(?:commented|responded)|"
        r"could\s+not\s+(?:immediately\s+)?be\s+reached|(?:was|were)\s+not\s+(?:immediately\s+)?"
        r"available\s+for\s+comment)\b(?P<after>(?:[^.;]|\.(?=[\w,]))*)"
    ),
    # "are undergoing trial for manslaughter", "is on trial for fraud"
    "trial": re.compile(
        r"\b(?:is|are|was|were|has\s+been|have\s+been)\s+(?:now\s+|still\s+|currently\s+)?"
        r"(?:undergoing|on|facing|awaiting|standing)\s+(?:a\s+)?trial\s+(?:for|over|on\s+charges?"
        r"\s+of)\s+(?P<charge>(?:[^.;,]|\.(?=\w))+)"
    ),
    "charged": re.compile(
        r"\b(?:is|are|was|were|has\s+been|have\s+been|had\s+been)\s+(?:also\s+|formally\s+)?"
        r"charged\s+with\s+(?P<charge>(?:[^.;]|\.(?=[\w,]))+)"
    ),
    "sentence": re.compile(
        r"\b(?:(?:will|is\s+due\s+to|is\s+expected\s+to|are\s+due\s+to|are\s+expected\s+to)\s+be\s+"
        r"sentenced|(?P<face>could|may|might|would)\s+face\s+(?P<what>(?:up\s+to\s+)?(?:[^.;]|\.(?=[\w,]))+))"
    ),
    "bail": re.compile(
        r"\b(?:was|were|has\s+been|have\s+been|is|are)\s+(?:later\s+|since\s+)?"
        r"(?:released\s+on\s+(?:[\w$.,]+\s+)?bail|out\s+on\s+bail|remanded\s+in\s+custody)"
    ),
    "investigation": re.compile(
        r"\b(?:(?:an?|the)\s+(?:\w+\s+)?(?:investigation|inquiry|probe|review)\s+"
        r"(?:is|was|has\s+been)\s+(?:now\s+)?(?:under\s*way|ongoing|opened|launched)|"
        r"(?:investigation|inquiry|probe)\s+(?:would|will)\s+(?:examine|look\s+into|establish|"
        r"determine)|(?:is|are)\s+(?:still\s+)?(?:investigating|under\s+investigation)|"
        r"(?:investigation|inquiry|probe)\s+into)(?P<rest>(?:[^.;]|\.(?=[\w,]))*)"
    ),
    # "are expected to", "plans to", "has yet to", "vowed to"
    "future": re.compile(
        r"\b(?P<cue>(?:is|are|was|were)\s+(?:still\s+|now\s+|also\s+|widely\s+)?(?:expected|"
        r"scheduled|due|set|likely|poised|planning|preparing)|plans|planned|intends|intended|"
        r"(?:has|have)\s+(?:still\s+)?yet|vowed|pledged|threatened|(?:is|are)\s+considering\s+"
        r"whether)\s+to\s+(?P<vp>[a-z](?:[^.;]|\.(?=[\w,]))+)"
    ),
    # "laws ... expected next month", "the runoff is scheduled for 14 May"
    "timed": re.compile(
        r"(?:^|,\s+with\s+|\bwith\s+)(?P<np>(?:[Tt]he\s+)?[\w\-]+(?:\s+[\w\-]+){0,9}?)\s+"
        r"(?:(?:is|are)\s+)?(?P<v>expected|due|scheduled)\s+(?P<when>(?:next|later|by|on|in|for|"
        r"within|before)\s+[^,.;]+)"
    ),
    "pending": re.compile(
        r"(?P<np>(?:[Aa]|[Aa]n|[Tt]he)\s+[^,;.“”\"]{2,100}?)\s+(?:is|are|remains?)\s+(?:still\s+)?"
        r"(?:pending|unresolved|undecided|under\s+review)\b"
    ),
    "appeal": re.compile(
        r"\b(?:(?:is|are|was|were)\s+(?:still\s+)?considering\s+(?:an\s+)?appeal|"
        r"(?:would|will|may|might)\s+(?:also\s+)?consider\s+appealing|"
        r"(?:plans?|planned|intends?|intended)\s+to\s+appeal)\b"
    ),
    "uncertain": re.compile(
        r"\buncertain(?:ty)?\s+(?:of|about|over|surrounding|as\s+to)\s+(?P<np>(?:[^.;]|\.(?=[\w,]))+)"
    ),
    # "South Korea says the broadcasts will continue": a future someone announces.
    "said_future": re.compile(
        r"\b(?:said|says|stated|states|warned|warns|announced|threatened|promised|vowed|pledged)"
        r"\s+(?:that\s+)?[^.;“”\"]{1,60}?\s(?P<mod>will|would)\s+(?P<vp>[a-z](?:[^.;]|\.(?=[\w,]))+)"
    ),
    # "If no deal is reached by then, ...": whether it will be is open.
    "unless": re.compile(
        r"\b[Ii]f\s+no\s+(?P<noun>[a-z]+)\s+(?:is|was)\s+(?P<pp>reached|agreed|found|signed|made|"
        r"struck|approved|passed)\b(?P<rest>[^,.;]*)"
    ),
    # "The model does not include the effect of rising carbon dioxide concentration": what a
    # study, count or forecast leaves out.
    "omits": re.compile(
        r"\b(?P<subj>[Tt]he\s+(?:model|study|analysis|estimates?|figures?|report|survey|count|"
        r"data|projections?|forecasts?|research|findings|tally))\s+(?:does|did|do)\s+not\s+"
        r"(?:include|account\s+for|consider|cover|take\s+into\s+account|reflect)\s+"
        r"(?P<np>(?:[^.;]|\.(?=[\w,]))+)"
    ),
    "effect": re.compile(
        r"\b(?:could|may|might)\s+(?P<vp>(?:impact|complicate|affect|delay|derail|threaten|slow|"
        r"change|lead\s+to|result\s+in|jeopardi[sz]e|undermine|worsen|escalate|trigger|spark|"
        r"fall|collapse|fail|end|rise|spread|force)\b(?:[^.;]|\.(?=[\w,]))*)"
    ),
    "denied": re.compile(
        r"\b(?:denied|denies|deny|disputed|disputes|dispute|rejected|rejects|reject)\s+"
        r"(?:the\s+)?(?:(?:claims?|allegations?|accusations?|reports?|suggestions?)\s+)?that\s+"
        r"(?P<claim>(?:[^.;]|\.(?=[\w,]))+)"
    ),
    "accused": re.compile(
        r"\b(?P<v>is|are|was|were|has\s+been|have\s+been)\s+(?:also\s+)?accused\s+of\s+"
        r"(?P<what>(?:[^.;]|\.(?=[\w,]))+)"
    ),
}
# Weights: what the article says is unknown or pending in court first, then plans, then what
# may follow.
_RANKED: list[tuple[float, str]] = [
    (5.0, "unclaimed"),
    (4.9, "suspected"),
    (5.0, "unknown_wh"),
    (4.8, "trial"),
    (4.6, "sentence"),
    (4.5, "charged"),
    (4.4, "pending"),
    (4.3, "appeal"),
    (4.2, "unknown_np"),
    (4.0, "investigation"),
    (4.0, "comment"),
    (3.6, "bail"),
    (3.5, "denied"),
    (3.4, "accused"),
    (3.2, "future"),
    (3.3, "unless"),
    (3.1, "omits"),
    (3.0, "uncertain"),
    (2.8, "timed"),
    (2.6, "said_future"),
    (2.5, "effect"),
]


def open_questions(
    text: str,
    sentences: list[Sentence],
    attributor: Attributor,
    parties_in: Callable[[int, int], list[tuple[int, int, str, str]]],
) -> list[OpenQuestion]:
    """What the article leaves open, as at most five questions, the most certain first.

    `parties_in(start, end)` gives the (start, end, party) mentions of listed parties there.
    """
    return _Asker(text, sentences, attributor, parties_in).questions()


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[^\W\d_]{4,}", text.lower()) if w not in _STOPWORDS["en"]]
