#!/usr/bin/env bash
# Reloads the policy while wrk sends authenticated requests through fcp to nginx, on loopback only, and checks
# that every request succeeded. Each reload replaces the file atomically (write, then rename), as a deploy
# tool should. Every second reload also sends SIGHUP, and the others rely on the file watcher.
# Needs Debian's nginx-light (or nginx) and wrk.
#
#   bash loadtests/policy-reload-under-load.sh [seconds] [connections] [reloads]
set -euo pipefail

seconds=${1:-10}
connections=${2:-32}
reloads=${3:-20}
nginx_port=18081
proxy_port=18001
work=$(mktemp -d /tmp/fcp-reload.XXXXXX)
repo=$(cd "$(dirname "$0")/.." && pwd)
api_key="load-test-service-account-key-0123456789abcdefghijkl"
key_hash=$(printf %s "$api_key" | sha256sum | cut -d' ' -f1)

source "$(dirname "$0")/common.sh"
trap stop_load_processes EXIT
start_backend_nginx "$nginx_port"

# Two policies that both allow the load's requests; each reload switches to the other, so the version changes.
policy() {  # $1: extra grant path
  cat <<CONF
contractors:
  - id: loader
    organization: Load Test
    sponsor: perf@example.test
    reference: LOAD-1
    authentication:
      - api_key_sha256: $key_hash
grants:
  - id: items
    subjects: [ loader ]
    methods: [ GET ]
    paths: [ /api/items/**, $1 ]
routes:
  - id: api
    paths: [ /api/** ]
    cluster: nginx
CONF
}
policy /api/a/** > "$work/policy.yaml"

cat > "$work/proxy.yaml" <<CONF
listeners:
  - address: 127.0.0.1:$proxy_port
clusters:
  - id: nginx
    destinations: [ "127.0.0.1:$nginx_port" ]
policy:
  file: policy.yaml
CONF

publish_fcp "$repo"
"$work/fcp/fcp" run --config "$work/proxy.yaml" > "$work/fcp.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do
  curl -sf -H "Authorization: ApiKey $api_key" "http://127.0.0.1:$proxy_port/api/items/1" >/dev/null && break
  sleep 0.2
done

wrk -t1 -c"$connections" -d"${seconds}s" -H "Authorization: ApiKey $api_key" "http://127.0.0.1:$proxy_port/api/items/1" > "$work/wrk.txt" &
wrk_pid=$!
interval=$(awk -v s="$seconds" -v n="$reloads" 'BEGIN { printf "%.3f", (s - 1) / n }')
for i in $(seq "$reloads"); do
  sleep "$interval"
  if (( i % 2 )); then extra=/api/b/**; else extra=/api/a/**; fi
  policy "$extra" > "$work/policy.yaml.new"
  mv "$work/policy.yaml.new" "$work/policy.yaml"
  if (( i % 2 == 0 )); then kill -HUP "$proxy_pid"; fi
done
wait "$wrk_pid"

cat "$work/wrk.txt"
loaded=$(grep -c 'Policy loaded from' "$work/fcp.log" || true)
failed=$(grep -c 'Policy reload from .* failed' "$work/fcp.log" || true)
echo "policy loads logged: $loaded (including the start), reload failures: $failed"
if grep -q 'Non-2xx\|Socket errors' "$work/wrk.txt" || [[ "$failed" != 0 ]]; then
  echo "FAIL: wrk saw errors, or a reload failed"
  exit 1
fi
echo "PASS: no errors during $reloads reloads"
