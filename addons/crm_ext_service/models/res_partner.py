from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_ext_ticket_count = fields.Integer(
        string="Ticket Count", compute="_compute_ticket_count", groups="crm_ext_service.group_service_user"
    )

    def _compute_ticket_count(self):
        # contacts show the tickets of their whole company
        commercial = self.commercial_partner_id
        counts = dict(
            self.env["crm_ext.ticket"]._read_group(
                [("commercial_partner_id", "in", commercial.ids)], ["commercial_partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.crm_ext_ticket_count = counts.get(partner.commercial_partner_id, 0)

    # customer 360 (crm_ext_sales): open and overdue-SLA tickets beside the sales figures
    crm_ext_open_ticket_count = fields.Integer(
        compute="_compute_customer_360", groups="crm_ext_sales.group_sales_user", string="Open Tickets"
    )
    crm_ext_failed_sla_ticket_count = fields.Integer(
        compute="_compute_customer_360",
        groups="crm_ext_sales.group_sales_user",
        string="Tickets with Failed SLA",
    )

    def _customer_360_defaults(self):
        return {
            **super()._customer_360_defaults(),
            "crm_ext_open_ticket_count": 0,
            "crm_ext_failed_sla_ticket_count": 0,
        }

    def _customer_360_domains(self, partner_ids):
        domains = super()._customer_360_domains(partner_ids)
        open_tickets = [("commercial_partner_id", "in", partner_ids), ("is_closed", "=", False)]
        domains["tickets"] = ("crm_ext.ticket", open_tickets, "commercial_partner_id")
        domains["failed_sla_tickets"] = (
            "crm_ext.ticket",
            [*open_tickets, ("sla_failed", "=", True)],
            "commercial_partner_id",
        )
        return domains

    def _customer_360_values(self):
        values = super()._customer_360_values()
        Ticket = self.env["crm_ext.ticket"]
        ids = [pid for pid in self._origin.ids if pid]
        if not ids or not Ticket.has_access("read"):
            return values
        domains = self._customer_360_domains(ids)
        for figure, key in (
            ("tickets", "crm_ext_open_ticket_count"),
            ("failed_sla_tickets", "crm_ext_failed_sla_ticket_count"),
        ):
            _model, domain, field = domains[figure]
            for partner, count in Ticket._read_group(domain, [field], ["__count"]):
                values[partner.id][key] = count
        return values

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_service.crm_ext_ticket_action")
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    # installed base and service contracts
    crm_ext_equipment_count = fields.Integer(
        string="Equipment Count",
        compute="_compute_service_base_counts",
        groups="crm_ext_service.group_service_user",
    )
    crm_ext_service_contract_count = fields.Integer(
        string="Service Contract Count",
        compute="_compute_service_base_counts",
        groups="crm_ext_service.group_service_user",
    )

    def _compute_service_base_counts(self):
        commercial = self.commercial_partner_id.ids
        counts = {}
        for model, key in (("crm_ext.equipment", "equipment"), ("crm_ext.service.contract", "contract")):
            for partner, count in self.env[model]._read_group(
                [("partner_id", "in", commercial)], ["partner_id"], ["__count"]
            ):
                counts[key, partner.id] = count
        for partner in self:
            partner.crm_ext_equipment_count = counts.get(("equipment", partner.commercial_partner_id.id), 0)
            partner.crm_ext_service_contract_count = counts.get(
                ("contract", partner.commercial_partner_id.id), 0
            )

    def _action_view_service_base(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_view_equipment(self):
        return self._action_view_service_base("crm_ext_service.crm_ext_equipment_action")

    def action_view_service_contracts(self):
        return self._action_view_service_base("crm_ext_service.crm_ext_service_contract_action")
