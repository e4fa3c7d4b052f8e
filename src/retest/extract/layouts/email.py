"""E-mail: headers, ``>`` quoting, forwarded blocks, signatures and list footers.

Only a text that carries e-mail's marks (a header block, a forward marker, an
``On … wrote:`` line) is treated as one. When something was forwarded, the
forwarded part is the document; the sender's note above it is not.
"""

from __future__ import annotations

import re

_HEADER = re.compile(
    r"^(?:from|to|cc|bcc|subject|date|sent|reply-to|message-id|return-path|mime-version|content-type|"
    r"content-transfer-encoding|list-id|x-[\w-]{1,40}|von|an|betreff|datum|gesendet|de|para|asunto|fecha|"
    r"enviado|objet|envoyé|à|assunto)[ \t]*+:[ \t]", re.I)
_FORWARD = re.compile(
    r"^(?:-{2,}[ \t]*+(?:forwarded message|original message|mensaje reenviado|message transféré|"
    r"weitergeleitete nachricht|mensagem encaminhada)[ \t]*+-{2,}|begin forwarded message:?)[ \t]*+$", re.I)
_WROTE = re.compile(r"^on .{1,200}(?:wrote|a écrit|schrieb|escribió|escreveu)[ \t]*+:$", re.I)
_QUOTE = re.compile(r"^(?:[ \t]*+>[ \t]?)++")
_FOOTER = re.compile(r"^_{5,}[ \t]*+$")
_SENT_FROM = re.compile(r"^sent from my \w", re.I)
_MARKER_OPENERS = frozenset("-bBoO")


def _ending(text: str, marks: tuple[str, ...]) -> list[str]:
    """The lines of ``text`` that end with one of ``marks`` (found with ``str.find``)."""
    out = []
    for mark in marks:
        at = text.find(mark + "\n")
        while at != -1:
            out.append(text[text.rfind("\n", 0, at) + 1 : at + 1])
            at = text.find(mark + "\n", at + 1)
    return out + [text[text.rstrip().rfind("\n") + 1 :]]


def _is_email(text: str) -> bool:
    head = text[:4000].lstrip().split("\n", 12)[:12]
    if head and _HEADER.match(_QUOTE.sub("", head[0])) and sum(1 for l in head if _HEADER.match(_QUOTE.sub("", l))) >= 2:
        return True
    ends = _ending(text, (":", "-"))  # where forward markers end
    return any(_is_marker(l) for l in ends)


def _is_marker(line: str) -> bool:
    """A forward marker or an ``On … wrote:`` line (which open with "-", "begin" or "on")."""
    line = (_QUOTE.sub("", line) if ">" in line else line).strip()
    return line[:1] in _MARKER_OPENERS and bool(_FORWARD.match(line) or _WROTE.match(line))


def _skip_headers(lines: list[str], i: int) -> int:
    """The index after a header block starting at ``i`` (continuation lines included)."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    start = i
    while i < len(lines) and (_HEADER.match(lines[i]) or (i > start and lines[i][:1] in " \t" and lines[i].strip())):
        i += 1
    return i


def _embedded_headers(lines: list[str]) -> int | None:
    """Where a forwarded message's own header block starts (Outlook forwards with no marker line), else None.

    A ``From:`` line after the top header block, followed closely by another header, after a blank
    line or a rule of underscores: the forwarded message, whether the signature comes before it or not.
    """
    top = _skip_headers(lines, 0)
    for i in range(max(top, 1), len(lines)):
        if lines[i][:5].lower() == "from:" and _HEADER.match(lines[i]) and (
                not lines[i - 1].strip() or _FOOTER.match(lines[i - 1].strip())):
            if any(_HEADER.match(l) for l in lines[i + 1 : i + 4]):
                return i - 1
    return None


def convert(text: str) -> str:
    if not _is_email(text):
        return text
    lines = text.split("\n")
    lines = [_QUOTE.sub("", l) for l in lines]
    forward = next((i for i, l in enumerate(lines) if _FORWARD.match(l.strip()) or _WROTE.match(l.strip())), None)
    if forward is None:
        forward = _embedded_headers(lines)
    start = _skip_headers(lines, forward + 1 if forward is not None else 0)
    out: list[str] = []
    for line in lines[start:]:
        stripped = line.strip()
        if line.rstrip() in ("--", "-- ") or _FOOTER.match(stripped):
            break  # a signature or a mailing list's footer: the rest is not the document
        if _SENT_FROM.match(stripped) or _FORWARD.match(stripped) or _WROTE.match(stripped):
            continue
        out.append(line)
    return "\n".join(out)
