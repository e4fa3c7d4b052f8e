"""Stage 1, extract: text as people paste, clip and export it → ``Document``.

``inputs`` finds and reads files, ``layouts`` takes off the wrappers people put
around a line (front matter, note apps, e-mail, text browsers, PDF text, hard
wraps, other languages' section words), ``markdown`` turns Markdown exports into
the plain layout, ``parser`` reads that layout (with ``question``, ``claims``,
``titles``, ``dates`` and ``arxiv`` for the pieces), and ``paths`` streams
documents from paths.
"""

from .paths import extract_paths, load

__all__ = ["extract_paths", "load"]
