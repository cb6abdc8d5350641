from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

CUSTOMER_MOVE_TYPES = ("out_invoice", "out_refund", "out_receipt")


class AccountMove(models.Model):
    _inherit = "account.move"

    crm_ext_opportunity_id = fields.Many2one(
        "crm.lead",
        compute="_compute_opportunity_id",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        groups="base.group_user",
        domain="[('type', '=', 'opportunity'), ('company_id', 'in', (company_id, False))]",
        help="The opportunity this customer invoice or credit note comes from. "
        "Filled from the invoice's sales orders; accountants may set it otherwise.",
        string="Opportunity",
    )
    crm_ext_opportunity_from_orders = fields.Boolean(
        compute="_compute_opportunity_from_orders",
        groups="base.group_user",
        help="The opportunity comes from the sales orders of the invoice lines.",
        string="Opportunity From Orders",
    )

    def _auto_init(self):
        """On a database that already has invoices, ``crm_ext_opportunity_id`` is created and filled here
        in SQL: the ORM would compute it invoice by invoice and log a tracking message on each
        (84,935 on the benchmark data)."""
        if not column_exists(self.env.cr, "account_move", "crm_ext_opportunity_id"):
            create_column(self.env.cr, "account_move", "crm_ext_opportunity_id", "int4")
            self._init_opportunity_column()
        return super()._auto_init()

    def _init_opportunity_column(self):
        """Links every customer invoice and credit note whose lines come from the orders of exactly
        one opportunity (of its company, or of none) to it, as ``_compute_opportunity_id`` does for
        a new invoice; one UPDATE."""
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move move SET crm_ext_opportunity_id = src.crm_ext_opportunity_id
                  FROM (
                        SELECT line.move_id, MIN(so.opportunity_id) AS crm_ext_opportunity_id
                          FROM account_move_line line
                          JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = line.id
                          JOIN sale_order_line sol ON sol.id = rel.order_line_id
                          JOIN sale_order so ON so.id = sol.order_id
                         WHERE so.opportunity_id IS NOT NULL
                      GROUP BY line.move_id
                        HAVING COUNT(DISTINCT so.opportunity_id) = 1
                       ) src
                  JOIN crm_lead lead ON lead.id = src.crm_ext_opportunity_id
                 WHERE move.id = src.move_id
                   AND move.move_type IN %s
                   AND (lead.company_id IS NULL OR lead.company_id = move.company_id)
                """,
                CUSTOMER_MOVE_TYPES,
            )
        )

    def _order_opportunities(self):
        self.ensure_one()
        return self.line_ids.sale_line_ids.order_id.opportunity_id

    @api.depends("line_ids.sale_line_ids")
    def _compute_opportunity_id(self):
        for move in self:
            opportunities = move._order_opportunities() if move.move_type in CUSTOMER_MOVE_TYPES else False
            if not move.crm_ext_opportunity_id and opportunities and len(opportunities) == 1:
                move.crm_ext_opportunity_id = opportunities
            else:
                move.crm_ext_opportunity_id = move.crm_ext_opportunity_id

    @api.depends("line_ids.sale_line_ids")
    def _compute_opportunity_from_orders(self):
        for move in self:
            move.crm_ext_opportunity_from_orders = bool(move._order_opportunities())

    @api.constrains("crm_ext_opportunity_id", "company_id", "move_type")
    def _check_opportunity(self):
        for move in self.filtered("crm_ext_opportunity_id"):
            if move.move_type not in CUSTOMER_MOVE_TYPES:
                raise ValidationError(
                    _("Only customer invoices and credit notes can be linked to an opportunity.")
                )
            lead_company = move.crm_ext_opportunity_id.company_id
            if lead_company and lead_company != move.company_id:
                raise ValidationError(
                    _(
                        "%(move)s belongs to %(company)s but opportunity %(lead)s belongs to %(other)s.",
                        move=move.display_name,
                        company=move.company_id.name,
                        lead=move.crm_ext_opportunity_id.name,
                        other=lead_company.name,
                    )
                )

    def _reverse_moves(self, default_values_list=None, cancel=False):
        # a credit note stays attributed to the opportunity of the invoice it reverses
        if not default_values_list:
            default_values_list = [{} for _move in self]
        for move, default_values in zip(self, default_values_list, strict=True):
            if move.crm_ext_opportunity_id:
                default_values.setdefault("crm_ext_opportunity_id", move.crm_ext_opportunity_id.id)
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)

    def action_view_opportunity(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "view_mode": "form",
            "res_id": self.crm_ext_opportunity_id.id,
        }
