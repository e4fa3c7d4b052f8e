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

import importlib
import re
from dataclasses import dataclass, field

from . import charset, email, frontmatter, headings, joins, notion, obsidian, pdf, textbrowser

# The wrappers few texts carry are imported when a text shows their first mark (start-up stays quick).
_HTML_OPENINGS = ("<!doctype html", "<html", "<head", "<meta", "<!-- saved from")
_CLOCK = re.compile(r":(?<=\d:)\d\d")  # a chat paste's times (opening on the colon: a fast literal scan)
# a directive or comment, a link, an adornment Markdown has not (literal alternatives: a fast scan)
_RST_MARKS = re.compile(r"\n\.\. |`_|~~~|\^\^\^|\+\+\+|\*\*\*|###|```|\"\"\"|'''|:::")
# One scan for the first marks of Org, LaTeX, reStructuredText and chat pastes together.
_RARE = re.compile(_RST_MARKS.pattern + r"|#\+|\n\* |\\|" + _CLOCK.pattern)
_GLYPHS = ("●", "\uf0b7", "\uf0a7")


def _wrapper(name: str):
    return importlib.import_module(f"{__name__}.{name}")


@dataclass(slots=True)
class Normalised:
    text: str
    title: str | None = None  # the title the wrapper gives (front matter, #+TITLE, \\title, a page title)
    languages: set[str] = field(default_factory=set)


def _rare(text: str, title: str | None) -> tuple[str, str | None]:
    """Org, LaTeX, reStructuredText and chat pastes taken off, where their marks are."""
    if "#+" in text or "\n* " in text or text.startswith("* "):
        text, org_title = _wrapper("org").convert(text)
        title = title or org_title
    if "\\" in text:
        text, tex_title = _wrapper("latex").convert(text)
        title = title or tex_title
    if text.startswith(".. ") or _RST_MARKS.search(text):
        text = _wrapper("rst").convert(text)
    if _CLOCK.search(text):
        text = _wrapper("chat").convert(text)
    return text, title


def normalise(text: str) -> Normalised:
    """``text`` (line ends already ``\\n``) in the plain layout."""
    if charset.special(text):  # one scan for what both steps look for
        text = pdf.characters(text)
        text = charset.convert(text)
    text, title = frontmatter.strip(text)
    if text.lstrip()[:200].lower().startswith(_HTML_OPENINGS):
        text, page_title = _wrapper("html").convert(text)
        title = title or page_title
    if text.startswith((".. ", "#+", "* ")) or _RARE.search(text):
        text, title = _rare(text, title)
    text = email.convert(text)
    text = textbrowser.convert(text)
    if "[" in text or any(g in text for g in _GLYPHS):
        text = _wrapper("wordexport").convert(text)
    text = obsidian.convert(text)
    text = notion.convert(text)
    text = pdf.unglue(text)
    paged = pdf.is_paged(text)
    text = pdf.convert(text) if paged else text
    wrap = joins.width(text)
    text = joins.split_ids(text)
    text = joins.hyphens(text)
    text, languages = headings.translate_lines(text)
    text = joins.reflow(text, headings.is_heading, wrap, paged)
    return Normalised(text, title, languages)
