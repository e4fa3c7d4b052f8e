"""The limiter's arithmetic: halve on overload, grow after a run of successes, probe rarely what failed."""

import asyncio

from retest.send.concurrency import MAX_PATIENCE, ONE_AT_A_TIME_PATIENCE, Limiter


def run(coro):
    return asyncio.run(coro)


async def one(limiter: Limiter, *, ok: bool = True, overload: str | None = None, one_at_a_time: bool = False):
    started = await limiter.acquire()
    return await limiter.release(started, ok=ok, overload=overload, one_at_a_time=one_at_a_time)


async def successes(limiter: Limiter, n: int) -> None:
    for _ in range(n):
        await one(limiter)


def test_overload_halves_and_a_run_of_successes_grows_by_one():
    async def go():
        lim = Limiter(8)
        assert await one(lim, ok=False, overload="answered 429 (too many requests)") == \
            "answered 429 (too many requests)"
        assert lim.level == 4 and lim.lowest == 4 and lim.patience == 2
        await successes(lim, 4 * 2 - 1)
        assert lim.level == 4  # not yet: the run is the level times the patience
        await successes(lim, 1)
        assert lim.level == 5
        await successes(lim, 5)  # a full run at 5 without overload: the increase held
        assert lim.patience == 1
        await successes(lim, 6)
        assert lim.level == 7
    run(go())


def test_failures_of_requests_started_before_a_decrease_do_not_halve_again():
    async def go():
        lim = Limiter(8)
        starts = [await lim.acquire() for _ in range(8)]
        for s in starts:
            await lim.release(s, ok=False, overload="timed out")
        assert lim.level == 4 and lim.reasons["timed out"] == 8
        assert [level for _, level, _ in lim.changes] == [4]
    run(go())


def test_each_failed_probe_doubles_the_patience_up_to_a_bound():
    async def go():
        lim = Limiter(2)
        for expected in (2, 4, 8, 16, 32, 64, 64):
            await one(lim, ok=False, overload="answered 503 (overloaded)")
            assert lim.level == 1 and lim.patience == expected
            await successes(lim, expected)  # exactly the run needed: probe 2 again
            assert lim.level == 2
        assert expected == MAX_PATIENCE
    run(go())


def test_a_server_that_serves_one_at_a_time_drops_the_level_to_one_and_is_probed_rarely():
    async def go():
        lim = Limiter(4)
        said = await one(lim, ok=False, overload="cut streams while others were in flight", one_at_a_time=True)
        assert said and lim.level == 1 and lim.lowest == 1
        assert lim.patience == ONE_AT_A_TIME_PATIENCE
        await successes(lim, ONE_AT_A_TIME_PATIENCE - 1)
        assert lim.level == 1
        await successes(lim, 1)
        assert lim.level == 2
    run(go())


def test_the_level_never_exceeds_the_ceiling_and_acquire_waits_for_a_place():
    async def go():
        lim = Limiter(2)
        await successes(lim, 50)
        assert lim.level == 2
        a, b = await lim.acquire(), await lim.acquire()
        third = asyncio.ensure_future(lim.acquire())
        await asyncio.sleep(0.01)
        assert not third.done() and lim.in_flight == 2
        await lim.release(a, ok=True)
        await asyncio.wait_for(third, 1)
        assert lim.in_flight == 2
        await lim.release(b, ok=True)
        await lim.release(third.result(), ok=True)
        assert lim.in_flight == 0
    run(go())
