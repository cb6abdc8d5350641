from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

CHANNELS = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("letter", "Letter"),
    ("fax", "Fax"),
    ("meeting", "Face-to-face"),
    ("chat", "Chat"),
    ("web", "Web"),
    ("sms", "SMS"),
]


class CrmExtInteraction(models.Model):
    """One contact with a customer, on any channel: the interaction centre's log."""

    _name = "crm_ext.interaction"
    _description = "Customer Interaction"
    _order = "date desc, id desc"
    _rec_name = "summary"

    summary = fields.Char(required=True)
    channel = fields.Selection(CHANNELS, required=True, default="phone")
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")],
        required=True,
        default="outbound",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    duration = fields.Float(help="Duration in hours.")
    outcome = fields.Selection(
        [
            ("done", "Reached"),
            ("no_answer", "No answer"),
            ("follow_up", "Follow-up needed"),
            ("not_interested", "Not interested"),
        ],
    )
    note = fields.Html(sanitize=True)
    partner_id = fields.Many2one("res.partner", string="Contact", index=True, ondelete="cascade")
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        related="partner_id.commercial_partner_id",
        store=True,
        index=True,
    )
    lead_id = fields.Many2one("crm.lead", string="Opportunity", index=True, ondelete="cascade")
    message_id = fields.Many2one(
        "mail.message", string="Email", index="btree_not_null", ondelete="set null", readonly=True
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", default=lambda self: self.env.user, index=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )

    _sql_constraints = [
        (
            "duration_positive",
            "CHECK(duration >= 0)",
            "The duration of an interaction cannot be negative.",
        ),
    ]

    def _raise_missing_partner(self, summary):
        raise ValidationError(
            _("Interaction “%(summary)s” needs a contact or an opportunity.", summary=summary)
        )

    @api.model_create_multi
    def create(self, vals_list):
        # checked before anything is written: a batch with one bad row creates nothing
        for vals in vals_list:
            if not vals.get("partner_id") and not vals.get("lead_id"):
                self._raise_missing_partner(vals.get("summary"))
        return super().create(vals_list)

    @api.constrains("partner_id", "lead_id")
    def _check_partner_or_lead(self):
        for interaction in self:
            if not interaction.partner_id and not interaction.lead_id:
                self._raise_missing_partner(interaction.summary)

    @api.onchange("lead_id")
    def _onchange_lead_id(self):
        if self.lead_id and not self.partner_id:
            self.partner_id = self.lead_id.partner_id
