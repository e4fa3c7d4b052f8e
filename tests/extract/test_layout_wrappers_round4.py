"""Wrapping a plain document in the new wrappers changes nothing that is extracted.

Saved as an HTML page, written in Org-mode, LaTeX or reStructuredText, pasted
into a chat over several messages with talk around them, exported from a word
processor with a comment, decorated by a chat model, printed with
``pdftotext -layout`` footers on its text lines — each wrapped copy extracts to
the same JSON as the plain document (see ``test_layout_wrappers``).
"""

import html

from conftest import FIXTURES, SEED_000, SEED_002
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_layout_wrappers import PLAIN, _same, _text

from retest.extract.parser import parse_raw

_ = (FIXTURES, SEED_000, SEED_002)
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


WRAPPERS = {"html": as_html, "org": as_org, "latex": as_latex, "rst": as_rst, "chat": as_chat,
            "word export": as_word_export, "decorated": decorated, "layout footers": layout_footers}


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(PLAIN), st.sampled_from(sorted(WRAPPERS)))
def test_a_wrapped_copy_extracts_as_the_plain_document(path, wrapper):
    text = _text(path)
    assert _same(parse_raw(WRAPPERS[wrapper](text))) == _same(parse_raw(text))
