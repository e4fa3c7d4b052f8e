"""The pipeline in the tree: imports point down the pipeline, and no library module imports the CLI.

Stages, earliest first. A module may import its own stage, any earlier stage and
the shared modules (``models``, ``errors``, ``util/``); never a later stage, never the CLI. In the CLI, a command
module imports no other command module but the shared options (``commands/common.py``), and ``terminal/`` (what
the command line shows) imports no command.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "retest"
ORDER = ["extract", "build", "archive", "related", "send", "batch", "check", "results"]
SHARED = {"models", "errors", "util"}
CLI = {"cli", "commands", "terminal", "__main__"}


def _imports(path: Path, source: str | None = None) -> set[str]:
    """Every ``retest.*`` module a file imports, at any depth (lazy imports included)."""
    package = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    out = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + tuple(filter(None, (node.module or "").split("."))))
            else:
                target = node.module or ""
            if target == "retest" or target.startswith("retest."):
                out.add(target)
                out.update(f"{target}.{a.name}" for a in node.names)  # `from retest import build`
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("retest"))
    return out


def _top(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _library_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        top = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if top not in CLI and top != "__init__":
            yield top, path


@pytest.mark.parametrize("top,path", list(_library_modules()), ids=lambda v: str(v).split("retest/")[-1])
def test_imports_point_down_the_pipeline(top, path):
    for target in _imports(path):
        other = _top(target)
        assert other not in CLI, f"{path.name} imports the CLI ({target})"
        if top in ORDER and other in ORDER:
            assert ORDER.index(other) <= ORDER.index(top), f"{top}/{path.name} imports a later stage: {target}"
        if top in SHARED:
            assert other is None or other in SHARED, f"shared module {path.name} imports a stage: {target}"


def test_every_module_belongs_to_a_stage_or_is_shared():
    tops = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.rglob("*.py")}
    assert tops <= set(ORDER) | SHARED | CLI | {"__init__"}, tops - set(ORDER) - SHARED - CLI


def test_send_does_not_import_check():
    for path in (PACKAGE / "send").rglob("*.py"):
        assert not any(_top(t) == "check" for t in _imports(path)), path


def test_a_command_imports_no_other_command():
    for path in (PACKAGE / "commands").glob("*.py"):
        others = {t for t in _imports(path) if t.startswith("retest.commands.")} - {"retest.commands.common"}
        assert not any(t.split(".")[2] != "common" for t in others), f"{path.name} imports {sorted(others)}"


def test_the_terminal_imports_no_command():
    for path in (PACKAGE / "terminal").glob("*.py"):
        assert not any(t == "retest.cli" or t.startswith("retest.commands") for t in _imports(path)), path


def test_no_module_is_much_over_400_lines():
    long = {p.relative_to(PACKAGE).as_posix(): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 420}
    assert not long, long


def test_the_checker_sees_a_violation():
    """The walk is not vacuous: lazy imports deep in a function, of the CLI or of a later stage, are found."""
    where = PACKAGE / "build" / "imaginary.py"
    found = _imports(where, "def f():\n    if x:\n        from ..cli import message\n"
                            "        from ..check.reply import check\n        from . import tokens\n")
    assert {"retest.cli", "retest.check.reply", "retest.build.tokens"} <= found
    assert _imports(PACKAGE / "extract" / "paths.py") >= {"retest.extract.inputs", "retest.errors"}


def _test_imports(source: str) -> set[str]:
    """The test modules a test file imports (shared helpers belong in conftest.py or the servers package)."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
            [a.name for a in node.names] if isinstance(node, ast.Import) else []
        out.update(n for n in names if n.split(".")[0].startswith("test_"))
    return out


def test_no_test_file_imports_another():
    tests = PACKAGE.parents[1] / "tests"
    found = {p.relative_to(tests).as_posix(): sorted(i) for p in tests.rglob("test_*.py")
             if (i := _test_imports(p.read_text(encoding="utf-8")))}
    assert not found, found
    assert _test_imports("from test_related_cli import corpus\nimport test_x.y\nfrom conftest import run_cli\n") \
        == {"test_related_cli", "test_x.y"}
