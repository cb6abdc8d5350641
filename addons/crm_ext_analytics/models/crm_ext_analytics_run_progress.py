from odoo import api, fields, models


class CrmExtAnalyticsRunProgress(models.Model):
    """Where a running analytics run is, committed apart from the run's own transaction.

    A run writes its results in one transaction (a failure leaves the previous results); its
    progress is written through a separate cursor and committed at once, so that the users
    (and the run's form) see it while the run goes on. ``run_ref`` and ``company_ref`` are plain
    integers, not foreign keys: the run's row is locked by its transaction, or not committed yet
    (nor, in tests, its company). ``company_id`` reads ``company_ref`` for the multi-company rule.
    """

    _name = "crm_ext.analytics.run.progress"
    _description = "Analytics Run Progress"
    _log_access = False

    run_ref = fields.Integer(string="Run", required=True, index=True, readonly=True)
    # always written by the run; not required, so that an update keeps the lines left by earlier versions
    company_ref = fields.Integer(string="Company Id", readonly=True)
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", search="_search_company_id", readonly=True
    )
    step = fields.Integer(readonly=True)
    total = fields.Integer(readonly=True)
    stage = fields.Char(readonly=True)
    date = fields.Datetime(readonly=True)

    _sql_constraints = [("run_ref_unique", "UNIQUE(run_ref)", "One progress line per run.")]

    @api.depends("company_ref")
    def _compute_company_id(self):
        for line in self:
            line.company_id = self.env["res.company"].browse(line.company_ref)

    def _search_company_id(self, operator, value):
        if operator in ("in", "not in") and isinstance(value, (list, tuple)):
            return [("company_ref", operator, [int(company) for company in value])]
        companies = self.env["res.company"]._search([("id", operator, value)])
        return [("company_ref", "in", companies)]
