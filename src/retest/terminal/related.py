"""Related papers on the command line: the options of ``retest related`` and ``--related`` (build, send, batch),
the look-up with what it says on stderr, the ``--json`` entries and the table."""

from __future__ import annotations

import click


def lookup_options(f):
    """--since, --max, --source, --refresh, --offline: which newer papers, from where."""
    f = click.option("--offline", is_flag=True, help="Use only what the archive has cached; say what is missing.")(f)
    f = click.option("--refresh", is_flag=True, help="Ask the service again, even for look-ups cached within 7 days.")(f)
    f = click.option("--source", type=click.Choice(["openalex", "s2"]), default="openalex", show_default=True,
                     help="The citation graph: OpenAlex (OPENALEX_API_KEY) or Semantic Scholar "
                          "(SEMANTIC_SCHOLAR_API_KEY).")(f)
    f = click.option("--max", "max_related", type=click.IntRange(1, 100), default=5, show_default=True,
                     metavar="N", help="At most N related papers per claim.")(f)
    f = click.option("--since", metavar="DATE|6m",
                     help="Only papers from this date on (YYYY-MM-DD, YYYY-MM, or 6m/90d/1y back from today); "
                          "narrows each claim's own date.")(f)
    return f


_NAMES = ("related", "since", "max_related", "source", "refresh", "offline")


def related_options(f):
    """``--related`` and its look-up options, for build, send and batch: the command gets them as one dict,
    ``related``, for ``related_request``."""
    import functools

    @functools.wraps(f)
    def gathered(*args, **kw):
        kw["related"] = {name: kw.pop(name) for name in _NAMES}
        return f(*args, **kw)

    gathered = lookup_options(gathered)
    return click.option("--related", is_flag=True,
                        help="Put under the claims the newer papers citing their papers (see `retest related`).")(gathered)


def settings(since, max_related, source, refresh, offline, strict: bool, today=None):
    import datetime as dt

    from ..related import parse_since
    from ..related.lookup import Settings

    if refresh and offline:
        raise click.UsageError("give --refresh or --offline, not both")
    today = today or dt.date.today()
    return Settings(source=source, since=parse_since(since, today), max=max_related, refresh=refresh,
                    offline=offline, strict=strict, today=today)


def related_request(options: dict, today, archive_path, prompt_file=None):
    """``(settings, archive)`` for ``prompt_source`` when ``--related`` was given, else None."""
    related, since, max_related, source, refresh, offline = (options[n] for n in _NAMES)
    if not related:
        if since or refresh or offline or source != "openalex" or max_related != 5:
            raise click.UsageError("--since, --max, --source, --refresh and --offline go with --related")
        return None
    if prompt_file:
        raise click.UsageError("--related builds the prompts: give document PATHS, not --prompt")
    return settings(since, max_related, source, refresh, offline, strict=True,
                    today=today.date() if today else None), archive_path


def stdin_lookup(wanted, paths, max_size: int):
    """For ``prompt_source``: ``stdin → {related_key: ClaimRelated}`` when ``--related`` was given, else None."""
    if wanted is None:
        return None
    return lambda stdin: mapping_for(paths, *wanted, max_size * 1024 * 1024, stdin=stdin)


def gather_for(docs, s, archive_path):
    """Look up what ``docs`` need, through the archive's cache; say what was asked and what is missing."""
    from ..archive import Archive
    from ..terminal.messages import say
    from ..related.lookup import gather

    with Archive(archive_path) as archive:
        g = gather(docs, s, archive)
    t = g.tally
    say(f"related: {t.requests:,} request{'s' * (t.requests != 1)} to {t.service}, {t.cached:,} answer"
        f"{'s' * (t.cached != 1)} from the cache")
    if t.missing:
        say(f"related: {len(t.missing):,} look-up{'s' * (len(t.missing) != 1)} not in the cache (--offline): "
            f"{', '.join(t.missing[:5])}{' …' if len(t.missing) > 5 else ''}")
    return g


def mapping_for(paths, s, archive_path, max_bytes: int, stdin=None, keep: bool = False):
    """``{related_key: ClaimRelated}`` for every claim in ``paths`` (inputs that fail are reported by the
    builder); with ``keep``, also what was read (documents and errors, in order), for the builder to use."""
    from ..errors import InputError
    from ..extract.inputs import iter_inputs
    from ..extract.paths import documents_of
    from ..related.lookup import mapping

    read = list(documents_of(iter_inputs(tuple(paths), max_bytes, stdin=stdin)))
    docs = [d for d in read if not isinstance(d, InputError)]
    g = gather_for(docs, s, archive_path)
    return (mapping(docs, g), read) if keep else mapping(docs, g)


def _papers(c) -> list[dict]:
    return [{"arxiv_id": p, "found": w is not None, "title": (w or {}).get("title"), "date": (w or {}).get("date"),
             "retracted": (w or {}).get("retracted")} for p, w in c.papers.items()]


def public(doc) -> dict:
    """A document's entry in ``--json`` (a stable interface: fields are only ever added)."""
    return {"source": doc.source, "title": doc.title, "claims": [
        {"index": i, "text": c.text, "date": c.date, "arxiv_ids": c.arxiv_ids, "papers": _papers(c),
         "related": [r.model_dump() for r in c.related], "notes": c.notes}
        for i, c in enumerate(doc.claims, start=1)],
        "anchors": [{"arxiv_id": a.arxiv_id, "date": a.date, "label": a.label, "papers": _papers(c),
                     "related": [r.model_dump() for r in c.related], "notes": c.notes} for a, c in doc.anchors]}


def table(results) -> str:
    """Per document, per claim: its related papers, one line each (date, ID, citations, title)."""
    from ..util.display import neutral, terminal_width

    width = max(60, terminal_width())
    lines = []
    for d in results:
        lines.append(neutral(f"{d.title or d.source}  ({d.source})", one_line=True))
        rows = [(f"[{i}] {c.text}", c) for i, c in enumerate(d.claims, start=1)]
        rows += [(f"anchor arXiv:{a.arxiv_id}" + (f" — {a.label}" if a.label else ""), c) for a, c in d.anchors
                 if not any(a.arxiv_id in claim.arxiv_ids for claim in d.claims)]  # the others are listed above
        for head, c in rows:
            lines.append(neutral(f"  {_cut(head, width - 12)} ({c.date or 'undated'})", one_line=True))
            for p, w in c.papers.items():
                if w and w.get("retracted"):
                    lines.append(f"      arXiv:{p} is RETRACTED")
            for r in c.related:
                ident = f"arXiv:{r.arxiv_id}" if r.arxiv_id else (f"doi:{r.doi}" if r.doi else "")
                flag = "RETRACTED " if r.retracted else ""
                head = f"      {r.date or '?':10}  {ident:20}  {r.cited_by_count or 0:>6,} cites  {flag}"
                lines.append(neutral(head + _cut(r.title, max(20, width - len(head))), one_line=True))
            if not c.related and not c.notes:
                lines.append("      (no newer citing papers found)")
            for note in c.notes:
                lines.append(neutral(f"      note: {note}", one_line=True))
        lines.append("")
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)].rstrip() + "…"
