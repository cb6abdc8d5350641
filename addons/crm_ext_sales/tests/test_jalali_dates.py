import datetime

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

SLA_DAY = datetime.date(2026, 12, 7)  # 1405/09/16, a Monday


class JalaliCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_create_nolog=True, tracking_disable=True))
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.company = cls.env.company
        cls.company.write({"crm_ext_date_calendar": "language", "crm_ext_date_persian_digits": False})
        cls.fa_user = new_test_user(
            cls.env,
            login="jalali_fa_user",
            groups="sales_team.group_sale_salesman",
            lang="fa_IR",
            tz="Asia/Tehran",
        )
        cls.en_user = new_test_user(
            cls.env,
            login="jalali_en_user",
            groups="sales_team.group_sale_salesman",
            lang="en_US",
            tz="Asia/Tehran",
        )
        cls.fa_customer = cls.env["res.partner"].create({"name": "Shiraz Carpets", "lang": "fa_IR"})
        cls.en_customer = cls.env["res.partner"].create({"name": "Leeds Carpets", "lang": "en_US"})


@tagged("post_install", "-at_install")
class TestDateStyle(JalaliCase):
    def test_defaults_follow_language_and_company(self):
        self.assertEqual(self.fa_user._date_style(), ("jalali", False))
        self.assertEqual(self.en_user._date_style(), ("gregorian", False))
        # a document in Persian printed by the English-speaking user follows the company default
        self.assertEqual(self.en_user._date_style("fa_IR"), ("jalali", False))
        self.company.crm_ext_date_calendar = "gregorian"
        self.assertEqual(self.fa_user._date_style(), ("gregorian", False))
        self.company.write({"crm_ext_date_calendar": "jalali", "crm_ext_date_persian_digits": True})
        self.assertEqual(self.en_user._date_style(), ("jalali", False))
        self.assertEqual(self.fa_user._date_style("en_US"), ("jalali", True))

    def test_user_choice_wins_in_own_language(self):
        self.en_user.write({"crm_ext_date_calendar": "jalali", "crm_ext_date_persian_digits": True})
        self.assertEqual(self.en_user._date_style(), ("jalali", True))
        self.fa_user.crm_ext_date_calendar = "gregorian"
        self.assertEqual(self.fa_user._date_style(), ("gregorian", False))
        self.assertEqual(
            self.fa_user._date_session_info(), {"calendar": "gregorian", "persian_digits": False}
        )

    def test_users_change_their_own_preference_only(self):
        fa_user = self.fa_user.with_user(self.fa_user)
        fa_user.write({"crm_ext_date_calendar": "gregorian", "crm_ext_date_persian_digits": True})
        self.assertEqual(self.fa_user.crm_ext_date_calendar, "gregorian")
        self.assertEqual(
            fa_user.read(["crm_ext_date_calendar", "crm_ext_date_persian_digits"])[0][
                "crm_ext_date_persian_digits"
            ],
            True,
        )
        with self.assertRaises(AccessError):
            self.en_user.with_user(self.fa_user).write({"crm_ext_date_calendar": "jalali"})
        portal = new_test_user(self.env, login="jalali_portal", groups="base.group_portal", lang="fa_IR")
        portal.with_user(portal).write({"crm_ext_date_calendar": "jalali"})
        self.assertEqual(portal.with_user(portal)._date_style(), ("jalali", False))


@tagged("post_install", "-at_install")
class TestJalaliRendering(JalaliCase):
    def _date_html(self, user, lang, value, options=None):
        converter = self.env["ir.qweb.field.date"].with_user(user).with_context(lang=lang)
        return converter.value_to_html(value, options or {})

    def _datetime_html(self, user, lang, value, options=None):
        converter = (
            self.env["ir.qweb.field.datetime"].with_user(user).with_context(lang=lang, tz="Asia/Tehran")
        )
        return converter.value_to_html(value, options or {})

    def test_date_field(self):
        self.assertEqual(self._date_html(self.fa_user, "fa_IR", SLA_DAY), "1405/09/16")
        self.assertEqual(self._date_html(self.en_user, "en_US", SLA_DAY), "12/07/2026")
        self.assertEqual(
            self._date_html(self.fa_user, "fa_IR", SLA_DAY, {"format": "EEEE d MMMM y"}), "دوشنبه 16 آذر 1405"
        )
        self.fa_user.crm_ext_date_persian_digits = True
        self.assertEqual(self._date_html(self.fa_user, "fa_IR", SLA_DAY), "۱۴۰۵/۰۹/۱۶")

    def test_datetime_field_in_tehran_around_midnight(self):
        before = datetime.datetime(2026, 12, 6, 20, 29, 59)  # UTC: 23:59:59 in Tehran
        after = datetime.datetime(2026, 12, 6, 20, 30)
        self.assertEqual(self._datetime_html(self.fa_user, "fa_IR", before), "1405/09/15 23:59:59")
        self.assertEqual(self._datetime_html(self.fa_user, "fa_IR", after), "1405/09/16 00:00:00")
        self.assertEqual(
            self._datetime_html(self.fa_user, "fa_IR", after, {"hide_seconds": True}), "1405/09/16 00:00"
        )
        self.assertEqual(self._datetime_html(self.fa_user, "fa_IR", after, {"date_only": True}), "1405/09/16")
        self.assertEqual(self._datetime_html(self.fa_user, "fa_IR", after, {"time_only": True}), "00:00:00")
        self.assertEqual(self._datetime_html(self.en_user, "en_US", after), "12/07/2026 00:00:00")
        widget_date = (
            self.env["ir.qweb.field.date"]
            .with_user(self.fa_user)
            .with_context(lang="fa_IR", tz="Asia/Tehran")
        )
        self.assertEqual(widget_date.value_to_html(after, {}), "1405/09/16")

    def _quotation(self, customer):
        product = self.env["product.product"].create({"name": "Kilim", "list_price": 100.0})
        return self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "date_order": datetime.datetime(2026, 12, 6, 21, 0),  # 1405/09/16 00:30 in Tehran
                "validity_date": datetime.date(2026, 12, 21),  # 1405/09/30
                "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1})],
            }
        )

    def test_quotation_report(self):
        order = self._quotation(self.fa_customer) | self._quotation(self.en_customer)
        report = self.env["ir.actions.report"].with_user(self.en_user).with_context(tz="Asia/Tehran")
        html = report._render_qweb_html("sale.action_report_saleorder", order.ids)[0].decode()
        persian_part, english_part = html.split("Leeds Carpets", 1)[0], html.split("Leeds Carpets", 1)[1]
        self.assertIn("1405/09/16", persian_part)
        self.assertIn("1405/09/30", persian_part)
        self.assertNotIn("12/21/2026", persian_part)
        self.assertIn("12/21/2026", english_part)
        self.assertNotIn("1405/", english_part)
        self.assertEqual(order[0].validity_date, datetime.date(2026, 12, 21))  # stored value unchanged

    def test_invoice_report_in_persian_digits(self):
        self.company.crm_ext_date_persian_digits = True
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.fa_customer.id,
                "invoice_date": SLA_DAY,
                "invoice_line_ids": [(0, 0, {"name": "Kilim", "quantity": 1, "price_unit": 100.0})],
            }
        )
        invoice.action_post()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("account.account_invoices", invoice.ids)[0]
            .decode()
        )
        self.assertIn("۱۴۰۵/۰۹/۱۶", html)
        self.assertNotIn("12/07/2026", html)

    def test_mail_template_format_date(self):
        order = self._quotation(self.fa_customer)
        template = (
            "{{ format_date(object.validity_date) }}|"
            "{{ format_datetime(object.date_order, tz='Asia/Tehran', dt_format=False) }}"
        )
        # rendered as a cron or the mail queue does: in the recipient's language
        mixin = self.env["mail.render.mixin"]
        rendered = mixin.with_context(lang="fa_IR")._render_template(
            template, "sale.order", order.ids, engine="inline_template"
        )
        self.assertEqual(rendered[order.id], "1405/09/30|1405/09/16 00:30:00")
        rendered = mixin.with_context(lang="en_US")._render_template(
            template, "sale.order", order.ids, engine="inline_template"
        )
        self.assertEqual(rendered[order.id], "12/21/2026|12/07/2026 00:30:00")

    def test_delivery_slip(self):
        order = self._quotation(self.fa_customer)
        order.action_confirm()
        picking = order.picking_ids
        picking.scheduled_date = datetime.datetime(2026, 12, 6, 21, 0)  # 1405/09/16 00:30 in Tehran
        report = self.env["ir.actions.report"].with_user(self.en_user).with_context(tz="Asia/Tehran")
        html = report._render_qweb_html("stock.action_report_delivery", picking.ids)[0].decode()
        self.assertIn("1405/09/16", html)
        self.assertNotIn("12/07/2026", html)
        picking.partner_id.lang = "en_US"  # the same slip for an English customer: Gregorian
        html = report._render_qweb_html("stock.action_report_delivery", picking.ids)[0].decode()
        self.assertIn("12/07/2026", html)
        self.assertNotIn("1405/", html)

    def _export(self, user, records, fields, import_compat):
        user.groups_id |= self.env.ref("base.group_allow_export") | self.env.ref(
            "sales_team.group_sale_salesman_all_leads"
        )
        records = records.with_user(user).with_context(
            lang=user.lang, tz=user.tz, import_compat=import_compat
        )
        return records.export_data(fields)["datas"]

    def test_exports(self):
        order = self._quotation(self.fa_customer)
        fields = ["name", "validity_date", "date_order"]
        self.assertEqual(
            self._export(self.fa_user, order, fields, import_compat=False),
            [[order.name, "1405/09/30", "1405/09/16 00:30:00"]],
        )
        # import-compatible exports keep ISO Gregorian values: they import back unchanged
        self.assertEqual(
            self._export(self.fa_user, order, fields, import_compat=True),
            [[order.name, datetime.date(2026, 12, 21), datetime.datetime(2026, 12, 7, 0, 30)]],
        )
        self.assertEqual(
            self._export(self.en_user, order, fields, import_compat=False),
            [[order.name, datetime.date(2026, 12, 21), datetime.datetime(2026, 12, 7, 0, 30)]],
        )
        # a one2many's dates (a row per line) are written in Jalali too
        rows = self._export(self.fa_user, order, ["name", "order_line/create_date"], import_compat=False)
        self.assertRegex(rows[0][1], r"^14\d\d/\d\d/\d\d \d\d:\d\d:\d\d$")


@tagged("post_install", "-at_install")
class TestJalaliGroups(JalaliCase):
    """Pivot, graph and grouped lists (``read_group``) by Jalali month for Jalali users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lead = cls.env["crm.lead"]
        cls.leads = Lead.create(
            [
                {"name": "Azar 4", "type": "opportunity", "date_deadline": datetime.date(2026, 11, 25)},
                {"name": "Azar 16", "type": "opportunity", "date_deadline": SLA_DAY},
                {"name": "Dey 4", "type": "opportunity", "date_deadline": datetime.date(2026, 12, 25)},
            ]
        )
        for user in (cls.fa_user, cls.en_user):
            user.groups_id |= cls.env.ref("sales_team.group_sale_salesman_all_leads")

    def _groups(self, user, groupby, **context):
        Lead = self.env["crm.lead"].with_user(user).with_context(lang=user.lang, tz="Asia/Tehran", **context)
        groups = Lead.read_group([("id", "in", self.leads.ids)], ["name"], [groupby])
        return {group[groupby]: group for group in groups}

    def test_jalali_months(self):
        groups = self._groups(self.fa_user, "date_deadline:month")
        self.assertEqual(sorted(groups), ["آذر 1405", "دی 1405"])
        azar = groups["آذر 1405"]
        self.assertEqual(azar["date_deadline_count"], 2)
        self.assertEqual(azar["__range"]["date_deadline:month"], {"from": "2026-11-22", "to": "2026-12-22"})
        self.assertEqual(self.env["crm.lead"].search(azar["__domain"]), self.leads[:2])
        self.assertEqual(self.env["crm.lead"].search(groups["دی 1405"]["__domain"]), self.leads[2])

    def test_jalali_quarter_and_year(self):
        quarters = self._groups(self.fa_user, "date_deadline:quarter")
        self.assertEqual(list(quarters), ["Q3 1405", "Q4 1405"])
        self.assertEqual(quarters["Q4 1405"]["__range"]["date_deadline:quarter"]["from"], "2026-12-22")
        years = self._groups(self.fa_user, "date_deadline:year", fill_temporal=True)
        self.assertEqual(years["1405"]["date_deadline_count"], 3)

    def test_datetime_months_in_tehran(self):
        # 20:30 UTC on 21 December is Dey 1 in Tehran (00:00 +03:30)
        self.leads[0].date_closed = datetime.datetime(2026, 12, 21, 20, 29)
        self.leads[1].date_closed = datetime.datetime(2026, 12, 21, 20, 30)
        groups = self._groups(self.fa_user, "date_closed:month")
        self.assertEqual(groups["دی 1405"]["__range"]["date_closed:month"]["from"], "2026-12-21 20:30:00")
        self.assertEqual(self.env["crm.lead"].search(groups["دی 1405"]["__domain"]), self.leads[1])
        self.assertEqual(self.env["crm.lead"].search(groups["آذر 1405"]["__domain"]), self.leads[0])

    def test_gregorian_users_and_python_code_unchanged(self):
        groups = self._groups(self.en_user, "date_deadline:month")
        self.assertEqual(sorted(groups), ["December 2026", "November 2026"])
        rows = (
            self.env["crm.lead"]
            .with_user(self.fa_user)
            ._read_group([("id", "in", self.leads.ids)], ["date_deadline:month"], ["__count"])
        )
        self.assertEqual(rows, [(datetime.date(2026, 11, 1), 1), (datetime.date(2026, 12, 1), 2)])
