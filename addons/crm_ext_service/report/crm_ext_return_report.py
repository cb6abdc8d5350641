from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists

from ..models.crm_ext_return_line import RETURN_FOLLOW_UPS


class CrmExtReturnReport(models.Model):
    """One row per processed return line: what comes back, why, and what it cost in credit notes."""

    _name = "crm_ext.return.report"
    _description = "Returns Analysis"
    _auto = False
    _order = "processed_date desc"
    _rec_name = "ticket_id"

    ticket_id = fields.Many2one("crm_ext.ticket", readonly=True)
    processed_date = fields.Datetime(string="Processed on", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("crm_ext.service.team", readonly=True)
    category_id = fields.Many2one("crm_ext.ticket.category", string="Ticket Category", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    order_id = fields.Many2one("sale.order", string="Sales Order", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    reason_id = fields.Many2one("crm_ext.return.reason", readonly=True)
    follow_up = fields.Selection(RETURN_FOLLOW_UPS, readonly=True)
    line_count = fields.Integer(string="Return Lines", readonly=True)
    quantity = fields.Float(readonly=True)
    returned_quantity = fields.Float(string="Quantity Back in Stock", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    credit_amount = fields.Monetary(string="Credited (untaxed)", readonly=True)
    return_rate = fields.Float(
        string="Return Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Quantity of the line returned or credited over the quantity delivered on its order line.",
    )

    _depends = {
        "crm_ext.return.line": [
            "ticket_id", "processed_date", "company_id", "partner_id", "order_id", "product_id",
            "reason_id", "follow_up", "quantity", "credit_amount", "state", "return_picking_id",
            "sale_line_id",
        ],
        "crm_ext.ticket": ["team_id", "category_id"],
        "stock.picking": ["state"],
    }  # fmt: skip

    def _query(self):
        return SQL(
            """
            SELECT line.id AS id, line.ticket_id, line.processed_date, line.company_id,
                   ticket.team_id, ticket.category_id, line.partner_id, line.order_id,
                   line.product_id, template.categ_id AS product_categ_id, line.reason_id,
                   line.follow_up, 1 AS line_count, line.quantity,
                   CASE WHEN picking.state = 'done' THEN line.quantity ELSE 0 END AS returned_quantity,
                   company.currency_id, COALESCE(line.credit_amount, 0) AS credit_amount,
                   CASE WHEN sale_line.qty_delivered > 0
                        THEN 100.0 * line.quantity / sale_line.qty_delivered END AS return_rate
              FROM crm_ext_return_line line
              JOIN crm_ext_ticket ticket ON ticket.id = line.ticket_id
              JOIN res_company company ON company.id = line.company_id
              JOIN sale_order_line sale_line ON sale_line.id = line.sale_line_id
         LEFT JOIN product_product product ON product.id = line.product_id
         LEFT JOIN product_template template ON template.id = product.product_tmpl_id
         LEFT JOIN stock_picking picking ON picking.id = line.return_picking_id
             WHERE line.state = 'done'
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
