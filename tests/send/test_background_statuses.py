"""A background response in a status the Responses API does not define ends its polling as failed."""

from servers.background import BackgroundServer
from conftest import archive_rows, make_docs, run_cli, server_env, serving

server = serving(BackgroundServer)


def test_an_undefined_status_ends_polling_as_failed(server, tmp_path):
    env = server_env(server, tmp_path)
    docs = make_docs(tmp_path / "docs", 2)
    server.outcomes["marker00x"] = "expired"
    r = run_cli("send", "--background", "--poll", "0.05", "--backoff", "0.01", *docs, env=env, timeout=60)
    assert r.returncode == 1, r.stderr
    (failed,) = [line for line in r.stderr.splitlines() if line.startswith("retest: failed:")]
    assert "doc00.txt" in failed and "'expired'" in failed and "Traceback" not in r.stderr
    assert sorted(archive_rows(env, "SELECT b.status, b.state, r.status FROM background_responses b JOIN replies r"
                                    " ON r.id = b.reply_id")) == [("completed", "ended", "ok"),
                                                                  ("expired", "ended", "failed")]
    polls = server.polls
    again = run_cli("send", "--background", "--poll", "0.05", *docs, env=env, timeout=60)
    assert again.returncode == 1 and "1 ended earlier without a reply" in again.stderr
    assert server.polls == polls and server.total_creates() == 2  # nothing polled or paid for again
