from odoo import _, api, models
from odoo.tools import SQL


class CrmExtSegment(models.Model):
    """Segments of crm_ext_marketing can select customers by their analytics results."""

    _inherit = "crm_ext.segment"

    @api.model
    def _segment_rule_types(self):
        return [
            *super()._segment_rule_types(),
            ("rfm_segment", _("RFM segment")),
            ("clv", _("Predicted 12-month value")),
            ("churn_risk", _("Churn risk")),
        ]

    def _rfm_readable(self):
        """The analytics rows the rules' author may read (crm_ext_marketing evaluates every rule
        as its author). An author without the analytics rights selects nobody: the segment shows
        no member rather than results its author may not see, and the nightly refresh of the
        company's other segments goes on."""
        results = self._rules_env()["crm_ext.customer.rfm"]
        if not results.has_access("read"):
            return SQL("FALSE")
        return self._readable_sql("crm_ext.customer.rfm", "crm_ext_customer_rfm")

    def _segment_rule_sql(self, rule):
        if rule.rule_type == "rfm_segment":
            # the current results of the segment's company, from the latest successful run
            return SQL(
                "SELECT partner_id FROM crm_ext_customer_rfm WHERE company_id = %s AND segment = %s AND %s",
                self.company_id.id,
                rule.rfm_segment,
                self._rfm_readable(),
            )
        if rule.rule_type == "churn_risk":
            return SQL(
                "SELECT partner_id FROM crm_ext_customer_rfm"
                " WHERE company_id = %s AND churn_risk = %s AND %s",
                self.company_id.id,
                rule.churn_risk,
                self._rfm_readable(),
            )
        if rule.rule_type == "clv":
            comparison = SQL(">=") if rule.operator == "at_least" else SQL("<")
            return SQL(
                "SELECT partner_id FROM crm_ext_customer_rfm"
                " WHERE company_id = %s AND clv_predicted %s %s AND %s",
                self.company_id.id,
                comparison,
                rule.amount,
                self._rfm_readable(),
            )
        return super()._segment_rule_sql(rule)
