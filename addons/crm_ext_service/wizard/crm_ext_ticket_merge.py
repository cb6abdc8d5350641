from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmExtTicketMerge(models.TransientModel):
    """Merges duplicate tickets into one: the others are closed with a link to it."""

    _name = "crm_ext.ticket.merge"
    _description = "Merge Tickets"

    ticket_ids = fields.Many2many("crm_ext.ticket", string="Tickets")
    target_id = fields.Many2one(
        "crm_ext.ticket",
        string="Keep",
        domain="[('id', 'in', ticket_ids)]",
        help="The ticket that remains open.",
    )
    stage_id = fields.Many2one(
        "crm_ext.ticket.stage",
        string="Close Duplicates In",
        domain="[('is_closed', '=', True)]",
        default=lambda self: self.env["crm_ext.ticket.stage"].search([("is_closed", "=", True)], limit=1),
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "crm_ext.ticket":
            tickets = self.env["crm_ext.ticket"].browse(self.env.context.get("active_ids", [])).exists()
            values["ticket_ids"] = [fields.Command.set(tickets.ids)]
            if "target_id" in fields_list and tickets:
                values["target_id"] = tickets.sorted("id")[0].id
        return values

    def _check(self):
        self.ensure_one()
        if len(self.ticket_ids) < 2:
            raise UserError(_("Select at least two tickets to merge."))
        if not self.target_id or self.target_id not in self.ticket_ids:
            raise UserError(_("Pick the ticket to keep among the selected tickets."))
        if not self.stage_id.is_closed:
            raise UserError(_("Duplicates must be closed in a closing stage."))
        if len(self.ticket_ids.company_id) > 1:
            raise UserError(_("Tickets of different companies cannot be merged."))
        customers = self.ticket_ids.commercial_partner_id
        if len(customers) > 1:
            # the kept ticket's customer would read the other customers' messages and files
            raise UserError(
                _(
                    "Tickets of different customers cannot be merged (%(customers)s).",
                    customers=", ".join(customers.mapped("display_name")),
                )
            )
        if self.ticket_ids.merged_into_id:
            raise UserError(
                _(
                    "%(tickets)s were already merged into another ticket.",
                    tickets=", ".join(self.ticket_ids.filtered("merged_into_id").mapped("display_name")),
                )
            )

    def action_merge(self):
        self._check()
        target = self.target_id
        duplicates = self.ticket_ids - target
        # both need write access: a user who cannot edit a ticket cannot merge it away
        self.ticket_ids.check_access("write")
        model = "crm_ext.ticket"
        messages = (
            self.env["mail.message"].sudo().search([("model", "=", model), ("res_id", "in", duplicates.ids)])
        )
        messages.write({"res_id": target.id})
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", model), ("res_id", "in", duplicates.ids)])
        )
        attachments.write({"res_id": target.id})
        # followers move when they are employees or people of the ticket's customer
        customers = self.ticket_ids.commercial_partner_id
        partners = (duplicates.message_partner_ids - target.message_partner_ids).filtered(
            lambda p: p.commercial_partner_id in customers or any(not u.share for u in p.user_ids)
        )
        if partners:
            target.message_subscribe(partner_ids=partners.ids)
        duplicates.write({"stage_id": self.stage_id.id, "merged_into_id": target.id})
        for duplicate in duplicates:
            duplicate.message_post(
                body=Markup("<p>%s</p>") % _("Merged into %(ticket)s.", ticket=target._get_html_link()),
                subtype_xmlid="mail.mt_note",
            )
        target.message_post(
            body=Markup("<p>%s</p>")
            % _(
                "Merged from %(tickets)s.",
                tickets=Markup(", ").join(duplicate._get_html_link() for duplicate in duplicates),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": model,
            "res_id": target.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
