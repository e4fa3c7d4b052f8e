"""Stage 1, extract: text as people paste, clip and export it → ``Document``.

``inputs`` finds and reads files, ``markdown`` turns Markdown exports into the plain
layout, ``parser`` reads that layout (with ``claims``, ``titles``, ``dates`` and
``arxiv`` for the pieces), and ``paths`` streams documents from paths.
"""

from .paths import extract_paths, load

__all__ = ["extract_paths", "load"]
