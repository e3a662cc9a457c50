"""The digest as one self-contained HTML page of story cards.

Each card: the headline, the outlets and dates, the summary with its citations ([1] links to the
card's numbered source list, the quote it rests on shown on hover), perspectives by outlet or
party with their quotes, a timeline, what to watch, where the sources disagree, and the sources.
Inline CSS only, no script, nothing fetched (a Content-Security-Policy says so); every text is
escaped and stripped of bidirectional controls, and a link is a link only to http(s).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from summarizer.brief.render import strip_bidi
from summarizer.digests.dates import as_date, describe
from summarizer.digests.synthesis import _quoted

if TYPE_CHECKING:
    from summarizer.brief.models import Citation, Digest, InBrief, SourceRef, Story, StorySynthesis

_SAFE_SCHEMES = ("http://", "https://")

CSS = """
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#eef1f5;color:#1d2330}
main{max-width:900px;margin:0 auto;padding:28px 20px 48px}
.top h1{font-size:1.8em;margin:.1em 0 .2em}
.totals{color:#5a6478;font-size:.85em;margin:0 0 1.4em}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(20,30,50,.12);
padding:20px 24px 16px;margin:0 0 22px;border-top:5px solid #3b6fd8}
.card.updated{border-top-color:#d98a1c}.card.unchanged{border-top-color:#a0aec0}
.card h2{font-size:1.35em;line-height:1.3;margin:.25em 0 .35em}
.meta{font-size:.82em;color:#5a6478;display:flex;flex-wrap:wrap;gap:.3em .8em;align-items:center}
.chg{font-weight:700;text-transform:uppercase;letter-spacing:.05em;font-size:.9em;
padding:.05em .55em;border-radius:8px;color:#fff;background:#3b6fd8}
.chg.updated{background:#d98a1c}.chg.unchanged{background:#8a94a6}
.outlet{background:#edf2fb;color:#2a4a8a;border-radius:8px;padding:.05em .5em}
.summary{font-size:1.05em;color:#232a38;margin:.6em 0 .4em}
a.cite{font-size:.72em;vertical-align:super;text-decoration:none;color:#3b6fd8;font-weight:600;
margin-left:1px}
.since{background:#fff7e6;border-left:4px solid #d98a1c;padding:.45em .8em;margin:.7em 0;
font-size:.92em}
h3{font-size:.78em;text-transform:uppercase;letter-spacing:.08em;color:#5a6478;
margin:1.2em 0 .45em}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:0 28px}
@media (max-width:700px){.cols{grid-template-columns:1fr}}
.persp{margin:.3em 0 .8em}.persp .who{font-weight:650}
.persp .kind{font-size:.72em;color:#5a6478;border:1px solid #cbd3df;border-radius:6px;
padding:0 .35em;margin-left:.35em;vertical-align:.1em}
blockquote{margin:.25em 0 0;padding:.15em .7em;border-left:3px solid #b8c4d6;color:#4a5568;
font-style:italic;font-size:.92em}
ol.tl{list-style:none;margin:0;padding:0 0 0 14px;border-left:2px solid #d5dce6}
ol.tl li{position:relative;margin:0 0 .7em;font-size:.93em}
ol.tl li:before{content:"";position:absolute;left:-20px;top:.45em;width:10px;height:10px;
border-radius:50%;background:#3b6fd8}
.when{display:block;font-size:.8em;font-weight:650;color:#2a4a8a}
.via{display:block;font-size:.82em;color:#5a6478}
.said{font-weight:400;color:#5a6478}
ul.watch{margin:0;padding-left:1.1em}ul.watch li{margin:.2em 0;font-size:.95em}
.dis{background:#fdf0f0;border-left:4px solid #d64545;padding:.4em .8em;margin:.4em 0;
font-size:.93em}
.dis ul{margin:.2em 0 0;padding-left:1.1em}
ol.srcs{margin:.2em 0 0;padding-left:1.4em;font-size:.86em;color:#3d4656}
ol.srcs li{margin:.15em 0}
.srcs .when{display:inline;font-weight:400;color:#5a6478}
.facts{margin:0;padding-left:1.1em;font-size:.95em}
.why{font-size:.78em;color:#7a8496;margin-top:1em}
.brief{background:#fff;border-radius:12px;padding:14px 24px;margin:0 0 22px}
.brief li{margin:.2em 0}
.fail{font-size:.9em;color:#5a6478}
"""


def e(text: object) -> str:
    """Untrusted text, escaped for HTML, without bidirectional controls."""
    return html.escape(strip_bidi(str(text)), quote=True)


def link(label: str, url: str | None) -> str:
    """A link to `url` when it is http(s); else the label as inert text."""
    if not url or not url.strip().lower().startswith(_SAFE_SCHEMES):
        return e(label)
    return f'<a href="{e(url.strip())}" rel="noopener noreferrer nofollow">{e(label)}</a>'


def _outlet(ref: SourceRef) -> str:
    return ref.outlet or ref.site or ref.domain or ref.title or ref.article_id


def _named(item: InBrief) -> str:
    """An in-brief story's outlets ('A, B and 3 more'), else its count of sources."""
    if not item.outlets:
        return f"{item.source_count} source{'s' if item.source_count != 1 else ''}"
    more = f" and {item.more_outlets} more" if item.more_outlets else ""
    return ", ".join(item.outlets) + more


def _day(ref: SourceRef) -> str:
    d = as_date(ref.published)
    return describe(d.isoformat()) if d else ""


def _cites(sid: str, cs: Sequence[Citation]) -> str:
    seen: dict[int, str] = {}
    for c in cs:
        seen.setdefault(c.source, c.quote)
    return "".join(
        f'<a class="cite" href="#{sid}-src{n}" title="{e(q)}">[{n}]</a>' for n, q in seen.items()
    )


def _synthesis(sid: str, s: StorySynthesis) -> list[str]:
    out: list[str] = []
    if s.summary:
        text = " ".join(f"{e(x.text)}{_cites(sid, x.citations)}" for x in s.summary)
        out.append(f'<p class="summary">{text}</p>')
    left: list[str] = []
    right: list[str] = []
    if s.perspectives:
        left.append("<h3>Perspectives</h3>")
        for p in s.perspectives:
            left.append(
                f'<div class="persp"><span class="who">{e(p.who)}</span>'
                f'<span class="kind">{e(p.kind)}</span> {e(p.view)}'
                f"<blockquote>{e(_quoted(p.citation.quote))}{_cites(sid, [p.citation])}"
                "</blockquote>"
                "</div>"
            )
    if s.timeline:
        right.append('<h3>Timeline</h3><ol class="tl">')
        for ev in s.timeline:
            said = f' <span class="said">({e(ev.said_as)})</span>' if ev.said_as else ""
            right.append(
                f'<li><span class="when">{e(describe(ev.date, ev.said_as))}{said}</span>'
                f"{e(ev.event)}{_cites(sid, ev.citations)}</li>"
            )
        right.append("</ol>")
    if s.watch:
        right.append('<h3>What to watch</h3><ul class="watch">')
        right += [f"<li>{e(w.text)}{_cites(sid, w.citations)}</li>" for w in s.watch]
        right.append("</ul>")
    if left and right:
        out.append(f'<div class="cols"><div>{"".join(left)}</div><div>{"".join(right)}</div></div>')
    else:
        out += left + right
    if s.disagreements:
        out.append("<h3>Where sources disagree</h3>")
        for d in s.disagreements:
            sides = "".join(f"<li>{e(x.claim)}{_cites(sid, [x.citation])}</li>" for x in d.sides)
            out.append(f'<div class="dis"><strong>{e(d.about)}</strong><ul>{sides}</ul></div>')
    return out


def _plain(story: Story) -> list[str]:
    """A story without a synthesis: its summary, facts and disagreements."""
    names = {s.article_id: _outlet(s) for s in story.sources}
    out = [f'<p class="summary">{e(story.summary)}</p>']
    if story.facts:
        out.append('<h3>Facts</h3><ul class="facts">')
        for f in story.facts[:6]:
            who = ", ".join(names.get(a, a) for a in f.sources)
            out.append(
                f"<li>{e(f.statement)} <span class=said>({e(f.status)}; {e(who)})</span></li>"
            )
        out.append("</ul>")
    if story.disagreements:
        out.append("<h3>Where sources disagree</h3>")
        for d in story.disagreements:
            claims = "".join(f"<li>{e(c)}</li>" for c in d.claims)
            out.append(
                f'<div class="dis"><strong>{e(d.about)}</strong> ({e(d.reason)})<ul>{claims}</ul>'
                "</div>"
            )
    return out


def _since_last(story: Story) -> str:
    from summarizer.digests.render import since_last_line

    line = since_last_line(story)
    if not line:
        return ""
    return f'<div class="since"><strong>Since the last digest:</strong> {e(line)}</div>'


def story_card(story: Story, n: int, *, folded: bool = False) -> str:
    """One story as a card (`folded`: an unchanged story, shown as its headline only)."""
    sid = f"story-{e(story.id)}"
    s = story.synthesis
    change = story.change
    headline = s.headline if s is not None and s.headline else story.title
    named = [
        o
        for ref in story.sources
        for o in [ref.outlet or ref.site or ref.domain]
        + [c.outlet or c.domain for c in ref.also_carried_by]
    ]
    outlets = list(dict.fromkeys(o for o in named if o))
    days = sorted({d for d in (as_date(ref.published) for ref in story.sources) if d})
    when = ""
    if days:
        when = describe(days[0].isoformat())
        if days[-1] != days[0]:
            when += " – " + describe(days[-1].isoformat())
    meta = [f'<span class="chg {e(change)}">{e(change)}</span>']
    n_src = len(story.sources)
    count = f"{n_src} source{'s' if n_src != 1 else ''}"
    if outlets:
        # Syndicated copies count: one wire text carried by twelve outlets is twelve outlets.
        n_out = story.outlet_count()
        count += f" · {n_out} outlet{'s' if n_out != 1 else ''}"
    meta.append(f"<span>{count}</span>")
    meta += [f'<span class="outlet">{e(o)}</span>' for o in outlets[:6]]
    if when:
        meta.append(f"<span>{e(when)}</span>")
    meta += [f"<span>#{e(c)}</span>" for c in story.categories[:4]]
    parts = [
        f'<article class="card {e(change)}" id="{sid}">',
        f'<div class="meta">{"".join(meta)}</div>',
        f"<h2>{n}. {e(headline)}</h2>",
    ]
    if folded:
        parts.append('<p class="why">Unchanged since the last digest.</p></article>')
        return "\n".join(parts)
    parts.append(_since_last(story))
    parts += _synthesis(sid, s) if s is not None else _plain(story)
    parts.append('<h3>Sources</h3><ol class="srcs">')
    for k, ref in enumerate(story.sources, 1):
        day = _day(ref)
        name = ref.outlet or ref.site or ref.domain
        who = f"<strong>{e(name)}</strong> — " if name else ""
        dated = f' <span class="when">· {e(day)}</span>' if day else ""
        carried = ref.carried_line()
        via = f'<span class="via">{e(carried)}</span>' if carried else ""
        parts.append(f'<li id="{sid}-src{k}">{who}{link(ref.title, ref.url)}{dated}{via}</li>')
    parts.append("</ol>")
    parts.append(f'<p class="why">Grouped because: {e("; ".join(story.why_grouped))}</p>')
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def digest_html(d: Digest) -> str:
    """The digest as one self-contained HTML page of story cards (inline CSS, no scripts,
    nothing fetched)."""
    from summarizer.digests.render import _totals_line

    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>Digest {d.created_at:%Y-%m-%d}</title><style>{CSS}</style></head><body><main>",
        f'<header class="top"><h1>Digest — {d.created_at:%Y-%m-%d %H:%M} UTC</h1>',
        f'<p class="totals">{e(_totals_line(d))}</p></header>',
    ]
    fold = d.unchanged == "fold"
    for n, story in enumerate(d.stories, 1):
        folded = fold and story.change == "unchanged"
        parts.append(story_card(story, n, folded=folded))
    in_brief = d.in_brief
    if in_brief:
        items = "".join(
            f'<li>{e(s.title)} <span class="said">({e(_named(s))})</span></li>' for s in in_brief
        )
        parts.append(f'<section class="brief"><h3>In brief</h3><ul>{items}</ul></section>')
    if d.failed:
        items = "".join(f"<li>{e(f.source)}: {e(f.reason)}</li>" for f in d.failed)
        parts.append(
            f'<section class="brief fail"><h3>Sources that failed</h3><ul>{items}</ul></section>'
        )
    if d.warnings:
        items = "".join(f"<li>{e(w)}</li>" for w in d.warnings)
        parts.append(f'<section class="brief fail"><h3>Warnings</h3><ul>{items}</ul></section>')
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
