"""Claims that share a paper but not their words are ranked each on its own words, in one run (rankings are
remembered only for claims that cannot tell the candidates apart)."""

from __future__ import annotations

import json

from conftest import run_cli
from servers.openalex import OpenAlexServer, work

OA_KEY = "oa-test-key-ranking-01"
CLAIMS = {
    "attention": "Sparse attention kernels make decoding faster by 40% on long inputs",
    "reward": "Reward hacking undermines preference optimisation in 30% of runs",
    "reward-again": "Reward hacking undermines preference optimisation in 35% of runs, again",
    "neither": "Tokenizer choice changes nothing measurable in 20% of settings",
}


def document(folder, name: str, claim: str):
    text = (f"Does finding {name} still hold?\n\nThis reads the question as: whether the finding below survives "
            f"newer models.\n\nSources 1 notes\n\nDoes {name} hold up?\n\n{claim} (2025-05, arXiv:2504.07912).\n")
    path = folder / f"{name}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_claims_sharing_a_paper_each_get_the_citers_closest_to_their_own_words(tmp_path):
    server = OpenAlexServer(key=OA_KEY)
    server.add(work(1, "Echo Chamber", "2025-04-10", arxiv="2504.07912", cited_by=300))
    server.add(work(2, "Sparse attention kernels for faster decoding", "2026-11-01", doi="10.1/a", cited_by=40),
               cites=["W1"])
    server.add(work(3, "Reward hacking in preference optimisation", "2026-11-01", doi="10.1/b", cited_by=40),
               cites=["W1"])
    server.add(work(4, "An unrelated survey of everything", "2026-11-01", doi="10.1/c", cited_by=41), cites=["W1"])
    server.start()
    try:
        docs = tmp_path / "docs"
        docs.mkdir()
        for name, claim in CLAIMS.items():
            document(docs, name, claim)
        env = {"RETEST_OPENALEX_URL": server.base_url, "OPENALEX_API_KEY": OA_KEY, "RETEST_RELATED_INTERVAL": "0",
               "RETEST_ARCHIVE": str(tmp_path / "archive.db")}
        r = run_cli("related", docs, "--json", "--max", "1", env=env)
    finally:
        server.stop()
    assert r.returncode == 0, r.stderr
    first = {d["source"].rsplit("/", 1)[-1]: d["claims"][0]["related"][0]["title"] for d in json.loads(r.stdout)}
    assert first == {
        "attention.txt": "Sparse attention kernels for faster decoding",
        "reward.txt": "Reward hacking in preference optimisation",
        "reward-again.txt": "Reward hacking in preference optimisation",
        "neither.txt": "An unrelated survey of everything",  # no words in common: the most cited
    }
