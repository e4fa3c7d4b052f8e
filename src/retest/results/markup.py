"""Reply and claim text as safe HTML: Markdown rendered, never a reply's own HTML.

Replies are Markdown written by a model, so they are rendered — by
markdown-it-py with HTML parsing off, so a ``<script>`` or an ``onerror`` in a
reply stays text. Only ``http``/``https`` URLs become links (``javascript:``,
``data:`` and relative URLs stay inert text), every link gets
``rel="noopener noreferrer nofollow"``, images are not loaded (the page must
stay self-contained), and arXiv IDs in the text are linked and classed by their
citation verdict. The ``retest_verdicts`` block is taken out of the text: the
report shows it as a table.

markdown-it tries a link at every ``[``, scanning ahead up to 32 nested
parentheses each time: on bracket-heavy text (200 kB of ``[a](``) that made a
page 17 times dearer than prose of the same size, on the archive's writer
thread. A reply with more than ``MAX_BRACKETS`` brackets is rendered with
links left as text (escaped, like any text).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup

from ..extract import arxiv

STATUSES = ("holds", "revised", "overturned", "unresolved")
_RENDERER = 2  # made differently from before: change it, and every stored page is made again
MAX_BRACKETS = 5_000  # ``[`` in one reply past which its links stay text: real replies hold a few hundred
REL = "noopener noreferrer nofollow"
_MAYBE_ID = re.compile(r"\d{4}\.\d|\d{7}")  # every arXiv ID has one; most text has none
# what inline Markdown may render differently from plain text (no bare URL becomes a link: linkify is off; a lone
# ``~`` is text, ``~~`` strikes through)
_MARKDOWN = re.compile(r"[*_`\[\]<>&\\!|#\n]|~~")
_WEB = re.compile(r"https?://[^\s/?#]", re.I)
_LEADING = re.compile(r"(?:all\s+)?([a-z]+)")
_WORDS = {"hold": "holds", "holds": "holds", "revised": "revised", "overturned": "overturned",
          "unresolved": "unresolved"}


def safe_url(url) -> str | None:
    """The URL when it may become a link (http or https, no spaces), else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not _WEB.match(url) or any(c in url for c in ' \t\r\n"<>`'):
        return None
    return url


def kind_of(word: str | None) -> str:
    """The colour of a consensus word: its leading status (``holds (1 dissent)`` → holds), else neutral."""
    m = _LEADING.match((word or "").strip().lower())
    if m and m.group(1) in _WORDS:
        return _WORDS[m.group(1)]
    return "none"


def _mark_ids(text: str, cited: dict, in_link: bool) -> str:
    """Text, escaped, with each arXiv ID linked (or, inside a link, only classed) by its citation verdict."""
    if not _MAYBE_ID.search(text):
        return _escape(text)
    out, at = [], 0
    for ident in arxiv.find_all(text):
        out.append(_escape(text[at : ident.start]))
        c = cited.get(ident.id, {})
        verdict = c.get("verdict", "new")
        kind = "suspect" if c.get("suspect") or ident.problem else ("known" if verdict == "known" else "new")
        title = _escape(verdict + (f": {c['detail']}" if c.get("detail") else ""))
        written = _escape(text[ident.start : ident.end])
        if ident.problem or in_link:
            out.append(f'<mark class="cite {kind}" title="{title}">{written}</mark>')
        else:
            out.append(f'<a class="cite {kind}" href="https://arxiv.org/abs/{_escape(ident.id)}" title="{title}"'
                       f' rel="{REL}">{written}</a>')
        at = ident.end
    out.append(_escape(text[at:]))
    return "".join(out)


def _escape(text: str) -> str:
    """&, <, > and " escaped: enough for text and for double-quoted attributes."""
    from markdown_it.common.utils import escapeHtml

    return escapeHtml(text)


def _links(state) -> None:
    """Mark text inside links (one pass, so that no ID inside a link becomes a second link)."""
    for tok in state.tokens:
        if tok.type != "inline" or not tok.children:
            continue
        depth = 0
        for child in tok.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            elif child.type == "text" and depth > 0:
                child.meta = {**(child.meta or {}), "in_link": True}


@lru_cache(maxsize=2)
def _md(links: bool = True):
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.disable("image")  # ![x](url) stays a link at most: the page loads nothing
    if not links:
        md.disable(["link", "reference"])
    md.validateLink = lambda url: safe_url(url) is not None

    def text(self, tokens, idx, options, env):
        tok = tokens[idx]
        return _mark_ids(tok.content, env.get("cited", {}), bool(tok.meta and tok.meta.get("in_link")))

    def link_open(self, tokens, idx, options, env):
        tokens[idx].attrSet("rel", REL)
        return self.renderToken(tokens, idx, options, env)

    md.core.ruler.push("retest_links", _links)
    md.add_render_rule("text", text)
    md.add_render_rule("link_open", link_open)
    return md


def _without_block(text: str) -> str:
    """The reply's prose: a bare (unfenced) verdict block cut out; fenced ones are dropped as tokens."""
    from ..check.verdicts import KEY, _bare_object, _fenced_blocks

    if KEY not in text or any(KEY in b for b in _fenced_blocks(text)):
        return text
    bare = _bare_object(text)
    return text.replace(bare, "", 1) if bare else text


def reply_html(text: str, cited: dict | None = None) -> Markup:
    """A reply as HTML: Markdown rendered safely, arXiv IDs marked, the verdict block left out."""
    from ..check.verdicts import KEY

    text = _without_block(text or "")
    md, env = _md(text.count("[") <= MAX_BRACKETS), {"cited": cited or {}}
    tokens = md.parse(text, env)
    tokens = [t for t in tokens if not (t.type in ("fence", "code_block") and KEY in t.content)]
    return Markup(md.renderer.render(tokens, md.options, env))


def page_key(text: str, cited: dict) -> str:
    """What ``reply_html`` makes a page from: the renderer, the text, the citation verdicts it shows."""
    import hashlib
    import json

    from markdown_it import __version__

    shown = {k: [c.get("verdict"), c.get("detail"), bool(c.get("suspect"))] for k, c in sorted(cited.items())}
    made_from = json.dumps([_RENDERER, __version__, text, shown], ensure_ascii=False)
    return hashlib.sha256(made_from.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=4096)  # notes and claims recur across replies and pages
def inline_html(text: str | None) -> Markup:
    """A claim or a note: one line of Markdown (emphasis, code, links), nothing else."""
    if not text:
        return Markup("")
    if not _MARKDOWN.search(text):  # nothing to render: most claims and notes
        return Markup(_mark_ids(text, {}, False))
    md, env = _md(), {"cited": {}}
    return Markup(md.renderInline(text, env))
