"""LaTeX source: commands unwrapped, ``\\cite`` resolved through the file's own bibliography.

``\\title{…}`` may be the question; sectioning commands become heading lines,
``\\item`` a bullet (``\\item[Title?] summary`` a note's title and summary, an
enumerated item its number); text commands (``\\textit``, ``\\emph``…) keep their
text; ``\\href{url}{text}`` reads as its text with the paper it points to;
``\\cite{key}`` becomes the arXiv IDs that ``\\bibitem{key}`` in the same file
names, and the bibliography itself is dropped. Source lines of one paragraph are
joined, as LaTeX joins them. A scanner with brace matching, not patterns, reads
the commands: linear however they nest. Only a text with LaTeX's marks
(``\\documentclass``, ``\\begin{document}``, or sectioning and item commands)
is read this way.
"""

from __future__ import annotations

from .. import arxiv

_SECTIONS = frozenset("part chapter section subsection subsubsection paragraph subparagraph".split())
_DROP = frozenset("""maketitle tableofcontents noindent medskip bigskip smallskip newpage clearpage centering
    hfill par indent raggedright small footnotesize large Large huge normalsize today label vspace hspace
    bibliographystyle bibliography author date thanks usepackage documentclass newcommand renewcommand setlength
    pagestyle thispagestyle ref pageref footnotemark""".split())
_CITES = frozenset("cite citep citet citealp citeauthor citeyear parencite textcite autocite nocite".split())
_LISTS = {"itemize": "•", "enumerate": "1", "description": "•"}
_SYMBOLS = {"times": "×", "approx": "≈", "to": "→", "rightarrow": "→", "leftarrow": "←", "leq": "≤", "le": "≤",
            "geq": "≥", "ge": "≥", "pm": "±", "sim": "~", "cdot": "·", "ldots": "…", "dots": "…", "textemdash": "—",
            "textendash": "–", "S": "§", "alpha": "α", "beta": "β", "mu": "µ", "%": "%", "&": "&", "_": "_",
            "#": "#", "$": "$", "{": "{", "}": "}", " ": " ", ",": " ", "textasciitilde": "~", "LaTeX": "LaTeX",
            "TeX": "TeX", "textbackslash": "\\", "'": "", "`": "", '"': "", "^": "^", "~": "~"}
_GENERIC = frozenset("arxiv pdf abs paper link here html preprint".split())
_MARKS = ("\\documentclass", "\\begin{document}")


def is_latex(text: str) -> bool:
    if any(m in text for m in _MARKS):
        return True
    if "\\" not in text:
        return False
    return (text.count("\\item") + text.count("\\section") + text.count("\\begin{")) >= 3


def _comments_off(line: str) -> str:
    at = line.find("%")
    while at != -1:
        if at == 0 or line[at - 1] != "\\":
            return line[:at]
        at = line.find("%", at + 1)
    return line


def _group(text: str, i: int, open_: str = "{", close: str = "}") -> tuple[str, int] | None:
    """The text of the balanced group opening at ``text[i]`` and the index after it (for short texts only)."""
    if i >= len(text) or text[i] != open_:
        return None
    j = _pairs(text, open_, close).get(i)
    return (text[i + 1 : j], j + 1) if j is not None else None


def _pairs(text: str, open_: str, close: str) -> dict[int, int]:
    """Where each opening mark's group closes, in one pass (escaped marks are text)."""
    stack: list[int] = []
    out: dict[int, int] = {}
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == open_:
            stack.append(i)
        elif c == close and stack:
            out[stack.pop()] = i
        i += 1
    return out


class _Reader:
    """One logical line's text as the reader sees it, in one left-to-right pass.

    A text command (``\\textit{…}``) loses its name and its braces and its text is read in
    place, so nesting costs nothing; a dropped command skips its argument; ``\\href`` and
    ``\\cite`` are read from their arguments.
    """

    def __init__(self, keys: dict[str, list[str]]) -> None:
        self.keys = keys

    def inline(self, text: str) -> str:
        braces = _pairs(text, "{", "}")
        brackets = _pairs(text, "[", "]") if "[" in text else {}
        after: dict[int, str] = {}  # text to add where a group closes (a link's paper)
        out: list[str] = []
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c == "\\":
                i = self._command(text, i, out, braces, brackets, after)
            elif c == "$":
                end = text.find("$", i + 1)
                if end == -1:
                    out.append("$")
                    i += 1
                else:
                    out.append(self.inline(text[i + 1 : end]))
                    i = end + 1
            elif c == "~":
                out.append(" ")
                i += 1
            elif c == "-" and text.startswith("---", i):
                out.append("—")
                i += 3
            elif c == "-" and text.startswith("--", i):
                out.append("–")
                i += 2
            elif c == "`" and text.startswith("``", i):
                out.append("“")
                i += 2
            elif c == "'" and text.startswith("''", i):
                out.append("”")
                i += 2
            elif c in "{}":
                if i in after:
                    out.append(after.pop(i))
                i += 1
            else:
                out.append(c)
                i += 1
        return "".join(out)

    def _command(self, text: str, i: int, out: list[str], braces: dict, brackets: dict, after: dict) -> int:
        j = i + 1
        while j < len(text) and text[j].isalpha():
            j += 1
        name = text[i + 1 : j]
        if not name:  # a control symbol: \% \& \\ …
            if text[i + 1 : i + 2] == "\\":
                out.append(" ")
                return i + 2
            out.append(_SYMBOLS.get(text[i + 1 : i + 2], text[i + 1 : i + 2]))
            return i + 2
        if j < len(text) and text[j] == "*":
            j += 1
        if j in brackets:
            j = brackets[j] + 1  # options
        arg = braces.get(j)  # where the first argument closes
        if name in _CITES and arg is not None:
            keys = text[j + 1 : arg].split(",") if arg - j < 2000 else []
            ids = [x for key in keys for x in self.keys.get(key.strip(), [])]
            out.append(", ".join(f"arXiv:{x}" for x in dict.fromkeys(ids)))
            return arg + 1
        if name == "href" and arg is not None and braces.get(arg + 1) is not None:
            ids = arxiv.find(text[j + 1 : arg]) if arg - j < 2000 else []
            shown_close = braces[arg + 1]
            shown = text[arg + 2 : shown_close] if shown_close - arg < 300 else "…"  # a long text names no paper
            if not ids or ids[0].id in arxiv.unique_ids(shown):
                return arg + 1  # the shown text is read in place
            ref = f"arXiv:{ids[0].versioned}"
            if not shown.strip() or shown.lower().strip(".: ") in _GENERIC:
                out.append(ref)
                return shown_close + 1
            after[shown_close] = f" ({ref})"
            return arg + 1
        if name in ("url", "path") and arg is not None:
            out.append(text[j + 1 : arg])
            return arg + 1
        if name in _DROP:
            return arg + 1 if arg is not None else j
        if name in _SYMBOLS and (arg is None or arg == j + 1):
            out.append(_SYMBOLS[name])
            if arg is not None:
                return arg + 1
            if j < len(text) and text[j] == " " and name not in ("LaTeX", "TeX"):
                j += 1
            return j
        return j  # a text command: its braces are skipped and its text read in place


def _bibliography(text: str) -> tuple[str, dict[str, list[str]]]:
    """The text without its ``thebibliography``, and each ``\\bibitem`` key's arXiv IDs."""
    start = text.find("\\begin{thebibliography}")
    if start == -1:
        return text, {}
    end = text.find("\\end{thebibliography}", start)
    end = len(text) if end == -1 else end + len("\\end{thebibliography}")
    keys: dict[str, list[str]] = {}
    block = text[start:end]
    at = block.find("\\bibitem")
    while at != -1:
        nxt = block.find("\\bibitem", at + 8)
        entry = block[at + 8 : nxt if nxt != -1 else len(block)]
        k = 0
        options = _group(entry.lstrip(), 0, "[", "]")
        entry = entry.lstrip()[options[1] :] if options else entry.lstrip()
        key = _group(entry.lstrip(), 0)
        if key:
            keys[key[0].strip()] = arxiv.unique_ids(entry.lstrip()[key[1] :])
        at = nxt
        del k
    return text[:start] + text[end:], keys


def _title(text: str) -> str | None:
    at = text.find("\\title")
    if at == -1:
        return None
    j = at + len("\\title")
    options = _group(text, j, "[", "]")
    group = _group(text, options[1] if options else j)
    return " ".join(_Reader({}).inline(group[0]).split()) if group else None


def _starts_block(line: str) -> bool:
    return line.startswith(("\\item", "\\begin{", "\\end{")) or any(
        line.startswith("\\" + s) and line[len(s) + 1 : len(s) + 2] in ("{", "*", "[") for s in _SECTIONS)


def convert(text: str) -> tuple[str, str | None]:
    """The plain layout of a LaTeX source, and its ``\\title``."""
    if "\\" not in text or not is_latex(text):
        return text, None
    text = "\n".join(_comments_off(l) for l in text.split("\n"))
    text, keys = _bibliography(text)
    title = _title(text)
    begin = text.find("\\begin{document}")
    if begin != -1:
        text = text[begin + len("\\begin{document}") :]
    end = text.find("\\end{document}")
    if end != -1:
        text = text[:end]
    reader = _Reader(keys)
    out: list[str] = []
    lists: list[list] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            _emit(" ".join(para), reader, lists, out)
            para.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            flush()
            out.append("")
            continue
        if _starts_block(line):
            flush()
        para.append(line)
        if line.endswith("\\\\"):
            flush()
    flush()
    return "\n".join(out), title


def _emit(line: str, reader: _Reader, lists: list[list], out: list[str]) -> None:
    """One logical line: an environment's edge, a heading, an item, or a paragraph."""
    for env_edge in ("\\begin{", "\\end{"):
        if line.startswith(env_edge):
            group = _group(line, len(env_edge) - 1)
            name = group[0].strip() if group else ""
            if env_edge == "\\begin{" and name in _LISTS:
                lists.append([_LISTS[name], 1])
            elif env_edge == "\\end{" and name in _LISTS and lists:
                lists.pop()
            rest = line[group[1] :].strip() if group else ""
            options = _group(rest, 0, "[", "]")  # an environment's options: \begin{description}[leftmargin=0pt]
            rest = rest[options[1] :].strip() if options else rest
            if rest:
                _emit(rest, reader, lists, out)
            return
    if line.startswith("\\item"):
        rest = line[len("\\item") :]
        label = _group(rest.lstrip(), 0, "[", "]")
        kind = lists[-1] if lists else ["•", 1]
        if label:
            body = reader.inline(rest.lstrip()[label[1] :]).strip()
            out += ["", " ".join(reader.inline(label[0]).split()), " ".join(body.split()), ""]
            return
        mark = "•" if kind[0] == "•" else f"{kind[1]}."
        kind[1] += 1
        out.append(f"{mark} " + " ".join(reader.inline(rest).split()))
        return
    text = " ".join(reader.inline(line).split())
    heading = any(line.startswith("\\" + s) for s in _SECTIONS)
    out += ["", text, ""] if heading else [text]
