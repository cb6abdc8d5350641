"""Fault runs under load (``make faults``): each fault injected while Locust users work.

    python -m tests.load.faults --database DB --out DIR --data JSON --locust BIN --run-id ID
                                [--seconds 60] [--restart-postgres] [--only NAME ...]

Started by ``scripts/load.sh --faults``. Every fault runs the production shape
(``scripts/prod.sh``: workers = 2, the streaming replica, nginx) with 10 users for
``--seconds``, injects the fault a third of the way in and checks afterwards:

- ``worker-kill``: an HTTP worker serving a request gets SIGKILL (three times, 5 s apart).
  Odoo's master replaces it; only requests in flight fail (none later than 10 s after the
  last kill); no write is lost or doubled.
- ``postgres-restart``: the primary restarts (``--restart-postgres``, for a machine of
  one's own) or, by default, every connection to the load database is terminated (what
  Odoo sees of a restart, without stopping the other databases of a shared cluster). Odoo
  reconnects: no error in the last third of the run, no half-written ticket or invoice.
- ``replica-stop``: the replica stops. Read-only requests fall back to the primary (Odoo
  logs it); no error in the last third of the run. The replica is started again after.
- ``analytics-kill``: the analytics job starts in the cron worker, which gets SIGKILL
  inside the run of the company with the most customers, in its second stage or later (the
  worker found as the master's child that Odoo made nice 10). The respawned worker marks the
  run failed with the reason, the company's previous results are intact, and the company's
  next run succeeds.
- ``instance-kill``: two Odoo instances behind nginx; the second one (master, workers and
  gevent process) gets SIGKILL. nginx sends new requests to the first; the users keep their
  sessions (shared data_dir) and no write is lost or doubled.

Prints one Markdown table of the results; exit code 1 when a check fails.
"""

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
PROD = ROOT / ".state" / "prod"
FAULTS = ("worker-kill", "postgres-restart", "replica-stop", "analytics-kill", "instance-kill")
# the pools of tests/load/prepare.py whose records a user uses up (tests/load/locustfile.py's pool_take)
# crm_ext_analytics/models/crm_ext_analytics_run.py: the first key of the run lock of a company
RUN_LOCK_KEY = 0x43524D41
CONSUMED_POOLS = ("orders_to_invoice", "invoices_to_pay", "invoices_to_refund", "tickets")


class Fault:
    def __init__(self, args, name):
        self.args = args
        self.name = name
        self.run = f"{args.run_id}x{re.sub('[^A-Za-z0-9]', '', name)}"
        self.notes = []
        self.checks = []  # (description, passed)

    # ------------------------------------------------------------------ helpers

    def sql(self, query, params=(), db=None):
        with psycopg2.connect(
            host="127.0.0.1", port=5432, user="odoo", dbname=db or self.args.database
        ) as cnx:
            with cnx.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall() if cr.description else None

    def check(self, description, passed):
        self.checks.append((description, bool(passed)))

    def prod(self, *options, keep_replica=True):
        """scripts/prod.sh; between faults the replica keeps running (no new base backup)."""
        subprocess.run(
            ["bash", str(ROOT / "scripts/prod.sh"), *options],
            check=False,
            env={**os.environ, "CRM_EXT_KEEP_REPLICA": "1" if keep_replica else "0"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start_prod(self, *options):
        result = subprocess.run(
            [
                "bash",
                str(ROOT / "scripts/prod.sh"),
                "start",
                "--detach",
                "--no-prepare",
                "--db",
                self.args.database,
                "--workers",
                "2",
                *options,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode:
            raise RuntimeError(f"prod.sh failed: {result.stderr[-2000:]}")

    def fault_data(self):
        """The load data with this fault's own share of the pools that the users use up (orders
        to invoice, invoices to pay or refund, open tickets): the fault runs share one database,
        and a run must not pick what an earlier run already invoiced, paid or closed."""
        data = json.loads(Path(self.args.data).read_text())
        names = self.args.only or FAULTS
        index, count = names.index(self.name), len(names)
        for pool in CONSUMED_POOLS:
            data["pools"][pool] = data["pools"].get(pool, [])[index::count]
        path = Path(self.args.out) / f"fault-{self.name}.data.json"
        path.write_text(json.dumps(data))
        return str(path)

    def start_locust(self, users=10):
        env = {
            **os.environ,
            "CRM_EXT_LOAD_DATA": self.fault_data(),
            "CRM_EXT_LOAD_RUN": self.run,
            "CRM_EXT_LOAD_LEDGER": str(Path(self.args.out) / f"fault-{self.name}.ledger.json"),
        }
        log = open(Path(self.args.out) / f"fault-{self.name}.locust.log", "w")
        return subprocess.Popen(
            [
                self.args.locust,
                "-f",
                "locustfile.py",
                "--headless",
                "--host",
                "http://127.0.0.1:8080",
                "-u",
                str(users),
                "-r",
                str(users),
                "--run-time",
                f"{self.args.seconds}s",
                "--stop-timeout",
                "30",
                "--csv",
                str(Path(self.args.out) / f"fault-{self.name}"),
                "--csv-full-history",
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--exit-code-on-error",
                "0",
            ],
            cwd=ROOT / "tests" / "load",
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def errors_between(self, start, end):
        """Failed requests Locust counted between two wall-clock times (1 s resolution)."""
        path = Path(self.args.out) / f"fault-{self.name}_stats_history.csv"
        rows = [r for r in csv.DictReader(open(path)) if r["Name"] == "Aggregated"]
        before = [int(r["Total Failure Count"]) for r in rows if int(r["Timestamp"]) <= start]
        upto = [int(r["Total Failure Count"]) for r in rows if int(r["Timestamp"]) <= end]
        return (upto[-1] if upto else 0) - (before[-1] if before else 0)

    def totals(self):
        path = Path(self.args.out) / f"fault-{self.name}_stats.csv"
        agg = next(r for r in csv.DictReader(open(path)) if r["Name"] == "Aggregated")
        return int(agg["Request Count"]), int(agg["Failure Count"])

    def count_writes(self):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.load.count",
                "--database",
                self.args.database,
                "--ledger",
                str(Path(self.args.out) / f"fault-{self.name}.ledger.json"),
                "--run",
                self.run,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        (Path(self.args.out) / f"fault-{self.name}.count.txt").write_text(result.stdout)
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no ledger"
        self.notes.append(summary)
        self.check("every write the user saw succeed is stored exactly once", result.returncode == 0)

    def no_half_writes(self):
        tickets = self.sql(
            """SELECT count(*) FROM crm_ext_ticket t
                WHERE t.name LIKE %s AND (t.number IS NULL OR t.number = 'New' OR NOT EXISTS (
                      SELECT 1 FROM ir_attachment a
                       WHERE a.res_model = 'crm_ext.ticket' AND a.res_id = t.id))""",
            [f"LOAD-{self.run}-%"],
        )[0][0]
        moves = self.sql(
            """SELECT count(*) FROM account_move m WHERE m.ref LIKE %s AND m.state = 'posted'
                 AND (SELECT coalesce(sum(debit - credit), 1) FROM account_move_line l
                       WHERE l.move_id = m.id) <> 0""",
            [f"%LOAD-{self.run}-%"],
        )[0][0]
        self.check(
            "no ticket without its number or attachment, no unbalanced invoice", tickets == 0 and moves == 0
        )

    def http_pids(self, port=8170):
        out = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        master = int((PROD / "odoo-1.pid").read_text())
        return sorted({int(p) for p in re.findall(r"pid=(\d+)", out)} - {master})

    def children(self, pid):
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
        )
        return [int(p) for p in out.stdout.split()]

    # ------------------------------------------------------------------ the faults

    def run_fault(self):
        getattr(self, "fault_" + self.name.replace("-", "_"))()

    def under_load(self, inject, users=10, recover=10):
        """Starts Locust, calls ``inject()`` a third of the way in, waits for the end; returns
        (start, fault time, failures later than ``recover`` s after the fault). The fault time is
        when ``inject()`` returned (after the last of several kills), unless it returns the
        time itself."""
        locust = self.start_locust(users)
        started = time.time()
        time.sleep(self.args.seconds / 3)
        fault_at = inject() or time.time()
        locust.wait(timeout=self.args.seconds + 120)
        ended = time.time()
        requests, failures = self.totals()
        late = self.errors_between(int(fault_at + recover), int(ended))
        self.notes.append(
            f"{requests} requests, {failures} failed ({late} of them later than {recover} s after the fault)"
        )
        return started, fault_at, late

    def fault_worker_kill(self):
        self.start_prod()
        killed, last_kill = [], []

        def inject():
            for _ in range(3):
                for _ in range(50):  # a worker with a request in flight
                    pids = self.http_pids()
                    if pids:
                        os.kill(pids[0], signal.SIGKILL)
                        killed.append(pids[0])
                        last_kill[:] = [time.time()]
                        break
                    time.sleep(0.1)
                time.sleep(5)
            return last_kill[0] if last_kill else None

        _s, _f, late = self.under_load(inject)
        self.notes.append(f"killed workers {killed}")
        self.check("three HTTP workers killed mid-request", len(killed) == 3)
        self.check("no failure later than 10 s after the last kill", late == 0)
        master = int((PROD / "odoo-1.pid").read_text())
        self.check(
            "the master replaced them (2 HTTP workers, the cron worker and gevent again)",
            len(self.children(master)) >= 4,
        )
        self.count_writes()
        self.prod("stop")

    def fault_postgres_restart(self):
        self.start_prod()

        def inject():
            if self.args.restart_postgres:
                subprocess.run(
                    ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart", "-m", "fast"],
                    check=False,
                )
                self.notes.append("primary cluster restarted (pg_ctlcluster 15 main restart -m fast)")
            else:
                terminated = self.sql(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()) t",
                    [self.args.database],
                    db="postgres",
                )[0][0]
                self.notes.append(
                    f"{terminated} connections to {self.args.database} terminated (not a cluster restart)"
                )

        _s, _f, late = self.under_load(inject, recover=15)
        self.check("no failure later than 15 s after the restart", late == 0)
        self.no_half_writes()
        self.count_writes()
        self.prod("stop")

    def fault_replica_stop(self):
        self.start_prod()

        def inject():
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    "/usr/lib/postgresql/15/bin/pg_ctl",
                    "-D",
                    str(PROD / "replica"),
                    "-m",
                    "fast",
                    "-w",
                    "stop",
                ],
                check=False,
                stdout=subprocess.DEVNULL,
            )

        _s, _f, late = self.under_load(inject)
        log = (ROOT / ".state" / "logs" / "prod-odoo-1.log").read_text(errors="replace")
        self.check("Odoo fell back to the primary", "falling back to read-write cursor" in log)
        self.check("no failure later than 10 s after the replica stopped", late == 0)
        self.count_writes()
        self.prod("stop")

    def cron_worker(self):
        """The pid of the instance's cron worker: the master's child that Odoo's ``WorkerCron``
        made nice 10 (the HTTP workers and the gevent process keep 0). The connections' own
        ``application_name`` cannot tell: it is ``odoo-<pid of the master>`` in every worker,
        whose pools the master made before forking them."""
        master = int((PROD / "odoo-1.pid").read_text())
        out = subprocess.run(
            ["ps", "-o", "pid=,ni=", "--ppid", str(master)], capture_output=True, text=True, check=False
        ).stdout
        niced = [int(pid) for pid, nice in (line.split() for line in out.splitlines()) if nice == "10"]
        return niced[0] if len(niced) == 1 else None

    def run_under_way(self, runs_before, company_id):
        """(run id, company id, step) of the company's analytics run of this fault that is inside
        a stage after the first one, with the company's run lock held (by the cron worker)."""
        rows = self.sql(
            """SELECT p.run_ref, p.company_ref, p.step FROM crm_ext_analytics_run_progress p
                WHERE p.run_ref > %s AND p.company_ref = %s AND p.step >= 2
                  -- a run of this database (the lines of runs rolled back, e.g. by a benchmark, and
                  -- copied with the database, do not count)
                  AND EXISTS (SELECT 1 FROM crm_ext_analytics_run r WHERE r.id = p.run_ref)
                  AND EXISTS (
                      SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                         AND l.objsubid = 2 AND l.classid = %s AND l.objid = p.company_ref)
                ORDER BY p.run_ref DESC LIMIT 1""",
            [runs_before, company_id, RUN_LOCK_KEY],
        )
        return rows[0] if rows else None

    def rfm_digest(self, company_id):
        """A digest of a company's stored RFM, lifetime value and churn results."""
        return self.sql(
            """SELECT count(*), md5(string_agg(r::text, ',' ORDER BY r.id)) FROM crm_ext_customer_rfm r
                WHERE r.company_id = %s""",
            [company_id],
        )[0]

    def trigger_nightly_run(self):
        self.sql("""INSERT INTO ir_cron_trigger (cron_id, call_at)
                    SELECT res_id, now() AT TIME ZONE 'UTC' FROM ir_model_data
                     WHERE module = 'crm_ext_analytics' AND name = 'ir_cron_analytics_run'""")
        self.sql("NOTIFY cron_trigger, %s", [self.args.database])

    def wait_for(self, query, params, seconds):
        for _ in range(seconds):
            rows = self.sql(query, params)
            if rows:
                return rows
            time.sleep(1)
        return None

    def fault_analytics_kill(self):
        self.start_prod()
        runs_before = self.sql("SELECT coalesce(max(id), 0) FROM crm_ext_analytics_run")[0][0]
        companies = [row[0] for row in self.sql("SELECT id FROM res_company ORDER BY id")]
        digests = {company: self.rfm_digest(company) for company in companies}
        # the run killed is the company with the most customers: the longest run, killed well
        # inside it rather than in a run of a fraction of a second
        largest = max(companies, key=lambda company: digests[company][0])
        state = {}

        def inject():
            self.trigger_nightly_run()
            for _ in range(int(self.args.seconds * 40)):  # until its run is inside a stage
                under_way = self.run_under_way(runs_before, largest)
                worker = self.cron_worker()
                if under_way and worker:
                    os.kill(worker, signal.SIGKILL)
                    state.update(run=under_way[0], company=under_way[1], step=under_way[2], pid=worker)
                    return time.time()
                time.sleep(0.05)
            return None

        self.under_load(inject)
        self.check("the cron worker was killed inside a run's stage", "pid" in state)
        if "pid" not in state:
            self.prod("stop")
            return
        run, company = state["run"], state["company"]
        self.notes.append(
            f"cron worker {state['pid']} killed in stage {state['step']} of run {run} (company {company})"
        )
        # the respawned cron worker takes the queue again: the killed run is marked failed
        failed = self.wait_for(
            "SELECT state, log FROM crm_ext_analytics_run WHERE id = %s AND state = 'failed'", [run], 180
        )
        self.check(
            "the killed run shows failed, with the reason", failed and "without finishing" in failed[0][1]
        )
        self.check(
            "the company's previous results are intact after the kill",
            self.rfm_digest(company) == digests[company],
        )
        queued = self.wait_for(
            """SELECT 1 WHERE NOT EXISTS (
                      SELECT 1 FROM crm_ext_analytics_run WHERE state IN ('queued', 'running'))""",
            [],
            300,
        )
        self.check("every other queued run ended", queued)
        self.trigger_nightly_run()
        done = self.wait_for(
            """SELECT id, duration FROM crm_ext_analytics_run
                WHERE id > %s AND company_id = %s AND state = 'done'""",
            [run, company],
            300,
        )
        self.check("the next run of the company succeeds", done)
        if done:
            self.notes.append(f"next run {done[0][0]} of the company done in {done[0][1]:.1f} s")
        runs = self.sql(
            "SELECT id, state FROM crm_ext_analytics_run WHERE id > %s ORDER BY id", [runs_before]
        )
        self.notes.append(f"runs since the fault's start: {runs}")
        self.prod("stop")

    def fault_instance_kill(self):
        self.start_prod("--instances", "2")
        state = {}

        def inject():
            master = int((PROD / "odoo-2.pid").read_text())
            pids = self.children(master)
            for pid in [master, *pids]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            state["killed"] = [master, *pids]

        _s, _f, late = self.under_load(inject)
        self.notes.append(f"instance 2 killed: {state.get('killed')}")
        self.check(
            "no failure later than 10 s after the kill (sessions kept: no login asked again)", late == 0
        )
        self.count_writes()
        self.prod("stop")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--locust", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--restart-postgres", action="store_true")
    parser.add_argument("--only", action="append", choices=FAULTS)
    args = parser.parse_args(argv)
    results = []
    for name in args.only or FAULTS:
        fault = Fault(args, name)
        print(f"[crm_ext] fault {name}: {args.seconds} s under 10 users", file=sys.stderr, flush=True)
        try:
            fault.run_fault()
        except Exception as error:  # the table reports it; the next fault still runs
            fault.check(f"the fault run itself ({error})", False)
            fault.prod("stop")
        results.append(fault)
    Fault(args, "stop").prod("stop", keep_replica=False)
    print("| fault | checks | result | notes |")
    print("|---|---|---|---|")
    for fault in results:
        checks = "<br>".join(f"{'ok' if ok else 'FAILED'}: {text}" for text, ok in fault.checks)
        result = "pass" if all(ok for _t, ok in fault.checks) else "FAIL"
        print(f"| {fault.name} | {checks} | {result} | {'; '.join(fault.notes)} |")
    return 0 if all(ok for f in results for _t, ok in f.checks) else 1


if __name__ == "__main__":
    sys.exit(main())
