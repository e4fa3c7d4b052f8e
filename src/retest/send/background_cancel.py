"""Cancelling background responses (``retest background cancel``), a mixin of ``background.BackgroundRun``.

A response whose id is known is cancelled at the provider, then polled to where it ended. One whose id is
not known yet is decided in the archive, atomically against a run that may be creating it: never sent
(given up here), being created by another run (the cancel is recorded, and that run sends it to the
provider as soon as the id arrives — or keeps the reply, if the response completed first), or of unknown
outcome (given up here; if the provider made it, it is to be cancelled there).
"""

from __future__ import annotations

from . import background_api as api
from .endpoint import ConfigError
from .faults import fatal
from .job import Job, Outcome


class Cancelling:
    async def _cancel(self, job, record: dict) -> dict | None:
        """Ask the provider to cancel; then the poll below records where it ended."""
        import openai

        reply_id, s = job.reply_id, job.settings
        if not record["response_id"]:  # no id yet: decided in the archive, against a run creating it now
            how = await self.writer.call(self.archive.background_cancel_unsent, reply_id)
            if how == "requested":
                self._finish(Outcome(job, "requested", reply_id, note="another run is inside its create call; "
                                     "it cancels the response at the provider as soon as the id arrives"))
                return None
            record = await self.writer.call(self.archive.background_record, reply_id)
            if how in ("cancelled", "given-up"):
                self._finish(Outcome(job, "failed", reply_id, error=record["reason"]))
                return None
            if how == "ended" or not record["response_id"]:
                self._finish(Outcome(job, "skipped", reply_id))
                return None
        try:
            answer = await self._call(s, "post", api.path_of(record["response_id"], "cancel"))
        except openai.NotFoundError:
            answer = {}
        except Exception as exc:  # noqa: BLE001 — e.g. 409 once it has ended: the poll below says where it is
            if fatal(exc):
                raise ConfigError(api.say(exc, s)) from None
            answer, job.note = {}, f"cancel failed: {api.say(exc, s)}"
        await self.writer.call(self.archive.background_polled, reply_id, api.status_of(answer),
                               job.note or "cancel requested")
        return await self.writer.call(self.archive.background_record, reply_id)

    async def _cancel_remote(self, job: Job | None, reply_id: int, response_id: str) -> dict | None:
        """Send the cancel asked for while the create was in flight; the provider's answer (None if it failed:
        the record keeps the request, and the next run or collect sends it again)."""
        s = job.settings if job is not None else self.models[0]
        try:
            answer = await self._call(s, "post", api.path_of(response_id, "cancel"))
        except Exception as exc:  # noqa: BLE001 — e.g. 409 once it has ended: polling says where it is
            await self.writer.call(self.archive.background_polled, reply_id, None,
                                   f"cancel failed: {api.say(exc, s)}")
            return None
        await self.writer.call(self.archive.background_cancel_sent, reply_id)
        await self.writer.call(self.archive.background_polled, reply_id, api.status_of(answer), "cancel requested")
        return answer
