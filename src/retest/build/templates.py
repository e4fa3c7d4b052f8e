"""Finding, describing and rendering prompt templates.

Templates are Jinja2 files (``*.j2``) whose first lines are a Jinja comment
holding ``key: value`` front matter (``description``, ``kind``). They render
in Jinja's immutable sandbox with undefined names as errors: a template is
code the user may have downloaded, while a document's text is only ever data.
"""

from __future__ import annotations

import hashlib
import os
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import RetestError

SUFFIX = ".j2"


class TemplateError(RetestError):
    """A template that cannot be found, parsed or rendered."""


@dataclass(frozen=True)
class Template:
    name: str
    path: Path
    source: str
    meta: dict = field(default_factory=dict)
    builtin: bool = False

    @property
    def description(self) -> str:
        return self.meta.get("description", "")

    @property
    def kind(self) -> str:
        """``document`` (one prompt per document) or ``corpus`` (one for all)."""
        return self.meta.get("kind", "document")

    @cached_property
    def sha256(self) -> str:  # once per template: the compiled-template cache is looked up by it at every render
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()


def builtin_dir() -> Path:
    """The package's ``prompts`` folder (found without ``importlib.resources``, a start-up cost of its own,
    unless retest runs from somewhere without files, such as a zip)."""
    from .. import prompts

    if prompts.__file__:
        return Path(prompts.__file__).parent
    from importlib.resources import files

    return Path(str(files("retest.prompts")))


def user_dir() -> Path:
    """``RETEST_TEMPLATES``, else the platform's user config folder for retest."""
    if os.environ.get("RETEST_TEMPLATES"):
        return Path(os.environ["RETEST_TEMPLATES"]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("retest")) / "templates"


def front_matter(source: str) -> dict:
    """``key: value`` lines of the Jinja comment that opens the template."""
    if not source.startswith("{#"):
        return {}
    end = source.find("#}", 2)
    if end == -1:
        return {}
    meta = {}
    for line in source[2:end].strip("-").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().isidentifier():
            meta[key.strip()] = value.strip()
    return meta


def _read(path: Path, name: str, builtin: bool) -> Template:
    from ..util.files import open_input

    try:
        with open_input(path, "template") as fh:  # a FIFO is refused, never waited on
            source = fh.read()
    except RetestError as exc:
        raise TemplateError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"template {path}: cannot read it ({exc})") from None
    return Template(name, path, source, front_matter(source), builtin)


def available() -> list[Template]:
    """Every template by name; a user template shadows a built-in of the same name."""
    found: dict[str, Template] = {}
    for folder, builtin in ((builtin_dir(), True), (user_dir(), False)):
        if folder.is_dir():
            for path in sorted(folder.glob(f"*{SUFFIX}")):
                found[path.stem] = _read(path, path.stem, builtin)
    return sorted(found.values(), key=lambda t: (not t.builtin, t.name))


def find(name_or_path: str) -> Template:
    """A template by name (user folder first, then built-ins) or by file path."""
    looks_like_path = os.sep in name_or_path or name_or_path.endswith(SUFFIX) or "/" in name_or_path
    if looks_like_path:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise TemplateError(f"--template {name_or_path}: no such file")
        return _read(path, str(path), False)
    for folder, builtin in ((user_dir(), False), (builtin_dir(), True)):
        path = folder / f"{name_or_path}{SUFFIX}"
        if path.is_file():
            return _read(path, name_or_path, builtin)
    names = ", ".join(t.name for t in available())
    raise TemplateError(f"--template {name_or_path}: no such template (available: {names})")


_environments: dict[tuple[str, ...], object] = {}
_compiled: dict[tuple[str, str], object] = {}


def environment(template: Template):
    """The sandboxed environment for ``template``: it may include siblings, your templates and built-ins.

    One environment per set of folders, made once per process.
    """
    from jinja2 import ChoiceLoader, StrictUndefined

    from . import filters
    from .compiled import CompiledCache
    from .sandbox import BoundedSandbox, ConfinedLoader

    folders = tuple(dict.fromkeys(str(f) for f in (template.path.parent, user_dir(), builtin_dir())))
    env = _environments.get(folders)
    if env is None:
        env = BoundedSandbox(
            loader=ChoiceLoader([ConfinedLoader(f) for f in folders]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )
        env.filters.update(filters.FILTERS)
        env.bytecode_cache = CompiledCache(env)  # made once its filters are in: they key the cache
        _environments[folders] = env
    return env


def compile_template(template: Template):
    """The compiled template, kept by path and content for the process and by content between runs
    (``compiled``): compiling costs ~100x a render."""
    from jinja2 import TemplateSyntaxError

    from .compiled import compile_source

    key = (str(template.path), template.sha256)
    compiled = _compiled.get(key)
    if compiled is None:
        env = environment(template)
        try:
            compiled = compile_source(env, template.source, template.name, str(template.path))
        except TemplateSyntaxError as exc:
            raise TemplateError(f"template {template.name}, line {exc.lineno}: {exc.message}") from None
        compiled.name = template.name
        compiled.filename = str(template.path)
        _compiled[key] = compiled
    return compiled


def render(template: Template, context: dict) -> str:
    """Render in the sandbox, within its time and size budgets; any failure is one line naming the template."""
    from jinja2 import TemplateError as JinjaError
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    from . import sandbox

    compiled = compile_template(template)
    try:
        text = sandbox.render(compiled, context)
    except sandbox.RenderTimeout as exc:
        raise TemplateError(f"template {template.name}: {exc}") from None
    except TemplateNotFound as exc:
        raise TemplateError(
            f"template {template.name}: cannot include '{exc.name}' (a template may include only *.j2 files "
            "in its own folder, your templates folder or the built-ins; no dotfiles)") from None
    except TemplateSyntaxError as exc:  # an included template that does not parse
        raise TemplateError(f"template {exc.name or template.name}, line {exc.lineno}: {exc.message}") from None
    except JinjaError as exc:
        line = _template_line(exc, template)
        where = f"template {template.name}" + (f", line {line}" if line else "")
        raise TemplateError(f"{where}: {exc.message or exc}") from None
    except RetestError:
        raise
    except Exception as exc:  # a filter given the wrong thing, arithmetic on text, ...
        line = _template_line(exc, template)
        where = f"template {template.name}" + (f", line {line}" if line else "")
        raise TemplateError(f"{where}: {type(exc).__name__}: {exc}") from None
    return text.strip() + "\n"


def _template_line(exc: BaseException, template: Template) -> int | None:
    """Jinja rewrites tracebacks so template frames carry the template's line."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename in (str(template.path), "<template>", template.name):
            line = frame.lineno
    return line
