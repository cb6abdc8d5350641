from odoo import fields, models


class CrmExtAnalyticsRunStage(models.Model):
    """One stage of an analytics run: what it read, how long it took, the memory after it."""

    _name = "crm_ext.analytics.run.stage"
    _description = "Analytics Run Stage"
    _order = "run_id, sequence"

    run_id = fields.Many2one("crm_ext.analytics.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    sequence = fields.Integer()
    key = fields.Char(string="Stage Key", readonly=True)
    name = fields.Char(string="Stage", readonly=True)
    rows = fields.Integer(string="Rows Read", readonly=True)
    seconds = fields.Float(readonly=True, digits=(16, 3))
    memory_mb = fields.Float(
        string="Peak Memory (MiB)",
        readonly=True,
        digits=(16, 1),
        aggregator="max",
        help="Peak resident memory of the server process when the stage ended.",
    )
