from odoo.tests import new_test_user

from odoo.addons.crm_ext_sales.tests.common import CrmExtCase


def office_hours_calendar(env, company=None):
    """Monday-Friday 8:00-12:00 and 13:00-17:00, in UTC so that hours read plainly."""
    return env["resource.calendar"].create(
        {
            "name": "Service hours (test)",
            "tz": "UTC",
            "company_id": (company or env.company).id,
            "attendance_ids": [
                (0, 0, {"name": f"{day} {period}", "dayofweek": str(day), "hour_from": start,
                        "hour_to": end, "day_period": period})
                for day in range(5)
                for start, end, period in ((8, 12, "morning"), (13, 17, "afternoon"))
            ],
        }
    )  # fmt: skip


class CrmExtServiceCase(CrmExtCase):
    other_company_name = "Other Service Co (test)"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(
            cls.env,
            login="crm_ext_service_agent",
            groups="crm_ext_service.group_service_user",
            company_ids=[(6, 0, (cls.company | cls.other_company).ids)],
        )
        cls.agent_2 = new_test_user(
            cls.env, login="crm_ext_service_agent_2", groups="crm_ext_service.group_service_user"
        )
        cls.outsider = new_test_user(
            cls.env, login="crm_ext_service_outsider", groups="crm_ext_service.group_service_user"
        )
        cls.service_manager = new_test_user(
            cls.env, login="crm_ext_service_manager", groups="crm_ext_service.group_service_manager"
        )
        cls.customer = cls.env["res.partner"].create({"name": "Ticket Customer", "is_company": True})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Ticket Contact", "parent_id": cls.customer.id, "email": "contact@customer.example.com"}
        )
        cls.stage_new = cls.env.ref("crm_ext_service.ticket_stage_new")
        cls.stage_progress = cls.env.ref("crm_ext_service.ticket_stage_in_progress")
        cls.stage_waiting = cls.env.ref("crm_ext_service.ticket_stage_waiting")
        cls.stage_solved = cls.env.ref("crm_ext_service.ticket_stage_solved")
        cls.calendar = office_hours_calendar(cls.env, cls.company)
        cls.team = cls.env["crm_ext.service.team"].create(
            {
                "name": "Care (test)",
                "user_id": cls.service_manager.id,
                "member_ids": [(6, 0, (cls.agent | cls.agent_2).ids)],
                "resource_calendar_id": cls.calendar.id,
            }
        )
        cls.other_team = cls.env["crm_ext.service.team"].create(
            {"name": "Field (test)", "member_ids": [(6, 0, cls.outsider.ids)]}
        )
        cls.category_billing = cls.env["crm_ext.ticket.category"].create({"name": "Billing (test)"})
        cls.category_damage = cls.env["crm_ext.ticket.category"].create({"name": "Damage (test)"})
        cls.tag_vip = cls.env["crm_ext.ticket.tag"].create({"name": "VIP (test)"})
        # demo policies must not interfere with the tests' own
        cls.env["crm_ext.sla.policy"].search([]).active = False
