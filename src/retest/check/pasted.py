"""Replies that came from elsewhere (a chat app, a colleague, a saved page), added by hand: ``archive add``.

A pasted reply is stored against the prompt retest builds for its document (the one ``build --copy`` gave),
under the endpoint name ``pasted``: no usage, no cost, and a voice of its own in the ledger. Its verdicts and
citations are read as for any reply; its sources are read from its Markdown — ChatGPT's and Claude's copies
carry inline links, reference-style links (``[1]: https://…``) and footnotes with a link list at the end.
Adding the same text twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import re

from ..errors import RetestError

MAX_BYTES = 10 * 1024 * 1024
MAX_SOURCES = 500
PASTED = "pasted"
# a footnote line of a link list: "[1] https://…", "[^2]: Title — https://…", "3. https://…" (one line, linear)
_NOTE = re.compile(r"^\s{0,3}(?:\[\^?\d{1,4}\]:?|\d{1,4}[.)])[ \t]+([^\n]{0,2000})$", re.M)
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]{1,4000}")


class PastedError(RetestError):
    """A reply that cannot be added: empty, binary, too large."""


def reply_text(data: bytes, label: str) -> str:
    """The reply as text, or one line saying why it cannot be one."""
    if len(data) > MAX_BYTES:
        raise PastedError(f"{label}: too large for a reply (at most {MAX_BYTES // 1024 // 1024} MB)")
    if b"\0" in data:
        raise PastedError(f"{label}: binary data, not the text of a reply")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PastedError(f"{label}: not UTF-8 text (save the reply as UTF-8 text or Markdown)") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise PastedError(f"{label}: empty; nothing to add")
    return text.strip("\n") + "\n"


def markdown_sources(text: str) -> list[dict]:
    """The http(s) links of a Markdown reply, in order, one per URL: inline and reference links the text uses
    are cited; link definitions and footnote lines it never points to are listed, not cited."""
    from markdown_it import MarkdownIt

    env: dict = {}
    md = MarkdownIt("commonmark")
    out: dict[str, dict] = {}

    def add(url: str | None, title: str | None, cited: bool) -> None:
        if not url or not url.lower().startswith(("http://", "https://")) or len(out) >= MAX_SOURCES:
            return
        url = url[:4096]
        entry = out.setdefault(url, {"url": url, "title": None, "cited": False, "kind": "pasted"})
        entry["title"] = entry["title"] or (title.strip()[:1000] if title and title.strip() else None)
        entry["cited"] = entry["cited"] or cited

    for token in md.parse(text, env):
        for child in token.children or ():
            if child.type == "link_open":
                add(child.attrGet("href"), child.attrGet("title"), True)
    for ref in env.get("references", {}).values():
        add(ref.get("href"), ref.get("title"), False)
    for m in _NOTE.finditer(text):
        url = _URL.search(m.group(1))
        if url:
            title = m.group(1)[:url.start()].strip(" \t-—:|") or None
            add(url.group(0).rstrip(".,;"), title, True)
    return list(out.values())


def params_for(model: str, text: str) -> tuple[dict, str]:
    """A pasted reply's params and their hash: one per text, so that adding the same text again adds nothing."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    params = {"pasted": True}
    key = json.dumps({"endpoint": PASTED, "model": model, "reply_sha256": digest}, sort_keys=True)
    return params, hashlib.sha256(key.encode()).hexdigest()


def add_pasted(archive, job, model: str, text: str) -> tuple[int, bool]:
    """Store ``text`` as ``model``'s reply to the prompt of ``job`` (a ``send.job.Job``): ``(reply id, added)``,
    ``added`` False when the same text was added before (its reply id is given)."""
    prompt_id = job.archive_prompt(archive)
    params, sha = params_for(model, text)
    with archive.transaction():
        reply_id, state = archive.claim(prompt_id, model=model, endpoint=PASTED, params=params, params_sha256=sha,
                                        api=PASTED, endpoint_name=PASTED)
        if reply_id is None:
            return archive.latest_reply(prompt_id, sha)[0], False
        archive.complete(reply_id, reply=text, finish_reason=None, usage=None, latency_ms=None,
                         note="added by hand (archive add): no usage, no cost", sources=markdown_sources(text))
    return reply_id, True


def prompt_of_document(path: str, template: str, variables: dict, today, max_bytes: int = MAX_BYTES):
    """The ``send.job.Job`` of the prompt retest builds for one document with these options — the same text
    ``build --copy`` gives — or one line saying why there is none (not an inquiring line, several documents)."""
    from ..build.prompter import InputFailure, Recipe, build_all, count_documents
    from ..build.templates import compile_template, find
    from ..send.job import Job

    tpl = find(template)
    compile_template(tpl)
    if tpl.kind != "corpus" and count_documents((path,)) != 1:
        raise PastedError(f"--document {path}: give one document (the one the reply answers)")
    built = list(build_all(Recipe((path,), template, variables, today, None, None, max_bytes, count_tokens=True)))
    failures = [p for p in built if isinstance(p, InputFailure)]
    if failures or len(built) != 1:
        raise PastedError(f"--document: {failures[0] if failures else f'{path}: no prompt could be built'}; "
                          "nothing was added")
    return Job.from_prompt(built[0])


def prompt_in_archive(archive, ref: str):
    """The ``send.job.Job`` of an archived prompt, by its row ID or (a prefix of) its SHA-256."""
    from ..send.job import Job

    row = archive.find_prompt(ref)
    if row is None:
        raise PastedError(f"--prompt {ref}: no such prompt in the archive (give its ID, or its SHA-256 or a "
                          "unique prefix of at least 8 hex digits; see `retest archive show`)")
    return Job(text=row["text"], label=row["source"] or f"prompt {row['id']}", template=row["template"],
               template_sha256=row["template_sha256"], source=row["source"], source_sha256=row["source_sha256"],
               tokens=row["tokens"], encoding=row["encoding"])
