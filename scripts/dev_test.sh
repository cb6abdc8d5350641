#!/usr/bin/env bash
# Development loop (not CI): a kept database with the four modules and demo data, and
# pytest-odoo on the test files or node ids you name.
#   scripts/dev_test.sh [--db NAME] [--update MODULES] [--reinstall] [pytest args...]
#     --db NAME          database to use (default crm_ext_dev); created when missing
#     --update MODULES   update these modules (comma-separated, or "all") before testing
#     --reinstall        drop the database and install it again
# Example: scripts/dev_test.sh --update crm_ext_service addons/crm_ext_service/tests/test_sla.py -k breach
# The Odoo log of the run is in .state/logs/dev-<db>.log; its WARNING/ERROR lines are printed.
source "$(dirname "$0")/lib.sh"

# as make test: the demo data without the generated history (CRM_EXT_DEMO_HISTORY=1 keeps it)
export CRM_EXT_DEMO_HISTORY=${CRM_EXT_DEMO_HISTORY:-0}

DB=crm_ext_dev
UPDATE=""
REINSTALL=0
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --db) DB=$2; shift 2 ;;
        --update) UPDATE=$2; shift 2 ;;
        --reinstall) REINSTALL=1; shift ;;
        *) ARGS+=("$1"); shift ;;
    esac
done
[ "$UPDATE" = all ] && UPDATE=$MODULES

ensure_venv
find_odoo || { odoo_missing_message; exit 1; }
ensure_postgres
ensure_rtlcss

if [ "$REINSTALL" = 1 ] && db_exists "$DB"; then
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" "$DB"
    rm -rf "$STATE/data/filestore/$DB"
fi
if ! db_exists "$DB"; then
    say "installing the four modules with demo data into $DB"
    odoo_cmd "$DB" -i "$MODULES" --stop-after-init --no-http --log-level=warn \
        > "$STATE/logs/dev-install-$DB.log" 2>&1 || { tail -n 40 "$STATE/logs/dev-install-$DB.log"; die "install failed"; }
    grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$STATE/logs/dev-install-$DB.log" | head -20 || true
elif [ -n "$UPDATE" ]; then
    say "updating $UPDATE in $DB"
    odoo_cmd "$DB" -u "$UPDATE" --stop-after-init --no-http --log-level=warn \
        > "$STATE/logs/dev-update-$DB.log" 2>&1 || { tail -n 40 "$STATE/logs/dev-update-$DB.log"; die "update failed"; }
    grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$STATE/logs/dev-update-$DB.log" | head -20 || true
fi
[ ${#ARGS[@]} -gt 0 ] || exit 0

LOG="$STATE/logs/dev-$DB.log"
rm -f "$LOG"
cd "$ROOT"
status=0
"$PY" -m pytest -q -ra -p no:cacheprovider --odoo-database="$DB" --odoo-config="$ROOT/odoo.conf" \
    --odoo-addons-path="$ODOO_ADDONS_PATH" --odoo-http --odoo-log-level=warn \
    "--odoo-extra=logfile=$LOG" "--odoo-extra=db-filter=^$DB\$" "${ARGS[@]}" || status=$?
if [ -f "$LOG" ] && grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$LOG"; then
    say "WARNING/ERROR lines in the Odoo log ($LOG):"
    grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (WARNING|ERROR|CRITICAL) ' "$LOG" | head -30
fi
exit $status
