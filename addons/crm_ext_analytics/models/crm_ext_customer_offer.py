from odoo import fields, models


class CrmExtCustomerOffer(models.Model):
    """A product to offer a customer next: the association rules whose bought products the
    customer has, for a product they do not have yet. Written in bulk by the analytics run."""

    _name = "crm_ext.customer.offer"
    _inherit = ["crm_ext.analytics.export.mixin"]
    _description = "Next Best Offer"
    _order = "company_id, partner_id, rank"
    _rec_name = "product_id"
    # written in bulk by the analytics run: no ORM log columns (and their foreign keys) to fill
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", required=True, readonly=True, ondelete="cascade")
    run_id = fields.Many2one("crm_ext.analytics.run", readonly=True, ondelete="set null")
    rank = fields.Integer(readonly=True, aggregator="min", help="1 is the best offer for the customer.")
    score = fields.Float(
        readonly=True, digits=(16, 3), aggregator="max", help="Lift times confidence of the best rule."
    )

    _sql_constraints = [
        (
            "partner_product_unique",
            "UNIQUE(partner_id, company_id, product_id)",
            "A product is offered to a customer once per company.",
        ),
    ]
