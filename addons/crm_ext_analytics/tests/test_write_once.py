from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import CrmExtAnalyticsCase

TABLES = ("crm_ext_customer_rfm", "crm_ext_customer_rfm_history")


@tagged("post_install", "-at_install")
class TestWriteOnce(CrmExtAnalyticsCase):
    """A run writes each customer's row (RFM, lifetime value and churn columns) once: the RFM,
    lifetime-value and churn stages hand their results to one write per company at the end, which
    inserts the new rows, updates only the rows whose values changed and deletes the customers no
    longer scored. Counted with PostgreSQL's own counters of the transaction's tuples
    (``pg_stat_xact_user_tables``) around each stage, and with the statements sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        cenv = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.product = cenv["product.product"].create({"name": "Widget (write once test)", "list_price": 80})
        cls.product.with_company(cls.company).standard_price = 30.0
        cls.today = fields.Date.context_today(cenv["crm_ext.analytics.run"])
        # 30 customers, most with repeat purchases: lifetime value fits its models, churn scores all
        cls.partners, cls.moves = cls._post_repeat_buyers(cls.product, "Write-once", 11, cls.today)
        cls.Rfm = cls.env["crm_ext.customer.rfm"]

    def _tuples(self):
        """Rows inserted, updated and deleted so far in this transaction, per table."""
        self.env.cr.execute(
            """SELECT relname, n_tup_ins, n_tup_upd, n_tup_del
                 FROM pg_stat_xact_user_tables WHERE relname IN %s""",
            [TABLES],
        )
        counts = dict.fromkeys(TABLES, (0, 0, 0))
        counts.update({name: (ins, upd, dele) for name, ins, upd, dele in self.env.cr.fetchall()})
        return counts

    def _run(self, **values):
        """Runs the job; returns the run, the tuples each stage wrote per table (inserted, updated,
        deleted) and the statements sent that write the rows' table."""
        Run = type(self.env["crm_ext.analytics.run"])
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id, **values})
        written = {}
        originals = {
            key: getattr(Run, f"_stage_{key}") for key in ("rfm", "basket", "forecast", "clv", "churn")
        }

        def counted(key):
            def stage(this):
                self.env.flush_all()
                before = self._tuples()
                result = originals[key](this)
                self.env.flush_all()
                after = self._tuples()
                written[key] = {
                    table: tuple(a - b for a, b in zip(after[table], before[table], strict=True))
                    for table in TABLES
                }
                return result

            return stage

        cr = self.env.cr
        patches = [patch.object(Run, f"_stage_{key}", counted(key)) for key in originals]
        for active in patches:
            active.start()
        try:
            with (
                patch.object(cr, "execute", wraps=cr.execute) as execute,
                patch.object(cr, "copy_expert", wraps=cr.copy_expert) as copy_expert,
            ):
                run._execute()
        finally:
            for active in patches:
                active.stop()
        self.assertEqual(run.state, "done", run.log)
        statements = [
            getattr(call.args[0], "code", str(call.args[0]))
            for call in execute.call_args_list + copy_expert.call_args_list
        ]
        writes = [
            " ".join(statement.split())[:60]
            for statement in statements
            if any(
                f"{verb} crm_ext_customer_rfm " in " ".join(statement.split()) + " "
                or f'{verb} "crm_ext_customer_rfm" ' in " ".join(statement.split()) + " "
                for verb in ("UPDATE", "INSERT INTO", "DELETE FROM", "COPY")
            )
        ]
        return run, written, writes

    def _rows(self):
        return self.Rfm.search_count([("company_id", "=", self.company.id)])

    def _age_runs(self, days):
        """As if the company's runs had started ``days`` ago and the invoices had been written before."""
        self.env.flush_all()
        started = fields.Datetime.now() - timedelta(days=days)
        self.env.cr.execute(
            "UPDATE account_move SET write_date = %s WHERE company_id = %s",
            (started - timedelta(days=1), self.company.id),
        )
        self.env.cr.execute(
            "UPDATE crm_ext_analytics_run SET date_start = %s WHERE company_id = %s",
            (started, self.company.id),
        )
        self.env.invalidate_all()

    def test_first_run_inserts_each_row_once_and_writes_nothing_else(self):
        run, written, writes = self._run()
        rows = self._rows()
        self.assertEqual(rows, 30)
        self.assertIn("Lifetime value (BG/NBD + Gamma-Gamma)", run.log)
        rfm = {key: counts["crm_ext_customer_rfm"] for key, counts in written.items()}
        # the stages before the last customer stage leave the table alone; the churn stage (the
        # last) writes every stage's columns at once: one insert per customer, no update
        for key in ("rfm", "basket", "forecast", "clv"):
            self.assertEqual(rfm[key], (0, 0, 0), key)
        self.assertEqual(rfm["churn"], (rows, 0, 0))
        self.assertEqual(written["churn"]["crm_ext_customer_rfm_history"], (rows, 0, 0))
        self.assertEqual(len(writes), 1, writes)  # the COPY of the new rows
        stored = self.Rfm.search([("company_id", "=", self.company.id)])
        self.assertTrue(all(stored.mapped("segment")))
        self.assertTrue(all(stored.mapped("clv_decile")), "lifetime value in the inserted rows")
        self.assertTrue(all(stored.mapped("churn_risk")), "churn risk in the inserted rows")
        self.assertEqual(stored.run_id, run)

    def test_rerun_writes_no_row_that_did_not_change(self):
        first, __, __ = self._run()
        second, written, writes = self._run(full_run=True)
        self.assertEqual(second.mode, "full")
        for key, counts in written.items():
            self.assertEqual(counts["crm_ext_customer_rfm"], (0, 0, 0), key)
            self.assertEqual(counts["crm_ext_customer_rfm_history"], (0, 0, 0), key)
        self.assertEqual(writes, [])
        self.assertEqual(self.Rfm.search([("company_id", "=", self.company.id)]).run_id, first)

    def test_next_day_run_updates_each_row_at_most_once(self):
        first, __, __ = self._run()
        self._age_runs(1)
        # one customer buys again, another's only invoice is cancelled: scored no longer
        buyer, cancelled = self.partners[4], self.partners[8]
        self._post_customer_moves(self.company, self.product, [(buyer, self.today, 450.0, "out_invoice")])
        self.moves.filtered(lambda move: move.partner_id == cancelled).button_draft()
        rows_before = self._rows()
        second, written, writes = self._run()
        self.assertEqual(second.mode, "incremental", second.log)
        rfm = {key: counts["crm_ext_customer_rfm"] for key, counts in written.items()}
        for key in ("rfm", "basket", "forecast", "clv"):
            self.assertEqual(rfm[key], (0, 0, 0), key)
        inserted, updated, deleted = rfm["churn"]
        self.assertEqual((inserted, deleted), (0, 1))
        self.assertEqual(self._rows(), rows_before - 1)
        # every remaining row may have moved (the predictions move with the customers' age), none twice
        self.assertGreater(updated, 0)
        self.assertLessEqual(updated, rows_before - 1)
        # one UPDATE (from a temporary table) for every changed row, one DELETE; no other write
        self.assertEqual([statement.split()[0] for statement in writes], ["UPDATE", "DELETE"], writes)
        row = self.Rfm.search([("company_id", "=", self.company.id), ("partner_id", "=", buyer.id)])
        self.assertEqual(row.last_purchase_date, self.today)
        self.assertEqual(row.run_id, second, "its RFM figures changed")
        self.assertTrue(row.clv_decile and row.churn_risk)

    def test_rows_read_back_as_stored(self):
        """The rows as the write reads them to compare (COPY, whole numbers parsed as float8
        and made nullable integers) hold the stored values, a NULL as a missing value."""
        run, __, __ = self._run()
        row = self.Rfm.search([("company_id", "=", self.company.id)], limit=1, order="partner_id")
        self.env.cr.execute(
            "UPDATE crm_ext_customer_rfm SET clv_decile = NULL, clv_repeat = NULL, churn_probability = NULL"
            " WHERE id = %s",
            [row.id],
        )
        self.env.invalidate_all()
        frame = run._read_customer_rows().set_index("partner_id")
        stored = self.Rfm.search([("company_id", "=", self.company.id)])
        self.assertEqual(sorted(frame.index), sorted(stored.partner_id.ids))
        for name in ("run_id", "frequency", "r_score", "clv_decile", "clv_repeat"):
            self.assertEqual(str(frame[name].dtype), "Int64", name)
        self.assertTrue(
            frame.loc[row.partner_id.id, ["clv_decile", "clv_repeat", "churn_probability"]].isna().all()
        )
        for record in stored - row:
            values = frame.loc[record.partner_id.id]
            self.assertEqual(int(values["run_id"]), record.run_id.id)
            self.assertEqual(int(values["frequency"]), record.frequency)
            self.assertEqual(int(values["clv_decile"]), record.clv_decile)
            self.assertEqual(f"{values['r_score']}{values['f_score']}{values['m_score']}", record.rfm_cell)
            self.assertAlmostEqual(float(values["monetary"]), record.monetary, places=2)
            self.assertEqual(values["last_purchase_date"].date(), record.last_purchase_date)
            self.assertEqual(values["segment"], record.segment)
