#!/usr/bin/env bash
# replica.sh: the API over a primary and a streaming standby on one machine. Portal figures and lists read from the
# standby (DATABASE_READ_URL) while petitions are submitted on the primary; prints the figures' latency, the intake
# rate and the replica's lag, sampled every second.
#
#   usage: replica.sh /path/to/petition-api [cases]      (cases: generated first, default 200000)
#   env:   H (work folder, /tmp/replica), PORT (ours, 18160), P1/P2 (primary/standby, 18161/18162), DUR (20s)
#
# Runs as root (CI machines) or as a user that may `su postgres`; PostgreSQL refuses to run as root, so the
# clusters run as `postgres`. Everything listens on loopback and a private socket folder; everything is stopped at
# the end.
set -eu
BIN=${1:?usage: replica.sh /path/to/petition-api [cases]}
CASES=${2:-200000}
H=${H:-/tmp/replica} PORT=${PORT:-18160} P1=${P1:-18161} P2=${P2:-18162} DUR=${DUR:-20s}
BENCH=$(cd "$(dirname "$0")" && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
SOCK=$H/run
as_pg() { su postgres -c "$*"; }
psql_at() { psql -X -q -At -h "$SOCK" -p "$1" -U postgres "${@:2}"; }
PRIMARY="postgres://postgres@/petition?host=$SOCK&port=$P1"
STANDBY="postgres://postgres@/petition?host=$SOCK&port=$P2"

stop_all() {
  [ -f "$H/server.pid" ] && kill "$(cat "$H/server.pid")" 2> /dev/null || true
  for d in standby primary; do
    [ -d "$H/$d" ] && as_pg "$PGBIN/pg_ctl -D $H/$d -m fast -w stop" > /dev/null 2>&1 || true
  done
}
trap stop_all EXIT

rm -rf "$H" && mkdir -p "$SOCK" && chown -R postgres:postgres "$H" && chmod 755 "$H"
as_pg "$PGBIN/initdb -D $H/primary -U postgres -A trust -E UTF8 --locale=C.UTF-8" > "$H/initdb.log"
as_pg "$PGBIN/pg_ctl -D $H/primary -l $H/primary.log -o \"-k $SOCK -c listen_addresses='' -p $P1\" -w start" > /dev/null
psql_at "$P1" postgres -c "CREATE DATABASE petition"

echo "generating $CASES cases on the primary..."
DATABASE_URL=$PRIMARY LOG_FORMAT=json "$BIN" generate --cases "$CASES" > "$H/generate.log" 2>&1

echo "copying the primary into a streaming standby (pg_basebackup)..."
as_pg "$PGBIN/pg_basebackup -h $SOCK -p $P1 -U postgres -D $H/standby -R -X stream" > /dev/null
as_pg "$PGBIN/pg_ctl -D $H/standby -l $H/standby.log -o \"-k $SOCK -c listen_addresses='' -p $P2\" -w start" > /dev/null
echo "standby in recovery: $(psql_at "$P2" petition -c "SELECT pg_is_in_recovery()")"

DATABASE_URL=$PRIMARY DATABASE_READ_URL=$STANDBY HOST=127.0.0.1 PORT=$PORT SWEEP_INTERVAL_SECS=0 \
  ACCESS_TOKEN_TTL_SECS=3600 LOG_FORMAT=json "$BIN" serve > "$H/server.log" 2>&1 &
echo $! > "$H/server.pid"
until curl -fs "127.0.0.1:$PORT/healthz" > /dev/null; do sleep 0.5; done

login() {
  curl -s "127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
    -d "{\"query\":\"mutation { login(username: \\\"$1\\\", password: \\\"demo-password\\\") { accessToken } }\"}" |
    sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p'
}
COMMITTEE=$(login demo.committee) PETITIONER=$(login demo.petitioner)
fig='received timelyAcceptance { numerator denominator } onTimeAnswer { numerator denominator } backlog { numerator denominator } monthly { month received }'
st="stats(from: \\\"$(date -d '-364 days' +%F)\\\", to: \\\"$(date +%F)\\\")"
ROLLUP='{"query":"{ jurisdiction(code: \"510000\") { '$st' { ...f } children { code '$st' { ...f } children { code '$st' { ...f } } } } } fragment f on JurisdictionStats { '$fig' }"}'

echo "figures from the standby, idle: $(GQL_BODY=$ROLLUP GQL_TOKEN=$COMMITTEE python3 "$BENCH/seqtime.py" "$PORT" 10)"
mkdir -p "$H/refs"
: > "$H/lag.txt"
( for _ in $(seq "${DUR%s}"); do
    psql_at "$P1" postgres -c "SELECT coalesce(extract(epoch FROM replay_lag) * 1000, 0)::int FROM pg_stat_replication" >> "$H/lag.txt"
    sleep 1
  done ) &
lagger=$!
RUN_ID=r$(date +%s) INTAKE_MODE=submit REFS_DIR=$H/refs GQL_TOKEN=$PETITIONER \
  wrk -t2 -c16 -d"$DUR" --timeout 10s -s "$BENCH/intake.lua" "http://127.0.0.1:$PORT/graphql" > "$H/intake.txt" 2>&1 &
intake=$!
sleep 2
echo "figures from the standby, during intake on the primary: $(GQL_BODY=$ROLLUP GQL_TOKEN=$COMMITTEE python3 "$BENCH/seqtime.py" "$PORT" 10)"
wait "$intake" "$lagger"
echo "intake on the primary: $(grep '^gql:' "$H/intake.txt")"
echo "replica replay lag (ms), sampled each second: $(sort -n "$H/lag.txt" | awk '{ a[NR] = $1 } END { printf "median %s, max %s", a[int((NR + 1) / 2)], a[NR] }')"
sleep 2
echo "cases on the primary / the standby: $(psql_at "$P1" petition -c "SELECT count(*) FROM cases") / $(psql_at "$P2" petition -c "SELECT count(*) FROM cases")"
