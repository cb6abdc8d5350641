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
        groups="base.group_user",
        help="The customer segments this contact belonged to at their last refresh.",
    )
    crm_ext_recommended_product_ids = fields.Many2many(
        "product.product",
        string="Recommended Products",
        compute="_compute_crm_ext_recommended_product_ids",
        groups="base.group_user",
        help="Products to suggest to this customer in personalised campaign content "
        "(filled by CRM Analytics' next best offers when it is installed).",
    )

    def _compute_crm_ext_recommended_product_ids(self):
        for partner in self:
            partner.crm_ext_recommended_product_ids = partner._crm_ext_recommended_products(limit=3)

    def _crm_ext_recommended_products(self, limit=5):
        """The recommendation hook of personalised content: products to offer this customer,
        best first. Nothing here; crm_ext_analytics returns its next best offers."""
        self.ensure_one()
        return self.env["product.product"]
