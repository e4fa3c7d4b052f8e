"""Writing the report: one page, or a folder of pages streamed to their files.

Up to ``SPLIT_AT`` documents the report is one page. Past that it is a folder:
a page per document, each written as soon as it is built (by several worker
processes when there are many, each with its own read-only connection), then
two index pages — by name and by overturned claims, two files because a page
without scripts cannot re-sort itself. Memory holds one document at a time per
worker, plus a small row per document for the index.

The template is the package's own, rendered with autoescaping and a generous
deadline per page of its own — not the budgets meant for untrusted prompt
templates, which a large archive would exceed. Every file is written under a
temporary name and renamed, and none may be the archive (``forbidden``).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from itertools import chain, count, islice
from pathlib import Path

from .markup import kind_of, safe_url
from .documents import SPLIT_AT, add_to_summary, document, entries_of, grouped, index_row, now, summarise, titles_of

PAGE_SECONDS = 600.0  # one page rendering longer than this is a bug, not a big archive
POOL_FROM = 64  # documents: below this, worker processes cost more than they save
CHUNK = 8  # documents handed to a worker at a time
INDEXES = (("index.html", "name"), ("index-by-overturned.html", "overturned"))
_NAMES = count()  # temporary names, unique in this process


def _macros():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    methods = frozenset(dir(dict))

    class Pages(Environment):
        def getattr(self, obj, attribute):
            # the page's data are dicts: ``v.status`` looked up as a key first (an attribute lookup that fails
            # first costs more than the rest of the page)
            if type(obj) is dict and attribute in obj and attribute not in methods:  # as before: .items()
                return obj[attribute]
            return super().getattr(obj, attribute)

    env = Pages(loader=FileSystemLoader(Path(__file__).parent), undefined=StrictUndefined, autoescape=True,
                trim_blocks=True, lstrip_blocks=True)
    env.filters.update(usd=_usd, kind=kind_of, safe_url=safe_url, basename=lambda p: os.path.basename(str(p)),
                       breakable=_breakable)
    return env.get_template("report.html.j2").module


def _breakable(text):
    """A URL (or any long token) with a chance to wrap after each ``/ ? & = #``: it breaks between its parts."""
    import re

    from markupsafe import Markup, escape

    parts = re.split(r"(?<=[/?&=#])", str(text))  # linear: one pass, a split after each such character
    return Markup("<wbr>").join(escape(p) for p in parts)


def _usd(cost) -> str:
    usd = cost.get("usd") if isinstance(cost, dict) else cost
    if not isinstance(usd, int | float) or isinstance(usd, bool):
        return "unknown"
    text = f"${usd:,.4f}" if usd < 1 else f"${usd:,.2f}"
    if isinstance(cost, dict) and cost.get("estimated"):
        text = "~" + text
    if isinstance(cost, dict) and cost.get("reported"):
        text += " (reported)"
    if isinstance(cost, dict) and cost.get("later"):
        text += " (priced later)"  # by `archive reprice`, at a price given after the reply arrived
    return text


class _Deadline:
    """A page rendering past ``PAGE_SECONDS`` is stopped (the sandbox's watchdog, with a limit of our own)."""

    def __enter__(self):
        from ..build.sandbox import WATCHDOG

        self.watch = WATCHDOG.watch(PAGE_SECONDS)
        return self

    def __exit__(self, exc_type, exc, tb):
        from ..build.sandbox import WATCHDOG, RenderTimeout

        fired = WATCHDOG.release(self.watch)
        if fired or exc_type is RenderTimeout:
            from ..errors import RetestError

            raise RetestError(f"a page of the report took longer than {PAGE_SECONDS:g} s to render") from None
        return False


def refuse(path: Path, forbidden: Iterable[str]) -> None:
    """Never write over the archive (or its -wal/-shm/-journal), however it is reached; only regular files."""
    from ..errors import RetestError

    for f in forbidden:
        try:
            same = os.path.samefile(path, f)
        except OSError:
            same = os.path.realpath(path) == os.path.realpath(f)
        if same:
            raise RetestError(f"-o {path}: that is the archive's own file ({f}); choose another file")
    if path.exists() and not path.is_file():
        raise RetestError(f"-o {path}: not a regular file; choose another name")


class _Guard:
    """``refuse`` for the many pages of one folder: the archive's files looked up once, then one ``stat`` a page."""

    def __init__(self, folder: Path, forbidden: Iterable[str]):
        self.folder = os.path.realpath(folder)
        self.forbidden = list(forbidden)
        self.real = {os.path.realpath(f) for f in self.forbidden}
        self.ids = set()
        for f in self.forbidden:
            try:
                st = os.stat(f)
            except OSError:
                continue
            self.ids.add((st.st_dev, st.st_ino))

    def check(self, path: Path) -> None:
        import stat

        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path) or os.path.join(self.folder, path.name) in self.real:
                refuse(path, self.forbidden)  # the slow, thorough way for the odd case
            return
        except OSError:
            st = None
        if st is None or (st.st_dev, st.st_ino) in self.ids or not stat.S_ISREG(st.st_mode):
            refuse(path, self.forbidden)


class _Output:
    """A file written whole or not at all: a temporary name beside it, renamed at the end."""

    def __init__(self, path: Path, forbidden: Iterable[str] | _Guard):
        if isinstance(forbidden, _Guard):
            forbidden.check(path)
        else:
            refuse(path, forbidden)
        self.path = path

    def __enter__(self):
        from ..errors import RetestError

        self.tmp = str(self.path.parent / f".retest-{os.getpid()}-{next(_NAMES)}.partial")  # short: any name fits
        try:  # created as an ordinary new file would be (the umask applies), never over another's
            try:
                fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            except FileExistsError:  # left behind by a run that was killed: a name of mkstemp's instead
                import tempfile

                fd, self.tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".retest-", suffix=".partial")
                mask = os.umask(0)
                os.umask(mask)
                os.chmod(self.tmp, 0o666 & ~mask)  # as an ordinary new file would be, not mkstemp's 0600
        except OSError as exc:
            raise RetestError(f"-o {self.path}: cannot write it ({exc.strerror or exc})") from None
        self.fh = os.fdopen(fd, "w", encoding="utf-8", errors="surrogatepass")
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        from ..errors import RetestError

        try:
            self.fh.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
        except OSError as err:
            exc_type = exc_type or RetestError
            problem = RetestError(f"-o {self.path}: cannot write it ({err.strerror or err})")
        else:
            problem = None
        if exc_type is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
        if problem:
            raise problem from None
        return False


def write_page(fh, docs: list[dict], meta: dict) -> None:
    """One page: the summary band, then every document."""
    m = _macros()
    with _Deadline():
        fh.write(m.head("retest report"))
        fh.write(m.band(summarise(docs), meta, None))
        several = len(docs) > 1
        if several:
            fh.write(m.contents(docs))
        for i, d in enumerate(docs, start=1):
            fh.write(m.document(d, f"doc-{i}", 2, several))
        if not docs:
            fh.write(m.empty(meta))
        fh.write(m.tail())


def write_report(archive, out, *, folder=None, paths=None, source=None, model=None, layout: str = "auto",
                 split_at: int = SPLIT_AT, on_error=None, forbidden: Iterable[str] = (), workers: int | None = None
                 ) -> dict:
    """Write the report: one page to ``out`` (a path or ``-``), or a folder of pages (``folder``, else ``out``)
    with ``layout="folder"`` or, with ``"auto"``, past ``split_at`` documents. What was written."""
    forbidden = list(forbidden)
    titles = titles_of(paths) if paths else {}
    docs = grouped(entries_of(archive, paths=paths, source=source, model=model, on_error=on_error, decode=False))
    head: list[tuple[str, list[dict]]] = []
    for item in docs:
        head.append(item)
        if layout == "folder" or (layout == "auto" and len(head) > split_at):
            break
    meta = {"generated": now(), "archive": str(archive.path) if archive is not None else None}
    if not (layout == "folder" or (layout == "auto" and len(head) > split_at)):
        built = [document(archive, src, group, titles.get(src)) for src, group in head]
        if out == "-":
            import sys

            write_page(sys.stdout, built, meta)
        else:
            out = Path(out)
            with _Output(out, forbidden) as fh:
                write_page(fh, built, meta)
        s = summarise(built)
        return {"path": str(out), "pages": 1, "documents": s["documents"], "claims": s["claims"],
                "models": len(s["models"]), "folder": False}
    return _write_folder(archive, Path(folder or out), chain(head, docs), titles, meta, forbidden, workers)


# -- the folder --------------------------------------------------------------------

_WORKER: dict = {}


def _start_worker(archive_path: str | None, folder: str, forbidden: list[str], titles: dict) -> None:
    from ..archive import Archive

    _WORKER.update(archive=Archive(archive_path, create=False, readonly=True) if archive_path else None,
                   folder=Path(folder), forbidden=_Guard(Path(folder), forbidden), titles=titles, macros=_macros())


def _page(job: tuple[int, str, list[dict]]) -> dict:
    """Build and write one document's page; its row for the index."""
    i, src, group = job
    w = _WORKER
    d = document(w["archive"], src, group, w["titles"].get(src))
    name = f"doc-{i:05d}.html"
    m = w["macros"]
    with _Output(w["folder"] / name, w["forbidden"]) as fh, _Deadline():
        fh.write(m.head(d["title"] or d["source"]))
        fh.write(m.nav(i))
        fh.write(m.document(d, "doc", 1))
        fh.write(m.tail())
    return index_row(d, name)


def _pages(jobs: list[tuple[int, str, list[dict]]]) -> list[dict]:
    return [_page(job) for job in jobs]


def _pool_size(workers: int | None, documents_seen: int) -> int:
    if workers is not None:
        return max(1, workers)
    if documents_seen < POOL_FROM:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _write_folder(archive, folder: Path, docs, titles: dict, meta: dict, forbidden: list[str],
                  workers: int | None) -> dict:
    from ..errors import RetestError

    if folder.exists() and not folder.is_dir():
        raise RetestError(f"-o {folder}: a report of this many documents is a folder, and that is a file;"
                          " give a folder name")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RetestError(f"-o {folder}: cannot make the folder ({exc.strerror or exc})") from None
    for name, _sort in INDEXES:
        refuse(folder / name, forbidden)
    archive_path = str(archive.path) if archive is not None else None
    jobs = ((i, src, group) for i, (src, group) in enumerate(docs, start=1))
    first = list(islice(jobs, POOL_FROM))
    size = _pool_size(workers, len(first))
    if size == 1:
        _start_worker(None, str(folder), forbidden, titles)
        _WORKER["archive"] = archive
        rows = [_page(job) for job in chain(first, jobs)]
    else:
        rows = list(_pooled(size, chain(first, jobs), (archive_path, str(folder), forbidden, titles)))
    summary = summarise([])
    for row in rows:
        add_to_summary(summary, row)
    m = _macros()
    by_name = sorted(rows, key=lambda r: ((r["title"] or r["source"]).casefold(), r["source"]))
    by_overturned = sorted(by_name, key=lambda r: -r["overturned"])
    for (name, sort), ordered in zip(INDEXES, (by_name, by_overturned)):
        with _Output(folder / name, forbidden) as fh, _Deadline():
            fh.write(m.head("retest report"))
            fh.write(m.band(summary, meta, sort))
            fh.write(m.index(ordered, sort))
            fh.write(m.tail())
    return {"path": str(folder / "index.html"), "pages": len(rows) + len(INDEXES),
            "documents": summary["documents"], "claims": summary["claims"], "models": len(summary["models"]),
            "folder": True}


def _pooled(size: int, jobs, initargs: tuple):
    """Rows of the pages, in order, from ``size`` processes, never more than a few jobs queued (flat memory).

    The workers are this process's own children, waited for, so their CPU time is counted with its own (``time``,
    ``getrusage``): forked while nothing else runs here (nothing is imported again), else spawned."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    method = "fork" if "fork" in methods and threading.active_count() == 1 else "spawn"
    with ProcessPoolExecutor(size, mp_context=multiprocessing.get_context(method), initializer=_start_worker,
                             initargs=initargs) as pool:
        pending: deque = deque()
        jobs = iter(jobs)
        while chunk := list(islice(jobs, CHUNK)):  # a few documents a task: less to hand over than one by one
            pending.append(pool.submit(_pages, chunk))
            if len(pending) >= size * 3:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
