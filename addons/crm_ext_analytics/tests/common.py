from odoo.tests import TransactionCase, new_test_user


class CrmExtAnalyticsCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, mail_create_nolog=True, mail_notrack=True, tracking_disable=True)
        )
        cls.company = cls.env["res.company"].create({"name": "Analytics Co (test)"})
        cls.viewer = new_test_user(
            cls.env,
            login="crm_ext_analytics_viewer",
            groups="crm_ext_analytics.group_analytics_user",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
        cls.analyst = new_test_user(
            cls.env,
            login="crm_ext_analytics_manager",
            groups="crm_ext_analytics.group_analytics_manager,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[(6, 0, cls.company.ids)],
        )
