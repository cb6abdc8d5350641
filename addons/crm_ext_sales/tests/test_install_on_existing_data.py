from datetime import datetime, timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged

from .common import CrmExtSalesCase


@tagged("post_install", "-at_install")
class TestInstallOnExistingData(CrmExtSalesCase):
    """Installed on a database that already has leads, invoices and transfers, the module fills
    its stored computed columns in SQL (``_auto_init``), not record by record with a tracking
    message each: the SQL gives what the ORM's computations give."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead, Stage = cls.env["crm.lead"], cls.env["crm.stage"]
        cls.stage_commit = Stage.create(
            {"name": "Contract (test)", "crm_ext_forecast_category": "commit", "sequence": 91}
        )
        cls.stage_won = Stage.search([("is_won", "=", True)], limit=1)
        cls.today = fields.Date.context_today(cls.env.user)
        deadline = cls.today + timedelta(days=40)
        cls.leads = {
            "commit": Lead.create(
                {
                    "name": "Open (test)",
                    "type": "opportunity",
                    "stage_id": cls.stage_commit.id,
                    "date_deadline": deadline,
                }
            ),
            "won": Lead.create({"name": "Won (test)", "type": "opportunity", "date_deadline": deadline}),
            "lost": Lead.create({"name": "Lost (test)", "type": "opportunity"}),
            "archived": Lead.create(
                {
                    "name": "Archived (test)",
                    "type": "opportunity",
                    "stage_id": cls.stage_commit.id,
                    "probability": 30,
                }
            ),
            "no_stage": Lead.create({"name": "Lead without stage (test)", "type": "lead"}),
        }
        cls.leads["won"].action_set_won()
        cls.leads["won"].date_closed = datetime(2025, 3, 17, 23, 30)
        cls.leads["lost"].action_set_lost()
        cls.leads["archived"].write({"active": False, "probability": 30})
        cls.leads["no_stage"].stage_id = False

        product = cls.env["product.product"].create(
            {"name": "Desk (install test)", "type": "consu", "list_price": 50, "taxes_id": [Command.clear()]}
        )
        opportunity_a, opportunity_b = cls.leads["commit"], cls.leads["won"]

        def order(opportunity):
            so = cls.env["sale.order"].create(
                {
                    "partner_id": cls.customer.id,
                    "opportunity_id": opportunity.id if opportunity else False,
                    "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
                }
            )
            so.action_confirm()
            return so

        one, two, three, none = order(opportunity_a), order(opportunity_a), order(opportunity_b), order(False)
        cls.invoice_one = one._create_invoices()
        cls.invoice_two_opportunities = (two | three)._create_invoices()
        cls.invoice_no_opportunity = none._create_invoices()
        (cls.invoice_one | cls.invoice_two_opportunities | cls.invoice_no_opportunity).action_post()
        cls.credit_note = cls.invoice_one._reverse_moves()
        cls.moves = (
            cls.invoice_one | cls.invoice_two_opportunities | cls.invoice_no_opportunity | cls.credit_note
        )
        cls.picking = one.picking_ids
        cls.opportunity_a, cls.opportunity_b = opportunity_a, opportunity_b

    def _as_if_installed_now(self):
        """Empties the columns of the records above and fills them as the install does."""
        self.env.flush_all()
        cr = self.env.cr
        lead_ids = [lead.id for lead in self.leads.values()]
        cr.execute(
            "UPDATE crm_lead SET crm_ext_forecast_category = NULL, crm_ext_forecast_month = NULL"
            " WHERE id = ANY(%s)",
            [lead_ids],
        )
        cr.execute(
            "UPDATE account_move SET crm_ext_opportunity_id = NULL WHERE id = ANY(%s)", [self.moves.ids]
        )
        cr.execute(
            "UPDATE stock_picking SET crm_ext_opportunity_id = NULL WHERE id = ANY(%s)", [self.picking.ids]
        )
        self.env.invalidate_all()
        self.env["crm.lead"]._init_forecast_columns(["crm_ext_forecast_category", "crm_ext_forecast_month"])
        self.env["account.move"]._init_opportunity_column()
        self.env["stock.picking"]._init_opportunity_column()
        self.env.invalidate_all()

    def test_sql_fill_equals_the_orm(self):
        computed = {
            key: (lead.crm_ext_forecast_category, lead.crm_ext_forecast_month)
            for key, lead in self.leads.items()
        }
        linked = {move.id: move.crm_ext_opportunity_id for move in self.moves}
        self._as_if_installed_now()
        self.assertEqual(
            {
                key: (lead.crm_ext_forecast_category, lead.crm_ext_forecast_month)
                for key, lead in self.leads.items()
            },
            computed,
        )
        self.assertEqual({move.id: move.crm_ext_opportunity_id for move in self.moves}, linked)

    def test_sql_fill_values(self):
        self._as_if_installed_now()
        month = (self.today + timedelta(days=40)).replace(day=1)
        self.assertEqual(
            {
                key: (lead.crm_ext_forecast_category, lead.crm_ext_forecast_month)
                for key, lead in self.leads.items()
            },
            {
                "commit": ("commit", month),
                "won": ("won", datetime(2025, 3, 1).date()),  # the month it was won, not its deadline
                "lost": ("omitted", False),
                "archived": ("commit", False),  # archived, not lost: its stage's category
                "no_stage": ("pipeline", False),
            },
        )
        self.assertEqual(self.invoice_one.crm_ext_opportunity_id, self.opportunity_a)
        self.assertEqual(self.credit_note.crm_ext_opportunity_id, self.opportunity_a)
        self.assertFalse(self.invoice_two_opportunities.crm_ext_opportunity_id, "orders of two opportunities")
        self.assertFalse(self.invoice_no_opportunity.crm_ext_opportunity_id)
        self.assertEqual(self.picking.crm_ext_opportunity_id, self.opportunity_a)

    def test_sql_fill_keeps_other_companies_apart(self):
        # an opportunity of another company is never linked to this company's invoice
        self.opportunity_a.flush_recordset()
        self.env.cr.execute(
            "UPDATE crm_lead SET company_id = %s WHERE id = %s",
            [self.other_company.id, self.opportunity_a.id],
        )
        self._as_if_installed_now()
        self.assertFalse(self.invoice_one.crm_ext_opportunity_id)
