#!/usr/bin/env bash
# GetUser calls/s with 1, 2 and 3 API replicas on one PostgreSQL (issue 14: "GetUser QPS with 1, 2,
# 3 replicas on this machine").
#
# Builds this checkout's server jar, starts ONE PostgreSQL (initdb/pg_ctl from PATH, Debian package
# postgresql; run as user postgres when root) in a temp dir on 127.0.0.1 and three Roster JVMs on
# it, role api (no job workers polling), rate limits lifted, each on a port of its own. Seeds one
# organization, key and user through the first (buf curl), checks each replica answers GetUser with
# them, then drives GetUser with h2load (unary gRPC over h2c, the request as a length-prefixed
# protobuf file). h2load cannot balance across servers, so a setup of R replicas runs R h2load
# processes at once, one connection each to its own replica, BENCH_IN_FLIGHT / R calls in flight
# each (the same total in flight in every setup), and sums their calls/s. Setups run in interleaved
# rounds (1, 2, 3 replicas, then 2, 3, 1, ...), so drift and the other work of a shared machine hit
# all alike; the single replica and the first of two rotate over the three JVMs. Per measured window:
# calls/s, p50/p99 over all calls (from h2load's per-request logs), CPU per call of all Roster JVMs
# together (utime+stime from /proc/PID/stat, idle replicas included) and of PostgreSQL (the
# postmaster with its children, exited ones included), and how busy the machine was (/proc/stat).
# Every answer must carry a message (no refusal, no error).
#
# Usage: bench/replicas.sh
#   ROUNDS (8; fewer, but at least 4, when BENCH_BUDGET_SECONDS (240, counted from the end of the
#   build) would be overrun), BENCH_SECONDS (4) per measured window, WARMUP_SECONDS (24: the most
#   warm-up, in interleaved passes of 4 s per setup that stop early once CPU per call settles),
#   BENCH_PORT (19290: gRPC ports 19290..19292, PostgreSQL +20), BENCH_IN_FLIGHT (6; a multiple
#   of 6, so 1, 2 and 3 replicas share it evenly), BENCH_JAVA_OPTS (-Xmx512m), BENCH_JAR (a built
#   roster-server.jar: skips the build).
# At most about 5 minutes after the build.
# Needs: mvn, java 17, h2load (nghttp2-client), jq, xxd, initdb/pg_ctl, node/npm (buf).
set -euo pipefail

ROUNDS=${ROUNDS:-8}
BUDGET=${BENCH_BUDGET_SECONDS:-240}
SECONDS_PER_RUN=${BENCH_SECONDS:-4}
WARMUP=${WARMUP_SECONDS:-24}
WARMUP_PASS=4
PORT=${BENCH_PORT:-19290}
IN_FLIGHT=${BENCH_IN_FLIGHT:-6}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx512m}
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
REV=$(git -C "$ROOT" rev-parse --short HEAD)
TICKS=$(getconf CLK_TCK)
ADMIN_KEY=bench-admin-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
PG_PORT=$((PORT + 20))
SETUPS=(1 2 3)

[ $((IN_FLIGHT % 6)) = 0 ] && [ "$IN_FLIGHT" -gt 0 ] \
  || { echo "BENCH_IN_FLIGHT must be a positive multiple of 6" >&2; exit 2; }
for tool in h2load jq xxd initdb pg_ctl java curl; do
  command -v "$tool" > /dev/null || { echo "$tool not found (h2load: apt-get install nghttp2-client;" \
    "initdb/pg_ctl: apt-get install postgresql, or put its bin/ on PATH)" >&2; exit 2; }
done
WORK=$(mktemp -d /tmp/roster-replicas.XXXXXX)
PID=()
PG_UP=""

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pid() { # stop_pid <pid>: TERM, up to 30 s, then KILL
  kill -TERM "$1" 2> /dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$1" 2> /dev/null || break; sleep 0.5; done
  kill -KILL "$1" 2> /dev/null || true
  wait "$1" 2> /dev/null || true
}
cleanup() {
  local p
  for p in "${PID[@]}"; do stop_pid "$p"; done
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
  -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c max_connections=200" > /dev/null \
  || { cat "$WORK/pg/postgres.log" >&2; exit 1; }
PG_PID=$(head -1 "$WORK/pg/data/postmaster.pid")
PG_VERSION=$(postgres --version | awk '{print $3}')

# --- three replicas: the first migrates the database, then the other two -----------------------
launch_server() { # launch_server <index>
  local i=$1
  mkdir -p "$WORK/data-$i"
  env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_TRACES_ENDPOINT \
    ROSTER_ROLE=api ROSTER_DATA_DIR="$WORK/data-$i" ROSTER_GRPC_PORT=$((PORT + i)) \
    ROSTER_ADMIN_PORT=0 ROSTER_BOOTSTRAP_ADMIN_KEY="$ADMIN_KEY" \
    ROSTER_DATABASE_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/postgres" ROSTER_DATABASE_USER=postgres \
    ROSTER_RATE_LIMIT_PER_SECOND=1000000 ROSTER_RATE_LIMIT_BURST=1000000 \
    ROSTER_ORGANIZATION_RATE_LIMIT_PER_SECOND=1000000 ROSTER_ORGANIZATION_RATE_LIMIT_BURST=1000000 \
    java $JAVA_OPTS -jar "$WORK/roster.jar" > "$WORK/$i.log" 2>&1 &
  PID[$i]=$!
}
await_server() { # await_server <index>
  local i=$1
  for _ in $(seq 1 240); do
    grep -q 'listening for gRPC' "$WORK/$i.log" && return 0
    kill -0 "${PID[$i]}" 2> /dev/null || { cat "$WORK/$i.log" >&2; return 1; }
    sleep 0.5
  done
  echo "replica $i did not start" >&2; return 1
}
launch_server 0
await_server 0
launch_server 1; launch_server 2
await_server 1; await_server 2

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

# utime+stime in clock ticks (fields 14 and 15 of /proc/PID/stat; "java" and "postgres" have no
# space in their command name, so the fields split plainly). One awk per reading: quick enough
# with some 80 PostgreSQL backends.
jvm_ticks() { local p f=(); for p in "${PID[@]}"; do f+=("/proc/$p/stat"); done
  cat "${f[@]}" | awk '{ t += $14 + $15 } END { print t + 0 }'; }
# The postmaster's own time and its reaped children's (cutime, cstime), plus its live children's
# (one that exits between the listing and the reading is missed: a connection closed mid-window).
pg_ticks() {
  local c f=()
  for c in $(cat "/proc/$PG_PID/task/$PG_PID/children" 2> /dev/null); do f+=("/proc/$c/stat"); done
  { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$PG_PID/stat"; cat "${f[@]}" 2> /dev/null | awk '{ print $14 + $15 }'; } \
    | awk '{ t += $1 } END { print t + 0 }'
}
machine() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $5 + $6 }' /proc/stat; } # busy idle
# h2 <replica> <seconds|n:count> <in flight> <tag>: one h2load in the background, output in
# $WORK/h2-<tag>.out, per-request log in $WORK/lat-<tag>.log.
h2() {
  local mode=(-D "$2")
  case $2 in n:*) mode=(-n "${2#n:}") ;; esac
  rm -f "$WORK/lat-$4.log" # h2load appends to its log file
  timeout $(( ${2#n:} + 60 )) h2load "${mode[@]}" --log-file="$WORK/lat-$4.log" -c 1 -m "$3" \
    -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: Bearer $KEY" \
    -d "$WORK/get-user.bin" "http://127.0.0.1:$((PORT + $1))$GET" > "$WORK/h2-$4.out" 2>&1
}
# -> "reqs_per_s succeeded failed errored data_bytes" of one h2load output
h2_result() {
  awk '/^finished in/ { rps = $4 }
       /^requests:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^succeeded/) ok = $i;
                      if ($(i+1) ~ /^failed/) failed = $i; if ($(i+1) ~ /^errored/) err = $i } }
       /^traffic:/ { n = split($0, p, /[()]/); data = p[n-1] }
       END { print rps, ok, failed, err, data }' "$1"
}

# Every replica answers GetUser with a message; bytes of one OK answer (a refusal is trailers only).
ONE=0
for i in 0 1 2; do
  call $((PORT + i)) "$KEY" roster.accounts.v1.AccountsService/GetUser '{"name": "'"$USER_NAME"'"}' \
    | jq -e .handle > /dev/null
  h2 "$i" n:1 1 one || { cat "$WORK/h2-one.out" >&2; exit 1; }
  ONE=$(h2_result "$WORK/h2-one.out" | awk '{print $5}')
  [ "$ONE" -gt 5 ] || { echo "replica $i: a single GetUser returned no message" >&2; exit 1; }
done

# run_setup <replicas> <first replica> <seconds> -> "calls_per_s calls p50 p99 jvm_ticks pg_ticks busy idle"
run_setup() {
  local r=$1 first=$2 secs=$3 k i pids=() j0 j1 p0 p1 m0 m1 rps=0 ok=0 res
  j0=$(jvm_ticks); p0=$(pg_ticks); m0=$(machine)
  for k in $(seq 0 $((r - 1))); do
    i=$(( (first + k) % 3 ))
    h2 "$i" "$secs" $((IN_FLIGHT / r)) "$k" &
    pids+=($!)
  done
  for k in "${!pids[@]}"; do
    wait "${pids[$k]}" || { cat "$WORK/h2-$k.out" >&2; return 1; }
  done
  j1=$(jvm_ticks); p1=$(pg_ticks); m1=$(machine)
  for k in $(seq 0 $((r - 1))); do
    read -r q n failed err data <<< "$(h2_result "$WORK/h2-$k.out")"
    if [ "$failed" != 0 ] || [ "$err" != 0 ] || [ $(( data / ONE )) -lt "$n" ]; then
      echo "$r replicas, h2load $k: $n done, $(( data / ONE )) with a message, $failed failed, $err errored" >&2
      return 1
    fi
    rps=$(awk -v a="$rps" -v b="$q" 'BEGIN { printf "%.2f", a + b }'); ok=$(( ok + n ))
  done
  # h2load's log: start (µs since epoch), HTTP status, duration (µs) per request.
  res=$(cat "$WORK"/lat-[0-$((r - 1))].log | awk '{print $3}' | sort -n \
    | awk '{ v[NR] = $1 } END { print v[int(NR * 0.50 + 0.5)], v[int(NR * 0.99 + 0.5)] }')
  read -r mb0 mi0 <<< "$m0"; read -r mb1 mi1 <<< "$m1"
  echo "$rps $ok $res $(( j1 - j0 )) $(( p1 - p0 )) $(( mb1 - mb0 )) $(( mi1 - mi0 ))"
}

# Warm-up: interleaved passes of WARMUP_PASS s per setup until CPU per call (all JVMs) moved less
# than 10 % from the previous pass for every setup, at least 2 passes, at most WARMUP_SECONDS.
declare -A LAST=()
passes=0
while :; do
  passes=$((passes + 1)); settled=1; line=""
  for r in "${SETUPS[@]}"; do
    res=$(run_setup "$r" "$passes" "$WARMUP_PASS")
    read -r _ ok _ _ jt _ _ _ <<< "$res"
    per=$(awk -v d="$jt" -v t="$TICKS" -v n="$ok" 'BEGIN { printf "%.0f", d * 1e6 / t / (n > 0 ? n : 1) }')
    if [ -z "${LAST[$r]:-}" ] || awk -v a="$per" -v b="${LAST[$r]}" 'BEGIN { exit !(a > 1.1 * b || a < b / 1.1) }'; then
      settled=0
    fi
    LAST[$r]=$per; line+=" $r: $per"
  done
  echo "warm-up pass $passes: Roster CPU µs per call by replicas$line" >&2
  if [ "$settled" = 1 ] && [ "$passes" -ge 2 ]; then break; fi
  if [ $(( (passes + 1) * WARMUP_PASS )) -gt "$WARMUP" ]; then break; fi
done
WARMED=$((passes * WARMUP_PASS))
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

: > "$WORK/results"
ROUNDS_DONE=0
for round in $(seq 1 "$ROUNDS"); do
  if [ "$round" -gt 4 ] && [ $(( SECONDS + 3 * (SECONDS_PER_RUN + 2) + 15 )) -gt "$BUDGET" ]; then
    echo "stopping after $ROUNDS_DONE rounds: the time budget (${BUDGET} s) is nearly spent" >&2
    break
  fi
  ROUNDS_DONE=$round
  for k in 0 1 2; do
    r=${SETUPS[$(( (round - 1 + k) % 3 ))]}
    res=$(run_setup "$r" "$round" "$SECONDS_PER_RUN")
    echo "$round $r $res" >> "$WORK/results"
    read -r rps ok p50 p99 jt pt mb mi <<< "$res"
    echo "round $round, $r replicas: $rps calls/s, p50 ${p50} µs, p99 ${p99} µs," \
      "Roster CPU $jt ticks, PostgreSQL $pt ticks, machine $(( 100 * mb / (mb + mi) )) % busy" >&2
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

refusals=0
for i in 0 1 2; do
  n=$(grep -c -E 'RESOURCE_EXHAUSTED|UNAVAILABLE' "$WORK/$i.log" || true); refusals=$((refusals + n))
done
[ "$refusals" = 0 ] || { echo "refusals in the replicas' logs: $refusals" >&2; exit 1; }

echo
echo "GetUser from one key, $IN_FLIGHT in flight in total (one h2load and one connection per replica)," \
  "$ROUNDS_DONE interleaved rounds of ${SECONDS_PER_RUN} s per setup after a ${WARMED} s warm-up each ($passes passes);" \
  "three Roster JVMs ($JAVA_OPTS, role api) on one PostgreSQL $PG_VERSION; commit $REV; $(nproc) cores," \
  "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); load average $LOAD before the rounds," \
  "$LOAD_END after; $(date -u +%FT%TZ)."
echo
echo "| replicas | GetUser calls/s (median) | range | vs 1 replica (median of rounds' ratios) | p50 µs | p99 µs | Roster CPU µs per call (all JVMs) | PostgreSQL CPU µs per call | machine busy |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for r in "${SETUPS[@]}"; do
  awk -v r="$r" -v t="$TICKS" '
    $2 == 1 { q1[$1] = $3 }
    $2 == r { k[++n] = $1; q[n] = $3; p50[n] = $5; p99[n] = $6; cj[n] = $7 * 1e6 / t / $4
              cp[n] = $8 * 1e6 / t / $4; busy[n] = 100 * $9 / ($9 + $10) }
    function med(a, n,   i, j, x) { for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x }
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    END { lo = hi = q[1]
      for (i = 1; i <= n; i++) { if (q[i] < lo) lo = q[i]; if (q[i] > hi) hi = q[i]; rq[i] = q[i] / q1[k[i]] }
      printf "| %d | %.0f | %.0f–%.0f | %.3f | %.0f | %.0f | %.0f | %.0f | %.0f %% |\n", r, med(q, n), lo, hi,
        med(rq, n), med(p50, n), med(p99, n), med(cj, n), med(cp, n), med(busy, n) }' "$WORK/results"
done
echo
echo "Per round, GetUser calls/s (Roster CPU µs per call):"
echo
echo "| round (order) | 1 replica | 2 replicas | 3 replicas |"
echo "|---:|---:|---:|---:|"
awk -v t="$TICKS" '{ v[$1, $2] = sprintf("%.0f (%.0f µs)", $3, $7 * 1e6 / t / $4); if ($1 > r) r = $1 }
  END { for (i = 1; i <= r; i++) { s = ""; for (k = 0; k < 3; k++) s = s ((i - 1 + k) % 3 + 1)
    printf "| %d (%s) | %s | %s | %s |\n", i, s, v[i, 1], v[i, 2], v[i, 3] } }' "$WORK/results"
