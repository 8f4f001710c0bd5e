# shellcheck shell=bash
# Shared set-up for scripts/demo and scripts/test: packages, build, private cluster.
# Sourced, not run. Every step is idempotent: a second run reuses what exists.
set -euo pipefail

RISKMAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RISKMAP_STATE=${RISKMAP_STATE:-$RISKMAP_ROOT/.riskmap}
RISKMAP_BUILD=${RISKMAP_BUILD:-$RISKMAP_ROOT/build}
RISKMAP_PGPORT=${RISKMAP_PGPORT:-54329}
RISKMAP_DB=${RISKMAP_DB:-riskmap}
PG_BIN=/usr/lib/postgresql/15/bin
# Several work trees on one machine: RISKMAP_PG_PREFIX=DIR gives this tree a
# private copy of PostgreSQL's install tree (PostgreSQL's binaries find their
# share and lib folders relative to themselves), so that one tree's
# `cmake --install` does not replace the riskmap.so another tree is testing.
# Unset (CI, scripts/demo), the system's PostgreSQL is used.
RISKMAP_PG_PREFIX=${RISKMAP_PG_PREFIX:-}
if [ -n "$RISKMAP_PG_PREFIX" ]; then
  PG_BIN=$RISKMAP_PG_PREFIX/usr/lib/postgresql/15/bin
fi
export PG_BIN

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Debian packages the build, the cluster and the tests need.
RISKMAP_PACKAGES=(
  build-essential cmake pkg-config
  postgresql-15 postgresql-server-dev-15 postgresql-15-postgis-3
  postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-15-pgrouting
  libgeos-dev libproj-dev proj-data libjson-c-dev libcmocka-dev
  # riskmap-tiles (server/) and its tests and benchmark (tests/server, bench/server)
  libmicrohttpd-dev libpq-dev curl nodejs chromium wrk nginx-light
  libcairo2-dev libpango1.0-dev libpng-dev fonts-noto-cjk python3-mapnik
  libgdal-dev gdal-bin libpq-dev
  # fuzz/ and the fuzz.smoke test (docs/fuzzing.md): clang with libFuzzer
  clang libclang-rt-14-dev
  # map sheets and ledgers (docs/print.md): PDF and workbook readers for
  # tests/print, pycairo for Mapnik's PDF side of bench/print
  poppler-utils python3-openpyxl python3-cairo
)

install_packages() {
  local missing=() p
  for p in "${RISKMAP_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then echo "run as root to install packages" >&2; exit 1; fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # Debian's postgresql package starts a system cluster on 5432; we do not need it.
}

# The viewer's npm packages (Leaflet, playwright-core for the browser test),
# pinned by web/package-lock.json.
web_deps() {
  local web=$RISKMAP_ROOT/web
  [ -f "$web/package-lock.json" ] || return 0
  if [ ! -f "$web/node_modules/.package-lock.json" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
    command -v npm >/dev/null || { echo "npm is missing (Debian package npm, or nodejs from NodeSource)" >&2; exit 1; }
    say "npm ci in web/"
    (cd "$web" && npm ci --no-audit --no-fund >/dev/null)
  fi
}

# The private copy of PostgreSQL's install tree (RISKMAP_PG_PREFIX), made once.
private_pg_tree() {
  [ -n "$RISKMAP_PG_PREFIX" ] || return 0
  [ -x "$PG_BIN/postgres" ] && return 0
  say "copying PostgreSQL's install tree to $RISKMAP_PG_PREFIX"
  mkdir -p "$RISKMAP_PG_PREFIX/usr/lib/postgresql" "$RISKMAP_PG_PREFIX/usr/share/postgresql" \
    "$RISKMAP_PG_PREFIX/usr/include/postgresql"
  cp -a /usr/lib/postgresql/15 "$RISKMAP_PG_PREFIX/usr/lib/postgresql/"
  cp -a /usr/share/postgresql/15 "$RISKMAP_PG_PREFIX/usr/share/postgresql/"
  ln -sfn /usr/include/postgresql/15 "$RISKMAP_PG_PREFIX/usr/include/postgresql/15"
  chmod 755 "$RISKMAP_PG_PREFIX"
}

build_and_install() {
  private_pg_tree
  web_deps
  say "building riskmap in $RISKMAP_BUILD"
  cmake -S "$RISKMAP_ROOT" -B "$RISKMAP_BUILD" -DCMAKE_BUILD_TYPE=${RISKMAP_BUILD_TYPE:-RelWithDebInfo} \
    -DPG_CONFIG="$PG_BIN/pg_config" >/dev/null
  cmake --build "$RISKMAP_BUILD" -j "$(nproc)"
  cmake --install "$RISKMAP_BUILD" >/dev/null
}

# The data directory must be reachable by the unprivileged 'postgres' user
# (initdb refuses root). If the checkout sits where that user cannot enter
# (for example under /root), the cluster lives in /var/lib/riskmap/<hash> and
# .riskmap/pg is a link to it.
cluster_dir() {
  mkdir -p "$RISKMAP_STATE"
  if [ ! -e "$RISKMAP_STATE/pg" ]; then
    if runuser -u postgres -- test -w "$RISKMAP_STATE" 2>/dev/null || { chown postgres: "$RISKMAP_STATE" 2>/dev/null && runuser -u postgres -- test -w "$RISKMAP_STATE"; }; then
      mkdir -p "$RISKMAP_STATE/pg"
    else
      local real
      real=/var/lib/riskmap/$(printf '%s' "$RISKMAP_STATE" | sha1sum | cut -c1-12)
      mkdir -p "$real"
      ln -sfn "$real" "$RISKMAP_STATE/pg"
    fi
  fi
  local dir
  dir=$(readlink -f "$RISKMAP_STATE/pg")
  chown postgres: "$dir"
  chmod 700 "$dir"
  printf '%s\n' "$dir"
}

cluster_start() {
  local dir
  dir=$(cluster_dir)
  export PGHOST="$dir/run" PGPORT="$RISKMAP_PGPORT" PGUSER=postgres PGDATABASE=$RISKMAP_DB
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    say "creating a private PostgreSQL cluster in $dir/data"
    runuser -u postgres -- mkdir -p "$dir/run"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$dir/data/postgresql.conf" <<CONF
# riskmap private cluster
listen_addresses = '127.0.0.1'
port = $RISKMAP_PGPORT
unix_socket_directories = '$dir/run'
shared_buffers = 512MB
work_mem = 64MB
max_connections = 100
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = replica
max_wal_senders = 4
CONF
  fi
  runuser -u postgres -- mkdir -p "$dir/run"
  if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    say "starting PostgreSQL on port $RISKMAP_PGPORT (socket $dir/run)"
    # 9>&-: the server must not inherit scripts/test's install lock (fd 9), or it holds it forever.
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgresql.log" -w -t 60 start >/dev/null 9>&-
  fi
  if ! psql -d postgres -Atqc "select 1 from pg_database where datname = '$RISKMAP_DB'" | grep -q 1; then
    psql -d postgres -qc "create database $RISKMAP_DB"
  fi
}

cluster_stop() {
  local dir
  dir=$(readlink -f "$RISKMAP_STATE/pg" 2>/dev/null) || return 0
  [ -f "$dir/data/PG_VERSION" ] || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# (Re)create the extension in the demo database and load the demo data.
load_demo() {
  local scale=${1:-1}
  say "loading the Chongqing demo (scale $scale) into database $RISKMAP_DB"
  psql -X -q -v ON_ERROR_STOP=1 -d "$RISKMAP_DB" \
    -c "drop extension if exists riskmap cascade" \
    -c "drop schema if exists riskmap cascade" \
    -c "create extension riskmap cascade"
  "$RISKMAP_ROOT/data/load_demo" --scale "$scale" -d "$RISKMAP_DB"
  ensure_tiles_role
}

# The login riskmap-tiles connects as: riskmap_reader's rights (read every
# table but sealed scenarios, LISTEN, call riskmap.tile) and nothing more, so
# that no request can write through the server. Roles are cluster-wide; this
# needs the extension (riskmap_reader) to exist. The private cluster trusts
# local connections; elsewhere give it a password or a client certificate.
ensure_tiles_role() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$RISKMAP_DB" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'riskmap_tiles') THEN
    CREATE ROLE riskmap_tiles LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION IN ROLE riskmap_reader;
  END IF;
END $$;
SQL
}

# riskmap-tiles on the demo database, in the background (scripts/stop ends it).
# RISKMAP_TILES_LISTEN overrides the address (default 127.0.0.1:8080).
start_tile_server() {
  local listen=${RISKMAP_TILES_LISTEN:-127.0.0.1:8080} pidfile=$RISKMAP_STATE/riskmap-tiles.pid
  local log=$RISKMAP_STATE/riskmap-tiles.log i
  stop_tile_server
  ensure_tiles_role
  # RISKMAP_TILES_READ_DB: a conninfo for --read-db (a hot standby), optional.
  nohup "$RISKMAP_BUILD/server/riskmap-tiles" --db "host=$PGHOST port=$PGPORT dbname=$RISKMAP_DB user=riskmap_tiles" \
    ${RISKMAP_TILES_READ_DB:+--read-db "$RISKMAP_TILES_READ_DB"} \
    --listen "$listen" --web "$RISKMAP_ROOT/web" >"$log" 2>&1 9>&- &
  echo $! >"$pidfile"
  for i in $(seq 1 50); do
    if curl -fs "http://$listen/health" >/dev/null 2>&1; then
      say "map viewer: http://$listen/   (log $log)"
      return 0
    fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.2
  done
  echo "riskmap-tiles did not come up on $listen:" >&2
  tail -20 "$log" >&2
  return 1
}

stop_tile_server() {
  local pidfile=$RISKMAP_STATE/riskmap-tiles.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null && grep -q riskmap-tiles "/proc/$pid/cmdline" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
}
