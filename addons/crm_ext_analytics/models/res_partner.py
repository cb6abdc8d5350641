from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from .crm_ext_customer_rfm import SEGMENT_SELECTION

_RFM_FIELDS = {
    "crm_ext_rfm_segment": "segment",
    "crm_ext_rfm_cell": "rfm_cell",
    "crm_ext_rfm_r_score": "r_score",
    "crm_ext_rfm_f_score": "f_score",
    "crm_ext_rfm_m_score": "m_score",
    "crm_ext_rfm_clv_predicted": "clv_predicted",
    "crm_ext_rfm_clv_p_alive": "clv_p_alive",
    "crm_ext_rfm_churn_probability": "churn_probability",
    "crm_ext_rfm_churn_reasons": "churn_reasons",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # the commercial partner's current scores in the current company
    crm_ext_rfm_segment = fields.Selection(
        SEGMENT_SELECTION,
        string="RFM Segment",
        compute="_compute_rfm",
        search="_search_rfm_segment",
        groups="crm_ext_analytics.group_analytics_user",
    )
    crm_ext_rfm_cell = fields.Char(
        string="RFM Cell", compute="_compute_rfm", groups="crm_ext_analytics.group_analytics_user"
    )
    crm_ext_rfm_r_score = fields.Integer(
        string="Recency Score", compute="_compute_rfm", groups="crm_ext_analytics.group_analytics_user"
    )
    crm_ext_rfm_f_score = fields.Integer(
        string="Frequency Score", compute="_compute_rfm", groups="crm_ext_analytics.group_analytics_user"
    )
    crm_ext_rfm_m_score = fields.Integer(
        string="Monetary Score", compute="_compute_rfm", groups="crm_ext_analytics.group_analytics_user"
    )

    crm_ext_rfm_clv_predicted = fields.Float(
        string="Predicted 12-Month Value",
        compute="_compute_rfm",
        digits=(16, 2),
        groups="crm_ext_analytics.group_analytics_user",
    )
    crm_ext_rfm_clv_p_alive = fields.Float(
        string="Probability Active",
        compute="_compute_rfm",
        digits=(16, 3),
        groups="crm_ext_analytics.group_analytics_user",
    )

    crm_ext_rfm_churn_probability = fields.Float(
        string="Churn Risk",
        compute="_compute_rfm",
        digits=(16, 3),
        groups="crm_ext_analytics.group_analytics_user",
    )
    crm_ext_rfm_churn_reasons = fields.Char(
        string="Why at Risk", compute="_compute_rfm", groups="crm_ext_analytics.group_analytics_user"
    )

    @api.depends("commercial_partner_id")
    @api.depends_context("company")
    def _compute_rfm(self):
        commercial_ids = [pid for pid in self.commercial_partner_id._origin.ids if pid]
        rows = self.env["crm_ext.customer.rfm"].search_fetch(
            [("partner_id", "in", commercial_ids), ("company_id", "=", self.env.company.id)],
            ["partner_id", *_RFM_FIELDS.values()],
        )
        by_partner = {row.partner_id.id: row for row in rows}
        for partner in self:
            row = by_partner.get(partner.commercial_partner_id._origin.id)
            for fname, row_fname in _RFM_FIELDS.items():
                partner[fname] = row[row_fname] if row else False

    def _search_rfm_segment(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(_("Operation not supported on RFM segment: %(operator)s", operator=operator))
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        scored = [("company_id", "=", self.env.company.id)]
        segments = [segment for segment in values if segment]
        Rfm = self.env["crm_ext.customer.rfm"]
        domain = [
            (
                "commercial_partner_id",
                "in",
                Rfm._search([*scored, ("segment", "in", segments)]).subselect("partner_id"),
            )
        ]
        if len(segments) < len(values):
            # no segment: customers without a score in this company
            domain = expression.OR(
                [domain, [("commercial_partner_id", "not in", Rfm._search(scored).subselect("partner_id"))]]
            )
        if operator in ("!=", "not in"):
            domain = ["!", *expression.normalize_domain(domain)]
        return domain

    def _crm_ext_recommended_products(self, limit=5):
        """The customer's next best offers in the current company, best first (the
        recommendation hook of crm_ext_marketing's personalised content)."""
        self.ensure_one()
        offers = (
            self.env["crm_ext.customer.offer"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", self.env.company.id),
                ],
                order="rank",
                limit=limit,
            )
        )
        return offers.product_id
