from odoo.tests import TransactionCase, new_test_user


class CrmExtCase(TransactionCase):
    """The base of the four add-ons' test cases: an environment without chatter logging and
    tracking (the tests create many records), the current company and a second company for the
    multi-company checks (named by ``other_company_name``, so each suite's records stay apart)."""

    other_company_name = "Other Co (test)"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, mail_create_nolog=True, mail_notrack=True, tracking_disable=True)
        )
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": cls.other_company_name})


class CrmExtSalesCase(CrmExtCase):
    """Users and customers shared by the sales tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_user = new_test_user(
            cls.env,
            login="crm_ext_sales_user",
            groups="crm_ext_sales.group_sales_user",
            company_ids=[(6, 0, (cls.company | cls.other_company).ids)],
        )
        cls.sales_manager = new_test_user(
            cls.env,
            login="crm_ext_sales_manager",
            groups="crm_ext_sales.group_sales_manager",
        )
        cls.plain_user = new_test_user(cls.env, login="crm_ext_plain_user", groups="base.group_user")
        cls.customer = cls.env["res.partner"].create({"name": "Azure Test Co", "is_company": True})
        cls.contact = cls.env["res.partner"].create({"name": "Ann Contact", "parent_id": cls.customer.id})
        cls.opportunity = cls.env["crm.lead"].create(
            {"name": "Azure chairs", "type": "opportunity", "partner_id": cls.contact.id}
        )
