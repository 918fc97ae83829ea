# Shared by the wrk scripts in this folder: a backend nginx under its own prefix, fcp published into the work
# folder, and a cleanup that stops both when the script exits. The scripts set $work and, while fcp runs,
# $proxy_pid, then source this file.

# Starts nginx with one worker on 127.0.0.1:$1, answering every request with 200 "ok", under the prefix $work.
start_backend_nginx() {
  mkdir -p "$work/logs"
  cat > "$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$1;
    location / { return 200 "ok\n"; }
  }
}
CONF
  nginx -p "$work" -c "$work/nginx.conf"
}

# Stops the backend nginx and the fcp process in $proxy_pid, if they run; installed with trap ... EXIT.
stop_load_processes() {
  [[ -f "$work/nginx.pid" ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [[ -n "${proxy_pid:-}" ]] && kill "$proxy_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}

# Publishes fcp (Release) from the repository at $1 into $work/fcp.
publish_fcp() {
  dotnet publish "$1/src/FastContractorProxy" -c Release -o "$work/fcp" >/dev/null
}
