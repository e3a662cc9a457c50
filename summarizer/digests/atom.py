"""The digest as an Atom feed (feedgen): one entry per story, a reader can subscribe to it.

Each entry's id is a tag: URI made from the story's id, which continuity keeps from digest to
digest, and its `updated` is when a digest last found something new in the story. So a feed
reader shows an updated story as the same entry changed (same id, new `updated`), never as a
duplicate, and an unchanged story as nothing new. Every story is an entry, the front page's and
the "In brief" ones (unless the digest left unchanged stories out); an "In brief" entry has the
story's summary and outlets, as the digest keeps no more of it (digest schema v3).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from summarizer.brief.models import InBrief

if TYPE_CHECKING:
    from summarizer.brief.models import Digest, Story

# tag: URIs (RFC 4151) need an authority and a date; both fixed so ids never change.
TAG_AUTHORITY = "summarizer.invalid,2026"
FEED_ID = f"tag:{TAG_AUTHORITY}:digest"


def entry_id(story_id: str) -> str:
    """The Atom entry id of a story: stable while the story keeps its id."""
    return f"tag:{TAG_AUTHORITY}:story/{story_id}"


def _aware(dt: datetime | None, default: datetime) -> datetime:
    if dt is None:
        return default
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _content(story: Story) -> str:
    """The entry's HTML: what changed, the summary, the facts and the sources (all escaped)."""
    from summarizer.digests.render import since_last_line

    e = html.escape
    parts = []
    changed = since_last_line(story)
    if changed:
        parts.append(f"<p><strong>Since the last digest:</strong> {e(changed)}</p>")
    synthesis = getattr(story, "synthesis", None)
    sentences = getattr(synthesis, "summary", None) or []
    if sentences:
        # The synthesis's summary, each sentence with its sources' numbers ([1] = first source).
        parts.append(
            "<p>"
            + " ".join(
                e(s.text) + " " + "".join(f"[{c.source}]" for c in s.citations) for s in sentences
            )
            + "</p>"
        )
    else:
        parts.append(f"<p>{e(story.summary)}</p>")
    if story.facts:
        items = "".join(f"<li>{e(f.statement)} ({e(f.status)})</li>" for f in story.facts[:8])
        parts.append(f"<ul>{items}</ul>")
    srcs = []
    for s in story.sources:
        label = e(s.label)
        carried = s.carried_line()
        via = f" ({e(carried)})" if carried else ""
        if s.url and s.url.lower().startswith(("http://", "https://")):
            srcs.append(f'<li>{label}: <a href="{e(s.url, quote=True)}">{e(s.title)}</a>{via}</li>')
        else:
            srcs.append(f"<li>{label}: {e(s.title)}{via}</li>")
    parts.append(f"<p>Sources:</p><ol>{''.join(srcs)}</ol>")
    return "".join(parts)


def _brief_content(item: InBrief) -> str:
    """An "In brief" story's entry: its summary and who carried it (the digest keeps no more of
    it; digest schema v3)."""
    e = html.escape
    who = ", ".join(item.outlets) + (f" and {item.more_outlets} more" if item.more_outlets else "")
    count = f"{item.source_count} source{'s' if item.source_count != 1 else ''}"
    return f"<p>{e(item.summary)}</p><p>{e(count)}" + (f": {e(who)}" if who else "") + "</p>"


def digest_atom(d: Digest, *, title: str = "Digest", link: str | None = None) -> str:
    """The digest as Atom XML (UTF-8 text)."""
    from feedgen.feed import FeedGenerator

    created = _aware(d.created_at, datetime.now(UTC))
    fg = FeedGenerator()
    fg.id(FEED_ID)
    fg.title(title)
    fg.link(href=link or "https://summarizer.invalid/digest", rel="self")
    fg.generator("summarizer")
    fg.subtitle(f"{len(d.stories) + len(d.in_brief)} stories, engine {d.engine}")
    fg.author(name="summarizer")
    every: list[Story | InBrief] = [*d.stories, *d.in_brief]
    # feedgen writes entries newest-added first: add the last story first.
    for story in reversed(every):
        updated = _aware(story.last_updated, created)
        fe = fg.add_entry()
        fe.id(entry_id(story.id))
        fe.title(story.title)
        fe.updated(updated)
        fe.published(_aware(story.first_seen, updated))
        if isinstance(story, InBrief):
            fe.content(_brief_content(story), type="html")
            url, names = story.url, story.outlets
        else:
            fe.content(_content(story), type="html")
            url = next(
                (
                    s.url
                    for s in story.sources
                    if s.url and s.url.lower().startswith(("http://", "https://"))
                ),
                None,
            )
            names = [n for n in dict.fromkeys(s.outlet or s.domain for s in story.sources) if n]
        fe.summary(story.summary)
        if url:
            fe.link(href=url, rel="alternate")
        for name in names:
            fe.author(name=name)
        for c in story.categories:
            fe.category(term=c)
    fg.updated(max((_aware(s.last_updated, created) for s in every), default=created))
    return fg.atom_str(pretty=True).decode("utf-8")
