from odoo.tests import TransactionCase, tagged
from odoo.tools import format_amount

from odoo.addons.crm_ext_analytics.tools.amounts import amount_formatter

AMOUNTS = [0.0, 0.004, 0.005, 1.0, -1.0, 12.345, -999.995, 1000.0, 1234567.891, -7654321.5, 1e9 + 0.25]


@tagged("post_install", "-at_install")
class TestAmountFormatter(TransactionCase):
    """The churn reasons' amounts: the same text as Odoo's ``format_amount``, call for call."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fa_IR")
        cls.env["res.lang"]._activate_lang("fr_FR")
        Currency = cls.env["res.currency"].with_context(active_test=False)
        cls.currencies = (
            cls.env.ref("base.USD")  # symbol before, 2 decimals
            | cls.env.ref("base.EUR")  # symbol after
            | Currency.create(
                {
                    "name": "XTT",
                    "symbol": "T",
                    "rounding": 1.0,
                    "position": "after",
                    "full_name": "Test whole",
                }
            )
            | Currency.create(
                {
                    "name": "XTF",
                    "symbol": "F",
                    "rounding": 0.05,
                    "position": "before",
                    "full_name": "Test 0.05",
                }
            )
        )

    def test_same_text_as_format_amount(self):
        for lang in ("en_US", "fa_IR", "fr_FR"):
            env = self.env(context=dict(self.env.context, lang=lang))
            for currency in self.currencies:
                format_one = amount_formatter(env, currency)
                for amount in AMOUNTS:
                    with self.subTest(lang=lang, currency=currency.name, amount=amount):
                        self.assertEqual(format_one(amount), format_amount(env, amount, currency))

    def test_explicit_language(self):
        usd = self.env.ref("base.USD")
        format_one = amount_formatter(self.env, usd, "fr_FR")
        self.assertEqual(format_one(1234.5), format_amount(self.env, 1234.5, usd, "fr_FR"))
        # fr_FR groups thousands with a (no-break) space: not the English text
        self.assertNotEqual(format_one(1234.5), format_amount(self.env, 1234.5, usd, "en_US"))
