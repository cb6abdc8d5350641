from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common_field_service import CrmExtFieldServiceCase


@tagged("post_install", "-at_install")
class TestEquipment(CrmExtFieldServiceCase):
    def test_equipment_from_delivered_serials(self):
        Equipment = self.env["crm_ext.equipment"]
        order, picking, lots = self._deliver_serials(["SN-T-001", "SN-T-002"])
        equipment = Equipment.search([("lot_id", "in", lots.ids)])
        self.assertEqual(len(equipment), 2)
        self.assertEqual(equipment.partner_id, self.customer)
        self.assertEqual(set(equipment.mapped("origin")), {"delivery"})
        self.assertEqual(set(equipment.mapped("serial_number")), {"SN-T-001", "SN-T-002"})
        delivered = fields.Date.context_today(Equipment, picking.date_done)
        self.assertEqual(set(equipment.mapped("delivery_date")), {delivered})
        self.assertEqual(
            set(equipment.mapped("warranty_end_date")), {delivered + relativedelta(months=24, days=-1)}
        )
        self.assertTrue(all(equipment.mapped("under_warranty")))
        self.assertEqual(equipment.move_id.picking_id, picking)
        # the warranty sold on the order now lists the delivered serials
        warranty = order.crm_ext_service_contract_ids
        self.assertEqual(warranty.lot_ids, lots)
        self.assertEqual(equipment[0].contract_ids, warranty)
        # a ticket about one of them is covered by that warranty
        ticket = self._make_ticket(equipment_id=equipment[0].id)
        self.assertEqual(ticket.coverage_status, "covered")
        self.assertEqual(ticket.coverage_contract_id, warranty)
        self.assertEqual(self.customer.crm_ext_equipment_count, 2)
        self.assertEqual(self.contact.crm_ext_equipment_count, 2, "contacts show their company's equipment")
        self.assertEqual(self.customer.crm_ext_service_contract_count, 1)
        # an agent without stock or sales rights opens both forms
        equipment_form = Form(equipment[0].with_user(self.agent))
        self.assertEqual(equipment_form.lot_id, equipment[0].lot_id)
        contract_form = Form(warranty.with_user(self.agent))
        self.assertEqual(contract_form.lot_ids[:], lots)

    def test_registration_is_batched(self):
        """Registering a delivery costs the same number of queries for 2 or 6 serials."""
        _order, small, _lots = self._deliver_serials(["SN-Q-1", "SN-Q-2"])
        _order, large, _lots = self._deliver_serials([f"SN-Q-{i}" for i in range(3, 9)])
        Equipment = self.env["crm_ext.equipment"]
        counts = []
        for picking in (small, large):
            # the serials go to another customer: every item is written again
            picking.partner_id = self.env["res.partner"].create({"name": f"New owner {picking.id} (test)"})
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            Equipment._register_deliveries(picking.move_ids)
            self.env.flush_all()
            counts.append(self.env.cr.sql_log_count - before)
            moved = Equipment.search([("lot_id", "in", picking.move_line_ids.lot_id.ids)])
            self.assertEqual(moved.partner_id, picking.partner_id)
        self.assertEqual(counts[0], counts[1], "no query per serial")

    def test_untracked_delivery_makes_no_equipment(self):
        order = self._make_order([(self.part, 1)])
        picking = order.picking_ids
        picking.action_assign()
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertFalse(self.env["crm_ext.equipment"].search([("partner_id", "=", self.customer.id)]))

    def test_manual_equipment(self):
        Equipment = self.env["crm_ext.equipment"].with_user(self.agent)
        today = fields.Date.context_today(Equipment)  # the agent's day, whatever the time zones
        item = Equipment.create(
            {
                "name": "Printer bought elsewhere (test)",
                "partner_id": self.customer.id,
                "serial_number": "EXT-77",
                "warranty_end_date": today + relativedelta(days=30),
            }
        )
        self.assertEqual(item.origin, "manual")
        self.assertFalse(item.product_id)
        self.assertTrue(item.under_warranty)
        self.assertIn(item, Equipment.search([("under_warranty", "=", True)]))
        self.assertEqual(Equipment.name_search("EXT-77")[0][0], item.id)
        item.warranty_end_date = today - relativedelta(days=1)
        self.assertIn(item, Equipment.search([("under_warranty", "=", False)]))
        # a ticket can pick it
        ticket = self._make_ticket(equipment_id=item.id)
        self.assertEqual(item.ticket_count, 1)
        self.assertEqual(ticket.coverage_status, "expired")

    def test_multi_company(self):
        foreign_customer = self.env["res.partner"].create(
            {"name": "Foreign (test)", "is_company": True, "company_id": self.other_company.id}
        )
        theirs = self.env["crm_ext.equipment"].create(
            {
                "name": "Foreign kit (test)",
                "partner_id": foreign_customer.id,
                "company_id": self.other_company.id,
            }
        )
        Equipment = self.env["crm_ext.equipment"].with_user(self.service_manager)
        self.assertFalse(Equipment.search([("id", "=", theirs.id)]))
        with self.assertRaises(AccessError):
            Equipment.browse(theirs.id).read(["name"])
        with self.assertRaises(ValidationError):
            self.env["crm_ext.equipment"].create({"name": "Mixed (test)", "partner_id": foreign_customer.id})
