#!/usr/bin/env bash
# What metrics and tracing cost a hot read (issue 13: GetUser QPS with them on vs off, in the same
# run; goal within 5 % with tracing sampled at 1 %, within 15 % fully sampled).
#
# Builds this checkout's server jar, starts ONE PostgreSQL (initdb/pg_ctl from PATH, Debian package
# postgresql; run as user postgres when root) in a temp dir on 127.0.0.1, a stand-in OTLP/HTTP
# collector (bench/otlp_sink.py: answers 200, counts requests, bytes and spans) and four Roster
# JVMs side by side on that one database, role api (no job workers polling), rate limits lifted:
#   a  ROSTER_METRICS_ENABLED=false, no OTEL_* exporter endpoint       (nothing)
#   b  metrics on (the default), no OTEL_* exporter endpoint           (metrics)
#   c  metrics on, traces over OTLP http/protobuf to the sink, parentbased_traceidratio 0.01
#   d  metrics on, traces over OTLP http/protobuf to the sink, parentbased_traceidratio 1.0
# Seeds one organization, key and user through a (buf curl), checks each server answers GetUser
# with it, warms each up, then drives GetUser with h2load (unary gRPC over h2c, one connection,
# BENCH_IN_FLIGHT calls in flight) in interleaved rounds, each server once per round, so drift
# (and the other work of a shared machine) hits all alike; each round starts one server later
# (a,b,c,d, then b,c,d,a, ...), so no server always runs right after the same neighbour. Per measured window: calls/s, p50/p99 from
# h2load's per-request log, and the server JVM's CPU (utime+stime from /proc/PID/stat; not
# PostgreSQL's, not h2load's). Every answer must carry a message (no refusal, no error). The
# table gives per server the median over the rounds, and its ratio to a as the median of the
# per-round ratios (each taken between windows a few seconds apart, so slow drift cancels).
#
# Usage: bench/observability-overhead.sh
#   ROUNDS (8; fewer, but at least 4, when BENCH_BUDGET_SECONDS (285, counted from the end of
#   the build) would be overrun), BENCH_SECONDS (4) per measured window, WARMUP_SECONDS (20: the most warm-up per
#   server, in passes of 4 s that stop early once CPU per call settles),
#   BENCH_PORT (19190: gRPC ports 19190..19193, sinks +10, PostgreSQL +20), BENCH_IN_FLIGHT (6),
#   BENCH_JAVA_OPTS (-Xmx512m), BENCH_JAR (a built roster-server.jar: skips the build).
# At most about 5 minutes after the build (3 to 4 on a quiet 2-core machine).
# Needs: mvn, java 17, h2load (nghttp2-client), python3, jq, xxd, initdb/pg_ctl, node/npm (buf).
set -euo pipefail

ROUNDS=${ROUNDS:-8}
BUDGET=${BENCH_BUDGET_SECONDS:-285}
SECONDS_PER_RUN=${BENCH_SECONDS:-4}
WARMUP=${WARMUP_SECONDS:-20}
WARMUP_PASS=4
PORT=${BENCH_PORT:-19190}
IN_FLIGHT=${BENCH_IN_FLIGHT:-6}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx512m}
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
REV=$(git -C "$ROOT" rev-parse --short HEAD)
TICKS=$(getconf CLK_TCK)
ADMIN_KEY=bench-admin-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
CONFIGS=(a b c d)
SINK_PORT=$((PORT + 10))
PG_PORT=$((PORT + 20))

for tool in h2load python3 jq xxd initdb pg_ctl java; do
  command -v "$tool" > /dev/null || { echo "$tool not found (h2load: apt-get install nghttp2-client;" \
    "initdb/pg_ctl: apt-get install postgresql, or put its bin/ on PATH)" >&2; exit 2; }
done
WORK=$(mktemp -d /tmp/roster-obs-overhead.XXXXXX)
declare -A PID=() ADMIN=()
SINK_PID=""
PG_UP=""

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pid() { # stop_pid <pid>: TERM, up to 30 s, then KILL
  kill -TERM "$1" 2> /dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$1" 2> /dev/null || break; sleep 0.5; done
  kill -KILL "$1" 2> /dev/null || true
  wait "$1" 2> /dev/null || true
}
cleanup() {
  local c
  for c in "${!PID[@]}"; do stop_pid "${PID[$c]}"; done
  [ -z "$SINK_PID" ] || stop_pid "$SINK_PID"
  if [ -n "$PG_UP" ]; then
    as_pg pg_ctl -D "$WORK/pg/data" -m fast -w stop > /dev/null 2>&1 || true
    if [ -f "$WORK/pg/data/postmaster.pid" ]; then stop_pid "$(head -1 "$WORK/pg/data/postmaster.pid")"; fi
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the server jar, built before anything is measured ----------------------------------------
if [ -n "${BENCH_JAR:-}" ]; then
  cp "$BENCH_JAR" "$WORK/roster.jar"
else
  echo "building $REV ..." >&2
  (cd "$ROOT" && timeout 900 mvn -B -q -o -Dstyle.color=never -DskipTests package -pl server -am) >&2
  cp "$ROOT/server/target/roster-server.jar" "$WORK/roster.jar"
fi
if [ ! -x "$ROOT/proto/node_modules/.bin/buf" ]; then
  (cd "$ROOT/proto" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi
SECONDS=0 # the time budget starts after the build
BUF="$ROOT/proto/node_modules/.bin/buf"

# --- one PostgreSQL, loopback only, trust auth (nothing else can reach it) ---------------------
chmod 711 "$WORK"
mkdir -p "$WORK/pg"
[ "$(id -u)" != 0 ] || chown postgres "$WORK/pg"
as_pg initdb -D "$WORK/pg/data" -U postgres -A trust -E UTF8 > "$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; exit 1; }
PG_UP=1
as_pg pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/postgres.log" -w -t 60 start \
  -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=300" > /dev/null \
  || { cat "$WORK/pg/postgres.log" >&2; exit 1; }
PG_VERSION=$(postgres --version | awk '{print $3}')

# --- the OTLP sink: one port per traced server, so each one's exports are counted apart -------
python3 "$ROOT/bench/otlp_sink.py" $((SINK_PORT + 2)) $((SINK_PORT + 3)) > "$WORK/sink.out" 2>&1 &
SINK_PID=$!
for _ in $(seq 1 40); do grep -q ready "$WORK/sink.out" && break; sleep 0.25; done
grep -q ready "$WORK/sink.out" || { cat "$WORK/sink.out" >&2; exit 1; }
sink_stats() { curl -sf "http://127.0.0.1:$1/stats"; } # -> "requests bytes spans other-requests"

# --- four servers: a first (it migrates the database), then the others side by side -----------
launch_server() { # launch_server <config> <index>
  local c=$1 i=$2 env=(env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
    -u OTEL_TRACES_SAMPLER -u OTEL_TRACES_SAMPLER_ARG -u OTEL_SDK_DISABLED)
  case $c in
    a) env+=(ROSTER_METRICS_ENABLED=false) ;;
    b) env+=(ROSTER_METRICS_ENABLED=true) ;;
    c|d)
      # Only the traces signal goes to the sink: metrics stay on the Prometheus pull endpoint.
      env+=(ROSTER_METRICS_ENABLED=true OTEL_SERVICE_NAME=roster-bench-$c
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:$((SINK_PORT + i))/v1/traces
        OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf
        OTEL_METRICS_EXPORTER=none OTEL_LOGS_EXPORTER=none
        OTEL_TRACES_SAMPLER=parentbased_traceidratio
        OTEL_TRACES_SAMPLER_ARG=$([ "$c" = c ] && echo 0.01 || echo 1.0)) ;;
  esac
  mkdir -p "$WORK/data-$c"
  "${env[@]}" ROSTER_ROLE=api ROSTER_DATA_DIR="$WORK/data-$c" ROSTER_GRPC_PORT=$((PORT + i)) \
    ROSTER_ADMIN_PORT=0 ROSTER_BOOTSTRAP_ADMIN_KEY="$ADMIN_KEY" \
    ROSTER_DATABASE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" ROSTER_DATABASE_USER=postgres \
    ROSTER_RATE_LIMIT_PER_SECOND=1000000 ROSTER_RATE_LIMIT_BURST=1000000 \
    ROSTER_ORGANIZATION_RATE_LIMIT_PER_SECOND=1000000 ROSTER_ORGANIZATION_RATE_LIMIT_BURST=1000000 \
    java $JAVA_OPTS -jar "$WORK/roster.jar" > "$WORK/$c.log" 2>&1 &
  PID[$c]=$!
}
await_server() { # await_server <config>
  local c=$1
  for _ in $(seq 1 240); do
    grep -q 'listening for gRPC' "$WORK/$c.log" && break
    kill -0 "${PID[$c]}" 2> /dev/null || { cat "$WORK/$c.log" >&2; return 1; }
    sleep 0.5
  done
  grep -q 'listening for gRPC' "$WORK/$c.log" || { echo "server $c did not start" >&2; return 1; }
  ADMIN[$c]=$(sed -n 's/.*admin HTTP on port \([0-9]*\).*/\1/p' "$WORK/$c.log" | head -1)
}
launch_server a 0
await_server a
for i in 1 2 3; do launch_server "${CONFIGS[$i]}" "$i"; done
for c in b c d; do await_server "$c"; done
port_of() { case $1 in a) echo $PORT ;; b) echo $((PORT + 1)) ;; c) echo $((PORT + 2)) ;; d) echo $((PORT + 3)) ;; esac; }

# /metrics: 404 on a, 200 on the others.
for c in "${CONFIGS[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${ADMIN[$c]}/metrics")
  want=200; [ "$c" != a ] || want=404
  [ "$code" = "$want" ] || { echo "server $c: /metrics answered $code, expected $want" >&2; exit 1; }
done

call() { # call <port> <key> <service/method> <json>
  timeout 60 "$BUF" curl --protocol grpc --http2-prior-knowledge \
    -H "authorization: Bearer $2" -d "$4" "http://127.0.0.1:$1/$3"
}
org=$(call $PORT "$ADMIN_KEY" roster.accounts.v1.AccountsService/CreateOrganization \
  '{"organization": {"slug": "bench", "display_name": "Bench"}}' | jq -r .name)
KEY=$(call $PORT "$ADMIN_KEY" roster.accounts.v1.ApiKeysService/CreateApiKey \
  '{"parent": "'"$org"'", "api_key": {"display_name": "bench", "scopes": ["ACCOUNTS_READ", "ACCOUNTS_WRITE"]}}' \
  | jq -r .secret)
USER_NAME=$(call $PORT "$KEY" roster.accounts.v1.AccountsService/CreateUser \
  '{"parent": "'"$org"'", "user": {"handle": "ada", "email": "ada@example.com", "display_name": "Ada Lovelace"}}' \
  | jq -r .name)

# gRPC frame of GetUserRequest{name = 1}: 1 byte "not compressed", 4-byte big-endian length.
varint_hex() {
  local n=$1 out=""
  while [ "$n" -ge 128 ]; do out+=$(printf '%02x' $(( (n & 127) | 128 ))); n=$(( n >> 7 )); done
  printf '%s%02x' "$out" "$n"
}
msg="0a$(varint_hex ${#USER_NAME})$(printf '%s' "$USER_NAME" | xxd -p | tr -d '\n')"
printf '00%08x%s' $(( ${#msg} / 2 )) "$msg" | xxd -r -p > "$WORK/get-user.bin"
GET=/roster.accounts.v1.AccountsService/GetUser

cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
# h2 <port> <seconds|n:count> [log file] -> "reqs_per_s succeeded failed errored data_bytes"
h2() {
  local mode=(-D "$2") log=()
  case $2 in n:*) mode=(-n "${2#n:}") ;; esac
  [ -z "${3:-}" ] || log=(--log-file="$3")
  timeout $(( ${2#n:} + 60 )) h2load "${mode[@]}" "${log[@]}" -c 1 -m "$IN_FLIGHT" \
    -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: Bearer $KEY" \
    -d "$WORK/get-user.bin" "http://127.0.0.1:$1$GET" > "$WORK/h2load.out" 2>&1 \
    || { cat "$WORK/h2load.out" >&2; return 1; }
  awk '/^finished in/ { rps = $4 }
       /^requests:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^succeeded/) ok = $i;
                      if ($(i+1) ~ /^failed/) failed = $i; if ($(i+1) ~ /^errored/) err = $i } }
       /^traffic:/ { n = split($0, p, /[()]/); data = p[n-1] }
       END { print rps, ok, failed, err, data }' "$WORK/h2load.out"
}

# Bytes of one OK answer's message frames (a refused or failed answer is trailers only), checked
# on every server: the same key and user work everywhere.
declare -A ONE=()
for c in "${CONFIGS[@]}"; do
  call "$(port_of $c)" "$KEY" roster.accounts.v1.AccountsService/GetUser '{"name": "'"$USER_NAME"'"}' \
    | jq -e .handle > /dev/null
  ONE[$c]=$(h2 "$(port_of $c)" n:1 | awk '{print $5}')
  [ "${ONE[$c]}" -gt 5 ] || { echo "server $c: a single GetUser returned no message" >&2; exit 1; }
done
# Warm-up in interleaved passes of WARMUP_PASS s, until every server's CPU per call moved less
# than 10 % from its previous pass (the JIT compiler's own CPU counts in the JVM's, so a server
# still compiling costs more per call), at least 2 passes, at most WARMUP_SECONDS per server.
declare -A LAST=()
passes=0
while :; do
  passes=$((passes + 1)); settled=1
  for c in "${CONFIGS[@]}"; do
    c0=$(cpu_ticks "${PID[$c]}"); r=$(h2 "$(port_of $c)" "$WARMUP_PASS"); c1=$(cpu_ticks "${PID[$c]}")
    per=$(awk -v r="$r" -v d=$((c1 - c0)) -v t="$TICKS" 'BEGIN { split(r, f, " "); printf "%.0f", d * 1e6 / t / (f[2] > 0 ? f[2] : 1) }')
    if [ -z "${LAST[$c]:-}" ] || awk -v a="$per" -v b="${LAST[$c]}" 'BEGIN { exit !(a > 1.1 * b || a < b / 1.1) }'; then
      settled=0
    fi
    LAST[$c]=$per
  done
  echo "warm-up pass $passes: CPU µs per call a ${LAST[a]}, b ${LAST[b]}, c ${LAST[c]}, d ${LAST[d]}" >&2
  if [ "$settled" = 1 ] && [ "$passes" -ge 2 ]; then break; fi
  if [ $(( (passes + 1) * WARMUP_PASS )) -gt "$WARMUP" ]; then break; fi
done
WARMED=$((passes * WARMUP_PASS))

: > "$WORK/results"
ROUNDS_DONE=0
for round in $(seq 1 "$ROUNDS"); do
  if [ "$round" -gt 4 ] && [ $(( SECONDS + 4 * SECONDS_PER_RUN + 20 )) -gt "$BUDGET" ]; then
    echo "stopping after $ROUNDS_DONE rounds: the time budget (${BUDGET} s) is nearly spent" >&2
    break
  fi
  ROUNDS_DONE=$round
  for k in 0 1 2 3; do
    c=${CONFIGS[$(( (round - 1 + k) % 4 ))]}
    pid=${PID[$c]}
    rm -f "$WORK/latency.log" # h2load appends to its log file
    c0=$(cpu_ticks "$pid"); r=$(h2 "$(port_of $c)" "$SECONDS_PER_RUN" "$WORK/latency.log"); c1=$(cpu_ticks "$pid")
    read -r rps ok failed err data <<< "$r"
    bodies=$(( data / ONE[$c] ))
    if [ "$failed" != 0 ] || [ "$err" != 0 ] || [ "$bodies" -lt "$ok" ]; then
      echo "server $c round $round: $ok done, $bodies with a message, $failed failed, $err errored" >&2
      exit 1
    fi
    # h2load's log: start (µs since epoch), HTTP status, duration (µs) per request.
    read -r p50 p99 <<< "$(awk '{print $3}' "$WORK/latency.log" | sort -n \
      | awk '{ v[NR] = $1 } END { print v[int(NR * 0.50 + 0.5)], v[int(NR * 0.99 + 0.5)] }')"
    echo "$round $c $rps $ok $p50 $p99 $(( c1 - c0 ))" >> "$WORK/results"
    echo "round $round $c: $rps calls/s, p50 ${p50} µs, p99 ${p99} µs, CPU $(( c1 - c0 )) ticks" >&2
  done
done

# Everything the traced servers had left in their batch is exported within a few seconds.
sleep 6
refusals=0
for c in "${CONFIGS[@]}"; do
  n=$(grep -c -E 'RESOURCE_EXHAUSTED|UNAVAILABLE' "$WORK/$c.log" || true); refusals=$((refusals + n))
done
[ "$refusals" = 0 ] || { echo "refusals in the servers' logs: $refusals" >&2; exit 1; }

echo
echo "GetUser from one key, $IN_FLIGHT in flight on one connection, $ROUNDS_DONE interleaved rounds of" \
  "${SECONDS_PER_RUN} s per server after a ${WARMED} s warm-up each ($passes passes); four server JVMs ($JAVA_OPTS, role api)" \
  "on one PostgreSQL $PG_VERSION; CPU = server JVM only; commit $REV; $(nproc) cores," \
  "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(date -u +%FT%TZ)."
echo
echo "| config | GetUser calls/s (median) | range | p50 µs | p99 µs | server CPU µs per call | calls/s vs a (median of rounds' ratios) | CPU per call vs a (same) | traces exported |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for c in "${CONFIGS[@]}"; do
  case $c in
    a) label="a: metrics off, tracing off"; sink="-" ;;
    b) label="b: metrics on, tracing off"; sink="-" ;;
    c|d)
      label="$c: metrics on, tracing $([ "$c" = c ] && echo 1 || echo 100) %"
      read -r req bytes spans other <<< "$(sink_stats $((SINK_PORT + $([ "$c" = c ] && echo 2 || echo 3))))"
      sink="$req requests, $bytes bytes, $spans spans" ;;
  esac
  # Medians over the rounds (CPU per call from each window's ticks and calls), and the median of
  # the per-round ratios to a.
  awk -v c="$c" -v t="$TICKS" -v l="$label" -v s="$sink" '
    $2 == "a" { qa[$1] = $3; ca[$1] = $7 * 1e6 / t / $4 }
    $2 == c { k[++n] = $1; q[n] = $3; p50[n] = $5; p99[n] = $6; cpu[n] = $7 * 1e6 / t / $4 }
    function med(a, n,   i, j, x) { for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    END { lo = hi = q[1]
      for (i = 1; i <= n; i++) { if (q[i] < lo) lo = q[i]; if (q[i] > hi) hi = q[i]
        rq[i] = q[i] / qa[k[i]]; rc[i] = cpu[i] / ca[k[i]] }
      printf "| %s | %.0f | %.0f–%.0f | %.0f | %.0f | %.0f | %.3f | %.3f | %s |\n", l, med(q, n), lo, hi,
        med(p50, n), med(p99, n), med(cpu, n), med(rq, n), med(rc, n), s }' "$WORK/results"
done
echo
echo "Per round, GetUser calls/s and server CPU µs per call:"
echo
echo "| round (order) | a | b | c | d |"
echo "|---:|---:|---:|---:|---:|"
awk -v t="$TICKS" '{ v[$1, $2] = sprintf("%.0f (%.0f µs)", $3, $7 * 1e6 / t / $4); if ($1 > r) r = $1 }
  END { split("abcd", o, ""); for (i = 1; i <= r; i++) { s = ""; for (k = 0; k < 4; k++) s = s o[(i - 1 + k) % 4 + 1]
    printf "| %d (%s) | %s | %s | %s | %s |\n", i, s, v[i, "a"], v[i, "b"], v[i, "c"], v[i, "d"] } }' \
  "$WORK/results"
for c in c d; do
  read -r req _ _ _ <<< "$(sink_stats $((SINK_PORT + $([ "$c" = c ] && echo 2 || echo 3))))"
  if [ "$req" = 0 ]; then
    echo
    echo "Server $c exported no traces: this build does not trace (or ignored the OTEL_* settings), so c and d measured what b does."
  fi
done
