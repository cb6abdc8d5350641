from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user

from odoo.addons.crm_ext_sales.tests.common import CrmExtCase


class CrmExtMarketingCase(CrmExtCase):
    other_company_name = "Other Marketing Co (test)"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.marketer = new_test_user(
            cls.env, login="crm_ext_marketer", groups="crm_ext_marketing.group_marketing_user"
        )
        cls.marketing_manager = new_test_user(
            cls.env,
            login="crm_ext_marketing_manager",
            groups="crm_ext_marketing.group_marketing_manager",
            company_ids=[(6, 0, (cls.company | cls.other_company).ids)],
        )
        cls.tag = cls.env["res.partner.category"].create({"name": "VIP (test)"})
        cls.vip = cls.env["res.partner"].create(
            [{"name": f"VIP {i}", "category_id": [(4, cls.tag.id)]} for i in range(3)]
        )
        cls.foreign_vip = cls.env["res.partner"].create(
            {"name": "Foreign VIP", "category_id": [(4, cls.tag.id)], "company_id": cls.other_company.id}
        )


class CrmExtBehaviourCase(CrmExtMarketingCase):
    """Customers with orders, invoices, credit notes and opportunities at known dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.behaviour_tag = cls.env["res.partner.category"].create({"name": "Behaviour (test)"})
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": f"Behaviour customer {i}",
                    "is_company": True,
                    "category_id": [(4, cls.behaviour_tag.id)],
                }
                for i in range(6)
            ]
        )
        # a contact of customer 0: behaves as its company
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Contact of customer 0",
                "parent_id": cls.customers[0].id,
                "category_id": [(4, cls.behaviour_tag.id)],
            }
        )
        cls.parent_categ = cls.env["product.category"].create({"name": "Garden (test)"})
        cls.child_categ = cls.env["product.category"].create(
            {"name": "Tools (test)", "parent_id": cls.parent_categ.id}
        )
        cls.other_categ = cls.env["product.category"].create({"name": "Office (test)"})
        cls.tool = cls.env["product.product"].create(
            {"name": "Spade (test)", "categ_id": cls.child_categ.id, "list_price": 100, "type": "consu"}
        )
        cls.paper = cls.env["product.product"].create(
            {"name": "Paper (test)", "categ_id": cls.other_categ.id, "list_price": 10, "type": "consu"}
        )
        c = cls.customers
        # customer 0 (through its contact): recent order of tools, 2 orders in total
        cls._order(cls.contact, cls.tool, days_ago=10)
        cls._order(c[0], cls.paper, days_ago=200)
        # customer 1: one old order (2 years ago) of paper
        cls._order(c[1], cls.paper, days_ago=730)
        # customer 2: three recent orders of paper
        for days in (5, 20, 40):
            cls._order(c[2], cls.paper, days_ago=days)
        # a draft quotation never counts
        cls.env["sale.order"].create(
            {"partner_id": c[5].id, "order_line": [fields.Command.create({"product_id": cls.tool.id})]}
        )
        # invoices: customer 0 invoiced 3000, refunded 2500 -> net 500 this year
        cls._invoice(c[0], 3000, days_ago=30)
        cls._invoice(c[0], 2500, days_ago=20, refund=True)
        # customer 1 invoiced 1500 this year, 5000 three years ago
        cls._invoice(c[1], 1500, days_ago=100)
        cls._invoice(c[1], 5000, days_ago=1100)
        # customer 3 invoiced 2000 through a draft invoice only: never counts
        cls._invoice(c[3], 2000, days_ago=10, post=False)
        # open opportunity for customer 4 and a won one for customer 5
        cls.env["crm.lead"].create(
            [
                {"name": "Open deal (test)", "type": "opportunity", "partner_id": c[4].id},
                {"name": "Won deal (test)", "type": "opportunity", "partner_id": c[5].id, "probability": 100},
            ]
        )

    @classmethod
    def _order(cls, partner, product, days_ago):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [fields.Command.create({"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        order.date_order = fields.Datetime.now() - timedelta(days=days_ago)
        return order

    @classmethod
    def _invoice(cls, partner, amount, days_ago, refund=False, post=True):
        move = cls.env["account.move"].create(
            {
                "move_type": "out_refund" if refund else "out_invoice",
                "partner_id": partner.id,
                "invoice_date": cls.today - timedelta(days=days_ago),
                "invoice_line_ids": [
                    fields.Command.create(
                        {"name": "Service (test)", "quantity": 1, "price_unit": amount, "tax_ids": []}
                    )
                ],
            }
        )
        if post:
            move.action_post()
        return move
