from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .crm_ext_customer_rfm import SEGMENT_SELECTION


class CrmExtSegmentRule(models.Model):
    _inherit = "crm_ext.segment.rule"

    rfm_segment = fields.Selection(SEGMENT_SELECTION, string="RFM Segment")

    @api.model
    def _rule_traits(self):
        return {**super()._rule_traits(), "rfm_segment": (False, False)}

    @api.depends("rfm_segment")
    def _compute_name(self):
        result = super()._compute_name()
        labels = dict(SEGMENT_SELECTION)
        for rule in self.filtered(lambda r: r.rule_type == "rfm_segment"):
            rule.name = _("RFM segment is “%(segment)s”", segment=labels.get(rule.rfm_segment, "?"))
        return result

    @api.constrains("rule_type", "rfm_segment")
    def _check_rfm_segment(self):
        if self.filtered(lambda r: r.rule_type == "rfm_segment" and not r.rfm_segment):
            raise ValidationError(_("An RFM segment rule needs a segment."))
