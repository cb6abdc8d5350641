from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import jalali


class CrmExtSalesTarget(models.Model):
    """A quota for a salesperson or a team over a month or a quarter, measured on
    posted customer invoices net of credit notes, in company currency."""

    _name = "crm_ext.sales.target"
    _description = "Sales Target"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    name = fields.Char(compute="_compute_name", store=True, precompute=True)
    user_id = fields.Many2one("res.users", string="Salesperson", index=True, tracking=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", index=True, tracking=True)
    territory_id = fields.Many2one(
        "crm_ext.territory", index=True, help="Roll targets up by territory (team targets usually)."
    )
    period_type = fields.Selection(
        [("month", "Month"), ("quarter", "Quarter")], default="month", required=True
    )
    date_from = fields.Date(string="From", required=True, default=lambda self: self._default_date_from())
    date_to = fields.Date(
        string="To", compute="_compute_date_to", store=True, readonly=False, required=True, precompute=True
    )
    amount = fields.Monetary(string="Target", required=True, tracking=True)
    achieved_amount = fields.Monetary(compute="_compute_achieved", string="Invoiced")
    attainment = fields.Float(compute="_compute_achieved", string="Attainment (%)")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    _sql_constraints = [
        ("amount_positive", "CHECK(amount >= 0)", "A sales target cannot be negative."),
        (
            "user_or_team",
            "CHECK((user_id IS NULL) != (team_id IS NULL))",
            "A sales target is for one salesperson or one team.",
        ),
    ]

    @api.model
    def _default_date_from(self):
        """The first day of this month: a Jalali month for a company with Jalali Months in
        Analytics."""
        today = fields.Date.context_today(self)
        if self.env.company.crm_ext_date_analytics_jalali:
            return jalali.period_start(today, "month")
        return today.replace(day=1)

    @api.depends("date_from", "period_type", "company_id.crm_ext_date_analytics_jalali")
    def _compute_date_to(self):
        for target in self:
            if target.date_from:
                months = 3 if target.period_type == "quarter" else 1
                if target.company_id.crm_ext_date_analytics_jalali:
                    target.date_to = jalali.add_months(target.date_from, months) - relativedelta(days=1)
                else:
                    target.date_to = target.date_from + relativedelta(months=months, days=-1)
            else:
                target.date_to = False

    @api.depends("user_id", "team_id", "date_from", "date_to", "company_id.crm_ext_date_analytics_jalali")
    def _compute_name(self):
        for target in self:
            who = target.user_id.name or target.team_id.name or ""
            dates = [target.date_from, target.date_to]
            if target.company_id.crm_ext_date_analytics_jalali:
                dates = [jalali.format_jalali(value, "y/MM/dd") for value in dates]
            target.name = f"{who} {dates[0] or ''}…{dates[1] or ''}".strip()

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for target in self:
            if target.date_to < target.date_from:
                raise ValidationError(
                    _("The period of target %(target)s ends before it starts.", target=target.name)
                )

    @api.constrains("team_id", "company_id")
    def _check_team_company(self):
        for target in self:
            if target.team_id.company_id and target.team_id.company_id != target.company_id:
                raise ValidationError(
                    _(
                        "Team %(team)s is not a team of %(company)s.",
                        team=target.team_id.name,
                        company=target.company_id.name,
                    )
                )

    def _compute_achieved(self):
        report = self.env["crm_ext.sales.target.report"]
        self.flush_model()
        self.env["account.move"].flush_model()
        achieved = dict(
            report._read_group([("target_id", "in", self.ids)], ["target_id"], ["achieved_amount:sum"])
        )
        for target in self:
            target.achieved_amount = achieved.get(target._origin, 0.0)
            target.attainment = 100.0 * target.achieved_amount / target.amount if target.amount else 0.0
