from collections import defaultdict

from odoo import fields, models
from odoo.tools import SQL

SALES_USER = "crm_ext_sales.group_sales_user"


class ResPartner(models.Model):
    """Customer 360: the customer's figures across CRM, sales, stock and accounting.

    Every figure is computed by ``_compute_customer_360`` for the whole recordset at
    once, with one grouped query per source, for the commercial partner (contacts
    show their company's figures). Other modules add figures by declaring fields
    with ``compute="_compute_customer_360"`` and extending ``_customer_360_values``.
    """

    _name = "res.partner"
    _inherit = ["res.partner", "crm_ext.interaction.count.mixin"]
    _interaction_field = "commercial_partner_id"

    crm_ext_interaction_ids = fields.One2many(
        "crm_ext.interaction", "commercial_partner_id", string="Interactions", groups=SALES_USER
    )
    crm_ext_open_opportunity_count = fields.Integer(
        compute="_compute_customer_360", groups=SALES_USER, string="Open Opportunity Count"
    )
    crm_ext_open_pipeline_amount = fields.Monetary(
        compute="_compute_customer_360",
        groups=SALES_USER,
        currency_field="crm_ext_customer_360_currency_id",
        help="Expected revenue of the open opportunities.",
        string="Open Pipeline Amount",
    )
    crm_ext_customer_quotation_count = fields.Integer(
        compute="_compute_customer_360", groups=SALES_USER, string="Open Quotations"
    )
    crm_ext_customer_order_count = fields.Integer(
        compute="_compute_customer_360", groups=SALES_USER, string="Confirmed Orders"
    )
    crm_ext_pending_delivery_count = fields.Integer(
        compute="_compute_customer_360", groups=SALES_USER, string="Pending Delivery Count"
    )
    crm_ext_late_delivery_count = fields.Integer(
        compute="_compute_customer_360", groups=SALES_USER, string="Late Delivery Count"
    )
    crm_ext_open_invoice_count = fields.Integer(
        compute="_compute_customer_360", groups=SALES_USER, string="Open Invoice Count"
    )
    crm_ext_overdue_invoice_count = fields.Integer(
        compute="_compute_customer_360", groups=SALES_USER, string="Overdue Invoice Count"
    )
    crm_ext_amount_due = fields.Monetary(
        compute="_compute_customer_360",
        groups=SALES_USER,
        currency_field="crm_ext_customer_360_currency_id",
        string="Amount Due",
    )
    crm_ext_amount_overdue = fields.Monetary(
        compute="_compute_customer_360",
        groups=SALES_USER,
        currency_field="crm_ext_customer_360_currency_id",
        string="Amount Overdue",
    )
    crm_ext_customer_payment_count = fields.Integer(
        compute="_compute_customer_360", groups=SALES_USER, string="Payments Received"
    )
    crm_ext_average_days_to_pay = fields.Float(
        compute="_compute_customer_360",
        groups=SALES_USER,
        digits=(16, 1),
        help="Average days from invoice date to full payment, over paid invoices.",
        string="Average Days To Pay",
    )
    crm_ext_last_interaction_date = fields.Datetime(
        compute="_compute_customer_360", groups=SALES_USER, string="Last Interaction Date"
    )
    crm_ext_sales_history_amount = fields.Monetary(
        string="Revenue before Odoo",
        compute="_compute_customer_360",
        groups=SALES_USER,
        currency_field="crm_ext_customer_360_currency_id",
        help="Net amount of the sales history imported from the former system (credit notes deducted).",
    )
    crm_ext_sales_history_count = fields.Integer(
        string="Documents before Odoo",
        compute="_compute_customer_360",
        groups=SALES_USER,
        help="Invoices and credit notes of the imported sales history.",
    )
    crm_ext_sales_history_last_date = fields.Date(
        string="Last Sale before Odoo", compute="_compute_customer_360", groups=SALES_USER
    )
    crm_ext_customer_360_currency_id = fields.Many2one(
        "res.currency", compute="_compute_customer_360", groups=SALES_USER, string="Customer 360 Currency"
    )

    def _interaction_owner(self):
        # contacts roll up to their company
        return self.commercial_partner_id

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        self._log_message_interaction(message)
        return result

    def action_view_interactions(self):
        action = super().action_view_interactions()
        action["context"] = {"default_partner_id": self.id}
        return action

    # --- customer 360 --------------------------------------------------------

    def _customer_360_defaults(self):
        return {
            "crm_ext_open_opportunity_count": 0,
            "crm_ext_open_pipeline_amount": 0.0,
            "crm_ext_customer_quotation_count": 0,
            "crm_ext_customer_order_count": 0,
            "crm_ext_pending_delivery_count": 0,
            "crm_ext_late_delivery_count": 0,
            "crm_ext_open_invoice_count": 0,
            "crm_ext_overdue_invoice_count": 0,
            "crm_ext_amount_due": 0.0,
            "crm_ext_amount_overdue": 0.0,
            "crm_ext_customer_payment_count": 0,
            "crm_ext_average_days_to_pay": 0.0,
            "crm_ext_last_interaction_date": False,
            "crm_ext_sales_history_amount": 0.0,
            "crm_ext_sales_history_count": 0,
            "crm_ext_sales_history_last_date": False,
        }

    def _compute_customer_360(self):
        customers = self.commercial_partner_id
        values = customers._customer_360_values()
        currency = self.env.company.currency_id
        for partner in self:
            partner.update(
                {
                    **self._customer_360_defaults(),
                    **values.get(partner.commercial_partner_id.id, {}),
                    "crm_ext_customer_360_currency_id": currency,
                }
            )

    def _in_company_currency(self, company, amount):
        target = self.env.company
        if company == target or company.currency_id == target.currency_id:
            return amount
        return company.currency_id._convert(
            amount, target.currency_id, target, fields.Date.context_today(self)
        )

    def _customer_360_domains(self, partner_ids):
        """{figure: (model, domain, partner field)} of the documents behind each figure."""
        today = fields.Date.context_today(self)
        by_partner = [("partner_id.commercial_partner_id", "in", partner_ids)]
        pending = [
            *by_partner,
            ("picking_type_code", "=", "outgoing"),
            ("state", "not in", ("draft", "done", "cancel")),
        ]
        open_invoices = [
            ("commercial_partner_id", "in", partner_ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
            ("company_id", "in", self.env.companies.ids),
        ]
        opportunities = [*by_partner, ("type", "=", "opportunity"), ("stage_id.is_won", "=", False)]
        payments = [
            *by_partner,
            ("partner_type", "=", "customer"),
            ("payment_type", "=", "inbound"),
            ("state", "in", ("in_process", "paid")),
            ("company_id", "in", self.env.companies.ids),
        ]
        return {
            "opportunities": ("crm.lead", opportunities, "partner_id"),
            "quotations": ("sale.order", [*by_partner, ("state", "in", ("draft", "sent"))], "partner_id"),
            "orders": ("sale.order", [*by_partner, ("state", "=", "sale")], "partner_id"),
            "deliveries": ("stock.picking", pending, "partner_id"),
            "late_deliveries": (
                "stock.picking",
                [*pending, ("scheduled_date", "<", fields.Datetime.now())],
                "partner_id",
            ),
            "invoices": ("account.move", open_invoices, "commercial_partner_id"),
            "overdue_invoices": (
                "account.move",
                [*open_invoices, ("invoice_date_due", "<", today)],
                "commercial_partner_id",
            ),
            "payments": ("account.payment", payments, "partner_id"),
        }

    def _customer_360_values(self):
        """{commercial partner id: {field: value}} for the commercial partners in self.

        Extend it (call super, then add your keys) to add figures; keep it to a
        fixed number of grouped queries whatever the number of partners.
        """
        ids = [pid for pid in self._origin.ids if pid]
        values = defaultdict(dict)
        if not ids:
            return values
        domains = self._customer_360_domains(ids)

        def add(key, partner, amount):
            bucket = values[partner.commercial_partner_id.id]
            bucket[key] = bucket.get(key, 0) + amount

        def grouped(figure, groupby, aggregates):
            model, domain, partner_field = domains[figure]
            Model = self.env[model]
            if model in ("account.move", "account.payment"):
                # receivables are the customer's, whoever issued the invoice: read them
                # all, within the companies the user works in (part of the domains)
                Model = Model.sudo()
            return Model._read_group(domain, [partner_field, *groupby], aggregates)

        for partner, company, count, revenue in grouped(
            "opportunities", ["company_id"], ["__count", "expected_revenue:sum"]
        ):
            add("crm_ext_open_opportunity_count", partner, count)
            add(
                "crm_ext_open_pipeline_amount",
                partner,
                self._in_company_currency(company or self.env.company, revenue),
            )
        for figure, key in (
            ("quotations", "crm_ext_customer_quotation_count"),
            ("orders", "crm_ext_customer_order_count"),
            ("deliveries", "crm_ext_pending_delivery_count"),
            ("late_deliveries", "crm_ext_late_delivery_count"),
            ("payments", "crm_ext_customer_payment_count"),
        ):
            for partner, count in grouped(figure, [], ["__count"]):
                add(key, partner, count)
        for figure, count_key, amount_key in (
            ("invoices", "crm_ext_open_invoice_count", "crm_ext_amount_due"),
            ("overdue_invoices", "crm_ext_overdue_invoice_count", "crm_ext_amount_overdue"),
        ):
            for partner, company, count, residual in grouped(
                figure, ["company_id"], ["__count", "amount_residual_signed:sum"]
            ):
                add(count_key, partner, count)
                add(amount_key, partner, self._in_company_currency(company, residual))

        for partner_id, days in self._average_days_to_pay(ids, self.env.companies.ids):
            values[partner_id]["crm_ext_average_days_to_pay"] = days

        if self.env["crm_ext.interaction"].has_access("read"):
            for partner, last in self.env["crm_ext.interaction"]._read_group(
                [("commercial_partner_id", "in", ids)], ["commercial_partner_id"], ["date:max"]
            ):
                values[partner.id]["crm_ext_last_interaction_date"] = last
        self._customer_360_sales_history(ids, values)
        return values

    def _customer_360_sales_history(self, ids, values):
        """Adds the figures of the imported sales history (one grouped query)."""
        History = self.env["crm_ext.sales.history"]
        if not History.has_access("read"):
            return
        for partner, company, amount, documents, last in History._read_group(
            [("partner_id", "in", ids), ("company_id", "in", self.env.companies.ids)],
            ["partner_id", "company_id"],
            ["amount_company:sum", "document_number:count_distinct", "date:max"],
        ):
            bucket = values[partner.id]
            bucket["crm_ext_sales_history_amount"] = bucket.get(
                "crm_ext_sales_history_amount", 0.0
            ) + self._in_company_currency(company, amount)
            bucket["crm_ext_sales_history_count"] = bucket.get("crm_ext_sales_history_count", 0) + documents
            bucket["crm_ext_sales_history_last_date"] = max(
                last, bucket.get("crm_ext_sales_history_last_date") or last
            )

    def action_view_sales_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm_ext_sales.crm_ext_sales_history_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_group_year": 1}
        return action

    def _average_days_to_pay(self, partner_ids, company_ids):
        """(commercial partner id, average days) over fully paid customer invoices."""
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "move_type", "state", "payment_state", "invoice_date", "company_id"]
        )
        self.env["account.move.line"].flush_model(["move_id", "account_id"])
        self.env["account.partial.reconcile"].flush_model(["debit_move_id", "credit_move_id", "max_date"])
        self.env.cr.execute(
            SQL(
                """
                SELECT move.commercial_partner_id, AVG(paid.last_date - move.invoice_date)::float
                  FROM account_move move
                  JOIN LATERAL (
                        SELECT MAX(part.max_date) AS last_date
                          FROM account_move_line line
                          JOIN account_account account
                            ON account.id = line.account_id AND account.account_type = 'asset_receivable'
                          JOIN account_partial_reconcile part
                            ON line.id IN (part.debit_move_id, part.credit_move_id)
                         WHERE line.move_id = move.id
                       ) paid ON paid.last_date IS NOT NULL
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state IN ('paid', 'in_payment')
                   AND move.commercial_partner_id IN %s
                   AND move.company_id IN %s
                 GROUP BY move.commercial_partner_id
                """,
                tuple(partner_ids),
                tuple(company_ids),
            )
        )
        return self.env.cr.fetchall()

    def action_view_customer_360(self):
        """Opens the documents behind one figure, named by ``customer_360`` in the context."""
        self.ensure_one()
        figure = self.env.context.get("customer_360")
        domains = self._customer_360_domains([self.commercial_partner_id.id])
        if figure not in domains:
            return False
        model, domain, _partner_field = domains[figure]
        return {
            "type": "ir.actions.act_window",
            "name": self.env[model]._description,
            "res_model": model,
            "view_mode": "list,form",
            "domain": domain,
            "context": {"create": False},
        }
