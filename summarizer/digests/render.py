"""Render a digest: Markdown, one self-contained HTML page, JSON (digest schema v3) or Atom."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from summarizer.brief.render import _md, md_link
from summarizer.digests.continuity import in_brief_item
from summarizer.digests.html import digest_html

if TYPE_CHECKING:
    from summarizer.brief.models import Digest, InBrief, SourceRef, Story


# New facts listed under an updated story's "Since the last digest" line.
NEW_FACTS_SHOWN = 3


def _name(s: SourceRef) -> str:
    """A source's short name: its outlet, else its domain, site or title."""
    return s.outlet or s.domain or s.site or s.title


def _source_names(story: Story) -> dict[str, str]:
    return {s.article_id: _name(s) for s in story.sources}


def _totals_line(d: Digest) -> str:
    t = d.totals
    cost = f"${t.get('cost_usd', 0):.4f}"
    return (
        f"{int(t.get('articles', 0))} articles: {int(t.get('briefed', 0))} briefed, "
        f"{int(t.get('cached', 0))} from cache, {int(t.get('failed', 0))} failed, "
        f"{int(t.get('skipped', 0))} skipped · {int(t.get('calls', 0))} model calls · "
        f"{int(t.get('tokens', 0)):,} tokens · {cost} · engine {d.engine}"
        + (f" ({d.model})" if d.model else "")
    )


def _changes_line(d: Digest) -> str:
    every = [s.change for s in d.stories] + [s.change for s in d.in_brief]
    counts = {c: every.count(c) for c in ("new", "updated", "unchanged")}
    shown = f"{len(d.stories)} on the front page" + (
        f", {len(d.in_brief)} in brief" if d.in_brief else ""
    )
    omitted = int(d.totals.get("unchanged_omitted", 0))
    if d.unchanged == "omit":
        counts["unchanged"] = omitted
    left_out = " (left out)" if d.unchanged == "omit" and omitted else ""
    return (
        f"{len(every) + (omitted if d.unchanged == 'omit' else 0)} stories: {counts['new']} new, "
        f"{counts['updated']} updated, {counts['unchanged']} unchanged since the last "
        f"digest{left_out}; {shown}"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def since_last_line(story: Story) -> str | None:
    """What is new in an updated story since the last digest, in one line."""
    c = story.since_last
    if story.change != "updated" or c is None:
        return None
    names = {s.article_id: s.label for s in story.sources}
    parts = []
    if c.new_sources:
        parts.append(
            _plural(len(c.new_sources), "new source")
            + ": "
            + "; ".join(names.get(a, a) for a in c.new_sources)
        )
    if c.new_facts:
        parts.append(_plural(len(c.new_facts), "new fact"))
    if c.new_disagreements:
        parts.append(
            _plural(len(c.new_disagreements), "new disagreement")
            + ": "
            + "; ".join(c.new_disagreements)
        )
    return "; ".join(parts)


def _meta_line(story: Story) -> str:
    n = story.outlet_count()
    known = any(s.outlet or s.domain for s in story.sources)
    count = _plural(len(story.sources), "source")
    if known:
        count = _plural(n, "outlet") + (f", {count}" if n != len(story.sources) else "")
    bits = [{"new": "New", "updated": "Updated", "unchanged": "Unchanged"}[story.change], count]
    if story.first_seen and story.change != "new":
        bits.append(f"first seen {story.first_seen:%Y-%m-%d}")
    if story.categories:
        bits.append(", ".join(story.categories))
    bits.append(f"id {story.id}")
    return " · ".join(bits)


def _one_line(item: InBrief) -> str:
    """A story in one line: title, what it is, its outlets."""
    bits: list[str] = [str(item.change)]
    if item.change == "unchanged" and item.last_updated:
        bits[0] += f" since {item.last_updated:%Y-%m-%d}"
    shown = "; ".join(item.outlets)
    if item.more_outlets:
        shown += f" and {item.more_outlets} more"
    bits.append(shown if item.outlets else _plural(item.source_count, "source"))
    if item.newest:
        bits.append(f"{item.newest:%Y-%m-%d}")
    return f"- **{_md(item.title)}** — {_md(' · '.join(bits))} <sub>id {item.id}</sub>"


def _source_line(s: SourceRef) -> str:
    """'Outlet (domain), date — [title](url)'; a source with no outlet or domain (a local file)
    is its title and date. A syndicated text adds who carried it: '· AP via 12 outlets: ...'."""
    # a link only to http(s): a feed's `javascript:` URL stays inert text
    link = md_link(s.title, s.url)
    carried = s.carried_line()
    via = f" · {_md(carried)}" if carried else ""
    if s.outlet or s.domain:
        return f"{_md(s.label)} — {link}{via}"
    day = (s.published or "")[:10]
    return link + (f" ({day})" if re.fullmatch(r"\d{4}-\d\d-\d\d", day) else "") + via


def _story_markdown(n: int, story: Story) -> list[str]:
    names = _source_names(story)
    out = [f"## {n}. {_md(story.title)}", "", f"_{_md(_meta_line(story))}_", ""]
    changed = since_last_line(story)
    if changed:
        out += [f"**Since the last digest:** {_md(changed)}", ""]
        facts = story.since_last.new_facts if story.since_last else []
        if facts:
            out += [f"- new: {_md(f)}" for f in facts[:NEW_FACTS_SHOWN]]
            if len(facts) > NEW_FACTS_SHOWN:
                out.append(f"- and {len(facts) - NEW_FACTS_SHOWN} more (under Facts)")
            out.append("")
    synthesis = getattr(story, "synthesis", None)  # set by summarizer.digests.synthesis
    if synthesis is not None:
        from summarizer.digests.synthesis import source_numbers, synthesis_markdown

        out += synthesis_markdown(synthesis, source_numbers(story))
        if out[-1] != "":
            out.append("")
    else:
        out += [_md(story.summary), ""]
    out.append("Sources:")
    out += [f"{i}. {_source_line(s)}" for i, s in enumerate(story.sources, 1)]
    out.append("")
    if story.facts:
        out += ["### Facts", ""]
        for f in story.facts:
            who = ", ".join(names.get(a, a) for a in f.sources)
            if f.evidence[0] == f.statement:
                # The statement is its own quote (offline briefs): say it once, quoted.
                out.append(f"- “{_md(f.statement)}” _({f.status}; {_md(who)})_")
                continue
            out.append(f"- {_md(f.statement)} _({f.status}; {_md(who)})_")
            out.append(f"  > {_md(f.evidence[0])}")
        out.append("")
    if story.disagreements:
        out += ["### Where sources disagree", ""]
        for dis in story.disagreements:
            out.append(f"- **{_md(dis.about)}** — {_md(dis.reason)}")
            out += [f"  - {_md(c)}" for c in dis.claims]
        out.append("")
    if story.positions:
        out += ["### Positions", ""]
        for p in story.positions:
            out.append(f"- **{_md(p.party)}**: " + " / ".join(_md(s) for s in p.stances))
        out.append("")
    if story.open_questions:
        out += ["### Open questions", "", *(f"- {_md(q)}" for q in story.open_questions), ""]
    out += [f"<sub>grouped because: {_md('; '.join(story.why_grouped))}</sub>", ""]
    return out


def digest_markdown(d: Digest) -> str:
    """The digest as Markdown: the front page (stories with something new first, by distinct
    outlets and recency), unchanged stories folded to one line (or in full, or left out: the
    digest's `unchanged` setting), then "In brief", one line per story past the cap."""
    out = [
        f"# Digest — {d.created_at:%Y-%m-%d %H:%M} UTC",
        "",
        f"_{_totals_line(d)}_",
        "",
        f"_{_changes_line(d)}_",
        "",
    ]
    folded = []
    n = 0
    for story in d.stories:
        if story.change == "unchanged" and d.unchanged == "fold":
            folded.append(story)
            continue
        n += 1
        out += _story_markdown(n, story)
    if folded:
        out += ["## Unchanged since the last digest", ""]
        out += [_one_line(in_brief_item(s)) for s in folded]
        out.append("")
    if d.in_brief:
        out += ["## In brief", ""]
        out += [_one_line(s) for s in d.in_brief]
        out.append("")
    if d.failed:
        out += ["## Sources that failed", ""]
        out += [f"- `{f.source}` ({f.status}): {_md(f.reason)}" for f in d.failed]
        out.append("")
    if d.warnings:
        out += ["## Warnings", "", *(f"- {_md(w)}" for w in d.warnings), ""]
    return "\n".join(out).rstrip() + "\n"


def render_digest(d: Digest, fmt: str) -> str:
    """Render in one of md, html, json, atom."""
    if fmt == "json":
        return d.model_dump_json(indent=2) + "\n"
    if fmt == "atom":
        from summarizer.digests.atom import digest_atom

        return digest_atom(d)
    if fmt == "html":
        return digest_html(d)
    return digest_markdown(d)
