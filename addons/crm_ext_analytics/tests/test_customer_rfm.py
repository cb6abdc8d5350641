import pandas as pd

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import freeze_time, new_test_user, tagged, users

from odoo.addons.crm_ext_analytics.engine.rfm import SEGMENTS, rfm_scores
from odoo.addons.crm_ext_analytics.models import crm_ext_analytics_run_rfm
from odoo.addons.crm_ext_analytics.models.crm_ext_customer_rfm import segment_key

from .common import CrmExtAnalyticsCase

RUN_LOGGER = "odoo.addons.crm_ext_analytics.models.crm_ext_analytics_run"


@tagged("post_install", "-at_install")
class TestCustomerRfm(CrmExtAnalyticsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["account.chart.template"].try_loading("generic_coa", cls.company, install_demo=False)
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        cls.good, cls.refunded, cls.rare, cls.unscored = env["res.partner"].create(
            [
                {"name": "Good (test)", "is_company": True},
                {"name": "Refunded (test)"},
                {"name": "Rare (test)"},
                {"name": "Never bought (test)"},
            ]
        )
        cls.good_contact = env["res.partner"].create({"name": "Alice", "parent_id": cls.good.id})
        product = env["product.product"].create({"name": "Widget", "list_price": 100})

        def move(move_type, partner, price, date):
            return {
                "move_type": move_type,
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "invoice_date": date,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": 1, "price_unit": price, "tax_ids": []}
                    )
                ],
            }

        moves = env["account.move"].create(
            [
                move("out_invoice", cls.good, 300, "2026-01-15"),
                # invoiced to a contact: counts for the company
                move("out_invoice", cls.good_contact, 200, "2026-02-01"),
                move("out_invoice", cls.refunded, 100, "2026-01-10"),
                move("out_refund", cls.refunded, 100, "2026-01-20"),
                move("out_invoice", cls.rare, 50, "2025-06-01"),
            ]
        )
        moves.action_post()
        cls.customers = cls.good | cls.refunded | cls.rare
        cls.Rfm = cls.env["crm_ext.customer.rfm"]
        cls.History = cls.env["crm_ext.customer.rfm.history"]

    def _run(self):
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        run._execute()
        return run

    def _current_rows(self):
        # read as the test's user, as the run: the days since a purchase count from the user's
        # today, which differs from another user's around midnight when their time zones differ
        return self.env["crm_ext.customer.rfm"].search([("company_id", "=", self.company.id)])

    def _expected(self, run):
        today = fields.Date.context_today(run)
        return rfm_scores(run._read_invoices(), today).set_index("partner_id")

    def test_segment_selection_is_the_engine_segments(self):
        selection = self.Rfm._fields["segment"].selection
        self.assertEqual([label for __, label in selection], SEGMENTS)
        self.assertEqual(len({key for key, __ in selection}), 11)
        self.assertEqual(segment_key("Can't lose them"), "cant_lose_them")

    @users("crm_ext_analytics_manager")
    def test_run_stores_one_row_per_customer_with_engine_numbers(self):
        run = self._run()
        self.assertEqual(run.state, "done", run.log)
        rows = self._current_rows()
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows.partner_id, self.customers)
        self.assertEqual(rows.run_id, run)
        expected = self._expected(run)
        for row in rows:
            engine = expected.loc[row.partner_id.id]
            self.assertEqual(row.recency_days, engine["recency_days"])
            self.assertEqual(row.frequency, engine["frequency"])
            self.assertAlmostEqual(row.monetary, engine["monetary"])
            self.assertEqual(
                (row.r_score, row.f_score, row.m_score),
                (engine["r_score"], engine["f_score"], engine["m_score"]),
            )
            self.assertEqual(row.rfm_cell, f"{row.r_score}{row.f_score}{row.m_score}")
            self.assertEqual(row.segment, segment_key(engine["segment"]))
        by_partner = {row.partner_id: row for row in rows}
        # net of credit notes, in company currency, the contact's invoice included
        self.assertAlmostEqual(by_partner[self.good].monetary, 500.0)
        self.assertEqual(by_partner[self.good].frequency, 2)
        self.assertAlmostEqual(by_partner[self.refunded].monetary, 0.0)
        self.assertEqual(by_partner[self.refunded].frequency, 1)
        self.assertEqual(by_partner[self.good].currency_id, self.company.currency_id)
        history = self.History.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(history), 3)
        self.assertEqual(history.partner_id, self.customers)
        self.assertEqual(history.run_id, run)
        self.assertEqual(set(history.mapped("date")), {fields.Date.context_today(run)})
        self.assertEqual(
            {(line.partner_id, line.segment) for line in history},
            {(row.partner_id, row.segment) for row in rows},
        )

    @users("crm_ext_analytics_manager")
    def test_next_day_run_rewrites_nothing_that_did_not_change(self):
        """The last purchase date is stored, not the days since: a day later, without new invoices,
        no row and no history line is written, and the days since the last purchase still grow."""
        with freeze_time("2026-03-01"):
            first = self._run()
            before = {row.partner_id: row.recency_days for row in self._current_rows()}
        with freeze_time("2026-03-02"):
            second = self._run()
            rows = self._current_rows()
            rows.invalidate_recordset(["recency_days"])
            self.assertEqual(rows.run_id, first, "every row keeps the run that last changed it")
            self.assertEqual({row.partner_id: row.recency_days - 1 for row in rows}, before)
        self.assertEqual(self.History.search_count([("run_id", "=", second.id)]), 0)
        good = rows.filtered(lambda r: r.partner_id == self.good)
        self.assertEqual(good.last_purchase_date, fields.Date.to_date("2026-02-01"), "the contact's invoice")

    def test_second_run_keeps_unchanged_rows_and_logs_changes(self):
        first = self._run()
        first_rows = self._current_rows()
        second = self._run()
        self.assertEqual(second.state, "done", second.log)
        rows = self._current_rows()
        self.assertEqual(rows, first_rows, "the same rows, kept in place")
        self.assertEqual(rows.run_id, first, "nothing changed: no row was rewritten")
        history = self.History.search([("company_id", "=", self.company.id)])
        self.assertEqual(len(history), 3, "no change, no history row")
        # other figures: rows that change are rewritten, segment changes are logged
        before = {row.partner_id: (row.segment, row.rfm_cell) for row in rows}
        third = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        scores = self._scores(self.company, self.customers, as_of="2026-06-01")
        third._write_rfm_results(scores, fields.Date.to_date("2026-06-01"))
        after = {row.partner_id: (row.segment, row.rfm_cell) for row in self._current_rows()}
        changed = {partner for partner in after if after[partner] != before[partner]}
        self.assertTrue(changed, "the new scores move someone")
        logged = self.History.search([("run_id", "=", third.id)])
        self.assertEqual(set(logged.partner_id), changed)
        self.assertEqual(
            {line.partner_id: (line.segment, line.rfm_cell) for line in logged},
            {p: after[p] for p in changed},
        )
        self.assertEqual(
            self._current_rows().filtered(lambda r: r.run_id == third).partner_id, self.customers
        )

    def test_failed_scoring_leaves_previous_results(self):
        first = self._run()
        before = self._current_rows()
        snapshot = before.read(["partner_id", "segment", "rfm_cell", "monetary", "run_id"])

        def broken_engine(summary, as_of):
            raise ValueError("engine exploded")

        self.patch(crm_ext_analytics_run_rfm, "score_rfm", broken_engine)
        with self.assertLogs(RUN_LOGGER, "ERROR"):
            failed = self._run()
        self.assertEqual(failed.state, "failed")
        self.assertIn("engine exploded", failed.log)
        self.assertEqual(self._current_rows(), before)
        self.assertEqual(before.read(["partner_id", "segment", "rfm_cell", "monetary", "run_id"]), snapshot)
        self.assertEqual(before.run_id, first)
        self.assertEqual(self.History.search_count([("company_id", "=", self.company.id)]), 3)

    def test_failure_while_writing_rolls_back_the_writes(self):
        first = self._run()
        before = self._current_rows()
        Run = type(first)
        write_results = Run._write_rfm_results

        def write_then_fail(run, scores, as_of):
            write_results(run, scores, as_of)  # rows deleted and re-inserted ...
            raise RuntimeError("disk full")  # ... then the run dies

        self.patch(Run, "_write_rfm_results", write_then_fail)
        with self.assertLogs(RUN_LOGGER, "ERROR"):
            failed = self._run()
        self.assertEqual(failed.state, "failed")
        rows = self._current_rows()
        self.assertEqual(rows, before)
        self.assertEqual(rows.run_id, first)
        history = self.History.search([("company_id", "=", self.company.id)])
        self.assertEqual(history.run_id, first)

    def test_partner_fields_and_segment_search(self):
        self._run()
        rows = {row.partner_id: row for row in self._current_rows()}
        Partner = self.env["res.partner"].with_user(self.viewer)
        for partner in self.customers:
            row = rows[partner]
            mine = Partner.browse(partner.id)
            self.assertEqual(mine.crm_ext_rfm_segment, row.segment)
            self.assertEqual(mine.crm_ext_rfm_cell, row.rfm_cell)
            self.assertEqual(
                (mine.crm_ext_rfm_r_score, mine.crm_ext_rfm_f_score, mine.crm_ext_rfm_m_score),
                (row.r_score, row.f_score, row.m_score),
            )
        # a contact shows its company's scores
        self.assertEqual(Partner.browse(self.good_contact.id).crm_ext_rfm_segment, rows[self.good].segment)
        self.assertFalse(Partner.browse(self.unscored.id).crm_ext_rfm_segment)
        self.assertEqual(Partner.browse(self.unscored.id).crm_ext_rfm_r_score, 0)

        scope = [("id", "in", (self.customers | self.good_contact | self.unscored).ids)]
        segment = rows[self.good].segment
        found = Partner.search([*scope, ("crm_ext_rfm_segment", "=", segment)])
        expected = {partner for partner, row in rows.items() if row.segment == segment}
        self.assertEqual(set(found - self.good_contact), expected)
        self.assertIn(self.good_contact, found)
        all_segments = [key for key, __ in self.Rfm._fields["segment"].selection]
        self.assertEqual(
            Partner.search([*scope, ("crm_ext_rfm_segment", "in", all_segments)]),
            self.customers | self.good_contact,
        )
        self.assertEqual(Partner.search([*scope, ("crm_ext_rfm_segment", "=", False)]), self.unscored)
        self.assertEqual(
            Partner.search([*scope, ("crm_ext_rfm_segment", "!=", False)]), self.customers | self.good_contact
        )
        not_found = Partner.search([*scope, ("crm_ext_rfm_segment", "!=", segment)])
        self.assertEqual(not_found, (self.customers | self.unscored) - found)
        # a filter of the partner search view
        view_filter = [("crm_ext_rfm_segment", "in", ("champions", "loyal"))]
        self.assertEqual(
            Partner.search([*scope, *view_filter]),
            Partner.search([*scope]).filtered(lambda p: p.crm_ext_rfm_segment in ("champions", "loyal")),
        )

    def test_partner_fields_read_in_one_query(self):
        self._run()
        partners = self.customers | self.good_contact | self.unscored
        partners.mapped("commercial_partner_id")
        self.env.invalidate_all()
        partners = self.env["res.partner"].browse(partners.ids)
        partners.mapped("commercial_partner_id")
        with self.assertQueryCount(1):  # one search on crm_ext_customer_rfm
            partners.mapped("crm_ext_rfm_segment")
            partners.mapped("crm_ext_rfm_cell")

    def _scores(self, company, partners, as_of="2026-03-01"):
        frame = pd.DataFrame(
            [
                (company.id, partner.id, f"2026-01-{1 + i % 28:02d}", 10.0 * (i + 1))
                for i, partner in enumerate(partners)
            ],
            columns=["company_id", "partner_id", "invoice_date", "amount"],
        )
        return rfm_scores(frame, as_of)

    def test_companies_are_isolated(self):
        self._run()
        other = self.env["res.company"].create({"name": "Other Analytics Co (test)"})
        other_run = self.env["crm_ext.analytics.run"].create({"company_id": other.id})
        other_run._write_rfm_results(self._scores(other, self.customers), fields.Date.to_date("2026-03-01"))
        other_rows = self.Rfm.search([("company_id", "=", other.id)])
        self.assertEqual(len(other_rows), 3)
        # writing company B's results left company A's alone
        self.assertEqual(len(self._current_rows()), 3)

        Rfm = self.Rfm.with_user(self.viewer)
        self.assertEqual(Rfm.search([]).company_id, self.company)
        self.assertEqual(len(Rfm.search([])), 3)
        with self.assertRaises(AccessError):
            Rfm.browse(other_rows[0].id).read(["segment"])
        History = self.History.with_user(self.viewer)
        self.assertEqual(History.search([]).company_id, self.company)
        # the viewer's partners show company A's scores only
        mine = {row.partner_id: row.segment for row in self._current_rows()}
        for partner in self.env["res.partner"].with_user(self.viewer).browse(self.customers.ids):
            self.assertEqual(partner.crm_ext_rfm_segment, mine[partner])
        # a viewer cannot change results
        with self.assertRaises(AccessError):
            Rfm.search([], limit=1).unlink()

    def test_write_stage_query_count_does_not_grow(self):
        partners = self.env["res.partner"].create([{"name": f"Bulk {i} (test)"} for i in range(30)])
        run = self.env["crm_ext.analytics.run"].create({"company_id": self.company.id})
        as_of = fields.Date.to_date("2026-03-01")
        counts = []
        # the company's rows read, then COPY of the new rows and the history (COPY is not
        # counted); later also a temporary table (COPY), one UPDATE and DROP: none per customer
        for size, queries in ((3, 1), (30, 4)):
            scores = self._scores(self.company, partners[:size])
            before = {
                row.partner_id: (row.segment, row.rfm_cell)
                for row in self.Rfm.search([("company_id", "=", self.company.id)])
            }
            self.env.flush_all()
            with self.assertQueryCount(queries):
                run._write_rfm_results(scores, as_of)
            counts.append(self.Rfm.search_count([("company_id", "=", self.company.id)]))
        self.assertEqual(counts, [3, 30])
        moved = sum(
            1
            for partner, values in before.items()
            if (
                self.Rfm.search(
                    [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
                ).segment,
                self.Rfm.search(
                    [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
                ).rfm_cell,
            )
            != values
        )
        self.assertEqual(self.History.search_count([("run_id", "=", run.id)]), 3 + 27 + moved)

    def test_company_without_invoices_keeps_previous_results(self):
        empty = self.env["res.company"].create({"name": "No invoices any more (test)"})
        earlier = self.env["crm_ext.analytics.run"].create({"company_id": empty.id})
        earlier._write_rfm_results(self._scores(empty, self.customers), fields.Date.to_date("2026-03-01"))
        before = self.Rfm.search([("company_id", "=", empty.id)])
        run = self.env["crm_ext.analytics.run"].create({"company_id": empty.id})
        run._execute()
        self.assertEqual(run.state, "done")
        self.assertIn("nothing to score", run.log)
        self.assertEqual(self.Rfm.search([("company_id", "=", empty.id)]), before)
        self.assertEqual(before.run_id, earlier)

    def test_partner_views_show_scores_to_analytics_users_only(self):
        plain = new_test_user(
            self.env, login="crm_ext_analytics_plain", groups="base.group_user", company_id=self.company.id
        )
        for user, visible in ((self.viewer, True), (plain, False)):
            views = (
                self.env["res.partner"]
                .with_user(user)
                .get_views([(False, "form"), (False, "list"), (False, "search")])
            )
            for view_type in ("form", "list", "search"):
                arch = views["views"][view_type]["arch"]
                self.assertEqual('name="crm_ext_rfm_segment"' in arch, visible, f"{user.login} {view_type}")
