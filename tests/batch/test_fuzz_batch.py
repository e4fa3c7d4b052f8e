"""Generated batch result lines and usage objects: every line a stored reply or a recorded problem.

hypothesis writes the lines a provider or an executor might: any JSON where a
field is expected, usage counts of any size and type, nesting of any depth.
Reading a line may only say "unreadable" (ValueError); storing it never raises,
never leaves its request pending, and never loses text that arrived.
"""

import json
import sqlite3

from conftest import SEED_002, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SLOW = settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
FAST = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=False), st.text(max_size=20))
any_json = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                        max_leaves=12)
counts = st.one_of(st.integers(min_value=-5, max_value=2**80), st.floats(allow_nan=False), st.text(max_size=5),
                   st.none(), st.lists(st.integers(), max_size=2))
usage = st.one_of(any_json, st.fixed_dictionaries({}, optional={
    k: counts for k in ("prompt_tokens", "completion_tokens", "total_tokens", "input_tokens", "output_tokens")}))
content = st.one_of(st.text(max_size=40), any_json,
                    st.lists(st.one_of(st.fixed_dictionaries({"text": st.one_of(st.text(max_size=10), any_json)}),
                                       any_json), max_size=3))
chat_body = st.fixed_dictionaries({"choices": st.one_of(any_json, st.lists(st.fixed_dictionaries(
    {"message": st.one_of(any_json, st.fixed_dictionaries({"content": content})),
     "finish_reason": st.one_of(st.just("stop"), any_json)}), min_size=1, max_size=2))}, optional={"usage": usage})
deep = st.integers(min_value=1, max_value=6000).map(lambda n: "[" * n + "]" * n)


@FAST
@given(st.one_of(any_json.map(json.dumps), deep, st.text(max_size=200),
                 st.builds(lambda b, e: json.dumps({"custom_id": "rt-1-2-abcdefabcdef", "error": e,
                                                    "response": {"status_code": 200, "body": b}}),
                           chat_body, st.one_of(st.none(), any_json))))
def test_reading_a_line_is_total(line):
    from retest.batch.api import result
    from retest.batch.results import _read, _usage

    try:
        cid, body, error = result(line)
    except ValueError:
        return
    assert isinstance(cid, str) and (body is None) != (error is None)
    if body is not None:
        received, note, problem = _read(body, "chat")
        assert (received is None) != (problem is None)
        if received is not None:
            assert isinstance(received.text, str) and received.text.strip()
            kept, _ = _usage(received.usage)
            assert kept is None or all(v is None or (isinstance(v, int) and 0 <= v < 2**63)
                                       for k, v in kept.items() if k != "estimated")
    else:
        assert isinstance(error, str) and len(error) < 1000


@SLOW
@given(body=chat_body, error=st.one_of(st.none(), any_json), status=st.one_of(st.just(200), any_json),
       wrap=st.sampled_from(["plain", "deep", "surrogate"]))
def test_any_result_line_is_stored_or_recorded_never_lost(tmp_path_factory, body, error, status, wrap):
    tmp = tmp_path_factory.mktemp("fuzzbatch")
    env = {"RETEST_ARCHIVE": str(tmp / "a.db"), "RETEST_MODEL": "m"}
    r = run_cli("batch", "export", SEED_002, "-m", "m", "-o", tmp / "req.jsonl", env=env)
    assert r.returncode == 0, r.stderr
    (cid,) = [json.loads(l)["custom_id"] for l in (tmp / "req.jsonl").read_text().splitlines()]
    if wrap == "deep":
        line = '{"custom_id": "%s", "response": {"status_code": 200, "body": %s}}' % (cid, "[" * 3000 + "]" * 3000)
    else:
        line = json.dumps({"custom_id": cid, "error": error, "response": {"status_code": status, "body": body}})
        if wrap == "surrogate":
            line = line.replace('"content": "', '"content": "\\ud83d', 1)
    (tmp / "res.jsonl").write_text(line + "\n")
    r = run_cli("batch", "import", tmp / "res.jsonl", env=env)
    out = r.stdout + r.stderr
    assert r.returncode in (0, 1) and "internal error" not in out and "Traceback" not in out, out
    db = sqlite3.connect(tmp / "a.db")
    try:
        (status_,), = db.execute("SELECT status FROM replies").fetchall()
        assert status_ in ("ok", "failed")  # stored, or its problem recorded: never left pending
        message = body.get("choices") if isinstance(body, dict) else None
        given_text = None
        if isinstance(message, list) and message and isinstance(message[0], dict):
            m = message[0].get("message")
            if isinstance(m, dict) and isinstance(m.get("content"), str):
                given_text = m["content"]
        if wrap == "plain" and not error and status == 200 and given_text and given_text.strip():
            (reply,), = db.execute("SELECT reply FROM replies").fetchall()
            assert status_ == "ok" and reply == given_text  # text that arrived is kept
    finally:
        db.close()
