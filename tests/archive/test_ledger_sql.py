"""The ledger read in one SQL query gives what the loop over every verdict in Python gave, filters included."""

import json
import sqlite3

import ledger_archive
import pytest
from conftest import run_cli

from retest.archive import Archive
from retest.results.ledger import consensus, ledger, ledger_json


def python_ledger(path, source=None, model=None, history=False) -> list[dict]:
    """The ledger as it was computed before: claims by document, then every verdict looped over in Python.

    A claim is listed under each document whose prompts carried it (every path a prompt was made from), with the
    replies to that document's prompts."""
    db = sqlite3.connect(path)
    db.row_factory = sqlite3.Row
    where, args = "", []
    doc = "coalesce(pd.source, pc.source)"
    documents = " LEFT JOIN prompt_documents pd ON pd.prompt_id = pc.prompt_id AND pd.seen_as = pc.source"
    if source:
        where = f" WHERE {doc} LIKE ? ESCAPE '\\'"
        args.append("%" + source.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    claims = db.execute(
        f"SELECT c.id, c.text, c.date, c.arxiv_ids, {doc} AS source FROM claims c"
        f" JOIN prompt_claims pc ON pc.claim_id = c.id JOIN prompts p ON p.id = pc.prompt_id{documents}"
        f"{where} GROUP BY c.id, {doc} ORDER BY {doc}, min(p.id), min(pc.idx), c.id", args).fetchall()
    by_claim: dict[tuple[int, str], list[dict]] = {}
    rows = db.execute(
        f"SELECT pc.claim_id, {doc} AS doc, r.id AS reply_id, r.model, r.endpoint_name, r.finished_at, r.created_at,"
        " r.verdicts_note, cv.status,"
        " cv.evidence, cv.evidence_check, cv.supported, cv.note, r.cost_usd, r.cost_estimated, r.cost_source,"
        " EXISTS (SELECT 1 FROM sources s WHERE s.reply_id = r.id) AS grounded FROM prompt_claims pc"
        " JOIN replies r ON r.prompt_id = pc.prompt_id AND r.status = 'ok'"
        f" LEFT JOIN claim_verdicts cv ON cv.reply_id = r.id AND cv.idx = pc.idx{documents}"
        + (" WHERE r.model = ?" if model else "") + " ORDER BY r.id, pc.idx", [model] if model else [])
    for r in rows:
        by_claim.setdefault((r["claim_id"], r["doc"]), []).append({
            "model": r["model"], "endpoint": r["endpoint_name"], "pasted": r["endpoint_name"] == "pasted",
            "status": r["status"], "evidence": json.loads(r["evidence"]) if r["evidence"] else [],
            "evidence_check": json.loads(r["evidence_check"]) if r["evidence_check"] else [],
            "supported": None if r["supported"] is None else bool(r["supported"]),
            "note": r["note"] if r["status"] else r["verdicts_note"], "reply_id": r["reply_id"],
            "at": r["finished_at"] or r["created_at"], "grounded": bool(r["grounded"]),
            "sources": list(dict.fromkeys(c["source"] for c in json.loads(r["evidence_check"] or "[]")
                                          if isinstance(c, dict) and c.get("source"))),
            "cost": None if r["cost_usd"] is None else {"usd": r["cost_usd"], "estimated": bool(r["cost_estimated"]),
                                                        "reported": r["cost_source"] == "reported"}})
    out, counters = [], {}
    for c in claims:
        counters[c["source"]] = counters.get(c["source"], 0) + 1
        every = by_claim.get((c["id"], c["source"]), [])
        latest = {}
        for v in every:  # one voice per model and endpoint name
            latest[(v["model"], v["endpoint"] or "")] = v
        shown = every if history else sorted(latest.values(), key=lambda v: (v["model"], v["endpoint"] or ""))
        out.append({"index": counters[c["source"]], "text": c["text"], "date": c["date"],
                    "arxiv_ids": json.loads(c["arxiv_ids"]), "source": c["source"],
                    "consensus": consensus(list(latest.values())), "verdicts": shown,
                    "related": [],  # no prompt here supplied newer papers (--related)
                    "retracted": []})  # nor did any look-up find a claim's own paper retracted
    db.close()
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("ledger") / "generated.db"
    ledger_archive.make(path, 120, ("model-a", "model-b", "model-c"), rounds=3, seed=5)
    return path


FILTERS = [{}, {"model": "model-b"}, {"source": "100%_sure"}, {"source": "/001/"}, {"source": "line_0004"},
           {"source": "no such document"}, {"model": "no-such-model"}, {"history": True},
           {"history": True, "model": "model-c", "source": "docs/000"}]


@pytest.mark.parametrize("options", FILTERS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "all")
def test_sql_gives_what_python_gave(generated, options):
    expected = python_ledger(generated, **options)
    with Archive(generated) as archive:
        got = ledger(archive, **options)
        streamed = [json.loads(text) for text in ledger_json(archive, **options)]
    assert got == expected
    assert streamed == expected
    if not options.get("source") == "no such document":
        assert expected, "the filter should match something"


def test_the_generated_archive_has_every_case(generated):
    entries = python_ledger(generated, history=True)
    words = {e["consensus"] for e in entries}
    assert {"split", "untested"} <= words and any(w.startswith("overturned by") for w in words)
    verdicts = [v for e in entries for v in e["verdicts"]]
    assert any(v["supported"] is False for v in verdicts) and any(v["status"] is None for v in verdicts)
    assert any(v["note"] and "no retest_verdicts block" in v["note"] for v in verdicts)
    assert any("%" in (e["source"] or "") for e in entries) and any('"' in e["text"] for e in entries)
    assert max(len(e["verdicts"]) for e in entries) > 3  # several rounds


def test_claims_json_is_streamed_and_filtered_through_the_cli(generated):
    env = {"RETEST_ARCHIVE": str(generated)}
    r = run_cli("claims", "--json", "--model", "model-a", "--source", "100%_sure", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == python_ledger(generated, model="model-a", source="100%_sure")
    assert r.stdout.startswith("[\n{") and r.stdout.endswith("}\n]\n")
    none = run_cli("claims", "--json", "--source", "nothing like this", env=env)
    assert none.returncode == 0 and json.loads(none.stdout) == []


def _without_stored_entries(path, tmp_path):
    """A copy of the archive as an older retest left it: no verdict's entry stored."""
    import shutil

    copy = tmp_path / "older.db"
    shutil.copy(path, copy)
    db = sqlite3.connect(copy)
    with db:
        assert db.execute("SELECT count(*) FROM claim_verdicts WHERE entry IS NULL").fetchone()[0] == 0
        db.execute("UPDATE claim_verdicts SET entry = NULL")
    db.close()
    return copy


@pytest.mark.parametrize("options", [{}, {"history": True}, {"model": "model-c", "source": "docs/000"}],
                         ids=["all", "history", "filtered"])
def test_entries_stored_at_arrival_or_made_as_read_give_the_same_ledger(generated, tmp_path, options):
    older = _without_stored_entries(generated, tmp_path)
    expected = python_ledger(generated, **options)
    for path in (generated, older):
        with Archive(path) as archive:
            assert [json.loads(text) for text in ledger_json(archive, **options)] == expected


def _one_reply(path, *, claim_text, note, model):
    from retest.models import SentClaim
    from retest.send.prices import Cost

    claims = [SentClaim(index=1, text=claim_text, date="2025-01", arxiv_ids=["2501.00001"], source="d.txt",
                        note_title=None),
              SentClaim(index=2, text="A second claim", date="2025-02", arxiv_ids=[], source="d.txt", note_title=None)]
    with Archive(path) as archive:
        prompt_id = archive.add_prompt("p", "a" * 64, template="retest", template_sha256="0" * 64, source="d.txt",
                                       source_sha256="b" * 64, tokens=1, encoding="o200k_base", claims=claims)
        reply_id, _ = archive.claim(prompt_id, model=model, endpoint="127.0.0.1:1", params={"model": model},
                                    params_sha256="c" * 64, force=True)
        archive.complete(reply_id, reply="r", finish_reason="stop", latency_ms=1,
                         usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2})
        claim_id = archive.db.execute("SELECT claim_id FROM prompt_claims WHERE idx = 1").fetchone()[0]
        archive.save_claim_verdicts(reply_id, [{"index": 1, "claim_id": claim_id, "status": "holds",
                                                "evidence": ["arXiv:2501.00001"], "evidence_check": [],
                                                "supported": None, "note": note}], None)
        # what the entry shows may come after the verdicts were read: the cost, the sources searched
        archive.set_cost(reply_id, Cost(usd=0.25))
        archive.add_sources(reply_id, [{"url": "https://example.org/a", "title": "A"}])


def test_an_entry_follows_the_cost_and_sources_stored_after_its_verdict(tmp_path):
    path = tmp_path / "a.db"
    _one_reply(path, claim_text="Plain claim", note="fine", model="m")
    with Archive(path) as archive:
        first, second = [json.loads(text) for text in ledger_json(archive)]
    (v,) = first["verdicts"]
    assert v["cost"] == {"usd": 0.25, "estimated": False, "reported": False} and v["grounded"] is True
    assert v["status"] == "holds" and second["verdicts"][0]["status"] is None  # no verdict on claim 2


def test_controls_are_inert_in_the_json_whether_entries_were_stored_or_not(tmp_path):
    bad = "\u202eevil\x85\x7f"
    path = tmp_path / "a.db"
    _one_reply(path, claim_text="Claim " + bad, note="note " + bad, model="model" + bad)
    older = _without_stored_entries(path, tmp_path)
    for archive_path in (path, older):
        r = run_cli("claims", "--json", env={"RETEST_ARCHIVE": str(archive_path)})
        assert r.returncode == 0, r.stderr
        assert not any(c in r.stdout for c in "\u202e\x85\x7f")
        first, second = json.loads(r.stdout)
        assert first["text"] == "Claim " + bad and first["verdicts"][0]["note"] == "note " + bad
        assert first["verdicts"][0]["model"] == second["verdicts"][0]["model"] == "model" + bad
