"""The analytics job with a real streaming replica (issue 15): a scripted check, not part of make test.

    CRM_EXT_REPLICA_PORT=5433 scripts/prod.sh replica     # the replica only (pg_basebackup -R)
    .venv/bin/python -m tests.load.analytics_replica --database DB [--replica-port 5433]
    scripts/prod.sh stop

Every run below is an analytics run of the database's first company, in an Odoo process of its own
started with ``db_replica_host``/``db_replica_port`` on the replica (what ``make prod`` gives the
cron worker), its results committed; the database needs the four modules (demo data will do).

1. caught up: a full run reads the replica (``read_source = replica``) and finds what a full run
   on the primary (no replica configured) finds.
2. lagging: replay paused on the replica (``pg_wal_replay_pause()``), an invoice posted on the
   primary; an incremental run (``crm_ext_analytics.replica_max_lag`` = 3 s) waits 3 s, reads the
   primary, and the customer's figures count the invoice, which the paused replica does not have
   (what an incremental run reading it would have missed, for good: the next run looks for changes
   since this run's start).
3. replay resumed: another invoice; the next incremental run reads the replica and counts it.
4. unreachable: ``db_replica_port`` on a port nobody listens on: the run reads the primary, no error.
5. stopped mid-run: the replica is stopped (``pg_ctl stop -m fast``) after the RFM stage of a run
   that reads it; the next reads go to the primary (``read_source`` = both), the run succeeds with
   the figures of a full run on the primary. The replica is started again afterwards.

Prints a Markdown table; exit code 1 when a check fails. The Odoo logs are in .state/logs/.
"""

import argparse
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / ".state"
PYTHON = ROOT / ".venv" / "bin" / "python"


def pg_ctl(*command):
    replica = STATE / "prod" / "replica"
    return ["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", str(replica), "-w",
            *command]  # fmt: skip


def child(spec):
    """In the Odoo process: ``spec['action']`` with the database's first company, committed."""
    import odoo
    from odoo import api
    from odoo.fields import Command
    from odoo.tools import config

    config.parse_config(spec["odoo_args"])
    registry = odoo.modules.registry.Registry(spec["database"])
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env["res.company"].search([], order="id", limit=1)
        env = env(context={"allowed_company_ids": company.ids})
        if spec["action"] == "invoice":
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": spec["partner_id"],
                    "company_id": company.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "replica check",
                                "quantity": 1,
                                "price_unit": spec["amount"],
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            )
            move.action_post()
            result = {"move_id": move.id}
        else:
            if spec.get("stop_replica_after_rfm"):
                run_class = type(env["crm_ext.analytics.run"])
                stage_rfm = run_class._stage_rfm

                def stop_after_rfm(run):
                    result = stage_rfm(run)
                    subprocess.run(pg_ctl("stop", "-m", "fast"), check=True, capture_output=True)
                    return result

                run_class._stage_rfm = stop_after_rfm
            env["ir.config_parameter"].set_param("crm_ext_analytics.replica_max_lag", spec.get("max_lag", 30))
            run = env["crm_ext.analytics.run"].create({"company_id": company.id, "full_run": spec["full"]})
            run._execute()
            result = {
                name: run[name]
                for name in ("state", "mode", "read_source", "read_source_note", "invoice_count",
                             "customer_count", "changed_customer_count", "order_count", "duration")
            }  # fmt: skip
            result["log"] = run.log
    print("RESULT " + json.dumps(result, default=str))


class Check:
    def __init__(self, args):
        self.args = args
        self.rows = []
        self.addons_path = (STATE / "addons_path").read_text().strip()

    def sql(self, query, params=(), port=5432, db=None, user="odoo"):
        cnx = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname=db or self.args.database)
        cnx.autocommit = True
        try:
            with cnx.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall() if cr.description else None
        finally:
            cnx.close()

    def replica_sql(self, query, params=()):
        return self.sql(query, params, port=self.args.replica_port, user="postgres")

    def odoo(self, name, action, replica_port=None, **spec):
        log = STATE / "logs" / f"analytics-replica-{name}.log"
        log.unlink(missing_ok=True)
        odoo_args = [
            "-c", str(ROOT / "odoo.conf"), "--addons-path", self.addons_path, "-d", self.args.database,
            "--log-level", "info", "--logfile", str(log), "--max-cron-threads", "0",
        ]  # fmt: skip
        if replica_port:
            odoo_args += ["--db_replica_host", "127.0.0.1", "--db_replica_port", str(replica_port)]
        spec = {"action": action, "database": self.args.database, "odoo_args": odoo_args, **spec}
        started = time.monotonic()
        out = subprocess.run(
            [str(PYTHON), "-m", "tests.load.analytics_replica", "--child", json.dumps(spec)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
        if out.returncode or not lines:
            raise RuntimeError(f"{name}: the Odoo process failed:\n{out.stderr[-3000:]}\n{log}")
        result = json.loads(lines[-1][len("RESULT ") :])
        result["seconds"] = round(time.monotonic() - started, 1)
        text = log.read_text(errors="replace")
        result["warnings"] = [
            line
            for line in text.splitlines()
            if " WARNING " in line or " ERROR " in line or " CRITICAL " in line
        ]
        return result

    def record(self, check, passed, detail=""):
        self.rows.append((check, bool(passed), detail))

    def figures(self, partner_id):
        """The customer's stored RFM figures and the same from the invoices (primary)."""
        stored = self.sql(
            """SELECT frequency, monetary FROM crm_ext_customer_rfm
                WHERE partner_id = %s AND company_id = (SELECT min(id) FROM res_company)""",
            [partner_id],
        )
        truth = self.sql(
            """SELECT COUNT(*) FILTER (WHERE amount_untaxed_signed > 0), SUM(amount_untaxed_signed)
                 FROM account_move
                WHERE state = 'posted' AND move_type IN ('out_invoice', 'out_refund')
                  AND commercial_partner_id = %s AND company_id = (SELECT min(id) FROM res_company)""",
            [partner_id],
        )
        stored = (stored[0][0], round(float(stored[0][1]), 2)) if stored else None
        return stored, (truth[0][0], round(float(truth[0][1]), 2))

    def replica_scans(self):
        """Scans of account_move in the replica's own statistics (a standby counts its reads)."""
        time.sleep(1)  # a backend reports its statistics at most once a second, and at its exit
        return self.replica_sql(
            """SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables
                WHERE relname = 'account_move'"""
        )[0][0]

    def run(self):
        port = self.args.replica_port
        recovery = self.replica_sql("SELECT pg_is_in_recovery()")[0][0]
        if not recovery:
            raise SystemExit(
                f"127.0.0.1:{port} is not a replica in recovery: start it with scripts/prod.sh replica"
            )
        partner_id = self.sql(
            """SELECT commercial_partner_id FROM account_move
                WHERE state = 'posted' AND move_type = 'out_invoice' AND commercial_partner_id IS NOT NULL
                  AND company_id = (SELECT min(id) FROM res_company)
             ORDER BY id LIMIT 1"""
        )[0][0]

        # 1. caught up
        primary = self.odoo("primary", "run", full=True)
        scans = self.replica_scans()
        replica = self.odoo("caught-up", "run", replica_port=port, full=True)
        scans = self.replica_scans() - scans
        self.record(
            "no replica configured: the run reads the primary",
            primary["state"] == "done" and primary["read_source"] == "primary",
            primary["read_source_note"],
        )
        self.record(
            "caught-up replica: the run reads the replica",
            replica["state"] == "done" and replica["read_source"] == "replica",
            f"{replica['read_source_note']} ({replica['duration']:.1f} s run)",
        )
        self.record(
            "the run's queries ran on the replica",
            scans > 0,
            f"{scans} scans of account_move on the replica during the run (pg_stat_user_tables)",
        )
        same = all(primary[key] == replica[key] for key in ("invoice_count", "customer_count"))
        self.record(
            "the replica's figures are the primary's",
            same,
            f"invoices {replica['invoice_count']} / {primary['invoice_count']}, "
            f"customers {replica['customer_count']} / {primary['customer_count']}",
        )

        # 2. lagging: replay paused
        self.replica_sql("SELECT pg_wal_replay_pause()")
        try:
            move_id = self.odoo("invoice-1", "invoice", partner_id=partner_id, amount=111.0)["move_id"]
            lagging = self.odoo("lagging", "run", replica_port=port, full=False, max_lag=3)
            missing = (
                self.replica_sql("SELECT count(*) FROM account_move WHERE id = %s", [move_id])[0][0] == 0
            )
        finally:
            self.replica_sql("SELECT pg_wal_replay_resume()")
        stored, truth = self.figures(partner_id)
        self.record(
            "lagging replica (replay paused): the run waits, then reads the primary",
            lagging["state"] == "done"
            and lagging["read_source"] == "primary"
            and "behind" in lagging["read_source_note"],
            f"{lagging['read_source_note']} ({lagging['mode']} run)",
        )
        self.record("the paused replica lacks the new invoice", missing, f"invoice {move_id}")
        self.record(
            "the incremental run counted the new invoice",
            lagging["mode"] == "incremental" and stored == truth,
            f"customer {partner_id}: stored {stored}, from the invoices {truth}",
        )

        # 3. replay resumed
        move_id = self.odoo("invoice-2", "invoice", partner_id=partner_id, amount=222.0)["move_id"]
        resumed = self.odoo("resumed", "run", replica_port=port, full=False)
        stored, truth = self.figures(partner_id)
        self.record(
            "replay resumed: the incremental run reads the replica and counts the invoice",
            resumed["read_source"] == "replica" and resumed["mode"] == "incremental" and stored == truth,
            f"{resumed['read_source_note']}; customer {partner_id}: stored {stored}, "
            f"from the invoices {truth}",
        )

        # 4. unreachable
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            dead_port = sock.getsockname()[1]
        down = self.odoo("unreachable", "run", replica_port=dead_port, full=False)
        self.record(
            "unreachable replica: the run reads the primary, no error",
            down["state"] == "done" and down["read_source"] == "primary",
            f"{down['read_source_note']}; Odoo's log: "
            + " | ".join(warning.split(" ", 4)[-1] for warning in down["warnings"]),
        )
        # 5. stopped mid-run
        stopped = self.odoo("stopped", "run", replica_port=port, full=True, stop_replica_after_rfm=True)
        subprocess.run(
            pg_ctl("start", "-l", str(STATE / "prod" / "replica.log")), check=False, capture_output=True
        )
        full = self.odoo("full-primary", "run", full=True)
        own = [w for w in stopped["warnings"] if "the replica failed" in w]
        others = [w for w in stopped["warnings"] if w not in own]
        self.record(
            "replica stopped mid-run: the run ends on the primary, with the primary's figures",
            stopped["state"] == "done"
            and stopped["read_source"] == "both"
            and all(stopped[key] == full[key] for key in ("invoice_count", "customer_count", "order_count")),
            f"{stopped['read_source_note']}; invoices {stopped['invoice_count']} / {full['invoice_count']}, "
            f"orders {stopped['order_count']} / {full['order_count']}",
        )
        self.record(
            "replica stopped mid-run: one WARNING (the run's own), nothing else in the log",
            len(own) == 1 and not others,
            " | ".join(w.split(" ", 4)[-1] for w in stopped["warnings"])[:400],
        )
        quiet = [primary, replica, lagging, resumed]
        self.record(
            "no warning in the Odoo logs of the runs with a working replica",
            not any(result["warnings"] for result in quiet),
            "; ".join(w for result in quiet for w in result["warnings"])[:500],
        )

        print("| Check | Result | Detail |")
        print("|---|---|---|")
        for check, passed, detail in self.rows:
            print(f"| {check} | {'pass' if passed else 'FAIL'} | {detail} |")
        return 0 if all(passed for _c, passed, _d in self.rows) else 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database")
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0
    if not args.database:
        parser.error("--database is required")
    return Check(args).run()


if __name__ == "__main__":
    sys.exit(main())
