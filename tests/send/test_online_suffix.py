"""`-m MODEL:online` away from OpenRouter: the refusal says what `:online` means and where it works."""

from servers.chat import ChatServer
from conftest import SEED_002, send, serving, server_env

server = serving(ChatServer)


def test_online_suffix_elsewhere_is_explained(server, tmp_path):
    env = server_env(server, tmp_path)
    r = send(env, SEED_002, "-m", "test-model:online", "--fit-tokens", "450")
    assert r.returncode != 0
    assert "':online' is OpenRouter's suffix" in r.stderr and "--model test-model with --search" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_plain_unknown_model_gets_no_online_hint(server, tmp_path):
    r = send(server_env(server, tmp_path), SEED_002, "-m", "no-such-model", "--fit-tokens", "450")
    assert r.returncode != 0 and "does not serve" in r.stderr and ":online" not in r.stderr


def test_online_suffix_refused_by_the_server_is_explained_too(server, tmp_path):
    r = send(server_env(server, tmp_path), SEED_002, "-m", "test-model:online", "--fit-tokens", "450",
             "--no-model-check")
    assert r.returncode != 0 and "not found" in r.stderr and "':online' is OpenRouter's suffix" in r.stderr
