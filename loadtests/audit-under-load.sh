#!/usr/bin/env bash
# Measures the audit log under wrk load through fcp to nginx, on loopback only. It compares the number of records
# with the requests wrk completed, verifies the hash chain after a graceful stop (SIGTERM), and measures requests
# per second with audit on and off in alternating rounds. Needs Debian's nginx-light (or nginx) and wrk.
#
#   bash loadtests/audit-under-load.sh [rounds] [seconds] [connections]
set -euo pipefail

rounds=${1:-2}
seconds=${2:-10}
connections=${3:-32}
nginx_port=18082
proxy_port=18002
work=$(mktemp -d /tmp/fcp-audit-load.XXXXXX)
repo=$(cd "$(dirname "$0")/.." && pwd)
api_key="load-test-service-account-key-0123456789abcdefghijkl"
key_hash=$(printf %s "$api_key" | sha256sum | cut -d' ' -f1)

source "$(dirname "$0")/common.sh"
trap stop_load_processes EXIT
start_backend_nginx "$nginx_port"

cat > "$work/policy.yaml" <<CONF
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
    paths: [ /api/items/** ]
routes:
  - id: api
    paths: [ /api/** ]
    cluster: nginx
CONF

write_config() {  # $1: on or off
  cat > "$work/proxy-$1.yaml" <<CONF
listeners:
  - address: 127.0.0.1:$proxy_port
clusters:
  - id: nginx
    destinations: [ "127.0.0.1:$nginx_port" ]
policy:
  file: policy.yaml
  watch: false
CONF
  if [[ $1 == on ]]; then printf 'audit:\n  path: audit.log\n' >> "$work/proxy-$1.yaml"; fi
}
write_config on
write_config off

publish_fcp "$repo"

start_proxy() {  # $1: on or off
  rm -f "$work"/audit.log*
  "$work/fcp/fcp" run --config "$work/proxy-$1.yaml" > "$work/fcp-$1.log" 2>&1 &
  proxy_pid=$!
  for _ in $(seq 100); do
    curl -sf -H "Authorization: ApiKey $api_key" "http://127.0.0.1:$proxy_port/api/items/1" >/dev/null && break
    sleep 0.2
  done
}

stop_proxy() {
  kill -TERM "$proxy_pid"
  wait "$proxy_pid" || true
  proxy_pid=
}

# The log rotates at 100 MiB: rotated files (oldest first, by their UTC suffix), then the current one.
audit_files() {
  (cd "$work" && LC_ALL=C ls audit.log.* 2>/dev/null | sed "s|^|$work/|"; echo "$work/audit.log")
}

audit_lines() {
  cat $(audit_files) | wc -l
}

load() {  # $1: seconds -> wrk output
  wrk -t1 -c"$connections" -d"${1}s" -H "Authorization: ApiKey $api_key" "http://127.0.0.1:$proxy_port/api/items/1"
}

for round in $(seq "$rounds"); do
  for mode in on off; do
    start_proxy "$mode"
    load 10 > /dev/null   # warm-up
    if [[ $mode == on ]]; then before=$(audit_lines); fi
    out=$(load "$seconds")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    completed=$(awk '/requests in/ {print $1}' <<<"$out")
    errors=$(awk '/Socket errors|Non-2xx/ {e = e $0 "; "} END {print (e == "" ? "none" : e)}' <<<"$out")
    stop_proxy
    if [[ $mode == on ]]; then
      records=$(( $(audit_lines) - before ))
      verify=$("$work/fcp/fcp" audit verify $(audit_files) | head -1)
      echo "round $round audit-on  rps=$rps completed=$completed records=$records errors=$errors verify: $verify"
    else
      echo "round $round audit-off rps=$rps completed=$completed errors=$errors"
    fi
  done
done | tee "$work/results.txt"

echo "medians:"
for mode in audit-on audit-off; do
  grep -F "$mode" "$work/results.txt" | sed 's/.*rps=\([0-9.]*\).*/\1/' | sort -n |
    awk -v t="$mode" '{ a[NR] = $1 } END { print "  " t " rps=" a[int((NR + 1) / 2)] }'
done
