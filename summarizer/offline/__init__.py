"""The offline engine: the same schema, filled by rules, with no network and no model.

It is what `summarizer brief` uses when no LLM is configured, and the baseline every LLM brief
is compared against. Every quote it gives is a verbatim sentence (or clause) of the article, so
its briefs are grounded by construction; what it cannot do is paraphrase or judge.

- parties (`parties.py`): capitalised runs split on possessives, dashes and "of the", classified by
  general English cues (titles, role nouns, organisation suffixes, "the company X", countries,
  acronyms defined in brackets); a person needs evidence (a title, a role, speech, a surname
  used alone). Optional spaCy NER with `set_ner("spacy")`; rules are the default.
- who said what (`summarizer.brief.attribution`, shared with the guard and the eval): quotes,
  reported speech, "according to", outlets, unnamed sources and hedges, with speakers resolved
  through names, aliases, titles, group nouns and pronouns. An unclear speaker is unknown: the
  fact gets no attribution and no position is made.
- key facts (`facts.py`): the highest-ranked sentences (lead position, named parties, numbers,
  words the article repeats); a sentence with a hedge or source cue is never `confirmed`.
- open questions: what the article marks as unknown, unconfirmed, uncommented, suspected,
  under investigation or possible ("could complicate").
"""

from summarizer.offline.engine import OFFLINE_VERSION, brief_offline
from summarizer.offline.parties import find_parties
from summarizer.offline.sentences import split_sentences

__all__ = ["OFFLINE_VERSION", "brief_offline", "find_parties", "split_sentences"]
