"""Sending throughput and archive scale.

Targets: 64 distinct prompts at --concurrency 16 against a local server with
100 ms latency per request finish within 1.3x the ideal (4 rounds x 100 ms
plus the command's own start-up, measured as the same command when every
prompt is already archived); with 100,000 replies archived, `retest archive
list` and `search` answer in under 100 ms and memory stays flat.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, build_corpus, env_with_src, peak_rss_kb, retest_cmd, run

sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))
from chat_server import ChatServer  # noqa: E402


def bench_send(tmp: Path) -> None:
    server = ChatServer(latency=0.1)
    url = server.start()
    docs = tmp / "docs"
    build_corpus(docs, 64, seed=11)
    env = {**env_with_src(), "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": url, "RETEST_MODEL": "test-model",
           "NO_PROXY": "127.0.0.1", "HTTP_PROXY": "", "HTTPS_PROXY": ""}
    times, startups = [], []
    for i in range(3):
        env["RETEST_ARCHIVE"] = str(tmp / f"send{i}.db")
        cmd = retest_cmd("send", "-j", "16", str(docs))
        t, _ = run(cmd, env=env)
        times.append(t)
        startups.append(run(cmd, env=env)[0])  # all archived: start-up, building and checking only
    server.stop()
    sent = len(server.completions())
    t, startup = statistics.median(times), statistics.median(startups)
    ideal = 4 * 0.1 + startup
    print(f"send: 64 prompts, -j 16, 100 ms latency: {t:.2f} s; start-up {startup:.2f} s; ideal {ideal:.2f} s "
          f"= {t / ideal:.2f}x (target <= 1.3x); server saw {sent} requests for 3 runs (max in flight "
          f"{server.max_active})")


def fill(path: Path, n: int) -> None:
    from retest.archive import Archive, now

    words = "reasoning sparse entropy plasticity routing calibration drift depth format scaling".split()
    with Archive(path) as a:
        with a.transaction():
            stamp = now()
            a.db.executemany(
                "INSERT INTO prompts (sha256, text, template, source, created_at) VALUES (?, ?, 'retest', ?, ?)",
                ((f"{i:064x}", f"Prompt {i} about {words[i % 10]} and {words[(i * 7) % 10]}.", f"doc{i}.txt", stamp)
                 for i in range(n)),
            )
            a.db.executemany(
                "INSERT INTO replies (prompt_id, model, endpoint, params, params_sha256, status, reply,"
                " total_tokens, created_at, finished_at) VALUES (?, ?, 'bench', '{}', 'x', 'pending', ?, 100, ?, ?)",
                ((i + 1, f"model-{i % 3}", f"Reply {i}: {words[(i * 3) % 10]} holds; see arXiv:2504.{i % 99999:05d}.",
                  stamp, stamp) for i in range(n)),
            )
            a.db.execute("UPDATE replies SET status = 'ok'")


def bench_archive(tmp: Path) -> None:
    from retest.archive import Archive

    sizes = {}
    for n in (1_000, 100_000):
        path = tmp / f"arch{n}.db"
        t0 = time.perf_counter()
        fill(path, n)
        fill_s = time.perf_counter() - t0
        env = {**env_with_src(), "RETEST_ARCHIVE": str(path)}
        with Archive(path, create=False) as a:
            q_list = min(_timed(lambda: a.list(20)) for _ in range(5))
            q_search = min(_timed(lambda: a.search("plasticity", 20)) for _ in range(5))
            q_model = min(_timed(lambda: a.list(20, model="model-1")) for _ in range(5))
        c_list = statistics.median(run(retest_cmd("archive", "list"), env=env)[0] for _ in range(5))
        c_search = statistics.median(run(retest_cmd("archive", "search", "plasticity"), env=env)[0] for _ in range(5))
        rss_list = peak_rss_kb(retest_cmd("archive", "list"), env=env)
        rss_export = peak_rss_kb(retest_cmd("archive", "export"), env=env)
        sizes[n] = (rss_list, rss_export)
        print(f"archive with {n:>7,} replies (filled in {fill_s:.1f} s): query list {q_list * 1000:.1f} ms, "
              f"list --model {q_model * 1000:.1f} ms, search {q_search * 1000:.1f} ms; "
              f"command `archive list` {c_list * 1000:.0f} ms, `archive search` {c_search * 1000:.0f} ms")
    for n, (rl, re_) in sizes.items():
        print(f"  peak RSS at {n:>7,}: archive list {rl / 1024:.0f} MB, archive export (all) {re_ / 1024:.0f} MB")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_send(Path(tmp))
        bench_archive(Path(tmp))


if __name__ == "__main__":
    os.environ.setdefault("NO_PROXY", "127.0.0.1")
    main()
