from odoo import api, fields, models
from odoo.tools import SQL

# the outcomes of a call, as in the interaction centre of crm_ext_sales
CALL_OUTCOMES = [
    ("done", "Reached"),
    ("no_answer", "No answer"),
    ("follow_up", "Follow-up needed"),
    ("not_interested", "Not interested"),
]


class CrmExtCampaignTarget(models.Model):
    """A customer reached (or skipped) by a campaign step: never twice for the same step."""

    _name = "crm_ext.campaign.target"
    _description = "Campaign Target"
    _order = "step_id, id"
    _rec_name = "partner_id"

    step_id = fields.Many2one("crm_ext.campaign.step", required=True, ondelete="cascade", index=True)
    campaign_id = fields.Many2one(related="step_id.campaign_id", store=True, index=True)
    channel = fields.Selection(related="step_id.channel", store=True)
    company_id = fields.Many2one(related="step_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    state = fields.Selection(
        [("pending", "Pending"), ("processed", "Processed"), ("skipped", "Skipped"), ("failed", "Failed")],
        default="pending",
        required=True,
        index=True,
    )
    date = fields.Datetime(string="Processed on")
    activity_id = fields.Many2one("mail.activity", string="Call", ondelete="set null")
    call_outcome = fields.Selection(
        CALL_OUTCOMES,
        help="Set to Reached when the call activity is marked done; the caller may change it.",
    )
    call_date = fields.Datetime(string="Called on", readonly=True)

    _sql_constraints = [
        ("step_partner_unique", "UNIQUE(step_id, partner_id)", "A customer is a target of a step only once."),
    ]

    @api.model
    def _create_for(self, step, partners):
        """Target rows of ``step`` for ``partners`` in one statement; existing ones are kept."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_ext_campaign_target (
                    step_id, campaign_id, channel, company_id, partner_id, state,
                    create_uid, create_date, write_uid, write_date)
                SELECT %(step)s, %(campaign)s, %(channel)s, %(company)s, partner_id, 'pending',
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM unnest(%(partners)s::int[]) AS partner_id
                ON CONFLICT (step_id, partner_id) DO NOTHING
                """,
                step=step.id,
                campaign=step.campaign_id.id,
                channel=step.channel,
                company=step.company_id.id,
                uid=self.env.uid,
                partners=partners.ids,
            )
        )
        self.invalidate_model()
        return self.search([("step_id", "=", step.id), ("state", "=", "pending")])
