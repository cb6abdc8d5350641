from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    crm_ext_segment_ids = fields.Many2many(
        "crm_ext.segment",
        "crm_ext_segment_member_rel",
        "partner_id",
        "segment_id",
        string="Segments",
        readonly=True,
        copy=False,
        help="The customer segments this contact belonged to at their last refresh.",
    )
