"""The overload lines of ``send`` name the model whose requests the server throttled."""

from servers.chat import ChatServer
from conftest import KEY, archive_rows, make_docs, run_cli


def test_the_throttled_model_is_named(tmp_path):
    server = ChatServer(models=("model-a", "model-b"))
    server.start()
    server.latency = 0.05
    server.model_faults["model-b"] = "429:ms10"
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    try:
        docs = make_docs(tmp_path / "docs", 6)
        r = run_cli("send", "--backoff", "0.01", *docs, "-m", "model-a", "-m", "model-b", "-j", "4",
                    "--max-attempts", "2", env=env)
    finally:
        server.stop()
    assert "model-a: 6 sent" in r.stderr, r.stderr
    (live,) = [line for line in r.stderr.splitlines() if "sending fewer at once" in line]
    assert "answered 429 (too many requests) for model-b" in live and "model-a" not in live
    (final,) = [line for line in r.stderr.splitlines() if "showed overload" in line]
    assert "for model-b" in final and "for model-a" not in final
    (note,) = archive_rows(env, "SELECT note FROM runs")
    assert "for model-b" in note[0]
