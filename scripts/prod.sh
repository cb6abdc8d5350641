#!/usr/bin/env bash
# make prod: the production shape on this machine (README: "Running in production").
#   PostgreSQL primary  the local cluster 15/main on 127.0.0.1:5432 (started if down)
#   streaming replica   a second cluster on 127.0.0.1:5433, made with pg_basebackup -R,
#                       data in .state/prod/replica (owned by postgres)
#   Odoo                prefork workers with deploy/odoo.prod.conf, read-only requests on
#                       the replica (db_replica_host/port), one or two instances
#   nginx               reverse proxy on http://127.0.0.1:8080 (deploy/nginx/), routing
#                       /websocket to the gevent port(s), its own prefix in .state/prod/nginx
#
#   scripts/prod.sh [start] [options]   start, report the replica lag every 30 s; Ctrl-C
#                                       stops what this command started
#     --db NAME        database to serve (default $CRM_EXT_DB or crm_ext: the demo
#                      database of `make run`, created or updated first)
#     --workers N      HTTP workers per instance (default: deploy/odoo.prod.conf, 2);
#                      0 runs Odoo's threaded server
#     --instances N    1 (default) or 2 Odoo instances behind nginx; crons only in the first
#     --no-replica     no replica: every request on the primary
#     --no-prepare     serve the database as it is (no install or update of the modules)
#     --detach         start and return; `scripts/prod.sh stop` stops
#   scripts/prod.sh replica   start the streaming replica only (no Odoo, no nginx) and return;
#                             `scripts/prod.sh stop` stops it (tests/load/analytics_replica.py)
#   scripts/prod.sh stop      stop what a detached start started (nothing else);
#                             CRM_EXT_KEEP_REPLICA=1 leaves the replica running (load runs)
#   scripts/prod.sh status    what runs, and the replica lag
#   scripts/prod.sh unsetup   stop, delete the replica, its slot and role, and remove the
#                             one pg_hba.conf line that `start` added on the primary
# Ports: CRM_EXT_PROD_PORT (nginx, 8080), CRM_EXT_REPLICA_PORT (5433); instance i listens
# on 8i70 (HTTP) and 8i71 (gevent: bus, live chat).
source "$(dirname "$0")/lib.sh"

PG_BIN=/usr/lib/postgresql/15/bin
PROD="$STATE/prod"
MANIFEST="$PROD/started"
REPLICA_DIR="$PROD/replica"
REPLICA_PORT=${CRM_EXT_REPLICA_PORT:-5433}
PROXY_PORT=${CRM_EXT_PROD_PORT:-8080}
REPL_ROLE=crm_ext_replicator
SLOT=crm_ext_replica
HBA_MARK="# crm_ext make prod: streaming replica (scripts/prod.sh unsetup removes this line)"
mkdir -p "$PROD"

as_postgres() { runuser -u postgres -- "$@"; }
psql_primary() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -XtAq "$@"; }
psql_replica() { psql -h "$PG_HOST" -p "$REPLICA_PORT" -U postgres -d postgres -XtAq "$@"; }
http_port() { echo "8${1}70"; }
gevent_port() { echo "8${1}71"; }
port_busy() { ss -ltnH "sport = :$1" | grep -q .; }
manifest_has() { [ -f "$MANIFEST" ] && grep -qx "$1" "$MANIFEST"; }

# ---------------------------------------------------------------- primary and replica

# The primary needs a role that may replicate and one pg_hba.conf line for it (trust
# on 127.0.0.1, like the cluster's other lines); wal_level = replica and
# max_wal_senders = 10 are PostgreSQL 15's defaults and are only checked.
setup_primary() {
    local wal_level hba
    wal_level=$(psql_primary -c "SHOW wal_level")
    [ "$wal_level" != minimal ] || die "the primary runs with wal_level = minimal: set it to replica and restart it"
    if [ "$(psql_primary -c "SELECT count(*) FROM pg_roles WHERE rolname = '$REPL_ROLE'")" = 0 ]; then
        say "primary: creating the role $REPL_ROLE (LOGIN REPLICATION)"
        psql_primary -c "CREATE ROLE $REPL_ROLE LOGIN REPLICATION"
    fi
    hba=$(psql_primary -c "SHOW hba_file")
    if ! grep -qF "$HBA_MARK" "$hba"; then
        say "primary: adding to $hba: host replication $REPL_ROLE 127.0.0.1/32 trust"
        cp -p "$hba" "$PROD/pg_hba.conf.before-prod"
        printf '%s\nhost    replication     %s      127.0.0.1/32            trust\n' "$HBA_MARK" "$REPL_ROLE" >> "$hba"
        psql_primary -c "SELECT pg_reload_conf()" >/dev/null
        sleep 1
    fi
    if [ "$(psql_primary -c "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL")" != 0 ]; then
        die "the primary's pg_hba.conf has errors (SELECT * FROM pg_hba_file_rules)"
    fi
}

ensure_slot() {
    # A physical slot keeps the WAL the replica has not received yet, so a replica that
    # falls behind under a bulk write never loses its place; it is dropped on stop so a
    # stopped replica never makes the primary keep WAL.
    if [ "$(psql_primary -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT'")" = 0 ]; then
        psql_primary -c "SELECT pg_create_physical_replication_slot('$SLOT', true)" >/dev/null
    fi
}

drop_slot() {
    psql_primary -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                     WHERE slot_name = '$SLOT' AND NOT active" >/dev/null 2>&1 || true
}

replica_running() { [ -f "$REPLICA_DIR/postmaster.pid" ] && as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; }

replica_state() {
    psql_primary -c "SELECT state FROM pg_stat_replication WHERE application_name = '$SLOT'"
}

write_replica_config() {
    # Hot standby needs these at least as high as on the primary.
    local settings
    settings=$(psql_primary -c "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings
        WHERE name IN ('max_connections', 'max_prepared_transactions', 'max_locks_per_transaction',
                       'max_wal_senders', 'max_worker_processes')")
    cat > "$REPLICA_DIR/postgresql.conf" <<CONF
# Written by scripts/prod.sh: the crm_ext streaming replica of 127.0.0.1:$PG_PORT.
# pg_basebackup -R wrote primary_conninfo and primary_slot_name to postgresql.auto.conf
# and created standby.signal.
cluster_name = '$SLOT'
listen_addresses = '127.0.0.1'
port = $REPLICA_PORT
# the base backup is already on disk: one syncfs() instead of an fsync per file at start
recovery_init_sync_method = syncfs
hot_standby = on
hot_standby_feedback = on
max_standby_streaming_delay = 30s
shared_buffers = 256MB
work_mem = 32MB
jit = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
$settings
CONF
    printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$REPLICA_DIR/pg_hba.conf"
    : > "$REPLICA_DIR/pg_ident.conf"
    chown postgres:postgres "$REPLICA_DIR"/postgresql.conf "$REPLICA_DIR"/pg_hba.conf "$REPLICA_DIR"/pg_ident.conf
}

make_replica() {
    say "replica: pg_basebackup -R from 127.0.0.1:$PG_PORT into .state/prod/replica (the whole cluster)"
    rm -rf "$REPLICA_DIR"
    install -d -o postgres -g postgres -m 700 "$REPLICA_DIR"
    ensure_slot
    as_postgres "$PG_BIN/pg_basebackup" -h "$PG_HOST" -p "$PG_PORT" -U "$REPL_ROLE" -D "$REPLICA_DIR" \
        -R -X stream -S "$SLOT" -c fast --no-password \
        || die "pg_basebackup failed (is the pg_hba.conf line for $REPL_ROLE there?)"
    write_replica_config
}

start_replica() {
    port_busy "$REPLICA_PORT" && ! replica_running && die "port $REPLICA_PORT is taken by something else"
    if replica_running; then
        # only make prod starts the cluster in .state/prod/replica: stopped with the rest
        say "replica: already running on $REPLICA_PORT"
        echo replica >> "$MANIFEST"
        return
    fi
    # a base backup that was interrupted has no final backup_manifest: made again
    [ -f "$REPLICA_DIR/standby.signal" ] && [ -f "$REPLICA_DIR/backup_manifest" ] || make_replica
    local attempt
    for attempt in 1 2; do
        ensure_slot
        install -o postgres -g postgres -m 640 /dev/null "$PROD/replica.log"
        say "replica: starting PostgreSQL 15 on 127.0.0.1:$REPLICA_PORT (log .state/prod/replica.log)"
        echo replica >> "$MANIFEST"
        as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$PROD/replica.log" -w -t 600 start >/dev/null \
            || die "the replica did not start (.state/prod/replica.log)"
        # streaming, or at least catching up; a replica whose WAL the primary recycled
        # while it was stopped says so in its log and is made again
        local state=""
        for _ in $(seq 180); do
            state=$(replica_state)
            [ "$state" = streaming ] && break
            grep -q "has already been removed" "$PROD/replica.log" && { state=lost; break; }
            sleep 1
        done
        case "$state" in
            streaming) say "replica: streaming from the primary (slot $SLOT)"; return ;;
            catchup|startup) say "replica: connected, still catching up ($state) after 180 s"; return ;;
        esac
        [ "$attempt" = 1 ] || die "the replica does not stream (.state/prod/replica.log)"
        say "replica: not streaming (${state:-not connected}; the primary no longer has the WAL it needs?): making it again"
        stop_replica
        make_replica
    done
}

stop_replica() {
    rm -f "$PROD/replica.kept"
    if replica_running; then
        say "replica: stopping"
        as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null || true
    fi
    drop_slot
}

report_lag() {
    local primary replica
    primary=$(psql_primary -F ' ' -c "SELECT state,
            pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,
            coalesce(round(extract(epoch FROM replay_lag) * 1000)::text, '0')
        FROM pg_stat_replication WHERE application_name = '$SLOT'" 2>/dev/null || true)
    replica=$(psql_replica -F ' ' -c "SELECT pg_is_in_recovery(),
            coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 1)::text, '-')" 2>/dev/null || true)
    if [ -z "$primary" ]; then
        say "replica lag: the replica is not connected to the primary (${replica:-replica down})"
        return
    fi
    read -r state bytes lag_ms <<< "$primary"
    read -r recovery replayed <<< "${replica:-? -}"
    say "replica lag: $state, $bytes bytes of WAL behind, replay_lag ${lag_ms} ms (pg_stat_replication);" \
        "last replayed transaction ${replayed} s ago (pg_last_xact_replay_timestamp; grows while the primary is idle); in recovery: $recovery"
}

# ---------------------------------------------------------------- Odoo and nginx

render_odoo_conf() {
    # render_odoo_conf INSTANCE WORKERS REPLICA(0|1) DB
    local i=$1 workers=$2 replica=$3 db=$4
    "$PY" - "$ROOT/deploy/odoo.prod.conf" "$PROD/odoo-$i.conf" <<PYEOF
import configparser, sys
src, dst = sys.argv[1:3]
conf = configparser.ConfigParser(interpolation=None)
conf.read(src)
o = conf["options"]
if "$workers":
    o["workers"] = "$workers"
if o.get("workers", "0") == "0":
    # db_maxconn is per process: with workers = 0 one process serves every request and runs the
    # cron threads, so its pool needs Odoo's default (the configuration's 8 suit one worker)
    o["db_maxconn"] = "64"
o.update({
    "db_name": "$db",
    "dbfilter": "^$db\$",
    "addons_path": "$ODOO_ADDONS_PATH",
    "data_dir": "$STATE/data",
    "http_port": "$(http_port "$i")",
    "gevent_port": "$(gevent_port "$i")",
    "pidfile": "$PROD/odoo-$i.pid",
    "logfile": "$STATE/logs/prod-odoo-$i.log",
    "db_replica_port": "$REPLICA_PORT",
})
if "$i" != "1":
    o["max_cron_threads"] = "0"  # crons run in the first instance only
if "$replica" != "1":
    del o["db_replica_host"], o["db_replica_port"]
with open(dst, "w") as f:
    f.write("# rendered by scripts/prod.sh from deploy/odoo.prod.conf\n")
    conf.write(f)
PYEOF
}

odoo_pid() { cat "$PROD/odoo-$1.pid" 2>/dev/null || true; }
odoo_running() { local pid; pid=$(odoo_pid "$1"); [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

start_odoo() {
    local i=$1 port
    port=$(http_port "$i")
    odoo_running "$i" && die "Odoo instance $i already runs (pid $(odoo_pid "$i")): scripts/prod.sh stop"
    port_busy "$port" && die "port $port is taken"
    port_busy "$(gevent_port "$i")" && die "port $(gevent_port "$i") is taken"
    rm -f "$PROD/odoo-$i.pid"
    say "odoo $i: starting on 127.0.0.1:$port, gevent $(gevent_port "$i") (log .state/logs/prod-odoo-$i.log)"
    (cd "$ROOT" && exec setsid "$PY" "$(odoo_bin)" -c "$PROD/odoo-$i.conf" </dev/null >>"$STATE/logs/prod-odoo-$i.log" 2>&1) &
    for _ in $(seq 120); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/web/health" 2>/dev/null && break
        sleep 1
    done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/web/health" || die "Odoo instance $i does not answer (.state/logs/prod-odoo-$i.log)"
    echo "odoo $i" >> "$MANIFEST"
}

stop_odoo() {
    local i=$1 pid
    pid=$(odoo_pid "$i")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    say "odoo $i: stopping (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PROD/odoo-$i.pid"
}

ensure_nginx() {
    command -v nginx >/dev/null 2>&1 && return 0
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || die "nginx is missing: install Debian's nginx package"
    say "installing Debian's nginx package (its own service is not started or configured by us)"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null \
        || die "could not install nginx"
}

render_nginx_conf() {
    # render_nginx_conf INSTANCES WORKERS
    local n=$1 workers=$2 i http="" chat=""
    for i in $(seq "$n"); do
        http+="        server 127.0.0.1:$(http_port "$i") max_fails=1 fail_timeout=10s;"$'\n'
        # with workers = 0 the threaded server answers /websocket on its HTTP port
        if [ "$workers" = 0 ]; then
            chat+="        server 127.0.0.1:$(http_port "$i");"$'\n'
        else
            chat+="        server 127.0.0.1:$(gevent_port "$i");"$'\n'
        fi
    done
    mkdir -p "$PROD/nginx/tmp"
    "$PY" - "$ROOT/deploy/nginx/nginx.conf.in" "$PROD/nginx/nginx.conf" "$PROD/nginx" "$PROXY_PORT" "$http" "$chat" <<'PYEOF'
import sys
src, dst, prefix, port, http, chat = sys.argv[1:7]
text = open(src).read()
for key, value in {"PREFIX": prefix, "PORT": port, "ODOO_SERVERS": http.rstrip("\n"),
                   "CHAT_SERVERS": chat.rstrip("\n")}.items():
    text = text.replace("@" + key + "@", value)
open(dst, "w").write(text)
PYEOF
}

nginx_cmd() { nginx -p "$PROD/nginx/" -c "$PROD/nginx/nginx.conf" -e "$PROD/nginx/error.log" "$@"; }
nginx_running() { [ -f "$PROD/nginx/nginx.pid" ] && kill -0 "$(cat "$PROD/nginx/nginx.pid")" 2>/dev/null; }

start_nginx() {
    nginx_running && die "nginx of make prod already runs: scripts/prod.sh stop"
    port_busy "$PROXY_PORT" && die "port $PROXY_PORT is taken (CRM_EXT_PROD_PORT chooses another)"
    nginx_cmd -t -q || die "the rendered nginx configuration is invalid ($PROD/nginx/nginx.conf)"
    nginx_cmd
    echo nginx >> "$MANIFEST"
    say "nginx: http://127.0.0.1:$PROXY_PORT -> Odoo (access log .state/prod/nginx/access.log)"
}

stop_nginx() {
    nginx_running || return 0
    say "nginx: stopping"
    nginx_cmd -s quit 2>/dev/null || kill "$(cat "$PROD/nginx/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 20); do nginx_running || break; sleep 0.5; done
}

# ---------------------------------------------------------------- commands

stop_started() {
    # a replica left running by CRM_EXT_KEEP_REPLICA=1 is stopped by the next plain stop
    [ -f "$MANIFEST" ] || [ ! -f "$PROD/replica.kept" ] || echo replica > "$MANIFEST"
    [ -f "$MANIFEST" ] || { say "nothing started by make prod is running"; return 0; }
    local item
    # reverse order: proxy, Odoo instances, replica
    while read -r item; do
        case "$item" in
            nginx) stop_nginx ;;
            "odoo "*) stop_odoo "${item#odoo }" ;;
            replica)
                if [ "${CRM_EXT_KEEP_REPLICA:-0}" = 1 ]; then
                    say "replica: left running"
                    touch "$PROD/replica.kept"
                else
                    stop_replica
                fi ;;
        esac
    done < <(tac "$MANIFEST")
    rm -f "$MANIFEST"
}

status() {
    local i
    nginx_running && say "nginx: running on http://127.0.0.1:$PROXY_PORT" || say "nginx: not running"
    for i in 1 2; do
        [ -f "$PROD/odoo-$i.conf" ] || continue
        odoo_running "$i" && say "odoo $i: running (pid $(odoo_pid "$i"), port $(http_port "$i"))" || say "odoo $i: not running"
    done
    if replica_running; then report_lag; else say "replica: not running"; fi
}

cmd_start() {
    local db=${CRM_EXT_DB:-crm_ext} workers="" instances=1 replica=1 prepare=1 detach=0 i
    while [ $# -gt 0 ]; do
        case "$1" in
            --db) db=$2; shift 2 ;;
            --workers) workers=$2; shift 2 ;;
            --instances) instances=$2; shift 2 ;;
            --no-replica) replica=0; shift ;;
            --no-prepare) prepare=0; shift ;;
            --detach) detach=1; shift ;;
            *) die "unknown option $1 (see the top of scripts/prod.sh)" ;;
        esac
    done
    case "$instances" in 1|2) ;; *) die "--instances is 1 or 2" ;; esac
    [ -f "$MANIFEST" ] && die "make prod already runs (or was not stopped): scripts/prod.sh stop"
    ensure_venv
    find_odoo || { odoo_missing_message; exit 1; }
    ensure_postgres
    ensure_nginx
    [ -x "$PG_BIN/pg_basebackup" ] || die "PostgreSQL 15's tools are missing ($PG_BIN): apt-get install postgresql-15"
    if [ "$prepare" = 1 ]; then
        CRM_EXT_DB=$db bash "$ROOT/scripts/run.sh" --no-serve
    else
        db_exists "$db" || die "database $db does not exist"
    fi
    : > "$MANIFEST"
    # a failed start, Ctrl-C or the end of the foreground loop stop what was started
    trap 'exit 130' INT TERM
    trap 'rc=$?; trap - EXIT; echo >&2; stop_started; exit $rc' EXIT
    if [ "$replica" = 1 ]; then
        setup_primary
        start_replica
    fi
    for i in $(seq "$instances"); do
        render_odoo_conf "$i" "$workers" "$replica" "$db"
        start_odoo "$i"
    done
    render_nginx_conf "$instances" "${workers:-$(sed -n 's/^workers *= *//p' "$ROOT/deploy/odoo.prod.conf")}"
    start_nginx
    say "serving $db on http://127.0.0.1:$PROXY_PORT (admin / admin on the demo database)"
    [ "$replica" = 1 ] && report_lag
    if [ "$detach" = 1 ]; then
        trap - INT TERM EXIT
        say "detached: scripts/prod.sh status, scripts/prod.sh stop"
        return
    fi
    say "Ctrl-C stops nginx, Odoo and the replica (the primary keeps running)"
    while true; do
        sleep 30
        for i in $(seq "$instances"); do odoo_running "$i" || die "Odoo instance $i stopped (.state/logs/prod-odoo-$i.log)"; done
        [ "$replica" = 1 ] && report_lag
    done
}

cmd_replica() {
    [ -f "$MANIFEST" ] && die "make prod already runs (or was not stopped): scripts/prod.sh stop"
    ensure_postgres
    [ -x "$PG_BIN/pg_basebackup" ] || die "PostgreSQL 15's tools are missing ($PG_BIN): apt-get install postgresql-15"
    : > "$MANIFEST"
    trap 'rc=$?; trap - EXIT; [ "$rc" = 0 ] || stop_started; exit $rc' EXIT
    setup_primary
    start_replica
    report_lag
    say "the replica runs on 127.0.0.1:$REPLICA_PORT: scripts/prod.sh stop stops it"
}

cmd_unsetup() {
    stop_started
    stop_replica
    local hba
    hba=$(psql_primary -c "SHOW hba_file")
    if grep -qF "$HBA_MARK" "$hba"; then
        say "primary: removing the replication line from $hba"
        # the marker line and the rule line after it
        sed -i "/^$(printf '%s' "$HBA_MARK" | sed 's/[][\/.*^$]/\\&/g')\$/,+1d" "$hba"
        psql_primary -c "SELECT pg_reload_conf()" >/dev/null
    fi
    psql_primary -c "DROP ROLE IF EXISTS $REPL_ROLE" >/dev/null
    rm -rf "$REPLICA_DIR"
    say "the replica, its slot, the role $REPL_ROLE and the pg_hba.conf line are gone"
}

case "${1:-start}" in
    start) shift || true; cmd_start "$@" ;;
    --*) cmd_start "$@" ;;
    replica) cmd_replica ;;
    stop) stop_started ;;
    status) status ;;
    unsetup) cmd_unsetup ;;
    *) die "unknown command $1 (start, replica, stop, status, unsetup)" ;;
esac
