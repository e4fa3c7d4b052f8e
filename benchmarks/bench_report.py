"""The report of a large archive: time and peak memory of ``retest report``.

Target: 10,000 documents (3 models, 30,000 replies of ~2.5 kB, 50,000 claims)
reported in ≤ 20 s, as a folder of pages (index + a page per document), with
peak memory flat as the archive grows tenfold. The archive is written directly
with SQLite (as ``send`` would leave it: verdicts read and each reply's page
made as it arrived), so the figure is the report's own.

    python benchmarks/bench_report.py [DOCUMENTS ...]
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from common import bench_env, retest_cmd

MODELS = ("model-a", "model-b", "model-c")
CLAIMS = 5
STATUSES = ("holds", "revised", "overturned", "unresolved")
PROSE = (
    "## What changed\n\nThe **deployment** framing mostly *holds*: newer work (arXiv:2504.07912) replicates the "
    "routing result at larger scale, while arXiv:2609.01234 revises the sparsity figure.\n\n"
    "- sparse subnetworks: confirmed at 7B and 32B, but *dense* updates appear past 70B\n"
    "- the KL bound was relaxed by later recipes (see [the survey](https://example.org/survey))\n\n"
) * 5

PROBE = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
    "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "sys.stderr.write(p.stderr.decode()[-400:]); "
    "print(w, u.ru_utime + u.ru_stime, u.ru_maxrss, p.returncode)"
)


def make_archive(path: Path, documents: int) -> int:
    """An archive of ``documents`` documents × ``MODELS`` replies, verdicts read; the characters of reply text."""
    from retest.archive import Archive, claim_key

    Archive(path).close()  # the schema, as retest makes it
    db = sqlite3.connect(path)
    stamp = "2026-11-20T10:00:00.000+00:00"
    chars = 0
    with db:
        for d in range(1, documents + 1):
            source = f"docs/{d // 100:03d}/line_{d:05d}.txt"
            db.execute("INSERT INTO prompts (id, sha256, text, template, source, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (d, f"{d:064x}", f"prompt {d}", "retest", source, stamp))
            for i in range(1, CLAIMS + 1):
                cid = (d - 1) * CLAIMS + i
                text = f"Claim {i} of document {d}: RL updates only 5–30% of parameters (*sparse* subnetworks)."
                db.execute("INSERT INTO claims (id, key, text, date, arxiv_ids, source, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)", (cid, claim_key(text), text, "2025-05", '["2505.11711"]',
                                                             source, stamp))
                db.execute("INSERT INTO prompt_claims (prompt_id, idx, claim_id, source) VALUES (?, ?, ?, ?)",
                           (d, i, cid, source))
            for m, model in enumerate(MODELS):
                rid = (d - 1) * len(MODELS) + m + 1
                verdicts = [{"claim": i, "status": STATUSES[(d + i + m) % 4], "evidence": ["arXiv:2504.07912"],
                             "note": "replicated at larger scale"} for i in range(1, CLAIMS + 1)]
                reply = PROSE + "```json\n" + json.dumps({"retest_verdicts": verdicts}) + "\n```\n"
                chars += len(reply)
                db.execute("INSERT INTO replies (id, prompt_id, model, endpoint, params, params_sha256, status, reply,"
                           " created_at, finished_at, verdicts_note, verdicts_at) VALUES (?, ?, ?, 'bench', '{}', 'x', 'ok', ?, ?, ?,"
                           " NULL, ?)", (rid, d, model, reply, stamp, stamp, stamp))
                for v in verdicts:
                    db.execute("INSERT INTO claim_verdicts (reply_id, idx, claim_id, status, evidence, evidence_check,"
                               " supported, note, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                               (rid, v["claim"], (d - 1) * CLAIMS + v["claim"], v["status"], json.dumps(v["evidence"]),
                                json.dumps([{"evidence": "arXiv:2504.07912", "id": "2504.07912", "verdict": "known",
                                             "suspect": False}]), v["note"], stamp))
                for arxiv_id, verdict, relation in (("2504.07912", "known", "known"), ("2609.01234", "new", "new")):
                    db.execute("INSERT INTO verdicts (reply_id, arxiv_id, written, verdict, relation, checked_at)"
                               " VALUES (?, ?, ?, ?, ?, ?)", (rid, arxiv_id, "arXiv:" + arxiv_id, verdict, relation,
                                                              stamp))
    db.close()
    from retest.results.report import make_reply_page

    with Archive(path) as archive, archive.transaction():  # each reply's page, as made when it arrived
        for rid in range(1, documents * len(MODELS) + 1):
            make_reply_page(archive, rid)
    return chars


def timed(cmd: list[str], env: dict) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", PROBE, *cmd], capture_output=True, text=True, env=env)
    wall, cpu, rss, code = out.stdout.split()
    if code != "0":
        raise SystemExit(f"report failed: {out.stderr}")
    return float(wall), float(cpu), int(rss)


def main(sizes: list[int] | None = None) -> None:
    sizes = sizes or [1_000, 10_000]
    load = os.getloadavg()[0]
    print(f"report: documents × {len(MODELS)} models, verdicts already read (target: 10,000 documents ≤ 20 s on 2 "
          f"cores, memory flat); load average {load:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            db = Path(tmp) / f"r{n}.db"
            chars = make_archive(db, n)
            env = {**bench_env(), "RETEST_ARCHIVE": str(db)}
            one, cpu, rss = timed(retest_cmd("report", "-j", "1", "-o", str(Path(tmp) / f"one{n}")), env)
            wall, _, _ = timed(retest_cmd("report", "-o", str(Path(tmp) / f"report{n}")), env)
            pages = len(list((Path(tmp) / f"report{n}").glob("*.html")))
            print(f"{n:>7,} documents ({n * len(MODELS):,} replies, {chars / 1e6:.0f}M characters, {pages:,} pages): "
                  f"{wall:5.1f} s with a worker per CPU (target ≤ {20 * n / 10_000:.0f} s); one process {one:.1f} s, "
                  f"{cpu:.1f} s of CPU, peak RSS {rss / 1024:.0f} MB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or None)
