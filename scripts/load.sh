#!/usr/bin/env bash
# make load / make faults: Locust load and fault runs against the production shape
# (scripts/prod.sh), loopback only, bounded in time; tables on stdout and in
# .state/load/<run>/ (tests/benchmarks/README.md, "Load and fault tests").
#   scripts/load.sh [options]             load runs: every configuration x every user count
#   scripts/load.sh --faults [options]    fault runs (tests/load/faults.py)
#   scripts/load.sh --smoke --source-db DB  5 users for 20 s on a copy of DB, workers=2 (make test)
# Options:
#   --size small|large   data set: the benchmark database crm_ext_bench_<size> (built by
#                        scripts/bench.sh when missing; CRM_EXT_BENCH_DB names another)
#   --source-db DB       copy this database instead
#   --users 10,25,50     simulated users per run          --time 60   seconds per run
#   --configs workers0,workers2,workers2-replica,two-instances   (default: the first three;
#                        any workers<N> or workers<N>-replica: N HTTP workers; workers<N>-replica-primary:
#                        with the replica, the analytics job reading the primary, setting "Read the
#                        Primary Only"); any of them with -nice<N> (e.g. workers2-replica-primary-nice0):
#                        the analytics job at nice N (setting "Background Priority"; without: its default, 10)
#   --no-crons           do not trigger the analytics job and the crons 20 s into a run
#   --fault NAME         faults: only this one (repeatable; names in tests/load/faults.py)
#   --restart-postgres   faults: really restart the primary cluster (default: its connections
#                        to the load database are terminated instead; see the README)
# The load database crm_ext_load_<size> (CRM_EXT_LOAD_DB) is a fresh copy for every configuration.
source "$(dirname "$0")/lib.sh"

SIZE=small
SOURCE_DB=""
USERS=10,25,50
RUN_TIME=60
CONFIGS=workers0,workers2,workers2-replica
MODE=load
CRONS=1
# seconds into a load run when the analytics job and the crons are triggered (tests.load.jobs.WARMUP_SECONDS)
JOB_DELAY=20
FAULT_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --size) SIZE=$2; shift 2 ;;
        --source-db) SOURCE_DB=$2; shift 2 ;;
        --users) USERS=$2; shift 2 ;;
        --time) RUN_TIME=$2; shift 2 ;;
        --configs) CONFIGS=$2; shift 2 ;;
        --faults) MODE=faults; shift ;;
        --smoke) MODE=smoke; shift ;;
        --no-crons) CRONS=0; shift ;;
        --restart-postgres) FAULT_ARGS+=(--restart-postgres); shift ;;
        --fault) FAULT_ARGS+=(--only "$2"); shift 2 ;;
        *) die "unknown option $1 (see the top of scripts/load.sh)" ;;
    esac
done
case "$SIZE" in small|large) ;; *) die "--size is small or large" ;; esac

LOCUST_VENV="$STATE/venv-load"
ensure_locust() {
    # Locust lives in its own virtualenv: it needs newer Flask/Werkzeug/gevent than the
    # versions Odoo 18 pins in .venv.
    local stamp="$LOCUST_VENV/.requirements.sha256" want
    want=$(sha256sum "$ROOT/tests/load/requirements.txt" | cut -d' ' -f1)
    [ -x "$LOCUST_VENV/bin/python" ] || python3 -m venv "$LOCUST_VENV"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing Locust into .state/venv-load (tests/load/requirements.txt)"
        "$LOCUST_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/tests/load/requirements.txt"
        echo "$want" > "$stamp"
    fi
}

ensure_venv
find_odoo || { odoo_missing_message; exit 1; }
ensure_postgres
ensure_locust

# ---------------------------------------------------------------- the database under load
if [ "$MODE" = smoke ]; then
    [ -n "$SOURCE_DB" ] || die "--smoke needs --source-db"
    DB="${SOURCE_DB}_smoke"
else
    DB=${CRM_EXT_LOAD_DB:-crm_ext_load_$SIZE}
fi
if [ -z "$SOURCE_DB" ]; then
    SOURCE_DB=${CRM_EXT_BENCH_DB:-crm_ext_bench_$SIZE}
    # scripts/bench.sh builds the benchmark database when missing (the large one takes 10+
    # minutes) and updates the add-ons in it when they changed since (else nothing)
    db_exists "$SOURCE_DB" || say "building the benchmark database $SOURCE_DB first (scripts/bench.sh $SIZE)"
    CRM_EXT_BENCH_DB=$SOURCE_DB bash "$ROOT/scripts/bench.sh" "$SIZE" --list >/dev/null \
        || die "building or updating $SOURCE_DB failed (scripts/bench.sh $SIZE)"
fi
db_exists "$SOURCE_DB" || die "database $SOURCE_DB does not exist"
copy_database() {
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" --if-exists --force "$DB"
    rm -rf "$STATE/data/filestore/$DB"
    say "copying $SOURCE_DB to $DB"
    createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -T "$SOURCE_DB" "$DB" \
        || die "could not copy $SOURCE_DB (is somebody connected to it?)"
    [ -d "$STATE/data/filestore/$SOURCE_DB" ] && cp -a "$STATE/data/filestore/$SOURCE_DB" "$STATE/data/filestore/$DB"
    # the crons as on a server that has run them: none due when Odoo starts (the benchmark
    # database's are all due since its install, and the cron worker would run every one of them,
    # the analytics job included, during the first run, --no-crons or not); a run triggers the
    # ones it measures (trigger_crons)
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d "$DB" -qAt \
        -c "UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 day' WHERE active" >/dev/null
    return 0
}
drop_database() {
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" --if-exists --force "$DB"
    rm -rf "$STATE/data/filestore/$DB"
}
copy_database

RUN_ID=$(date +%Y%m%d%H%M%S)
OUT="$STATE/load/$RUN_ID-$MODE"
mkdir -p "$OUT"
DATA="$OUT/data.json"

prepare() {
    (cd "$ROOT" && "$PY" -m tests.load.prepare --database "$DB" --output "$DATA" \
        --addons-path "$ODOO_ADDONS_PATH" --users "$1") || die "preparing the load data failed"
}

# locust_run NAME USERS SECONDS [HOST]: one headless Locust run; CSV in $OUT/NAME_*.csv
locust_run() {
    local name=$1 users=$2 seconds=$3 host=${4:-http://127.0.0.1:${CRM_EXT_PROD_PORT:-8080}}
    local rate=$(( users / 5 > 0 ? users / 5 : 1 ))
    # the CPU time of each kind of process while the users work (tests/load/cpu.py)
    (cd "$ROOT" && exec "$PY" -m tests.load.cpu --out "$OUT/$name.cpu.json" --replica-dir "$STATE/prod/replica") &
    local sampler=$!
    (cd "$ROOT/tests/load" && CRM_EXT_LOAD_DATA="$DATA" CRM_EXT_LOAD_RUN="${RUN_ID}x${name//[^A-Za-z0-9]/}" \
        CRM_EXT_LOAD_LEDGER="$OUT/$name.ledger.json" CRM_EXT_LOAD_PAGES="$OUT/$name.pages.json" \
        "$LOCUST_VENV/bin/locust" -f locustfile.py --headless --host "$host" -u "$users" -r "$rate" \
        --run-time "${seconds}s" --stop-timeout 30 --csv "$OUT/$name" --only-summary \
        --loglevel WARNING --exit-code-on-error 0 > "$OUT/$name.locust.log" 2>&1) || true
    kill -TERM "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
    (cd "$ROOT" && "$PY" -m tests.load.count --database "$DB" --ledger "$OUT/$name.ledger.json" \
        --run "${RUN_ID}x${name//[^A-Za-z0-9]/}") | tee "$OUT/$name.count.txt"
}

trigger_crons() {
    # the analytics job and the SLA/journey/segment crons start now, in the cron worker
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d "$DB" -qAt <<SQL >/dev/null
INSERT INTO ir_cron_trigger (cron_id, call_at)
SELECT res_id, now() AT TIME ZONE 'UTC' FROM ir_model_data
 WHERE model = 'ir.cron' AND (module, name) IN (('crm_ext_analytics', 'ir_cron_analytics_run'),
       ('crm_ext_service', 'ir_cron_sla_escalation'), ('crm_ext_marketing', 'ir_cron_advance_journeys'),
       ('crm_ext_marketing', 'ir_cron_refresh_segments'));
NOTIFY cron_trigger, '$DB';
SQL
}

config_args() {
    # workers<N> (N HTTP workers, no replica; workers0: the threaded server),
    # workers<N>-replica (with the streaming replica), workers<N>-replica-primary (the same, the
    # analytics job reading the primary), two-instances; each maybe with -nice<N> (run_settings)
    local config=${1%-nice[0-9]*} n
    case "$config" in
        two-instances) echo "--workers 2 --instances 2" ;;
        workers[0-9]|workers[0-9][0-9]) echo "--workers ${config#workers} --no-replica" ;;
        workers[0-9]-replica|workers[0-9][0-9]-replica) n=${config#workers}; echo "--workers ${n%-replica}" ;;
        workers[0-9]-replica-primary|workers[0-9][0-9]-replica-primary)
            n=${config#workers}; echo "--workers ${n%-replica-primary}" ;;
        *) die "unknown configuration $1" ;;
    esac
}

run_settings() {
    # crm_ext_analytics' settings "Read the Primary Only" (on for *-replica-primary*, else off) and
    # "Background Priority" (N for *-nice<N>, else its default)
    local read_primary=False nice=""
    case "$1" in *-replica-primary*) read_primary=True ;; esac
    case "$1" in
        *-nice[0-9]|*-nice1[0-9]) nice=${1##*-nice} ;;
        *-nice*) die "$1: -nice takes a whole number (0-19)" ;;
    esac
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d "$DB" -qAt >/dev/null <<SQL
DELETE FROM ir_config_parameter WHERE key IN ('crm_ext_analytics.read_primary', 'crm_ext_analytics.run_nice');
INSERT INTO ir_config_parameter (key, value, create_date, write_date)
SELECT 'crm_ext_analytics.read_primary', 'True', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
 WHERE '$read_primary' = 'True';
INSERT INTO ir_config_parameter (key, value, create_date, write_date)
SELECT 'crm_ext_analytics.run_nice', '$nice', now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
 WHERE '$nice' <> '';
SQL
}

stop_prod() { bash "$ROOT/scripts/prod.sh" stop >/dev/null 2>&1 || true; }
cleanup() { stop_prod; [ "$MODE" = smoke ] && drop_database; return 0; }
trap cleanup EXIT
trap 'exit 130' INT TERM

case "$MODE" in
smoke)
    prepare 5
    # workers = 2, no replica, no proxy: Odoo alone on a free port of its own
    port=$(( 20000 + $$ % 20000 ))
    conf="$OUT/odoo.conf"
    "$PY" - "$ROOT/deploy/odoo.prod.conf" "$conf" <<PYEOF
import configparser, sys
conf = configparser.ConfigParser(interpolation=None)
conf.read(sys.argv[1])
o = conf["options"]
del o["db_replica_host"], o["db_replica_port"]
o.update({"db_name": "$DB", "dbfilter": "^$DB\$", "addons_path": "$ODOO_ADDONS_PATH", "data_dir": "$STATE/data",
          "http_port": "$port", "gevent_port": "$((port + 1))", "workers": "2", "max_cron_threads": "0",
          "proxy_mode": "False", "logfile": "$OUT/odoo.log", "pidfile": "$OUT/odoo.pid"})
conf.write(open(sys.argv[2], "w"))
PYEOF
    (cd "$ROOT" && exec "$PY" "$(odoo_bin)" -c "$conf" </dev/null >>"$OUT/odoo.log" 2>&1) &
    odoo_pid=$!
    trap 'kill -TERM $odoo_pid 2>/dev/null; wait $odoo_pid 2>/dev/null; cleanup' EXIT
    for _ in $(seq 90); do curl -fsS -o /dev/null "http://127.0.0.1:$port/web/health" 2>/dev/null && break; sleep 1; done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/web/health" || die "the smoke server did not start ($OUT/odoo.log)"
    status=0
    locust_run smoke-u5 5 20 "http://127.0.0.1:$port" || status=1
    (cd "$ROOT" && "$PY" -m tests.load.report --smoke "$OUT/smoke-u5_stats.csv" "$status")
    exit $?
    ;;
load)
    IFS=, read -r -a config_list <<< "$CONFIGS"
    IFS=, read -r -a user_list <<< "$USERS"
    max_users=$(printf '%s\n' "${user_list[@]}" | sort -n | tail -n 1)
    for index in "${!config_list[@]}"; do
        config=${config_list[$index]}
        config_args "$config" >/dev/null
        # every configuration from the same data: the analytics job of a configuration would
        # otherwise follow the previous one's runs and have less to do (an incremental run a few
        # minutes after another: no basket, no churn model to train)
        [ "$index" = 0 ] || copy_database
        run_settings "$config"
        # shellcheck disable=SC2046
        bash "$ROOT/scripts/prod.sh" start --detach --no-prepare --db "$DB" $(config_args "$config") \
            > "$OUT/$config.prod.log" 2>&1 || { cat "$OUT/$config.prod.log"; die "starting $config failed"; }
        for users in "${user_list[@]}"; do
            prepare "$max_users" >/dev/null
            started=$(date -u '+%Y-%m-%d %H:%M:%S')
            if [ "$CRONS" = 1 ]; then
                # once the users have logged in and the workers have served their first requests
                # (tests/load/jobs.py leaves the same first seconds out of its comparison)
                say "$config, $users users, ${RUN_TIME} s (analytics and SLA/journey crons triggered ${JOB_DELAY} s in)"
                (sleep "$JOB_DELAY"; trigger_crons) &
                trigger=$!
            else
                say "$config, $users users, ${RUN_TIME} s (no cron triggered)"
                trigger=""
            fi
            locust_run "$config-u$users" "$users" "$RUN_TIME"
            [ -z "$trigger" ] || wait "$trigger"
            psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d "$DB" -qAt -F ' ' -c "SELECT 'analytics run ' || id,
                state, round(duration::numeric, 1) || ' s' FROM crm_ext_analytics_run WHERE date_start >= '$started'
                ORDER BY id" | tee "$OUT/$config-u$users.analytics.txt"
            # when each run of the job ran (tests/load/jobs.py: the users' pages during it and not)
            psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d "$DB" -qAt -F ' ' -c "SELECT id,
                extract(epoch FROM date_start AT TIME ZONE 'UTC'), extract(epoch FROM date_end AT TIME ZONE 'UTC')
                FROM crm_ext_analytics_run WHERE date_start >= '$started' AND date_end IS NOT NULL
                ORDER BY id" > "$OUT/$config-u$users.jobs.txt"
        done
        bash "$ROOT/scripts/prod.sh" status 2>&1 | tee -a "$OUT/$config.prod.log"
        stop_prod
    done
    (cd "$ROOT" && "$PY" -m tests.load.report "$OUT") | tee "$OUT/report.md"
    say "results in ${OUT#"$ROOT"/}"
    ;;
faults)
    prepare 50 >/dev/null
    (cd "$ROOT" && "$PY" -m tests.load.faults --database "$DB" --out "$OUT" --data "$DATA" \
        --locust "$LOCUST_VENV/bin/locust" --run-id "$RUN_ID" --seconds "$RUN_TIME" "${FAULT_ARGS[@]}") \
        | tee "$OUT/faults.md"
    exit "${PIPESTATUS[0]}"
    ;;
esac
