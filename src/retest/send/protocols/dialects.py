"""How each provider asks for a web search now, where it differs from OpenAI's own fields.

- OpenRouter retired its ``web`` plugin for server tools: ``{"type": "openrouter:web_search", "parameters":
  {...}}`` in ``tools``, with ``allowed_domains`` and ``search_context_size``; the sources come back as
  ``url_citation`` annotations, read as OpenAI's are. A ``:online`` model searches by itself.
- Perplexity's Agent API (the Responses shape, which replaced its Sonar chat completions in September 2026)
  takes ``{"type": "web_search", "filters": {"search_domain_filter": [...]}}``; its results come as
  ``search_results`` (read in ``sources``), as its chat replies' did.

Older replies stored in the older shapes are read as before: only what is asked changed.
"""

from __future__ import annotations


def openrouter_tools(s) -> list[dict]:
    """OpenRouter's web search server tool, or none for a ``:online`` model (which searches by itself)."""
    if s.model.endswith(":online"):
        return []
    parameters: dict = {}
    if s.search_domains:
        parameters["allowed_domains"] = list(s.search_domains)
    if s.search_context:
        parameters["search_context_size"] = s.search_context
    return [{"type": "openrouter:web_search", **({"parameters": parameters} if parameters else {})}]


def perplexity_agent_tool(s) -> dict:
    """The Agent API's web search tool, with its own name for the domain filter."""
    tool: dict = {"type": "web_search"}
    if s.search_domains:
        tool["filters"] = {"search_domain_filter": list(s.search_domains)}
    return tool
