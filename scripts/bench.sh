#!/usr/bin/env bash
# make bench: a benchmark database with the four modules, filled by the data generator,
# then the benchmark runner (figures and ratios against baselines of the same run).
#   scripts/bench.sh [small|large] [benchmark names...]   (default: small, all benchmarks)
#   CRM_EXT_BENCH_RESET=1 scripts/bench.sh large           rebuild the database first
#   CRM_EXT_BENCH_DB=NAME scripts/bench.sh small            another database name
source "$(dirname "$0")/lib.sh"

SIZE=small
case "${1:-}" in small|large) SIZE=$1; shift ;; esac
DB="${CRM_EXT_BENCH_DB:-crm_ext_bench_$SIZE}"

ensure_venv
find_odoo || { odoo_missing_message; exit 1; }
ensure_postgres

if [ "${CRM_EXT_BENCH_RESET:-0}" = 1 ] && db_exists "$DB"; then
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" "$DB"
fi
stamp="$STATE/$DB.addons.sha256"
if ! db_exists "$DB"; then
    say "creating $DB with the four modules"
    odoo_cmd "$DB" -i "$MODULES" --stop-after-init --no-http --log-level=warn \
        > "$STATE/logs/bench-install-$SIZE.log" 2>&1 || die "install failed (.state/logs/bench-install-$SIZE.log)"
    addons_hash > "$stamp"
    say "generating the $SIZE data set"
    (cd "$ROOT" && "$PY" -m tests.benchmarks.generate --database "$DB" --size "$SIZE" \
        --addons-path "$ODOO_ADDONS_PATH") || die "the data generator failed"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$(addons_hash)" ]; then
    say "the add-ons changed: updating them in $DB"
    odoo_cmd "$DB" -u "$MODULES" --stop-after-init --no-http --log-level=warn \
        > "$STATE/logs/bench-update-$SIZE.log" 2>&1 || die "update failed (.state/logs/bench-update-$SIZE.log)"
    addons_hash > "$stamp"
fi
cd "$ROOT" && exec "$PY" -m tests.benchmarks.run --database "$DB" --addons-path "$ODOO_ADDONS_PATH" "$@"
