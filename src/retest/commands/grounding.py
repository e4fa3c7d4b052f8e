"""``--search``, ``--search-context`` and ``--search-domains``: shared by ``send`` and ``batch``.

The three options reach the command as one ``search`` mapping of ``Settings``
fields, so that each command passes them on whole.
"""

from __future__ import annotations

import functools

import click


def _domains(ctx, param, value):
    if value is None:
        return None
    domains = tuple(dict.fromkeys(d.strip().lower() for d in value.split(",") if d.strip()))
    if not domains:
        raise click.BadParameter("give domain names separated by commas, e.g. arxiv.org,openreview.net")
    return domains


def search_options(f):
    @functools.wraps(f)
    def wrapper(*args, search, search_context, search_domains, **kwargs):
        kwargs["search"] = {"search": search, "search_context": search_context, "search_domains": search_domains}
        return f(*args, **kwargs)

    wrapper = click.option("--search-domains", metavar="A,B", callback=_domains,
                           help="Search only these domains, e.g. arxiv.org,openreview.net (implies "
                           "the search option; Perplexity, OpenRouter and the Responses API).")(wrapper)
    wrapper = click.option("--search-context", type=click.Choice(["low", "medium", "high"]),
                           help="How much search context the model takes in (implies the search option).")(wrapper)
    wrapper = click.option("--search", is_flag=True, default=None,
                           help="Ground replies in a web search (Responses API: the web_search tool; chat: "
                           "web_search_options) [env: RETEST_SEARCH=1]. Sources are archived either way.")(wrapper)
    return wrapper
