#!/usr/bin/env bash
# What issue 10's admission path (shedding, per-key and per-organization in-flight bulkheads,
# organization rate bucket, auth brake, connection caps, in-chain message decoding) costs a hot read.
#
# Builds the server jar of this checkout and of a revision before issue 10 (default a344dda), then
# runs each as its own JVM, one after the other, on loopback, with an embedded PostgreSQL in a fresh
# temp dir. Rate limits are lifted so none binds; every other limit keeps its default. For each
# server: create an organization, a read/write key and one user through the API (buf curl), warm up,
# then drive GetUser with h2load (one connection, 6 calls in flight: the per-key in-flight default,
# so the bulkhead counts every call but refuses none) and grpc.health.v1.Health/Check as the in-run
# reference, and read the server JVM's CPU (utime+stime from /proc) over each measured window.
# PostgreSQL's CPU is not included (GetUser is usually served from the cache anyway).
#
# Usage: bench/bulkhead-cost.sh [baseline-rev]
#   BENCH_SECONDS (15) per measured run, WARMUP_SECONDS (10), ROUNDS (1) alternating base/current
#   server starts, BENCH_PORT (19090), BENCH_IN_FLIGHT (6).
# Needs: mvn (offline is fine), java 17, h2load (nghttp2-client), node/npm for buf (proto/).
set -euo pipefail

BASE_REV=${1:-a344dda}
SECONDS_PER_RUN=${BENCH_SECONDS:-15}
WARMUP=${WARMUP_SECONDS:-10}
ROUNDS=${ROUNDS:-1}
PORT=${BENCH_PORT:-19090}
IN_FLIGHT=${BENCH_IN_FLIGHT:-6}
ROOT=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
CURRENT_REV=$(git -C "$ROOT" rev-parse --short HEAD)
TICKS=$(getconf CLK_TCK)
ADMIN_KEY=bench-admin-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')

command -v h2load > /dev/null || { echo "h2load not found (apt-get install nghttp2-client)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/roster-bulkhead-cost.XXXXXX)
BASE_TREE=$WORK/roster-base
SERVER_PID=""

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2> /dev/null || true
  for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2> /dev/null || break; sleep 0.5; done
  kill -KILL "$SERVER_PID" 2> /dev/null || true
  wait "$SERVER_PID" 2> /dev/null || true
  # The embedded PostgreSQL is the JVM's child; a clean shutdown stops it, a killed JVM may not.
  local pm
  for pm in "$WORK"/data-*/postgres*/postmaster.pid "$WORK"/data-*/*/postmaster.pid; do
    [ -f "$pm" ] || continue
    local pg; pg=$(head -1 "$pm")
    if [ -n "$pg" ] && kill -0 "$pg" 2> /dev/null; then kill -TERM "$pg" 2> /dev/null || true; sleep 2; fi
  done
  SERVER_PID=""
}
cleanup() {
  stop_server
  if [ -d "$BASE_TREE" ]; then git -C "$ROOT" worktree remove --force "$BASE_TREE" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- build both jars first, so nothing compiles while a server is measured --------------------
echo "building $CURRENT_REV (this checkout) ..." >&2
(cd "$ROOT" && timeout 900 mvn -B -q -o -DskipTests package -pl server -am)
cp "$ROOT/server/target/roster-server.jar" "$WORK/current.jar"
echo "building $BASE_REV (baseline, in a worktree) ..." >&2
git -C "$ROOT" worktree add --detach "$BASE_TREE" "$BASE_REV" > /dev/null 2>&1
(cd "$BASE_TREE" && timeout 900 mvn -B -q -o -DskipTests package -pl server -am)
cp "$BASE_TREE/server/target/roster-server.jar" "$WORK/base.jar"
BASE_REV=$(git -C "$BASE_TREE" rev-parse --short HEAD)
git -C "$ROOT" worktree remove --force "$BASE_TREE"

# --- buf curl, from this checkout's contracts (falls back to server reflection) ---------------
if [ ! -x "$ROOT/proto/node_modules/.bin/buf" ]; then
  (cd "$ROOT/proto" && npm ci --no-audit --no-fund --loglevel=error)
fi
BUF="$ROOT/proto/node_modules/.bin/buf"
SCHEMA=()
if [ -d "$ROOT/proto/target/buf-deps" ]; then SCHEMA=(--schema "$ROOT/proto"); fi
call() { # call <key> <service/method> <json>
  timeout 60 "$BUF" curl --protocol grpc --http2-prior-knowledge "${SCHEMA[@]}" \
    -H "authorization: Bearer $1" -d "$3" "http://127.0.0.1:$PORT/$2"
}

# gRPC frame: 1 byte "not compressed", 4-byte big-endian length, then the message.
frame() { # frame <file> <hex of message>
  local hex=$2 len=$(( ${#2} / 2 ))
  printf '00%08x%s' "$len" "$hex" | xxd -r -p > "$1"
}
varint_hex() {
  local n=$1 out=""
  while [ "$n" -ge 128 ]; do out+=$(printf '%02x' $(( (n & 127) | 128 ))); n=$(( n >> 7 )); done
  printf '%s%02x' "$out" "$n"
}

cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

# h2load -> "reqs_per_s succeeded failed errored data_bytes"
h2() { # h2 <seconds|n:count> <in flight> <body> <path>
  local mode=(-D "$1")
  case $1 in n:*) mode=(-n "${1#n:}") ;; esac
  timeout $(( ${1#n:} + 60 )) h2load "${mode[@]}" -c 1 -m "$2" -H 'content-type: application/grpc' \
    -H 'te: trailers' -H "authorization: Bearer $KEY" -d "$3" "http://127.0.0.1:$PORT$4" \
    > "$WORK/h2load.out" 2>&1 || { cat "$WORK/h2load.out" >&2; return 1; }
  awk '/^finished in/ { rps = $4 }
       /^requests:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^succeeded/) ok = $i;
                      if ($(i+1) ~ /^failed/) failed = $i; if ($(i+1) ~ /^errored/) err = $i } }
       /^traffic:/ { n = split($0, p, /[()]/); data = p[n-1] }
       END { print rps, ok, failed, err, data }' "$WORK/h2load.out"
}

measure() { # measure <label> <jar>
  local label=$1 jar=$2 data=$WORK/data-$1-$RANDOM
  mkdir -p "$data"
  ROSTER_DATA_DIR=$data ROSTER_GRPC_PORT=$PORT ROSTER_ADMIN_PORT=0 ROSTER_BOOTSTRAP_ADMIN_KEY=$ADMIN_KEY \
    ROSTER_RATE_LIMIT_PER_SECOND=1000000 ROSTER_RATE_LIMIT_BURST=1000000 \
    ROSTER_ORGANIZATION_RATE_LIMIT_PER_SECOND=1000000 ROSTER_ORGANIZATION_RATE_LIMIT_BURST=1000000 \
    java -jar "$jar" > "$WORK/$label.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 180); do
    grep -q 'listening for gRPC' "$WORK/$label.log" && break
    kill -0 "$SERVER_PID" 2> /dev/null || { cat "$WORK/$label.log" >&2; return 1; }
    sleep 0.5
  done
  grep -q 'listening for gRPC' "$WORK/$label.log" || { echo "$label did not start" >&2; return 1; }

  local org created user
  org=$(call "$ADMIN_KEY" roster.accounts.v1.AccountsService/CreateOrganization \
    '{"organization": {"slug": "bench", "display_name": "Bench"}}' | jq -r .name)
  created=$(call "$ADMIN_KEY" roster.accounts.v1.ApiKeysService/CreateApiKey \
    '{"parent": "'"$org"'", "api_key": {"display_name": "bench", "scopes": ["ACCOUNTS_READ", "ACCOUNTS_WRITE"]}}')
  KEY=$(jq -r .secret <<< "$created")
  user=$(call "$KEY" roster.accounts.v1.AccountsService/CreateUser \
    '{"parent": "'"$org"'", "user": {"handle": "ada", "email": "ada@example.com", "display_name": "Ada Lovelace"}}' | jq -r .name)
  # Checked before measuring: this key may read this user.
  call "$KEY" roster.accounts.v1.AccountsService/GetUser '{"name": "'"$user"'"}' | jq -e .handle > /dev/null

  local name_hex; name_hex=$(printf '%s' "$user" | xxd -p | tr -d '\n')
  frame "$WORK/get-user.bin" "0a$(varint_hex ${#user})$name_hex"
  frame "$WORK/health.bin" ""
  local get=/roster.accounts.v1.AccountsService/GetUser health=/grpc.health.v1.Health/Check

  # Bytes of one OK answer's message frames: an answer refused or failed is trailers only (no data),
  # so data bytes / this = answers that carried a message.
  local one_get one_health
  one_get=$(h2 n:1 1 "$WORK/get-user.bin" $get | awk '{print $5}')
  one_health=$(h2 n:1 1 "$WORK/health.bin" $health | awk '{print $5}')
  [ "$one_get" -gt 5 ] && [ "$one_health" -gt 5 ] \
    || { echo "$label: a single GetUser/health call returned no message" >&2; return 1; }

  h2 "$WARMUP" "$IN_FLIGHT" "$WORK/get-user.bin" $get > /dev/null
  h2 $(( (WARMUP + 1) / 2 )) "$IN_FLIGHT" "$WORK/health.bin" $health > /dev/null

  local pid=$SERVER_PID c0 c1 c2 g h
  c0=$(cpu_ticks "$pid"); g=$(h2 "$SECONDS_PER_RUN" "$IN_FLIGHT" "$WORK/get-user.bin" $get)
  c1=$(cpu_ticks "$pid"); h=$(h2 "$SECONDS_PER_RUN" "$IN_FLIGHT" "$WORK/health.bin" $health)
  c2=$(cpu_ticks "$pid")

  # Checked after: a last GetUser still succeeds, and no refusal shows in the server's log.
  call "$KEY" roster.accounts.v1.AccountsService/GetUser '{"name": "'"$user"'"}' | jq -e .handle > /dev/null
  local refusals; refusals=$(grep -c -E 'RESOURCE_EXHAUSTED|UNAVAILABLE' "$WORK/$label.log" || true)
  stop_server

  read -r g_rps g_ok g_failed g_err g_data <<< "$g"
  read -r h_rps h_ok h_failed h_err h_data <<< "$h"
  local g_bodies=$(( g_data / one_get )) h_bodies=$(( h_data / one_health ))
  if [ "$g_failed" != 0 ] || [ "$g_err" != 0 ] || [ "$g_bodies" -lt "$g_ok" ] \
      || [ "$h_failed" != 0 ] || [ "$h_bodies" -lt "$h_ok" ] || [ "$refusals" != 0 ]; then
    echo "$label: not every answer was OK: GetUser $g_ok done, $g_bodies with a message," \
      "$g_failed failed; health $h_ok done, $h_bodies with a message; log refusals $refusals" >&2
    return 1
  fi
  awk -v l="$label" -v g="$g_rps" -v h="$h_rps" -v n="$g_ok" -v hn="$h_ok" -v t="$TICKS" \
      -v cg=$(( c1 - c0 )) -v ch=$(( c2 - c1 )) -v gb="$g_bodies" -v hb="$h_bodies" \
      'BEGIN { printf "%s %.0f %.0f %.3f %.1f %.1f %d %d %d %d\n", l, g, h, g / h,
               cg * 1e6 / t / n, ch * 1e6 / t / hn, n, gb, hn, hb }' >> "$WORK/results"
  echo "$label: GetUser $g_rps/s ($g_ok OK, $g_bodies with a message), health $h_rps/s;" \
    "server CPU $(( c1 - c0 )) + $(( c2 - c1 )) ticks" >&2
}

: > "$WORK/results"
for round in $(seq 1 "$ROUNDS"); do
  measure base "$WORK/base.jar"
  measure current "$WORK/current.jar"
done

echo
echo "GetUser from one key, $IN_FLIGHT in flight on one connection, ${SECONDS_PER_RUN} s per run after a" \
  "${WARMUP} s warm-up; health = grpc.health.v1.Health/Check the same way; CPU = server JVM only;" \
  "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); $(date -u +%FT%TZ)."
echo
echo "| round | server | GetUser calls/s | health calls/s | GetUser/health | server CPU µs per GetUser | server CPU µs per health |"
echo "|---:|---|---:|---:|---:|---:|---:|"
awk -v b="$BASE_REV" -v c="$CURRENT_REV" '{ r = int((NR + 1) / 2); rev = ($1 == "base") ? "baseline " b : "current " c
  printf "| %d | %s | %s | %s | %s | %s | %s |\n", r, rev, $2, $3, $4, $5, $6 }' "$WORK/results"
echo
awk '$1 == "base" { bg += $2; bc += $5; br += $4; nb++ } $1 == "current" { cg += $2; cc += $5; cr += $4; nc++ }
  END { printf "Cost of issue 10 (mean of %d round(s)): GetUser calls/s %+.1f %%, GetUser/health ratio %+.1f %%, server CPU per GetUser %+.1f %% (target: within 10 %%).\n",
        nb, 100 * (cg / nc) / (bg / nb) - 100, 100 * (cr / nc) / (br / nb) - 100, 100 * (cc / nc) / (bc / nb) - 100 }' "$WORK/results"
