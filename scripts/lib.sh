# shellcheck shell=bash
# Shared helpers for scripts/run.sh and scripts/test.sh. Source it; do not run it.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STATE="$ROOT/.state"
ODOO_SRC=${ODOO_SRC:-/opt/odoo/18.0}
ODOO_GIT_URL=${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}
PG_HOST=127.0.0.1
PG_PORT=5432
PG_ROLE=odoo
MODULES=crm_ext_sales,crm_ext_marketing,crm_ext_service,crm_ext_analytics
mkdir -p "$STATE/logs" "$STATE/data"

say() { printf '[crm_ext] %s\n' "$*" >&2; }
die() { printf '\n[crm_ext] ERROR: %s\n\n' "$*" >&2; exit 1; }

# Installs requirements.txt at the versions of requirements.lock (pip constraints: a package
# requirements.txt names that the lock lacks still installs, and the static checks report the
# stale lock). pip, wheel and setuptools come from the lock too (setuptools < 81: some of
# Odoo's pinned dependencies, python-stdnum and passlib, import pkg_resources).
ensure_venv() {
    local stamp="$VENV/.requirements.sha256" want
    want=$(cat "$ROOT/requirements.txt" "$ROOT/requirements.lock" | sha256sum | cut -d' ' -f1)
    if [ ! -x "$PY" ]; then
        say "creating the virtualenv in .venv"
        python3 -m venv "$VENV"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing requirements.txt at the versions of requirements.lock into .venv (a few minutes the first time)"
        "$PY" -m pip install --quiet --disable-pip-version-check -c "$ROOT/requirements.lock" pip wheel setuptools
        "$PY" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt" \
            -c "$ROOT/requirements.lock"
        echo "$want" > "$stamp"
    fi
}

_site_packages() { "$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }

# Finds Odoo 18 and makes it importable from the venv. Order: an importable odoo
# (venv, then the system python3); a source tree at $ODOO_SRC; a shallow clone of
# the official 18.0 branch into .odoo-src/. Sets ODOO_ADDONS_PATH. Returns 1 when
# no Odoo can be had (callers decide whether that is fatal).
find_odoo() {
    local pth found=""
    pth="$(_site_packages)/crm_ext_odoo.pth"
    # The .pth file holds the Odoo source path an earlier run chose. An Odoo importable only
    # through it does not count as "already importable": the search below runs again. The file
    # is rewritten in one move and only when the path changes, never removed first, so that
    # another run sharing this virtualenv never sees Odoo disappear half-way through.
    local ours importable=""
    ours=$(cat "$pth" 2>/dev/null || true)
    local probe='import odoo.release as r, os; assert r.version_info[:2] == (18, 0), r.version; print(os.path.dirname(os.path.dirname(os.path.abspath(r.__file__))))'
    importable=$("$PY" -c "$probe" 2>/dev/null || true)
    if [ -n "$importable" ] && [ "$importable" != "$ours" ]; then
        found=$importable
        say "Odoo 18.0 already importable in the venv (from $found)"
    elif command -v python3 >/dev/null && python3 -c "$probe" >/dev/null 2>&1; then
        found=$(python3 -c "$probe")
        say "Odoo 18.0 importable by the system python3 (from $found)"
    elif [ -f "$ODOO_SRC/odoo-bin" ] && [ -d "$ODOO_SRC/odoo" ]; then
        found=$ODOO_SRC
        say "Odoo 18.0 source tree at $found"
    elif [ -f "$ROOT/.odoo-src/odoo-bin" ]; then
        found="$ROOT/.odoo-src"
        say "Odoo 18.0 source tree cloned earlier in .odoo-src"
    else
        say "no Odoo found; trying a shallow clone of the 18.0 branch into .odoo-src"
        if git clone --quiet --depth 1 --branch 18.0 "$ODOO_GIT_URL" "$ROOT/.odoo-src.tmp" 2>"$STATE/logs/clone.log"; then
            mv "$ROOT/.odoo-src.tmp" "$ROOT/.odoo-src"
            found="$ROOT/.odoo-src"
        else
            rm -rf "$ROOT/.odoo-src.tmp"
            return 1
        fi
    fi
    if [ "$(cat "$pth" 2>/dev/null)" != "$found" ]; then
        echo "$found" > "$pth.$$" && mv -f "$pth.$$" "$pth"
    fi
    "$PY" -c "$probe" >/dev/null 2>&1 || { rm -f "$pth"; return 1; }
    ODOO_ADDONS_PATH=$("$PY" - "$ROOT/addons" <<'PYEOF'
import os, sys
import odoo
base = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(os.path.dirname(base), "addons"), os.path.join(base, "addons"), sys.argv[1]]
print(",".join(p for p in paths if os.path.isdir(p)))
PYEOF
)
    export ODOO_ADDONS_PATH
    echo "$ODOO_ADDONS_PATH" > "$STATE/addons_path"
}

odoo_missing_message() {
    cat >&2 <<MSG

[crm_ext] ERROR: Odoo 18.0 was not found and could not be cloned.
  Put an Odoo 18.0 source tree at /opt/odoo/18.0 (or point ODOO_SRC at one),
  or make 'odoo' importable by python3, or give this machine access to
  $ODOO_GIT_URL, then run the command again.

MSG
}

ensure_postgres() {
    if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
        local version
        version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
        [ -n "$version" ] || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT and no local cluster is installed"
        say "starting PostgreSQL $version"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        for _ in $(seq 30); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 1; done
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" || die "PostgreSQL did not start on $PG_HOST:$PG_PORT"
    fi
    if ! psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d postgres -tAc 'select 1' >/dev/null 2>&1; then
        say "creating the PostgreSQL role $PG_ROLE"
        local sql="CREATE ROLE $PG_ROLE LOGIN CREATEDB"
        psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -c "$sql" >/dev/null 2>&1 \
            || runuser -u postgres -- psql -d postgres -c "$sql" >/dev/null \
            || die "could not create the PostgreSQL role $PG_ROLE"
    fi
}

ensure_chromium() {
    local browser
    for browser in chromium chromium-browser google-chrome; do
        command -v "$browser" >/dev/null 2>&1 && return 0
    done
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing Chromium for the browser tours (Debian package chromium)"
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
            || say "could not install chromium: the browser tours will fail"
    else
        say "Chromium is missing and cannot be installed here: the browser tours will fail"
    fi
}

# rtlcss (npm) turns Odoo's style sheets right-to-left for Persian users; without it Odoo
# logs a WARNING on every right-to-left page and serves them left-to-right.
ensure_rtlcss() {
    command -v rtlcss >/dev/null 2>&1 && return 0
    if command -v npm >/dev/null 2>&1; then
        say "installing rtlcss for right-to-left (Persian) pages (npm package rtlcss)"
        npm install -g --silent rtlcss >/dev/null 2>&1 || say "could not install rtlcss: Persian pages stay left-to-right"
    else
        say "rtlcss is missing and npm is not here: Persian pages stay left-to-right"
    fi
}

# odoo_cmd DB [odoo options...]: Odoo with our config, addons path and database.
odoo_cmd() {
    local db=$1; shift
    (cd "$ROOT" && "$PY" -m odoo -c "$ROOT/odoo.conf" --addons-path "$ODOO_ADDONS_PATH" \
        -d "$db" --db-filter "^${db}\$" "$@")
}

# odoo_bin: the server script to run for prefork workers. `python -m odoo` cannot be used
# there: Odoo re-executes sys.argv[0] with `gevent` for the websocket process.
odoo_bin() {
    local root
    root=$("$PY" -c 'import odoo, os; print(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))))')
    if [ -f "$root/odoo-bin" ]; then
        echo "$root/odoo-bin"
    elif [ -x "$VENV/bin/odoo" ]; then
        echo "$VENV/bin/odoo"
    else
        die "found Odoo at $root but neither its odoo-bin nor an odoo command"
    fi
}

addons_hash() {
    (cd "$ROOT" && find addons -type f ! -path '*/__pycache__/*' -print0 | sort -z \
        | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
}

db_exists() {
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_ROLE" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1
}
