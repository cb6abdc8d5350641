"""Issue 13: runs are queued for the cron, one company at a time, never two at once.

The tests with two cursors work on committed data (a second cursor sees nothing the test's own
transaction wrote); what they commit they delete again (the test database is shared)."""

import contextlib
import logging
import os
import threading
from unittest.mock import patch

import psycopg2
from threadpoolctl import threadpool_info

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged, users
from odoo.tools import mute_logger

from ..models.crm_ext_analytics_run import RUN_LOCK_KEY
from ..tools import priority
from .common import CrmExtAnalyticsCase

LOGGER = "odoo.addons.crm_ext_analytics.models.crm_ext_analytics_run"
RFM_ROWS = "SELECT partner_id, segment, run_id FROM crm_ext_customer_rfm WHERE company_id = %s ORDER BY 1"


class _Killed(BaseException):
    """The server process dies (a worker killed past limit_time_real): nothing catches it."""


@tagged("post_install", "-at_install")
class TestRunQueue(CrmExtAnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        cls.cenv = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.product = product = cls.cenv["product.product"].create({"name": "Queued widget (test)"})
        cls.customers = cls.cenv["res.partner"].create(
            [{"name": f"Queued buyer {i} (test)"} for i in range(3)]
        )
        cls._post_customer_moves(
            cls.company, product, [(partner, "2026-02-10", 100.0, "out_invoice") for partner in cls.customers]
        )
        cls.queue_cron = cls.env.ref("crm_ext_analytics.ir_cron_analytics_queue")

    def _triggers(self):
        return self.env["ir.cron.trigger"].sudo().search([("cron_id", "=", self.queue_cron.id)])

    @users("crm_ext_analytics_manager")
    def test_button_queues_the_run_for_the_cron(self):
        before = self._triggers()
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        action = run.action_run()
        # nothing computed inside the request: the run waits for the cron, which is triggered
        self.assertEqual(run.state, "queued")
        self.assertFalse(run.stage_ids)
        self.assertFalse(run.date_start)
        self.assertFalse(self.env["crm_ext.customer.rfm"].search([("company_id", "=", self.company.id)]))
        self.assertEqual(len(self._triggers() - before), 1)
        # the user is told, and the form shows the run as queued
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("queued", action["params"]["message"])
        self.assertIn("Queued", run.progress)
        # a double click, or a second run of the company: said plainly
        with self.assertRaisesRegex(UserError, "already queued"):
            run.action_run()
        second = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        with self.assertRaisesRegex(UserError, "in progress"):
            second.action_run()
        self.assertEqual(second.state, "draft")
        # the cron runs it, one company per call
        self.env["crm_ext.analytics.run"].sudo()._cron_process_queue()
        self.assertEqual(run.state, "done", run.log)
        self.assertEqual(run.customer_count, 3)
        self.assertEqual(
            len(self.env["crm_ext.customer.rfm"].search([("company_id", "=", self.company.id)])), 3
        )

    def test_cron_reports_progress_one_company_per_call(self):
        Run = self.env["crm_ext.analytics.run"]
        other = self.env["res.company"].create({"name": "Second queued Co (test)"})
        runs = Run.create([{"company_id": self.company.id}, {"company_id": other.id}])
        runs.write({"state": "queued"})
        notified = []
        with patch.object(
            type(self.env["ir.cron"]), "_notify_progress", lambda cron, **kw: notified.append(kw)
        ):
            Run._cron_process_queue()
            self.assertEqual(runs.mapped("state"), ["done", "queued"])
            Run._cron_process_queue()
        self.assertEqual(runs.mapped("state"), ["done", "done"])
        self.assertEqual(notified, [{"done": 1, "remaining": 1}, {"done": 1, "remaining": 0}])

    def test_queue_runs_in_the_background(self):
        """The queue's cron runs at the setting's nice value (10 by default), its numeric libraries
        on one thread, and the thread's priority is put back after the run. The cron runs on a
        thread of its own here, so that the test's own thread keeps its priority whatever happens."""
        Run = self.env["crm_ext.analytics.run"]
        execute = type(Run)._execute

        def pools():
            return sorted((pool["filepath"], pool["num_threads"]) for pool in threadpool_info())

        def cron(setting):
            # False: no parameter (the default)
            self.env["ir.config_parameter"].set_param("crm_ext_analytics.run_nice", setting)
            run = Run.create({"company_id": self.company.id, "state": "queued"})
            seen = {}

            def nice():
                return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

            def recording(record):
                seen.update(during=nice(), pools=pools())
                return execute(record)

            def work():
                seen["before"] = nice()
                try:
                    with patch.object(type(Run), "_execute", recording):
                        Run._cron_process_queue()
                except Exception as error:  # reported by the test's thread
                    seen["error"] = error
                seen["after"] = nice()

            thread = threading.Thread(target=work)
            thread.start()
            thread.join()
            self.assertNotIn("error", seen)
            self.assertEqual(run.state, "done", run.log)
            return seen

        base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())  # 0 unless the tests run niced
        outside = pools()
        seen = cron("0")  # as the server runs its crons: nothing changed
        self.assertEqual((seen["during"], seen["pools"]), (base, outside))

        with self.assertLogs(LOGGER, logging.INFO) as logs:
            seen = cron(False)  # the default
        self.assertEqual(seen["before"], base)
        self.assertEqual(seen["during"], max(base, 10))
        self.assertEqual(seen["pools"], [(path, 1) for path, __ in outside])
        if os.geteuid() == 0:  # elsewhere the thread may keep nice 10 (not allowed to lower it)
            self.assertEqual(seen["after"], base)
        self.assertIn(f"runs at nice {max(base, 10)}", "\n".join(logs.output))
        self.assertEqual(pools(), outside)
        self.assertEqual(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), base)

        seen = cron("19")
        self.assertEqual((seen["during"], seen["pools"]), (19, [(path, 1) for path, __ in outside]))

    def test_background_priority_setting(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.crm_ext_analytics_run_nice, "10")
        settings.crm_ext_analytics_run_nice = "0"
        settings.execute()
        param = self.env["ir.config_parameter"].get_param("crm_ext_analytics.run_nice")
        self.assertEqual((param, priority.nice_of(param)), ("0", 0))
        self.assertEqual(self.env["res.config.settings"].create({}).crm_ext_analytics_run_nice, "0")
        # a value set by hand (system parameters) is kept within 0-19; anything else: the default
        self.assertEqual(
            [priority.nice_of(v) for v in ("25", "-3", "x", None, False, "0")], [19, 0, 10, 10, 10, 0]
        )

    def test_nightly_cron_queues_every_company_but_a_busy_one(self):
        Run = self.env["crm_ext.analytics.run"]
        busy = Run.create({"company_id": self.company.id, "state": "queued"})
        before, triggers = Run.search([]), self._triggers()
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            Run._cron_run()
        queued = Run.search([]) - before
        self.assertEqual(set(queued.mapped("state")), {"queued"})
        self.assertEqual(queued.company_id, self.env["res.company"].search([]) - self.company)
        self.assertTrue(
            any("already has a run queued or in progress" in line for line in logs.output), logs.output
        )
        self.assertEqual(busy.state, "queued")
        self.assertEqual(len(self._triggers() - triggers), 1, "the queue's cron is triggered")

    def test_failed_run_keeps_previous_results(self):
        Run = self.env["crm_ext.analytics.run"]
        first = Run.create({"company_id": self.company.id})
        first._execute()
        Rfm = self.env["crm_ext.customer.rfm"]
        before = Rfm.search_read([("company_id", "=", self.company.id)], ["partner_id", "segment", "run_id"])
        newcomer = self.cenv["res.partner"].create({"name": "Newcomer (test)"})
        self._post_customer_moves(
            self.company, self.product, [(newcomer, "2026-03-01", 900.0, "out_invoice")]
        )
        failed = Run.create({"company_id": self.company.id, "full_run": True})
        # the RFM stage has written (a new customer, new scores) when the forecast fails
        with (
            patch.object(type(failed), "_stage_forecast", lambda self: 1 / 0),
            self.assertLogs(LOGGER, "ERROR"),
        ):
            failed._execute()
        self.assertEqual(failed.state, "failed")
        self.assertIn("division by zero", failed.log)
        Rfm.invalidate_model()
        after = Rfm.search_read([("company_id", "=", self.company.id)], ["partner_id", "segment", "run_id"])
        self.assertEqual(after, before)
        self.assertEqual(len(before), 3)

    def test_results_have_unique_keys(self):
        """Two writers of one company's results could not store a row twice: the tables refuse it
        (the RFM scores already had their key: one row per customer and company)."""
        main = self.env.ref("base.main_company")
        partner, product = self.customers[0], self.env["product.product"].search([], limit=1)
        cr = self.env.cr
        rows = {
            "crm_ext_customer_offer": (
                "INSERT INTO crm_ext_customer_offer (partner_id, company_id, product_id, rank, score) "
                "VALUES (%s, %s, %s, 1, 1.0)",
                [partner.id, main.id, product.id],
            ),
            "crm_ext_revenue_forecast": (
                "INSERT INTO crm_ext_revenue_forecast (company_id, month, is_forecast)"
                " VALUES (%s, '2026-01-01', true)",
                [main.id],
            ),
        }
        for table, (query, params) in rows.items():
            with self.subTest(table=table):
                with self.env.cr.savepoint():
                    cr.execute(query, params)
                    with (
                        self.assertRaises(psycopg2.IntegrityError),
                        mute_logger("odoo.sql_db"),
                        cr.savepoint(),
                    ):
                        cr.execute(query, params)


@tagged("post_install", "-at_install")
class TestRunConcurrency(TransactionCase):
    """Two processes at once, each with its own cursor, on the main company's demo data."""

    @contextlib.contextmanager
    def _process(self, commit=False):
        """An environment on a cursor of its own, as a second server process has: rolled back at
        the end unless ``commit``; it waits at most 20 s for a lock (a test never hangs)."""
        cr = self.registry.cursor()
        try:
            cr.execute("SET lock_timeout = '20s'")
            yield api.Environment(cr, SUPERUSER_ID, {})
            if commit:
                # a second process commits its own work
                cr.commit()  # pylint: disable=invalid-commit
        finally:
            cr.rollback()
            cr.execute("RESET lock_timeout")
            cr.close()

    def _cleanup_committed(self, run_ids):
        """Deletes the runs (their stages with them) and progress lines a test committed."""
        with self._process(commit=True) as env:
            env.cr.execute("DELETE FROM crm_ext_analytics_run_progress WHERE run_ref = ANY(%s)", [run_ids])
            env.cr.execute("DELETE FROM crm_ext_analytics_run WHERE id = ANY(%s)", [run_ids])

    def test_second_run_of_a_company_cannot_write_while_the_first_runs(self):
        main = self.env.ref("base.main_company")
        Run = type(self.env["crm_ext.analytics.run"])
        original = Run._stage_forecast
        seen = {}

        def second_process_tries(run):
            """While the first run's transaction is open, a second process tries the company."""
            if run.env.context.get("second"):
                return original(run)
            with self._process() as env2:
                runs = env2["crm_ext.analytics.run"].with_context(second=True)
                second = runs.create({"company_id": main.id})
                self.addCleanup(self._cleanup_committed, [second.id])
                with self.assertRaisesRegex(UserError, "in progress"):
                    second.action_run()  # the button
                with self.assertRaisesRegex(UserError, "in progress"):
                    second._execute()  # the job itself
                second.write({"state": "queued"})
                with self.assertLogs(LOGGER, logging.INFO) as logs:
                    runs._cron_process_queue()  # the cron skips it and says so
                seen["log"] = logs.output
                seen["state"] = second.state
                seen["stages"] = len(second.stage_ids)
                env2.cr.execute("SELECT COUNT(*) FROM crm_ext_customer_rfm WHERE run_id = %s", [second.id])
                seen["rows"] = env2.cr.fetchone()[0]
            return original(run)

        with self._process() as env1:
            first = env1["crm_ext.analytics.run"].create({"company_id": main.id})
            self.addCleanup(self._cleanup_committed, [first.id])
            with patch.object(Run, "_stage_forecast", second_process_tries):
                first._execute()
            self.assertEqual(first.state, "done", first.log)
        self.assertEqual((seen["state"], seen["stages"], seen["rows"]), ("queued", 0, 0))
        self.assertTrue(any("in progress" in line for line in seen["log"]), seen["log"])

    def test_killed_run_fails_at_next_start_and_keeps_what_was_committed(self):
        """The cron commits one company at a time: a process killed during the second company
        loses that company's run only; the next start marks it failed with its reason."""
        main = self.env.ref("base.main_company")
        # the demo's second company: no invoices nor orders, its run writes no result rows
        other = self.env.ref("stock.res_company_1")
        with self._process(commit=True) as env:
            runs = env["crm_ext.analytics.run"].create(
                [{"company_id": other.id, "state": "queued"}, {"company_id": main.id, "state": "queued"}]
            )
            run_ids = runs.ids
        self.addCleanup(self._cleanup_committed, run_ids)
        with self._process() as env:
            env.cr.execute(
                RFM_ROWS,
                [main.id],
            )
            previous = env.cr.fetchall()

        Run = type(self.env["crm_ext.analytics.run"])
        original = Run._stage_forecast

        def killed(run):
            if run.company_id == main:
                raise _Killed
            return original(run)

        with patch.object(Run, "_stage_forecast", killed):
            # first call: the first company, committed by the cron framework after the call
            with self._process(commit=True) as env:
                env["crm_ext.analytics.run"]._cron_process_queue()
            # second call: the process dies in the middle of the main company's run
            with self.assertRaises(_Killed), self._process(commit=True) as env:
                env["crm_ext.analytics.run"]._cron_process_queue()

        with self._process() as env:
            first, second = env["crm_ext.analytics.run"].browse(run_ids)
            self.assertEqual(first.state, "done", first.log)
            self.assertEqual(first.stage_ids.mapped("key"), ["rfm", "basket", "forecast", "clv", "churn"])
            self.assertEqual(second.state, "queued", "dead, but nobody knows yet")
        # the next start sees the run's lock free: the run is failed, with its reason
        with self._process(commit=True) as env:
            with self.assertLogs(LOGGER, "WARNING"):
                env["crm_ext.analytics.run"]._cron_process_queue()
        with self._process() as env:
            second = env["crm_ext.analytics.run"].browse(run_ids[1])
            self.assertEqual(second.state, "failed")
            self.assertIn("stopped at stage 3 of 5 (Revenue forecast)", second.log)
            self.assertTrue(second.date_end)
            env.cr.execute(
                "SELECT COUNT(*) FROM crm_ext_analytics_run_progress WHERE run_ref = %s", [second.id]
            )
            self.assertEqual(env.cr.fetchone()[0], 0)
            env.cr.execute(
                RFM_ROWS,
                [main.id],
            )
            self.assertEqual(env.cr.fetchall(), previous, "the main company's previous results are intact")

    def test_stale_check_leaves_a_run_whose_lock_is_held(self):
        main = self.env.ref("base.main_company")
        with self._process() as env1:
            holder = env1["crm_ext.analytics.run"].create({"company_id": main.id})
            self.assertTrue(holder._lock_company())
            with self._process() as env2:
                running = env2["crm_ext.analytics.run"].create({"company_id": main.id, "state": "running"})
                env2["crm_ext.analytics.run"]._fail_stale_runs()
                self.assertEqual(running.state, "running", "its process holds the lock: alive")
                env1.cr.rollback()  # the first process ends
                with self.assertLogs(LOGGER, "WARNING"):
                    env2["crm_ext.analytics.run"]._fail_stale_runs()
                self.assertEqual(running.state, "failed")

    def test_progress_lines_of_runs_rolled_back_go_unless_their_company_runs(self):
        """A run created and executed in a transaction rolled back (a script's, a test's) leaves
        its progress line, committed apart: the stale check deletes it, unless a process holds
        the run lock of its company (a run under way writes its line again at its next step)."""
        main = self.env.ref("base.main_company")
        with self._process(commit=True) as env:
            env.cr.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM crm_ext_analytics_run")
            gone = env.cr.fetchone()[0]
            env.cr.execute("SELECT MAX(id) + 1000 FROM res_company")
            idle_company = env.cr.fetchone()[0]
            env.cr.execute(
                """INSERT INTO crm_ext_analytics_run_progress (run_ref, company_ref, step, total, stage)
                   VALUES (%s, %s, 5, 5, 'Churn risk'), (%s, %s, 2, 5, 'Market basket')""",
                [gone, main.id, gone + 1, idle_company],
            )
        self.addCleanup(self._cleanup_committed, [gone, gone + 1])

        def lines():
            with self._process() as env:
                env.cr.execute(
                    "SELECT run_ref FROM crm_ext_analytics_run_progress WHERE run_ref IN %s ORDER BY run_ref",
                    [(gone, gone + 1)],
                )
                return [row[0] for row in env.cr.fetchall()]

        self.assertEqual(lines(), [gone, gone + 1])
        with self._process() as env1:
            holder = env1["crm_ext.analytics.run"].create({"company_id": main.id})
            self.assertTrue(holder._lock_company())
            with self._process(commit=True) as env2:
                env2["crm_ext.analytics.run"]._fail_stale_runs()
            self.assertEqual(lines(), [gone], "a run of the main company is under way")
        with self._process(commit=True) as env2:
            env2["crm_ext.analytics.run"]._fail_stale_runs()
        self.assertEqual(lines(), [])

    def test_a_run_in_another_database_does_not_block(self):
        """Advisory locks are per database but pg_locks lists every database's: a run of company
        1 in another database of the server (another tenant) must not block company 1 here."""
        main = self.env.ref("base.main_company")
        run = self.env["crm_ext.analytics.run"].create({"company_id": main.id})
        params = self.env.cr._cnx.get_dsn_parameters()
        other = psycopg2.connect(
            dbname="postgres", host=params.get("host"), port=params.get("port"), user=params.get("user")
        )
        try:
            with other.cursor() as cr:
                cr.execute("SELECT pg_advisory_lock(%s, %s)", [RUN_LOCK_KEY, main.id])
            self.assertFalse(run._company_locked_elsewhere(), "another database's lock")
            run._check_company_free()  # no "already in progress"
            with self._process() as env1:
                holder = env1["crm_ext.analytics.run"].create({"company_id": main.id})
                self.assertTrue(holder._lock_company())
                self.assertTrue(run._company_locked_elsewhere(), "this database's lock counts")
        finally:
            other.close()
