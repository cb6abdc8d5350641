from ast import literal_eval

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from .crm_ext_segment import author_env

ENGAGEMENTS = ("opened", "clicked", "replied", "web_visit")


class CrmExtLeadScoringRule(models.Model):
    """Points given to a lead when it matches a condition or shows engagement."""

    _name = "crm_ext.lead.scoring.rule"
    _description = "Lead Scoring Rule"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    rule_type = fields.Selection(
        [
            ("domain", "Lead matches conditions"),
            ("opened", "Opened a mailing"),
            ("clicked", "Clicked in a mailing"),
            ("replied", "Replied to a mailing"),
            ("web_visit", "Sent the web form"),
        ],
        string="Criterion",
        required=True,
        default="domain",
    )
    lead_domain = fields.Char(string="Conditions", default="[]", help="Conditions on the lead.")
    points = fields.Integer(required=True, default=10, help="Negative points lower the score.")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    rules_user_id = fields.Many2one(
        "res.users",
        string="Evaluated As",
        default=lambda self: self.env.user,
        readonly=True,
        copy=False,
        help="Whoever last changed the conditions: they are evaluated with their access rights (the "
        "hourly scoring too), so the rule scores only leads they may see, on what they may read.",
    )

    def write(self, vals):
        if vals.keys() & {"lead_domain", "rule_type"}:
            vals = {**vals, "rules_user_id": self.env.uid}
        return super().write(vals)

    def _rules_env(self):
        """Their author's access rights, in the companies the author works in (never superuser)."""
        self.ensure_one()
        return author_env(self.env, self.rules_user_id or self.create_uid)

    def _parsed_domain(self):
        self.ensure_one()
        try:
            domain = literal_eval(self.lead_domain or "[]")
            expression.expression(domain, self.env["crm.lead"])
        except (ValueError, SyntaxError, TypeError, KeyError) as error:
            raise ValidationError(
                _(
                    "The conditions of scoring rule “%(name)s” are not a valid domain: %(error)s",
                    name=self.name,
                    error=error,
                )
            ) from error
        return domain

    @api.constrains("lead_domain", "rule_type")
    def _check_lead_domain(self):
        for rule in self.filtered(lambda r: r.rule_type == "domain"):
            rule._parsed_domain()

    def _engaged_lead_ids(self, lead_ids):
        """The ids among ``lead_ids`` showing this rule's engagement, in one query."""
        self.ensure_one()
        if self.rule_type == "web_visit":
            query = SQL(
                """
                SELECT DISTINCT lead_id FROM crm_ext_interaction
                 WHERE channel = 'web' AND direction = 'inbound' AND lead_id = ANY(%s)
                """,
                lead_ids,
            )
        else:
            column = {
                "opened": "open_datetime",
                "clicked": "links_click_datetime",
                "replied": "reply_datetime",
            }[self.rule_type]
            # traces sent to the lead itself or to its customer; two semi-joins rather than one
            # with an OR, which PostgreSQL can only run as a scan of the traces per lead
            query = SQL(
                """
                SELECT l.id FROM crm_lead l
                 WHERE l.id = ANY(%(ids)s) AND EXISTS (
                    SELECT 1 FROM mailing_trace t
                     WHERE t.model = 'crm.lead' AND t.res_id = l.id AND t.%(column)s IS NOT NULL)
                 UNION
                SELECT l.id FROM crm_lead l
                 WHERE l.id = ANY(%(ids)s) AND EXISTS (
                    SELECT 1 FROM mailing_trace t
                     WHERE t.model = 'res.partner' AND t.res_id = l.partner_id
                       AND t.%(column)s IS NOT NULL)
                """,
                ids=lead_ids,
                column=SQL.identifier(column),
            )
        self.env.cr.execute(query)
        return {row[0] for row in self.env.cr.fetchall()}

    @api.model
    def _compute_scores(self, leads):
        """Scores of ``leads`` as ``{lead id: points}``: one query per active rule."""
        scores = dict.fromkeys(leads.ids, 0)
        if not leads:
            return scores
        self.env["crm.lead"].flush_model()
        self.env["mailing.trace"].flush_model()
        self.env["crm_ext.interaction"].flush_model()
        for company, company_leads in leads.grouped("company_id").items():
            rules = self.sudo().search([("company_id", "in", company.ids or self.env.companies.ids)])
            for rule in rules:
                if rule.rule_type == "domain":
                    domain = expression.AND([rule._parsed_domain(), [("id", "in", company_leads.ids)]])
                    Lead = rule._rules_env()["crm.lead"].with_context(active_test=False)
                    matched = set(Lead.search(domain).ids)
                else:
                    matched = rule._engaged_lead_ids(company_leads.ids)
                for lead_id in matched:
                    scores[lead_id] += rule.points
        return scores

    @api.model
    def _recompute_lead_scores(self, leads=None):
        """Recomputes and stores the score of ``leads`` (every open lead by default)."""
        Lead = self.env["crm.lead"].sudo()
        if leads is None:
            leads = Lead.search([("probability", "<", 100)])
        scores = self._compute_scores(leads.sudo())
        by_score = {}
        for lead_id, score in scores.items():
            by_score.setdefault(score, []).append(lead_id)
        for score, ids in by_score.items():
            to_write = Lead.browse(ids).filtered(lambda lead, s=score: lead.crm_ext_lead_score != s)
            if to_write:
                to_write.write({"crm_ext_lead_score": score})
        Lead.env.flush_all()
        return scores

    def action_score_and_qualify(self):
        self.env["crm_ext.lead.scoring.rule"].check_access("write")
        self._recompute_lead_scores()
        converted = self.env["crm.lead"]._crm_ext_qualify_leads()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _(
                    "Lead scores recomputed; %(count)s lead(s) qualified as opportunities.",
                    count=len(converted),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _cron_score_and_qualify(self):
        self._recompute_lead_scores()
        self.env["crm.lead"]._crm_ext_qualify_leads()
