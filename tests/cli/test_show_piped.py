"""``archive show N | cat`` neutralises a reply's control characters as a terminal does, unless ``--raw``."""

from servers.chat import ChatServer
from conftest import SEED_002, run_cli, server_env, serving

chat = serving(ChatServer)


def test_archive_show_to_a_pipe_neutralises_controls(chat, tmp_path):
    env = server_env(chat, tmp_path)
    chat.queue.append("escape")
    assert run_cli("send", SEED_002, env=env).returncode == 0
    shown = run_cli("archive", "show", "1", env=env)
    assert shown.returncode == 0 and "Title" in shown.stdout
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout and "␛" in shown.stdout
    raw = run_cli("archive", "show", "1", "--raw", env=env)
    assert raw.returncode == 0 and "Title\x1b]0;pwned\x07 then \x1b[2J cleared." in raw.stdout
