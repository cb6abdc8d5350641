"""Cross-module checks of the four add-ons' security set-up."""

from odoo.exceptions import AccessError
from odoo.osv.expression import normalize_domain
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

SECTIONS = ["sales", "marketing", "service", "analytics"]
# the multi-company rules Odoo writes, evaluated for a user in the companies [-1, -2]
COMPANY_DOMAINS = (
    [("company_id", "in", [-1, -2])],
    ["|", ("company_id", "=", False), ("company_id", "in", [-1, -2])],
)


@tagged("post_install", "-at_install")
class TestSuiteSecurity(TransactionCase):
    def test_groups_per_section(self):
        admin = self.env.ref("base.user_admin")
        for section in SECTIONS:
            with self.subTest(section=section):
                user = self.env.ref(f"crm_ext_{section}.group_{section}_user")
                manager = self.env.ref(f"crm_ext_{section}.group_{section}_manager")
                self.assertEqual(user.category_id, manager.category_id)
                self.assertIn(user, manager.implied_ids)
                self.assertIn(manager, admin.groups_id)

    def test_every_model_has_access_rules_and_company_rules(self):
        models = self.env["ir.model"].search([("model", "=like", "crm\\_ext.%"), ("transient", "=", False)])
        abstract = {name for name in models.mapped("model") if self.env[name]._abstract}
        concrete = models.filtered(lambda m: m.model not in abstract)
        self.assertGreaterEqual(len(concrete), 5)
        for model in concrete:
            with self.subTest(model=model.model):
                self.assertTrue(model.access_ids, "no access rules")
                if "company_id" in self.env[model.model]._fields:
                    rules = self.env["ir.rule"].search([("model_id", "=", model.id), ("global", "=", True)])
                    # the rule's domain evaluated for a user in the companies [-1, -2], leaves as tuples
                    context = dict(self.env["ir.rule"]._eval_context(), company_ids=[-1, -2], company_id=-1)
                    domains = [
                        [
                            tuple(term) if isinstance(term, list | tuple) else term
                            for term in normalize_domain(safe_eval(rule.domain_force or "[]", context))
                        ]
                        for rule in rules
                        if rule.perm_read and rule.perm_write and rule.perm_create and rule.perm_unlink
                    ]
                    self.assertTrue(
                        any(domain in COMPANY_DOMAINS for domain in domains),
                        f"no multi-company rule on every operation: {rules.mapped('domain_force')}",
                    )

    def test_top_menus(self):
        for xmlid in (
            "crm_ext_sales.customer_relations_menu",
            "crm_ext_marketing.marketing_menu_root",
            "crm_ext_service.service_menu_root",
            "crm_ext_analytics.analytics_menu_root",
        ):
            menu = self.env.ref(xmlid)
            actions = (menu.child_id | menu.child_id.child_id).mapped("action")
            self.assertTrue(actions, f"{xmlid} opens nothing")

    def test_company_settings_are_internal(self):
        """Portal and public users read their company (name, logo, address): the settings the
        add-ons store on it are internal (issue 13). Only how dates are written, which the portal
        pages themselves follow, stays readable."""
        display = {"crm_ext_date_calendar", "crm_ext_date_persian_digits"}
        fields = self.env["ir.model.fields"].search([("model", "=", "res.company")])
        ours = [
            field.name
            for field in fields
            if any(module.startswith("crm_ext_") for module in field.modules.split(", "))
        ]
        self.assertIn("crm_ext_credit_control_policy", ours)
        self.assertIn("crm_ext_service_portal_attachment_mb", ours)
        portal = new_test_user(self.env, login="crm_ext_company_portal", groups="base.group_portal")
        employee = new_test_user(self.env, login="crm_ext_company_employee", groups="base.group_user")
        company = self.env.company
        for name in ours:
            with self.subTest(field=name):
                if name in display:
                    company.with_user(portal).read([name])
                    continue
                self.assertEqual(self.env["res.company"]._fields[name].groups, "base.group_user")
                with self.assertRaises(AccessError):
                    company.with_user(portal).read([name])
                company.with_user(employee).read([name])
        self.assertEqual(company.with_user(portal).read(["name"])[0]["name"], company.name)
