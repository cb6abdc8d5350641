from datetime import date, timedelta

from psycopg2.errors import CheckViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import jalali
from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestSalesTarget(CrmExtSalesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create({"name": "Target team (test)"})
        cls.product = cls.env["product.product"].create({"name": "Widget (test)"})

    def _move(self, move_type, amount, invoice_date, user=None, team=None, post=True):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": self.customer.id,
                "invoice_user_id": (user or self.sales_user).id,
                "team_id": (team or self.team).id,
                "invoice_date": invoice_date,
                "invoice_line_ids": [
                    Command.create({"product_id": self.product.id, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def test_attainment_from_invoices_net_of_credit_notes(self):
        self._move("out_invoice", 1000, "2030-04-10")
        self._move("out_invoice", 500, "2030-05-20")
        self._move("out_refund", 200, "2030-05-21")
        self._move("out_invoice", 999, "2030-05-22", post=False)  # draft: not revenue
        self._move("out_invoice", 300, "2030-07-01")  # next quarter
        Target = self.env["crm_ext.sales.target"]
        quarter = Target.create(
            {
                "user_id": self.sales_user.id,
                "period_type": "quarter",
                "date_from": "2030-04-01",
                "amount": 2600,
            }
        )
        self.assertEqual(quarter.date_to, date(2030, 6, 30))
        self.assertEqual(quarter.achieved_amount, 1300.0)
        self.assertEqual(quarter.attainment, 50.0)
        may_team = Target.create({"team_id": self.team.id, "date_from": "2030-05-01", "amount": 100})
        self.assertEqual(may_team.date_to, date(2030, 5, 31))
        self.assertEqual(may_team.achieved_amount, 300.0)
        rows = self.env["crm_ext.sales.target.report"]._read_group(
            [("target_id", "in", (quarter | may_team).ids)], ["target_id"], ["gap_amount:sum"]
        )
        self.assertEqual(dict(rows), {quarter: 1300.0, may_team: -200.0})

    def test_jalali_months_and_quarters(self):
        self.env.company.crm_ext_date_analytics_jalali = True
        self._move("out_invoice", 400, "2030-11-21")  # 1409/08/30, the last day of Aban
        self._move("out_invoice", 700, "2030-11-22")  # 1409/09/01, Azar
        self._move("out_invoice", 300, "2030-12-21")  # 1409/09/30, the last day of Azar
        Target = self.env["crm_ext.sales.target"]
        azar = Target.create({"team_id": self.team.id, "date_from": "2030-11-22", "amount": 2000})
        self.assertEqual(azar.date_to, date(2030, 12, 21))
        self.assertEqual(azar.name, f"{self.team.name} 1409/09/01…1409/09/30")
        self.assertEqual(azar.achieved_amount, 1000.0)
        autumn = Target.create(  # Jalali Q3: Mehr, Aban and Azar
            {"team_id": self.team.id, "period_type": "quarter", "date_from": "2030-09-23", "amount": 1}
        )
        self.assertEqual(autumn.date_to, date(2030, 12, 21))
        self.assertEqual(autumn.achieved_amount, 1400.0)
        default = Target.create({"team_id": self.team.id, "amount": 1})
        self.assertEqual(jalali.to_jalali(default.date_from).day, 1)
        self.assertEqual(jalali.to_jalali(default.date_to + timedelta(days=1)).day, 1)
        self.assertEqual(
            jalali.add_months(date(2026, 9, 22), 1), date(2026, 10, 22)
        )  # 31 Shahrivar -> 30 Mehr
        self.env.company.crm_ext_date_analytics_jalali = False
        gregorian = Target.create({"team_id": self.team.id, "date_from": "2030-11-01", "amount": 1})
        self.assertEqual(gregorian.date_to, date(2030, 11, 30))

    def test_bad_targets_are_refused(self):
        Target = self.env["crm_ext.sales.target"]
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            Target.create(
                {
                    "user_id": self.sales_user.id,
                    "date_from": "2030-05-01",
                    "date_to": "2030-04-01",
                    "amount": 1,
                }
            )
        for vals in ({"amount": -1, "user_id": self.sales_user.id}, {"amount": 1}):
            with (
                self.subTest(vals=vals),
                mute_logger("odoo.sql_db"),
                self.assertRaises(CheckViolation),
                self.env.cr.savepoint(),
            ):
                Target.create({"date_from": "2030-05-01", **vals})

    def test_manager_adjusts_with_a_logged_reason(self):
        target = self.env["crm_ext.sales.target"].create({"team_id": self.team.id, "amount": 1000})
        wizard = (
            self.env["crm_ext.sales.target.adjust"]
            .with_user(self.sales_manager)
            .create({"target_id": target.id, "amount": 800, "reason": "Two salespeople on leave"})
        )
        wizard.action_apply()
        self.assertEqual(target.amount, 800)
        self.assertIn("Two salespeople on leave", "".join(target.message_ids.mapped("body")))
        with self.assertRaises(AccessError):
            self.env["crm_ext.sales.target.adjust"].with_user(self.sales_user).create(
                {"target_id": target.id, "amount": 1, "reason": "no"}
            )
        with self.assertRaisesRegex(UserError, "cannot be negative"):
            self.env["crm_ext.sales.target.adjust"].with_user(self.sales_manager).create(
                {"target_id": target.id, "amount": -5, "reason": "oops"}
            ).action_apply()
        self.assertEqual(target.amount, 800)

    def test_salesperson_reads_but_cannot_set_targets(self):
        target = self.env["crm_ext.sales.target"].create({"user_id": self.sales_user.id, "amount": 10})
        self.assertEqual(target.with_user(self.sales_user).amount, 10)
        with self.assertRaises(AccessError):
            target.with_user(self.sales_user).amount = 1000
