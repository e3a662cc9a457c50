"""The offline engine: the same schema, filled by rules, with no network and no model.

It is what `summarizer brief` uses when no LLM is configured, and the baseline every LLM brief
is compared against. Every quote it gives is a verbatim sentence (or clause) of the article, so
its briefs are grounded by construction; what it cannot do is paraphrase or judge.

- parties: runs of capitalised words, split on possessives and dashes, with titles ("Lieutenant
  General", "President") and appositives ("Baza, a Telegram channel ...") giving kind and role;
  short forms (surnames) become aliases of the full name.
- key facts: the highest-ranked sentences (lead position, named parties, numbers, words the
  article repeats), with a status from their wording (reportedly / according to / said /
  confirmed / disputed) and the speaker as attribution.
- positions: reported speech ("X said", "said X", "according to X", "X criticized"), with the
  speaker found left of the verb after skipping parentheticals and leading clauses, pronouns
  resolved to the last person named, and quote-only sentences given to the previous speaker.
- open questions: what the article marks as unknown, unconfirmed, uncommented, suspected,
  under investigation or possible ("could complicate").
"""

from summarizer.offline.engine import OFFLINE_VERSION, brief_offline
from summarizer.offline.parties import find_parties
from summarizer.offline.sentences import split_sentences

__all__ = ["OFFLINE_VERSION", "brief_offline", "find_parties", "split_sentences"]
