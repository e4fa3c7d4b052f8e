"""Wrapping a plain document as people pass it on changes nothing that is extracted.

Quoted in an e-mail, hard-wrapped at 72 columns, printed with page furniture every
40 lines, clipped with YAML front matter — alone or together, each wrapped copy
extracts to the same JSON as the plain document. The plain documents have their
paragraphs separated by blank lines, as the library's page exports them: a hard
wrap cannot tell where a paragraph ended when nothing marks it.
"""

import textwrap

from conftest import FIXTURES, SEED_000, SEED_002
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retest.extract.parser import parse_raw

PLAIN = [FIXTURES / "layouts" / "plain.txt", SEED_000, SEED_002, FIXTURES / "roundtrip.txt"]


def _text(path) -> str:
    lines = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n")
    return "\n\n".join(l for l in lines if l.strip()) + "\n"


def wrap72(text: str) -> str:
    return "\n".join(textwrap.fill(l, 72, break_long_words=False, break_on_hyphens=False) if l.strip() else ""
                     for l in text.split("\n"))


def furniture(text: str, every: int = 40) -> str:
    lines = text.split("\n")
    pages = [lines[i : i + every] for i in range(0, len(lines), every)]
    header = "Reading list · printed 14/01/2026, 09:41"
    out = []
    for k, page in enumerate(pages, start=1):
        out += [header] + page + [f"Page {k} of {len(pages)}", "\f"]
    return "\n".join(out)


def quoted(text: str) -> str:
    head = ("From: Ines Duarte <ines@example.org>\nTo: reading-group@example.org\n"
            "Subject: Fwd: a line worth re-testing\nDate: Tue, 13 Jan 2026 08:15:02 +0100\n\n"
            "Worth a look before Thursday?\n\n-- \nInes\n\n---------- Forwarded message ---------\n"
            "From: Library <noreply@example.org>\nDate: Mon, 12 Jan 2026 at 18:02\nSubject: Your line\n\n")
    return head + "\n".join(f"> {l}" if l.strip(" ") else ">" for l in text.split("\n"))


def front_matter(text: str) -> str:
    return ('---\ntitle: "Saved line"\nsource: "https://example.org/lines/42"\ncreated: 2025-11-02\n'
            "published: 2024-03-09\ntags:\n  - \"clippings\"\n---\n" + text)


def _same(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("source", "sha256")}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PLAIN), st.booleans(), st.sampled_from([None, 40, 13]), st.booleans(), st.booleans())
def test_a_wrapped_copy_extracts_as_the_plain_document(path, wrap, pages, quote, front):
    text = _text(path)
    expected = _same(parse_raw(text))
    wrapped = text
    if wrap:
        wrapped = wrap72(wrapped)
    if pages:
        wrapped = furniture(wrapped, pages)
    if quote:
        wrapped = quoted(wrapped)
    if front:
        wrapped = front_matter(wrapped)
    assert _same(parse_raw(wrapped)) == expected
