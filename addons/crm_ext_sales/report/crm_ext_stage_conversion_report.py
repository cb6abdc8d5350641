from odoo import fields, models
from odoo.tools import SQL, drop_view_if_exists


class CrmExtStageConversionReport(models.Model):
    """Every stage change of an opportunity, from its chatter tracking: where leads go
    from each stage and how long they stayed there."""

    _name = "crm_ext.stage.conversion.report"
    _description = "Stage Conversion Analysis"
    _auto = False
    _order = "date desc"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    from_stage_id = fields.Many2one("crm.stage", readonly=True)
    to_stage_id = fields.Many2one("crm.stage", readonly=True)
    direction = fields.Selection([("forward", "Forward"), ("backward", "Backward")], readonly=True)
    date = fields.Datetime(string="Moved on", readonly=True)
    days_in_stage = fields.Float(string="Days in From Stage", readonly=True, aggregator="avg")
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    _depends = {
        "mail.tracking.value": ["old_value_integer", "new_value_integer", "field_id", "mail_message_id"],
        "crm.lead": ["team_id", "user_id", "company_id"],
    }

    def _query(self):
        return SQL(
            """
            SELECT tracking.id, lead.id AS lead_id,
                   tracking.old_value_integer AS from_stage_id, tracking.new_value_integer AS to_stage_id,
                   CASE WHEN to_stage.sequence >= from_stage.sequence THEN 'forward' ELSE 'backward' END
                       AS direction,
                   message.date,
                   EXTRACT(EPOCH FROM (message.date - COALESCE(
                       LAG(message.date) OVER (PARTITION BY lead.id ORDER BY message.date, tracking.id),
                       lead.create_date))) / 86400.0 AS days_in_stage,
                   lead.team_id, lead.user_id, lead.company_id
              FROM mail_tracking_value tracking
              JOIN ir_model_fields field
                ON field.id = tracking.field_id AND field.model = 'crm.lead' AND field.name = 'stage_id'
              JOIN mail_message message
                ON message.id = tracking.mail_message_id AND message.model = 'crm.lead'
              JOIN crm_lead lead ON lead.id = message.res_id
              JOIN crm_stage from_stage ON from_stage.id = tracking.old_value_integer
              JOIN crm_stage to_stage ON to_stage.id = tracking.new_value_integer
            """
        )

    def init(self):
        drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
