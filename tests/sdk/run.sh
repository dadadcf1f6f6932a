#!/usr/bin/env bash
# SDK conformance suite: the official OpenAI, Anthropic and Google GenAI Python SDKs against the data
# plane (standalone, from a generated bundle) in front of the mock provider. See
# docs/dev/sdk-conformance.md.
#
#   bash tests/sdk/run.sh                 # build, start mock + data plane, run every test
#   bash tests/sdk/run.sh -k anthropic    # extra arguments go to pytest
#   bash tests/sdk/run.sh --direct        # SDKs against the mock directly (checks the suite itself)
#   bash tests/sdk/run.sh --no-build      # use the binaries already in $CARGO_TARGET_DIR/debug
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gproxy/target}"
mkdir -p "$CARGO_TARGET_DIR"
mode=gateway
build=1
pytest_args=()
for arg in "$@"; do
  case "$arg" in
    --direct) mode=direct ;;
    --no-build) build=0 ;;
    *) pytest_args+=("$arg") ;;
  esac
done

say() { printf '[sdk] %s\n' "$*"; }

# --- Python SDKs in a reused venv ------------------------------------------------------------------
venv="$CARGO_TARGET_DIR/sdk-venv"
req="$root/tests/sdk/requirements.txt"
stamp="$venv/.gproxy-requirements"
if [ ! -x "$venv/bin/python" ]; then
  say "creating venv $venv"
  python3 -m venv "$venv"
fi
if ! cmp -s "$req" "$stamp" 2>/dev/null \
  || ! "$venv/bin/python" -c 'import openai, anthropic, google.genai, pytest' 2>/dev/null; then
  say "installing SDKs ($(grep -v '^#' "$req" | tr '\n' ' '))"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade-strategy only-if-needed -r "$req"
  cp "$req" "$stamp"
fi
"$venv/bin/python" - <<'PY'
from importlib.metadata import version
print("[sdk] " + ", ".join(f"{p} {version(p)}" for p in ("openai", "anthropic", "google-genai", "pytest")))
PY

# --- binaries ---------------------------------------------------------------------------------------
if [ "$build" = 1 ]; then
  say "cargo build -p gproxy-dataplane -p gproxy-mock-provider"
  cargo build -q -p gproxy-dataplane -p gproxy-mock-provider
fi
bin="$CARGO_TARGET_DIR/debug"

# --- processes --------------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/gproxy-sdk.XXXXXX")
logs="$CARGO_TARGET_DIR/sdk-logs"
mkdir -p "$logs"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -f "$logs"/*
  cp "$work"/*.log "$work"/*.json* "$logs"/ 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() { # URL, seconds, pid
  "$venv/bin/python" - "$@" <<'PY'
import os, sys, time, urllib.request
url, limit, pid = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
end = time.time() + limit
while time.time() < end:
    try:
        with open(f"/proc/{pid}/stat") as f:
            dead = f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        dead = True
    if dead:
        sys.exit(f"process {pid} exited before {url} answered")
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
sys.exit(f"{url} did not answer 200 within {limit}s")
PY
}

client_key=gp-test-key-0001
if [ "$mode" = direct ]; then upstream_key=$client_key; else upstream_key=sk-mock-upstream-0001; fi

mock_port=$(free_port)
"$bin/gproxy-mock-provider" --listen "127.0.0.1:$mock_port" --record 8 --threads 1 \
  --required-key "$upstream_key" >"$work/mock.log" 2>&1 &
pids+=($!)
mock_url="http://127.0.0.1:$mock_port"
if ! wait_http "$mock_url/__mock/config" 20 "${pids[0]}"; then cat "$work/mock.log" >&2; exit 1; fi
say "mock provider on $mock_url"

if [ "$mode" = gateway ]; then
  cat >"$work/bundle.json" <<JSON
{
  "providers": [
    {"name": "up-chat", "channel": "openai-compatible", "base_url": "$mock_url/v1",
     "credentials": [{"api_key": "$upstream_key"}], "models": [{"id": "m-chat", "price": {"input": 1, "output": 2}}]},
    {"name": "up-responses", "channel": "openai", "prefer": "responses", "base_url": "$mock_url/v1",
     "credentials": [{"api_key": "$upstream_key"}], "models": [{"id": "m-responses", "price": {"input": 1, "output": 2}}]},
    {"name": "up-anthropic", "channel": "anthropic", "base_url": "$mock_url/v1",
     "credentials": [{"api_key": "$upstream_key"}], "models": [{"id": "m-anthropic", "price": {"input": 1, "output": 2}}]},
    {"name": "up-gemini", "channel": "gemini", "base_url": "$mock_url/v1beta",
     "credentials": [{"api_key": "$upstream_key"}], "models": [{"id": "m-gemini", "price": {"input": 1, "output": 2}}]}
  ],
  "routes": [
    {"name": "via-chat", "members": [{"provider": "up-chat", "model": "m-chat"}]},
    {"name": "via-responses", "members": [{"provider": "up-responses", "model": "m-responses"}]},
    {"name": "via-anthropic", "members": [{"provider": "up-anthropic", "model": "m-anthropic"}]},
    {"name": "via-gemini", "members": [{"provider": "up-gemini", "model": "m-gemini"}]}
  ],
  "users": [
    {"name": "sdk", "keys": [{"key": "$client_key"}], "permissions": ["*"]},
    {"name": "limited", "keys": [{"key": "gp-limited-key-0002"}], "permissions": ["via-chat"]}
  ]
}
JSON
  dp_port=$(free_port)
  GPROXY_LOG="${GPROXY_LOG:-warn}" "$bin/gproxy-dataplane" --bundle "$work/bundle.json" \
    --listen "127.0.0.1:$dp_port" --usage-log "$work/usage.jsonl" --workers 2 --drain-seconds 0 \
    >"$work/dataplane.log" 2>&1 &
  pids+=($!)
  base_url="http://127.0.0.1:$dp_port"
  if ! wait_http "$base_url/readyz" 30 "${pids[1]}"; then cat "$work/dataplane.log" >&2; exit 1; fi
  say "data plane on $base_url"
else
  base_url=$mock_url
fi

# --- tests ------------------------------------------------------------------------------------------
# test paths given on the command line replace the default (the whole folder)
targets=("$root/tests/sdk")
for arg in ${pytest_args[@]+"${pytest_args[@]}"}; do
  case "$arg" in -*) ;; *) if [ -e "${arg%%::*}" ]; then targets=(); break; fi ;; esac
done
status=0
GPROXY_SDK_USAGE_LOG=$work/usage.jsonl GPROXY_SDK_MODE=$mode GPROXY_SDK_BASE_URL=$base_url GPROXY_SDK_MOCK_URL=$mock_url GPROXY_SDK_KEY=$client_key \
  PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m pytest ${targets[@]+"${targets[@]}"} -p no:cacheprovider -q -rfEXx \
  ${pytest_args[@]+"${pytest_args[@]}"} || status=$?
if [ "$status" != 0 ] && [ "$mode" = gateway ]; then
  say "data plane log (last 40 lines; full logs in $logs):"
  tail -n 40 "$work/dataplane.log" || true
fi
exit "$status"
