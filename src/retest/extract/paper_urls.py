"""The arXiv paper a URL names, read as a URL: only arXiv's own hosts and the mirrors the README lists.

A source URL is provider data: ``arxiv.org/abs/ID`` inside a search URL's
query, a path on another host, or a look-alike host (``arxiv.org.evil``, a
Cyrillic ``а``, its punycode ``xn--…``) names no paper. The URL is parsed
(``urllib.parse``), its host must be one of those below exactly, and the ID
must open the path where that host puts it.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from . import arxiv

_ARXIV = re.compile(r"/(?:abs|pdf|html)/(.+)", re.I)
_AR5IV = re.compile(r"/(?:abs|html|pdf)/(.+)", re.I)
_HF = re.compile(r"/papers/(.+)", re.I)
_ALPHAXIV = re.compile(r"/(?:abs|overview|pdf)/(.+)", re.I)
_DOI = re.compile(r"/10\.48550/arxiv\.(.+)", re.I)
_S2 = re.compile(r"(?:/graph/v1)?/paper/arxiv:(.+)", re.I)
HOSTS = {
    "arxiv.org": _ARXIV, "www.arxiv.org": _ARXIV, "export.arxiv.org": _ARXIV,
    "ar5iv.labs.arxiv.org": _AR5IV, "ar5iv.org": _AR5IV,
    "huggingface.co": _HF, "www.huggingface.co": _HF, "hf.co": _HF,
    "alphaxiv.org": _ALPHAXIV, "www.alphaxiv.org": _ALPHAXIV,
    "doi.org": _DOI, "dx.doi.org": _DOI,
    "semanticscholar.org": _S2, "www.semanticscholar.org": _S2, "api.semanticscholar.org": _S2,
}
MAX_URL = 2000


def paper_of(url: str | None) -> arxiv.ArxivId | None:
    """The arXiv ID ``url`` points to (valid or not, so that checks can call it malformed), else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()[:MAX_URL]
    if "://" not in url:
        url = "https://" + url  # ``arxiv.org/abs/ID`` as people write it
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    place = HOSTS.get(host.removesuffix("."))  # exact: a look-alike, punycode or not, is another host
    m = place.fullmatch(parts.path) if place else None
    if not m:
        return None
    found = arxiv.find_all("arXiv:" + m.group(1))
    return found[0] if found and found[0].prefixed and found[0].start == 0 else None
