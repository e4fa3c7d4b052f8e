"""Submitting and collecting a batch of tens of thousands of prompts.

Targets: `batch submit` of 50,000 prompts (build, archive rows, request file,
upload, create) within 60 s on 2 cores; peak memory flat as the batch grows
(request and result files are streamed, never held); and the time per 10,000
prompts for each step: submit, then download, match, archive and read the
verdicts of every reply (collect).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, bench_env, build_corpus, retest_cmd

sys.path.insert(0, str(ROOT / "tests"))
from servers.batch import BatchServer  # noqa: E402

PROBE = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
    "sys.stderr.write(p.stderr.decode()[-300:] if p.returncode else ''); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(time.perf_counter() - t, u.ru_maxrss, p.returncode, u.ru_utime + u.ru_stime)"
)


def timed(cmd: list[str], env: dict) -> tuple[float, int, float]:
    """Wall time, peak RSS (kB) and CPU seconds (the command and its prompt builders) of one command."""
    out = subprocess.run([sys.executable, "-c", PROBE, *cmd], capture_output=True, text=True, env=env)
    wall, rss, code, cpu = out.stdout.split()
    if code != "0":
        raise SystemExit(f"{cmd[3:6]} failed: {out.stderr}")
    return float(wall), int(rss), float(cpu)


def run_size(tmp: Path, n: int) -> None:
    server = BatchServer(durations=(0.1, 0.5, 0.1))
    url = server.start()
    docs = tmp / f"docs{n}"
    build_corpus(docs, n, seed=n)
    env = {**bench_env(), "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": url, "RETEST_MODEL": "test-model",
           "RETEST_ARCHIVE": str(tmp / f"batch{n}.db"), "NO_PROXY": "127.0.0.1", "HTTP_PROXY": "", "HTTPS_PROXY": ""}
    submit, submit_rss, submit_cpu = timed(retest_cmd("batch", "submit", str(docs)), env)
    while any(b["status"] not in ("completed", "failed", "expired") for b in
              (server.state_of(b) for b in server.batches.values())):
        time.sleep(0.2)
    collect, collect_rss, collect_cpu = timed(retest_cmd("batch", "collect"), env)
    files = len(server.batches)
    server.stop()
    per = 10_000 / n
    print(f"{n:>6,} prompts in {files} file(s): submit {submit:6.1f} s (target ≤ {60 * n / 50_000:.0f} s; "
          f"{submit_cpu:.1f} s CPU, builders included; {submit * per:5.1f} s per 10,000; "
          f"peak RSS {submit_rss / 1024:.0f} MB), collect {collect:5.1f} s ({collect_cpu:.1f} s CPU, verdicts read; "
          f"{collect * per:4.1f} s per 10,000; "
          f"peak RSS {collect_rss / 1024:.0f} MB)")


def main(sizes: list[int] | None = None) -> None:
    sizes = sizes or [10_000, 50_000]
    print("batch: build + write + upload + create (submit); download + match + archive (collect)")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            run_size(Path(tmp), n)
    print("  (flat if the peak RSS stays the same as the batch grows fivefold; "
          + " ".join(f"{x:.1f}" for x in os.getloadavg()) + " load average on this machine)")


if __name__ == "__main__":
    os.environ.setdefault("NO_PROXY", "127.0.0.1")
    main([int(a) for a in sys.argv[1:]] or None)
