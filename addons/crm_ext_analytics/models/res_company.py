from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# the analytics settings of a company are internal: portal and public users read companies too
INTERNAL = "base.group_user"


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_ext_basket_min_support = fields.Float(
        string="Minimum Support",
        default=0.01,
        digits=(16, 4),
        help="Share of the confirmed orders.",
        groups=INTERNAL,
    )
    crm_ext_basket_min_confidence = fields.Float(
        string="Minimum Confidence", default=0.1, digits=(16, 4), groups=INTERNAL
    )
    crm_ext_basket_min_lift = fields.Float(
        string="Minimum Lift", default=1.0, digits=(16, 2), groups=INTERNAL
    )
    crm_ext_basket_max_len = fields.Integer(string="Products per Rule", default=3, groups=INTERNAL)
    crm_ext_offer_count = fields.Integer(string="Offers per Customer", default=5, groups=INTERNAL)
    crm_ext_basket_min_new_orders = fields.Integer(
        string="New Orders Before New Rules",
        default=100,
        groups=INTERNAL,
        help="A run recomputes the product rules when at least this many orders were confirmed "
        "since they were last computed, and keeps them otherwise (on a large history, a few new "
        "orders hardly move the rules); the customers with one of those orders get their offers "
        "again from the kept rules. A run asked to recompute everything always recomputes them. "
        "0 recomputes them at every run.",
    )
    crm_ext_basket_computed_at = fields.Datetime(
        string="Product Rules Computed On", readonly=True, copy=False, groups=INTERNAL
    )
    crm_ext_churn_retrain_percent = fields.Float(
        string="Retrain the Churn Model After (%)",
        default=5.0,
        digits=(16, 1),
        groups=INTERNAL,
        help="An incremental run applies the churn model of the last run to today's figures while "
        "the purchases made since it was trained stay under this share of the customers it learned "
        "from, and retrains it otherwise. Full runs (asked for, or every so many days) always "
        "retrain it. 0 retrains it at every run.",
    )
    crm_ext_forecast_horizon = fields.Integer(string="Forecast Months", default=12, groups=INTERNAL)
    crm_ext_analytics_incremental = fields.Boolean(
        string="Incremental Runs",
        default=True,
        groups=INTERNAL,
        help="Recompute the RFM and lifetime-value inputs only for the customers with invoices or "
        "credit notes created or changed since the last run.",
    )
    crm_ext_analytics_sales_history = fields.Boolean(
        string="Analyse the Sales History",
        default=True,
        groups=INTERNAL,
        help="Read the sales history imported from a former system together with the posted invoices "
        "(RFM, lifetime value, churn, market basket, forecast).",
    )
    crm_ext_analytics_full_days = fields.Integer(
        string="Full Run Every (Days)",
        default=7,
        groups=INTERNAL,
        help="A run recomputes every customer when the last full run is older than this: cost prices "
        "and merged contacts do not change an invoice, so incremental runs do not see them.",
    )

    @api.constrains(
        "crm_ext_basket_min_support",
        "crm_ext_basket_min_confidence",
        "crm_ext_basket_min_lift",
        "crm_ext_basket_max_len",
        "crm_ext_offer_count",
        "crm_ext_forecast_horizon",
        "crm_ext_analytics_full_days",
        "crm_ext_basket_min_new_orders",
        "crm_ext_churn_retrain_percent",
    )
    def _check_crm_ext_analytics_settings(self):
        for company in self:
            if not 0 < company.crm_ext_basket_min_support <= 1:
                raise ValidationError(
                    _("The minimum support is a share of the orders, above 0 and at most 1.")
                )
            if not 0 <= company.crm_ext_basket_min_confidence <= 1:
                raise ValidationError(_("The minimum confidence is a share, from 0 to 1."))
            if company.crm_ext_basket_min_lift < 0:
                raise ValidationError(_("The minimum lift cannot be negative."))
            if not 2 <= company.crm_ext_basket_max_len <= 3:
                raise ValidationError(_("Rules hold two or three products."))
            if not 1 <= company.crm_ext_offer_count <= 50:
                raise ValidationError(_("Offer 1 to 50 products per customer."))
            if not 1 <= company.crm_ext_forecast_horizon <= 36:
                raise ValidationError(_("Forecast 1 to 36 months ahead."))
            if not 1 <= company.crm_ext_analytics_full_days <= 366:
                raise ValidationError(_("Run a full recomputation every 1 to 366 days."))
            if company.crm_ext_basket_min_new_orders < 0:
                raise ValidationError(_("The number of new orders before new rules cannot be negative."))
            if not 0 <= company.crm_ext_churn_retrain_percent <= 100:
                raise ValidationError(_("Retrain the churn model after a share from 0 to 100 %."))
