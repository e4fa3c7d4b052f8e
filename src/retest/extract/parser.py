"""Text of an inquiring line → ``Document``.

The layout, as exported from the library's UI: an optional ``INQUIRING LINE``
header, the question, a framing paragraph or two ("This reads the question…"),
a body that cites notes inline by title, ``Sources N notes`` followed by
title/summary pairs or by summaries alone, and sometimes a ``Research prompt
for your LLM`` block with dated claims, anchor papers, tasks and a closing
instruction. Paragraphs may or may not be separated by blank lines. Parsing
never fails on a document that has the layout's marks: what cannot be read is
reported in ``warnings``.

``parse_raw`` builds plain data in exactly the shape of ``models.Document``;
``parse`` validates it into one. The CLI writes the plain data as JSON without
paying for pydantic at start-up; tests hold the two to the same output.
"""

from __future__ import annotations

import hashlib
import re

from ..errors import NotAnInquiringLine
from . import claims as _claims
from . import dates, layouts, markdown, sections, sieve, titles
from .question import is_question, question

_NEXT_LINES = re.compile(r"^next inquiring lines?\b", re.I)
_HEADER = re.compile(r"^inquiring line$", re.I)
# Possessive quantifiers (*+) keep every pattern here linear in the line's length.
_SOURCES = re.compile(r"^sources\b\W*+(?:(\d++)\s*+(?:notes?|sources?)?)?\W*+$", re.I)
_PROMPT_MARK = re.compile(r"^research prompt for your llm\b", re.I)
_ROLE = re.compile(r"^as an? [^,]*researcher\b", re.I)  # anchored: one linear attempt
# The framing says how the question was read; the body (often opening "This
# explores…") is the synthesis itself.
_FRAMING = re.compile(r"^this (?:reads|interprets|takes) the question\b", re.I)
_OPENING = re.compile(r"^this (?:reads|explores|asks|looks|takes|interprets|treats|examines)\b", re.I)
_BULLET = re.compile(r"^(?:[•·▪▫◦‣●○■□◆◇►▸▹➢➣➤✓✔❖⦿⁃∙\uf0b7\uf0a7\uf076\uf0d8]\s*+|[-–—*+](?=\s)\s*+|\d{1,3}[.)](?=\s)\s*+)")
_TASK = re.compile(r"^\(?(\d{1,2})[.)]\s*+")
_NUMBERED = re.compile(r"^\d{1,3}[.)](?:\s|$)")
_FINDINGS = re.compile(r"^(?:what a curated library found|findings span|a curated library identified)", re.I)
_ANCHORS = re.compile(r"^anchor papers\b", re.I)
_TASKS = re.compile(r"^your tasks?\s*+:?", re.I)
_SENTENCE_END = frozenset(".?!)]\"'”’*:…")
_LINK_TOKEN = re.compile(r"[^\s,;]++")
_LINK_PUNCT = "()[]<>,;:."
_LINK_START = ("http://", "https://", "www.", "arxiv", "doi")
_RESIDUE_WORD = "expand"
_S_OR_Y = "sSyYſ"  # what "sources" and "your task" open with, ignoring case (ſ, long s, matches s)


def _ends_sentence(line: str) -> bool:
    return bool(line) and line[-1] in _SENTENCE_END


def _without_residue(line: str) -> str:
    """``…LLMexpand ↓`` → ``…LLM``: the UI's fold marker, removed without a regex."""
    stripped = line.rstrip()
    if not stripped.endswith("↓"):
        return line
    rest = stripped[:-1].rstrip()
    if rest.lower().endswith(_RESIDUE_WORD):
        rest = rest[: -len(_RESIDUE_WORD)]
    return rest.rstrip()


def _is_link_only(line: str) -> bool:
    """A line of nothing but arXiv or DOI links (a note's paper list)."""
    lower = line.lower()
    if "arxiv" not in lower and "doi" not in lower:
        return False
    seen = False
    for m in _LINK_TOKEN.finditer(lower):
        token = m.group(0).strip(_LINK_PUNCT)
        if token:
            if not token.startswith(_LINK_START):
                return False
            seen = True
    return seen


def _topic(role: str) -> str | None:
    """The topic of a role line: ``… probe whether TOPIC — treating …``."""
    lower = role.lower()
    start = lower.find("probe whether ")
    if start == -1:
        return None
    start += len("probe whether ")
    end = lower.find(" treating", start)
    if end == -1:
        return None
    topic = role[start:end].rstrip()
    for dash in ("—", "–", "--", "-"):
        if topic.endswith(dash):
            topic = topic[: -len(dash)].rstrip()
            return topic or None
    return None


def normalise(text: str) -> str:
    """BOM off, line endings to ``\\n``."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _lines(text: str) -> list[str]:
    """Non-empty, stripped lines with UI residue and tag lines removed and hard wraps rejoined."""
    out: list[str] = []
    parts: list[str] = []  # the line being built, kept in pieces so rejoining stays linear
    joinable = False
    for raw in text.split("\n"):
        line = (_without_residue(raw) if "↓" in raw else raw).strip()
        if not line or sieve.is_tags(line) or sieve.is_rule(line):
            continue
        first = line[0]
        if first in "nN" and _NEXT_LINES.match(line):
            break
        if parts and joinable and (first.islower() or _is_figure(line)):
            parts.append(line)
        else:
            if parts:
                out.append(" ".join(parts))
            parts = [line]
            joinable = not (first in _S_OR_Y and (_SOURCES.match(line) or _TASKS.match(line)))
        joinable = joinable and not _ends_sentence(line)
    if parts:
        out.append(" ".join(parts))
    return out


def _is_figure(line: str) -> bool:
    """A wrapped line that opens with a figure (``3.1×, …``, ``40% of …``), not a numbered item."""
    return line[0].isdigit() and not _BULLET.match(line) and not _NUMBERED.match(line)


def _is_title_line(line: str, following: str) -> bool:
    """A note title: a short question, or a short unpunctuated line before a longer one."""
    if line.endswith("?") and len(line) < 250:
        return True
    return len(line) < 120 and not _ends_sentence(line) and len(following) > len(line)


def _note(title: str | None, summary: str) -> dict:
    return {"title": title, "summary": summary, "arxiv_ids": _claims.arxiv.unique_ids(summary)}


def _notes(lines: list[str]) -> list[dict]:
    notes: list[dict] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        following = lines[i + 1] if i + 1 < len(lines) else None
        if _is_link_only(line) and notes:
            ids = dict.fromkeys(notes[-1]["arxiv_ids"])  # a paper list of many lines: one list built, not one a line
            while i < len(lines) and _is_link_only(lines[i]):
                ids.update(dict.fromkeys(_claims.arxiv.unique_ids(lines[i])))
                i += 1
            notes[-1]["arxiv_ids"] = list(ids)
            continue
        if following is not None and not _is_link_only(following) and _is_title_line(line, following):
            notes.append(_note(line, following))
            i += 2
        elif following is None and line.endswith("?") and len(line) < 250 and notes and notes[-1]["title"]:
            notes.append(_note(line, ""))  # a title the cut left without its summary
            i += 1
        else:
            notes.append(_note(None, line))
            i += 1
    return notes


def _recover_titles(notes: list[dict], body: list[str], warnings: list[str]) -> None:
    """Give untitled notes the titles the body cites, in order of first citation."""
    untitled = [n for n in notes if n["title"] is None]
    if not untitled:
        return
    known = {n["title"] for n in notes}
    cited = [t for t in titles.cited_titles(body) if t not in known]
    for note, title in zip(untitled, cited):
        note["title"] = title
    if len(cited) != len(untitled):
        warnings.append(
            f"the body cites {len(cited)} note title(s) for {len(untitled)} untitled note(s); "
            f"titles were paired in order of first citation and may be off"
        )


def _prompt_block(lines: list[str], warnings: list[str]) -> tuple[dict, list[dict], list[dict], str | None]:
    prompt: dict = {"intro": None, "role": None, "topic": None, "tasks": [], "closing": None}
    anchors: list[dict] = []
    span_text = None
    section = "intro"
    intro: list[str] = []
    closing: list[str] = []
    # Claims (with continuation lines) and anchors' extra label lines are read once, at the end: linear.
    bullets: list[list[str]] = []
    more_label: dict[int, list[str]] = {}
    for line in lines:
        if _PROMPT_MARK.match(line):
            continue
        if _ROLE.match(line) and prompt["role"] is None:
            prompt["role"] = line
            prompt["topic"] = _topic(line)
            section = "role"
            continue
        if _FINDINGS.match(line):
            section = "claims"
            span_text = sections.span_text(line) or span_text
            continue
        if _ANCHORS.match(line) or (line.lower() == "sources" and prompt["tasks"]):  # papers listed at the end
            section = "anchors"
            continue
        if _TASKS.match(line):
            section = "tasks"
            rest = _TASKS.sub("", line, count=1).strip()
            if rest:
                prompt["tasks"].append(_TASK.sub("", rest, count=1))
            continue
        bullet = _BULLET.match(line)
        if section == "claims" and bullet:
            bullets.append([line[bullet.end() :]])
        elif section == "anchors" and (bullet or _claims.arxiv.find(line)):  # a bullet, or a line naming papers
            found = _claims.anchors_from_bullet(line[bullet.end() if bullet else 0 :])
            if not found:
                warnings.append(f"anchor without an arXiv ID: {line[bullet.end():][:60]!r}")
            anchors += found
        elif section == "tasks" and _TASK.match(line) and not closing:
            prompt["tasks"].append(_TASK.sub("", line, count=1))
        elif section == "tasks" and bullet and not closing:  # tasks as a bulleted or to-do list
            prompt["tasks"].append(line[bullet.end() :])
        elif section == "tasks" and prompt["tasks"]:
            closing.append(line)
        elif section == "intro":
            intro.append(line)
        elif section == "claims" and bullets:  # an unbulleted line continues the last item
            bullets[-1].append(line)
        elif section == "anchors" and anchors and not _ends_sentence(line) and not sections.signed_off(line):
            more_label.setdefault(len(anchors) - 1, []).append(line)  # a label the line broke
        else:
            intro.append(line)
    claims = [_claims.claim_from_bullet(" ".join(parts)) for parts in bullets]
    for k, parts in more_label.items():
        label = anchors[k]["label"]
        anchors[k]["label"] = " ".join([label, *parts] if label else parts)
    prompt["intro"] = " ".join(intro) or None
    prompt["closing"] = "\n".join(closing) or None
    return prompt, claims, anchors, span_text


def _span(span_text: str | None, claims: list[dict], warnings: list[str]) -> dict:
    if span_text:
        found = dates.find_range(span_text)
        if found:
            return {"start": found.start, "end": found.end, "text": found.text}
        single = dates.find_dates(span_text)
        if single:
            return {"start": single[0].start, "end": single[-1].start, "text": span_text}
        warnings.append(f"could not read the dates in 'Findings span {span_text}'")
    known = [d for c in claims for d in ([c["date"]] + [x["date"] for x in c["citations"]]) if d]
    return {"start": min(known) if known else None, "end": max(known) if known else None, "text": None}


def parse(text: str, source: str = "<text>"):
    """Parse one inquiring line into a ``Document``.

    Raises NotAnInquiringLine for text without the layout's marks.
    """
    from ..models import Document, trusted

    return trusted(Document, parse_raw(text, source))


def parse_raw(text: str, source: str = "<text>") -> dict:
    """Parse one inquiring line into plain data shaped like ``Document``."""
    text = normalise(text)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    plain = layouts.normalise(text)
    text = plain.text
    if markdown.looks_like_markdown(text):
        text = markdown.to_plain(text)
    lines = _lines(text)
    warnings: list[str] = []
    if not lines:
        raise NotAnInquiringLine("no text")

    has_header = bool(_HEADER.match(lines[0]))
    if has_header:
        lines = lines[1:]
        if not lines:
            raise NotAnInquiringLine("an 'INQUIRING LINE' header with nothing under it")
    sources_at = next((i for i, l in enumerate(lines) if _SOURCES.match(l)), None)
    prompt_at = next((i for i, l in enumerate(lines) if _PROMPT_MARK.match(l)), None)
    if prompt_at is None:
        after = sources_at + 1 if sources_at is not None else 0
        prompt_at = next((i for i in range(after, len(lines)) if _ROLE.match(lines[i])), None)
    has_framing = any(_OPENING.match(l) for l in lines[:4])
    if not (has_header or sources_at is not None or prompt_at is not None or has_framing):
        return _salvaged(lines, plain.title, source, sha)

    head_end = min(i for i in (sources_at, prompt_at, len(lines)) if i is not None)
    title, head = question(lines[:head_end], plain.title, has_header)
    if title is None:
        warnings.append("no question title found")
    # the framing, where a rewrite may have put a summary line above it
    at = [i for i in range(min(len(head), 4)) if _FRAMING.match(head[i])][:2]
    framing = [head[i] for i in at]
    body = [l for i, l in enumerate(head) if i not in at]

    declared = None
    notes: list[dict] = []
    listed = None
    if sources_at is not None:
        m = _SOURCES.match(lines[sources_at])
        declared = int(m.group(1)) if m and m.group(1) and len(m.group(1)) <= 6 else None
        end = prompt_at if prompt_at is not None and prompt_at > sources_at else len(lines)
        listed = sections.link_list(lines[sources_at + 1 : end], _BULLET) if declared is None else None
        if listed is None:
            notes = sieve.past_the_declared(_notes(lines[sources_at + 1 : end]), declared)
            _recover_titles(notes, framing + body, warnings)

    prompt = None
    claims: list[dict] = []
    anchors: list[dict] = []
    span_text = None
    if prompt_at is not None:
        block_end = sources_at if sources_at is not None and sources_at > prompt_at else len(lines)
        prompt, claims, anchors, span_text = _prompt_block(lines[prompt_at:block_end], warnings)
    if listed:  # "Sources" as a list of paper links only: the anchors, as a chat model rewrites them
        anchors = anchors + [a for a in listed if a["arxiv_id"] not in {x["arxiv_id"] for x in anchors}]
    if not claims:
        claims = [_claims.claim_from_note(n) for n in notes if n["summary"]]
    unread = not claims and not notes and prompt is None
    if unread:  # sections in words retest does not read: the dated, cited lines still count
        claims = sections.dated_claims(lines, _BULLET)
    sieve.refuse_a_manual(claims)
    if span_text is None:
        span_text = next((t for t in map(sections.span_text, body) if t), None)

    truncated = _truncation(lines, declared, notes, prompt, sources_at, prompt_at, warnings, unread or bool(listed))
    if unread:
        warnings.append(f"sections not recognised: {len(claims)} dated claim(s) with arXiv IDs read from the text")
        warnings += sections.foreign_heading(lines)
    if declared is not None and declared != len(notes) and not truncated:
        warnings.append(f"'Sources {declared} notes' but {len(notes)} note(s) were found")

    return {
        "source": source,
        "sha256": sha,
        "title": title,
        "framing": framing,
        "body": body,
        "declared_notes": declared,
        "notes": notes,
        "claims": claims,
        "anchors": anchors,
        "span": _span(span_text, claims, warnings),
        "prompt": prompt,
        "truncated": truncated,
        "warnings": warnings,
    }


def _salvaged(lines: list[str], front_title: str | None, source: str, sha: str) -> dict:
    """A text in no layout known: its dated claims with arXiv IDs, else NotAnInquiringLine."""
    claims = sections.dated_claims(lines, _BULLET)
    if not claims:
        raise NotAnInquiringLine(
            "not an inquiring line (no 'INQUIRING LINE' header, framing, 'Sources' list, research prompt, "
            "or dated claims with arXiv IDs)"
        )
    first_claim = next((i for i, l in enumerate(lines) if claims[0]["text"] in l), 0)
    heads = [l for l in lines[:first_claim] if len(l) < 200 and not _BULLET.match(l)]
    title = front_title or next((l for l in lines if is_question(l)), None) or next(iter(heads), None)
    warnings = [f"layout not recognised: {len(claims)} dated claim(s) with arXiv IDs read from the text, "
                "without notes"]
    warnings += sections.foreign_heading(lines)
    return {
        "source": source, "sha256": sha, "title": title, "framing": [], "body": [], "declared_notes": None,
        "notes": [], "claims": claims, "anchors": [], "span": _span(None, claims, warnings), "prompt": None,
        "truncated": False, "warnings": warnings,
    }


def _truncation(lines, declared, notes, prompt, sources_at, prompt_at, warnings, unread=False) -> bool:
    reasons = []
    final_section_is_sources = sources_at is not None and (prompt_at is None or prompt_at < sources_at)
    last = lines[-1]
    closing = (prompt or {}).get("closing") or ""
    signed = "\n" in closing and _ends_sentence(closing.split("\n", 1)[0]) and len(last) < 80  # "thanks all"
    if not _ends_sentence(last) and not _SOURCES.match(last) and not sections.signed_off(last) and not signed and not (
            unread and _claims.arxiv.find(last)):  # a list of paper links ends without a full stop
        reasons.append(f"it ends mid-sentence (…{last[-40:]!r})")
    if final_section_is_sources and declared is not None and len(notes) < declared:
        reasons.append(f"only {len(notes)} of {declared} notes are present")
    if notes and notes[-1]["title"] and not notes[-1]["summary"]:
        reasons.append("the last note has a title but no summary")
    if prompt is not None and not final_section_is_sources:
        if not prompt["tasks"]:
            reasons.append("the research prompt stops before 'Your task'")
    if sources_at is None and prompt_at is None and not unread:
        reasons.append("the 'Sources' list is missing")
    if reasons:
        warnings.insert(0, "document is truncated: " + "; ".join(reasons))
    return bool(reasons)
