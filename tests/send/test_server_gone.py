"""A server that goes away mid-run is said to have gone away (not overload), after --max-attempts attempts."""

import os
import subprocess
import sys
import time

from servers.chat import ChatServer
from conftest import KEY, make_docs, archive_rows as rows


def test_a_server_that_goes_away_mid_run(tmp_path):
    server = ChatServer(latency=0.2)
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
           "RETEST_ARCHIVE": str(tmp_path / "a.db"), "NO_COLOR": "1", "COLUMNS": "200"}
    docs = make_docs(tmp_path / "docs", 8)
    proc = subprocess.Popen([sys.executable, "-m", "retest", "send", "--backoff", "0.01", "-j", "2",
                             "--max-attempts", "3", *map(str, docs)], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(server.completions()) < 3:  # two answered, a third on its way
        time.sleep(0.02)
    server.go_away()  # nothing listens on its port any more, and open connections are cut
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    failed = [line for line in err.splitlines() if line.startswith("retest: failed:")]
    assert failed and all("went away" in line for line in failed), err
    assert all("after 3 attempts" in line for line in failed), err  # --max-attempts 3, not one more
    assert "showed overload" not in err and "the server went away during the run" in err
    ok = rows(env, "SELECT count(*) FROM replies WHERE status='ok'")[0][0]
    assert ok >= 2 and ok + len(failed) == 8
