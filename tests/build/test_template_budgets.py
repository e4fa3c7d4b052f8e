"""User templates cannot exhaust the machine or read files outside their folder."""

import time

import pytest
from conftest import SEED_002, run_cli

HEAD = "{#- description: hostile -#}\n"


def _build(tmp_path, body, env=None, name="hostile.j2", folder=None):
    folder = folder or tmp_path
    tpl = folder / name
    tpl.write_text(HEAD + body + "\n")
    start = time.monotonic()
    r = run_cli("build", SEED_002, "-t", tpl, env={"RETEST_RENDER_TIMEOUT": "2", **(env or {})}, timeout=60)
    return r, time.monotonic() - start


@pytest.mark.parametrize("body, needle", [
    ("{{ lipsum(10**7) }}", "lipsum"),
    ("{{ 'a'*10**5*10**5 }}", "* operator"),
    ("{{ 'a' | center(10**10) }}", "center"),
    ("{{ 'a' | center(9999999999) }}", "center"),
    ("{{ '%9999999999s' % 'a' }}", "% operator"),
    ("{{ '{:>9999999999}'.format(1) }}", "str.format"),
    ("{{ 'ab'.ljust(9999999999) }}", "str.ljust"),
    ("{{ ('x' * 1000).replace('x', 'y' * 100000) }}", "str.replace"),
    ("{{ 7 ** 99999999 }}", "too large a number"),
    ("{% set ns = namespace(x='ab') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x }}",
     "~ operator"),
    ("{% set ns = namespace(x=['ab']) %}{% for i in range(60) %}{% set ns.x = ns.x + ns.x %}{% endfor %}{{ 1 }}",
     "+ operator"),
    ("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "output passed"),
])
def test_size_budget(tmp_path, body, needle):
    r, took = _build(tmp_path, body)
    assert r.returncode == 2, r.stderr
    assert needle in r.stderr and "hostile" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "internal error" not in r.stderr
    assert took < 20


@pytest.mark.parametrize("body", [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}done",
    "{% macro f(n) %}{% for i in range(100000) %}{% endfor %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
])
def test_time_budget(tmp_path, body):
    r, took = _build(tmp_path, body)
    assert r.returncode == 2, r.stderr
    assert "longer than 2 s" in r.stderr or "recursion" in r.stderr.lower(), r.stderr
    assert took < 15


def test_a_render_that_fits_its_budget_is_untouched(tmp_path):
    r, _ = _build(tmp_path, "{% for i in range(1000) %}{{ i }}{% endfor %} {{ 'ab' * 10 }} {{ lipsum(2) | length > 0 }}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("0123") and "abababab" in r.stdout and "True" in r.stdout


def test_include_reads_only_templates_inside_the_folder(tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE\n")
    (folder / ".ssh").mkdir()
    (folder / ".ssh" / "id_rsa.j2").write_text("PRIVATE-KEY\n")
    (folder / "outside.j2").symlink_to(secret)
    (folder / "passwd.j2").symlink_to("/etc/passwd")
    (folder / "notes.txt").write_text("NOT-A-TEMPLATE\n")
    (folder / "part.j2").write_text("included part {{ title }}\n")
    for include in ["outside.j2", "passwd.j2", ".ssh/id_rsa.j2", "../secret.txt", "notes.txt", "/etc/passwd",
                    "sub/../../secret.txt"]:
        r, _ = _build(tmp_path, f"{{% include '{include}' %}}", folder=folder)
        assert r.returncode == 2, (include, r.stdout)
        assert "TOP-SECRET" not in r.stdout + r.stderr and "root:" not in r.stdout + r.stderr
        assert "PRIVATE-KEY" not in r.stdout and "NOT-A-TEMPLATE" not in r.stdout
        assert "cannot include" in r.stderr and include in r.stderr, r.stderr
    ok, _ = _build(tmp_path, "{% include 'part.j2' %}", folder=folder)
    assert ok.returncode == 0 and ok.stdout.startswith("included part How do RL"), ok.stderr


def test_compiled_once_per_process(tmp_path):
    from retest import load
    from retest.build import build
    from retest.build.templates import _compiled, find

    doc = load(SEED_002)
    tpl = find("retest")
    build(doc, tpl)
    before = len(_compiled)
    for _ in range(5):
        build(doc, tpl)
    assert len(_compiled) == before
    changed = tmp_path / "t.j2"
    changed.write_text(HEAD + "one {{ title }}")
    assert build(doc, find(str(changed))).prompt.startswith("one ")
    changed.write_text(HEAD + "two {{ title }}")
    assert build(doc, find(str(changed))).prompt.startswith("two ")  # content changed: compiled again


def test_bad_render_timeout_setting(tmp_path):
    r, _ = _build(tmp_path, "x", env={"RETEST_RENDER_TIMEOUT": "soon"})
    assert r.returncode == 2 and "RETEST_RENDER_TIMEOUT" in r.stderr and "internal" not in r.stderr
