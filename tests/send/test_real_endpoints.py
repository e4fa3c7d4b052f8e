"""One document to two real servers in one command: llama-cpp-python's (chat completions) and LiteLLM's proxy in
front of it (the Responses API, a third-party implementation of it), each a named endpoint."""

import json
import sqlite3

import pytest
from conftest import SEED_002, run_cli

pytestmark = pytest.mark.real_server


def test_one_document_to_two_real_endpoints_in_one_command(real_server, litellm_proxy, tmp_path):
    conf = tmp_path / "endpoints.toml"
    conf.write_text(f'[endpoints.llama]\nbase_url = "{real_server}"\n\n'
                    f'[endpoints.litellm]\nbase_url = "{litellm_proxy}"\napi = "responses"\n')
    env = {"RETEST_ENDPOINTS": str(conf), "RETEST_ARCHIVE": str(tmp_path / "archive.db"), "OPENAI_API_KEY": ""}
    served = run_cli("models", "--json", env=env)
    assert served.returncode == 0, served.stderr
    assert {e["endpoint"]: "smollm2" in (e["models"] or []) for e in json.loads(served.stdout)} == {
        "llama": True, "litellm": True}
    r = run_cli("send", SEED_002, "-m", "smollm2@llama", "-m", "smollm2@litellm", "--max-output-tokens", "40",
                "--fit-tokens", "450", "-j", "1", env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(env["RETEST_ARCHIVE"])
    rows = sorted(db.execute("SELECT endpoint_name, api, status, length(reply) > 0 FROM replies").fetchall())
    assert rows == [("litellm", "responses", "ok", 1), ("llama", "chat", "ok", 1)]
    claims = json.loads(run_cli("claims", "--json", env=env).stdout)
    assert {(v["model"], v["endpoint"]) for e in claims for v in e["verdicts"]} == {
        ("smollm2", "llama"), ("smollm2", "litellm")}
    typo = run_cli("send", SEED_002, "-m", "smollm3@litellm", env=env)
    assert typo.returncode == 2 and "closest: smollm2" in typo.stderr
