"""Stand-ins for the servers retest talks to, each on 127.0.0.1 (``from servers.chat import ChatServer``): chat
completions and Responses (``chat``), the Batch API (``batch``), background responses (``background``), the arXiv
API (``arxiv``), grounded replies (``grounding``), OpenAlex and Semantic Scholar (``openalex``, ``s2``), and a server that dies or answers at its first completion
(``first_completion``, run as a script)."""
