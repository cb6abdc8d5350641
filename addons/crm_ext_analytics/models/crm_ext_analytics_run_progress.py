from odoo import fields, models


class CrmExtAnalyticsRunProgress(models.Model):
    """Where a running analytics run is, committed apart from the run's own transaction.

    A run writes its results in one transaction (a failure leaves the previous results); its
    progress is written through a separate cursor and committed at once, so that the users
    (and the run's form) see it while the run goes on. ``run_ref`` is a plain integer, not a
    foreign key: the run's row is locked by its transaction, or not committed yet.
    """

    _name = "crm_ext.analytics.run.progress"
    _description = "Analytics Run Progress"
    _log_access = False

    run_ref = fields.Integer(string="Run", required=True, index=True, readonly=True)
    step = fields.Integer(readonly=True)
    total = fields.Integer(readonly=True)
    stage = fields.Char(readonly=True)
    date = fields.Datetime(readonly=True)

    _sql_constraints = [("run_ref_unique", "UNIQUE(run_ref)", "One progress line per run.")]
