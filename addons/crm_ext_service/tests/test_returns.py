from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common_field_service import CrmExtFieldServiceCase


@tagged("post_install", "-at_install")
class TestReturns(CrmExtFieldServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_defective = cls.env.ref("crm_ext_service.return_reason_defective")
        cls.reason_wrong = cls.env.ref("crm_ext_service.return_reason_wrong_item")
        cls.env["stock.quant"]._update_available_quantity(cls.part, cls.stock_location, 20)
        cls.env.user.groups_id |= cls.env.ref("stock.group_production_lot")

    @contextmanager
    def assertRaisesRegex(self, exception, regex):
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertRegex(str(catcher.exception), regex)

    def _deliver_parts(self, quantity):
        order = self._make_order([(self.part, quantity)])
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        self.assertIs(picking.button_validate(), True)
        return order, picking

    def _invoice(self, order):
        invoice = order._create_invoices()
        invoice.action_post()
        return invoice

    def _return_line(self, ticket, sale_line, **values):
        return self.env["crm_ext.return.line"].create(
            {
                "ticket_id": ticket.id,
                "sale_line_id": sale_line.id,
                "reason_id": self.reason_defective.id,
                **values,
            }
        )

    def _counts(self):
        return (
            self.env["stock.picking"].search_count([]),
            self.env["account.move"].search_count([("move_type", "=", "out_refund")]),
        )

    def test_serial_return_and_credit(self):
        """A complaint returns the chosen serial into stock and credits it on the invoice."""
        order, delivery, lots = self._deliver_serials(["SN-R-1", "SN-R-2"])
        invoice = self._invoice(order)
        ticket = self._make_ticket(sale_order_id=order.id, invoice_id=invoice.id)
        sale_line = order.order_line
        line = self._return_line(ticket, sale_line, lot_id=lots[1].id, quantity=1, follow_up="credit")

        ticket.action_process_returns()

        self.assertEqual(line.state, "done")
        self.assertTrue(line.processed_date)
        # Odoo's return picking of the delivery, with the chosen serial (not the first delivered)
        back = line.return_picking_id
        self.assertEqual(back.return_id, delivery)
        self.assertEqual(back.crm_ext_ticket_id, ticket)
        self.assertEqual(back.picking_type_id.code, "incoming")
        self.assertEqual(back.move_line_ids.lot_id, lots[1])
        self.assertEqual(back.move_ids.origin_returned_move_id, delivery.move_ids)
        # Odoo's invoice reversal, reduced to the returned quantity
        credit = line.credit_note_id
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.state, "draft")
        self.assertEqual(credit.reversed_entry_id, invoice)
        self.assertEqual(credit.crm_ext_ticket_id, ticket)
        product_lines = credit.invoice_line_ids.filtered(lambda rec: rec.display_type == "product")
        self.assertEqual(product_lines.product_id, self.warranty_product)
        self.assertEqual(product_lines.quantity, 1)
        self.assertEqual(product_lines.sale_line_ids, sale_line)
        self.assertAlmostEqual(credit.amount_untaxed, 900.0)
        self.assertAlmostEqual(line.credit_amount, 900.0)
        self.assertEqual(line.invoice_id, invoice)
        self.assertEqual((ticket.return_picking_count, ticket.credit_note_count), (1, 1))
        summary = ticket.message_ids[0].body
        self.assertIn("Returns processed", summary)
        self.assertIn(f'data-oe-id="{credit.id}"', summary, "the summary links the credit note")
        self.assertIn(f'data-oe-id="{back.id}"', summary, "and the return transfer")

        equipment = self.env["crm_ext.equipment"].search([("lot_id", "=", lots[1].id)])
        self.assertTrue(equipment.active)
        # the warehouse receives the serial: it is in stock again, its equipment leaves the installed base
        back.move_ids.picked = True
        self.assertIs(back.button_validate(), True)
        self.assertEqual(back.state, "done")
        quant = self.env["stock.quant"]._gather(self.warranty_product, self.stock_location, lot_id=lots[1])
        self.assertEqual(sum(quant.mapped("quantity")), 1)
        self.assertFalse(equipment.active)
        self.assertEqual(sale_line.qty_delivered, 1)
        # the other serial is still with the customer
        self.assertTrue(self.env["crm_ext.equipment"].search([("lot_id", "=", lots[0].id)]))
        # once credited, the same serial cannot come back twice
        again = self._return_line(ticket, sale_line, lot_id=lots[1].id, quantity=1, follow_up="return")
        with self.assertRaisesRegex(UserError, "SN-R-2"):
            again._process()

    def test_over_return_refused_nothing_created(self):
        order, _picking = self._deliver_parts(2)
        self._invoice(order)
        ticket = self._make_ticket(sale_order_id=order.id)
        line = self._return_line(ticket, order.order_line, quantity=3, follow_up="credit")
        before = self._counts()
        with self.assertRaisesRegex(UserError, "only 2 were delivered"):
            ticket.action_process_returns()
        self.assertEqual(self._counts(), before)
        self.assertEqual(line.state, "draft")
        # two lines of the same order line add up
        line.quantity = 1
        self._return_line(ticket, order.order_line, quantity=1.5, follow_up="return")
        with self.assertRaises(UserError):
            ticket.action_process_returns()
        self.assertEqual(self._counts(), before)

    def test_over_credit_refused(self):
        order, _picking = self._deliver_parts(5)
        self._invoice(order)
        ticket = self._make_ticket(sale_order_id=order.id)
        first = self._return_line(ticket, order.order_line, quantity=2, follow_up="refund")
        ticket.action_process_returns()
        self.assertFalse(first.return_picking_id, "a refund without return moves no goods")
        self.assertEqual(first.credit_note_id.invoice_line_ids.filtered("product_id").quantity, 2)
        self.assertAlmostEqual(first.credit_amount, 20.0)
        before = self._counts()
        self._return_line(ticket, order.order_line, quantity=4, follow_up="refund")
        with self.assertRaisesRegex(UserError, "only 3 were invoiced and not credited yet"):
            ticket.action_process_returns()
        self.assertEqual(self._counts(), before)

    def test_credit_needs_an_invoice(self):
        order, _picking = self._deliver_parts(1)
        ticket = self._make_ticket(sale_order_id=order.id)
        self._return_line(ticket, order.order_line, quantity=1, follow_up="credit")
        before = self._counts()
        with self.assertRaisesRegex(UserError, "only 0 were invoiced"):
            ticket.action_process_returns()
        self.assertEqual(self._counts(), before)

    def test_replacement(self):
        order, delivery = self._deliver_parts(3)
        ticket = self._make_ticket(sale_order_id=order.id)
        line = self._return_line(
            ticket, order.order_line, quantity=1, follow_up="replace", reason_id=self.reason_wrong.id
        )
        ticket.action_process_returns()
        self.assertEqual(line.return_picking_id.return_id, delivery)
        self.assertEqual(line.return_picking_id.move_ids.product_uom_qty, 1)
        replacement = line.replacement_picking_id
        self.assertTrue(replacement)
        self.assertEqual(replacement.picking_type_id.code, "outgoing")
        self.assertEqual(replacement.crm_ext_ticket_id, ticket)
        self.assertEqual(replacement.move_ids.product_id, self.part)
        self.assertEqual(replacement.move_ids.product_uom_qty, 1)
        self.assertEqual(replacement.move_ids.sale_line_id, order.order_line)
        self.assertFalse(line.credit_note_id)
        self.assertEqual(ticket.return_picking_count, 2)

    def test_serial_checks(self):
        order, _delivery, lots = self._deliver_serials(["SN-C-1"])
        ticket = self._make_ticket(sale_order_id=order.id)
        other_lot = self.env["stock.lot"].create(
            {"name": "SN-C-NEVER", "product_id": self.warranty_product.id, "company_id": self.company.id}
        )
        self._return_line(ticket, order.order_line, lot_id=other_lot.id, follow_up="return")
        with self.assertRaisesRegex(UserError, "SN-C-NEVER"):
            ticket.action_process_returns()
        ticket.return_line_ids.unlink()
        self._return_line(ticket, order.order_line, follow_up="return")
        with self.assertRaisesRegex(UserError, "Choose the serial"):
            ticket.action_process_returns()
        with self.assertRaisesRegex(ValidationError, "one unit"):
            self._return_line(ticket, order.order_line, lot_id=lots.id, quantity=2, follow_up="return")

    def test_bad_input(self):
        order, _picking = self._deliver_parts(1)
        ticket = self._make_ticket(sale_order_id=order.id)
        with self.assertRaisesRegex(ValidationError, "positive"):
            self._return_line(ticket, order.order_line, quantity=0)
        stranger = self.env["res.partner"].create({"name": "Stranger (test)"})
        foreign = self.env["sale.order"].create(
            {"partner_id": stranger.id, "order_line": [Command.create({"product_id": self.part.id})]}
        )
        with self.assertRaisesRegex(ValidationError, "not sold to the ticket's customer"):
            self._return_line(ticket, foreign.order_line)
        with self.assertRaisesRegex(ValidationError, "not sold to the ticket's customer"):
            ticket.sale_order_id = foreign
        with self.assertRaisesRegex(UserError, "nothing to process"):
            ticket.action_process_returns()

    def test_processed_line_is_frozen(self):
        order, _picking = self._deliver_parts(2)
        ticket = self._make_ticket(sale_order_id=order.id)
        line = self._return_line(ticket, order.order_line, quantity=1, follow_up="return")
        ticket.action_process_returns()
        with self.assertRaises(UserError):
            line.quantity = 2
        with self.assertRaises(UserError):
            line.unlink()
        line.note = "Customer called back"  # notes stay editable
        self.assertEqual(line.note, "Customer called back")

    def test_access(self):
        """Agents of the ticket's team process returns; agents of other teams cannot."""
        order, _picking = self._deliver_parts(2)
        ticket = self._make_ticket(sale_order_id=order.id)
        self._return_line(ticket, order.order_line, quantity=1, follow_up="return")
        with self.assertRaises(AccessError):
            ticket.with_user(self.outsider).action_process_returns()
        self.assertEqual(ticket.return_line_ids.state, "draft")
        ticket.with_user(self.agent).action_process_returns()
        self.assertEqual(ticket.return_line_ids.state, "done")
        self.assertTrue(ticket.return_line_ids.return_picking_id)

    def test_returns_analysis(self):
        order, _picking = self._deliver_parts(4)
        self._invoice(order)
        ticket = self._make_ticket(sale_order_id=order.id, category_id=self.category_damage.id)
        self._return_line(ticket, order.order_line, quantity=1, follow_up="credit")
        self._return_line(
            ticket, order.order_line, quantity=1, follow_up="refund", reason_id=self.reason_wrong.id
        )
        ticket.action_process_returns()
        self.env.flush_all()
        Report = self.env["crm_ext.return.report"]
        rows = Report.search([("ticket_id", "=", ticket.id)])
        self.assertEqual(len(rows), 2)
        groups = Report._read_group(
            [("ticket_id", "=", ticket.id)],
            ["reason_id"],
            ["quantity:sum", "credit_amount:sum", "returned_quantity:sum", "return_rate:avg"],
        )
        by_reason = {reason: rest for reason, *rest in groups}
        self.assertEqual(by_reason[self.reason_defective], [1.0, 10.0, 0.0, 25.0])
        self.assertEqual(by_reason[self.reason_wrong], [1.0, 10.0, 0.0, 25.0])
        self.assertEqual(rows.mapped("category_id"), self.category_damage)
        self.assertEqual(rows.mapped("team_id"), self.team)
        # goods received: the quantity back in stock shows
        picking = ticket.return_line_ids.return_picking_id
        picking.move_ids.picked = True
        picking.button_validate()
        self.env.flush_all()
        Report.invalidate_model()
        self.assertEqual(sum(Report.search([("ticket_id", "=", ticket.id)]).mapped("returned_quantity")), 1.0)

    def _foreign_company_order(self):
        """An order of the other company for the customer, who is shared by both companies."""
        return (
            self.env["sale.order"]
            .with_company(self.other_company)
            .create(
                {
                    "partner_id": self.contact.id,
                    "company_id": self.other_company.id,
                    "order_line": [Command.create({"product_id": self.part.id})],
                }
            )
        )

    def test_company_consistency(self):
        """A ticket's returns, serials and sale documents are of the ticket's company (issue 13)."""
        order, _picking = self._deliver_parts(1)
        ticket = self._make_ticket(sale_order_id=order.id)
        self.assertFalse(self.contact.company_id, "a customer shared by both companies")
        foreign_order = self._foreign_company_order()
        self.assertEqual(foreign_order.order_line.company_id, self.other_company)
        with self.assertRaisesRegex(ValidationError, "Other Service Co"):
            self._return_line(ticket, foreign_order.order_line, follow_up="return")
        with self.assertRaisesRegex(ValidationError, "Other Service Co"):
            ticket.sale_order_id = foreign_order
        foreign_lot = self.env["stock.lot"].create(
            {
                "name": "SN-OTHER-CO",
                "product_id": self.warranty_product.id,
                "company_id": self.other_company.id,
            }
        )
        serial_order, _delivery, _lots = self._deliver_serials(["SN-CO-1"])
        serial_ticket = self._make_ticket(sale_order_id=serial_order.id)
        with self.assertRaisesRegex(ValidationError, "Other Service Co"):
            self._return_line(serial_ticket, serial_order.order_line, lot_id=foreign_lot.id, quantity=1)
        self.assertFalse((ticket | serial_ticket).return_line_ids, "nothing was written")

    def test_processing_checks_company_and_rights_first(self):
        """Processing runs as the system only after the user's rights and the lines' company
        were checked: a line that slipped in from another company stops everything."""
        order, _picking = self._deliver_parts(2)
        ticket = self._make_ticket(sale_order_id=order.id)
        line = self._return_line(ticket, order.order_line, quantity=1, follow_up="return")
        before = self._counts()
        # an agent whose session works in the other company only
        with self.assertRaises(AccessError):
            ticket.with_user(self.agent).with_context(
                allowed_company_ids=self.other_company.ids
            ).action_process_returns()
        # a technician reads tickets of their orders but does not process returns
        technician = self.env["res.users"].create(
            {
                "name": "Return technician (test)",
                "login": "crm_ext_return_technician",
                "groups_id": [Command.set(self.env.ref("crm_ext_service.group_service_technician").ids)],
            }
        )
        self.env["crm_ext.field.order"].create({"ticket_id": ticket.id, "user_id": technician.id})
        with self.assertRaises(AccessError):
            ticket.with_user(technician).action_process_returns()
        # a line written before the company check existed (straight in the table)
        foreign_order = self._foreign_company_order()
        self.env.cr.execute(
            "UPDATE crm_ext_return_line SET sale_line_id = %s WHERE id = %s",
            [foreign_order.order_line.id, line.id],
        )
        line.invalidate_recordset()
        with self.assertRaisesRegex(UserError, "Other Service Co"):
            ticket.action_process_returns()
        self.assertEqual(line.state, "draft")
        self.assertEqual(self._counts(), before, "nothing was created")

    def test_agents_see_returns_of_the_tickets_they_see(self):
        """A return line shows its ticket, customer, product and note: agents of another team
        neither list it nor find it in the returns analysis (issue 13)."""
        order, _picking = self._deliver_parts(1)
        self._invoice(order)
        ticket = self._make_ticket(sale_order_id=order.id)
        line = self._return_line(ticket, order.order_line, follow_up="credit", note="Goodwill (test)")
        ticket.action_process_returns()
        self.env.flush_all()
        self.assertEqual(self.outsider.company_ids, self.company)
        with self.assertRaises(AccessError):
            line.with_user(self.outsider).read(["note"])
        self.assertFalse(
            self.env["crm_ext.return.line"].with_user(self.outsider).search([("id", "=", line.id)])
        )
        Report = self.env["crm_ext.return.report"]
        self.assertFalse(Report.with_user(self.outsider).search([("ticket_id", "=", ticket.id)]))
        # the ticket's team and the managers see them
        self.assertEqual(line.with_user(self.agent).note, "Goodwill (test)")
        self.assertTrue(Report.with_user(self.agent).search([("ticket_id", "=", ticket.id)]))
        self.assertTrue(Report.with_user(self.service_manager).search([("ticket_id", "=", ticket.id)]))
