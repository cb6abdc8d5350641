from ast import literal_eval

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged, users

from .common import CrmExtServiceCase


@tagged("post_install", "-at_install")
class TestTeamStagesAssignment(CrmExtServiceCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_onsite = cls.env["crm_ext.ticket.stage"].create(
            {"name": "On site (test)", "sequence": 15, "team_ids": [(6, 0, cls.other_team.ids)]}
        )

    def test_stages_per_team_and_kanban_columns(self):
        Ticket = self.env["crm_ext.ticket"]
        ticket = Ticket.create({"name": "Broken", "team_id": self.other_team.id})
        self.assertEqual(ticket.stage_id, self.stage_new, "shared stages come first")
        ticket.stage_id = self.stage_onsite
        # moving to a team that does not use the stage puts the ticket back in a shared stage
        ticket.team_id = self.team
        self.assertEqual(ticket.stage_id, self.stage_new)

        def columns(team):
            groups = Ticket.with_context(default_team_id=team.id).web_read_group(
                [("id", "=", 0)], ["stage_id"], ["stage_id"]
            )["groups"]
            return {group["stage_id"][0] for group in groups}

        self.assertIn(self.stage_onsite.id, columns(self.other_team))
        self.assertNotIn(self.stage_onsite.id, columns(self.team))
        self.assertIn(self.stage_solved.id, columns(self.team))

    def test_round_robin_by_category(self):
        self.env["crm_ext.ticket.assignment.rule"].create(
            [
                {
                    "name": "Billing",
                    "sequence": 1,
                    "team_id": self.team.id,
                    "method": "round_robin",
                    "category_ids": [(6, 0, self.category_billing.ids)],
                },
                {
                    "name": "Damage only to agent 2",
                    "sequence": 2,
                    "team_id": self.team.id,
                    "method": "round_robin",
                    "category_ids": [(6, 0, self.category_damage.ids)],
                    "user_ids": [(6, 0, self.agent_2.ids)],
                },
            ]
        )
        tickets = self.env["crm_ext.ticket"].create(
            [
                {"name": f"Bill {i}", "team_id": self.team.id, "category_id": self.category_billing.id}
                for i in range(3)
            ]
        )
        self.assertEqual(tickets.mapped("user_id"), self.agent | self.agent_2)
        self.assertEqual([t.user_id for t in tickets], [self.agent, self.agent_2, self.agent])
        damage = self.env["crm_ext.ticket"].create(
            {"name": "Dent", "team_id": self.team.id, "category_id": self.category_damage.id}
        )
        self.assertEqual(damage.user_id, self.agent_2)
        # no rule for tickets without category: they stay unassigned
        other = self.env["crm_ext.ticket"].create({"name": "Other", "team_id": self.team.id})
        self.assertFalse(other.user_id)

    def test_balanced_gives_to_the_least_loaded(self):
        self.env["crm_ext.ticket.assignment.rule"].create(
            {"name": "Balanced", "team_id": self.team.id, "method": "balanced"}
        )
        Ticket = self.env["crm_ext.ticket"]
        Ticket.create([{"name": f"Load {i}", "user_id": self.agent.id} for i in range(2)])
        Ticket.create({"name": "Closed load", "user_id": self.agent_2.id, "stage_id": self.stage_solved.id})
        first = Ticket.create({"name": "New one", "team_id": self.team.id})
        self.assertEqual(first.user_id, self.agent_2, "closed tickets do not count as load")
        second, third = Ticket.create(
            [{"name": "A", "team_id": self.team.id}, {"name": "B", "team_id": self.team.id}]
        )
        self.assertEqual(second.user_id, self.agent_2)
        self.assertEqual(third.user_id, self.agent, "ties go to the lowest id, now 2 against 2")
        # an explicit assignee is kept
        mine = Ticket.create({"name": "Mine", "team_id": self.team.id, "user_id": self.agent.id})
        self.assertEqual(mine.user_id, self.agent)

    def test_rule_agents_must_be_team_members(self):
        with self.assertRaisesRegex(ValidationError, "not in team"):
            self.env["crm_ext.ticket.assignment.rule"].create(
                {"name": "Wrong", "team_id": self.team.id, "user_ids": [(6, 0, self.outsider.ids)]}
            )

    def test_team_company_checks(self):
        foreign_team = self.env["crm_ext.service.team"].create(
            {"name": "Foreign (test)", "company_id": self.other_company.id}
        )
        with self.assertRaisesRegex(ValidationError, "team Foreign"):
            self.env["crm_ext.ticket"].create(
                {"name": "Wrong team", "team_id": foreign_team.id, "company_id": self.company.id}
            )
        # without an explicit company, the ticket takes the team's
        ticket = self.env["crm_ext.ticket"].create({"name": "Right", "team_id": foreign_team.id})
        self.assertEqual(ticket.company_id, self.other_company)
        with self.assertRaisesRegex(ValidationError, "no access to"):
            foreign_team.member_ids = self.agent_2

    def test_agents_see_their_teams_tickets(self):
        Ticket = self.env["crm_ext.ticket"]
        mine = Ticket.create({"name": "Team ticket", "team_id": self.team.id})
        other = Ticket.create({"name": "Other team", "team_id": self.other_team.id})
        assigned = Ticket.create(
            {"name": "Assigned", "team_id": self.other_team.id, "user_id": self.agent.id}
        )
        loose = Ticket.create({"name": "No team"})
        ids = (mine | other | assigned | loose).ids
        as_agent = Ticket.with_user(self.agent).search([("id", "in", ids)])
        self.assertEqual(as_agent, mine | assigned | loose)
        with self.assertRaises(AccessError):
            other.with_user(self.agent).read(["name"])
        as_leader = Ticket.with_user(self.service_manager).search([("id", "in", ids)])
        self.assertEqual(as_leader, mine | other | assigned | loose, "managers see everything")
        as_outsider = Ticket.with_user(self.outsider).search([("id", "in", ids)])
        self.assertEqual(as_outsider, other | assigned | loose)

    @users("crm_ext_service_agent")
    def test_agent_cannot_configure(self):
        with self.assertRaises(AccessError):
            self.env["crm_ext.service.team"].create({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.env["crm_ext.sla.policy"].create({"name": "Mine", "stage_id": self.stage_solved.id})
        with self.assertRaises(AccessError):
            self.env["crm_ext.ticket.category"].create({"name": "Mine"})

    def test_team_form_and_ticket_counts(self):
        with Form(self.env["crm_ext.service.team"]) as form:
            form.name = "Form team (test)"
            form.alias_name = "form-team-test"
        team = form.save()
        self.assertEqual(team.alias_id.alias_model_id.model, "crm_ext.ticket")
        self.assertEqual(team.resource_calendar_id, self.company.resource_calendar_id)
        self.env["crm_ext.ticket"].create(
            [
                {"name": "Open", "team_id": team.id},
                {"name": "Done", "team_id": team.id, "stage_id": self.stage_solved.id},
            ]
        )
        self.assertEqual(team.open_ticket_count, 1)
        self.assertEqual(
            literal_eval(team.alias_defaults), {"team_id": team.id, "company_id": self.company.id}
        )
        with self.assertRaisesRegex(ValidationError, "tickets of another company"):
            team.write({"company_id": self.other_company.id, "resource_calendar_id": False})
        empty = self.env["crm_ext.service.team"].create({"name": "Empty (test)", "alias_name": "empty-test"})
        empty.write({"company_id": self.other_company.id, "resource_calendar_id": False})
        self.assertEqual(literal_eval(empty.alias_defaults)["company_id"], self.other_company.id)
        action = team.action_view_tickets()
        self.assertEqual(action["context"]["default_team_id"], team.id)
