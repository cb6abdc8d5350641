from odoo import fields, models

FORECAST_CATEGORIES = [
    ("pipeline", "Pipeline"),
    ("best_case", "Best Case"),
    ("commit", "Commit"),
    ("won", "Closed Won"),
    ("omitted", "Omitted"),
]


class CrmStage(models.Model):
    _inherit = "crm.stage"

    crm_ext_forecast_category = fields.Selection(
        FORECAST_CATEGORIES,
        default="pipeline",
        required=True,
        help="Forecast category of the opportunities in this stage (each opportunity may override it).",
        string="Forecast Category",
    )
