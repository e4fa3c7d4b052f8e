"""The README's Python example, run as a reader would: from another folder, and from the folder that holds
a clone named retest/ (which must not shadow the installed package)."""

import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT


def snippet() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Python"):readme.index("## Code map")]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    assert "/path/to/retest/seeds/" in code  # the one thing a reader edits
    return code.replace("/path/to/retest/seeds/", f"{ROOT}/seeds/")


@pytest.mark.parametrize("beside_a_clone", [False, True], ids=["elsewhere", "beside-a-clone-named-retest"])
def test_the_python_example_runs_from_another_folder(tmp_path, beside_a_clone):
    if beside_a_clone:
        os.symlink(ROOT, tmp_path / "retest")  # a clone named retest/ in the working folder
    r = subprocess.run([sys.executable, "-c", snippet()], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    first, *rest = r.stdout.splitlines()
    assert first == "2025-04 ['2504.07912']"  # what the README's comment promises
    assert "arXiv:2504.07912" in "\n".join(rest)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    (line,) = [l for l in readme.splitlines() if "pip install -e '.[test]'" in l and "pytest" in l]
    command = line.split("&&")[-1].strip()
    ci = [l.strip() for l in (ROOT / ".ci" / "run").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert command == "python -m pytest" and ci[-1] == command
