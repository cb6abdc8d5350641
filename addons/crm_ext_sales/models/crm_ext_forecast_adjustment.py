from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class CrmExtForecastAdjustment(models.Model):
    """A manager's correction of a team's forecast for one month."""

    _name = "crm_ext.forecast.adjustment"
    _description = "Forecast Adjustment"
    _inherit = ["mail.thread"]
    _order = "period desc, team_id"

    team_id = fields.Many2one("crm.team", string="Sales Team", required=True, index=True, tracking=True)
    period = fields.Date(
        string="Month", required=True, index=True, tracking=True, help="Any day of the month adjusted."
    )
    amount = fields.Monetary(
        required=True, tracking=True, help="Added to the team's forecast (negative lowers it)."
    )
    reason = fields.Text(required=True)
    user_id = fields.Many2one(
        "res.users", string="Adjusted by", default=lambda self: self.env.user, readonly=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("period"):
                vals["period"] = fields.Date.to_date(vals["period"]).replace(day=1)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("period"):
            vals = {**vals, "period": fields.Date.to_date(vals["period"]).replace(day=1)}
        return super().write(vals)

    @api.constrains("team_id", "company_id")
    def _check_team_company(self):
        for adjustment in self:
            if adjustment.team_id.company_id and adjustment.team_id.company_id != adjustment.company_id:
                raise ValidationError(
                    _(
                        "Team %(team)s is not a team of %(company)s.",
                        team=adjustment.team_id.name,
                        company=adjustment.company_id.name,
                    )
                )

    @api.depends("team_id", "period")
    def _compute_display_name(self):
        for adjustment in self:
            month = adjustment.period.strftime("%Y-%m") if adjustment.period else ""
            adjustment.display_name = f"{adjustment.team_id.name or ''} {month}".strip()
