#!/usr/bin/env bash
# side-by-side.sh: the petition API (release binary) measured next to PostGraphile v4 (and pgbench) on the same
# PostgreSQL cluster, the same data and in the same run, in interleaved rounds (ours, peer, ours, peer...).
# (The project's copy of ../shared/bench: bulk SQL that bypasses triggers recounts the figures afterwards.)
#
#   usage: side-by-side.sh /path/to/petition-api [phase ...]
#   phases (default: all, in this order):
#     setup   initdb + start a private cluster (pg_stat_statements loaded), let the server migrate and load demo data
#     seed    the 50,000 bulk cases of benches/api.rs (seed-50k.sql), then time the server's start-up backfill
#     peer    start PostGraphile 4.14.1 (postgraphile.sh) on the same database, schema public
#     bench   __typename, case by id (+pgbench), nested worklist, statements/request, roll-up + overdue list
#     intake  submitPetition ($PETITIONERS new petitioners; as many with 1,000 earlier cases; one with thousands open) vs
#             PostGraphile
#             createCase at -c32, rows vs acknowledged answers; recordPetition
#     scale   for each size in $SIZES: `petition-api generate` up to that many cases (a synthetic province over
#             3 years), then roll-up and lists again
#     stop    stop PostGraphile, the server, the cluster
#
#   env: H (work folder, /tmp/side-by-side), PORT (ours, 18150), PGPORT (cluster TCP + socket, 18151), PGLPORT (18152),
#        ROUNDS (3), DUR (12s), IDUR (15s), SIZES ("200000 1000000"), LOADMAX (1.5), PGL_DIR (PostGraphile install),
#        SEQN (20: sequential requests per p50; at 1M cases the roll-up takes ~25 s each, so 20 of them ~9 min),
#        PETITIONERS (256: petitioners per intake row, taking turns over the 32 connections)
#
# Output: one line per figure on stdout, "FIG <name> | ours .. | peer .. | [pgbench ..] | ratio .. | load ..";
# wrk/pgbench/SQL details in $H/logs. Only loopback; every load is bounded by -d/-T.
set -u
BIN=${1:?usage: side-by-side.sh /path/to/petition-api [phase ...]}
shift
PHASES=${*:-setup seed peer bench intake scale stop}
H=${H:-/tmp/side-by-side}
PORT=${PORT:-18150} PGPORT=${PGPORT:-18151} PGLPORT=${PGLPORT:-18152}
ROUNDS=${ROUNDS:-3} DUR=${DUR:-12s} IDUR=${IDUR:-15s} LOADMAX=${LOADMAX:-1.5} SEQN=${SEQN:-20}
SIZES=${SIZES:-200000 1000000} PETITIONERS=${PETITIONERS:-256}
export PGL_DIR=${PGL_DIR:-$H/pgl}
BENCH=$(cd "$(dirname "$0")" && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
SOCK=$H/pg/run LOG=$H/logs
PSQL="psql -X -q -At -h $SOCK -p $PGPORT -U postgres"
DBURL="postgres://postgres@/petition?host=$SOCK&port=$PGPORT"
PGLURL="postgres://postgres@localhost:$PGPORT/petition?host=$SOCK"
DB_OID_SQL="(SELECT oid FROM pg_database WHERE datname = 'petition')"
mkdir -p "$H" "$LOG" "$H/pgb" "$H/refs" && chmod 755 "$H"

say() { echo "$*"; echo "$(date +%T) $*" >> "$LOG/figures.log"; }
note() { echo "$(date +%T) $*" >> "$LOG/notes.log"; }
pgpid() { head -1 "$H/pg/data/postmaster.pid" 2>/dev/null; }
ourpid() { cat "$H/server.pid" 2>/dev/null; }
pglpid() { cat "$H/pgl.pid" 2>/dev/null; }
mem() { [ -r /proc/$1/status ] && awk '/VmRSS|VmHWM/{printf "%s%.0fMiB ", $1, $2/1024}' /proc/$1/status; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

# Waits (up to 5 minutes) for the 1-minute load average to drop to $LOADMAX; prints the load it starts at.
load_wait() {
  local i=0
  while awk -v m="$LOADMAX" '{ exit !($1 > m) }' /proc/loadavg && [ $i -lt 60 ]; do sleep 5; i=$((i + 1)); done
  cut -d' ' -f1 /proc/loadavg
}

# CPU ticks (1/100 s) of ours, PostGraphile, and every process of the cluster.
ticks_of() { local t=0 p; for p in "$@"; do [ -r /proc/$p/stat ] && t=$((t + $(awk '{ print $14 + $15 }' /proc/$p/stat))); done; echo $t; }
snap() { echo "$(ticks_of $(ourpid)) $(ticks_of $(pglpid)) $(ticks_of $(pgpid) $(ps -o pid= --ppid "$(pgpid)"))"; }
# cpu_split "<before>" "<after>" seconds -> "cpu(cores) ours=.. pgl=.. pg=.."
cpu_split() {
  echo "$1 $2 $3" | awk '{ d = $7; printf "cpu(cores) ours=%.2f pgl=%.2f pg=%.2f", ($4-$1)/100/d, ($5-$2)/100/d, ($6-$3)/100/d }'
}

start_ours() {
  # A server left over from another run would answer instead of this binary (and the figures would be its).
  if curl -fs "127.0.0.1:$PORT/healthz" > /dev/null 2>&1; then
    echo "port $PORT already answers (another run's server?): stop it first" >&2
    exit 1
  fi
  local t0=$(date +%s.%N)
  DATABASE_URL=$DBURL HOST=127.0.0.1 PORT=$PORT SWEEP_INTERVAL_SECS=0 ACCESS_TOKEN_TTL_SECS=14400 LOG_FORMAT=json \
    "$BIN" serve >> "$H/server.log" 2>&1 &
  echo $! > "$H/server.pid"
  until curl -fs "127.0.0.1:$PORT/healthz" > /dev/null; do
    kill -0 "$(ourpid)" 2> /dev/null || { echo "server died; see $H/server.log" >&2; tail -5 "$H/server.log" >&2; exit 1; }
    sleep 0.5
  done
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}
stop_ours() { local p=$(ourpid); [ -n "$p" ] && kill -TERM "$p" 2> /dev/null && while kill -0 "$p" 2> /dev/null; do sleep 0.2; done; rm -f "$H/server.pid"; }

gql() { # port token body
  curl -s "127.0.0.1:$1/graphql" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$3"
}
login() {
  gql "$PORT" "" "{\"query\":\"mutation { login(username: \\\"$1\\\", password: \\\"demo-password\\\") { accessToken } }\"}" |
    sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p'
}

# wrk over one body: prints "rps p50 p99 errors" (errors = non-200 or "errors" in the body, plus socket errors).
run_wrk() { # port token body conns dur
  local out
  out=$(GQL_BODY=$3 GQL_TOKEN=$2 wrk -t2 -c"$4" -d"$5" -s "$BENCH/gql.lua" "http://127.0.0.1:$1/graphql" 2>&1)
  printf '%s\n%s\n' "--- port $1 c$4 $5 $(date +%T)" "$out" >> "$LOG/wrk.log"
  local sock=$(echo "$out" | sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' | awk '{ print $1+$2+$3+$4 }')
  echo "$out" | sed -n 's/^gql: requests=[0-9]* errors=\([0-9]*\) rps=\([0-9]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\)/\2 \3 \4 \1/p' |
    awk -v s="${sock:-0}" '{ print $1, $2, $3, $4 + s }'
}

# pgbench with the same columns by primary key, over the Unix socket: prints "tps p50 p99 failed".
run_pgbench() { # case id
  rm -f "$H"/pgb/pgbench_log.*
  "$PGBIN/pgbench" -n -h "$SOCK" -p "$PGPORT" -U postgres -M prepared -c8 -j2 -T10 -f "$BENCH/case-by-id.pgbench" \
    -D id="$1" -l --log-prefix="$H/pgb/pgbench_log" petition > "$H/pgb/out.txt" 2>&1
  cat "$H/pgb/out.txt" >> "$LOG/pgbench.log"
  local tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$H/pgb/out.txt")
  local failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$H/pgb/out.txt")
  cat "$H"/pgb/pgbench_log.* | awk '{ print $3 }' | sort -n |
    awk -v tps="$tps" -v f="${failed:-0}" '{ a[NR] = $1 } END { printf "%.0f %.3f %.3f %d\n", tps, a[int(NR*0.5)]/1000, a[int(NR*0.99)]/1000, f }'
}

# Sequential p50 over N requests (seqtime.py): prints its "seq:" line.
run_seq() { GQL_BODY=$3 GQL_TOKEN=$2 python3 "$BENCH/seqtime.py" "$1" "${4:-20}" 2>> "$LOG/seq-first.log"; }

# SQL statements per request: reset pg_stat_statements, send N requests one by one, count calls in `petition`.
stmts() { # port token body N
  $PSQL postgres -c "SELECT pg_stat_statements_reset()" > /dev/null
  local i; for i in $(seq "$4"); do gql "$1" "$2" "$3" > /dev/null; done
  $PSQL postgres -c "SELECT 'all ' || coalesce(round(sum(calls)::numeric / $4, 1), 0) || ', without BEGIN/COMMIT/SET/SELECT 1: '
      || coalesce(round((sum(calls) FILTER (WHERE query !~* '^\s*(begin|commit|rollback|set |select set_config)'
                                         AND query NOT IN ('SELECT 1', 'SELECT \$1')))::numeric / $4, 1), 0)
    FROM pg_stat_statements WHERE dbid = $DB_OID_SQL"
  { echo "--- statements for port $1, $4 requests: calls, mean ms, query"
    $PSQL postgres -F' | ' -c "SELECT calls, round(mean_exec_time::numeric, 3), left(regexp_replace(query, '\s+', ' ', 'g'), 160)
      FROM pg_stat_statements WHERE dbid = $DB_OID_SQL ORDER BY calls DESC, total_exec_time DESC LIMIT 15"; } >> "$LOG/statements.log"
}
# The history's insert during the last load: the statements that insert into case_events (intake's writes the case
# and its entries in one statement), their mean time per statement and per entry written (the hash chain's trigger
# runs inside them), from pg_stat_statements since the last reset.
history_insert() {
  $PSQL postgres -F' ' -c "SELECT coalesce(sum(calls), 0), coalesce(sum(rows), 0),
      coalesce(round((sum(total_exec_time) / nullif(sum(calls), 0))::numeric, 3), 0),
      coalesce(round((sum(total_exec_time) * 1000 / nullif(sum(rows), 0))::numeric, 1), 0)
    FROM pg_stat_statements WHERE dbid = $DB_OID_SQL AND (query LIKE '%INSERT INTO case_events%' OR query LIKE '%INSERT INTO \"case_events\"%')" |
    awk '{ printf "statements %s rows %s | %s ms a statement, %s us a row", $1, $2, $3, $4 }'
}

top_sql() { # label: the statements that took the most time since the last reset
  { echo "--- top SQL by total time: $1"
    $PSQL postgres -F' | ' -c "SELECT calls, round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms,
      left(regexp_replace(query, '\s+', ' ', 'g'), 200) FROM pg_stat_statements WHERE dbid = $DB_OID_SQL
      ORDER BY total_exec_time DESC LIMIT 8"; } >> "$LOG/statements.log"
}

# ---------------------------------------------------------------------------------------------------- phases
phase_setup() {
  if [ ! -f "$H/pg/data/PG_VERSION" ]; then
    mkdir -p "$H/pg/run" && chown -R postgres:postgres "$H/pg" && chmod 755 "$H/pg"
    su postgres -c "$PGBIN/initdb -D $H/pg/data -U postgres -A trust -E UTF8 --locale=C.UTF-8" > "$LOG/initdb.log" 2>&1
  fi
  if ! su postgres -c "$PGBIN/pg_ctl -D $H/pg/data status" > /dev/null 2>&1; then
    su postgres -c "$PGBIN/pg_ctl -D $H/pg/data -l $H/pg/postgres.log -o \"-k $SOCK -c listen_addresses=127.0.0.1 -p $PGPORT \
      -c max_connections=200 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all \
      -c max_wal_size=4GB\" -w -t 60 start" > /dev/null
  fi
  $PSQL postgres -c "SELECT 1 FROM pg_database WHERE datname = 'petition'" | grep -q 1 || $PSQL postgres -c "CREATE DATABASE petition"
  $PSQL postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
  local s=$(start_ours)
  say "FIG first start (migrations + demo data) | ours ${s}s"
  stop_ours
}

phase_seed() {
  stop_ours
  if [ "$($PSQL petition -c "SELECT count(*) FROM cases WHERE title LIKE '批量案件%'")" = 0 ]; then
    local t0=$(date +%s)
    $PSQL petition -v ON_ERROR_STOP=1 -f "$BENCH/seed-50k.sql" >> "$LOG/seed.log" 2>&1 || { echo "seed failed: $LOG/seed.log" >&2; exit 1; }
    say "FIG seed 50,000 cases + 150,000 history rows by SQL | $(( $(date +%s) - t0 ))s"
  fi
  local s=$(start_ours)
  local filled=$(grep -o '"cases":[0-9]*' "$H/server.log" | tail -1)
  say "FIG start-up backfill of stored deadlines (start to /healthz) | ours ${s}s | $filled | $($PSQL petition -c "SELECT count(*) FROM case_deadlines") deadline rows"
  note "our server pid $(ourpid) after start: $(mem "$(ourpid)")"
}

phase_peer() {
  if [ -z "$(pglpid)" ] || ! kill -0 "$(pglpid)" 2> /dev/null; then
    "$BENCH/postgraphile.sh" "$PGLURL" public "$PGLPORT" > "$H/pgl.log" 2>&1 &
    echo $! > "$H/pgl.pid"
    until curl -s -o /dev/null "127.0.0.1:$PGLPORT/graphql" -H 'content-type: application/json' -d '{"query":"{__typename}"}'; do
      kill -0 "$(pglpid)" 2> /dev/null || { echo "PostGraphile died; see $H/pgl.log" >&2; exit 1; }
      sleep 0.5
    done
  fi
  [ -n "$(ourpid)" ] && kill -0 "$(ourpid)" 2> /dev/null || start_ours > /dev/null
}

# The queries (ours / PostGraphile's equivalent).
bodies() {
  CASE_ID=$($PSQL petition -c "SELECT id FROM cases WHERE title LIKE '批量案件25000%' AND split_part(reference, '-', 2) = '2025'")
  TYPENAME='{"query":"{ __typename }"}'
  OURS_CASE='{"query":"query($id: ID!) { case(id: $id) { id reference status title receivedAt } }","variables":{"id":"'$CASE_ID'"}}'
  PGL_CASE='{"query":"query($id: UUID!) { caseById(id: $id) { id reference status title receivedAt } }","variables":{"id":"'$CASE_ID'"}}'
  OURS_LIST='{"query":"{ cases(first: 50) { nodes { id reference status title jurisdiction { name } currentUnit { name } deadlines { kind dueOn status } } } }"}'
  PGL_LIST='{"query":"{ allCases(first: 50, orderBy: RECEIVED_AT_DESC) { nodes { id reference status title jurisdictionByJurisdictionCode { name } unitByCurrentUnitId { name } caseDeadlinesByCaseId { nodes { kind dueAt metAt waived } } } } }"}'
  local fig='received timelyAcceptance { numerator denominator rate } onTimeAnswer { numerator denominator rate } participation { numerator denominator rate } bureauSatisfaction { rate } unitSatisfaction { rate } repeatRate { rate } backlog { numerator denominator rate } caseLeadResolution { numerator denominator rate } supervisionNotices { issued open overdue } monthly { month received onTimeAnswer { rate } }'
  local st='stats(from: \"2025-11-24\", to: \"2026-11-23\")'
  ROLLUP='{"query":"{ jurisdiction(code: \"510000\") { '$st' { ...f } children { code '$st' { ...f } children { code '$st' { ...f } } } } } fragment f on JurisdictionStats { '$fig' }"}'
  OVERDUE='{"query":"{ cases(first: 20, filter: {overdue: true}) { nodes { id reference status title receivedAt nextDueAt } } }"}'
}

# One interleaved comparison: ROUNDS x (ours, peer[, pgbench]); prints a line per round and the medians.
compare() { # name ours_token ours_body peer_body conns [pgbench_id]
  local name=$1 tok=$2 ob=$3 pb=$4 c=$5 pgid=${6:-} r o p g l b a
  local ors=() prs=() grs=() o50=() p50=() g50=()
  for r in $(seq "$ROUNDS"); do
    l=$(load_wait)
    b=$(snap); o=$(run_wrk "$PORT" "$tok" "$ob" "$c" "$DUR"); a=$(snap); o=${o:-0 0 0 -1}
    local cs=$(cpu_split "$b" "$a" "${DUR%s}")
    b=$(snap); p=$(run_wrk "$PGLPORT" "" "$pb" "$c" "$DUR"); a=$(snap); p=${p:-0 0 0 -1}
    local cp=$(cpu_split "$b" "$a" "${DUR%s}")
    g=""; [ -n "$pgid" ] && { g=$(run_pgbench "$pgid"); g=${g:-0 0 0 -1}; }
    set -- $o; ors+=("$1"); o50+=("$2"); local orps=$1
    set -- $p; prs+=("$1"); p50+=("$2"); local prps=$1
    [ -n "$g" ] && { set -- $g; grs+=("$1"); g50+=("$2"); }
    say "ROUND $name r$r | load $l | ours rps/p50/p99/err $o [$cs] | peer $p [$cp] ${g:+| pgbench tps/p50/p99/failed $g }| ratio ours/peer rps $(ratio "$orps" "$prps")"
  done
  local mo=$(printf '%s\n' "${ors[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  local mp=$(printf '%s\n' "${prs[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  local mo50=$(printf '%s\n' "${o50[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  local mp50=$(printf '%s\n' "${p50[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
  local gpart=""
  if [ -n "$pgid" ]; then
    local mg=$(printf '%s\n' "${grs[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
    local mg50=$(printf '%s\n' "${g50[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
    gpart="| pgbench median tps $mg p50 ${mg50}ms "
  fi
  say "FIG $name (median of $ROUNDS, -c$c $DUR) | ours rps $mo p50 ${mo50}ms | peer rps $mp p50 ${mp50}ms ${gpart}| ratio rps $(ratio "$mo" "$mp") p50 $(ratio "$mo50" "$mp50")"
}

# Not in the default run: prints the start of every answer, to check the queries before timing them.
phase_check() {
  bodies
  COMMITTEE=$(login demo.committee)
  local b
  for b in TYPENAME OURS_CASE OURS_LIST ROLLUP OVERDUE; do echo "ours $b: $(gql "$PORT" "$COMMITTEE" "${!b}" | head -c 400)"; done
  for b in TYPENAME PGL_CASE PGL_LIST; do echo "peer $b: $(gql "$PGLPORT" "" "${!b}" | head -c 400)"; done
}

phase_bench() {
  bodies
  COMMITTEE=$(login demo.committee)
  [ -n "$COMMITTEE" ] || { echo "login failed" >&2; exit 1; }
  # Answers must be real before anything is timed.
  gql "$PORT" "$COMMITTEE" "$OURS_CASE" | grep -q '"reference"' || { echo "ours case(id) failed" >&2; exit 1; }
  gql "$PGLPORT" "" "$PGL_CASE" | grep -q '"reference"' || { echo "PostGraphile caseById failed" >&2; exit 1; }
  note "idle: ours $(mem "$(ourpid)") pgl $(mem "$(pglpid)")"
  say "FIG memory idle | ours $(mem "$(ourpid)") | peer $(mem "$(pglpid)")"

  compare "__typename" "" "$TYPENAME" "$TYPENAME" 8
  compare "case by id" "$COMMITTEE" "$OURS_CASE" "$PGL_CASE" 8 "$CASE_ID"
  $PSQL postgres -c "SELECT pg_stat_statements_reset()" > /dev/null
  compare "nested worklist first 50" "$COMMITTEE" "$OURS_LIST" "$PGL_LIST" 8
  top_sql "after the nested worklist runs (ours + PostGraphile)"

  phase_stmts
  sizes_figures
  say "FIG memory peak after reads | ours $(mem "$(ourpid)") | peer $(mem "$(pglpid)")"
}

# SQL statements per request for each query (pg_stat_statements, requests sent one by one).
phase_stmts() {
  bodies
  COMMITTEE=${COMMITTEE:-$(login demo.committee)}
  say "FIG SQL statements/request __typename | ours $(stmts "$PORT" "" "$TYPENAME" 20) | peer $(stmts "$PGLPORT" "" "$TYPENAME" 20)"
  say "FIG SQL statements/request case by id | ours $(stmts "$PORT" "$COMMITTEE" "$OURS_CASE" 20) | peer $(stmts "$PGLPORT" "" "$PGL_CASE" 20)"
  say "FIG SQL statements/request nested worklist | ours $(stmts "$PORT" "$COMMITTEE" "$OURS_LIST" 20) | peer $(stmts "$PGLPORT" "" "$PGL_LIST" 20)"
  say "FIG SQL statements/request roll-up | ours $(stmts "$PORT" "$COMMITTEE" "$ROLLUP" 5)"
  top_sql "roll-up x5"
  say "FIG SQL statements/request overdue list | ours $(stmts "$PORT" "$COMMITTEE" "$OVERDUE" 20)"
  local key="stmt-$(date +%s%N)" petitioner=$(login demo.petitioner)
  say "FIG SQL statements/request submitPetition (1 request, new key) | ours $(stmts "$PORT" "$petitioner" '{"query":"mutation($i: SubmitPetitionInput!) { submitPetition(input: $i) { reference queryCode case { id status } } }","variables":{"i":{"jurisdictionCode":"510502","title":"'$key' 计数","content":"计数 '$key'","idempotencyKey":"'$key'"}}}' 1)"
}

# Roll-up, overdue list, worklist and case by id, sequential p50 over 20, at the current size.
sizes_figures() {
  bodies
  COMMITTEE=${COMMITTEE:-$(login demo.committee)}
  local n=$($PSQL petition -c "SELECT count(*) FROM cases")
  local l=$(load_wait)
  $PSQL postgres -c "SELECT pg_stat_statements_reset()" > /dev/null
  say "FIG size $n cases: roll-up 510000 (sequential, $SEQN) | ours $(SHOW_FIRST=1 run_seq "$PORT" "$COMMITTEE" "$ROLLUP" "$SEQN") | load $l"
  top_sql "roll-up x$((SEQN + 2)) at $n cases"
  l=$(load_wait)
  say "FIG size $n cases: overdue first 20 (sequential, 20) | ours $(SHOW_FIRST=1 run_seq "$PORT" "$COMMITTEE" "$OVERDUE" 20) | load $l"
  l=$(load_wait)
  say "FIG size $n cases: nested worklist first 50 (sequential, 20) | ours $(run_seq "$PORT" "$COMMITTEE" "$OURS_LIST" 20) | peer $(run_seq "$PGLPORT" "" "$PGL_LIST" 20) | load $l"
  say "FIG size $n cases: case by id (sequential, 20) | ours $(run_seq "$PORT" "$COMMITTEE" "$OURS_CASE" 20) | peer $(run_seq "$PGLPORT" "" "$PGL_CASE" 20) | load $l"
  say "FIG size $n cases: memory | ours $(mem "$(ourpid)") | peer $(mem "$(pglpid)")"
}

# Samples what the cluster's sessions wait on, once a second, while a load runs.
waits_sample() { # seconds file
  local i
  for i in $(seq "$1"); do
    $PSQL postgres -c "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
      WHERE datname = 'petition' AND state = 'active' AND pid <> pg_backend_pid()" >> "$2"
    sleep 1
  done
}

# One intake run: prints "rps p50 p99 errors ok timeouts rows lost".
intake_run() { # port token mode [file of tokens, one per line: one petitioner after the other]
  local run="i$(date +%s%N | tail -c 9)" port=$1 tok=$2 mode=$3 toks=${4:-}
  rm -rf "$H/refs" && mkdir -p "$H/refs"
  local out
  out=$(RUN_ID=$run INTAKE_MODE=$mode REFS_DIR=$H/refs RECEIVED_AT=$(date -d '-1 hour' +%FT%T+00:00) GQL_TOKEN=$tok GQL_TOKENS_FILE=$toks \
    wrk -t2 -c32 -d"$IDUR" --timeout 10s -s "$BENCH/intake.lua" "http://127.0.0.1:$port/graphql" 2>&1)
  printf '%s\n%s\n' "--- intake $mode $run $(date +%T)" "$out" >> "$LOG/wrk.log"
  sleep 2
  cat "$H"/refs/*.txt > "$H/refs/all"
  local acked=$(wc -l < "$H/refs/all")
  local rows=$($PSQL petition -c "SELECT count(*) FROM cases WHERE title LIKE '$run-%'")
  $PSQL petition -c "SET client_min_messages = warning" -c "CREATE TABLE IF NOT EXISTS bench_refs (reference text)" -c "TRUNCATE bench_refs" > /dev/null
  $PSQL petition -c "\copy bench_refs FROM '$H/refs/all'"
  local lost=$($PSQL petition -c "SELECT count(*) FROM bench_refs b WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.reference = b.reference)")
  local dup=$($PSQL petition -c "SELECT count(*) - count(DISTINCT reference) FROM bench_refs")
  echo "$out" | sed -n 's/^gql: requests=[0-9]* errors=\([0-9]*\) ok=\([0-9]*\) rps=\([0-9]*\) p50_ms=\([0-9.]*\) p99_ms=\([0-9.]*\) timeouts=\([0-9]*\)/\3 \4 \5 \1 \2 \6/p' |
    awk -v r="$rows" -v l="$lost" -v a="$acked" -v d="$dup" '{ printf "rps %s p50 %s p99 %s errors %s ok %s timeouts %s | rows %s acked %s lost %s duplicate-refs %s", $1, $2, $3, $4, $5, $6, r, a, l, d }'
}

phase_intake() {
  # Many petitioners file at once, as in life: $PETITIONERS with no earlier case, and as many with 1,000 earlier
  # cases each (990 closed, 10 open; petitioners.sql), each round against PostGraphile's plain insert. (With 32 of
  # each, every petitioner filed some 300 petitions in a round, and the round measured petitioners with a hundred
  # and more open cases; one petitioner with thousands open is the last row of its own.)
  $PSQL petition -v ON_ERROR_STOP=1 -v petitioners="$PETITIONERS" -f "$BENCH/petitioners.sql" >> "$LOG/seed.log" 2>&1
  PETITIONER=$(login demo.petitioner); CLERK=$(login demo.clerk)
  local fresh=$H/fresh.tokens history=$H/history.tokens n
  : > "$fresh"; : > "$history"
  for n in $(seq -f %03g 1 "$PETITIONERS"); do
    login "bench.fresh.$n" >> "$fresh"; echo >> "$fresh"
    login "bench.history.$n" >> "$history"; echo >> "$history"
  done
  local r l o h p
  for r in $(seq "$ROUNDS"); do
    # Every round starts where the first did: the new petitioners without a case, the others with their 1,000 (10
    # open). Left in place, a round's petitions made the next round's petitioners ones with hundreds of open cases.
    if [ "$r" -gt 1 ]; then
      $PSQL petition -v ON_ERROR_STOP=1 -f "$BENCH/intake-cleanup.sql" >> "$LOG/seed.log" 2>&1
      $PSQL petition -v ON_ERROR_STOP=1 -v petitioners="$PETITIONERS" -f "$BENCH/petitioners.sql" >> "$LOG/seed.log" 2>&1
    fi
    l=$(load_wait)
    : > "$LOG/waits-intake-r$r.txt"
    $PSQL postgres -c "SELECT pg_stat_statements_reset()" > /dev/null
    local b=$(snap)
    waits_sample "${IDUR%s}" "$LOG/waits-intake-r$r.txt" &
    local wp=$!
    o=$(intake_run "$PORT" "" submit "$fresh")
    wait "$wp"
    local a=$(snap)
    local cs=$(cpu_split "$b" "$a" "${IDUR%s}")
    top_sql "submitPetition round $r"
    say "FIG history insert during submitPetition r$r | ours $(history_insert)"
    b=$(snap); h=$(intake_run "$PORT" "" submit "$history"); a=$(snap)
    local ch=$(cpu_split "$b" "$a" "${IDUR%s}")
    b=$(snap); p=$(intake_run "$PGLPORT" "" pgl); a=$(snap)
    local cp=$(cpu_split "$b" "$a" "${IDUR%s}")
    say "ROUND intake r$r -c32 $IDUR | load $l | ours submitPetition, $PETITIONERS new petitioners $o [$cs] | ours submitPetition, $PETITIONERS petitioners with 1,000 earlier cases $h [$ch] | peer createCase $p [$cp] | ratio rps $(ratio "$(echo "$o" | awk '{print $2}')" "$(echo "$p" | awk '{print $2}')") / $(ratio "$(echo "$h" | awk '{print $2}')" "$(echo "$p" | awk '{print $2}')")"
    say "     waits during ours r$r: $(sort "$LOG/waits-intake-r$r.txt" | uniq -c | sort -rn | head -6 | awk '{ printf "%s x%s, ", $2, $1 }')"
  done
  # The worst case, told apart: one petitioner filing thousands of open cases at once (the similar-matter search
  # looks at every open case of the petitioner).
  l=$(load_wait)
  say "FIG intake submitPetition, one petitioner (demo.petitioner) -c32 $IDUR | load $l | ours $(intake_run "$PORT" "$PETITIONER" submit)"
  l=$(load_wait)
  say "FIG intake recordPetition (demo.clerk) -c32 $IDUR | load $l | ours $(intake_run "$PORT" "$CLERK" record)"
  say "FIG memory peak after intake | ours $(mem "$(ourpid)") | peer $(mem "$(pglpid)")"
  $PSQL petition -v ON_ERROR_STOP=1 -f "$BENCH/intake-cleanup.sql" >> "$LOG/seed.log" 2>&1
  note "intake rows removed again (intake-cleanup.sql): $($PSQL petition -c "SELECT count(*) FROM cases") cases left"
}

phase_scale() {
  local size have t0 l
  for size in $SIZES; do
    have=$($PSQL petition -c "SELECT count(*) FROM cases")
    if [ "$size" -gt "$have" ]; then
      l=$(load_wait)
      t0=$(date +%s)
      DATABASE_URL=$DBURL LOG_FORMAT=json "$BIN" generate --cases $(( size - have )) --seed "$size" \
        >> "$LOG/seed.log" 2>> "$LOG/generate.log" || { echo "generate failed: $LOG/generate.log" >&2; exit 1; }
      say "FIG grow to $size cases (petition-api generate $(( size - have ))) | $(( $(date +%s) - t0 ))s | load before $l"
    fi
    sizes_figures
  done
}

phase_stop() {
  local p=$(pglpid) o=$(ourpid) g=$(pgpid)
  [ -n "$p" ] && kill "$p" 2> /dev/null && while kill -0 "$p" 2> /dev/null; do sleep 0.2; done; rm -f "$H/pgl.pid"
  stop_ours
  su postgres -c "$PGBIN/pg_ctl -D $H/pg/data -m fast -w stop" > /dev/null 2>&1
  local left=$(ps -o pid=,args= -p "${p:-1},${o:-1},${g:-1}" | grep -v '^ *1 ' ; ps -eo pid=,args= | grep -F "$H" | grep -v grep)
  say "FIG stopped | PostGraphile ${p:-none}, server ${o:-none}, cluster ${g:-none} | still running: ${left:-nothing}"
}

for phase in $PHASES; do
  note "phase $phase"
  "phase_$phase"
done
