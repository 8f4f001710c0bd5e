# shellcheck shell=bash
# Shared by tests/faults, tests/security and tests/standby: a fixture database
# on the private cluster (PGHOST/PGPORT from scripts/test), the read-only login
# riskmap_tiles, and riskmap-tiles on a free loopback port. Sourced.
set -euo pipefail
# scripts/test holds the install lock on fd 9: nothing started from here may inherit it.
exec 9>&-

if [ -z "${PGHOST:-}" ] || [ -z "${PGPORT:-}" ]; then
  echo "PGHOST/PGPORT not set: run through scripts/test" >&2
  exit 77
fi
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
RISKMAP_PGDATA=${RISKMAP_PGDATA:-$(dirname "$PGHOST")/data}

fails=0
pass() { printf 'ok - %s\n' "$*"; }
fail() { printf 'not ok - %s\n' "$*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then pass "$d"; else fail "$d"; fi
}

# make_fixture_db DB: tests/server/fixture.sql in a fresh database.
make_fixture_db() {
  local db=$1 src=$2
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  psql -X -q -d "$db" -f "$src/tests/server/fixture.sql" >/dev/null
  ensure_tiles_role "$db"
}

# The login riskmap-tiles connects as: riskmap_reader's rights and nothing more
# (scripts/common.sh creates the same for the demo).
ensure_tiles_role() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'riskmap_tiles') THEN
    CREATE ROLE riskmap_tiles LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION IN ROLE riskmap_reader;
  END IF;
END $$;
SQL
}

# start_server BIN WEB LOG FIRST_PORT LAST_PORT ARGS...: sets SRV_PID, SRV_PORT.
SRV_PID= SRV_PORT=
start_server() {
  local bin=$1 web=$2 log=$3 lo=$4 hi=$5 p
  shift 5
  for p in $(seq "$lo" "$hi"); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then continue; fi
    "$bin" --listen "127.0.0.1:$p" --web "$web" "$@" >"$log" 2>&1 &
    SRV_PID=$!
    for _ in $(seq 1 50); do
      if grep -q "serving http" "$log"; then SRV_PORT=$p; return 0; fi
      kill -0 "$SRV_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$SRV_PID" 2>/dev/null || true
    wait "$SRV_PID" 2>/dev/null || true
    SRV_PID=
  done
  echo "could not start riskmap-tiles on a port of $lo..$hi" >&2
  cat "$log" >&2
  return 1
}

stop_server() {
  if [ -n "${SRV_PID:-}" ]; then
    kill "$SRV_PID" 2>/dev/null || true
    wait "$SRV_PID" 2>/dev/null || true
    SRV_PID=
  fi
}

fd_count() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }

# http_code URL [curl args]: the status code, 000 when no answer.
http_code() {
  local url=$1; shift
  curl -s -o /dev/null -m 10 -w '%{http_code}' "$@" "$url" || true
}

# pg_ctl on the private cluster, as postgres when we are root.
pg_ctl_private() {
  local args=(-D "$RISKMAP_PGDATA" -w -t 60)
  case $1 in
    stop) args+=(-m fast stop) ;;
    start) args+=(-l "$RISKMAP_PGDATA/../postgresql.log" start) ;;
    restart) args+=(-m fast -l "$RISKMAP_PGDATA/../postgresql.log" restart) ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" "${args[@]}" >/dev/null
  else
    "$PG_BIN/pg_ctl" "${args[@]}" >/dev/null
  fi
}

# wait_for_code URL CODE TIMEOUT_S: polls every 50 ms; prints the ms it took, or -1.
wait_for_code() {
  local url=$1 want=$2 t0 limit
  t0=$(now_ms); limit=$((t0 + $3 * 1000))
  while [ "$(now_ms)" -lt "$limit" ]; do
    if [ "$(http_code "$url" -m 2)" = "$want" ]; then echo $(($(now_ms) - t0)); return 0; fi
    sleep 0.05
  done
  echo -1
}
