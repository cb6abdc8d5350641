from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_ext_basket_min_support = fields.Float(related="company_id.crm_ext_basket_min_support", readonly=False)
    crm_ext_basket_min_confidence = fields.Float(
        related="company_id.crm_ext_basket_min_confidence", readonly=False
    )
    crm_ext_basket_min_lift = fields.Float(related="company_id.crm_ext_basket_min_lift", readonly=False)
    crm_ext_basket_max_len = fields.Integer(related="company_id.crm_ext_basket_max_len", readonly=False)
    crm_ext_offer_count = fields.Integer(related="company_id.crm_ext_offer_count", readonly=False)
    crm_ext_basket_min_new_orders = fields.Integer(
        related="company_id.crm_ext_basket_min_new_orders", readonly=False
    )
    crm_ext_churn_retrain_percent = fields.Float(
        related="company_id.crm_ext_churn_retrain_percent", readonly=False
    )
    crm_ext_forecast_horizon = fields.Integer(related="company_id.crm_ext_forecast_horizon", readonly=False)
    crm_ext_analytics_incremental = fields.Boolean(
        related="company_id.crm_ext_analytics_incremental", readonly=False
    )
    crm_ext_analytics_sales_history = fields.Boolean(
        related="company_id.crm_ext_analytics_sales_history", readonly=False
    )
    crm_ext_analytics_full_days = fields.Integer(
        related="company_id.crm_ext_analytics_full_days", readonly=False
    )
    crm_ext_analytics_replica_max_lag = fields.Integer(
        string="Replica Lag Allowed",
        config_parameter="crm_ext_analytics.replica_max_lag",
        default=30,
        help="Seconds an analytics run waits for Odoo's read-only replica (db_replica_host) to catch up "
        "with the primary before reading its input datasets there; past that, or without a replica, "
        "it reads the primary. Results are always written on the primary.",
    )
    crm_ext_analytics_read_primary = fields.Boolean(
        string="Read the Primary Only",
        config_parameter="crm_ext_analytics.read_primary",
        help="Analytics runs read their input datasets from the primary even when Odoo has a replica, "
        "which is then left to the users' screens (where both share one machine's processors, the "
        "runs' reads would slow those screens down).",
    )
    crm_ext_analytics_run_nice = fields.Selection(
        [
            ("0", "As the server runs its crons"),
            ("10", "Lower (nice 10)"),
            ("19", "Lowest (nice 19)"),
        ],
        string="Background Priority",
        config_parameter="crm_ext_analytics.run_nice",
        default="10",
        required=True,
        help="How far the analytics runs of the queue give way to the users' requests for the server's "
        "processors: the nice value of the server thread that runs them (Odoo's cron workers of a server "
        "with workers already run at 10; a threaded server's cron threads at the requests' priority). "
        "With 10 or 19 the runs also compute on one thread (numpy, scipy, scikit-learn). "
        "On a busy server the requests then get the processors first and the runs take longer; alone "
        "on the server the runs take about as long.",
    )
