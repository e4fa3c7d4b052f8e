"""Wait until a freshly started model server really serves: one tiny streamed completion, whole.

A server that answers ``GET /v1/models`` may still crash on its first completion
(a llama.cpp build tuned for another CPU does exactly that), so "the port answers"
is not "ready". Standard library only: it runs under the server's own Python and
under the tests'.

    python real_server_ready.py BASE_URL PID LOG_FILE [TIMEOUT_SECONDS]
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable

HINT = "reinstall it with: bash scripts/real-server.sh install (it rebuilds a portable llama-cpp-python)"


def _first_completion(url: str, timeout: float) -> str:
    """The text of a 4-token streamed completion; raises OSError/ValueError when it does not come whole."""
    body = json.dumps({"model": "smollm2", "stream": True, "max_tokens": 4,
                       "messages": [{"role": "user", "content": "Say hi."}]}).encode()
    request = urllib.request.Request(f"{url}/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    text, done = [], False
    with urllib.request.urlopen(request, timeout=timeout) as response:
        for raw in response:
            line = raw.decode("utf-8", "replace").strip()
            if line == "data: [DONE]":
                done = True
                break
            if line.startswith("data: "):
                for choice in json.loads(line[6:]).get("choices") or []:
                    text.append((choice.get("delta") or {}).get("content") or "")
    if not done:
        raise ValueError("the stream ended before [DONE]")
    return "".join(text)


def _exit_description(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def wait_ready(url: str, exit_code: Callable[[], int | None], log: str | None = None,
               timeout: float = 180.0) -> str | None:
    """None once the server streamed a first completion; else one paragraph saying what went wrong.

    ``exit_code`` returns the server process's exit status, or None while it runs.
    """
    deadline = time.monotonic() + timeout
    completion_error = None
    while time.monotonic() < deadline:
        code = exit_code()
        if code is not None:
            stage = "on its first completion" if completion_error else "while starting"
            return f"the real server {_exit_description(code)} {stage}; {HINT}.{_tail(log)}"
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as r:
                r.read()
        except OSError:
            time.sleep(0.3)
            continue
        try:
            _first_completion(url, timeout=max(1.0, min(60.0, deadline - time.monotonic())))
            return None
        except (OSError, ValueError) as exc:
            completion_error = exc
            time.sleep(0.5)  # a crashing server needs a moment to be seen as exited
    what = f"its first completion failed ({completion_error})" if completion_error else "it never answered"
    return f"the real server was not ready after {timeout:.0f} s: {what}; {HINT}.{_tail(log)}"


def _tail(log: str | None, lines: int = 15) -> str:
    if not log:
        return ""
    try:
        with open(log, "rb") as f:
            text = f.read()[-4000:].decode("utf-8", "replace")
    except OSError:
        return ""
    return "\nLast lines of its log (" + log + "):\n" + "\n".join(text.splitlines()[-lines:])


def _pid_exit_code(pid: int) -> Callable[[], int | None]:
    def code() -> int | None:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child: whether it is still running is all that can be known
            try:
                with open(f"/proc/{pid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return 1
            return 1 if state in ("Z", "X") else None
        if not done:
            return None
        return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    return code


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit("usage: real_server_ready.py BASE_URL PID LOG_FILE [TIMEOUT_SECONDS]")
    problem = wait_ready(sys.argv[1], _pid_exit_code(int(sys.argv[2])), sys.argv[3],
                         float(sys.argv[4]) if len(sys.argv) > 4 else 180.0)
    if problem:
        print(f"real-server: {problem}", file=sys.stderr)
        sys.exit(1)
