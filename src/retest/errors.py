"""Errors that reach the user as one line, never as a traceback."""

from __future__ import annotations


class RetestError(Exception):
    """A problem the user can act on; its message names the file or setting."""

    exit_code = 2


class ConfigError(RetestError):
    """A setting that makes every request fail: stop the whole run."""


class InputError(RetestError):
    """A path that could not be read as an inquiring line."""

    def __init__(self, source: str, problem: str):
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class Skipped(InputError):
    """A file found by walking a folder that is not an inquiring line (a README, a note of another kind): passed
    over with one line, not a failure. A file named on its own is an ``InputError`` instead."""


class NotAnInquiringLine(ValueError):
    """Text that has none of the marks of an inquiring line."""
