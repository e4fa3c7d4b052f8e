"""Wrapping a plain document as people pass it on changes nothing that is extracted.

Quoted in an e-mail, hard-wrapped at 72 columns, printed with page furniture every
40 lines, clipped with YAML front matter — alone or together, each wrapped copy
extracts to the same JSON as the plain document; so does a copy saved as an HTML
page, written in Org-mode, LaTeX or reStructuredText, pasted into a chat over
several messages with talk around them, exported from a word processor with a
comment, decorated by a chat model, or printed with ``pdftotext -layout`` footers
on its text lines. The plain documents have their
paragraphs separated by blank lines, as the library's page exports them: a hard
wrap cannot tell where a paragraph ended when nothing marks it.
"""

import html
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


# -- round four: saved as HTML, Org, LaTeX or reStructuredText, pasted into a chat, exported from a word
# processor, decorated by a chat model, printed with pdftotext -layout footers on its text lines.

HEADINGS = ("INQUIRING LINE", "Sources", "Research prompt for your LLM", "Anchor papers", "Your task")


def _heading(line: str) -> bool:
    return line.startswith(HEADINGS)


def _paragraphs(text: str) -> list[str]:
    return [l for l in text.split("\n") if l.strip()]


def as_html(text: str) -> str:
    out = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>Saved line | Library</title>",
           "<style>p{margin:0}</style><script>var x = '<p>not text</p>';</script></head><body>",
           "<header><nav><a href=\"/\">Home</a> · <a href=\"/lines\">Lines</a></nav></header><main>"]
    items = False
    for line in _paragraphs(text):
        bullet = line.startswith("• ")
        if bullet and not items:
            out.append("<ul>")
        if not bullet and items:
            out.append("</ul>")
        items = bullet
        body = html.escape(line[2:] if bullet else line)
        out.append(f"<li>{body}</li>" if bullet else (f"<h2>{body}</h2>" if _heading(line) else f"<p>{body}</p>"))
    out += ["</ul>"] if items else []
    out += ["</main><footer><p>© 2026 Library · Privacy</p></footer></body></html>"]
    return "\n".join(out)


def as_org(text: str) -> str:
    out = ["#+AUTHOR: Reading group", "#+DATE: <2026-01-14 Wed>", "#+STARTUP: overview", ""]
    for line in _paragraphs(text):
        if _heading(line) and not line.startswith("INQUIRING"):
            out += [f"* {line}", ":PROPERTIES:", ":CREATED:  [2025-11-03 Mon 09:12]", ":END:"]
        else:
            out += ["- " + line[2:] if line.startswith("• ") else line, ""]
    return "\n".join(out)


_TEX = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "%": "\\%", "&": "\\&", "#": "\\#", "$": "\\$",
        "_": "\\_", "~": "\\textasciitilde{}", "^": "\\^{}"}


def _tex(line: str) -> str:
    out = "".join(_TEX.get(c, c) for c in line)
    return out.replace("--", "-{}-").replace("``", "`{}`").replace("''", "'{}'")


def as_latex(text: str) -> str:
    out = ["\\documentclass{article}", "\\usepackage{hyperref}", "\\begin{document}", ""]
    items = False
    for line in _paragraphs(text):
        bullet = line.startswith("• ")
        if bullet and not items:
            out.append("\\begin{itemize}")
        if not bullet and items:
            out.append("\\end{itemize}")
        items = bullet
        if bullet:
            out.append("  \\item " + _tex(line[2:]))
        elif _heading(line) and not line.startswith("INQUIRING"):
            out += [f"\\section*{{{_tex(line)}}}", ""]
        else:
            out += ["\\noindent " + _tex(line), ""]
    out += ["\\end{itemize}"] if items else []
    return "\n".join(out + ["\\end{document}", ""])


def as_rst(text: str) -> str:
    out = [":Author: Reading group", ":Date: 2026-01-14", "", ".. generated from the library page", ""]
    for line in _paragraphs(text):
        if _heading(line) and not line.startswith("INQUIRING"):
            out += [line, "~" * len(line), ""]
        else:
            out += ["* " + line[2:] if line.startswith("• ") else line, ""]
    return "\n".join(out)


def as_chat(text: str) -> str:
    lines = _paragraphs(text)
    third = max(1, len(lines) // 3)
    parts = [lines[:third], lines[third : 2 * third], lines[2 * third :]]
    out = ["Dana Ruiz  9:18 AM", "here is the line I mentioned, in a few parts:"] + parts[0] + [":eyes: 2"]
    out += ["Marco Bellini  9:19 AM", "nice, is this the one from the offsite?"]
    out += ["Dana Ruiz  9:20 AM"] + parts[1] + ["9:21"] + parts[2]
    out += ["Marco Bellini  9:25 AM", "thanks! will run it tonight", "Dana Ruiz  9:26 AM", "great, thanks 🙏"]
    return "\n".join(out)


def as_word_export(text: str) -> str:
    lines = text.split("\n")
    first = next(i for i, l in enumerate(lines) if l.strip())
    lines[first] += "[a]"
    body = "\n".join(l.replace("• ", "●  ", 1) if l.startswith("• ") else l for l in lines)
    return body.replace("Sources ", "Sources\u00a0") + "\n________________\n\n[a]Keep this copy for the group? — Ana\n"


def decorated(text: str) -> str:
    icons = {"Sources": "📚", "Research prompt": "🧪", "Anchor papers": "🔗", "Your task": "✅"}
    out = []
    for line in text.split("\n"):
        icon = next((v for k, v in icons.items() if line.startswith(k)), None)
        out.append(f"{icon} {line}" if icon else line)
    return "\n".join(out)


def layout_footers(text: str, every: int = 30) -> str:
    lines = text.split("\n")
    pages = [lines[i : i + every] for i in range(0, len(lines), every)]
    out = []
    for k, page in enumerate(pages, start=1):
        last = max((i for i, l in enumerate(page) if l.strip()), default=None)
        if last is not None:
            page = page[:]
            page[last] += " " * 6 + "https://library.example.org/lines/42" + " " * 20 + f"{k}/{len(pages)}"
        out += page + ["\f"]
    return "\n".join(out)


FORMATS = {"html": as_html, "org": as_org, "latex": as_latex, "rst": as_rst, "chat": as_chat,
            "word export": as_word_export, "decorated": decorated, "layout footers": layout_footers}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PLAIN), st.sampled_from(sorted(FORMATS)))
def test_a_copy_in_another_format_extracts_as_the_plain_document(path, wrapper):
    text = _text(path)
    assert _same(parse_raw(FORMATS[wrapper](text))) == _same(parse_raw(text))
