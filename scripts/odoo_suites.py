#!/usr/bin/env python3
"""Odoo's own test suites of the modules crm_ext extends, run with crm_ext installed (issue 14).

The phase of ``make test`` runs them with pytest-odoo on the test database (the four add-ons
and demo data), with the whole registry loaded: Odoo's own runner (``odoo-bin --test-tags``)
runs a module's at_install tests while the registry holds only that module and its
dependencies, before crm_ext is loaded, so it would never see crm_ext's changes.

``tests/odoo_suites/known_failures.txt`` lists the tests that fail in this environment
*without* crm_ext, each with its reason. The phase fails when any other test fails, and when a
listed test passes or no longer runs (so the list stays true). ``--recompute`` builds a
database with the same Odoo modules (and demo data) but no crm_ext, runs the same suites
there and rewrites the list, keeping the reasons already written.

    scripts/odoo_suites.py --db DB [--addons-path P]       # the phase alone, on DB
    scripts/odoo_suites.py --recompute [--addons-path P]  # the list, on a new database

Both print one line per unexpected result. No Odoo import: everything runs in subprocesses.
"""

import argparse
import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / ".state" / "logs"
KNOWN_FAILURES = ROOT / "tests" / "odoo_suites" / "known_failures.txt"
PY = sys.executable

sys.path.insert(0, str(ROOT / "scripts"))
from harness import psql, release_database  # noqa: E402

# Odoo's tests run, relative to Odoo's add-ons directory: the suites of the modules crm_ext
# depends on that carry its changes (leads, quotations and orders, deliveries, portal, UTM,
# ratings, mailings and SMS), stock's picking tours and returns, and account's customer
# invoice, credit note, payment and reconciliation tests (828 tests).
SUITES = [
    "crm/tests",
    "sale_crm/tests",
    "sale_management/tests",
    "sale/tests",
    "sale_stock/tests",
    "portal/tests",
    "utm/tests",
    "rating/tests",
    "mass_mailing/tests",
    "mass_mailing_sms/tests",
    "stock/tests/test_picking_tours.py",
    "stock/tests/test_stock_return_picking.py",
    "account/tests/test_account_move_out_invoice.py",
    "account/tests/test_account_move_out_refund.py",
    "account/tests/test_account_payment_register.py",
    "account/tests/test_account_move_reconcile.py",
]

HEADER = """\
# Odoo's own tests that fail in this environment WITHOUT crm_ext (a database with the same
# Odoo modules and demo data, no crm_ext add-on), each with its reason. The Odoo-suites phase
# of `make test` (scripts/odoo_suites.py) fails when a test not listed here fails, and when a
# listed test passes or no longer runs. Recompute with `make test ARGS=--recompute-odoo-known-failures`
# (reasons already written are kept; write the reason of any new line by hand).
# Format: <module>/tests/<file>.py::<Class>::<test>  <reason>
"""


# --- pure helpers (tested in tests/pure/test_odoo_suites.py) -----------------------------


def parse_known(text):
    """{test id: reason} from the known-failures file's text."""
    known = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        test_id, _sep, reason = line.partition(" ")
        known[test_id] = reason.strip()
    return known


def format_known(known):
    """The known-failures file's text for {test id: reason}, sorted by test id."""
    lines = [f"{test_id}  {reason}".rstrip() for test_id, reason in sorted(known.items())]
    return HEADER + "\n".join(lines) + ("\n" if lines else "")


def compare(outcomes, known):
    """(unexpected failures {id: message}, listed tests that passed [ids], listed tests not run
    [ids]) of a run's outcomes {id: (outcome, message)} against the known failures."""
    unexpected = {
        test_id: message
        for test_id, (outcome, message) in sorted(outcomes.items())
        if outcome == "failed" and test_id not in known
    }
    passing = sorted(t for t in known if t in outcomes and outcomes[t][0] != "failed")
    missing = sorted(t for t in known if t not in outcomes)
    return unexpected, passing, missing


def recomputed(outcomes, previous):
    """{id: reason} of the failures of a run without crm_ext; reasons already written are kept,
    new ones get the failure's message, marked to be explained."""
    return {
        test_id: previous.get(test_id) or f"TO EXPLAIN: {message}"
        for test_id, (outcome, message) in outcomes.items()
        if outcome == "failed"
    }


def merge_rerun(outcomes, again, ids):
    """(outcomes, flaky ids): the tests ``ids`` that failed in the run and passed when run
    again alone count as passed, their message saying so."""
    flaky = sorted(t for t in ids if again.get(t, ("failed", ""))[0] == "passed")
    merged = dict(outcomes)
    for test_id in flaky:
        merged[test_id] = ("passed", f"passed when run again alone (first: {outcomes[test_id][1]})")
    return merged, flaky


def odoo_dependencies(addons_dir=ROOT / "addons"):
    """The Odoo modules the crm_ext add-ons depend on directly (not crm_ext's own)."""
    modules = set()
    for manifest in sorted(Path(addons_dir).glob("*/__manifest__.py")):
        modules.update(ast.literal_eval(manifest.read_text()).get("depends", []))
    return sorted(m for m in modules if not m.startswith("crm_ext"))


# --- running -------------------------------------------------------------------------------


def odoo_addons_dir(addons_path):
    for entry in addons_path.split(","):
        if (Path(entry) / "crm" / "__manifest__.py").exists():
            return Path(entry)
    raise SystemExit(f"Odoo's crm add-on is not on the add-ons path {addons_path!r}")


def run_suites(db, addons_path, label, suites=None):
    """Runs the suites (default: SUITES) on ``db``.

    Returns ({test id: (outcome, message)} or None when pytest wrote no report, seconds, exit code).
    """
    LOGS.mkdir(parents=True, exist_ok=True)
    report = LOGS / f"odoo-suites-{label}-{os.getpid()}.json"
    report.unlink(missing_ok=True)
    log = LOGS / f"odoo-suites-{label}-{db}.log"
    log.unlink(missing_ok=True)
    base = odoo_addons_dir(addons_path)
    cmd = [
        PY, "-m", "pytest", "-q", "--durations=30", "-p", "no:cacheprovider",
        "-p", "tests.odoo_suites.plugin",
        f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
        f"--odoo-database={db}", f"--odoo-config={ROOT / 'odoo.conf'}",
        f"--odoo-addons-path={addons_path}", "--odoo-http", "--odoo-log-level=warn",
        f"--odoo-extra=logfile={log}", f"--odoo-extra=db-filter=^{db}$",
        *[str(base / suite) for suite in suites or SUITES],
    ]  # fmt: skip
    started = time.monotonic()
    output = LOGS / f"odoo-suites-{label}-{db}.pytest.txt"
    with open(output, "w") as out:
        result = subprocess.run(
            cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "CRM_EXT_ODOO_SUITES_REPORT": str(report)},
        )  # fmt: skip
    seconds = time.monotonic() - started
    if not report.exists():
        print(f"  pytest wrote no report (exit code {result.returncode}); see {output.relative_to(ROOT)}")
        return None, seconds, result.returncode
    outcomes = {test_id: tuple(value) for test_id, value in json.loads(report.read_text()).items()}
    return outcomes, seconds, result.returncode


# Failures are run a second time, alone: a browser tour step can time out on a loaded machine
# (sale's mail_attachment_removal_tour failed once in a full run here and passes alone).
# More failures than this are no flake: they are not run again.
MAX_RERUN = 20


def rerun_failures(db, addons_path, label, outcomes, ids):
    """Runs the failed tests ``ids`` again; returns (outcomes, flaky ids) as merge_rerun."""
    if not ids or len(ids) > MAX_RERUN:
        return outcomes, []
    print(f"  running {len(ids)} failed test(s) again, alone", flush=True)
    again, _seconds, _code = run_suites(db, addons_path, f"{label}-rerun", sorted(ids))
    if again is None:
        return outcomes, []
    merged, flaky = merge_rerun(outcomes, again, ids)
    for test_id in flaky:
        print(f"  FLAKY (failed in the run, passed alone): {test_id}: {outcomes[test_id][1]}")
    return merged, flaky


def phase(db, addons_path, suites=None):
    """The phase on ``db``: (passed, failed, skipped, note). ``suites`` (development: some of
    SUITES, or single files) restricts the known failures checked to the tests run."""
    known = parse_known(KNOWN_FAILURES.read_text()) if KNOWN_FAILURES.exists() else {}
    if suites:
        known = {t: r for t, r in known.items() if any(t.startswith(s) for s in suites)}
    started = time.monotonic()
    outcomes, seconds, code = run_suites(db, addons_path, "crm_ext", suites)
    if outcomes is None:
        return 0, 1, 0, f"pytest did not run (exit code {code}), {seconds:.0f} s"
    unexpected, _passing, _missing = compare(outcomes, known)
    outcomes, flaky = rerun_failures(db, addons_path, "crm_ext", outcomes, list(unexpected))
    seconds = time.monotonic() - started
    unexpected, passing, missing = compare(outcomes, known)
    for test_id, message in unexpected.items():
        print(f"  FAILED (not a known failure) {test_id}: {message}")
    for test_id in passing:
        print(f"  PASSED but listed as a known failure (update {KNOWN_FAILURES.name}): {test_id}")
    for test_id in missing:
        print(f"  NOT RUN but listed as a known failure (update {KNOWN_FAILURES.name}): {test_id}")
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for test_id, (outcome, message) in sorted(outcomes.items()):
        counts[outcome] += 1
        if outcome == "skipped":  # skipped by Odoo itself (e.g. needs an Enterprise module)
            print(f"  skipped by Odoo: {test_id}: {message}")
    expected_failures = counts["failed"] - len(unexpected)
    failed = len(unexpected) + len(passing) + len(missing)
    print(f"  {len(outcomes)} Odoo tests in {seconds:.0f} s: {counts['passed']} passed, "
          f"{expected_failures} known failures, {len(unexpected)} unexpected failures, "
          f"{counts['skipped']} skipped")  # fmt: skip
    note = f"{seconds:.0f} s, {expected_failures} known failures ({KNOWN_FAILURES.relative_to(ROOT)})"
    if flaky:
        note += f", {len(flaky)} passed when run again"
    return counts["passed"] + expected_failures, failed, counts["skipped"], note


def recompute(addons_path, keep_db=False, suites=None, db=None):
    """Installs the Odoo modules crm_ext depends on (demo data) into a new database, runs the
    suites there and rewrites the known-failures file. Returns the process exit code."""
    db = db or f"crm_ext_odoo_base_{os.getpid()}"
    modules = odoo_dependencies()
    psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    try:
        print(f"installing {', '.join(modules)} (demo data, no crm_ext) into {db}", flush=True)
        log = LOGS / f"odoo-suites-install-{db}.log"
        LOGS.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        result = subprocess.run(
            [PY, "-m", "odoo", "-c", str(ROOT / "odoo.conf"), "--addons-path", addons_path,
             "-d", db, "--db-filter", f"^{db}$", "-i", ",".join(modules), "--stop-after-init",
             "--no-http", "--log-level=warn", f"--logfile={log}"],
            cwd=ROOT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        print(f"  install took {time.monotonic() - started:.0f} s, exit code {result.returncode}")
        if result.returncode:
            return 1
        outcomes, seconds, code = run_suites(db, addons_path, "base", suites)
        if outcomes is None:
            return 1
        failed = [t for t, (outcome, _message) in outcomes.items() if outcome == "failed"]
        outcomes, _flaky = rerun_failures(db, addons_path, "base", outcomes, failed)
        previous = parse_known(KNOWN_FAILURES.read_text()) if KNOWN_FAILURES.exists() else {}
        if suites:  # only the tests of the suites run are recomputed
            kept = {t: r for t, r in previous.items() if not any(t.startswith(s) for s in suites)}
        else:
            kept = {}
        known = {**kept, **recomputed(outcomes, previous)}
        KNOWN_FAILURES.parent.mkdir(parents=True, exist_ok=True)
        KNOWN_FAILURES.write_text(format_known(known))
        print(f"  {len(outcomes)} Odoo tests in {seconds:.0f} s without crm_ext: {len(known)} failed; "
              f"{KNOWN_FAILURES.relative_to(ROOT)} rewritten")  # fmt: skip
        for test_id in sorted(set(previous) - set(known)):
            print(f"  no longer failing without crm_ext, removed: {test_id}")
        for test_id in sorted(set(known) - set(previous)):
            print(f"  new, explain it: {test_id}")
        return 0
    finally:
        release_database(db, keep_db, ROOT)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="run the phase on this database (crm_ext installed)")
    parser.add_argument("--recompute", action="store_true", help="rewrite the known failures")
    parser.add_argument("--keep-db", action="store_true", help="keep the database of --recompute")
    parser.add_argument("--base-db", help="name of the database --recompute makes (dropped first)")
    parser.add_argument("--addons-path", default=os.environ.get("CRM_EXT_ODOO_ADDONS_PATH", ""))
    parser.add_argument(
        "--suite",
        action="append",
        help="development: run this suite or file only (relative to Odoo's add-ons)",
    )
    args = parser.parse_args()
    if not args.addons_path:
        parser.error("no add-ons path: give --addons-path or set CRM_EXT_ODOO_ADDONS_PATH")
    if args.recompute:
        return recompute(args.addons_path, args.keep_db, args.suite, args.base_db)
    if not args.db:
        parser.error("give --db or --recompute")
    passed, failed, skipped, note = phase(args.db, args.addons_path, args.suite)
    print(f"odoo suites: {passed} passed, {failed} failed, {skipped} skipped ({note})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
