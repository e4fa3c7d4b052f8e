"""The sources a grounded reply rests on, read from every shape providers send them in.

A reply may name its sources in several places at once, and a stream repeats
them: OpenAI's Responses API lists what a ``web_search_call`` consulted
(``action.sources``) and marks what the text cites (``url_citation``
annotations); chat search models and OpenRouter annotate the message (or each
streamed ``delta``); Perplexity sends ``citations`` (URLs) and
``search_results`` (title, URL, date, snippet) with the reply and again in
every streamed chunk. All of them become one ordered list, one entry per URL:
a later mention fills what an earlier one lacked and marks it cited.

Everything read here is remote data: any value of an unexpected type is
skipped (with a note), strings are capped, and the list is bounded, so a
strange source can never cost the reply.
"""

from __future__ import annotations

MAX_SOURCES = 500
MAX_URL = 4096
MAX_TITLE = 1000
MAX_SNIPPET = 4000
MAX_SPANS = 50


def text(value, limit: int) -> str | None:
    """A string from remote data, as sent but capped; None for anything else (or only spaces)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value[:limit]


def index(value) -> int | None:
    """A character offset from remote data: a small non-negative int, else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**40 else None


class Sources:
    """One reply's sources, in the order first seen, one per URL."""

    def __init__(self):
        self.by_url: dict[str, dict] = {}
        self.notes: list[str] = []
        self._dropped = 0

    def add(self, url, *, title=None, date=None, snippet=None, cited: bool = False, start=None, end=None,
            kind: str) -> None:
        url = text(url, MAX_URL)
        url = url.strip() if url else None
        if url is None:
            if title is not None or start is not None:
                self.note(f"a {kind} without a URL was skipped")
            return
        entry = self.by_url.get(url)
        if entry is None:
            if len(self.by_url) >= MAX_SOURCES:
                self._dropped += 1
                return
            entry = self.by_url[url] = {"url": url, "title": None, "date": None, "snippet": None, "cited": False,
                                        "start_index": None, "end_index": None, "spans": [], "kind": kind}
        for key, value, limit in (("title", title, MAX_TITLE), ("date", date, 40), ("snippet", snippet, MAX_SNIPPET)):
            if entry[key] is None:
                entry[key] = text(value, limit)
        if cited:
            entry["cited"] = True
            span = (index(start), index(end))
            if span != (None, None) and list(span) not in entry["spans"] and len(entry["spans"]) < MAX_SPANS:
                entry["spans"].append(list(span))
                if entry["start_index"] is None:
                    entry["start_index"], entry["end_index"] = span

    def note(self, message: str) -> None:
        if message not in self.notes and len(self.notes) < 10:
            self.notes.append(message)

    # -- the shapes ------------------------------------------------------------------
    def annotations(self, annotations, kind: str = "annotation") -> None:
        """``url_citation`` annotations: flat (Responses) or nested under ``url_citation`` (chat)."""
        if annotations is None:
            return
        if not isinstance(annotations, list):
            self.note("annotations that are not a list were skipped")
            return
        for a in annotations:
            if not isinstance(a, dict) or a.get("type") not in ("url_citation", None):
                continue
            inner = a.get("url_citation")
            a = inner if isinstance(inner, dict) else a
            self.add(a.get("url"), title=a.get("title"), snippet=a.get("content"), cited=True,
                     start=a.get("start_index"), end=a.get("end_index"), kind=kind)

    def perplexity(self, data: dict) -> None:
        """Top-level ``search_results`` (title, url, date, snippet) and ``citations`` (URLs, cited)."""
        results = data.get("search_results")
        if isinstance(results, list):
            for r in results:
                if isinstance(r, dict):
                    self.add(r.get("url"), title=r.get("title"), date=r.get("date"), snippet=r.get("snippet"),
                             kind="search_result")
        elif results is not None:
            self.note("search_results that are not a list were skipped")
        citations = data.get("citations")
        if isinstance(citations, list):
            for c in citations:
                if isinstance(c, str):
                    self.add(c, cited=True, kind="citation")
                elif isinstance(c, dict):  # some gateways send objects
                    self.add(c.get("url"), title=c.get("title"), cited=True, kind="citation")
        elif citations is not None:
            self.note("citations that are not a list were skipped")

    def web_search_call(self, item: dict) -> None:
        """A Responses ``web_search_call`` item: the URLs its action consulted (or opened)."""
        action = item.get("action")
        if not isinstance(action, dict):
            return
        found = action.get("sources")
        if isinstance(found, list):
            for s in found:
                if isinstance(s, dict):
                    self.add(s.get("url"), title=s.get("title"), kind="web_search")
        if action.get("type") in ("open_page", "find"):
            self.add(action.get("url"), kind="web_search")

    def responses_output(self, output) -> None:
        """Every source in a Responses ``output`` list, in order."""
        if not isinstance(output, list):
            return
        for item in output:
            if not isinstance(item, dict):
                continue
            if item.get("type") in ("web_search_call", "web_search_preview_call"):
                self.web_search_call(item)
            elif item.get("type") == "search_results":  # Perplexity's Agent API: what a web_search found
                self.perplexity({"search_results": item.get("results", item.get("search_results"))})
            elif item.get("type") == "message" and isinstance(item.get("content"), list):
                for part in item["content"]:
                    if isinstance(part, dict):
                        self.annotations(part.get("annotations"))

    def extend(self, entries: list[dict]) -> None:
        """Fold in sources already read (``result()`` of another reading of the same reply)."""
        for entry in entries:
            for start, end in entry["spans"] or [[None, None]]:
                self.add(entry["url"], title=entry["title"], date=entry["date"], snippet=entry["snippet"],
                         cited=entry["cited"], start=start, end=end, kind=entry["kind"])

    def result(self) -> list[dict]:
        """The sources, in order, each with the arXiv ID its URL points to (or None)."""
        if self._dropped:
            self.note(f"{self._dropped} source(s) past the first {MAX_SOURCES} were not kept")
        return [dict(entry, arxiv_id=arxiv_id(entry["url"])) for entry in self.by_url.values()]


def arxiv_id(url: str) -> str | None:
    """The valid arXiv ID a source URL points to (on arXiv's own hosts or a listed mirror, see ``paper_urls``)."""
    from ...extract.paper_urls import paper_of

    found = paper_of(url[:MAX_URL])
    return found.id if found and found.valid else None


def domain(url: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host[4:] if host and host.startswith("www.") else host
