from odoo import fields, models
from odoo.tools import SQL


class CrmExtSalesHistory(models.Model):
    """A line of a sale made before Odoo, imported from the company's former system.

    Kept apart from accounting (never a journal entry): Customer 360 shows it as the customer's
    figures before Odoo and the analytics read it with the posted invoices. One row per line of
    a former document; a document number, company and line number are unique, so importing the
    same file again updates the rows instead of adding them. ``amount`` is the line's amount
    without taxes in ``currency_id`` (negative for a credit note); ``amount_company`` the same in
    the company's currency at the rate of the document's date, fixed at import.
    """

    _name = "crm_ext.sales.history"
    _description = "Sales History before Odoo"
    _order = "date desc, document_number, line"
    _rec_name = "document_number"

    # no index of its own: the (company, customer, date) index of init() serves the company
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="restrict"
    )
    date = fields.Date(required=True)
    document_number = fields.Char(required=True)
    line = fields.Integer(required=True, default=1, aggregator=None)
    product_id = fields.Many2one("product.product", ondelete="set null")
    product_label = fields.Char(string="Product (as imported)")
    quantity = fields.Float(default=1.0, digits="Product Unit of Measure")
    currency_id = fields.Many2one("res.currency", required=True)
    amount = fields.Monetary(
        currency_field="currency_id", help="Amount without taxes, in the document's currency."
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    amount_company = fields.Monetary(
        string="Amount (Company Currency)",
        currency_field="company_currency_id",
        help="The amount in the company's currency at the rate of the document's date.",
    )

    _sql_constraints = [
        (
            "document_line_unique",
            "UNIQUE(company_id, document_number, line)",
            "A line of a former document is imported once per company.",
        ),
        ("quantity_positive", "CHECK(quantity >= 0)", "A quantity cannot be negative."),
    ]

    def init(self):
        # the analytics and Customer 360 read a company's history per customer and date; few
        # indexes, as every one slows the import of a million rows down
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS crm_ext_sales_history_company_partner_date_idx "
                "ON crm_ext_sales_history (company_id, partner_id, date)"
            )
        )
