#!/usr/bin/env bash
# make test: static checks, pure-Python tests, then every Odoo test on a fresh
# throw-away database with the four modules; ends with one summary line.
source "$(dirname "$0")/lib.sh"

ensure_venv
if find_odoo; then
    ensure_postgres
    ensure_chromium
    ensure_rtlcss
    export CRM_EXT_ODOO_ADDONS_PATH="$ODOO_ADDONS_PATH"
else
    odoo_missing_message
    export CRM_EXT_ODOO_ADDONS_PATH=""
fi
exec "$PY" "$ROOT/scripts/run_tests.py" "$@"
