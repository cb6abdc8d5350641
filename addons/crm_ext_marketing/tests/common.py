from odoo.tests import TransactionCase, new_test_user


class CrmExtMarketingCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, mail_create_nolog=True, mail_notrack=True, tracking_disable=True)
        )
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Marketing Co (test)"})
        cls.marketer = new_test_user(
            cls.env, login="crm_ext_marketer", groups="crm_ext_marketing.group_marketing_user"
        )
        cls.marketing_manager = new_test_user(
            cls.env,
            login="crm_ext_marketing_manager",
            groups="crm_ext_marketing.group_marketing_manager",
            company_ids=[(6, 0, (cls.company | cls.other_company).ids)],
        )
        cls.tag = cls.env["res.partner.category"].create({"name": "VIP (test)"})
        cls.vip = cls.env["res.partner"].create(
            [{"name": f"VIP {i}", "category_id": [(4, cls.tag.id)]} for i in range(3)]
        )
        cls.foreign_vip = cls.env["res.partner"].create(
            {"name": "Foreign VIP", "category_id": [(4, cls.tag.id)], "company_id": cls.other_company.id}
        )
