"""Compiled templates are kept between runs, keyed by everything they depend on, and never trusted when damaged."""

import pytest
from conftest import SEED_002, run_cli

HEAD = "{#- description: mine -#}\n"


def _env(tmp_path, **more):
    return {"RETEST_CACHE_DIR": str(tmp_path / "cache"), **more}


def _files(tmp_path):
    return sorted((tmp_path / "cache" / "templates").glob("*.jinja"))


def test_the_second_build_uses_the_compiled_template_and_prints_the_same(tmp_path):
    first = run_cli("build", SEED_002, env=_env(tmp_path))
    assert first.returncode == 0, first.stderr
    [path] = _files(tmp_path)
    made = path.stat().st_mtime_ns
    again = run_cli("build", SEED_002, env=_env(tmp_path))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout and again.stderr == first.stderr
    assert path.stat().st_mtime_ns == made  # read, not written again


def _damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "flipped":
        i = len(data) - 100
        path.write_bytes(data[:i] + bytes([data[i] ^ 0x55]) + data[i + 1:])
    elif how == "garbage":
        path.write_bytes(b"\x00" * 64)
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "a folder":
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize("how", ["truncated", "flipped", "garbage", "empty", "a folder"])
def test_a_damaged_cache_is_compiled_again_never_trusted(tmp_path, how):
    first = run_cli("build", SEED_002, env=_env(tmp_path))
    assert first.returncode == 0, first.stderr
    [path] = _files(tmp_path)
    good = path.read_bytes()
    _damage(path, how)
    again = run_cli("build", SEED_002, env=_env(tmp_path))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout and again.stderr == first.stderr
    if how != "a folder":
        assert path.read_bytes() == good  # compiled and written again


def test_another_templates_code_under_this_ones_name_is_not_used(tmp_path):
    """An edited template, and a sound file holding another template's code (Jinja checks the source the code
    was compiled from)."""
    a, b = tmp_path / "a.j2", tmp_path / "b.j2"
    a.write_text(HEAD + "one {{ title }}\n")
    b.write_text(HEAD + "two {{ title }}\n")
    assert run_cli("build", SEED_002, "-t", a, env=_env(tmp_path)).stdout.startswith("one ")
    [a_code] = _files(tmp_path)
    assert run_cli("build", SEED_002, "-t", b, env=_env(tmp_path)).stdout.startswith("two ")
    [b_code] = [p for p in _files(tmp_path) if p != a_code]
    b_code.write_bytes(a_code.read_bytes())
    r = run_cli("build", SEED_002, "-t", b, env=_env(tmp_path))
    assert r.returncode == 0 and r.stdout.startswith("two "), r.stderr
    a.write_text(HEAD + "three {{ title }}\n")
    r = run_cli("build", SEED_002, "-t", a, env=_env(tmp_path))
    assert r.returncode == 0 and r.stdout.startswith("three "), r.stderr


def test_a_cached_template_still_renders_in_the_sandbox(tmp_path):
    """The checks compiled into the code (``~``) and made at run time (attributes) hold when it comes from the
    cache, and errors still name the template's line."""
    cases = [
        ("{% set ns = namespace(x='ab') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x }}",
         "~ operator"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("Question: {{ title }}\nAudience: {{ audience }}", "line 3: 'audience' is undefined"),
    ]
    for i, (body, needle) in enumerate(cases):
        tpl = tmp_path / f"hostile{i}.j2"
        tpl.write_text(HEAD + body + "\n")
        for _ in range(2):  # compiled, then from the cache
            r = run_cli("build", SEED_002, "-t", tpl, env=_env(tmp_path))
            assert r.returncode == 2 and needle in r.stderr, r.stderr
            assert len(r.stderr.strip().splitlines()) == 1 and "internal error" not in r.stderr
    assert len(_files(tmp_path)) == len(cases)


def test_the_key_holds_what_the_code_depends_on(tmp_path):
    """Another filter set or other options compile afresh: code compiled for one environment is never run in
    another."""
    from retest.build.compiled import CompiledCache
    from retest.build.sandbox import BoundedSandbox

    def key(**options):
        env = BoundedSandbox(**options)
        return CompiledCache(env, tmp_path).get_cache_key("retest", "/x/retest.j2")

    plain = key()
    assert key() == plain
    assert key(trim_blocks=True) != plain
    env = BoundedSandbox()
    env.filters["extra"] = str
    assert CompiledCache(env, tmp_path).get_cache_key("retest", "/x/retest.j2") != plain


def test_a_cache_folder_that_cannot_be_written_only_costs_time(tmp_path):
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    r = run_cli("build", SEED_002, env=_env(tmp_path))
    assert r.returncode == 0 and "tokens" in r.stderr, r.stderr
    again = run_cli("build", SEED_002, env=_env(tmp_path))
    assert again.stdout == r.stdout
