from datetime import timedelta

import numpy as np

from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user


def forget_progress_after(registry, last_id):
    """Deletes the progress lines committed since ``last_id``: a run commits them through a cursor
    of its own, which a test's rollback does not undo (the test database is shared)."""
    with registry.cursor() as cr:
        cr.execute("DELETE FROM crm_ext_analytics_run_progress WHERE id > %s", [last_id])


class ForgetRunProgress:
    """Test class mixin (before the Odoo test class) for classes whose tests run analytics runs:
    the progress lines the runs commit are deleted after the class."""

    @classmethod
    def setUpClass(cls):
        # registered first, so run last: after the rollback of the class's transaction
        cls.addClassCleanup(lambda: forget_progress_after(cls.registry, cls._last_progress_id))
        super().setUpClass()
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM crm_ext_analytics_run_progress")
        cls._last_progress_id = cls.env.cr.fetchone()[0]


class CrmExtAnalyticsCase(ForgetRunProgress, TransactionCase):
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

    @classmethod
    def _post_repeat_buyers(cls, product, label, seed, today):
        """30 customers of the test company invoiced ``product`` over the last 300 days (drawn
        with ``seed``), most of them more than once, so that the lifetime-value models fit and
        churn scores every one: returns the customers and their posted invoices."""
        rng = np.random.default_rng(seed)
        cenv = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        partners = cenv["res.partner"].create([{"name": f"{label} customer {i} (test)"} for i in range(30)])
        moves = []
        for i, partner in enumerate(partners):
            first = today - timedelta(days=int(rng.integers(40, 300)))
            dates = [first] + [
                first + timedelta(days=int(d)) for d in sorted(rng.integers(5, 35, size=i % 4))
            ]
            moves += [(partner, day, float(rng.integers(40, 300)), "out_invoice") for day in dates]
        return partners, cls._post_customer_moves(cls.company, product, moves)

    @classmethod
    def _post_customer_moves(cls, company, product, moves):
        """Posts customer invoices and credit notes in ``company``, one line of ``product``
        each; ``moves`` holds ``(partner, invoice date, untaxed price, move type)``."""
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=company.ids))
        records = env["account.move"].create(
            [
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "invoice_date": date,
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "quantity": 1, "price_unit": price, "tax_ids": []}
                        )
                    ],
                }
                for partner, date, price, move_type in moves
            ]
        )
        records.action_post()
        return records
