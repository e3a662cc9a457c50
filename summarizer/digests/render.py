"""Render a digest: Markdown, one self-contained HTML page, or JSON (digest schema v1)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from summarizer.render import _CSS, _md, md_link

if TYPE_CHECKING:
    from summarizer.models import Digest, Story


def _source_names(story: Story) -> dict[str, str]:
    return {s.article_id: (s.site or s.title) for s in story.sources}


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


def digest_markdown(d: Digest) -> str:
    """The digest as Markdown, most important story first."""
    out = [f"# Digest — {d.created_at:%Y-%m-%d %H:%M} UTC", "", f"_{_totals_line(d)}_", ""]
    for n, story in enumerate(d.stories, 1):
        names = _source_names(story)
        out += [f"## {n}. {_md(story.title)}", "", _md(story.summary), ""]
        out.append(
            "Sources: "
            # a link only to http(s): a feed's `javascript:` URL stays inert text
            + "; ".join(md_link(s.title, s.url) for s in story.sources)
        )
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
    if d.failed:
        out += ["## Sources that failed", ""]
        out += [f"- `{f.source}` ({f.status}): {_md(f.reason)}" for f in d.failed]
        out.append("")
    if d.warnings:
        out += ["## Warnings", "", *(f"- {_md(w)}" for w in d.warnings), ""]
    return "\n".join(out).rstrip() + "\n"


def digest_html(d: Digest) -> str:
    """The digest as one self-contained HTML page (inline CSS, no scripts, nothing fetched)."""
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>Digest {d.created_at:%Y-%m-%d}</title><style>{_CSS}"
        ".story{margin-top:2.2em}.src{color:#4a5568;font-size:.88em}</style></head><body><main>",
        f"<h1>Digest — {d.created_at:%Y-%m-%d %H:%M} UTC</h1>",
        f'<p class="src">{e(_totals_line(d))}</p>',
    ]
    for n, story in enumerate(d.stories, 1):
        names = _source_names(story)
        srcs = "; ".join(e(s.title) for s in story.sources)
        parts.append(f'<section class="story"><h2>{n}. {e(story.title)}</h2>')
        parts.append(f'<p class="summary">{e(story.summary)}</p><p class="src">{srcs}</p>')
        for f in story.facts:
            who = ", ".join(names.get(a, a) for a in f.sources)
            parts.append(
                f'<div class="fact {e(f.status)}"><span class="badge {e(f.status)}">'
                f'{e(f.status)}</span>{e(f.statement)} <span class="who">— {e(who)}</span>'
                f"<blockquote>{e(f.evidence[0])}</blockquote></div>"
            )
        for dis in story.disagreements:
            claims = "".join(f"<blockquote>{e(c)}</blockquote>" for c in dis.claims)
            parts.append(
                f'<div class="fact disputed"><span class="badge disputed">disagree</span>'
                f"{e(dis.about)} <span class=who>({e(dis.reason)})</span>{claims}</div>"
            )
        for p in story.positions:
            parts.append(
                f'<div class="position"><strong>{e(p.party)}</strong>: '
                f"{e(' / '.join(p.stances))}</div>"
            )
        for q in story.open_questions:
            parts.append(f'<div class="q">? {e(q)}</div>')
        parts.append("</section>")
    if d.failed:
        items = "".join(f"<li>{e(f.source)}: {e(f.reason)}</li>" for f in d.failed)
        parts.append(f"<h2>Sources that failed</h2><ul>{items}</ul>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def render_digest(d: Digest, fmt: str) -> str:
    """Render in one of md, html, json."""
    if fmt == "json":
        return d.model_dump_json(indent=2) + "\n"
    if fmt == "html":
        return digest_html(d)
    return digest_markdown(d)
