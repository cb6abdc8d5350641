from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmExtOpportunityLine(models.Model):
    """A product the customer may buy, on an opportunity: the future quotation's line."""

    _name = "crm_ext.opportunity.line"
    _description = "Opportunity Product Line"
    _order = "lead_id, sequence, id"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="lead_id.company_currency")
    product_id = fields.Many2one(
        "product.product",
        required=True,
        domain="[('sale_ok', '=', True), ('company_id', 'in', (company_id, False))]",
    )
    name = fields.Char(string="Description", compute="_compute_name", store=True, readonly=False)
    product_uom_qty = fields.Float(
        string="Quantity", digits="Product Unit of Measure", default=1.0, required=True
    )
    product_uom = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_product_uom",
        store=True,
        readonly=False,
        domain="[('category_id', '=', product_uom_category_id)]",
    )
    product_uom_category_id = fields.Many2one(related="product_id.uom_id.category_id")
    price_unit = fields.Float(
        string="Unit Price", digits="Product Price", compute="_compute_price_unit", store=True, readonly=False
    )
    discount = fields.Float(string="Discount (%)", digits="Discount")
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        compute="_compute_tax_ids",
        store=True,
        readonly=False,
        domain="[('type_tax_use', '=', 'sale'), ('company_id', 'parent_of', company_id)]",
    )
    price_subtotal = fields.Monetary(compute="_compute_amounts", store=True, string="Subtotal")
    price_total = fields.Monetary(compute="_compute_amounts", store=True, string="Total")
    purchase_price = fields.Float(
        string="Cost", digits="Product Price", compute="_compute_purchase_price", store=True, readonly=False
    )
    margin = fields.Monetary(compute="_compute_amounts", store=True)
    margin_percent = fields.Float(compute="_compute_amounts", store=True, aggregator="avg")
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        compute="_compute_warehouse_id",
        store=True,
        readonly=False,
        domain="[('company_id', '=', company_id)]",
    )
    qty_on_hand = fields.Float(
        compute="_compute_availability", digits="Product Unit of Measure", string="On Hand"
    )
    qty_forecast = fields.Float(
        compute="_compute_availability",
        digits="Product Unit of Measure",
        string="Forecast",
        help="Quantity forecast in the warehouse on the expected closing date (today if none).",
    )
    availability_warning = fields.Char(compute="_compute_availability")

    _sql_constraints = [
        (
            "quantity_positive",
            "CHECK(product_uom_qty > 0)",
            "The quantity of a product line must be positive.",
        ),
        (
            "discount_range",
            "CHECK(discount >= 0 AND discount <= 100)",
            "A discount is between 0 and 100 %.",
        ),
    ]

    @api.constrains("product_uom", "product_id")
    def _check_uom(self):
        for line in self:
            if line.product_uom.category_id != line.product_id.uom_id.category_id:
                raise ValidationError(
                    _(
                        "%(uom)s cannot measure %(product)s.",
                        uom=line.product_uom.name,
                        product=line.product_id.display_name,
                    )
                )

    # one compute per field: a value given for one of them must not freeze the other
    @api.depends("product_id")
    def _compute_name(self):
        for line in self.filtered("product_id"):
            product = line.product_id
            line.name = product.get_product_multiline_description_sale() or product.display_name

    @api.depends("product_id")
    def _compute_product_uom(self):
        for line in self:
            line.product_uom = line.product_id.uom_id

    def _pricelist(self):
        self.ensure_one()
        partner = self.lead_id.partner_id.with_company(self.company_id or self.env.company)
        return partner.property_product_pricelist

    @api.depends("product_id", "product_uom", "product_uom_qty", "lead_id.partner_id")
    def _compute_price_unit(self):
        for line in self:
            if not line.product_id:
                line.price_unit = 0.0
                continue
            pricelist = line._pricelist()
            if pricelist:
                line.price_unit = pricelist._get_product_price(
                    line.product_id, line.product_uom_qty or 1.0, uom=line.product_uom
                )
            else:
                line.price_unit = line.product_id.uom_id._compute_price(
                    line.product_id.lst_price, line.product_uom
                )

    @api.depends("product_id", "lead_id.partner_id", "company_id")
    def _compute_tax_ids(self):
        for line in self:
            company = line.company_id or self.env.company
            taxes = line.product_id.taxes_id._filter_taxes_by_company(company)
            partner = line.lead_id.partner_id.with_company(company)
            fiscal_position = (
                self.env["account.fiscal.position"].with_company(company)._get_fiscal_position(partner)
            )
            line.tax_ids = fiscal_position.map_tax(taxes) if partner else taxes

    @api.depends("product_id", "product_uom")
    def _compute_purchase_price(self):
        for line in self:
            product = line.product_id.with_company(line.company_id or self.env.company)
            if not product:
                line.purchase_price = 0.0
                continue
            line.purchase_price = product.uom_id._compute_price(
                product.standard_price, line.product_uom or product.uom_id
            )

    @api.depends("product_uom_qty", "price_unit", "discount", "tax_ids", "purchase_price")
    def _compute_amounts(self):
        for line in self:
            price = line.price_unit * (1 - (line.discount or 0.0) / 100.0)
            currency = line.currency_id or self.env.company.currency_id
            taxes = line.tax_ids.compute_all(
                price,
                currency,
                line.product_uom_qty,
                product=line.product_id,
                partner=line.lead_id.partner_id,
            )
            line.price_subtotal = taxes["total_excluded"]
            line.price_total = taxes["total_included"]
            line.margin = line.price_subtotal - line.purchase_price * line.product_uom_qty
            line.margin_percent = line.margin / line.price_subtotal if line.price_subtotal else 0.0

    @api.depends("company_id")
    def _compute_warehouse_id(self):
        for line in self:
            company = line.company_id or self.env.company
            line.warehouse_id = self.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)

    @api.depends("product_id", "warehouse_id", "product_uom_qty", "product_uom", "lead_id.date_deadline")
    def _compute_availability(self):
        """On hand and forecast per warehouse, read once per (warehouse, closing date)."""
        groups = defaultdict(lambda: self.env["crm_ext.opportunity.line"])
        for line in self:
            groups[(line.warehouse_id.id, line.lead_id.date_deadline)] |= line
        for (warehouse_id, deadline), lines in groups.items():
            products = lines.product_id.with_context(
                warehouse_id=warehouse_id, to_date=deadline or fields.Date.today()
            )
            quantities = {p["id"]: p for p in products.read(["qty_available", "virtual_available"])}
            for line in lines:
                data = quantities.get(line.product_id.id, {})
                to_line_uom = line.product_id.uom_id
                on_hand = to_line_uom._compute_quantity(
                    data.get("qty_available", 0.0), line.product_uom or to_line_uom
                )
                forecast = to_line_uom._compute_quantity(
                    data.get("virtual_available", 0.0), line.product_uom or to_line_uom
                )
                line.qty_on_hand = on_hand
                line.qty_forecast = forecast
                short = line.product_id.is_storable and forecast < line.product_uom_qty
                line.availability_warning = (
                    _(
                        "Only %(forecast)s forecast in %(warehouse)s by %(date)s",
                        forecast=round(forecast, 2),
                        warehouse=line.warehouse_id.name,
                        date=deadline or fields.Date.today(),
                    )
                    if short
                    else False
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.lead_id._update_revenue_from_lines()
        return lines

    def write(self, vals):
        leads = self.lead_id
        result = super().write(vals)
        (leads | self.lead_id)._update_revenue_from_lines()
        return result

    def unlink(self):
        leads = self.lead_id
        result = super().unlink()
        leads.exists()._update_revenue_from_lines()
        return result

    def _prepare_sale_order_line(self):
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "name": self.name,
            "product_uom_qty": self.product_uom_qty,
            "product_uom": self.product_uom.id,
            "discount": self.discount,
            "sequence": self.sequence,
        }
