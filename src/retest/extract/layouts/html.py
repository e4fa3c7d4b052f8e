"""A page saved from the browser (``.html``, "Save page as"): its text, with structure kept.

Read with the standard library's HTML parser, never with patterns: scripts,
styles, forms, navigation, page headers and footers are dropped; headings,
paragraphs, list items (``•`` or their number), ``<details>``/``<summary>`` and
line breaks become lines; a link to a paper keeps its target (``arXiv:ID``) when
its text does not name the paper already. Only a text that opens as an HTML page
is read this way (``layouts.normalise`` looks at the opening).
"""

from __future__ import annotations

from html.parser import HTMLParser

from .. import arxiv

_SKIP = frozenset("script style noscript template svg nav header footer form button iframe select head "
                  "canvas object audio video".split())
_BLOCK = frozenset("p div section article main h1 h2 h3 h4 h5 h6 ul ol li dl dt dd details summary blockquote pre "
                   "table tr figure figcaption hr address aside body html".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6 summary dt".split())
_VOID = frozenset("br hr img input meta link area base col embed source track wbr".split())
_GENERIC = frozenset("arxiv pdf abs paper link here html preprint source view".split())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.line: list[str] = []
        self.skip: list[str] = []  # open elements whose text is dropped
        self.lists: list[list] = []  # [kind, next number] of each open list
        self.link: tuple[str, int] | None = None  # href, where its text starts in ``line``
        self.pre = 0
        self.title: list[str] | None = None
        self.page_title = ""
        self.lead: int | None = None  # where a bold run opening a block starts (a note's title?)

    def flush(self) -> None:
        text = "".join(self.line)
        text = text if self.pre else " ".join(text.split())
        if text.strip():
            self.blocks.append(text.strip("\n"))
        self.line = []

    def handle_starttag(self, tag, attrs):
        if tag == "title" and not self.skip:
            self.title = []
        if tag in _SKIP or (self.skip and tag not in _VOID):
            if tag not in _VOID:
                self.skip.append(tag)
            return
        if tag == "br":
            if self.pre:
                self.line.append("\n")
            else:
                self.flush()
            return
        if tag in _BLOCK:
            self.flush()
        if tag in ("ul", "ol"):
            self.lists.append([tag, 1])
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 1]
            self.line.append("• " if kind[0] == "ul" else f"{kind[1]}. ")
            kind[1] += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "a":
            self.link = (dict(attrs).get("href") or "", len(self.line))
        elif tag in ("strong", "b") and "".join(self.line).strip() in ("", "•"):
            self.lead = len(self.line)
        if tag in _HEADINGS:
            self.blocks.append("")

    def handle_endtag(self, tag):
        if self.title is not None and tag == "title":
            self.page_title, self.title = " ".join("".join(self.title).split()), None
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            elif tag in self.skip:
                del self.skip[self.skip.index(tag):]
            return
        if tag == "a" and self.link is not None:
            self._close_link()
        if tag in ("strong", "b") and self.lead is not None:
            title = " ".join("".join(self.line[self.lead :]).split())
            self.lead = None
            if title.endswith("?"):  # ``<li><strong>Title?</strong> summary</li>``: the title on a line of its own
                self.line = [title]
                self.flush()
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag == "pre" and self.pre:
            self.pre -= 1
        if tag in _BLOCK:
            self.flush()
            if tag in _HEADINGS:
                self.blocks.append("")

    def _close_link(self) -> None:
        href, at = self.link
        self.link = None
        ids = arxiv.find(href)
        if not ids:
            return
        text = "".join(self.line[at:])
        if ids[0].id in arxiv.unique_ids(text):
            return
        ref = f"arXiv:{ids[0].versioned}"
        if text.strip().lower().strip(".:") in _GENERIC or not text.strip():
            self.line[at:] = [text[: len(text) - len(text.lstrip())], ref]
        else:
            self.line.append(f" ({ref})")

    def handle_data(self, data):
        if self.title is not None:
            self.title.append(data)
        if not self.skip:
            self.line.append(data)


def _without_comments(text: str) -> str:
    """Comments off with ``str.find`` (an unclosed one runs to the end, as in browsers): the standard
    parser rescans an unclosed comment at every later tag."""
    if "<!" not in text:
        return text
    out, at = [], 0
    while True:
        start = text.find("<!--", at)
        if start == -1:
            break
        out.append(text[at:start])
        end = text.find("-->", start + 4)
        if end == -1:
            return "".join(out)
        at = end + 3
    out.append(text[at:])
    return "".join(out)


def _closed(text: str) -> str:
    """Every ``<`` after the last ``>`` as text: the standard parser rescans an unfinished tag (or comment)
    at the end of its input from each later ``<``, in time quadratic in their number."""
    text = _without_comments(text)
    last = text.rfind(">")
    if "<" not in text[last + 1 :]:
        return text
    return text[: last + 1] + text[last + 1 :].replace("<", "&lt;")


def convert(text: str) -> tuple[str, str | None]:
    """The page's text in the plain layout, and its title when that is a question."""
    reader = _Text()
    reader.feed(_closed(text))
    reader.close()
    reader.flush()
    lines: list[str] = []
    for block in reader.blocks:
        if block:
            lines += [block, ""]
    title = reader.page_title
    for sep in (" | ", " – ", " — ", " - "):
        if sep in title and not title.endswith("?"):
            title = title.rsplit(sep, 1)[0].strip()
    return "\n".join(lines), (title if title.endswith("?") else None)
