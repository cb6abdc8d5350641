from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression


class MailingMailing(models.Model):
    _inherit = "mailing.mailing"

    crm_ext_segment_id = fields.Many2one(
        "crm_ext.segment",
        string="Segment",
        ondelete="restrict",
        index="btree_not_null",
        help="Send to the members of this customer segment (contacts) at its last refresh.",
    )

    @api.onchange("crm_ext_segment_id")
    def _onchange_crm_ext_segment_id(self):
        if self.crm_ext_segment_id:
            self.mailing_model_id = self.env["ir.model"]._get("res.partner")

    @api.depends("crm_ext_segment_id")
    def _compute_mailing_domain(self):
        with_segment = self.filtered(
            lambda m: m.crm_ext_segment_id and m.mailing_model_id.model == "res.partner"
        )
        result = super(MailingMailing, self - with_segment)._compute_mailing_domain()
        for mailing in with_segment:
            mailing.mailing_domain = repr(
                expression.AND(
                    [
                        [("crm_ext_segment_ids", "in", mailing.crm_ext_segment_id.ids)],
                        mailing._get_default_mailing_domain(),
                    ]
                )
            )
        return result

    @api.constrains("crm_ext_segment_id", "mailing_model_id")
    def _check_crm_ext_segment_model(self):
        for mailing in self:
            if mailing.crm_ext_segment_id and mailing.mailing_model_id.model != "res.partner":
                raise ValidationError(
                    _(
                        "Mailing “%(mailing)s” targets a segment: its recipients must be contacts.",
                        mailing=mailing.subject or mailing.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        partner_model = self.env["ir.model"]._get("res.partner")
        for vals in vals_list:
            if vals.get("crm_ext_segment_id") and not vals.get("mailing_model_id"):
                vals["mailing_model_id"] = partner_model.id
        return super().create(vals_list)
