"""The ``retest`` command for the tests, started from a process that has already imported it.

Most tests run the real command as a user would, hundreds of times; most of
each run's CPU went on importing the same modules again (the SDK alone takes
about 0.4 s). A zygote imports them once per test worker; each run is a fork
of it with the run's own arguments, environment, folder and standard streams,
so that it is still a separate process with its own exit code, and nothing one
run changes is seen by the next.

A run whose interpreter would start differently (``PYTHON*`` or locale
settings that differ from the zygote's) is not for a zygote: ``usable`` says
so, and the caller starts a real interpreter instead.

    python tests/cli_zygote.py SOCKET   # the zygote (started by ``Zygote``)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

STARTUP_VARS = ("LANG", "LC_ALL", "LC_CTYPE")


def _startup(env: dict) -> dict:
    return {k: v for k, v in env.items() if k.startswith("PYTHON") or k in STARTUP_VARS}


# -- the zygote ---------------------------------------------------------------------------------


def _preload() -> None:
    import importlib
    import pkgutil

    import retest.cli
    import retest.commands
    import retest.terminal

    for package in (retest.commands, retest.terminal):
        for mod in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{mod.name}")
    retest.cli.group.list_commands(None)
    for name in ("openai", "tiktoken", "jinja2", "jinja2.sandbox", "rich.console", "rich.markdown", "genai_prices",
                 "markdown_it", "tenacity", "httpx2", "retest.send.run", "retest.batch.runner", "retest.build.builder",
                 "retest.results.report", "retest.results.pages", "retest.check.reply", "retest.extract.parser"):
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _run_child(request: dict) -> None:
    """In the forked child: become ``retest ARGS`` in the request's folder, environment and streams."""
    import threading
    import traceback

    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        stdin = os.open(request["stdin"] or os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            out = os.open(path, os.O_WRONLY | os.O_TRUNC)
            os.dup2(out, fd)
            os.close(out)
        os.close(stdin)
        sys.argv = [request["argv0"], *request["argv"]]
        from retest.cli import main

        main(args=request["argv"], prog_name="retest")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, int | None):
            print(exc.code, file=sys.stderr)
    except BaseException:  # noqa: BLE001 — as the interpreter would: the traceback, exit 1
        traceback.print_exc()
        code = 1
    try:
        threading._shutdown()  # as at interpreter exit: wait for non-daemon threads
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    os._exit(code & 0xFF)


def _serve(conn: socket.socket, listener: socket.socket) -> None:
    """In a forked handler: start the run, say its process ID, wait for it, say how it ended."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(1 << 20)
        if not chunk:
            os._exit(0)
        data += chunk
    request = json.loads(data)
    pid = os.fork()
    if pid == 0:
        listener.close()
        conn.close()
        _run_child(request)
    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    try:
        conn.sendall(json.dumps({"returncode": code}).encode() + b"\n")
    except OSError:
        pass
    os._exit(0)


def zygote(path: str) -> None:
    import ctypes

    try:
        ctypes.CDLL(None).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG: never outlive the test worker
    except (OSError, AttributeError):
        pass
    _preload()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # handlers are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        if os.fork() == 0:
            _serve(conn, listener)
        conn.close()


# -- the tests' side --------------------------------------------------------------------------


class Unavailable(Exception):
    """The zygote could not begin the run (nothing was run): start a real interpreter instead."""


class Zygote:
    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="retest-zygote-")
        self.path = os.path.join(self.folder, "socket")
        self.env = dict(os.environ)
        self.proc = subprocess.Popen([sys.executable, __file__, self.path], stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=self.env)
        if self.proc.stdout.readline().strip() != b"ready":
            raise RuntimeError("the retest zygote did not start")

    def usable(self, env: dict) -> bool:
        return self.proc.poll() is None and _startup(env) == _startup(self.env)

    def run(self, argv: list[str], *, env: dict, cwd=None, input=None, timeout=None, text=True):
        """As ``subprocess.run([python, -m, retest, *argv], capture_output=True, ...)`` would."""
        if self.proc.poll() is not None or not os.path.isdir(self.folder):
            raise Unavailable("the zygote has stopped")
        with tempfile.TemporaryDirectory(dir=self.folder) as tmp:
            files = {name: os.path.join(tmp, name) for name in ("stdin", "stdout", "stderr")}
            for name in ("stdout", "stderr"):
                open(files[name], "wb").close()
            if input is not None:
                with open(files["stdin"], "wb") as fh:
                    fh.write(input.encode() if isinstance(input, str) else input)
            request = {"argv": argv, "env": env, "cwd": os.fspath(cwd or os.getcwd()),
                       "argv0": os.path.join(os.path.dirname(__import__("retest").__file__), "__main__.py"),
                       "stdin": files["stdin"] if input is not None else None, "stdout": files["stdout"],
                       "stderr": files["stderr"]}
            args = [sys.executable, "-m", "retest", *argv]
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                try:  # until the run has begun, a zygote that is gone can be done without
                    sock.connect(self.path)
                    sock.sendall(json.dumps(request).encode() + b"\n")
                    reader = sock.makefile("rb")
                    pid = json.loads(reader.readline())["pid"]
                except (OSError, ValueError, KeyError) as exc:
                    raise Unavailable(str(exc)) from None
                sock.settimeout(timeout)
                try:
                    line = reader.readline()
                except TimeoutError:
                    os.kill(pid, signal.SIGKILL)
                    time.sleep(0.2)
                    raise subprocess.TimeoutExpired(args, timeout, self._read(files["stdout"], text),
                                                    self._read(files["stderr"], text)) from None
                returncode = json.loads(line)["returncode"]
            return subprocess.CompletedProcess(args, returncode, self._read(files["stdout"], text),
                                               self._read(files["stderr"], text))

    @staticmethod
    def _read(path: str, text: bool):
        with open(path, "rb") as fh:
            data = fh.read()
        if not text:
            return data
        import locale

        return data.decode(locale.getpreferredencoding(False)).replace("\r\n", "\n").replace("\r", "\n")

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    zygote(sys.argv[1])
