"""``retest models``: what each endpoint serves (``GET /v1/models``), in one table."""

from __future__ import annotations

import json

import click


@click.command("models")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: [{endpoint, base_url, models, error}].")
def command(names, as_json):
    """The models each named endpoint lists (every endpoint of endpoints.toml when none is named, else the one
    of OPENAI_BASE_URL). Known by name without a file: openai, openrouter, perplexity, groq, together, mistral,
    deepseek, ollama, lmstudio, vllm, llama.cpp. Lists are cached for two minutes."""
    import sys

    from ..terminal.messages import message, say
    from ..send.served import endpoints_to_list, listing

    rows = listing(endpoints_to_list(names))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        from ..util.display import for_stream

        lines = []
        for r in rows:
            name = r["endpoint"] or "(default)"
            if r["models"] is None and r["error"] is None:
                lines.append(f"{name}\t(no /v1/models: any model name goes through)")
            for m in r["models"] or []:
                lines.append(f"{name}\t{m}")
        if lines:
            click.echo(for_stream("\n".join(lines)))
    for r in rows:
        if r["error"]:
            say(f"retest: error: {message(r['error'])}")
    sys.exit(1 if any(r["error"] for r in rows) else 0)
