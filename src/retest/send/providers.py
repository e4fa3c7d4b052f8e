"""The providers known by name without an endpoints file (``-m MODEL@openai``, ``-m llama3@ollama``).

Each as its own documentation gives it in December 2026 (looked up, not guessed):

- Perplexity ended its Sonar Chat Completions on 2026-09-27; its Agent API takes the Responses shape at
  ``https://api.perplexity.ai/v1`` (``api = "responses"``). Older replies, stored in the chat shape, are read
  as before (``protocols.chat``).
- OpenRouter, Groq (``/openai/v1``), Together, Mistral and DeepSeek speak the chat completions shape.
- The local servers listen on their default ports and need no key.

``provider`` is the price table's id (genai-prices), so that replies are priced as that provider's.
"""

from __future__ import annotations

KNOWN: dict[str, dict] = {
    "openai": {"base_url": "https://api.openai.com/v1", "key_env": "OPENAI_API_KEY", "provider": "openai"},
    "openrouter": {"base_url": "https://openrouter.ai/api/v1", "key_env": "OPENROUTER_API_KEY",
                   "provider": "openrouter"},
    "perplexity": {"base_url": "https://api.perplexity.ai/v1", "key_env": "PERPLEXITY_API_KEY",
                   "api": "responses", "provider": "perplexity"},
    "groq": {"base_url": "https://api.groq.com/openai/v1", "key_env": "GROQ_API_KEY", "provider": "groq"},
    "together": {"base_url": "https://api.together.xyz/v1", "key_env": "TOGETHER_API_KEY", "provider": "together"},
    "mistral": {"base_url": "https://api.mistral.ai/v1", "key_env": "MISTRAL_API_KEY", "provider": "mistral"},
    "deepseek": {"base_url": "https://api.deepseek.com/v1", "key_env": "DEEPSEEK_API_KEY", "provider": "deepseek"},
    "ollama": {"base_url": "http://127.0.0.1:11434/v1"},
    "lmstudio": {"base_url": "http://127.0.0.1:1234/v1"},
    "vllm": {"base_url": "http://127.0.0.1:8000/v1"},
    "llama.cpp": {"base_url": "http://127.0.0.1:8080/v1"},
}
