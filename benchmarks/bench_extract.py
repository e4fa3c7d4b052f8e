"""Extract throughput and memory over a 10,000-document corpus, and start-up time.

Targets: `retest extract --jsonl` over the corpus within 2.5x of the floor
(read every file in Python and run one arXiv regex), peak memory flat as the
corpus grows, and `retest extract SEED` / `retest --help` within 2x of
`python -c "import pydantic"`. Each ratio is printed in wall time and in CPU
seconds (user + system, median of the runs): on a busy machine the CPU figure
is the steadier one. `extract_stages.py` breaks the extract figure down by step.

Measured (2 cores shared, load average 1.0-1.7): extract --jsonl 7.34 s CPU =
2.21x the floor's 3.32 s (the code before, run straight after: 9.44 s = 2.73x;
interleaved runs under a load of ~4: 2.26x against 2.75x); peak 23 MB flat;
`extract SEED` 1.52x `import pydantic` in CPU. With the loose range pattern and documents no longer
validated again (see bench_build.py), on main at the same load: 7.27 s = 2.26x the floor's 3.21 s, 22-23 MB;
`extract SEED` 1.25x, `extract --jsonl SEED` 1.32x, `--help` 0.84x.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from common import (
    SEEDS,
    bench_env,
    build_corpus,
    cpu_of,
    floor_cmd,
    peak_rss_kb,
    retest_cmd,
)


def main(count: int = 10_000) -> None:
    env = bench_env()
    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp, "small"), Path(tmp, "big")
        build_corpus(small, count // 10)
        size = build_corpus(big, count)
        cpu_of(floor_cmd(big), env=env)  # warm the page cache
        floor_runs = [cpu_of(floor_cmd(big), env=env) for _ in range(3)]
        extract_runs = [cpu_of(retest_cmd("extract", "--jsonl", str(big)), env=env) for _ in range(3)]
        floor, floor_cpu = (statistics.median(x) for x in zip(*floor_runs))
        extract, extract_cpu = (statistics.median(x) for x in zip(*extract_runs))
        rss_small = peak_rss_kb(retest_cmd("extract", "--jsonl", str(small)), env=env)
        rss_big = peak_rss_kb(retest_cmd("extract", "--jsonl", str(big)), env=env)
    print(f"corpus: {count:,} documents, {size / 1e6:.1f} MB")
    print(f"floor (read + one regex): {floor:.2f} s ({floor_cpu:.2f} s CPU)")
    print(f"retest extract --jsonl:   {extract:.2f} s  = {extract / floor:.2f}x floor (target <= 2.5x)"
          f"  {count / extract:,.0f} docs/s; CPU {extract_cpu:.2f} s = {extract_cpu / floor_cpu:.2f}x the floor's")
    print(f"peak RSS: {rss_small / 1024:.0f} MB at {count // 10:,} docs, {rss_big / 1024:.0f} MB at {count:,} docs"
          f" (flat if close)")

    pyd = [sys.executable, "-c", "import pydantic"]
    seed = str(SEEDS[-1])
    for label, cmd in [
        ("retest --help", retest_cmd("--help")),
        ("retest extract SEED", retest_cmd("extract", seed)),
        ("retest extract --jsonl SEED", retest_cmd("extract", "--jsonl", seed)),
    ]:
        runs = [(cpu_of(cmd, env=env), cpu_of(pyd, env=env)) for _ in range(15)]  # in turn: drift hits both
        t, base = (statistics.median(r[k][0] for r in runs) for k in (0, 1))
        c, base_c = (statistics.median(r[k][1] for r in runs) for k in (0, 1))
        print(f"{label:<28} {t * 1000:6.0f} ms = {t / base:.2f}x `import pydantic` ({base * 1000:.0f} ms; target <= 2x);"
              f" CPU {c * 1000:.0f} ms = {c / base_c:.2f}x ({base_c * 1000:.0f} ms)")
    heavy = ("openai", "tiktoken", "jinja2", "rich", "genai_prices")
    for label, args in [("--help", ["--help"]), ("extract", ["extract", seed]), ("archive list", ["archive", "list"])]:
        found = imported(retest_cmd(*args), env, heavy)
        print(f"start-up of retest {label:<13} imports {', '.join(found) or 'none'} of {', '.join(heavy)} "
              "(target: none)")


def imported(cmd: list[str], env: dict, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` a command imports (``python -X importtime``)."""
    import subprocess

    err = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], env=env, capture_output=True, text=True).stderr
    seen = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in err.splitlines()
            if line.startswith("import time:")}
    return [n for n in names if n in seen]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
