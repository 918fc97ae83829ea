#!/usr/bin/env bash
# Compares wrk against nginx directly and through fcp (nginx as the upstream), in alternating rounds, on
# loopback only. Needs Debian's nginx-light (or nginx) and wrk. Prints one line per round and the medians.
#
#   bash loadtests/h1-nginx-compare.sh [rounds] [seconds] [connections]
#
# Environment: FCP_TRANSPORT_INLINE=true and FCP_IO_QUEUES=N set fcp's transport section (Kestrel socket options).
set -euo pipefail

rounds=${1:-3}
seconds=${2:-10}
connections=${3:-32}
nginx_port=18080
proxy_port=18000
work=$(mktemp -d /tmp/fcp-load.XXXXXX)
repo=$(cd "$(dirname "$0")/.." && pwd)

source "$(dirname "$0")/common.sh"
trap stop_load_processes EXIT
start_backend_nginx "$nginx_port"

cat > "$work/proxy.yaml" <<CONF
listeners:
  - address: 127.0.0.1:$proxy_port
clusters:
  - id: nginx
    destinations: [ "127.0.0.1:$nginx_port" ]
routes:
  - id: all
    path_prefix: /
    cluster: nginx
transport:
  inline_scheduling: ${FCP_TRANSPORT_INLINE:-false}
CONF
if [[ -n "${FCP_IO_QUEUES:-}" ]]; then echo "  io_queue_count: $FCP_IO_QUEUES" >> "$work/proxy.yaml"; fi

publish_fcp "$repo"
"$work/fcp/fcp" run --config "$work/proxy.yaml" > "$work/fcp.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$proxy_port/" >/dev/null && break; sleep 0.2; done

# Pin wrk to the last core when there is more than one, so it does not compete with the target directly.
pin=()
if [[ $(nproc) -gt 1 ]]; then pin=(taskset -c "$(( $(nproc) - 1 ))"); fi

echo "warming up fcp (20 s)"
"${pin[@]}" wrk -t1 -c"$connections" -d20s "http://127.0.0.1:$proxy_port/" >/dev/null

run() {  # name url -> "rps p99_ms errors"
  local out
  out=$("${pin[@]}" wrk -t1 -c"$connections" -d"${seconds}s" --latency "$2")
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Socket errors|Non-2xx/ {e = e $0 "; "} END {print (e == "" ? "none" : e)}' <<<"$out")
  echo "$1 rps=$rps p99=$p99 errors=$errors"
}

for round in $(seq "$rounds"); do
  run "round $round direct-nginx" "http://127.0.0.1:$nginx_port/"
  run "round $round fcp->nginx  " "http://127.0.0.1:$proxy_port/"
done | tee "$work/results.txt"

echo "medians:"
for target in direct-nginx "fcp->nginx"; do
  grep -F "$target" "$work/results.txt" | sed 's/.*rps=\([0-9.]*\).*/\1/' | sort -n |
    awk -v t="$target" '{ a[NR] = $1 } END { print "  " t " rps=" a[int((NR + 1) / 2)] }'
done
echo "fcp RSS after load: $(awk '/VmRSS/ {print $2 " " $3}' "/proc/$proxy_pid/status")"
