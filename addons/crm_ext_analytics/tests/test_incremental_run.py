from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import CrmExtAnalyticsCase

# what a run leaves on each customer's row; an incremental run must leave the same as a full one
ROW_FIELDS = [
    "partner_id", "last_purchase_date", "frequency", "monetary", "r_score", "f_score", "m_score",
    "rfm_cell", "segment", "margin", "clv_first_date", "clv_last_date", "clv_repeat", "clv_repeat_value",
    "clv_predicted", "clv_p_alive", "clv_expected_purchases", "clv_decile",
]  # fmt: skip


@tagged("post_install", "-at_install")
class TestIncrementalRun(CrmExtAnalyticsCase):
    """Incremental runs: after a full run, a run recomputes the inputs of only the customers with invoices or
    credit notes created or changed since, and ends with the results a full run gives."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        cls.cenv = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.product = cls.cenv["product.product"].create(
            {"name": "Widget (incremental test)", "list_price": 80}
        )
        cls.product.with_company(cls.company).standard_price = 30.0
        cls.today = fields.Date.context_today(cls.cenv["crm_ext.analytics.run"])
        # 30 customers, most with repeat purchases: lifetime value fits its models, churn scores all
        cls.partners, cls.moves = cls._post_repeat_buyers(cls.product, "Incremental", 5, cls.today)
        cls.Rfm = cls.env["crm_ext.customer.rfm"]

    def _run(self, **values):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id, **values})
        run._execute()
        self.assertEqual(run.state, "done", run.log)
        return run

    def _rows(self):
        rows = self.Rfm.search([("company_id", "=", self.company.id)])
        return {row["partner_id"][0]: row for row in rows.read(ROW_FIELDS)}

    def _age(self, run, days):
        """As if ``run`` had started ``days`` ago and every invoice so far had been written before."""
        self.env.flush_all()
        started = fields.Datetime.now() - timedelta(days=days)
        self.env.cr.execute(
            "UPDATE account_move SET write_date = %s WHERE company_id = %s",
            (started - timedelta(days=1), self.company.id),
        )
        self.env.cr.execute(
            "UPDATE crm_ext_analytics_run SET date_start = %s WHERE id = %s", (started, run.id)
        )
        self.env.invalidate_all()

    def test_incremental_run_recomputes_only_the_changed_customers(self):
        first = self._run()
        self.assertEqual(first.mode, "full")
        self.assertIn("no earlier run stored the customers' inputs", first.log)
        self._age(first, 1)
        new_buyer, refunded, cancelled, untouched = (
            self.partners[0],
            self.partners[1],
            self.partners[2],
            self.partners[3],
        )
        # what a run would find again if it read the untouched customer's invoice lines: a figure no
        # run computes, to show which customers were read again
        self.env.cr.execute(
            "UPDATE crm_ext_customer_rfm SET margin = 12345 WHERE company_id = %s AND partner_id IN %s",
            (self.company.id, (untouched.id, new_buyer.id)),
        )
        self.env.invalidate_all()
        self._post_customer_moves(
            self.company,
            self.product,
            [(new_buyer, self.today, 500.0, "out_invoice"), (refunded, self.today, 60.0, "out_refund")],
        )
        self.moves.filtered(lambda m: m.partner_id == cancelled).button_draft()

        second = self._run()
        self.assertEqual(second.mode, "incremental", second.log)
        self.assertEqual(second.since, first.date_start - timedelta(hours=1))
        changed = set(second._changed_partner_ids().tolist())
        # the three customers, and maybe a few whose invoices Odoo itself rewrote (the sequence gap
        # flag of the invoices after the ones reset to draft): a superset is still right
        self.assertLessEqual({new_buyer.id, refunded.id, cancelled.id}, changed)
        self.assertLess(len(changed), 10)
        self.assertNotIn(untouched.id, changed)
        self.assertEqual(second.changed_customer_count, len(changed))
        self.assertIn(f"Incremental run: {len(changed)} customers", second.log)
        rows = self._rows()
        self.assertNotIn(cancelled.id, rows)  # no posted invoice left: no longer scored
        self.assertEqual(rows[untouched.id]["margin"], 12345)  # kept, not read again
        self.assertNotEqual(rows[new_buyer.id]["margin"], 12345)  # read again
        self.assertEqual(rows[new_buyer.id]["last_purchase_date"], self.today)

        # a full run asked for reads everyone again: same results except the planted margin
        third = self._run(full_run=True)
        self.assertEqual(third.mode, "full")
        self.assertIn("Full run: asked for.", third.log)
        full = self._rows()
        self.assertNotEqual(full[untouched.id]["margin"], 12345)
        rows[untouched.id]["margin"] = full[untouched.id]["margin"]
        self.assertEqual(set(rows), set(full))
        for partner_id, row in full.items():
            for name in ROW_FIELDS:
                if isinstance(row[name], float):
                    self.assertAlmostEqual(rows[partner_id][name], row[name], places=2, msg=name)
                else:
                    self.assertEqual(rows[partner_id][name], row[name], name)

    def test_nothing_changed_keeps_every_input(self):
        first = self._run()
        self._age(first, 1)
        before = self._rows()
        second = self._run()
        self.assertEqual((second.mode, second.changed_customer_count), ("incremental", 0))
        self.assertEqual(second.invoice_count, 0)  # no invoice read for RFM
        after = self._rows()
        for partner_id, row in before.items():
            for name in (
                "last_purchase_date",
                "frequency",
                "monetary",
                "margin",
                "clv_first_date",
                "clv_repeat",
            ):
                self.assertEqual(after[partner_id][name], row[name], name)

    def test_settings_decide_full_runs(self):
        first = self._run()
        self._age(first, 3)
        self.company.crm_ext_analytics_incremental = False
        second = self._run()
        self.assertEqual(second.mode, "full")
        self.assertIn("incremental runs are off", second.log)
        self.company.crm_ext_analytics_incremental = True
        self._age(second, 3)
        self.company.crm_ext_analytics_full_days = 2  # the last full run is 3 days old
        third = self._run()
        self.assertEqual(third.mode, "full")
        self.assertIn("older than 2 days", third.log)
        self._age(third, 3)
        self.company.crm_ext_analytics_full_days = 7
        self.assertEqual(self._run().mode, "incremental")
        with self.assertRaisesRegex(Exception, "every 1 to 366 days"):
            self.company.crm_ext_analytics_full_days = 0
            self.company.flush_recordset()

    def test_failed_run_is_not_a_starting_point(self):
        first = self._run()
        self._age(first, 1)
        failed = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        with (
            patch.object(type(failed), "_stage_basket", lambda self: 1 / 0),
            self.assertLogs("odoo.addons.crm_ext_analytics.models.crm_ext_analytics_run", "ERROR"),
        ):
            failed._execute()
        self.assertEqual(failed.state, "failed")
        second = self._run()
        self.assertEqual(second.since, first.date_start - timedelta(hours=1))

    def test_changes_in_another_company_are_not_this_companys(self):
        first = self._run()
        self._age(first, 1)
        other = self.env["res.company"].create({"name": "Other incremental Co (test)"})
        self.env["account.chart.template"].try_loading("generic_coa", other, install_demo=False)
        product = self.env["product.product"].create({"name": "Other widget (test)", "list_price": 5})
        # the same customer buys from the other company
        self._post_customer_moves(other, product, [(self.partners[0], self.today, 70.0, "out_invoice")])
        second = self._run()
        self.assertEqual((second.mode, second.changed_customer_count), ("incremental", 0))
        other_run = self.env["crm_ext.analytics.run"].create({"company_id": other.id})
        other_run._execute()
        self.assertEqual((other_run.state, other_run.mode), ("done", "full"), other_run.log)
        self.assertEqual(self.Rfm.search([("company_id", "=", other.id)]).partner_id, self.partners[0])

    def test_stages_share_what_a_run_reads_once(self):
        Run = type(self.env["crm_ext.analytics.run"])
        read_invoices = Run._read_invoices
        calls = []

        def counting_read_invoices(run, partner_ids=None):
            calls.append(partner_ids)
            return read_invoices(run, partner_ids)

        with patch.object(Run, "_read_invoices", counting_read_invoices):
            first = self._run()
        # lifetime value and churn both need every customer's purchase days: read once
        self.assertEqual(first.mode, "full")
        self.assertEqual(calls, [None])
        self.assertNotIn(("crm_ext_analytics_run", first.id), self.env.cr.cache)
        self._age(first, 1)
        customer = self.partners[3]
        self._post_customer_moves(self.company, self.product, [(customer, self.today, 55.0, "out_invoice")])
        calls.clear()
        cr = self.env.cr
        with (
            patch.object(Run, "_read_invoices", counting_read_invoices),
            patch.object(cr, "execute", wraps=cr.execute) as execute,
        ):
            second = self._run()
        self.assertEqual((second.mode, second.changed_customer_count), ("incremental", 1))
        # the changed customers are looked up by one query for the whole run
        queries = [getattr(call.args[0], "code", str(call.args[0])) for call in execute.call_args_list]
        self.assertEqual(len([q for q in queries if "write_date >=" in q]), 1)
        # lifetime value reads the changed customer's days, churn every customer's
        self.assertEqual(len(calls), 2)
        self.assertEqual(list(calls[0]), [customer.id])
        self.assertIsNone(calls[1])
        self.assertNotIn(("crm_ext_analytics_run", second.id), self.env.cr.cache)
