"""Helpers shared by the benchmark scripts: timing commands and building corpora."""

from __future__ import annotations

import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def run(cmd: list[str], **kw) -> tuple[float, int]:
    """Wall time and peak RSS (kB) of one command, its output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed: {proc.stderr.decode()[-500:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def peak_rss_kb(cmd: list[str], **kw) -> int:
    """Peak RSS of a command, measured in a fresh child so earlier runs don't mask it."""
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, **kw)
    return int(out.stdout.strip())


def median_time(cmd: list[str], repeat: int = 7, **kw) -> float:
    run(cmd, **kw)  # warm the page cache
    return statistics.median(run(cmd, **kw)[0] for _ in range(repeat))


def retest_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "retest", *args]


_ID = re.compile(r"\d{4}\.\d{5}")


def _variant(text: str, rng: random.Random, i: int) -> str:
    """One plausible relative of a seed: new IDs and dates, layout noise, sometimes cut."""
    text = _ID.sub(lambda m: f"{rng.randint(15, 26):02d}{rng.randint(1, 12):02d}.{rng.randint(1, 29999):05d}", text)
    if rng.random() < 0.3:
        text = text.replace("INQUIRING LINE\n\n", "")
    if rng.random() < 0.3:
        text = re.sub(r"\n\n+", "\n", text)
    if rng.random() < 0.2:
        text = text.replace("arXiv:", "https://arxiv.org/abs/")
    if rng.random() < 0.05:
        text = text[: rng.randint(len(text) // 2, len(text) - 1)]
    text = text.replace("?", f" (variant {i})?", 1)
    if rng.random() < 0.3:
        text = text.replace("\n", "\r\n")
    return text


def build_corpus(folder: Path, count: int, seed: int = 7) -> int:
    """Write ``count`` seed variations under ``folder`` (100 per subfolder); return total bytes."""
    rng = random.Random(seed)
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    total = 0
    for i in range(count):
        sub = folder / f"{i // 100:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        data = _variant(texts[i % len(texts)], rng, i).encode("utf-8")
        (sub / f"line_{i:05d}.txt").write_bytes(data)
        total += len(data)
    return total


FLOOR = r'''
import os, re, sys
pattern = re.compile(r"(?:arXiv:|arxiv\.org/abs/)?\d{4}\.\d{4,5}(?:v\d+)?")
n = 0
for root, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        with open(os.path.join(root, name), encoding="utf-8-sig") as fh:
            n += len(pattern.findall(fh.read()))
print(n)
'''


def floor_cmd(folder: Path) -> list[str]:
    """Merely reading the files in Python and running one arXiv regex over them."""
    return [sys.executable, "-c", FLOOR, str(folder)]


def bench_env() -> dict:
    """The environment commands run in: retest as installed (editable or not), as on a user's machine."""
    try:
        import retest  # noqa: F401
    except ImportError:
        raise SystemExit("retest is not installed in this Python: pip install -e . (or pip install .) first")
    env = dict(os.environ)
    # As on a user's machine: compiled modules are cached after the first run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def cpu_of(cmd: list[str], **kw) -> tuple[float, float]:
    """Wall time and CPU seconds (user + system) of one command run in a fresh child."""
    probe = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
        "w = time.perf_counter() - t; u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "sys.stderr.write(p.stderr.decode()[-400:] if p.returncode else ''); "
        "print(w, u.ru_utime + u.ru_stime, p.returncode)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, **kw)
    wall, cpu, code = out.stdout.split()
    if code not in ("0", "1"):
        raise SystemExit(f"{cmd[:4]} failed: {out.stderr}")
    return float(wall), float(cpu)
