"""``batch submit``'s run: write the request files, upload each and create its batch, and Ctrl-C as ``send``
takes it (``send.interrupt.Stop``).

The first Ctrl-C starts nothing new — no further group of prompts is claimed, no file uploaded, no batch
created — and waits for the call in flight; a batch created by it is recorded (it is paid for as it runs, and
``batch collect`` finds it by its record). The batches not yet submitted are given back, their prompts free for
the next run. A second Ctrl-C stops at once: the call in flight is abandoned, and what it may have created is
named; the next ``batch`` command looks for it by its intent (``runner.reconcile``) and records it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import RetestError
from ..send.interrupt import Interrupted, Stop
from .runner import Submitted, advance, write_requests

STOPPED = "the run was stopped by Ctrl-C before it was submitted"


@dataclass
class Submission(Submitted):
    created: list[dict] = field(default_factory=list)  # batches created at the provider, as recorded
    failed: list[dict] = field(default_factory=list)  # batches the provider refused
    stopped: bool = False  # a first Ctrl-C came
    given_back: int = 0  # batches not submitted because of it (their prompts free again)
    current: int | None = None  # the batch whose upload or creation is in flight


def submit(prompts, settings, archive, remotes: dict, *, force: bool = False, per_file: int,
           on_created: Callable[[dict], None], on_failure: Callable[[str], None], admit=None,
           on_stopping: Callable[[int | None], None] | None = None) -> Submission:
    """Submit every unanswered prompt of ``prompts`` to every model of ``settings`` as batches."""
    done = Submission()

    def second() -> None:
        raise Interrupted(hard_stop(done))

    stop = Stop(lambda: on_stopping(done.current) if on_stopping else None, second)

    def upload(batch_id: int) -> None:
        if stop.draining:
            archive.release_batch(batch_id, error=STOPPED)
            done.given_back += 1
            return
        done.current = batch_id
        try:
            batch = archive.batch(batch_id)
            after = advance(archive, remotes[batch["endpoint"]], batch, stop=lambda: stop.draining)
        except Interrupted:
            raise
        except RetestError as exc:  # the batch stays recorded; the next run finishes it
            done.problems.append(f"batch {batch_id}: {exc} (recorded; run `retest batch submit` or "
                                 "`retest batch status` again to finish it)")
            return
        finally:
            done.current = None
        if after["state"] == "failed":
            done.failed.append(after)
            done.problems.append(f"batch {batch_id} failed: {after['error']}; its {after['requests']:,} prompt(s) "
                                 "are free to send again")
        elif after["state"] == "submitted":
            done.created.append(after)
            on_created(after)
        else:  # given back between its upload and its creation
            done.given_back += 1

    with stop.handling():
        write_requests(prompts, settings, archive, force=force, per_file=per_file, on_file=upload,
                       on_failure=on_failure, into=done, admit=admit, stop=lambda: stop.draining)
    done.stopped = stop.draining
    return done


def hard_stop(done: Submission) -> str:
    """What a second Ctrl-C says: what may have been created (and billed), what was recorded."""
    made = ", ".join(b["remote_id"] for b in done.created)
    recorded = (f"{len(done.created)} batch(es) created before it were recorded ({made}): `retest batch collect` "
                "archives their replies" if done.created else "no other batch was created")
    flight = (f"batch {done.current} was being uploaded or created: it may exist at the provider and be billed as "
              "it runs — the next `retest batch status`, `collect` or `submit` looks for it and records it"
              if done.current is not None else "no upload or creation was in flight")
    return f"stopped at once (a second Ctrl-C); {flight}; {recorded}"
