from odoo import fields, models


class CrmExtSegmentHistory(models.Model):
    """The size of a segment at one refresh: segment sizes over time."""

    _name = "crm_ext.segment.history"
    _description = "Segment Size History"
    _order = "date desc, id desc"
    _rec_name = "segment_id"

    segment_id = fields.Many2one("crm_ext.segment", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="segment_id.company_id", store=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    member_count = fields.Integer(string="Members", aggregator="max")
