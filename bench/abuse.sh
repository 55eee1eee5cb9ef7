#!/usr/bin/env bash
# abuse.sh: does an ordinary request still answer quickly while abusive ones are in flight? (Issue 10: parsing and
# validation of one request cannot hold the HTTP workers.)
#
#   usage: bench/abuse.sh /path/to/petition-api (a release build)
#
# Starts the server on its own embedded cluster with the demo data, then times an ordinary request (a clerk's
# first page of cases, 20 rows) $N times one after another: first alone, then with $ABUSERS abusive requests kept in
# flight all the time (half of them a 0.9 MiB document, half an 80,000-element list variable; both are refused by
# the caps, after the body was read and decoded). Prints p50/p95/p99/max of the ordinary request in each phase, and
# how many abusive requests the server got through meanwhile.
#
#   env: H (work folder, /tmp/abuse-bench), PORT (18160), N (300), ABUSERS (20)
set -euo pipefail
BIN=${1:?usage: abuse.sh /path/to/petition-api}
H=${H:-/tmp/abuse-bench} PORT=${PORT:-18160} N=${N:-300} ABUSERS=${ABUSERS:-20}
URL="http://127.0.0.1:$PORT/graphql"
mkdir -p "$H"
chmod 755 "$H"

EMBEDDED_PG_DIR=$H/pg HOST=127.0.0.1 PORT=$PORT SWEEP_INTERVAL_SECS=0 LOG_FORMAT=json RUST_LOG=warn \
  "$BIN" serve > "$H/server.log" 2>&1 &
SERVER=$!
ABUSE_PIDS=()
cleanup() {
  for p in "${ABUSE_PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  kill "$SERVER" 2> /dev/null || true
  wait "$SERVER" 2> /dev/null || true
}
trap cleanup EXIT
until curl -fs "127.0.0.1:$PORT/healthz" > /dev/null; do
  kill -0 "$SERVER" 2> /dev/null || { echo "server died; see $H/server.log" >&2; exit 1; }
  sleep 0.5
done

TOKEN=$(curl -s "$URL" -H 'content-type: application/json' \
  -d '{"query":"mutation { login(username: \"demo.clerk\", password: \"demo-password\") { accessToken } }"}' |
  sed -E 's/.*"accessToken":"([^"]+)".*/\1/')
ORDINARY='{"query":"{ cases(first: 20) { nodes { reference status receivedAt } } }"}'

# The abusive bodies: a 0.9 MiB document, and an 80,000-element list variable.
python3 - "$H" << 'EOF'
import json, sys
h = sys.argv[1]
with open(f"{h}/big-document.json", "w") as f:
    json.dump({"query": "{ __typename " + "# padding\n" * 85_000 + "}"}, f)
with open(f"{h}/big-list.json", "w") as f:
    json.dump({"query": "query($ids: [ID!]!) { __typename }",
               "variables": {"ids": list(range(80_000))}}, f)
EOF
ls -l "$H"/big-*.json | awk '{ printf "abusive body %s: %.2f MiB\n", $NF, $5 / 1048576 }'

# Times $N ordinary requests one after another; prints the percentiles in milliseconds. Every answer must be data.
ordinary() {
  local out=$H/times-$1.txt errors=0
  : > "$out"
  for _ in $(seq "$N"); do
    curl -s -o "$H/answer.json" -w '%{time_total}\n' "$URL" -H 'content-type: application/json' \
      -H "authorization: Bearer $TOKEN" -d "$ORDINARY" >> "$out"
    grep -q '"errors"' "$H/answer.json" && errors=$((errors + 1))
  done
  sort -n "$out" | awk -v phase="$1" -v errors=$errors '{ t[NR] = $1 * 1000 } END {
    printf "FIG ordinary request, %s | p50 %.1f ms | p95 %.1f ms | p99 %.1f ms | max %.1f ms | %d requests, %d errors\n",
      phase, t[int(NR * .5)], t[int(NR * .95)], t[int(NR * .99)], t[NR], NR, errors }'
}

abuser() {
  while :; do
    curl -s -o /dev/null -w '%{http_code}\n' "$URL" -H 'content-type: application/json' --data-binary "@$1" >> "$2"
  done
}

ordinary "alone"
: > "$H/abuse-codes.txt"
for i in $(seq "$ABUSERS"); do
  if [ $((i % 2)) -eq 0 ]; then body=$H/big-document.json; else body=$H/big-list.json; fi
  abuser "$body" "$H/abuse-codes.txt" &
  ABUSE_PIDS+=($!)
done
sleep 2
started=$(date +%s.%N)
before=$(wc -l < "$H/abuse-codes.txt")
ordinary "with $ABUSERS abusive requests in flight"
after=$(wc -l < "$H/abuse-codes.txt")
awk -v n=$((after - before)) -v a="$started" -v b="$(date +%s.%N)" \
  'BEGIN { printf "FIG abusive requests answered meanwhile | %d | %.0f per second\n", n, n / (b - a) }'
sort "$H/abuse-codes.txt" | uniq -c | awk '{ printf "abusive answers: HTTP %s x %d\n", $2, $1 }'
