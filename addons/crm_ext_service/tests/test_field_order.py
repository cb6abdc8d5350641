from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common_field_service import CrmExtFieldServiceCase

PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="


@tagged("post_install", "-at_install")
class TestFieldOrder(CrmExtFieldServiceCase):
    def _make_field_order(self, ticket=None, parts=((None, 3),), **values):
        ticket = ticket or self._make_ticket()
        return (
            self.env["crm_ext.field.order"]
            .with_user(self.agent)
            .create(
                {
                    "ticket_id": ticket.id,
                    "user_id": self.technician.id,
                    "scheduled_start": fields.Datetime.now(),
                    "duration": 2.0,
                    "line_ids": [
                        fields.Command.create({"product_id": (product or self.part).id, "quantity": qty})
                        for product, qty in parts
                    ],
                    **values,
                }
            )
        )

    def test_parts_delivery_reserves_and_consumes_stock(self):
        order = self._make_field_order()
        self.assertTrue(order.name.startswith("FSO/"))
        self.assertEqual(order.partner_id, self.contact)
        self.assertEqual(order.scheduled_end, order.scheduled_start + relativedelta(hours=2))
        quant = self._quant(self.part)
        self.assertEqual((quant.quantity, quant.reserved_quantity), (10, 0))
        order.action_schedule()
        picking = order.picking_id
        self.assertEqual(order.state, "scheduled")
        self.assertEqual(picking.picking_type_id, self.warehouse.out_type_id)
        self.assertEqual(picking.location_id, self.stock_location)
        self.assertEqual(picking.partner_id, self.contact)
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(quant.reserved_quantity, 3, "the parts are reserved")
        self.assertEqual(quant.quantity, 10)
        order.action_start()
        order.hours_worked = 1.5
        order.action_done()
        self.assertEqual(order.state, "done")
        self.assertEqual(picking.state, "done")
        quant = self._quant(self.part)
        self.assertEqual((quant.quantity, quant.reserved_quantity), (7, 0), "the parts left the stock")

    def test_unreserved_parts_block_completion(self):
        order = self._make_field_order(parts=((None, 25),))
        order.action_schedule()
        self.assertEqual(order.picking_id.sudo().move_ids.state, "partially_available")
        order.action_start()
        with self.assertRaises(UserError):
            order.action_done()
        self.assertEqual(order.state, "in_progress")
        self.assertEqual(self._quant(self.part).quantity, 10)

    def test_uncovered_work_is_invoiced(self):
        lead = self.env["crm.lead"].create(
            {"name": "Boiler deal (test)", "type": "opportunity", "partner_id": self.customer.id}
        )
        ticket = self._make_ticket(lead_id=lead.id)
        self.assertEqual(ticket.coverage_status, "not_covered")
        order = self._make_field_order(ticket)
        order.action_start()
        order.write({"hours_worked": 2.0, "report": "<p>Replaced three valves.</p>"})
        order.action_done()
        invoice = order.invoice_id
        self.assertTrue(invoice)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(invoice.crm_ext_opportunity_id, lead, "crm_ext_sales' invoice to opportunity link")
        self.assertIn(order.name, invoice.invoice_origin)
        self.assertIn(ticket.number, invoice.invoice_origin)
        lines = invoice.invoice_line_ids
        self.assertEqual(len(lines), 2)
        part_line = lines.filtered(lambda line: line.product_id == self.part)
        labour_line = lines.filtered(lambda line: line.product_id == self.labour)
        self.assertEqual((part_line.quantity, part_line.price_unit, part_line.price_subtotal), (3, 10, 30))
        self.assertEqual(
            (labour_line.quantity, labour_line.price_unit, labour_line.price_subtotal), (2, 60, 120)
        )
        self.assertEqual(invoice.amount_untaxed, 150)
        self.assertEqual(ticket.field_order_ids, order)
        self.assertEqual(ticket.field_order_count, 1)
        self.assertEqual(ticket.field_invoice_count, 1)
        self.assertEqual(
            self.env["account.move"].search(ticket.action_view_field_invoices()["domain"]), invoice
        )
        # the service analysis counts the completed order's parts and labour as cost to serve
        self.env.flush_all()
        row = self.env["crm_ext.service.report"].search([("ticket_id", "=", ticket.id)])
        self.assertEqual((row.field_hours, row.cost_to_serve), (2.0, 150.0))

    def test_labour_product_from_settings(self):
        labour = self.env["product.product"].create(
            {"name": "Senior technician hour (test)", "type": "service", "list_price": 95.0}
        )
        self.env["res.config.settings"].create({"crm_ext_service_labour_product_id": labour.id}).execute()
        self.assertEqual(self.company.crm_ext_service_labour_product_id, labour)
        order = self._make_field_order(parts=())
        order.action_start()
        order.hours_worked = 1.0
        order.action_done()
        self.assertEqual(order.invoice_id.invoice_line_ids.product_id, labour)
        self.assertEqual(order.invoice_id.amount_untaxed, 95)

    def test_covered_work_is_not_invoiced(self):
        self._make_contract(self.today - relativedelta(months=1), self.today + relativedelta(months=11))
        ticket = self._make_ticket()
        self.assertEqual(ticket.coverage_status, "covered")
        order = self._make_field_order(ticket)
        order.action_start()
        order.hours_worked = 3.0
        order.action_done()
        self.assertEqual(order.state, "done")
        self.assertTrue(order.cover_parts and order.cover_labour)
        self.assertFalse(order.invoice_id)
        self.assertEqual(self._quant(self.part).quantity, 7, "covered parts still leave the stock")

    def test_parts_and_labour_coverage_are_separate(self):
        # the equipment's warranty covers parts, not labour: only labour is billed
        equipment = self.env["crm_ext.equipment"].create(
            {
                "name": "Boiler in the basement (test)",
                "partner_id": self.customer.id,
                "warranty_end_date": self.today + relativedelta(months=3),
                "warranty_parts": True,
                "warranty_labour": False,
            }
        )
        ticket = self._make_ticket(equipment_id=equipment.id)
        order = self._make_field_order(ticket)
        order.action_start()
        order.hours_worked = 1.5
        order.action_done()
        lines = order.invoice_id.invoice_line_ids
        self.assertEqual(lines.product_id, self.labour)
        self.assertEqual(lines.quantity, 1.5)
        self.assertEqual(order.invoice_id.amount_untaxed, 90)
        # labour-only coverage: only the parts are billed
        self._make_contract(
            self.today - relativedelta(days=1), self.today + relativedelta(months=1), cover_parts=False
        )
        order = self._make_field_order(self._make_ticket())
        order.action_start()
        order.hours_worked = 4.0
        order.action_done()
        lines = order.invoice_id.invoice_line_ids
        self.assertEqual(lines.product_id, self.part)
        self.assertEqual(order.invoice_id.amount_untaxed, 30)

    def test_bad_input(self):
        with self.assertRaises(ValidationError):
            self._make_field_order(hours_worked=-1)
        with self.assertRaises(ValidationError):
            self._make_field_order(parts=((None, -2),))
        with self.assertRaises(ValidationError):
            self._make_field_order(parts=((None, 0),))
        self.assertFalse(
            self.env["crm_ext.field.order"].search([("ticket_id.name", "=", "Boiler leaks (test)")])
        )
        order = self._make_field_order(user_id=False)
        with self.assertRaises(UserError):
            order.action_schedule()
        with self.assertRaises(UserError):
            order.action_start()
        with self.assertRaises(UserError):
            order.action_done()
        order.write({"user_id": self.technician.id})
        order.action_schedule()
        # the parts are on a delivery now: they cannot change behind its back
        with self.assertRaises(UserError):
            order.line_ids.quantity = 1
        with self.assertRaises(UserError):
            order.write({"line_ids": [fields.Command.create({"product_id": self.part.id, "quantity": 1})]})
        self.assertEqual(order.picking_id.sudo().move_ids.product_uom_qty, 3)
        order.user_id = False
        with self.assertRaises(UserError):
            order.action_done()
        self.assertEqual(order.state, "scheduled")
        self.assertFalse(order.invoice_id)
        self.assertEqual(order.picking_id.sudo().state, "assigned", "nothing consumed")
        order.user_id = self.technician
        order.action_done()
        with self.assertRaises(UserError):
            order.hours_worked = 5
        with self.assertRaises(UserError):
            order.action_cancel()

    def test_cancel_releases_parts(self):
        order = self._make_field_order()
        order.action_schedule()
        self.assertEqual(self._quant(self.part).reserved_quantity, 3)
        order.action_cancel()
        self.assertEqual(order.picking_id.sudo().state, "cancel")
        self.assertEqual(self._quant(self.part).reserved_quantity, 0)
        order.action_draft()
        self.assertFalse(order.picking_id)

    def test_signature(self):
        order = self._make_field_order(parts=())
        order.write(
            {
                "signature": PIXEL,
                "signed_by": "Ticket Contact",
            }
        )
        self.assertTrue(order.signed_on)

    def test_multi_company(self):
        foreign_customer = self.env["res.partner"].create(
            {"name": "Foreign (test)", "is_company": True, "company_id": self.other_company.id}
        )
        ticket = self._make_ticket(
            partner_id=foreign_customer.id, team_id=False, company_id=self.other_company.id
        )
        theirs = self.env["crm_ext.field.order"].create(
            {
                "ticket_id": ticket.id,
                "user_id": self.technician.id,
                "line_ids": [fields.Command.create({"product_id": self.part.id, "quantity": 1})],
            }
        )
        self.assertEqual(theirs.company_id, self.other_company)
        self.assertEqual(theirs.line_ids.company_id, self.other_company)
        theirs.with_company(self.other_company).write({"scheduled_start": fields.Datetime.now()})
        theirs.action_schedule()
        other_warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.other_company.id)])
        self.assertEqual(theirs.picking_id.picking_type_id.warehouse_id, other_warehouse)
        self.assertEqual(theirs.picking_id.company_id, self.other_company)
        FieldOrder = self.env["crm_ext.field.order"].with_user(self.service_manager)
        self.assertFalse(FieldOrder.search([("id", "=", theirs.id)]))
        with self.assertRaises(AccessError):
            FieldOrder.browse(theirs.id).read(["name"])

    def test_field_order_from_ticket_form(self):
        ticket = self._make_ticket()
        action = ticket.with_user(self.agent).action_new_field_order()
        self.assertEqual(action["res_model"], "crm_ext.field.order")
        FieldOrder = self.env["crm_ext.field.order"].with_user(self.agent).with_context(**action["context"])
        with Form(FieldOrder) as form:
            self.assertEqual(form.partner_id, self.contact)
            form.user_id = self.technician
            form.scheduled_start = fields.Datetime.now()
            form.duration = 1.5
            with form.line_ids.new() as line:
                line.product_id = self.part
                self.assertEqual(line.price_unit, 10)
                line.quantity = 2
        order = form.record
        self.assertEqual(order.ticket_id, ticket)
        self.assertEqual(order.parts_amount, 20)
        self.assertEqual(ticket.field_order_count, 1)
        self.assertEqual(ticket.action_view_field_orders()["domain"], [("ticket_id", "=", ticket.id)])
