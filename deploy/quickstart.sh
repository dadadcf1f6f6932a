#!/usr/bin/env bash
# One command, a working gateway: a control plane on embedded SQLite and one data plane connected
# to it over gRPC on loopback. Ctrl-C stops both.
#
#   bash deploy/quickstart.sh            # state in ./data (kept across runs)
#   GPROXY_QUICKSTART_DIR=/tmp/gp bash deploy/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gproxy/target}"
dir="${GPROXY_QUICKSTART_DIR:-$PWD/data}"
mkdir -p "$dir"

has_libclang() { compgen -G '/usr/lib/llvm-*/lib/libclang.so*' >/dev/null || compgen -G '/usr/lib/llvm-*/lib/libclang-[0-9]*.so*' >/dev/null; }
if ! command -v cmake >/dev/null || ! command -v protoc >/dev/null || ! has_libclang; then
  echo "installing build dependencies (cmake, libclang-dev, protobuf-compiler)…"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq cmake libclang-dev protobuf-compiler >/dev/null
fi
echo "building (first run takes a few minutes)…"
cargo build --release -q -p gproxy-controlplane -p gproxy-dataplane
bin="$CARGO_TARGET_DIR/release"

admin_port="${GPROXY_ADMIN_PORT:-8081}"; grpc_port="${GPROXY_GRPC_PORT:-8082}"; api_port="${GPROXY_API_PORT:-8080}"
cluster_token_file="$dir/cluster.token"
[ -s "$cluster_token_file" ] || head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$cluster_token_file"
export GPROXY_CLUSTER_TOKEN="$(cat "$cluster_token_file")"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

GPROXY_DATA_DIR="$dir" GPROXY_DATABASE_URL="sqlite://$dir/gproxy.db" \
  "$bin/gproxy-controlplane" --listen "127.0.0.1:$admin_port" --grpc-listen "127.0.0.1:$grpc_port" \
  > >(tee "$dir/controlplane.log") 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$admin_port/healthz" >/dev/null && break; sleep 0.1; done

"$bin/gproxy-dataplane" --listen "127.0.0.1:$api_port" --controlplane "http://127.0.0.1:$grpc_port" \
  --node-id quickstart-dp-1 --spool-dir "$dir/spool" > "$dir/dataplane.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$api_port/healthz" >/dev/null && break; sleep 0.1; done

token_line=$(grep -m1 "admin token" "$dir/controlplane.log" || true)
cat <<TXT

gproxy is running.
  data plane (LLM APIs):  http://127.0.0.1:$api_port   (OpenAI /v1, Anthropic /v1/messages, Gemini /v1beta)
  admin API:              http://127.0.0.1:$admin_port/admin/v1/   (OpenAPI: /admin/v1/openapi.json)
  ${token_line:-admin token: printed on the first start only; set GPROXY_ADMIN_TOKEN to choose one}
  logs:                   $dir/controlplane.log, $dir/dataplane.log

Add a provider, a route and a key (put your admin token and OpenAI key in):
ADMIN_TOKEN=gpa-...
curl -X PUT http://127.0.0.1:$admin_port/admin/v1/bundle \\
  -H "authorization: Bearer \$ADMIN_TOKEN" -H 'content-type: application/yaml' --data-binary @- <<'YAML'
providers:
  - name: openai
    channel: openai
    credentials: [{api_key: sk-...}]
    models: [{id: gpt-4o-mini}]
routes:
  - {name: gpt-4o-mini, members: [{provider: openai, model: gpt-4o-mini}]}
users:
  - name: me
    keys: [{key: gp-my-first-key-0001}]
YAML

Then point any SDK at http://127.0.0.1:$api_port/v1 with the key gp-my-first-key-0001.
Ctrl-C stops both processes.
TXT
wait
