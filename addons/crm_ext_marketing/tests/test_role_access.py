"""What each role may do with the data crm_ext_marketing adds (issue 13)."""

import re
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import config

from .common import CrmExtMarketingCase


@tagged("post_install", "-at_install")
class TestCampaignAccess(CrmExtMarketingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(cls.env, login="crm_ext_mkt_employee", groups="base.group_user")
        cls.segment = cls.env["crm_ext.segment"].create(
            {"name": "VIP access (test)", "partner_domain": repr([("category_id", "in", cls.tag.ids)])}
        )
        cls.campaign = cls.env["utm.campaign"].create({"title": "Access (test)", "crm_ext_budget": 50})
        cls.env["crm_ext.campaign.step"].create(
            {"campaign_id": cls.campaign.id, "name": "Letter", "channel": "letter"}
        )
        cls.analytic_plan = cls.env["account.analytic.plan"].create({"name": "Campaigns (test)"})
        cls.analytic = cls.env["account.analytic.account"].create(
            {"name": "Spring (test)", "plan_id": cls.analytic_plan.id}
        )

    def test_employee_keeps_odoo_rights_on_campaigns(self):
        campaign = self.campaign.with_user(self.employee)
        campaign.write({"title": "Renamed by an employee (test)"})
        created = self.env["utm.campaign"].with_user(self.employee).create({"title": "Employee's (test)"})
        self.assertEqual(created.crm_ext_state, "draft")
        self.assertEqual(created.company_id, self.employee.company_id)
        # the form opens: the fields they may not read are left out of it
        views = campaign.get_views([(False, "form")])
        arch = views["views"]["form"]["arch"]
        for field_name in (
            "crm_ext_cost",
            "crm_ext_revenue",
            "crm_ext_budget",
            "crm_ext_segment_id",
            "crm_ext_analytic_account_id",
            "crm_ext_step_ids",
        ):
            self.assertNotIn(f'name="{field_name}"', arch)
        self.assertNotIn("action_start", arch)
        # what crm_ext adds that they may read is in the form and reads
        ours = {
            "crm_ext_state": {},
            "crm_ext_date_start": {},
            "crm_ext_date_end": {},
            "company_id": {"fields": {}},
        }
        self.assertLessEqual(set(ours), set(views["models"]["utm.campaign"]["fields"]))
        campaign.web_read(ours)

    def test_employee_reads_no_money(self):
        campaign = self.campaign.with_user(self.employee)
        for field_name in ("crm_ext_cost", "crm_ext_revenue", "crm_ext_roi", "crm_ext_budget",
                           "crm_ext_budget_used", "crm_ext_cost_per_lead", "crm_ext_channel_results_html",
                           "crm_ext_segment_id", "crm_ext_analytic_account_id"):  # fmt: skip
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                campaign.invalidate_recordset()
                campaign.read([field_name])

    def test_employee_changes_no_marketing_setting(self):
        campaign = self.campaign.with_user(self.employee)
        for values in (
            {"crm_ext_segment_id": self.segment.id},
            {"crm_ext_analytic_account_id": self.analytic.id},
            {"crm_ext_budget": 1000},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                campaign.write(values)
        for action in ("action_start", "action_stop"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(campaign, action)()
        with self.assertRaises(AccessError):
            campaign.write({"crm_ext_state": "running"})
        with self.assertRaises(AccessError):
            campaign.create({"title": "Running at once (test)", "crm_ext_state": "running"})
        self.assertEqual(self.campaign.crm_ext_state, "draft")

    def test_marketing_user_runs_the_campaign(self):
        campaign = self.campaign.with_user(self.marketer)
        campaign.write({"crm_ext_segment_id": self.segment.id, "crm_ext_budget": 100})
        self.assertEqual(campaign.crm_ext_cost, 0.0)
        campaign.action_start()
        self.assertEqual(self.campaign.crm_ext_state, "running")
        campaign.action_stop()
        self.assertEqual(self.campaign.crm_ext_state, "stopped")

    def test_campaigns_of_another_company_are_hidden(self):
        foreign = self.env["utm.campaign"].create(
            {"title": "Foreign (test)", "company_id": self.other_company.id}
        )
        shared = self.env["utm.campaign"].create({"title": "Shared (test)", "company_id": False})
        visible = (
            self.env["utm.campaign"].with_user(self.marketer).search([("id", "in", (foreign | shared).ids)])
        )
        self.assertEqual(visible, shared)
        # the manager works in both companies
        visible = (
            self.env["utm.campaign"]
            .with_user(self.marketing_manager)
            .with_context(allowed_company_ids=(self.company | self.other_company).ids)
            .search([("id", "in", (foreign | shared).ids)])
        )
        self.assertEqual(visible, foreign | shared)

    def _euro_company(self):
        """A second company in euros, 1 USD = 0.5 EUR."""
        eur = self.env.ref("base.EUR")
        eur.active = True
        usd = self.env.ref("base.USD")
        self.env["res.currency.rate"].search([("currency_id", "in", (eur | usd).ids)]).unlink()
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 0.5, "name": "2020-01-01", "company_id": False}
        )
        self.assertEqual(self.company.currency_id, usd)
        euro_company = self.env["res.company"].create(
            {"name": "Euro Marketing (test)", "currency_id": eur.id}
        )
        self.env["account.chart.template"].try_loading(
            "generic_coa", company=euro_company, install_demo=False
        )
        euro_company.currency_id = eur  # the generic chart sets the US dollar
        self.env.user.company_ids |= euro_company
        self.assertEqual(euro_company.currency_id, eur)
        return euro_company

    def _post(self, company, move_type, partner, price):
        product = self.env["product.product"].create({"name": "Posters (test)"})
        move = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": "2026-03-01",
                    "campaign_id": self.campaign.id,
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "quantity": 1, "price_unit": price, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move

    def test_money_of_other_companies_in_company_currency(self):
        euro_company = self._euro_company()
        self._post(
            euro_company, "in_invoice", self.env["res.partner"].create({"name": "Euro printer (test)"}), 100.0
        )
        self._post(
            euro_company, "out_invoice", self.env["res.partner"].create({"name": "Euro buyer (test)"}), 400.0
        )
        both = self.campaign.with_context(allowed_company_ids=(self.company | euro_company).ids)
        both.invalidate_recordset()
        # 100 EUR of bills and 400 EUR of invoices are 200 USD and 800 USD in the campaign's company
        self.assertEqual(both.currency_id, self.company.currency_id)
        self.assertAlmostEqual(both.crm_ext_cost, 200.0)
        self.assertAlmostEqual(both.crm_ext_revenue, 800.0)
        # someone working in the campaign's company only sees its own company's money
        alone = self.campaign.with_context(allowed_company_ids=self.company.ids)
        alone.invalidate_recordset()
        self.assertEqual((alone.crm_ext_cost, alone.crm_ext_revenue), (0.0, 0.0))

    def test_funnel_revenue_stays_in_the_campaign_company(self):
        euro_company = self._euro_company()
        buyer = self.env["res.partner"].create({"name": "Buyer in two companies (test)"})
        segment = self.env["crm_ext.segment"].create(
            {"name": "One buyer (test)", "partner_domain": repr([("id", "=", buyer.id)])}
        )
        segment.action_refresh_members()
        self.campaign.crm_ext_segment_id = segment
        step = self.campaign.crm_ext_step_ids
        step.action_launch()
        step.target_ids.date = "2026-02-01 09:00:00"
        self._post(self.company, "out_invoice", buyer, 50.0)
        self._post(euro_company, "out_invoice", buyer, 400.0)
        self.env.flush_all()
        rows = self.env["crm_ext.campaign.funnel.report"].search([("campaign_id", "=", self.campaign.id)])
        self.assertEqual(rows.company_id, self.company)
        self.assertEqual(sum(rows.mapped("revenue")), 50.0, "400 EUR are not 400 dollars of this company")
        step.invalidate_recordset()
        self.assertEqual(step.revenue, 50.0)


@tagged("post_install", "-at_install")
class TestCampaignStepTemplates(CrmExtMarketingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        editor = cls.env.ref("mail.group_mail_template_editor")
        # "restrict template rendering" on, as res.config.settings does it
        cls.env.ref("base.group_user").write({"implied_ids": [Command.unlink(editor.id)]})
        editor.write({"users": [Command.unlink(cls.marketer.id)]})
        cls.campaign = cls.env["utm.campaign"].create({"title": "Templates (test)"})

    def _create(self, user, **values):
        return (
            self.env["crm_ext.campaign.step"]
            .with_user(user)
            .create({"campaign_id": self.campaign.id, "name": "Mail", "channel": "email", **values})
        )

    def test_placeholders_stay_allowed(self):
        self.assertFalse(self.marketer.has_group("mail.group_mail_template_editor"))
        step = self._create(
            self.marketer, subject="Hello {{ object.name }}", body_html="<p>Dear <t t-out='object.name'/></p>"
        )
        step.write({"body_plaintext": "Hi {{ object.name }}"})

    def test_code_needs_the_template_editor(self):
        unsafe = {
            "subject": "{{ object.env['res.users'].search([]).mapped('login') }}",
            "body_html": "<p><t t-out=\"object.env['res.users'].sudo().search([]).mapped('password')\"/></p>",
            "body_plaintext": "{{ object.env.cr.dbname }}",
        }
        for field_name, value in unsafe.items():
            with self.subTest(field=field_name):
                with self.assertRaises(AccessError):
                    self._create(self.marketer, **{field_name: value})
                step = self._create(self.marketer, subject="Plain")
                with self.assertRaises(AccessError):
                    step.write({field_name: value})
        # the marketing manager (an administrator here: template editor) may
        self.marketing_manager.groups_id |= self.env.ref("mail.group_mail_template_editor")
        self._create(self.marketing_manager, **unsafe)


@tagged("post_install", "-at_install")
class TestRulesEvaluatedAsOwner(CrmExtMarketingCase):
    """A marketing manager who only sees their own orders must not learn about the others'
    through a segment's member count or a lead's score."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_seller = new_test_user(
            cls.env, login="crm_ext_other_seller", groups="sales_team.group_sale_salesman"
        )
        cls.big_buyer = cls.env["res.partner"].create({"name": "Big buyer (test)", "is_company": True})
        product = cls.env["product.product"].create({"name": "Tractor (test)", "list_price": 5000.0})
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.big_buyer.id,
                "user_id": cls.other_seller.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
            }
        )
        cls.manager = cls.marketing_manager

    def test_manager_cannot_read_the_order(self):
        self.assertFalse(self.manager.has_group("sales_team.group_sale_salesman_all_leads"))
        with self.assertRaises(AccessError):
            self.order.with_user(self.manager).read(["amount_total"])

    def test_segment_counts_only_what_its_owner_may_read(self):
        domain = [("id", "=", self.big_buyer.id), ("sale_order_ids.amount_total", ">", 4000)]
        segment = (
            self.env["crm_ext.segment"]
            .with_user(self.manager)
            .create({"name": "Big orders (test)", "partner_domain": repr(domain)})
        )
        segment.action_refresh_members()
        self.assertEqual(segment.member_count, 0)
        # the nightly cron runs as superuser, but evaluates as the owner too
        self.env["crm_ext.segment"]._cron_refresh_segments()
        segment.invalidate_recordset()
        self.assertEqual(segment.member_count, 0)
        # a manager seeing every order gets the member
        self.manager.groups_id |= self.env.ref("sales_team.group_sale_salesman_all_leads")
        segment.action_refresh_members()
        self.assertEqual(segment.member_count, 1)

    def test_behaviour_rules_count_only_what_their_owner_may_read(self):
        self.order.action_confirm()
        segment = (
            self.env["crm_ext.segment"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Buyers (test)",
                    "partner_domain": repr([("id", "=", self.big_buyer.id)]),
                    "rule_ids": [Command.create({"rule_type": "order_count", "order_count": 1, "days": 30})],
                }
            )
        )
        segment.action_refresh_members()
        self.assertEqual(segment.member_count, 0, "the order is another salesperson's")
        self.manager.groups_id |= self.env.ref("sales_team.group_sale_salesman_all_leads")
        segment.action_refresh_members()
        self.assertEqual(segment.member_count, 1)

    def test_segment_owner_is_whoever_changed_the_rules(self):
        segment = self.env["crm_ext.segment"].create({"name": "Admin's (test)", "partner_domain": "[]"})
        self.assertEqual(segment.rules_user_id, self.env.user)
        segment.with_user(self.manager).write({"partner_domain": repr([("id", "=", self.big_buyer.id)])})
        self.assertEqual(segment.rules_user_id, self.manager)

    def test_lead_score_counts_only_what_its_owner_may_read(self):
        lead = self.env["crm.lead"].create(
            {"name": "Tractor lead (test)", "partner_id": self.big_buyer.id, "user_id": self.manager.id}
        )
        self.order.opportunity_id = lead
        self.env["crm_ext.lead.scoring.rule"].search([]).active = False
        rule = (
            self.env["crm_ext.lead.scoring.rule"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Big order (test)",
                    "lead_domain": repr([("order_ids.amount_total", ">", 4000)]),
                    "points": 50,
                }
            )
        )
        scores = self.env["crm_ext.lead.scoring.rule"]._recompute_lead_scores(lead)
        self.assertEqual(scores[lead.id], 0)
        self.assertEqual(rule.rules_user_id, self.manager)
        self.manager.groups_id |= self.env.ref("sales_team.group_sale_salesman_all_leads")
        scores = self.env["crm_ext.lead.scoring.rule"]._recompute_lead_scores(lead)
        self.assertEqual(scores[lead.id], 50)


@tagged("post_install", "-at_install")
class TestLeadFormBehindProxy(HttpCase):
    def _post(self, email, headers):
        response = self.url_open("/crm_ext/lead", headers=headers)
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
        data = {"csrf_token": token, "contact_name": "Proxy visitor", "email": email}
        return self.url_open("/crm_ext/lead/submit", data=data, headers=headers)

    def _leads(self):
        return (
            self.env["crm.lead"].with_context(active_test=False).search([("email_from", "like", "proxy%@")])
        )

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("crm_ext_marketing.web_form_limit", "1")

    def test_each_forwarded_address_has_its_counter(self):
        for forwarded_host in (True, False):
            with (
                self.subTest(forwarded_host=forwarded_host),
                patch.dict(config.options, {"proxy_mode": True}),
            ):
                self._leads().unlink()
                statuses = []
                for i, address in enumerate(("203.0.113.5", "198.51.100.7", "203.0.113.5")):
                    headers = {"X-Forwarded-For": f"10.9.9.9, {address}"}
                    if forwarded_host:
                        headers["X-Forwarded-Host"] = "crm.example.com"
                    statuses.append(self._post(f"proxy{i}@example.com", headers).status_code)
                self.assertEqual(statuses, [200, 200, 429], "one counter per visitor, not one for the proxy")
                self.assertEqual(
                    set(self._leads().sudo().mapped("crm_ext_web_form_ip")), {"203.0.113.5", "198.51.100.7"}
                )

    def test_forwarded_address_is_ignored_without_proxy_mode(self):
        with patch.dict(config.options, {"proxy_mode": False}):
            statuses = [
                self._post(f"proxy{i}@example.com", {"X-Forwarded-For": address}).status_code
                for i, address in enumerate(("203.0.113.5", "198.51.100.7"))
            ]
        self.assertEqual(statuses, [200, 429], "a spoofed header does not reset the counter")
        self.assertEqual(self._leads().sudo().mapped("crm_ext_web_form_ip"), ["127.0.0.1"])


@tagged("post_install", "-at_install")
class TestJourneyCronConcurrency(TransactionCase):
    """Two cron workers advancing the journeys at once: the step is launched and sent once."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_create_nolog": True})
            tag = env["res.partner.category"].create({"name": "Concurrent journey (test)"})
            partners = env["res.partner"].create(
                [{"name": f"Concurrent {i}", "email": f"concurrent{i}@example.com",
                  "category_id": [Command.link(tag.id)]} for i in range(3)]
            )  # fmt: skip
            segment = env["crm_ext.segment"].create(
                {"name": "Concurrent (test)", "partner_domain": repr([("category_id", "in", tag.ids)])}
            )
            segment.action_refresh_members()
            campaign = env["utm.campaign"].create(
                {"title": "Concurrent (test)", "crm_ext_segment_id": segment.id}
            )
            first = env["crm_ext.campaign.step"].create(
                {"campaign_id": campaign.id, "name": "Letter", "sequence": 1, "channel": "letter"}
            )
            second = env["crm_ext.campaign.step"].create(
                {"campaign_id": campaign.id, "name": "Follow-up", "sequence": 2, "channel": "email",
                 "subject": "Follow-up", "body_html": "<p>Hello</p>", "condition_step_id": first.id}
            )  # fmt: skip
            first._launch()
            first.launch_date = fields.Datetime.now() - timedelta(hours=1)
            ids = {"tag": tag.id, "partners": partners.ids, "segment": segment.id, "campaign": campaign.id,
                   "second": second.id}  # fmt: skip
        self.ids = ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["mailing.mailing"].search([("campaign_id", "=", self.ids["campaign"])]).unlink()
            env["crm_ext.interaction"].search([("partner_id", "in", self.ids["partners"])]).unlink()
            campaign = env["utm.campaign"].browse(self.ids["campaign"])
            campaign.crm_ext_step_ids.unlink()  # with their chatter messages
            campaign.unlink()
            env["crm_ext.segment"].browse(self.ids["segment"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()
            env["res.partner.category"].browse(self.ids["tag"]).unlink()

    def test_two_workers_send_once(self):
        cr1 = self.registry.cursor()
        cr2 = self.registry.cursor()
        try:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            self.assertEqual(env1["crm_ext.campaign.step"]._cron_advance_journeys(), 1)
            # the first worker's transaction is still open: the second skips the step it holds
            launched = env2["crm_ext.campaign.step"]._cron_advance_journeys()
            step2 = env2["crm_ext.campaign.step"].browse(self.ids["second"])
            self.assertEqual(launched, 0)
            self.assertFalse(step2.message_ids.filtered(lambda m: "could not launch" in (m.body or "")))
            cr1.commit()
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            step = env["crm_ext.campaign.step"].browse(self.ids["second"])
            self.assertEqual(step.state, "launched")
            self.assertEqual(len(step.target_ids), 3)
            self.assertEqual(
                env["mailing.mailing"].search_count([("campaign_id", "=", self.ids["campaign"])]), 1
            )
            self.assertEqual(
                env["crm_ext.interaction"].search_count([("partner_id", "in", self.ids["partners"])]),
                6,
                "three letters and three e-mails, each logged once",
            )
