"""A generated archive of many documents × models, for the ledger's tests and benchmark.

Claims are distinct per document (some shared between documents, as a claim
cited by two lines of inquiry is), replies carry verdict blocks, and the
awkward cases are mixed in: later rounds that change or drop a verdict, replies
without a block, failed replies, unsupported evidence, sources whose names
hold LIKE's wildcards, text with quotes, controls and non-ASCII characters.

With ``read=False`` the verdicts are written as rows directly (fast: what the
ledger reads); with ``read=True`` they are left for the reader at arrival
(``retest.check.arrival``) to find in the reply text.
"""

from __future__ import annotations

import hashlib
import json
import random

from retest.archive import Archive
from retest.models import SentClaim
from retest.check.verdicts import STATUSES

TOPICS = ("retrieval", "long context", "RL post-training", "sparse attention", "distillation", "tool use",
          "in-context learning", "quantisation", "reward models", "test-time compute")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _id(rng: random.Random) -> str:
    return f"{rng.randint(20, 25):02d}{rng.randint(1, 12):02d}.{rng.randint(1, 19999):05d}"


def source_of(i: int, awkward: bool) -> str:
    if awkward and i % 7 == 3:
        return f"docs/{i // 100:03d}/100%_sure_{i:05d}.txt"  # LIKE's wildcards, taken literally
    return f"docs/{i // 100:03d}/line_{i:05d}.txt"


def claims_of(i: int, n: int, rng: random.Random, awkward: bool) -> list[SentClaim]:
    source = source_of(i, awkward)
    out = []
    for j in range(1, n + 1):
        if awkward and i >= 10 and i % 10 == 0 and j == 1:
            text = f"Shared finding {i // 20}: {TOPICS[i % len(TOPICS)]} helps on average"  # also in doc i-10
        elif awkward and j == 2 and i % 5 == 1:
            text = f'Claim "{j}" of {i}: {TOPICS[(i + j) % len(TOPICS)]} — gains of 12% (±3), naïve\tbaseline'
        else:
            text = (f"In line {i}, {TOPICS[(i * 7 + j) % len(TOPICS)]} improves accuracy by {rng.randint(2, 40)}% "
                    f"over the baseline (claim {j})")
        ident = _id(rng)
        out.append(SentClaim(index=j, text=text, date=f"20{ident[:2]}-{ident[2:4]}", arxiv_ids=[ident],
                             source=source, note_title=None))
    return out


def prompt_of(i: int, claims: list[SentClaim]) -> str:
    lines = [f"Re-test the findings of inquiring line {i}.", "", "What a curated library found:"]
    lines += [f"• {c.text} ({c.date}, arXiv:{c.arxiv_ids[0]})." for c in claims]
    lines += ["", "After your answer, give your verdict on each claim in one fenced json block."]
    return "\n".join(lines) + "\n"


def reply_of(claims: list[SentClaim], rng: random.Random, round_no: int, awkward: bool) -> tuple[str, list[dict]]:
    """Reply text and the verdicts it gives (as they would be read from it)."""
    prose = (f"Round {round_no}. Most of these still hold; see arXiv:{_id(rng)} (2024-03) and the follow-up "
             f"arXiv:{_id(rng)}.\n\n")
    if awkward and rng.random() < 0.05:
        return prose + "No verdict block this time.\n", []
    verdicts = []
    for c in claims:
        if awkward and rng.random() < 0.15:
            continue  # this claim gets no verdict
        status = rng.choice(STATUSES)
        evidence = [f"arXiv:{c.arxiv_ids[0]}"] if rng.random() < 0.7 else []
        if awkward and rng.random() < 0.08:
            evidence = ["arXiv:2912.99999"]  # impossible: unsupported
        note = rng.choice(["replicated at scale", "the gain shrank", "contradicted by newer work", "no new evidence",
                           "naïve “quotes” and \\ backslash" if awkward else "fine"])
        verdicts.append({"claim": c.index, "status": status, "evidence": evidence, "note": note})
    block = json.dumps({"retest_verdicts": verdicts}, ensure_ascii=False)
    return prose + f"```json\n{block}\n```\n", verdicts


def make(path, docs: int, models: tuple[str, ...] = ("model-a", "model-b"), *, claims_per_doc: int = 6,
         rounds: int = 1, seed: int = 0, read: bool = False, awkward: bool = True) -> None:
    """Fill the archive at ``path`` (see the module's docstring)."""
    rng = random.Random(seed)
    with Archive(path) as archive, archive.transaction():
        for i in range(docs):
            claims = claims_of(i, claims_per_doc, rng, awkward)
            text = prompt_of(i, claims)
            prompt_id = archive.add_prompt(text, _sha(text), template="retest", template_sha256="0" * 64,
                                           source=claims[0].source, source_sha256=_sha(str(i)), tokens=len(text) // 4,
                                           encoding="o200k_base", claims=claims)
            for r in range(rounds if not awkward or i % 3 == 0 else 1):
                for m in models:
                    params = {"model": m, "round": r}
                    reply_id, _ = archive.claim(prompt_id, model=m, endpoint="127.0.0.1:8000", params=params,
                                                params_sha256=_sha(json.dumps(params)), force=True)
                    if awkward and rng.random() < 0.02:
                        archive.fail(reply_id, "HTTP 500 from the server")
                        continue
                    reply, given = reply_of(claims, rng, r, awkward)
                    archive.complete(reply_id, reply=reply, finish_reason="stop", latency_ms=100,
                                     usage={"prompt_tokens": 300, "completion_tokens": 80, "total_tokens": 380})
                    if not read:
                        _rows(archive, reply_id, claims, given)


def _rows(archive, reply_id: int, claims: list[SentClaim], given: list[dict]) -> None:
    """The rows reading the reply would store, written directly (the reader is timed elsewhere)."""
    by_index = {c.index: c for c in claims}
    rows = []
    for v in given:
        c = by_index[v["claim"]]
        suspect = v["evidence"] == ["arXiv:2912.99999"]
        check = [{"evidence": e, "id": e.removeprefix("arXiv:"), "verdict": "impossible" if suspect else "known",
                  "suspect": suspect, "online": None} for e in v["evidence"]]
        rows.append({"index": c.index, "claim_id": None, "status": v["status"], "evidence": v["evidence"],
                     "evidence_check": check, "supported": (not suspect) if check else None, "note": v["note"]})
    ids = {r["idx"]: r["claim_id"] for r in archive.db.execute(
        "SELECT pc.idx, pc.claim_id FROM prompt_claims pc JOIN replies r ON r.prompt_id = pc.prompt_id"
        " WHERE r.id = ?", (reply_id,))}
    for row in rows:
        row["claim_id"] = ids.get(row["index"])
    archive.save_claim_verdicts(reply_id, rows, None if rows else "the reply has no retest_verdicts block")
