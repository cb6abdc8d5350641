from odoo.tests import TransactionCase, new_test_user


class CrmExtServiceCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, mail_create_nolog=True, mail_notrack=True, tracking_disable=True)
        )
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Service Co (test)"})
        cls.agent = new_test_user(
            cls.env,
            login="crm_ext_service_agent",
            groups="crm_ext_service.group_service_user",
            company_ids=[(6, 0, (cls.company | cls.other_company).ids)],
        )
        cls.service_manager = new_test_user(
            cls.env, login="crm_ext_service_manager", groups="crm_ext_service.group_service_manager"
        )
        cls.customer = cls.env["res.partner"].create({"name": "Ticket Customer", "is_company": True})
        cls.stage_new = cls.env.ref("crm_ext_service.ticket_stage_new")
        cls.stage_solved = cls.env.ref("crm_ext_service.ticket_stage_solved")
