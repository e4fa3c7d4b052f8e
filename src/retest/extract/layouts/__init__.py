"""Normalise first: the wrappers people put around an inquiring line, taken off.

Each module turns one wrapper into the plain layout the parser reads: full-width
punctuation and no-break spaces, YAML front matter, saved web pages (HTML),
Org-mode, LaTeX, reStructuredText, chat pastes, e-mail
headers/quoting/forwards/signatures, text-browser link numbers, word-processor
footnotes and comments, Obsidian callouts and wikilinks, Notion properties and
asides, PDF page furniture, words and IDs split across lines, hard-wrapped
paragraphs, and the section words of other languages (and their decoration and
synonyms). Each does nothing to a text without its marks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import (charset, chat, decoration, email, frontmatter, headings, html, joins, latex, notion, obsidian, org, pdf,
               rst, textbrowser, wordexport)


@dataclass(slots=True)
class Normalised:
    text: str
    title: str | None = None  # the front matter's title
    languages: set[str] = field(default_factory=set)


def normalise(text: str) -> Normalised:
    """``text`` (line ends already ``\\n``) in the plain layout."""
    text = pdf.characters(text)
    text = charset.convert(text)
    text, title = frontmatter.strip(text)
    if html.is_page(text):
        text, page_title = html.convert(text)
        title = title or page_title
    text, org_title = org.convert(text)
    title = title or org_title
    text, tex_title = latex.convert(text)
    title = title or tex_title
    text = rst.convert(text)
    text = chat.convert(text)
    text = email.convert(text)
    text = textbrowser.convert(text)
    text = wordexport.convert(text)
    text = obsidian.convert(text)
    text = notion.convert(text)
    text = pdf.unglue(text)
    paged = pdf.is_paged(text)
    text = pdf.convert(text) if paged else text
    wrap = joins.width(text)
    text = joins.split_ids(text)
    text = joins.hyphens(text)
    lines, languages = [], set()
    for line in text.split("\n"):
        line, language = headings.translate(line)
        lines.append(line)
        if language:
            languages.add(language)
    text = "\n".join(lines)
    text = joins.reflow(text, headings.is_heading, wrap, paged)
    return Normalised(text, title, languages)
