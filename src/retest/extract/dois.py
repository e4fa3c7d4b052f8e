"""DOIs as a reply writes them: ``10.1000/xyz.1``, ``doi:10.1000/XYZ.1``, ``https://doi.org/10.1000/xyz.1``.

A related paper (``--related``) often has only a DOI, and a model that uses it cites it that way. DOIs compare
without case, so each is given in lower case; punctuation that ends a sentence or closes a bracket the DOI did
not open is not part of it. arXiv's own DOIs (``10.48550/arXiv.…``) name arXiv papers and are left to ``arxiv``.
One linear pattern: a bounded prefix, then one run of characters a DOI may hold.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MAX_SUFFIX = 300
_DOI = re.compile(r"(?<![\w.-])10\.\d{4,9}(?:/|%2[fF])[^\s\"'<>`“”‘’«»|\\]{1," + str(MAX_SUFFIX) + "}")
_TRAILING = ".,;:!?*_~"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _trimmed(doi: str) -> str:
    """Without what ends the sentence around it: trailing punctuation, and closing brackets it did not open."""
    while doi:
        last = doi[-1]
        if last in _TRAILING:
            doi = doi[:-1]
        elif last in _CLOSERS and doi.count(last) > doi.count(_CLOSERS[last]):
            doi = doi[:-1]
        else:
            break
    return doi


def find(text: str) -> list[str]:
    """The distinct DOIs in ``text``, in order, lower-cased (percent-escapes of a URL undone)."""
    out: dict[str, None] = {}
    for m in _DOI.finditer(text):
        doi = _trimmed(m.group(0))
        if "%" in doi:
            doi = _trimmed(unquote(doi))
        doi = doi.lower()
        if doi.partition("/")[2] and not doi.startswith("10.48550/arxiv."):
            out.setdefault(doi, None)
    return list(out)
