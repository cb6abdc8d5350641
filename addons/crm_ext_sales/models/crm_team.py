import datetime

from odoo import models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def _allocate_leads(self, creation_delta_days=7):
        """Odoo's rule-based assignment, with territory routing on: the unassigned leads of a
        territory first go to its team; Odoo then allocates the others by the teams'
        assignment domains, and its members' quotas and domains share every team's leads out
        (``_assign_and_convert_leads``). With routing off (the default), Odoo's alone."""
        if self.env["crm.lead"]._territory_routing() == "assignment":
            self._allocate_territory_leads(creation_delta_days)
        return super()._allocate_leads(creation_delta_days=creation_delta_days)

    def _allocate_territory_leads(self, creation_delta_days):
        """Routes the leads that Odoo's ``_allocate_leads`` would consider (no team, no
        salesperson, not won, old enough for ``crm.assignment.delay``, recent enough for
        ``creation_delta_days``) and have a territory to that territory's team."""
        delay = float(self.env["ir.config_parameter"].sudo().get_param("crm.assignment.delay", default=0))
        now = self.env.cr.now()
        domain = [
            ("crm_ext_territory_id", "!=", False),
            ("team_id", "=", False),
            ("user_id", "=", False),
            ("create_date", "<=", now - datetime.timedelta(hours=delay)),
            "|",
            ("stage_id", "=", False),
            ("stage_id.is_won", "=", False),
        ]
        if creation_delta_days > 0:
            domain.append(("create_date", ">", now - datetime.timedelta(days=creation_delta_days)))
        self.env["crm.lead"].search(domain)._route_to_territory()
