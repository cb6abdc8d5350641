from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_ext_credit_control_policy = fields.Selection(
        related="company_id.crm_ext_credit_control_policy", readonly=False
    )
    crm_ext_date_calendar = fields.Selection(related="company_id.crm_ext_date_calendar", readonly=False)
    crm_ext_date_persian_digits = fields.Boolean(
        related="company_id.crm_ext_date_persian_digits", readonly=False
    )
    crm_ext_date_analytics_jalali = fields.Boolean(
        related="company_id.crm_ext_date_analytics_jalali", readonly=False
    )
    crm_ext_territory_routing = fields.Boolean(
        string="Route Leads by Territory",
        config_parameter="crm_ext_sales.territory_routing",
        help="Off: territories only classify leads (reports, targets, forecast) and Odoo's own "
        "assignment gives them teams. On: a lead of a territory goes to the territory's team, "
        "and to its salesperson when it has one.",
    )
