from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    crm_ext_suggested_product_ids = fields.Many2many(
        "product.product",
        string="Suggested Products",
        compute="_compute_crm_ext_suggested_product_ids",
        # the customer's next best offers: for the sales team, not for the customer on the portal
        groups="sales_team.group_sale_salesman",
        help="Bought together with the products of the opportunity, and the customer's next best offers.",
    )

    @api.depends("crm_ext_opportunity_line_ids.product_id", "partner_id", "company_id")
    def _compute_crm_ext_suggested_product_ids(self):
        Suggest = self.env["crm_ext.product.rule"]
        for lead in self:
            lead.crm_ext_suggested_product_ids = Suggest._suggest_products(
                lead.crm_ext_opportunity_line_ids.product_id,
                lead.partner_id,
                lead.company_id or self.env.company,
            )

    def action_crm_ext_add_product(self, product_id):
        """Adds a suggested product as a new line of the opportunity."""
        self.ensure_one()
        product = self.env["product.product"].browse(product_id).exists()
        if not product or not product.sale_ok:
            raise UserError(_("This product cannot be sold."))
        self.env["crm_ext.opportunity.line"].create({"lead_id": self.id, "product_id": product.id})
        return True
