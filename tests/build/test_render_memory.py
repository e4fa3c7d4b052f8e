"""RETEST_RENDER_MEMORY holds the peak near the bound, even for one call that allocates past it at once."""

import json
import os
import subprocess
import sys

import pytest
from conftest import SEED_002

BOUND_MB = 256
# one filter call (list() of 12 million emoji: ~1 GB of one-character strings) that no watchdog can interrupt
AT_ONCE = "{#- description: at once -#}\n{% set s = '😀' * 12000000 %}{{ (s|list)|length }}\n"
# values that double, each kept alive
DOUBLING = ("{#- description: doubling -#}\n{% set s = 'a' * 16000000 %}{% set ns = namespace(l=[s]) %}"
            "{% for i in range(12) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|map('upper')|list|length }}\n")
PEAK = ("import json, resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(json.dumps([r.returncode, r.stderr, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))\n")


def peak(*args, env) -> tuple[int, str, int]:
    """Exit code, stderr and the peak resident memory (MB) of ``retest ARGS`` and every process it waited for."""
    out = subprocess.run([sys.executable, "-c", PEAK, sys.executable, "-m", "retest", *map(str, args)],
                         capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1", **env}, timeout=300)
    code, err, kb = json.loads(out.stdout)
    return code, err, kb // 1024


@pytest.mark.parametrize("template, command", [
    (AT_ONCE, ["build"]),
    (AT_ONCE, ["send", "-m", "m", "--dry-run"]),  # built in the prompt-builder child
    (DOUBLING, ["build"]),
], ids=["at-once-build", "at-once-send-child", "doubling-build"])
def test_a_template_is_stopped_near_the_memory_bound(tmp_path, template, command):
    tpl = tmp_path / "greedy.j2"
    tpl.write_text(template)
    env = {"RETEST_RENDER_MEMORY": str(BOUND_MB), "RETEST_RENDER_TIMEOUT": "120",
           "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    _, _, base = peak(*command, SEED_002, env=env)
    code, err, used = peak(*command, SEED_002, "-t", tpl, env=env)
    assert code == 2, err
    assert f"kept more than {BOUND_MB} MB" in err and "Traceback" not in err
    assert used < base + BOUND_MB * 1.25, (base, used)  # near the bound: well under twice it
