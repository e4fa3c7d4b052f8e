"""A page's verdicts as HTML: the matrix's cells (a model's verdict on a claim, its note and evidence, a link to
the reply) and each reply's table of verdicts.

Built here with plain strings rather than in the template because a page has
a cell and a table row per claim and model — the template's hottest fragments,
where Jinja's per-expression machinery cost more than the rest of the page.
Every value is escaped (``markupsafe.escape``; a note is already safe HTML
from ``markup.inline_html``); only ``safe_url`` URLs become links; the markup
is what the template made before, byte for byte (``report.html.j2`` calls
``cell`` once per cell and ``verdict_table`` once per reply).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from markupsafe import Markup, escape

from .markup import REL

_BREAKS = re.compile(r"(?<=[/?&=#])")  # linear: one pass, a split after each such character
_BREAKS_AT = re.compile(r"[/?&=#]")

_UNSUPPORTED = ' <span class="flag">unsupported</span>'
_GROUNDED = ' <span class="grounded" title="grounded: the reply rests on sources it searched">⌕</span>'


def cell(c: dict | None, model: str) -> Markup:
    """One ``<td>`` of the matrix: a verdict (folded behind its gist when long), no verdict, or no reply."""
    label = f'<span class="model-label">{escape(model)}</span>'
    if not c:
        return Markup(f'<td class="cell none" data-status="none">{label}<span class="muted">—</span></td>\n')
    if not c.get("status"):
        rid = escape(c["reply_id"])
        return Markup(f'<td class="cell none" data-status="none">{label}<span class="muted">no verdict · '
                      f'<a href="#reply-{rid}">reply {rid}</a></span></td>\n')
    status = escape(c["status"])
    unsupported = c.get("supported") is False
    opening = f'<td class="cell {status}{" unsupported" if unsupported else ""}" data-status="{status}">\n'
    badge = f'<span class="status {status}">{status}</span>{_UNSUPPORTED if unsupported else ""}'
    if c["long"]:
        inner = (f'{label}<details><summary>{badge} {escape(c["gist"])}</summary>\n'
                 f'{_body(c)}</details>')
    else:
        inner = f'{label}\n{badge}{_GROUNDED if c.get("grounded") else ""}{_body(c)}'
    return Markup(f"{opening}{inner}</td>\n")


def _body(c: dict) -> str:
    """The note, the evidence (each item linked where it is a paper or a web address), the reply it is from."""
    out = []
    if c.get("note"):
        out.append(f'<div class="note">{c["note_html"]}</div>')
    if c["evidence_items"]:
        out.append('<ul class="evidence">\n')
        for ev in c["evidence_items"]:
            out.append(f"<li>{_evidence(ev)}")
            if ev["suspect"]:
                out.append(f' <span class="flag">{escape(ev["verdict"])}</span>')
            out.append("</li>\n")
        out.append("</ul>")
    else:
        out.append('<div class="muted">no evidence given</div>')
    rid = escape(c["reply_id"])
    at = f", {escape(c['at'][:10])}" if c.get("at") else ""
    out.append(f'<div class="ref"><a href="#reply-{rid}">reply {rid}</a>{at}</div>')
    return "".join(out)


def _evidence(ev: dict) -> str:
    if ev["id"]:
        ident = escape(ev["id"])
        kind = "suspect" if ev["suspect"] else "known"
        if ev["id"][:4] == "doi:":  # a DOI: its address percent-encoded, as Jinja's ``urlencode`` does
            return (f'<a class="cite {kind}" href="https://doi.org/{escape(quote(ev["id"][4:], safe="/"))}"'
                    f' rel="{REL}">{ident}</a>')
        return f'<a class="cite {kind}" href="https://arxiv.org/abs/{ident}" rel="{REL}">arXiv:{ident}</a>'
    if ev["url"]:
        return f'<a href="{escape(ev["url"])}" rel="{REL}">{breakable(ev["text"])}</a>'
    return str(escape(ev["text"]))


def verdict_table(verdicts: list[dict]) -> Markup:
    """A reply's verdicts, one row a claim (its number, status, evidence), each note in a row of its own below."""
    out = ['<table class="verdicts">\n<thead><tr><th title="claim">#</th><th>verdict</th><th>evidence</th></tr>'
           "</thead>\n<tbody>"]
    for v in verdicts:
        status = escape(v["status"])
        evidence = "<br>".join(breakable(e) for e in v["evidence"])
        out.append(f'<tr><td>{escape(v["index"])}</td><td><span class="status {status}">{status}</span>'
                   f'{_UNSUPPORTED if v.get("supported") is False else ""}</td><td>{evidence}</td></tr>\n')
        if v.get("note"):
            out.append(f'<tr class="vnote"><td></td><td colspan="2">{v["note_html"]}</td></tr>\n')
    out.append("</tbody></table>")
    return Markup("".join(out))


def breakable(text) -> Markup:
    """A URL (or any long token) with a chance to wrap after each ``/ ? & = #``: it breaks between its parts."""
    text = str(text)
    if not _BREAKS_AT.search(text):
        return escape(text)
    return Markup("<wbr>".join(str(escape(p)) for p in _BREAKS.split(text)))
