import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("thorough", max_examples=2000)  # HYPOTHESIS_PROFILE=thorough python -m pytest
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Hermetic: anything that tries to leave the machine goes to a closed port on
# loopback (the test servers on 127.0.0.1 are reached directly).
for _var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
    os.environ[_var] = "http://127.0.0.1:9"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ.pop("ALL_PROXY", None)
os.environ.pop("all_proxy", None)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_000 = next(SEEDS.glob("000_*.txt"))
SEED_002 = next(SEEDS.glob("002_*.txt"))


def run_cli(*args, input=None, env=None, timeout=120, cwd=None):
    """Run the real ``retest`` command in a subprocess."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "retest", *map(str, args)],
        input=input, capture_output=True, env=full_env, timeout=timeout, cwd=cwd,
        text=not isinstance(input, bytes),
    )


@pytest.fixture
def cli():
    return run_cli
