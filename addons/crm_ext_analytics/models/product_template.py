from odoo import _, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def action_crm_ext_bought_together(self):
        """The rules of the current company in which the product is bought."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_ext_analytics.crm_ext_product_rule_action"
        )
        action["name"] = _("Bought Together with %(product)s", product=self.display_name)
        action["domain"] = [
            ("antecedent_ids", "in", self.product_variant_ids.ids),
            ("company_id", "=", self.env.company.id),
        ]
        return action
