"""``retest batch`` with named endpoints: one submit, a batch at each endpoint with its own key; collected per
endpoint (``--endpoint NAME``); the ledger keeps the same model at both apart."""

import json

from servers.batch import BatchServer
from conftest import SEED_000, run_cli, two_endpoints

KEY_A, KEY_B = "sk-batch-a-SECRET-aaaa1111", "sk-batch-b-SECRET-bbbb2222"


def test_one_submit_two_endpoints_collected_apart(tmp_path):
    a, b = BatchServer(), BatchServer()
    b.prefix = "batch_b"  # the archive keeps provider batch IDs unique across endpoints
    a.start()
    b.start()
    try:
        env = two_endpoints(tmp_path, a, b, KEY_A, KEY_B)
        r = run_cli("batch", "submit", SEED_000, "-m", "test-model@a", "-m", "test-model@b", env=env)
        assert r.returncode == 0, r.stderr
        assert len(a.batches) == 1 and len(b.batches) == 1
        assert a.keys == {f"Bearer {KEY_A}"} and b.keys == {f"Bearer {KEY_B}"}
        for name in ("a", "b"):
            done = run_cli("batch", "collect", "--endpoint", name, "--wait", "--poll", "0.05", env=env)
            assert done.returncode == 0, done.stderr
        claims = json.loads(run_cli("claims", "--json", env=env).stdout)
        assert {(v["model"], v["endpoint"]) for e in claims for v in e["verdicts"]} == {
            ("test-model", "a"), ("test-model", "b")}
        assert KEY_A.encode() not in (tmp_path / "archive.db").read_bytes()
    finally:
        a.stop()
        b.stop()
