#!/usr/bin/env bash
# The benchmarks with PostgreSQL tuned as in production: the performance settings of
# deploy/postgresql.prod.conf (memory, planner, checkpoints and WAL sizes; not its replication,
# logging or connection settings) are set on the local cluster with ALTER SYSTEM, PostgreSQL is
# restarted, scripts/bench.sh runs with the arguments given, and the settings are reset and
# PostgreSQL restarted again, also when the run fails or is interrupted.
#   scripts/bench_tuned.sh large analytics_job analytics_job_incremental
# The restarts end every other connection to the cluster: run it with nothing else using it
# (no test run, no `make run`, no load test). Needs the postgres superuser (trust auth here).
source "$(dirname "$0")/lib.sh"

CONF="$ROOT/deploy/postgresql.prod.conf"
SETTINGS=(
    shared_buffers effective_cache_size work_mem maintenance_work_mem jit random_page_cost
    effective_io_concurrency checkpoint_timeout max_wal_size min_wal_size
    checkpoint_completion_target wal_compression
)

ensure_postgres
version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
[ -n "$version" ] || die "no local PostgreSQL cluster to tune (this script restarts it)"

superuser() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAc "$1"; }
superuser 'select 1' >/dev/null || die "the postgres superuser cannot connect on $PG_HOST:$PG_PORT"

restart() {
    pg_ctlcluster --skip-systemctl-redirect "$version" main restart || die "PostgreSQL did not restart"
    for _ in $(seq 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && return 0; sleep 1; done
    die "PostgreSQL did not answer after its restart"
}

shown() {
    local name line=""
    for name in "${SETTINGS[@]}"; do line+="$name=$(superuser "SHOW $name") "; done
    echo "$line"
}

reset() {
    local name
    for name in "${SETTINGS[@]}"; do superuser "ALTER SYSTEM RESET $name" || true; done
    restart
    say "PostgreSQL settings reset: $(shown)"
}

# the value of each setting in the production file (name = value, a trailing comment allowed);
# reset on exit from the first one set on
trap reset EXIT
for name in "${SETTINGS[@]}"; do
    value=$(sed -n -E "s/^[[:space:]]*$name[[:space:]]*=[[:space:]]*([^#[:space:]]+).*/\1/p" "$CONF" | tail -n 1)
    [ -n "$value" ] || die "$name is not set in $CONF"
    value=${value//\'/}
    superuser "ALTER SYSTEM SET $name = '$value'" || die "could not set $name = $value"
done
restart
say "PostgreSQL tuned as $CONF: $(shown)"
bash "$ROOT/scripts/bench.sh" "$@"
