#!/usr/bin/env bash
# make run: venv, Odoo, PostgreSQL, a demo database with the four modules, and the
# web client on http://localhost:8069 (admin / admin).
#   scripts/run.sh           reuse the database; update the modules when they changed
#   scripts/run.sh --reset   drop the database and build it again from scratch
#   scripts/run.sh --no-serve  prepare everything, do not start the server
source "$(dirname "$0")/lib.sh"

RESET=0
SERVE=1
for arg in "$@"; do
    case "$arg" in
        --reset) RESET=1 ;;
        --no-serve) SERVE=0 ;;
        *) die "unknown option $arg (use --reset or --no-serve)" ;;
    esac
done
DB=${CRM_EXT_DB:-crm_ext}

ensure_venv
find_odoo || { odoo_missing_message; exit 1; }
ensure_postgres
ensure_rtlcss

stamp="$STATE/$DB.addons.sha256"
if [ "$RESET" = 1 ] && db_exists "$DB"; then
    say "dropping database $DB"
    dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" "$DB"
    rm -rf "$STATE/data/filestore/$DB" "$stamp"
fi
if ! db_exists "$DB"; then
    say "creating database $DB with the four modules and demo data (about 3 minutes)"
    odoo_cmd "$DB" -i "$MODULES" --stop-after-init --no-http --log-level=warn \
        > "$STATE/logs/install-$DB.log" 2>&1 || { tail -n 40 "$STATE/logs/install-$DB.log"; die "installing the modules failed (log: .state/logs/install-$DB.log)"; }
    addons_hash > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$(addons_hash)" ]; then
    say "the add-ons changed: updating them in $DB"
    odoo_cmd "$DB" -u "$MODULES" --stop-after-init --no-http --log-level=warn \
        > "$STATE/logs/update-$DB.log" 2>&1 || { tail -n 40 "$STATE/logs/update-$DB.log"; die "updating the modules failed (log: .state/logs/update-$DB.log)"; }
    addons_hash > "$stamp"
else
    say "database $DB is up to date"
fi

if [ "$SERVE" = 1 ]; then
    say "serving http://localhost:8069 (login admin, password admin); Ctrl-C stops"
    odoo_cmd "$DB"
fi
