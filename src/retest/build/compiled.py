"""Compiled templates kept between runs: Jinja's bytecode cache, in the user cache folder.

Compiling a template (parse, generate Python, ``compile``) costs about as much
as the rest of rendering a one-document prompt, and its result only changes
with the template. Jinja's ``BytecodeCache`` keeps the compiled code and checks
it against the template's source and the Python version; the key here also
holds everything else the generated code depends on (retest's sandbox, which
compiles ``~`` to a checked join, the environment's options, its filters and
tests, Jinja's version), so a change to any of them compiles afresh. Each file
carries the hash of what it holds: a cache that is missing, cut short or
damaged is compiled again and rewritten, never trusted. A cache that cannot be
written is only slower. Templates still run in the sandbox: only the
compiling is skipped.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from jinja2.bccache import BytecodeCache, Bucket

MAGIC = b"retest compiled template 1\n"


def folder() -> Path:
    from ..util.settings import cache_dir

    return cache_dir() / "templates"


def _fingerprint(env) -> str:
    """What the compiled code depends on besides the template's source."""
    import jinja2

    from . import sandbox

    try:
        with open(sandbox.__file__, "rb") as fh:
            own = hashlib.sha256(fh.read()).hexdigest()
    except (OSError, TypeError):
        own = None
    if own is None:
        return ""
    options = (type(env).__module__, type(env).__qualname__, env.code_generator_class.__qualname__,
               env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.autoescape,
               env.block_start_string, env.block_end_string, env.variable_start_string,
               env.variable_end_string, env.comment_start_string, env.comment_end_string,
               env.line_statement_prefix, env.line_comment_prefix, env.newline_sequence,
               env.optimized, sorted(env.filters), sorted(env.tests), sorted(env.extensions),
               sorted(getattr(env, "intercepted_binops", ())), sorted(getattr(env, "intercepted_unops", ())))
    return hashlib.sha256(repr((jinja2.__version__, own, options)).encode("utf-8")).hexdigest()


class CompiledCache(BytecodeCache):
    """One file per template and environment, ``<key>.jinja``, written whole or not at all."""

    def __init__(self, env, directory: Path | None = None):
        self.directory = directory or folder()
        self.fingerprint = _fingerprint(env)  # "" when retest's own code cannot be read: no caching

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return hashlib.sha256(f"{self.fingerprint}|{name}|{filename}".encode()).hexdigest()

    def _path(self, bucket: Bucket) -> Path:
        return self.directory / f"{bucket.key}.jinja"

    def load_bytecode(self, bucket: Bucket) -> None:
        if not self.fingerprint:
            return
        try:
            data = self._path(bucket).read_bytes()
        except OSError:
            return
        head = len(MAGIC) + 32
        if len(data) < head or not data.startswith(MAGIC):
            return
        payload = data[head:]
        if hashlib.sha256(payload).digest() != data[len(MAGIC):head]:
            return
        bucket.load_bytecode(io.BytesIO(payload))  # Jinja checks its own mark and the source's checksum

    def dump_bytecode(self, bucket: Bucket) -> None:
        if not self.fingerprint or bucket.code is None:
            return
        from ..util.files import cache_write

        payload = bucket.bytecode_to_string()
        cache_write(self._path(bucket), MAGIC + hashlib.sha256(payload).digest() + payload)


def compile_source(env, source: str, name: str, filename: str):
    """``env.from_string(source)``, its compiled code from the cache when the cache holds it whole.

    ``name`` and ``filename`` only key the cache; the code is compiled as ``from_string`` compiles it.
    """
    cache = env.bytecode_cache
    if not isinstance(cache, CompiledCache):
        return env.from_string(source)
    bucket = cache.get_bucket(env, name, filename, source)
    code = bucket.code
    if code is None:
        code = env.compile(source)  # a syntax error is raised here, as from from_string
        bucket.code = code
        cache.set_bucket(bucket)
    return env.template_class.from_code(env, code, env.make_globals(None), None)
