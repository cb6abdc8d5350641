from odoo import fields
from odoo.tests import new_test_user

from .common import CrmExtServiceCase


class CrmExtFieldServiceCase(CrmExtServiceCase):
    """Products, stock and a technician for contracts, installed base and field orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["crm_ext.ticket"])
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.technician = new_test_user(
            cls.env, login="crm_ext_service_technician", groups="crm_ext_service.group_service_user"
        )
        Product = cls.env["product.product"]
        cls.contract_product = Product.create(
            {
                "name": "Maintenance Contract (test)",
                "type": "service",
                "list_price": 300.0,
                "crm_ext_service_contract": True,
                "crm_ext_service_duration_months": 12,
                "crm_ext_service_cover_parts": True,
                "crm_ext_service_cover_labour": True,
            }
        )
        cls.warranty_product = Product.create(
            {
                "name": "Boiler (test)",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 900.0,
                "crm_ext_service_warranty": True,
                "crm_ext_service_duration_months": 24,
                "crm_ext_service_cover_parts": True,
                "crm_ext_service_cover_labour": False,
            }
        )
        cls.part = Product.create(
            {"name": "Valve (test)", "type": "consu", "is_storable": True, "list_price": 10.0}
        )
        cls.labour = cls.env.ref("crm_ext_service.product_field_service_labour")
        cls.env["stock.quant"]._update_available_quantity(cls.part, cls.stock_location, 10)

    @classmethod
    def _quant(cls, product, location=None):
        return cls.env["stock.quant"]._gather(product, location or cls.stock_location)

    def _make_ticket(self, **values):
        return self.env["crm_ext.ticket"].create(
            {"name": "Boiler leaks (test)", "partner_id": self.contact.id, "team_id": self.team.id, **values}
        )

    def _make_contract(self, start, end, **values):
        return self.env["crm_ext.service.contract"].create(
            {
                "partner_id": self.customer.id,
                "product_id": self.contract_product.id,
                "start_date": start,
                "end_date": end,
                **values,
            }
        )

    def _make_order(self, lines):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.contact.id,
                "order_line": [
                    fields.Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in lines
                ],
            }
        )
        order.action_confirm()
        return order

    def _deliver_serials(self, names):
        Lot = self.env["stock.lot"]
        lots = Lot.create(
            [
                {"name": name, "product_id": self.warranty_product.id, "company_id": self.company.id}
                for name in names
            ]
        )
        for lot in lots:
            self.env["stock.quant"]._update_available_quantity(
                self.warranty_product, self.stock_location, 1, lot_id=lot
            )
        order = self._make_order([(self.warranty_product, len(names))])
        picking = order.picking_ids
        picking.action_assign()
        self.assertEqual(picking.move_line_ids.lot_id, lots)
        picking.move_ids.picked = True
        self.assertIs(picking.button_validate(), True)
        self.assertEqual(picking.state, "done")
        return order, picking, lots
