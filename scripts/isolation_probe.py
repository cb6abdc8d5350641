#!/usr/bin/env python3
"""Checks the isolation matrix (tests/isolation/matrix.py) on a database with the demo data, over
XML-RPC, as each role's demo user (login = password = demo_ + the role's name; crm_ext_analytics' demo).

    .venv/bin/python scripts/isolation_probe.py --db crm_ext            # starts Odoo on a free port
    .venv/bin/python scripts/isolation_probe.py --url http://127.0.0.1:8069 --db crm_ext

For every model of the table it takes one record of each company (searched as admin), and each
role's user tries on it what the calls of the web client would: read (search_read of its id),
write (one field, its own value again: WRITE_FIELDS), delete, create (an empty create: only where
the table refuses the role any create of the model, so that the access rights must refuse it
before any value is checked). The own-company cells that depend on who owns the record
(OWNERSHIP) and the wizards are left to the matrix test. Prints a table of violations (the server
allowed what the table refuses; a delete that went through is listed too: the record is gone; the
cells of PENDING, which other fixes of issue 13 change, are marked) and of refusals the table does
not expect, and exits 1 on any violation. A deletion is only tried
where the table refuses it.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.isolation.matrix import OPERATIONS, OWNERSHIP, PENDING, ROLES, WRITE_FIELDS, parse  # noqa: E402

ADMIN = ("admin", "admin")
# the demo users' logins: "demo_" + the role (Odoo's own tests create users named "employee",
# "portal"..., so the demo's logins must not be bare role names); the second demo company's
# users: + "_2" (when they exist)
LOGIN_PREFIX = "demo_"
SECOND = "_2"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db, port):
    addons = subprocess.run(
        [
            "bash",
            "-c",
            f'source "{ROOT}/scripts/lib.sh" >/dev/null && find_odoo >/dev/null && echo "$ODOO_ADDONS_PATH"',
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    log = ROOT / ".state" / "logs" / f"isolation-probe-{db}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    python = ROOT / ".venv" / "bin" / "python"
    server = subprocess.Popen(
        [str(python), "-m", "odoo", "-c", str(ROOT / "odoo.conf"), "--addons-path", addons, "-d", db,
         "--db-filter", f"^{db}$", "--http-port", str(port), "--http-interface", "127.0.0.1",
         "--workers", "0", "--max-cron-threads", "0", "--logfile", str(log), "--log-level", "warn"],
        cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        if server.poll() is not None:
            raise SystemExit(f"Odoo stopped while starting; see {log}")
        try:
            xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").version()
            return server, url
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"Odoo did not answer on {url}; see {log}")


class Session:
    def __init__(self, url, db, login, password):
        self.db, self.password = db, password
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, login, password, {})
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, self.password, model, method, list(args), kwargs)


def attempt(call):
    """'allowed', 'refused' (AccessError) or the error's first line."""
    try:
        result = call()
    except xmlrpc.client.Fault as fault:
        if fault.faultCode in (3, 4):  # Odoo's RPC codes for AccessDenied and AccessError
            return "refused"
        lines = [line for line in fault.faultString.strip().splitlines() if line.strip()]
        return f"error: {lines[-1][:120] if lines else fault.faultCode}"
    return "allowed" if result is not False else "refused"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--url", help="a running server (default: start one on a free port)")
    args = parser.parse_args(argv)
    server = None
    url = args.url
    if not url:
        server, url = start_server(args.db, free_port())
    try:
        return probe(url, args.db)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=60)


def probe(url, db):
    matrix = parse()
    admin = Session(url, db, *ADMIN)
    if not admin.uid:
        raise SystemExit("admin/admin cannot log in")
    companies = admin.call("res.company", "search", [], order="id")
    sessions = {}  # (role, company id) -> Session
    for role in ROLES:
        for login in (LOGIN_PREFIX + role, LOGIN_PREFIX + role + SECOND):
            session = Session(url, db, login, login)
            if session.uid:
                company = admin.call("res.users", "read", [session.uid], ["company_id"])[0]["company_id"][0]
                sessions[(role, company)] = session
    missing = [role for role in ROLES if not any(key[0] == role for key in sessions)]
    if missing:
        raise SystemExit(f"no demo user for the roles {missing} (login = password = demo_ + the role)")
    violations, unexpected, inconclusive, checked = [], [], [], 0
    for model, scopes in sorted(matrix.items()):
        if admin.call("ir.model", "search_count", [("model", "=", model), ("transient", "=", True)]):
            continue  # wizards: the matrix test checks them
        fields = admin.call(model, "fields_get", attributes=["type", "store"])
        has_company = "company_id" in fields and fields["company_id"]["store"]
        field = WRITE_FIELDS.get(model) or next(
            (name for name in ("name", "summary") if name in fields and fields[name]["store"]), None
        )
        for (role, company), session in sorted(sessions.items()):
            for scope, cells in scopes.items():
                if scope == "own" and role in OWNERSHIP.get(model, []):
                    continue
                target = (
                    company if scope in ("own", "all") else next((c for c in companies if c != company), None)
                )
                domain = [("company_id", "=", target)] if has_company and scope != "all" else []
                if scope == "all" and model == "res.company":
                    domain = [("id", "=", company)]
                # a record whose written field has a value, when there is one
                filled = [(field, "!=", False)] if field and fields[field]["type"] != "one2many" else []
                ids = admin.call(model, "search", domain + filled, limit=1, context={"active_test": False})
                ids = ids or admin.call(model, "search", domain, limit=1, context={"active_test": False})
                if not ids:
                    continue
                record_id = ids[0]
                cell = cells[role]
                read = [("id", "=", record_id)], ["id"]
                results = {
                    "r": attempt(lambda s=session, m=model, a=read: bool(s.call(m, "search_read", *a)))
                }
                if field:
                    value = admin.call(model, "read", [record_id], [field])[0][field]
                    if fields[field]["type"] == "many2one":
                        value = value and value[0]
                    elif fields[field]["type"] in ("one2many", "many2many"):
                        value = [(6, 0, value)]
                    write = [record_id], {field: value}
                    results["w"] = attempt(lambda s=session, m=model, a=write: s.call(m, "write", *a))
                if cell[3] == "-":
                    results["d"] = attempt(lambda s=session, m=model, i=record_id: s.call(m, "unlink", [i]))
                if all(scope_cells[role][1] == "-" for scope_cells in scopes.values()):
                    results["c"] = attempt(lambda s=session, m=model: s.call(m, "create", {}))
                for letter, result in results.items():
                    checked += 1
                    allowed = cell["rcwd".index(letter)] == letter
                    pending = PENDING.get((model, role, scope, OPERATIONS[letter]))
                    row = (
                        model,
                        role,
                        company,
                        scope,
                        letter,
                        result + (f" (PENDING: {pending})" if pending else ""),
                    )
                    if result == "allowed" and not allowed:
                        violations.append(row)
                    elif result.startswith("error") and letter == "c":
                        inconclusive.append(row)  # refused, but by a check of the values before the rights
                    elif result != "allowed" and allowed:
                        unexpected.append(row)
    header = f"{'model':32} {'role':11} {'co':>3} {'scope':5} {'op':2} result"
    print(f"isolation probe of {db}: {checked} cells checked, {len(sessions)} users, {len(matrix)} models")
    titles = {
        "VIOLATIONS (the table refuses, the server allowed)": violations,
        "refused although the table allows (check the demo data or the table)": unexpected,
        "empty create refused by a check of its values before the rights (nothing made)": inconclusive,
    }
    for title, rows in titles.items():
        print(f"\n{title}: {len(rows)}")
        if rows:
            print(header)
            for model, role, company, scope, letter, result in rows:
                print(f"{model:32} {role:11} {company:>3} {scope:5} {letter:2} {result}")
    return 1 if violations else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
