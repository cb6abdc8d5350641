from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from .crm_stage import FORECAST_CATEGORIES

# Computed fields tracked only when written: their changes that follow from another change
# (the forecast category of a lead marked lost, the territory of a lead whose address changed)
# are not logged; the change that caused them is.
TRACKED_WHEN_WRITTEN = ("crm_ext_forecast_category", "crm_ext_territory_id")
WRITTEN_KEY = "crm_ext_sales.lead_fields_written"

TERRITORY_ROUTING_PARAM = "crm_ext_sales.territory_routing"


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm_ext.interaction.count.mixin"]
    _interaction_field = "lead_id"

    crm_ext_interaction_ids = fields.One2many("crm_ext.interaction", "lead_id", string="Interactions")
    crm_ext_territory_id = fields.Many2one(
        "crm_ext.territory",
        compute="_compute_territory_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        tracking=True,
        help="The first territory (by sequence) matching the address and industry; may be set by hand.",
        string="Territory",
    )
    crm_ext_forecast_category = fields.Selection(
        FORECAST_CATEGORIES,
        compute="_compute_forecast_category",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        help="From the stage, unless set on the opportunity. Lost opportunities are omitted.",
        string="Forecast Category",
    )
    crm_ext_forecast_month = fields.Date(
        compute="_compute_forecast_month",
        store=True,
        index=True,
        help="First day of the expected closing month.",
        string="Forecast Month",
    )
    crm_ext_opportunity_line_ids = fields.One2many(
        "crm_ext.opportunity.line", "lead_id", string="Products", copy=True
    )
    crm_ext_revenue_from_lines = fields.Boolean(
        string="Revenue from Products",
        default=True,
        help="The expected revenue is the untaxed total of the product lines. "
        "Typing an expected revenue by hand turns this off.",
    )
    crm_ext_lines_amount_untaxed = fields.Monetary(
        compute="_compute_lines_amounts", currency_field="company_currency", string="Products Untaxed"
    )
    crm_ext_lines_margin = fields.Monetary(
        compute="_compute_lines_amounts", currency_field="company_currency", string="Products Margin"
    )
    crm_ext_invoice_ids = fields.One2many("account.move", "crm_ext_opportunity_id", string="Invoices")
    crm_ext_invoice_count = fields.Integer(
        compute="_compute_back_office",
        groups="account.group_account_invoice,sales_team.group_sale_salesman",
        string="Invoice Count",
    )
    crm_ext_credit_note_count = fields.Integer(
        compute="_compute_back_office",
        groups="account.group_account_invoice,sales_team.group_sale_salesman",
        string="Credit Note Count",
    )
    crm_ext_invoiced_amount = fields.Monetary(
        compute="_compute_back_office",
        currency_field="company_currency",
        string="Net Invoiced",
        help="Posted invoices minus posted credit notes, untaxed, in company currency.",
        groups="account.group_account_invoice,sales_team.group_sale_salesman",
    )
    crm_ext_delivery_count = fields.Integer(
        compute="_compute_back_office",
        groups="stock.group_stock_user,sales_team.group_sale_salesman",
        string="Delivery Count",
    )
    crm_ext_customer_amount_due = fields.Monetary(
        related="partner_id.commercial_partner_id.crm_ext_amount_due",
        currency_field="crm_ext_customer_360_currency_id",
        groups="crm_ext_sales.group_sales_user",
    )
    crm_ext_customer_amount_overdue = fields.Monetary(
        related="partner_id.commercial_partner_id.crm_ext_amount_overdue",
        currency_field="crm_ext_customer_360_currency_id",
        groups="crm_ext_sales.group_sales_user",
    )
    crm_ext_customer_average_days_to_pay = fields.Float(
        related="partner_id.commercial_partner_id.crm_ext_average_days_to_pay",
        groups="crm_ext_sales.group_sales_user",
    )
    crm_ext_customer_open_opportunity_count = fields.Integer(
        related="partner_id.commercial_partner_id.crm_ext_open_opportunity_count",
        groups="crm_ext_sales.group_sales_user",
    )
    crm_ext_customer_last_interaction_date = fields.Datetime(
        related="partner_id.commercial_partner_id.crm_ext_last_interaction_date",
        groups="crm_ext_sales.group_sales_user",
    )
    crm_ext_customer_credit_limit = fields.Float(
        related="partner_id.commercial_partner_id.credit_limit", groups="crm_ext_sales.group_sales_user"
    )
    crm_ext_customer_360_currency_id = fields.Many2one(
        related="partner_id.commercial_partner_id.crm_ext_customer_360_currency_id",
        groups="crm_ext_sales.group_sales_user",
    )
    crm_ext_payment_count = fields.Integer(
        compute="_compute_back_office",
        groups="account.group_account_invoice,sales_team.group_sale_salesman",
        string="Payment Count",
    )

    def _auto_init(self):
        """On a database that already has leads, the stored computed columns are created and
        filled here in SQL, before the ORM would compute them lead by lead and log a tracking
        message on each (on the benchmark data: 171,643 messages, most of a 15-minute install).
        ``crm_ext_territory_id`` stays empty: no territory exists before the module is installed."""
        cr = self.env.cr
        if not column_exists(cr, "crm_lead", "crm_ext_territory_id"):
            create_column(cr, "crm_lead", "crm_ext_territory_id", "int4")
        if not column_exists(cr, "crm_lead", "crm_ext_forecast_month"):
            create_column(cr, "crm_lead", "crm_ext_forecast_month", "date")
            self._init_forecast_columns(["crm_ext_forecast_month"])
        if not column_exists(cr, "crm_lead", "crm_ext_forecast_category"):
            create_column(cr, "crm_lead", "crm_ext_forecast_category", "varchar")
            self._init_forecast_columns(["crm_ext_forecast_category"])
        return super()._auto_init()

    def _init_forecast_columns(self, columns):
        """Fills ``columns`` (of crm_ext_forecast_category, crm_ext_forecast_month) of every lead
        in one UPDATE, as ``_compute_forecast_category`` and ``_compute_forecast_month`` would."""
        cr = self.env.cr
        # the stages' own category may not have its column yet: then every stage has the default
        stage_category = (
            SQL("COALESCE(stage.crm_ext_forecast_category, 'pipeline')")
            if column_exists(cr, "crm_stage", "crm_ext_forecast_category")
            else SQL("'pipeline'")
        )
        expressions = {
            "crm_ext_forecast_category": SQL(
                """CASE WHEN NOT COALESCE(lead.active, FALSE) AND COALESCE(lead.probability, 0) = 0
                             THEN 'omitted'
                        WHEN stage.is_won THEN 'won'
                        ELSE %s END""",
                stage_category,
            ),
            "crm_ext_forecast_month": SQL(
                """date_trunc('month', CASE WHEN stage.is_won AND lead.date_closed IS NOT NULL
                                            THEN lead.date_closed::date
                                            ELSE lead.date_deadline END)::date"""
            ),
        }
        cr.execute(
            SQL(
                """
                UPDATE crm_lead target SET %s
                  FROM crm_lead lead
             LEFT JOIN crm_stage stage ON stage.id = lead.stage_id
                 WHERE target.id = lead.id
                """,
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(column), expressions[column]) for column in columns
                ),
            )
        )

    @api.depends("country_id", "state_id", "zip", "partner_id.industry_id", "company_id")
    def _compute_territory_id(self):
        # territories are few; they are matched in memory against each lead
        territories = self.env["crm_ext.territory"].search([])  # pylint: disable=no-search-all
        for lead in self:
            lead.crm_ext_territory_id = next(
                (
                    territory
                    for territory in territories
                    if (
                        not territory.company_id
                        or not lead.company_id
                        or territory.company_id == lead.company_id
                    )
                    and territory._matches(
                        lead.country_id, lead.state_id, lead.zip, lead.partner_id.industry_id
                    )
                ),
                False,
            )

    @api.model
    def _territory_routing(self):
        """Where territories route leads: False (off, the default: territories only classify
        leads and Odoo's assignment alone gives them teams and salespeople), "assignment"
        (Odoo's rule-based assignment is on: territory leads wait for it, and
        ``crm.team._allocate_leads`` gives them to their territory's team before the others
        are allocated by the teams' domains) or "create" (when created or moved)."""
        params = self.env["ir.config_parameter"].sudo()
        if not params.get_param(TERRITORY_ROUTING_PARAM):
            return False
        return "assignment" if params.get_param("crm.lead.auto.assignment") else "create"

    def _route_to_territory(self):
        """Leads of a territory go to its team (and its salesperson when they have none)."""
        for lead in self.filtered("crm_ext_territory_id"):
            territory = lead.crm_ext_territory_id
            vals = {}
            if lead.team_id != territory.team_id:
                vals["team_id"] = territory.team_id.id
            if territory.user_id and not lead.user_id:
                vals["user_id"] = territory.user_id.id
            if vals:
                lead.write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        if self._territory_routing() == "create":
            # a team chosen explicitly wins over the territory's
            routed = self.browse(
                [lead.id for lead, vals in zip(leads, vals_list, strict=True) if not vals.get("team_id")]
            )
            routed._route_to_territory()
        return leads

    @api.depends("stage_id.crm_ext_forecast_category", "active", "probability")
    def _compute_forecast_category(self):
        for lead in self:
            if not lead.active and not lead.probability:
                lead.crm_ext_forecast_category = "omitted"
            elif lead.stage_id.is_won:
                lead.crm_ext_forecast_category = "won"
            else:
                lead.crm_ext_forecast_category = lead.stage_id.crm_ext_forecast_category or "pipeline"

    @api.depends("date_deadline", "date_closed", "stage_id.is_won")
    def _compute_forecast_month(self):
        for lead in self:
            date = (
                lead.date_closed.date() if lead.stage_id.is_won and lead.date_closed else None
            ) or lead.date_deadline
            lead.crm_ext_forecast_month = date.replace(day=1) if date else False

    @api.depends("crm_ext_opportunity_line_ids.price_subtotal", "crm_ext_opportunity_line_ids.margin")
    def _compute_lines_amounts(self):
        for lead in self:
            lead.crm_ext_lines_amount_untaxed = sum(
                lead.crm_ext_opportunity_line_ids.mapped("price_subtotal")
            )
            lead.crm_ext_lines_margin = sum(lead.crm_ext_opportunity_line_ids.mapped("margin"))

    def _update_revenue_from_lines(self):
        for lead in self.filtered(
            lambda lead: lead.crm_ext_revenue_from_lines and lead.crm_ext_opportunity_line_ids
        ):
            total = sum(lead.crm_ext_opportunity_line_ids.mapped("price_subtotal"))
            if lead.expected_revenue != total:
                lead.with_context(crm_ext_revenue_from_lines=True).expected_revenue = total

    def write(self, vals):
        if (
            "expected_revenue" in vals
            and "crm_ext_revenue_from_lines" not in vals
            and not self.env.context.get("crm_ext_revenue_from_lines")
        ):
            vals = {**vals, "crm_ext_revenue_from_lines": False}
        written = set(TRACKED_WHEN_WRITTEN).intersection(vals)
        if written and self.ids:
            by_lead = self.env.cr.precommit.data.setdefault(WRITTEN_KEY, {})
            for lead_id in self.ids:
                by_lead.setdefault(lead_id, set()).update(written)
        result = super().write(vals)
        if (
            not self.env.context.get("crm_ext_no_routing")
            and {"country_id", "state_id", "zip", "crm_ext_territory_id"} & set(vals)
            and "team_id" not in vals
            and self._territory_routing() == "create"
        ):
            self.with_context(crm_ext_no_routing=True)._route_to_territory()
        if vals.get("crm_ext_revenue_from_lines"):
            self._update_revenue_from_lines()
        return result

    def _mail_track(self, tracked_fields, initial_values):
        written = self.env.cr.precommit.data.get(WRITTEN_KEY, {}).get(self.id, set())
        followed = [
            fname for fname in TRACKED_WHEN_WRITTEN if fname in initial_values and fname not in written
        ]
        if followed:
            initial_values = {k: v for k, v in initial_values.items() if k not in followed}
        return super()._mail_track(tracked_fields, initial_values)

    def _track_finalize(self):
        result = super()._track_finalize()
        self.env.cr.precommit.data.pop(WRITTEN_KEY, None)
        return result

    def action_create_quotation_from_lines(self):
        """A quotation for the customer with the product lines, priced by Odoo's sales rules."""
        self.ensure_one()
        if not self.partner_id:
            raise UserError(_("Set the customer of %(lead)s before making a quotation.", lead=self.name))
        if not self.crm_ext_opportunity_line_ids:
            raise UserError(_("%(lead)s has no product lines to quote.", lead=self.name))
        context = self._prepare_opportunity_quotation_context()
        defaults = {
            key[len("default_") :]: value for key, value in context.items() if key.startswith("default_")
        }
        order = self.env["sale.order"].create(
            {
                **defaults,
                "order_line": [
                    Command.create(line._prepare_sale_order_line())
                    for line in self.crm_ext_opportunity_line_ids
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "view_mode": "form",
            "res_id": order.id,
        }

    def _payments_by_opportunity(self):
        """{opportunity id: payment ids} for payments reconciled with its invoices."""
        if not self.ids:
            return {}
        self.env["account.move"].flush_model(["crm_ext_opportunity_id", "company_id", "state"])
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "credit_move_id"])
        self.env["account.payment"].flush_model(["move_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT move.crm_ext_opportunity_id, array_agg(DISTINCT payment.id)
                  FROM account_move move
                  JOIN account_move_line line ON line.move_id = move.id
                  JOIN account_account account
                    ON account.id = line.account_id AND account.account_type = 'asset_receivable'
                  JOIN account_partial_reconcile part
                    ON line.id IN (part.debit_move_id, part.credit_move_id)
                  JOIN account_move_line counterpart
                    ON counterpart.id IN (part.debit_move_id, part.credit_move_id)
                   AND counterpart.id != line.id
                  JOIN account_payment payment ON payment.move_id = counterpart.move_id
                 WHERE move.crm_ext_opportunity_id IN %s
                   AND move.company_id IN %s
                   AND move.state = 'posted'
                 GROUP BY move.crm_ext_opportunity_id
                """,
                tuple(self.ids),
                tuple(self.env.companies.ids),
            )
        )
        return dict(self.env.cr.fetchall())

    def _compute_back_office(self):
        Move = self.env["account.move"].sudo()
        domain = [
            ("crm_ext_opportunity_id", "in", self.ids),
            ("state", "=", "posted"),
            ("company_id", "in", self.env.companies.ids),
        ]
        counts = defaultdict(dict)
        for lead, move_type, count, amount in Move._read_group(
            domain, ["crm_ext_opportunity_id", "move_type"], ["__count", "amount_untaxed_signed:sum"]
        ):
            counts[lead.id][move_type] = (count, amount)
        deliveries = dict(
            self.env["stock.picking"]
            .sudo()
            ._read_group(
                [
                    ("crm_ext_opportunity_id", "in", self.ids),
                    ("picking_type_code", "=", "outgoing"),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["crm_ext_opportunity_id"],
                ["__count"],
            )
        )
        payments = self._payments_by_opportunity()
        for lead in self:
            by_type = counts.get(lead.id, {})
            invoices = by_type.get("out_invoice", (0, 0.0))
            refunds = by_type.get("out_refund", (0, 0.0))
            lead.crm_ext_invoice_count = invoices[0]
            lead.crm_ext_credit_note_count = refunds[0]
            lead.crm_ext_invoiced_amount = invoices[1] + refunds[1]
            lead.crm_ext_delivery_count = deliveries.get(lead._origin, 0)
            lead.crm_ext_payment_count = len(payments.get(lead.id, []))

    def _action_open(self, model, domain, name, context=None):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": domain,
            "context": context or {},
        }

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [
            ("crm_ext_opportunity_id", "=", self.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
        ]
        action["context"] = {"default_crm_ext_opportunity_id": self.id, "default_move_type": "out_invoice"}
        return action

    def action_view_deliveries(self):
        self.ensure_one()
        return self._action_open(
            "stock.picking",
            [("crm_ext_opportunity_id", "=", self.id), ("picking_type_code", "=", "outgoing")],
            _("Deliveries"),
            {"create": False},
        )

    def action_view_payments(self):
        self.ensure_one()
        payment_ids = self._payments_by_opportunity().get(self.id, [])
        return self._action_open(
            "account.payment", [("id", "in", payment_ids)], _("Payments"), {"create": False}
        )

    def _interaction_values(self):
        self.ensure_one()
        return {"partner_id": self.partner_id.id, "lead_id": self.id}

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        self._log_message_interaction(message)
        return result

    def action_view_interactions(self):
        action = super().action_view_interactions()
        action["context"]["default_partner_id"] = self.partner_id.id
        return action
