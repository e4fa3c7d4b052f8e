"""The claims ledger: for each claim, what each model last said of it, and when.

A claim is the same claim wherever it was sent (by its words, see
``archive.claim_key``), so its verdicts gather across templates, models and
months. Everything is read from tables in one query (verdicts are read from
replies as they arrive, see ``check.arrival``). The consensus is one word, shown first:

- ``untested`` — no reply gave it a verdict (``not sent`` if it was never sent);
- ``all hold`` / ``all revised`` / ``all overturned`` / ``unresolved`` — every
  model that gave a verdict agrees;
- ``overturned by N`` — N models say overturned, others disagree;
- ``split`` — any other disagreement.

A verdict whose every evidence ID is suspect counts as *unsupported*: it is
shown, flagged, and left out of the consensus — but never hidden by it: where
an unsupported verdict disagrees, the word loses its "all" and says so
(``holds (1 unsupported dissent)``); with no supported verdict at all it is
``unsupported``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


def consensus(verdicts: list[dict]) -> str:
    statuses = [v["status"] for v in verdicts if v["status"] and v.get("supported") is not False]
    if not statuses:
        return "unsupported" if any(v["status"] for v in verdicts) else "untested"
    distinct = set(statuses)
    if len(distinct) == 1:
        dissent = sum(1 for v in verdicts if v["status"] and v["status"] != statuses[0])
        if dissent:
            return f"{statuses[0]} ({dissent} unsupported dissent{'s' if dissent > 1 else ''})"
        return {"holds": "all hold", "revised": "all revised", "overturned": "all overturned",
                "unresolved": "unresolved"}[statuses[0]]
    if "overturned" in distinct:
        return f"overturned by {statuses.count('overturned')}"
    return "split"


def claims_of_documents(paths: Iterable[str], on_error: Callable[[Exception], None] | None = None) -> list[dict]:
    """The claims of the given documents, in order, as the ledger lists them.

    A document that cannot be read is passed to ``on_error`` and skipped: the rest still count.
    """
    from ..archive import claim_key
    from ..errors import InputError
    from ..extract import extract_paths

    out = []
    for doc in extract_paths(paths):
        if isinstance(doc, InputError):
            if on_error:
                on_error(doc)
            continue
        for i, c in enumerate(doc.claims, start=1):
            out.append({"key": claim_key(c.text), "index": i, "text": c.text, "date": c.date,
                        "arxiv_ids": list(c.arxiv_ids), "source": doc.source})
    return out


def ledger(archive, *, paths: list[str] | None = None, source: str | None = None, model: str | None = None,
           history: bool = False, on_error: Callable[[Exception], None] | None = None) -> list[dict]:
    """One entry per claim and document that sent it: ``{index, text, date, arxiv_ids, source, consensus, verdicts,
    related, retracted}``.

    ``verdicts`` holds each model's latest verdict (every verdict, oldest
    first, with ``history``): ``{model, status, evidence, evidence_check,
    supported, note, reply_id, at}``, ``status`` None where a reply gave none.
    Only reads the archive: verdicts are read from replies as they arrive
    (``check.arrival``). ``related``: the newer papers prompts supplied for the claim (``--related``), each
    with ``used_by``, the models whose replies cited it. ``retracted``: the claim's own papers (``arxiv_ids``) that
    OpenAlex marks retracted, as cached by any look-up (``related``, ``--related``, ``--online``).
    """
    return list(iter_ledger(archive, paths=paths, source=source, model=model, history=history, on_error=on_error))


def iter_ledger(archive, *, paths: list[str] | None = None, source: str | None = None, model: str | None = None,
                history: bool = False, on_error: Callable[[Exception], None] | None = None, decode: bool = True
                ) -> Iterator[dict]:
    """The ledger's entries one at a time (the report reads it so: memory stays flat); with ``decode=False`` each
    entry's verdicts are left as JSON text (cheap to hand to another process, decoded there)."""
    import json

    ambiguous = archive.ambiguous_models()
    related = archive.related_by_claim()
    retracted = archive.retracted_papers()
    for head, verdicts, claim_id in _rows(archive, paths, source, model, history, on_error):
        if decode or ambiguous:
            labelled = [voice(v, ambiguous) for v in json.loads(verdicts)]
            verdicts = labelled if decode else json.dumps(labelled, ensure_ascii=False)
        yield {**head, "verdicts": verdicts, "related": related.get(claim_id, []),
               "retracted": [x for x in head["arxiv_ids"] if x in retracted] if retracted else []}


def voice(verdict: dict, ambiguous: set[str]) -> dict:
    """A verdict labelled by who gave it: ``MODEL@NAME`` where the model name was answered from several
    endpoints (``Archive.ambiguous_models``), plain ``MODEL`` where it was not."""
    name = verdict.get("endpoint")
    if name and verdict.get("model") in ambiguous:
        verdict["model"] = f"{verdict['model']}@{name}"
    return verdict


def ledger_json(archive, *, paths: list[str] | None = None, source: str | None = None, model: str | None = None,
                history: bool = False, on_error: Callable[[Exception], None] | None = None) -> Iterator[str]:
    """The ledger's entries as JSON text, one at a time: the same entries as ``ledger``, never all in memory, inert
    on a terminal (``display.safe_json``)."""
    from json.encoder import encode_basestring

    from ..util.display import safe_json

    def text(value) -> str:
        return "null" if value is None else encode_basestring(value)

    import json

    related = archive.related_by_claim()
    retracted = archive.retracted_papers()

    def supplied(claim_id) -> str:
        found = related.get(claim_id)
        return safe_json(json.dumps(found, ensure_ascii=False)) if found else "[]"

    def own(arxiv_ids: str) -> str:
        """The claim's own papers that OpenAlex marks retracted (JSON; no parse when none is)."""
        if not retracted or arxiv_ids == "[]":
            return "[]"
        # arXiv IDs hold no quote or backslash: the array as json.dumps writes it splits without a parse
        ids = (arxiv_ids[2:-2].split('", "') if arxiv_ids.startswith('["') and "\\" not in arxiv_ids
               else json.loads(arxiv_ids))
        found = [x for x in ids if x in retracted]
        return json.dumps(found) if found else "[]"

    if not paths:  # SQLite writes all but the consensus
        word = _words()
        for r in archive.ledger_rows(source_like=source, model=model, history=history, json_head=True):
            signature, verdicts, live = split_found(r["found"])
            yield (f'{safe_json(r["head"])}{encode_basestring(word(signature))}, '
                   f'"verdicts": {safe_json(verdicts) if live else verdicts}, "related": {supplied(r["id"])}, '
                   f'"retracted": {own(r["arxiv_ids"])}}}')
        return
    for head, verdicts, claim_id in _rows(archive, paths, source, model, history, on_error, raw=True):
        yield safe_json(f'{{"index": {head["index"]}, "text": {text(head["text"])}, "date": {text(head["date"])}, '
                        f'"arxiv_ids": {head["arxiv_ids"]}, "source": {text(head["source"])}, '
                        f'"consensus": {text(head["consensus"])}, "verdicts": {verdicts}, '
                        f'"related": {supplied(claim_id)}, "retracted": {own(head["arxiv_ids"])}}}')


def split_found(found: str | None) -> tuple[str | None, str, bool]:
    """``(signature, verdicts JSON, whether any entry was made now)`` of ``Archive.ledger_rows``' ``found``."""
    if found is None:
        return None, "[]", False
    signature, _, rest = found.partition("\x1f")
    verdicts, _, live = rest.rpartition("\x1f")  # JSON text never holds a raw \x1f
    return signature, verdicts, live != "0"


def _words() -> Callable[[str | None], str]:
    """The consensus word of a signature (each model's latest ``status:supported``, comma-separated), remembered:
    few signatures recur over many claims."""
    words: dict[str | None, str] = {}

    def word(signature: str | None) -> str:
        if signature not in words:
            latest = []
            for part in (signature.split(",") if signature else []):
                status, _, supported = part.partition(":")
                latest.append({"status": status or None, "supported": None if supported == "" else supported == "1"})
            words[signature] = consensus(latest)
        return words[signature]

    return word


def _rows(archive, paths, source, model, history, on_error, raw: bool = False) -> Iterator[tuple[dict, str]]:
    """``(entry without its verdicts, the verdicts as JSON text)`` in ledger order, from one query."""
    import json

    word = _words()
    if not paths:
        counters: dict[str | None, int] = {}
        for r in archive.ledger_rows(source_like=source, model=model, history=history):
            signature, verdicts, _ = split_found(r["found"])
            counters[r["source"]] = counters.get(r["source"], 0) + 1
            head = {"index": counters[r["source"]], "text": r["text"], "date": r["date"],
                    "arxiv_ids": r["arxiv_ids"] if raw else json.loads(r["arxiv_ids"]), "source": r["source"],
                    "consensus": word(signature)}
            yield head, verdicts, r["id"]
        return
    wanted = claims_of_documents(paths, on_error)
    known = archive.claims_by_key([c["key"] for c in wanted])
    pairs = sorted({(known[c["key"]]["claim_id"], c["source"]) for c in wanted if c["key"] in known})
    found = {(r["id"], r["source"]): split_found(r["found"])[:2]
             for r in archive.ledger_rows(wanted=pairs, model=model, history=history)}
    for c in wanted:
        row = known.get(c["key"])
        signature, verdicts = found.get((row["claim_id"], c["source"]), (None, None)) if row else (None, None)
        head = {"index": c["index"], "text": c["text"], "date": c["date"],
                "arxiv_ids": json.dumps(c["arxiv_ids"]) if raw else c["arxiv_ids"], "source": c["source"],
                "consensus": word(signature) if row else "not sent"}
        yield head, verdicts or "[]", row["claim_id"] if row else None
