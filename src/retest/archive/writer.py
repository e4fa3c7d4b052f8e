"""One thread that does a run's archive writes, many to a transaction.

The event loop hands each write (a callable on the archive) to this thread and
awaits its result, so that reading streams never waits on SQLite, and a reply
counts as received only once it is committed. Writes queued together share
one transaction (group commit), each inside its own savepoint so that one
failing write cannot undo another. A storage failure (disk full, read-only,
I/O error) fails that write and every later one with ``StorageError``.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading

from .connection import StorageError, is_storage_failure, sqlite_problem

MAX_GROUP = 256


class Writer:
    def __init__(self, archive, loop: asyncio.AbstractEventLoop | None = None):
        self.archive = archive
        self.loop = loop or asyncio.get_running_loop()
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.failed: StorageError | None = None
        self.thread = threading.Thread(target=self._run, name="retest-archive-writer", daemon=True)
        self.thread.start()

    async def call(self, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` on the writer thread, committed, and return its result."""
        future = self.loop.create_future()
        self.queue.put((fn, args, kwargs, future))
        return await future

    async def close(self) -> None:
        self.queue.put(None)
        await asyncio.get_running_loop().run_in_executor(None, self.thread.join)

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            group, stop = [item], False
            while len(group) < MAX_GROUP:
                try:
                    nxt = self.queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                group.append(nxt)
            self._commit(group)
            if stop:
                return

    def _commit(self, group: list) -> None:
        db = self.archive.db
        results = []
        if self.failed is None:
            try:
                db.execute("BEGIN IMMEDIATE")
                for fn, args, kwargs, future in group:
                    db.execute("SAVEPOINT op")
                    try:
                        results.append((future, fn(*args, **kwargs), None))
                        db.execute("RELEASE op")
                    except Exception as exc:  # noqa: BLE001 — handed to the awaiting task
                        if is_storage_failure(exc):
                            raise
                        db.execute("ROLLBACK TO op")
                        db.execute("RELEASE op")
                        results.append((future, None, exc))
                db.execute("COMMIT")
            except Exception as exc:  # noqa: BLE001
                if db.in_transaction:
                    try:
                        db.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                if is_storage_failure(exc):
                    self.failed = StorageError(
                        f"{self.archive.label} {self.archive.path}: cannot store replies: {sqlite_problem(exc)}")
                    error: BaseException = self.failed
                else:
                    error = exc
                results = [(future, None, error) for _, _, _, future in group]
        else:
            results = [(future, None, self.failed) for _, _, _, future in group]
        try:
            self.loop.call_soon_threadsafe(_settle, results)  # one wake-up of the loop per group
        except RuntimeError:
            pass  # the loop has closed: nobody is waiting any more


def _settle(results: list) -> None:
    for future, value, error in results:
        if future.cancelled():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)
