from datetime import datetime

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tests.common import freeze_time

from odoo.addons.mail.tests.common import MailCommon

from .common import office_hours_calendar
from .test_mail_gateway import RAW_EMAIL

MONDAY_9 = datetime(2026, 1, 5, 9, 0)  # the team works 8-12 and 13-17 UTC, Monday to Friday


@tagged("post_install", "-at_install")
class TestServiceFullFlow(MailCommon):
    """An e-mail opens a ticket; its SLA runs on working hours and escalates once when
    breached; a field order brings parts out of stock; the uncovered work is invoiced."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="crm_ext_flow_manager", groups="crm_ext_service.group_service_manager"
        )
        cls.agent = new_test_user(
            cls.env, login="crm_ext_flow_agent", groups="crm_ext_service.group_service_user"
        )
        cls.technician = new_test_user(
            cls.env, login="crm_ext_flow_technician", groups="crm_ext_service.group_service_technician"
        )
        calendar = office_hours_calendar(cls.env)
        cls.team = cls.env["crm_ext.service.team"].create(
            {
                "name": "Flow team (test)",
                "alias_name": "flow-test",
                "user_id": cls.manager.id,
                "member_ids": [Command.set(cls.agent.ids)],
                "resource_calendar_id": calendar.id,
            }
        )
        cls.env["crm_ext.sla.policy"].search([]).active = False
        cls.policy = cls.env["crm_ext.sla.policy"].create(
            {
                "name": "Solve in 4 working hours (test)",
                "team_id": cls.team.id,
                "stage_id": cls.env.ref("crm_ext_service.ticket_stage_solved").id,
                "time_hours": 4,
                "warn_hours": 1,
                "escalate_notify": True,
                "escalate_reassign": True,
            }
        )
        cls.part = cls.env["product.product"].create(
            {"name": "Pump seal (test)", "type": "consu", "is_storable": True, "list_price": 25.0}
        )
        cls.stock = (
            cls.env["stock.warehouse"].search([("company_id", "=", cls.env.company.id)], limit=1).lot_stock_id
        )
        cls.env["stock.quant"]._update_available_quantity(cls.part, cls.stock, 5)

    def test_email_to_invoice(self):
        with freeze_time(MONDAY_9), self.mock_mail_gateway():
            ticket = self.format_and_process(
                RAW_EMAIL,
                "Oscar Customer <oscar@customer.example.com>",
                self.team.alias_id.display_name,
                subject="Pump leaks",
                msg_id="<flow-1@customer.example.com>",
                target_model="crm_ext.ticket",
            )
        self.assertEqual((ticket.team_id, ticket.channel), (self.team, "email"))
        line = ticket.sla_ids
        self.assertEqual(line.policy_id, self.policy)
        # 9:00 + 4 working hours, over the lunch break
        self.assertEqual(line.deadline, datetime(2026, 1, 5, 14, 0))
        self.assertEqual(ticket.sla_deadline, datetime(2026, 1, 5, 14, 0))

        Sla = self.env["crm_ext.ticket.sla"]
        breach_type = self.env.ref("crm_ext_service.mail_activity_type_sla_breach")
        with freeze_time(datetime(2026, 1, 5, 14, 30)):
            Sla._cron_escalate()
            Sla._cron_escalate()  # a second run (or a second cron) escalates nothing more
        breaches = ticket.activity_ids.filtered(lambda a: a.activity_type_id == breach_type)
        self.assertEqual(len(breaches), 1)
        self.assertEqual(breaches.user_id, self.manager)
        self.assertEqual(line.status, "failed")
        self.assertEqual(ticket.user_id, self.manager)

        order = self.env["crm_ext.field.order"].create(
            {
                "ticket_id": ticket.id,
                "user_id": self.technician.id,
                "scheduled_start": datetime(2026, 1, 6, 9, 0),
                "line_ids": [Command.create({"product_id": self.part.id, "quantity": 2})],
            }
        )
        order.action_schedule()
        self.assertEqual(order.picking_id.state, "assigned")
        self.assertEqual(order.picking_id.crm_ext_ticket_id, ticket)
        # the technician does the work and completes the order
        order = order.with_user(self.technician)
        order.action_start()
        order.write({"hours_worked": 1.5, "report": "<p>Seal replaced</p>"})
        order.action_done()
        self.assertEqual(order.picking_id.state, "done")
        self.assertEqual(self.env["stock.quant"]._get_available_quantity(self.part, self.stock), 3)
        invoice = order.sudo().invoice_id
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.crm_ext_ticket_id, ticket)
        self.assertEqual(invoice.partner_id, ticket.partner_id.commercial_partner_id)
        labour = self.env.ref("crm_ext_service.product_field_service_labour")
        by_product = {line.product_id: line.quantity for line in invoice.invoice_line_ids}
        self.assertEqual(by_product, {self.part: 2, labour: 1.5})
        self.assertEqual(ticket.field_invoice_count, 1)
