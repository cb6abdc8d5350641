from odoo import _, models
from odoo.exceptions import UserError


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_crm_ext_add_to_document(self):
        """The "Add" button of a suggestion: a line of this product on the quotation or the
        opportunity named in the context (``crm_ext_document_model`` and ``_id``)."""
        self.ensure_one()
        model = self.env.context.get("crm_ext_document_model")
        if model not in ("sale.order", "crm.lead"):
            raise UserError(_("Open the quotation or the opportunity to add a suggested product."))
        document = self.env[model].browse(self.env.context.get("crm_ext_document_id")).exists()
        if not document:
            raise UserError(_("Save the document before adding a suggested product."))
        return document.action_crm_ext_add_product(self.id)
