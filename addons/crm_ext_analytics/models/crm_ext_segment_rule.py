from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .crm_ext_customer_rfm import CHURN_RISK_SELECTION, SEGMENT_SELECTION


class CrmExtSegmentRule(models.Model):
    _inherit = "crm_ext.segment.rule"

    rfm_segment = fields.Selection(SEGMENT_SELECTION, string="RFM Segment")
    churn_risk = fields.Selection(CHURN_RISK_SELECTION, string="Churn Risk Level")

    @api.model
    def _rule_traits(self):
        return {
            **super()._rule_traits(),
            "rfm_segment": (False, False),
            "clv": ("threshold", False),
            "churn_risk": (False, False),
        }

    @api.depends("rfm_segment", "churn_risk")
    def _compute_name(self):
        result = super()._compute_name()
        labels = dict(SEGMENT_SELECTION)
        for rule in self.filtered(lambda r: r.rule_type == "rfm_segment"):
            rule.name = _("RFM segment is “%(segment)s”", segment=labels.get(rule.rfm_segment, "?"))
        for rule in self.filtered(lambda r: r.rule_type == "clv"):
            template = (
                _("Predicted 12-month value at least %(amount)s")
                if rule.operator == "at_least"
                else _("Predicted 12-month value less than %(amount)s")
            )
            rule.name = template % {"amount": rule.amount}
        risks = dict(self._fields["churn_risk"]._description_selection(self.env))
        for rule in self.filtered(lambda r: r.rule_type == "churn_risk"):
            rule.name = _("Churn risk is “%(level)s”", level=risks.get(rule.churn_risk, "?"))
        return result

    @api.constrains("rule_type", "rfm_segment", "churn_risk")
    def _check_rfm_segment(self):
        if self.filtered(lambda r: r.rule_type == "rfm_segment" and not r.rfm_segment):
            raise ValidationError(_("An RFM segment rule needs a segment."))
        if self.filtered(lambda r: r.rule_type == "churn_risk" and not r.churn_risk):
            raise ValidationError(_("A churn risk rule needs a risk level."))
