# Sourced by the benchmarks: `wait_for_server PORT PID LOG` waits (up to 15 minutes: the
# first start builds the default cube) until `analytics serve` answers on PORT, and stops
# with its log if it exits first.
wait_for_server() {
  local port=$1 pid=$2 log=$3
  for _ in $(seq 1 900); do
    curl -sf "http://127.0.0.1:$port/api/version" >/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
    sleep 1
  done
  echo "analytics serve did not answer on port $port within 15 minutes" >&2
  exit 1
}
