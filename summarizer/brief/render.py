"""Render a brief for people: Markdown, one self-contained HTML page, or a terminal view.

The article is untrusted text, and so is everything a model wrote about it: every string is
escaped for its medium (HTML entities, Markdown's active characters at line starts, Markdown
links other than http(s)), and bidirectional control characters are taken out of every output.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from summarizer.brief.models import Brief

STATUS_LABEL = {
    "confirmed": "confirmed",
    "claimed": "claimed",
    "reported": "reported",
    "disputed": "disputed",
}


# Bidirectional controls: they make text display in an order other than the one it is stored in
# ("Trojan Source"), so a name can read as something else. Taken out of every output.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_BIDI = str.maketrans("", "", BIDI_CONTROLS)
_SAFE_SCHEMES = ("http://", "https://")
# `](` opens a link's destination (inline links and images); what follows decides if it is safe.
_LINK_OPEN = re.compile(r"\]\(\s*(?:&lt;)?([^)\s]*)")


def strip_bidi(text: str) -> str:
    """`text` without bidirectional control characters (U+202A-E, U+2066-9, U+200E/F, U+061C)."""
    return text.translate(_BIDI)


def _inert_links(text: str) -> str:
    """Break every Markdown link or image whose destination is not http(s): `\\](` cannot close
    a link text, so `[x](javascript:alert(1))` shows as text. http(s) links stay links."""

    def fix(m: re.Match[str]) -> str:
        if m.group(1).lower().startswith(_SAFE_SCHEMES):
            return m.group(0)
        return "\\" + m.group(0)

    return _LINK_OPEN.sub(fix, text)


_LIST_MARKER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def _md(text: str) -> str:
    """One line of untrusted text made inert in Markdown (no headings, lists, raw HTML, or links
    other than http(s))."""
    text = " ".join(strip_bidi(str(text)).split())
    # Backslashes first: the text's own are shown as typed and can never undo an escape below.
    text = text.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;")
    text = _inert_links(text)
    if text and text[0] in "#>-+*|[":
        text = "\\" + text
    # An ordered-list marker is digits then '.' or ')' and a space; escaping the digit would show
    # a stray backslash ('\2004 ...'), so the '.' or ')' is escaped instead ('2004\. ...').
    return _LIST_MARKER.sub(r"\1\\\2", text, count=1)


def md_link(text: str, url: str | None) -> str:
    """A Markdown link to `url` when it is http(s), else just the (inert) text."""
    label = _md(str(text).replace("[", "&#91;").replace("]", "&#93;"))
    if not url or not url.strip().lower().startswith(_SAFE_SCHEMES):
        return label
    target = strip_bidi(url.strip()).replace(" ", "%20").replace("(", "%28").replace(")", "%29")
    return f"[{label}]({target.replace('<', '%3C').replace('>', '%3E')})"


def _footer(brief: Brief) -> list[str]:
    m = brief.meta
    who = "offline engine" if m.engine == "offline" else f"model {m.model}"
    cost = f"${m.cost_usd:.4f}" if m.cost_usd is not None else "cost unknown"
    line = (
        f"{who} · prompt {m.prompt_version} · schema v{m.schema_version} · "
        f"{m.usage.total_tokens:,} tokens · {cost} · {m.attempts} call(s)"
    )
    if m.chunks > 1:
        line += f" · {m.chunks} parts"
    out = [line]
    if m.source and (m.source.url or m.source.path):
        out.append(f"source: {m.source.url or m.source.path}")
    if m.dropped:
        out.append(f"dropped as ungrounded: {len(m.dropped)} item(s)")
    out.extend(f"warning: {w}" for w in m.warnings)
    return out


def brief_markdown(brief: Brief) -> str:
    """The brief as Markdown: facts with their quotes, parties, positions, open questions."""
    out = [f"# {_md(brief.title)}", "", _md(brief.summary), ""]
    if brief.key_facts:
        out += ["## Key facts", ""]
        for fact in brief.key_facts:
            who = f" — {_md(fact.attribution)}" if fact.attribution else ""
            if fact.evidence == [fact.statement]:
                # The statement is its own quote (the offline engine's facts): say it once.
                out.append(f"- “{_md(fact.statement)}” _({fact.status}{who})_")
                continue
            out.append(f"- **{_md(fact.statement)}** _({fact.status}{who})_")
            out += [f"  > {_md(q)}" for q in fact.evidence]
        out.append("")
    if brief.parties:
        out += ["## Parties", "", "| name | kind | role | also called |", "|---|---|---|---|"]
        for p in brief.parties:
            cells = [p.name, p.kind, p.role, ", ".join(p.aliases)]
            out.append("| " + " | ".join(_md(c).replace("|", "\\|") for c in cells) + " |")
        out.append("")
    if brief.positions:
        out += ["## Positions", ""]
        for party in dict.fromkeys(p.party for p in brief.positions):
            out.append(f"### {_md(party)}")
            for pos in (p for p in brief.positions if p.party == party):
                topic = f" _({_md(pos.topic)})_" if pos.topic else ""
                out.append(f"- {_md(pos.stance)}{topic}")
                out += [f"  > {_md(q)}" for q in pos.evidence]
            out.append("")
    if brief.open_questions:
        out += ["## Open questions", ""]
        for q in brief.open_questions:
            parties = f" ({', '.join(_md(p) for p in q.parties)})" if q.parties else ""
            out.append(f"- **{_md(q.question)}**{parties} — {_md(q.why_open)}")
        out.append("")
    out += ["---", *(f"_{_md(line)}_  " for line in _footer(brief))]
    return strip_bidi("\n".join(out).rstrip() + "\n")


_CSS = """
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;
background:#f6f7f9;color:#1d2330}
main{max-width:860px;margin:0 auto;padding:32px 24px 48px;background:#fff;min-height:100vh}
h1{font-size:1.7em;line-height:1.25;margin:.2em 0 .5em}
h2{font-size:1.15em;text-transform:uppercase;letter-spacing:.06em;color:#4a5568;margin-top:2em;
border-bottom:1px solid #e2e8f0;padding-bottom:.3em}
.summary{font-size:1.1em;color:#2d3748}
.fact,.position{margin:1em 0;padding:.6em .9em;border-left:4px solid #cbd5e0;background:#fafbfc}
.fact.confirmed{border-color:#38a169}.fact.claimed{border-color:#d69e2e}
.fact.reported{border-color:#3182ce}.fact.disputed{border-color:#e53e3e}
.badge{display:inline-block;font-size:.75em;font-weight:600;padding:.05em .5em;border-radius:9px;
margin-right:.4em;color:#fff;background:#718096;vertical-align:.1em}
.badge.confirmed{background:#38a169}.badge.claimed{background:#b7791f}
.badge.reported{background:#3182ce}.badge.disputed{background:#e53e3e}
.who{color:#4a5568;font-size:.9em}
blockquote{margin:.4em 0 0;padding:.2em .8em;border-left:2px solid #a0aec0;color:#4a5568;
font-style:italic;font-size:.95em}
table{border-collapse:collapse;width:100%;font-size:.93em}
th,td{text-align:left;padding:.35em .6em;border-bottom:1px solid #edf2f7;vertical-align:top}
th{color:#4a5568;font-weight:600}
.kind{font-size:.8em;color:#718096}
.party{font-weight:600;margin-top:1.2em}
.q{margin:.8em 0}.q .why{color:#4a5568;font-size:.93em}
footer{margin-top:2.5em;color:#718096;font-size:.85em;border-top:1px solid #e2e8f0;padding-top:.8em}
"""


def brief_html(brief: Brief) -> str:
    """The brief as one self-contained HTML page (inline CSS, no scripts, nothing fetched)."""
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{e(brief.title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{e(brief.title)}</h1>",
        f'<p class="summary">{e(brief.summary)}</p>',
    ]
    if brief.key_facts:
        parts.append("<h2>Key facts</h2>")
        for fact in brief.key_facts:
            who = f' <span class="who">— {e(fact.attribution)}</span>' if fact.attribution else ""
            quotes = "".join(f"<blockquote>{e(q)}</blockquote>" for q in fact.evidence)
            parts.append(
                f'<div class="fact {e(fact.status)}"><span class="badge {e(fact.status)}">'
                f"{e(fact.status)}</span>{e(fact.statement)}{who}{quotes}</div>"
            )
    if brief.parties:
        rows = "".join(
            f"<tr><td>{e(p.name)}</td><td class=kind>{e(p.kind)}</td><td>{e(p.role)}</td>"
            f"<td>{e(', '.join(p.aliases))}</td></tr>"
            for p in brief.parties
        )
        parts.append(
            "<h2>Parties</h2><table><tr><th>Name</th><th>Kind</th><th>Role</th>"
            f"<th>Also called</th></tr>{rows}</table>"
        )
    if brief.positions:
        parts.append("<h2>Positions</h2>")
        for party in dict.fromkeys(p.party for p in brief.positions):
            parts.append(f'<div class="party">{e(party)}</div>')
            for pos in (p for p in brief.positions if p.party == party):
                topic = f' <span class="who">({e(pos.topic)})</span>' if pos.topic else ""
                quotes = "".join(f"<blockquote>{e(q)}</blockquote>" for q in pos.evidence)
                parts.append(f'<div class="position">{e(pos.stance)}{topic}{quotes}</div>')
    if brief.open_questions:
        parts.append("<h2>Open questions</h2>")
        for q in brief.open_questions:
            who = f' <span class="who">({e(", ".join(q.parties))})</span>' if q.parties else ""
            parts.append(
                f'<div class="q"><strong>{e(q.question)}</strong>{who}'
                f'<div class="why">{e(q.why_open)}</div></div>'
            )
    footer = "<br>".join(e(line) for line in _footer(brief))
    parts.append(f"<footer>{footer}</footer></main></body></html>")
    return strip_bidi("\n".join(parts) + "\n")


def brief_terminal(brief: Brief, *, color: bool) -> str:
    """The brief for a terminal: plain text, optionally coloured."""
    import textwrap

    import click

    def s(text: str, **style: object) -> str:
        return click.style(text, **style) if color else text  # type: ignore[arg-type]

    colors = {"confirmed": "green", "claimed": "yellow", "reported": "blue", "disputed": "red"}
    wrap = textwrap.TextWrapper(width=88, subsequent_indent="    ")
    quote = textwrap.TextWrapper(width=88, initial_indent="      “", subsequent_indent="       ")
    out = [s(brief.title, bold=True), "", textwrap.fill(brief.summary, 88), ""]
    if brief.key_facts:
        out.append(s("KEY FACTS", bold=True, underline=True))
        for f in brief.key_facts:
            who = f" — {f.attribution}" if f.attribution else ""
            badge = s(f"[{f.status}]", fg=colors[f.status])
            out.append(wrap.fill(f"  • {badge} {f.statement}{s(who, dim=True)}"))
            out += [s(quote.fill(q) + "”", dim=True) for q in f.evidence]
        out.append("")
    if brief.parties:
        out.append(s("PARTIES", bold=True, underline=True))
        for p in brief.parties:
            aka = f" (also: {', '.join(p.aliases)})" if p.aliases else ""
            out.append(wrap.fill(f"  • {s(p.name, bold=True)} [{p.kind}] {p.role}{aka}"))
        out.append("")
    if brief.positions:
        out.append(s("POSITIONS", bold=True, underline=True))
        for pos in brief.positions:
            out.append(wrap.fill(f"  • {s(pos.party, bold=True)}: {pos.stance}"))
            out += [s(quote.fill(q) + "”", dim=True) for q in pos.evidence]
        out.append("")
    if brief.open_questions:
        out.append(s("OPEN QUESTIONS", bold=True, underline=True))
        for q in brief.open_questions:
            out.append(wrap.fill(f"  • {q.question} — {s(q.why_open, dim=True)}"))
        out.append("")
    out += [s(line, dim=True) for line in _footer(brief)]
    return strip_bidi("\n".join(out) + "\n")
