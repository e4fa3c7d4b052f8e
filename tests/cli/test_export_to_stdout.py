"""``batch export -o -`` writes the requests to stdout, not to a file named ``-``."""

import json

from conftest import SEED_002, archive_rows, run_cli


def test_batch_export_to_stdout(tmp_path):
    env = {"RETEST_ARCHIVE": str(tmp_path / "a.db"), "RETEST_MODEL": "m", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    r = run_cli("batch", "export", SEED_002, "-o", "-", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (line,) = r.stdout.splitlines()
    request = json.loads(line)
    assert request["url"] == "/v1/chat/completions" and "2504.07912" in json.dumps(request["body"])
    assert not (tmp_path / "-").exists() and "wrote 1 requests to stdout" in r.stderr
    assert archive_rows(env, "SELECT state FROM batches") == [("exported",)]
