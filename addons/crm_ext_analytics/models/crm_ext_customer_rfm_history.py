from odoo import fields, models

from .crm_ext_customer_rfm import SEGMENT_SELECTION


class CrmExtCustomerRfmHistory(models.Model):
    """A change of a customer's segment or RFM cell in a company: a row is added when a run
    scores the customer for the first time or finds another segment or cell, so the segment
    at any run is the latest row on or before it."""

    _name = "crm_ext.customer.rfm.history"
    _inherit = ["crm_ext.analytics.export.mixin"]
    _description = "Customer RFM Segment History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    # written in bulk by the analytics run: no ORM log columns (and their foreign keys) to fill
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    run_id = fields.Many2one("crm_ext.analytics.run", readonly=True, ondelete="set null")
    date = fields.Date(required=True, readonly=True, index=True)
    segment = fields.Selection(SEGMENT_SELECTION, required=True, readonly=True)
    rfm_cell = fields.Char(string="RFM Cell", readonly=True)
