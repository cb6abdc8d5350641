from odoo import api, fields, models


class CrmExtProductRule(models.Model):
    """An association rule between products found in confirmed orders: customers who
    bought the antecedents also bought the consequents.

    Written in bulk by ``crm_ext.analytics.run`` (the rules of a company are replaced at
    every run), never one by one through the ORM.
    """

    _name = "crm_ext.product.rule"
    _inherit = ["crm_ext.analytics.export.mixin"]
    _description = "Product Association Rule"
    _order = "company_id, lift desc, confidence desc, id"

    name = fields.Char(string="Rule", compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    run_id = fields.Many2one("crm_ext.analytics.run", readonly=True, ondelete="set null")
    antecedent_ids = fields.Many2many(
        "product.product",
        "crm_ext_product_rule_antecedent_rel",
        "rule_id",
        "product_id",
        string="Bought",
        readonly=True,
    )
    consequent_ids = fields.Many2many(
        "product.product",
        "crm_ext_product_rule_consequent_rel",
        "rule_id",
        "product_id",
        string="Also Bought",
        readonly=True,
    )
    item_count = fields.Integer(string="Products", readonly=True, aggregator="avg")
    basket_count = fields.Integer(
        string="Orders", readonly=True, help="Confirmed orders holding every product."
    )
    support = fields.Float(
        readonly=True, digits=(16, 4), aggregator="avg", help="Share of orders with all the products."
    )
    confidence = fields.Float(
        readonly=True,
        digits=(16, 4),
        aggregator="avg",
        help="Share of the orders with the bought products that also hold the others.",
    )
    lift = fields.Float(
        readonly=True,
        digits=(16, 2),
        aggregator="avg",
        help="How much more often the products are bought together than by chance (1 = by chance).",
    )

    @api.depends("antecedent_ids", "consequent_ids")
    def _compute_name(self):
        for rule in self:
            bought = " + ".join(rule.antecedent_ids.mapped("display_name"))
            also = " + ".join(rule.consequent_ids.mapped("display_name"))
            rule.name = f"{bought} → {also}"

    @api.model
    def _suggest_products(self, products, partner, company, limit=10):
        """Products to suggest beside ``products`` (a quotation's or an opportunity's):
        consequents of the company's rules whose bought products are all among them, best
        lift first, then the customer's next best offers; never one of ``products``."""
        suggested = self.env["product.product"]
        if products:
            rules = self.sudo().search(
                [("company_id", "=", company.id), ("antecedent_ids", "in", products.ids)]
            )
            for rule in rules:  # already ordered by lift
                if not rule.antecedent_ids - products:
                    suggested |= rule.consequent_ids - products
        commercial = partner.commercial_partner_id
        if commercial:
            offers = (
                self.env["crm_ext.customer.offer"]
                .sudo()
                .search([("partner_id", "=", commercial.id), ("company_id", "=", company.id)], order="rank")
            )
            suggested |= offers.product_id - products
        return suggested.filtered("sale_ok")[:limit]
