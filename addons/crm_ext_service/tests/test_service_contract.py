from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common_field_service import CrmExtFieldServiceCase


@tagged("post_install", "-at_install")
class TestServiceContract(CrmExtFieldServiceCase):
    def test_confirmed_order_creates_contracts_once(self):
        order = self._make_order([(self.contract_product, 1), (self.warranty_product, 1), (self.part, 2)])
        contracts = order.crm_ext_service_contract_ids
        self.assertEqual(len(contracts), 2, "one per flagged line, none for the plain part")
        contract = contracts.filtered(lambda c: c.contract_type == "contract")
        warranty = contracts.filtered(lambda c: c.contract_type == "warranty")
        self.assertEqual(contract.partner_id, self.customer, "the commercial partner, not the contact")
        self.assertEqual(contract.product_id, self.contract_product)
        start = fields.Date.context_today(order, order.date_order)
        self.assertEqual(contract.start_date, start)
        self.assertEqual(contract.end_date, start + relativedelta(months=12, days=-1))
        self.assertEqual(warranty.end_date, start + relativedelta(months=24, days=-1))
        self.assertTrue(contract.cover_parts and contract.cover_labour)
        self.assertTrue(warranty.cover_parts)
        self.assertFalse(warranty.cover_labour)
        self.assertEqual(contract.sale_line_id.product_id, self.contract_product)
        self.assertEqual(contract.state, "active")
        self.assertTrue(contract.name.startswith("SC/"))
        self.assertEqual(order.crm_ext_service_contract_count, 2)
        self.assertEqual(
            self.env["crm_ext.service.contract"].search(order.action_view_service_contracts()["domain"]),
            contracts,
        )
        # confirming again (after a cancel) or re-running the hook does not duplicate
        order._action_cancel()
        order.action_draft()
        order.action_confirm()
        order._create_service_contracts()
        self.assertEqual(
            len(self.env["crm_ext.service.contract"].search([("sale_order_id", "=", order.id)])), 2
        )

    def test_state_and_search(self):
        active = self._make_contract(
            self.today - relativedelta(months=1), self.today + relativedelta(months=1)
        )
        expired = self._make_contract(
            self.today - relativedelta(months=13), self.today - relativedelta(days=1)
        )
        future = self._make_contract(self.today + relativedelta(days=3), self.today + relativedelta(months=3))
        self.assertEqual((active.state, expired.state, future.state), ("active", "expired", "future"))
        Contract = self.env["crm_ext.service.contract"]
        ids = (active | expired | future).ids
        self.assertEqual(Contract.search([("id", "in", ids), ("state", "=", "active")]), active)
        self.assertEqual(Contract.search([("id", "in", ids), ("state", "!=", "active")]), expired | future)
        self.assertEqual(
            Contract.search([("id", "in", ids), ("state", "in", ["expired", "future"])]), expired | future
        )

    def test_coverage_of_tickets(self):
        # no contract: not covered
        ticket = self._make_ticket()
        self.assertEqual(ticket.coverage_status, "not_covered")
        self.assertFalse(ticket.coverage_contract_id)
        # an expired contract: expired, and which one
        expired = self._make_contract(
            self.today - relativedelta(months=13), self.today - relativedelta(days=1)
        )
        ticket = self._make_ticket()
        self.assertEqual(ticket.coverage_status, "expired")
        self.assertEqual(ticket.coverage_contract_id, expired)
        self.assertFalse(ticket.cover_parts or ticket.cover_labour)
        # a contract in force: covered by it
        active = self._make_contract(
            self.today - relativedelta(months=1), self.today + relativedelta(months=11), cover_labour=False
        )
        ticket = self._make_ticket()
        self.assertEqual(ticket.coverage_status, "covered")
        self.assertEqual(ticket.coverage_contract_id, active)
        self.assertIn(active.name, ticket.coverage_note)
        self.assertTrue(ticket.cover_parts)
        self.assertFalse(ticket.cover_labour)
        # another customer's contract does not cover
        other = self.env["res.partner"].create({"name": "Uncovered Customer (test)", "is_company": True})
        self.assertEqual(self._make_ticket(partner_id=other.id).coverage_status, "not_covered")
        # changing the customer recomputes
        ticket.partner_id = other
        self.assertEqual(ticket.coverage_status, "not_covered")

    def test_coverage_follows_equipment(self):
        Equipment = self.env["crm_ext.equipment"]
        under_warranty = Equipment.create(
            {
                "name": "Heat pump (test)",
                "partner_id": self.customer.id,
                "warranty_end_date": self.today + relativedelta(months=6),
                "warranty_labour": False,
            }
        )
        out_of_warranty = Equipment.create(
            {
                "name": "Old heater (test)",
                "partner_id": self.customer.id,
                "warranty_end_date": self.today - relativedelta(days=10),
            }
        )
        ticket = self._make_ticket()
        self.assertEqual(ticket.coverage_status, "not_covered")
        ticket.equipment_id = under_warranty
        self.assertEqual(ticket.coverage_status, "covered")
        self.assertIn("Heat pump", ticket.coverage_note)
        self.assertTrue(ticket.cover_parts)
        self.assertFalse(ticket.cover_labour)
        ticket.equipment_id = out_of_warranty
        self.assertEqual(ticket.coverage_status, "expired")
        self.assertFalse(ticket.cover_parts)
        ticket.equipment_id = False
        self.assertEqual(ticket.coverage_status, "not_covered")
        # another customer's equipment is refused
        stranger = self.env["res.partner"].create({"name": "Stranger (test)", "is_company": True})
        foreign_item = Equipment.create({"name": "Not theirs (test)", "partner_id": stranger.id})
        with self.assertRaises(ValidationError):
            ticket.equipment_id = foreign_item

    def test_bad_contract_input(self):
        with self.assertRaises(ValidationError):
            self._make_contract(self.today, self.today - relativedelta(days=1))
        with self.assertRaises(ValidationError):
            self.part.crm_ext_service_contract = True
        with self.assertRaises(ValidationError):
            self.warranty_product.crm_ext_service_duration_months = 0

    def test_multi_company(self):
        mine = self._make_contract(self.today, self.today + relativedelta(months=1))
        theirs = self._make_contract(
            self.today, self.today + relativedelta(months=2), company_id=self.other_company.id
        )
        Contract = self.env["crm_ext.service.contract"].with_user(self.service_manager)
        self.assertEqual(Contract.search([("id", "in", (mine | theirs).ids)]), mine)
        foreign_customer = self.env["res.partner"].create(
            {"name": "Foreign (test)", "is_company": True, "company_id": self.other_company.id}
        )
        with self.assertRaises(ValidationError):
            self._make_contract(self.today, self.today, partner_id=foreign_customer.id)
        # each company's tickets see only that company's contracts
        self.assertEqual(self._make_ticket().coverage_contract_id, mine)
        ticket = self._make_ticket(team_id=False, company_id=self.other_company.id)
        self.assertEqual(ticket.coverage_contract_id, theirs)
        mine.unlink()
        self.assertEqual(self._make_ticket().coverage_status, "not_covered")

    def test_ticket_form_shows_coverage(self):
        self._make_contract(self.today - relativedelta(days=1), self.today + relativedelta(days=30))
        with Form(self.env["crm_ext.ticket"].with_user(self.agent)) as form:
            form.name = "Does my contract cover this? (test)"
            form.partner_id = self.contact
            form.team_id = self.team
            self.assertEqual(form.coverage_status, "covered")
        self.assertEqual(form.record.coverage_status, "covered")
        action = self.customer.action_view_service_contracts()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]).partner_id, self.customer)
