from datetime import datetime

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_ext_sales.tools.jalali import to_jalali

from .common import CrmExtMarketingCase

T1 = datetime(2026, 3, 2, 9, 0)  # the e-mail reaches everyone
T2 = datetime(2026, 3, 10, 9, 0)  # the letter reaches everyone


@tagged("post_install", "-at_install")
class TestCampaignFunnel(CrmExtMarketingCase):
    """Response tracking, campaign money per channel and the funnel report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for i, partner in enumerate(cls.vip):
            partner.write({"email": f"funnel{i}@customer.example.com", "city": f"Town {i}"})
        cls.segment = cls.env["crm_ext.segment"].create(
            {"name": "Funnel VIP (test)", "partner_domain": repr([("category_id", "in", cls.tag.ids)])}
        )
        cls.segment.action_refresh_members()
        cls.campaign = cls.env["utm.campaign"].create(
            {"title": "Funnel (test)", "crm_ext_segment_id": cls.segment.id}
        )
        cls.other_campaign = cls.env["utm.campaign"].create({"title": "Elsewhere (test)"})
        Step = cls.env["crm_ext.campaign.step"]
        cls.email = Step.create(
            {
                "name": "Spring e-mail",
                "campaign_id": cls.campaign.id,
                "channel": "email",
                "subject": "Spring",
                "body_html": "<p>Hello</p>",
                "sequence": 1,
            }
        )
        cls.letter = Step.create(
            {
                "name": "Spring letter",
                "campaign_id": cls.campaign.id,
                "channel": "letter",
                "body_html": "<p>Dear <t t-out='object.name'/>, our spring catalogue is out.</p>",
                "sequence": 2,
                "cost": 100.0,
            }
        )
        cls.email.action_launch()
        cls.letter.action_launch()
        cls.email.target_ids.date = T1
        cls.letter.target_ids.date = T2
        cls.product = cls.env["product.product"].create({"name": "Catalogue item (test)", "list_price": 300})
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        vip0, vip1, vip2 = cls.vip
        # e-mail traces: VIP 0 opened, VIP 1 clicked, VIP 2 bounced
        Trace = cls.env["mailing.trace"]
        for partner, values in (
            (vip0, {"trace_status": "open", "open_datetime": T1}),
            (vip1, {"trace_status": "open", "open_datetime": T1, "links_click_datetime": T1}),
            (vip2, {"trace_status": "bounce"}),
        ):
            Trace.create(
                {
                    "mass_mailing_id": cls.email.mailing_id.id,
                    "model": "res.partner",
                    "res_id": partner.id,
                    "email": partner.email,
                    **values,
                }
            )
        Lead = cls.env["crm.lead"]
        cls.lead_after_email = cls._lead(vip0, datetime(2026, 3, 5), type="lead")
        cls.won_after_letter = cls._lead(
            vip1, datetime(2026, 3, 12), type="opportunity", stage_id=cls.won_stage.id
        )
        cls.lead_before_touch = cls._lead(vip2, datetime(2026, 2, 1), type="lead")
        cls.lead_elsewhere = Lead.create(
            {"name": "Other campaign", "partner_id": vip2.id, "campaign_id": cls.other_campaign.id}
        )
        order = cls.env["sale.order"].create(
            {
                "partner_id": vip1.id,
                "campaign_id": cls.campaign.id,
                "order_line": [Command.create({"product_id": cls.product.id})],
            }
        )
        order.action_confirm()
        order.date_order = datetime(2026, 3, 13)
        cls._move("out_invoice", vip1, 300, "2026-03-14")
        cls._move("out_refund", vip1, 50, "2026-03-15")
        cls._move("in_invoice", cls.env["res.partner"].create({"name": "Printer (test)"}), 200, "2026-03-01")

    @classmethod
    def _lead(cls, partner, created, **values):
        lead = cls.env["crm.lead"].create(
            {
                "name": f"Lead of {partner.name}",
                "partner_id": partner.id,
                "campaign_id": cls.campaign.id,
                **values,
            }
        )
        lead.flush_recordset()
        cls.env.cr.execute(SQL("UPDATE crm_lead SET create_date = %s WHERE id = %s", created, lead.id))
        lead.invalidate_recordset(["create_date"])
        return lead

    @classmethod
    def _move(cls, move_type, partner, price, date):
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": date,
                "campaign_id": cls.campaign.id,
                "invoice_line_ids": [
                    Command.create({"product_id": cls.product.id, "price_unit": price, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        return move

    @staticmethod
    def _report_name(action):
        # the first print of a company opens Odoo's document layout configurator, then the report
        return action.get("report_name") or action["context"]["report_action"]["report_name"]

    def _funnel(self, groupby):
        self.env.flush_all()
        Funnel = self.env["crm_ext.campaign.funnel.report"]
        Funnel.invalidate_model()
        measures = ["target_count", "opened", "clicked", "bounced", "responded", "lead_count",
                    "opportunity_count", "won_count", "order_count", "revenue"]  # fmt: skip
        return {
            key: dict(zip(measures, values, strict=True))
            for key, *values in Funnel._read_group(
                [("campaign_id", "=", self.campaign.id)], [groupby], [f"{m}:sum" for m in measures]
            )
        }

    def test_funnel_attributes_to_the_last_touch(self):
        by_step = self._funnel("step_id")
        email, letter = by_step[self.email], by_step[self.letter]
        self.assertEqual(
            email,
            {
                "target_count": 3, "opened": 2, "clicked": 1, "bounced": 1,
                # VIP 0 opened (and became a lead), VIP 1 clicked; VIP 2 bounced
                "responded": 2, "lead_count": 1, "opportunity_count": 0, "won_count": 0,
                "order_count": 0, "revenue": 0.0,
            },
        )  # fmt: skip
        self.assertEqual(
            letter,
            {
                "target_count": 3, "opened": 0, "clicked": 0, "bounced": 0,
                # VIP 1's won opportunity, order and invoices came after the letter
                "responded": 1, "lead_count": 1, "opportunity_count": 1, "won_count": 1,
                "order_count": 1, "revenue": 250.0,
            },
        )  # fmt: skip
        by_channel = self._funnel("channel")
        self.assertEqual(by_channel["letter"]["revenue"], 250.0)
        self.assertEqual(by_channel["email"]["lead_count"], 1)
        # the step shows its own share
        self.letter.invalidate_recordset()
        self.assertEqual(
            (
                self.letter.responded_count,
                self.letter.lead_count,
                self.letter.won_count,
                self.letter.order_count,
            ),
            (1, 1, 1, 1),
        )
        self.assertEqual(self.letter.revenue, 250.0)
        self.assertAlmostEqual(self.letter.roi, 150.0, msg="(250 - 100) / 100")
        self.assertEqual((self.email.lead_count, self.email.responded_count), (1, 2))

    def test_campaign_money_cost_per_lead_and_per_won_deal(self):
        analytic_plan = self.env["account.analytic.plan"].create({"name": "Marketing (test)"})
        account = self.env["account.analytic.account"].create(
            {"name": "Funnel (test)", "plan_id": analytic_plan.id}
        )
        self.env["account.analytic.line"].create(
            {"name": "Booth rent", "auto_account_id": account.id, "amount": -50}
        )
        self.env["account.analytic.line"].create(
            {"name": "Other", "auto_account_id": account.id, "amount": -7}
        )
        self.campaign.crm_ext_analytic_account_id = account
        self.campaign.invalidate_recordset()
        # bill 200 + analytic lines 57 + the letter's own cost 100
        self.assertEqual(self.campaign.crm_ext_cost, 357.0)
        self.assertEqual(self.campaign.crm_ext_revenue, 250.0)
        self.assertEqual((self.campaign.crm_ext_lead_total, self.campaign.crm_ext_won_total), (3, 1))
        self.assertAlmostEqual(self.campaign.crm_ext_cost_per_lead, 119.0)
        self.assertAlmostEqual(self.campaign.crm_ext_cost_per_won, 357.0)
        html = self.campaign.crm_ext_channel_results_html
        self.assertIn("Printed Letter", html)
        self.assertIn("150.0", html, "the letter channel's ROI")

    def test_analytic_costs_of_campaign_bills_are_not_counted_twice(self):
        plan = self.env["account.analytic.plan"].create({"name": "Marketing bills (test)"})
        account = self.env["account.analytic.account"].create({"name": "Bills (test)", "plan_id": plan.id})
        self.campaign.crm_ext_analytic_account_id = account
        self.campaign.invalidate_recordset()
        before = self.campaign.crm_ext_cost
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.vip[0].id,
                "invoice_date": "2026-03-20",
                "campaign_id": self.campaign.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "price_unit": 40,
                            "tax_ids": [],
                            "analytic_distribution": {str(account.id): 100},
                        }
                    )
                ],
            }
        )
        bill.action_post()
        column = plan._column_name()
        self.assertTrue(self.env["account.analytic.line"].search([(column, "=", account.id)]))
        self.campaign.invalidate_recordset()
        self.assertEqual(self.campaign.crm_ext_cost, before + 40)

    def test_negative_step_cost_refused(self):
        with self.assertRaises(ValidationError):
            self.letter.cost = -1

    def test_letters_one_personalised_page_per_recipient(self):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("crm_ext_marketing.action_report_campaign_letters", self.letter.ids)[0]
            .decode()
        )
        self.assertEqual(html.count("o_crm_ext_letter_body"), 3)
        for partner in self.vip:
            self.assertIn(f"Dear {partner.name}, our spring catalogue is out.", html)
            self.assertIn(partner.city, html)
        self.assertNotIn("t-out", html)
        action = self.letter.action_print_letters()
        self.assertEqual(self._report_name(action), "crm_ext_marketing.report_campaign_letters")
        with self.assertRaisesRegex(UserError, "Launch the step first"):
            self.email.action_print_letters()

    def test_letters_in_each_recipients_language_and_calendar(self):
        """A letter is rendered in its recipient's language, so its dates follow the recipient's
        calendar as the e-mails do: Jalali for a Persian customer, Gregorian for the others."""
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env.company.crm_ext_date_calendar = "language"
        persian, english = self.vip[0], self.vip[1]
        persian.lang, english.lang = "fa_IR", "en_US"
        self.letter.body_html = "<p>Dated <t t-out='format_date(object.create_date)'/></p>"
        pages = {partner: str(body) for partner, body, _products in self.letter._letter_pages()}
        # the renderer shows a datetime in the user's time zone: the expected day is that one
        # (in UTC the day differs late in the evening)
        created = fields.Datetime.context_timestamp(self.letter, persian.create_date).date()
        jalali = to_jalali(created)
        self.assertIn(f"Dated {jalali.year}/{jalali.month:02d}/{jalali.day:02d}", pages[persian])
        created = fields.Datetime.context_timestamp(self.letter, english.create_date).date()
        self.assertIn(f"Dated {created.month:02d}/{created.day:02d}/{created.year}", pages[english])
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("crm_ext_marketing.action_report_campaign_letters", self.letter.ids)[0]
            .decode()
        )
        self.assertEqual(html.count("o_crm_ext_letter_body"), 3)
        self.assertIn(f"Dated {jalali.year}/{jalali.month:02d}/{jalali.day:02d}", html)

    def test_invitation_list(self):
        event = self.env["crm_ext.campaign.step"].create(
            {"name": "Open day", "campaign_id": self.campaign.id, "channel": "event", "sequence": 3}
        )
        with self.assertRaises(UserError):
            event.action_print_invitations()
        event.action_launch()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("crm_ext_marketing.action_report_campaign_invitations", event.ids)[0]
            .decode()
        )
        for partner in self.vip:
            self.assertIn(partner.email, html)
        self.assertEqual(html.count("☐"), 3)
        self.assertEqual(
            self._report_name(event.action_print_invitations()),
            "crm_ext_marketing.report_campaign_invitations",
        )
