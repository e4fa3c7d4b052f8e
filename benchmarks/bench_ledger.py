"""The claims ledger at scale, and what reading each reply's verdicts costs when it arrives.

Targets (each printed beside its figure):
- `retest claims --json` over 50,000 replies (10,000 documents × 5 models, ~6 claims each) within 2 s,
  with `--source` and `--model` as fast or faster, and peak memory flat (the JSON is streamed): the same
  peak RSS at 2,000 and at 10,000 documents, within 20 MB;
- reading a reply's verdict block and citations as it is stored: a few milliseconds a reply (the cost
  `claims` used to pay for every reply the first time it was asked);
- what is known about papers (look-ups cached for every claim's paper, three citations a reply, a tenth of the
  papers retracted) costs `claims --json` within 10% of the same ledger without it, once the replies are up
  to date with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, bench_env, retest_cmd

sys.path.insert(0, str(ROOT / "tests"))
import ledger_archive  # noqa: E402

MODELS = ("model-a", "model-b", "model-c", "model-d", "model-e")
PROBE = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
    "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "sys.stderr.write(p.stderr.decode()[-300:] if p.returncode else ''); "
    "print(w, u.ru_utime + u.ru_stime, u.ru_maxrss, p.returncode)"
)


def measure(cmd: list[str], env: dict, repeat: int = 3) -> tuple[float, float, int]:
    """Best wall time, its CPU time, and the peak RSS (kB) of ``cmd`` over ``repeat`` runs."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE, *cmd], capture_output=True, text=True, env=env)
        wall, cpu, rss, code = out.stdout.split()
        if code != "0":
            raise SystemExit(f"{cmd[3:]} failed: {out.stderr}")
        runs.append((float(wall), float(cpu), int(rss)))
    best = min(runs)
    return best[0], best[1], max(r[2] for r in runs)


def load() -> str:
    try:
        return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"
    except OSError:
        return "load unknown"


def ledger_at(tmp: Path, docs: int) -> int:
    path = tmp / f"ledger{docs}.db"
    t = time.perf_counter()
    ledger_archive.make(path, docs, MODELS, seed=docs)
    made = time.perf_counter() - t
    env = {**bench_env(), "RETEST_ARCHIVE": str(path)}
    replies = docs * len(MODELS)
    print(f"{docs:>6,} documents × {len(MODELS)} models ≈ {replies:,} replies (archive made in {made:.0f} s; {load()})")
    peak = 0
    for label, args, target in (("claims --json", (), 2.0), ("  --source", ("--source", "/004/"), 2.0),
                                ("  --model", ("--model", "model-c"), 2.0)):
        wall, cpu, rss = measure(retest_cmd("claims", "--json", *args), env)
        peak = max(peak, rss)
        scaled = f"target ≤ {target * docs / 10_000:.1f} s" if docs != 10_000 else f"target ≤ {target:.0f} s"
        print(f"  {label:<14} {wall:5.2f} s wall, {cpu:5.2f} s CPU, peak RSS {rss / 1024:4.0f} MB  ({scaled})")
    return peak


def reading_cost(tmp: Path, docs: int = 300) -> None:
    """Milliseconds of CPU per reply to read its verdicts and citations and store them."""
    from retest.archive import Archive
    from retest.check.arrival import catch_up

    path = tmp / "unread.db"
    ledger_archive.make(path, docs, MODELS[:2], seed=1, read=True)
    with Archive(path) as archive:
        n = archive.count_unread()
        t = time.process_time()
        catch_up(archive)
        cpu = time.process_time() - t
    print(f"reading verdicts at arrival: {cpu / n * 1000:.2f} ms CPU a reply over {n:,} replies "
          f"(paid once, when each reply is stored; target: a few ms)")


def facts_cost(tmp: Path, docs: int) -> None:
    """``claims --json`` over the same ledger, bare and then with look-ups cached for every paper it names."""
    import json
    import random
    import sqlite3

    from retest.archive import Archive

    path = tmp / f"facts{docs}.db"
    ledger_archive.make(path, docs, MODELS, seed=docs)
    Archive(path).close()  # the schema brought up to date
    env = {**bench_env(), "RETEST_ARCHIVE": str(path)}
    bare = measure(retest_cmd("claims", "--json"), env)
    db = sqlite3.connect(path)
    papers = [r[0] for r in db.execute("SELECT DISTINCT j.value FROM claims c, json_each(c.arxiv_ids) j")]
    rng = random.Random(docs)
    cited = {(rid, paper) for (rid,) in db.execute("SELECT id FROM replies WHERE status = 'ok'")
             for paper in rng.sample(papers, 3)}
    db.executemany("INSERT INTO verdicts (reply_id, arxiv_id, written, verdict, relation, checked_at)"
                   " VALUES (?, ?, ?, 'known', 'known', '2026-01-01')", [(r, p, f"arXiv:{p}") for r, p in cited])
    db.executemany("INSERT INTO arxiv_cache VALUES (?, 1, 'A title', 'An Author', '2025-01-01', '2025-12-01')",
                   [(p,) for p in papers])
    db.executemany("INSERT INTO related_works VALUES ('openalex', ?, ?, '2025-12-01')",
                   [(p, json.dumps({"key": f"W{n}", "title": "A title", "retracted": n % 10 == 0}))
                    for n, p in enumerate(papers)])
    db.commit()
    db.close()
    measure(retest_cmd("claims", "--json"), env, repeat=1)  # the first run weighs every look-up once
    known = measure(retest_cmd("claims", "--json"), env)
    print(f"what is known about papers ({len(papers):,} looked up, {len(cited):,} citations): claims --json "
          f"{known[1]:.2f} s CPU against {bare[1]:.2f} s without (target: within 10%)")


def main(sizes: list[int] | None = None) -> None:
    sizes = sizes or [2_000, 10_000]
    print("ledger: `retest claims --json` (one SQL query, streamed)")
    peaks = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            peaks.append(ledger_at(Path(tmp), n))
        if len(peaks) > 1:
            grew = (max(peaks) - min(peaks)) / 1024
            print(f"  peak RSS grew {grew:.0f} MB from {sizes[0]:,} to {sizes[-1]:,} documents (target: flat, ≤ 20 MB)")
        reading_cost(Path(tmp))
        facts_cost(Path(tmp), sizes[0])
    print("  (on a shared machine CPU seconds are the steadier figure)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or None)
