"""One live reply on a terminal: while the model has not begun, a line says it is waiting and for how long."""

import re

from servers.chat import ChatServer
from conftest import KEY, SEED_002, run_cli, run_on_tty, serving


class SlowStart(ChatServer):
    def __init__(self):
        super().__init__(latency=2.6)


server = serving(SlowStart)


def test_waiting_for_the_first_token_is_shown_then_cleared(server, tmp_path):
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db"),
           "COLUMNS": "80", "TERM": "xterm"}
    out = run_on_tty("send", SEED_002, "-m", "test-model", "--fit-tokens", "450", env=env).decode()
    ticks = re.findall(r"waiting for test-model's first token… (\d+) s", out)
    assert ticks and int(ticks[-1]) >= 2, out[-500:]
    after = out[out.rindex("first token…"):]
    assert "\r" + " " * 10 in after  # the line is taken back before the reply is written
    piped = run_cli("send", SEED_002, "-m", "test-model", "--fit-tokens", "450", "--force", env=env)
    assert piped.returncode == 0 and "first token" not in piped.stderr + piped.stdout
