"""Many prompts through a provider's Batch API, or through any executor that reads the same files.

The library behind ``retest batch``. ``submit`` builds every prompt, skips
those already answered (or already in an open batch), claims the rest for a
batch, writes them as request files within the provider's limits, uploads
them and creates the batches; ``collect`` downloads the results, matches them
by ``custom_id`` and archives each reply exactly once; ``export`` and
``import_results`` do the same with a file, for ``vllm run-batch`` and the
like. Prompts whose request failed or expired go back to "not answered".

Every step is recorded before it is taken (see ``archive.batches``), and
``reconcile`` — run first by every command — finishes what a killed run
left half done, finding batches it created but never recorded by the
metadata it gave them. Request and result files are streamed: memory stays
flat however many prompts a batch holds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..archive import Archive, now
from ..errors import RetestError
from ..send.endpoint import Settings
from ..send.protocols import get as protocol
from .api import ENDED, Remote, request_line, request_rest
from .results import Collected, apply_lines  # noqa: F401 — part of this module's interface

MAX_REQUESTS = 50_000  # per file, OpenAI's limit
MAX_BYTES = 200 * 1024 * 1024
GROUP = 500  # prompts stored per write transaction: a kill loses at most a group's claims
_ENDED_REASON = {
    "expired": "the batch expired before this request ran (its 24 h window passed)",
    "cancelled": "the batch was cancelled before this request ran",
    "failed": "the batch failed",
    "completed": "the provider returned no result for this request",
}


def custom_id(reply_id: int, batch_id: int, prompt_sha256: str) -> str:
    """``rt-<reply>-<batch>-<prompt hash>``: a result can only ever land on the prompt it answers, and a
    prompt released from one batch (cancelled, or its run killed) can be put in another."""
    return f"rt-{reply_id}-{batch_id}-{prompt_sha256[:12]}"


def spool_dir(archive: Archive) -> Path:
    """Where request files wait to be uploaded: beside the archive, so a re-run finds them."""
    folder = archive.path.parent / f"{archive.path.name}.batches"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class Submitted:
    batches: list[dict] = field(default_factory=list)
    skipped: int = 0  # already answered
    held: int = 0  # in an open batch, or being sent elsewhere
    unsent: int = 0  # left out: their worst case would have broken --max-cost
    input_failures: int = 0
    problems: list[str] = field(default_factory=list)


class _Chunk:
    """One request file being written, and the local batch it belongs to."""

    def __init__(self, archive: Archive, s: Settings, path: Path | None, state: str = "writing", handle=None):
        self.s = s
        self.id = archive.new_batch(endpoint=s.endpoint, api=s.api, url=protocol(s.api).PATH, model=s.model,
                                    params_sha256=s.params_sha256, state=state)
        self.path = path or spool_dir(archive) / f"batch-{self.id}.jsonl"
        archive.set_batch(self.id, input_path=str(self.path))
        self.fh = handle if handle is not None else open(self.path, "w", encoding="utf-8")
        self.count = 0
        self.bytes = 0


def write_requests(prompts: Iterable, settings: list[Settings], archive: Archive, *, force: bool = False,
                   per_file: int = MAX_REQUESTS, max_bytes: int = MAX_BYTES, out: Path | None = None,
                   on_file: Callable[[int], None] | None = None, on_failure: Callable[[str], None] | None = None,
                   into: Submitted | None = None, admit: Callable[[Settings, str], bool] | None = None,
                   out_handle=None, stop: Callable[[], bool] | None = None) -> Submitted:
    """Claim every unanswered prompt for a batch and write its request line.

    Files are cut at ``per_file`` requests and ``max_bytes``; ``on_file(batch_id)``
    is called as each is finished (to upload it while the next is written).
    With ``out``, one file is written there for an executor (``export``), through ``out_handle``
    when given (an open file the caller renames into place). Once ``stop()`` is true (a Ctrl-C), no further
    group is claimed, and the files not finished are given back rather than handed to ``on_file``.
    """
    result_ = into or Submitted()
    chunks: dict[str, _Chunk] = {}
    full: list[_Chunk] = []  # cut during the group being stored: finished once it is committed

    def finish(chunk: _Chunk) -> None:
        chunk.fh.close()
        if chunk.count == 0:
            archive.release_batch(chunk.id, error="no prompt needed sending")
            if out is None:
                chunk.path.unlink(missing_ok=True)
            return
        archive.set_batch(chunk.id, state="exported" if out else "written", bytes=chunk.bytes)
        result_.batches.append({"id": chunk.id, "model": chunk.s.model, "requests": chunk.count, "bytes": chunk.bytes,
                               "path": str(chunk.path)})
        if on_file:
            on_file(chunk.id)

    def store(group: list) -> None:
        """One group's rows in one short transaction; the requests' text was made before it began."""
        rests = [[(s, request_rest(s, p.prompt)) for s in settings] for p in group]
        requests = []
        with archive.transaction():
            for prompt, prompt_id, per_model in zip(group, archive.add_prompts(group), rests):
                for s, rest in per_model:
                    if admit is not None and (force or not archive.done(prompt_id, s.params_sha256)) \
                            and not admit(s, prompt.prompt):
                        result_.unsent += 1  # --max-cost: this request could break the ceiling
                        continue
                    chunk = chunks.get(s.voice)
                    size = len(rest.encode()) + 48  # the line with its custom_id
                    if chunk is not None and (chunk.count >= per_file or (chunk.bytes + size > max_bytes
                                                                           and chunk.count)):
                        if out is not None:
                            raise RetestError(f"-o {out}: more than {per_file:,} requests; split the documents")
                        full.append(chunk)
                        chunk = None
                    if chunk is None:
                        chunk = chunks[s.voice] = _Chunk(archive, s, out, "writing", out_handle)
                    reply_id, state = archive.claim(prompt_id, model=s.model, endpoint=s.endpoint, params=s.params,
                                                    params_sha256=s.params_sha256, force=force,
                                                    owner=f"batch:{chunk.id}", api=s.api,
                                                    endpoint_name=s.endpoint_name)
                    if reply_id is None:
                        if state == "done":
                            result_.skipped += 1
                        else:
                            result_.held += 1
                        continue
                    cid = custom_id(reply_id, chunk.id, prompt.sha256)
                    line = request_line(cid, rest)
                    requests.append((chunk.id, cid, reply_id, prompt_id))
                    chunk.fh.write(line)
                    chunk.count += 1
                    chunk.bytes += len(line.encode())
            archive.add_batch_requests(requests)

    try:
        # prompts are built (in a child process) while no write lock is held; each group is then stored at once
        for group in _groups(prompts, result_, on_failure, stop):
            if stop is not None and stop():
                break
            store(group)
            while full:
                finish(full.pop(0))
        if stop is not None and stop():
            raise _Stopped
    except BaseException as exc:
        for chunk in [*full, *chunks.values()]:
            if not chunk.fh.closed:
                chunk.fh.close()
            if out is None:
                chunk.path.unlink(missing_ok=True)
            if archive.batch(chunk.id) is not None:
                archive.release_batch(chunk.id, error="the run stopped while writing its requests")
        if isinstance(exc, _Stopped):
            return result_
        raise
    for chunk in chunks.values():
        finish(chunk)
    return result_


class _Stopped(Exception):
    """A Ctrl-C asked that nothing new start: the files being written are given back."""


def _groups(prompts: Iterable, result_: Submitted, on_failure, stop=None) -> Iterable[list]:
    """Built prompts, ``GROUP`` at a time (documents that could not be built are counted and reported); none
    more once ``stop()`` is true."""
    from ..build.prompter import InputFailure

    group: list = []
    for prompt in prompts:
        if stop is not None and stop():
            return
        if isinstance(prompt, InputFailure):
            result_.input_failures += 1
            if on_failure:
                on_failure(str(prompt))
            continue
        group.append(prompt)
        if len(group) >= GROUP:
            yield group
            group = []
    if group:
        yield group


def advance(archive: Archive, remote: Remote, batch: dict, found: dict | None = None,
            stop: Callable[[], bool] | None = None) -> dict:
    """Take a local batch through upload and creation, from whichever step it reached.

    A step the provider refused (4xx) fails the batch for good, with its message, and frees its
    prompts; one that may work later (5xx, no connection) raises, and the batch stays to be finished.
    """
    try:
        return _advance(archive, remote, batch, found, stop)
    except RetestError as exc:
        if not getattr(exc, "refused", False):
            raise
        archive.release_batch(batch["id"], state="failed", error=str(exc))
        _unlink(archive.batch(batch["id"]))
        return archive.batch(batch["id"])


def _advance(archive: Archive, remote: Remote, batch: dict, found: dict | None = None, stop=None) -> dict:
    bid = batch["id"]
    state = batch["state"]
    if state == "writing":  # a run died while writing: its file is partial and its claims are ours to free
        archive.release_batch(bid, error="the run that wrote it stopped before finishing")
        _unlink(batch)
        return archive.batch(bid)
    if state in ("written", "uploading"):
        path = Path(batch["input_path"] or "")
        if not path.is_file():
            archive.release_batch(bid, error=f"its request file {path} is gone")
            return archive.batch(bid)
        archive.set_batch(bid, state="uploading")  # the intent, before the remote step
        file_id = remote.upload(path)
        archive.set_batch(bid, state="uploaded", input_file_id=file_id)
        batch = archive.batch(bid)
        state = "uploaded"
        if stop is not None and stop():  # a Ctrl-C during the upload: the batch is not created (nor billed)
            archive.release_batch(bid, error="the run was stopped by Ctrl-C before it was submitted")
            _unlink(batch)
            return archive.batch(bid)
    if state == "creating" and found and batch["intent"] in found:
        state = "found"
    if state in ("uploaded", "creating"):
        archive.set_batch(bid, state="creating")
        remote_batch = remote.create(batch["input_file_id"], batch["url"], batch["intent"])
        _record(archive, bid, remote_batch)
        _unlink(batch)
    elif state == "found":
        _record(archive, bid, found[batch["intent"]])
        _unlink(batch)
    return archive.batch(bid)


def _record(archive: Archive, bid: int, remote_batch: dict) -> None:
    archive.set_batch(bid, state="submitted", remote_id=remote_batch["remote_id"],
                      remote_status=remote_batch["remote_status"], counts=remote_batch["counts"],
                      output_file_id=remote_batch["output_file_id"], error_file_id=remote_batch["error_file_id"],
                      expires_at=_stamp(remote_batch["expires_at"]))


def _stamp(epoch) -> str | None:
    if not epoch:
        return None
    import datetime as dt

    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).isoformat(timespec="seconds")


def _unlink(batch: dict) -> None:
    if batch.get("input_path") and batch["state"] != "exported":
        Path(batch["input_path"]).unlink(missing_ok=True)


def reconcile(archive: Archive, remote: Remote, endpoint: str) -> list[str]:
    """Finish what killed runs left half done; return one line per batch that needed it."""
    said = []
    stuck = [b for b in archive.batches(open_only=True, endpoint=endpoint)
             if b["state"] in ("writing", "written", "uploading", "uploaded", "creating")]
    if not stuck:
        return said
    creating = {b["intent"] for b in stuck if b["state"] == "creating"}
    found = remote.find_by_intent(creating) if creating else {}
    for b in stuck:
        try:
            after = advance(archive, remote, b, found)
        except RetestError as exc:  # may work later: the batch stays, and the command goes on
            said.append(f"batch {b['id']} (left half done by an earlier run) is still not submitted: {exc}")
            continue
        if after["state"] == "submitted":
            how = "found on the server" if b["intent"] in found else "submitted now"
            said.append(f"batch {b['id']} (left half done by an earlier run) {how}: {after['remote_id']}")
        else:
            said.append(f"batch {b['id']} (left half done by an earlier run) was given up: {after['error']}")
    return said


def refresh(archive: Archive, remote: Remote, batches: list[dict]) -> list[dict]:
    """The provider's current state of each submitted batch, recorded."""
    out = []
    for b in batches:
        if b["remote_id"] and b["remote_status"] not in ENDED:
            r = remote.retrieve(b["remote_id"])
            archive.set_batch(b["id"], remote_status=r["remote_status"], counts=r["counts"],
                              output_file_id=r["output_file_id"], error_file_id=r["error_file_id"],
                              expires_at=_stamp(r["expires_at"]),
                              error="; ".join(r["errors"]) if r["errors"] else b.get("error"))
            b = archive.batch(b["id"])
        out.append(b)
    return out


# -- results ------------------------------------------------------------------------------

def collect_batch(archive: Archive, remote: Remote, batch: dict, done: Collected,
                  after_reply: Callable[[Archive, int], object] | None = None) -> None:
    """Archive an ended batch's results; requests without one fail with the reason, to be sent again."""
    label = f"batch {batch['remote_id']}"
    for file_id in (batch["output_file_id"], batch["error_file_id"]):
        if file_id:
            apply_lines(archive, remote.lines(file_id), done, label, after_reply)
    reason = _ENDED_REASON.get(batch["remote_status"], "the batch ended without a result for this request")
    if batch["remote_status"] == "failed" and batch.get("error"):
        reason = f"the batch failed: {batch['error']}"
    missing = archive.pending_of_batch(batch["id"])
    with archive.transaction():
        for request in missing:
            archive.fail(request["reply_id"], f"{label}: {reason}")
            done.failed.append(f"{request['custom_id']}: {reason}")
        archive.set_batch(batch["id"], state="collected", collected_at=now())
    done.batches.append(archive.batch(batch["id"]))


def import_results(archive: Archive, path: Path, done: Collected | None = None,
                   after_reply: Callable[[Archive, int], object] | None = None) -> Collected:
    """Archive an executor's output file (OpenAI batch output format), matched by ``custom_id``."""
    done = done or Collected()
    from ..util.files import open_input

    try:
        with open_input(path) as fh:
            touched = apply_lines(archive, (line for line in fh if line.strip()), done, f"import of {path.name}",
                                  after_reply)
    except (OSError, UnicodeDecodeError) as exc:
        raise RetestError(f"{path}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    for bid in touched:
        if not archive.pending_of_batch(bid):
            archive.set_batch(bid, state="collected", collected_at=now())
        done.batches.append(archive.batch(bid))
    return done


def wait_for(archive: Archive, remote: Remote, batches: list[dict], *, first: float = 5.0, longest: float = 300.0,
             on_update: Callable[[list[dict]], None] | None = None, sleep=time.sleep) -> list[dict]:
    """Poll until every batch has ended, waiting longer between polls (×1.5, up to ``longest``)."""
    delay = first
    while True:
        batches = refresh(archive, remote, batches)
        if on_update:
            on_update(batches)
        if all(b["remote_status"] in ENDED for b in batches if b["state"] == "submitted"):
            return batches
        sleep(delay)
        delay = min(delay * 1.5, longest)
