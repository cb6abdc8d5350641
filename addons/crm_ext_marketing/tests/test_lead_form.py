import re

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestLeadForm(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls.env["utm.campaign"].create({"name": "Spring form (test)"})
        cls.source = cls.env["utm.source"].create({"name": "Newsletter form (test)"})

    def _token(self, query=""):
        response = self.url_open(f"/crm_ext/lead{query}")
        self.assertEqual(response.status_code, 200)
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        self.assertTrue(match, "the form carries a CSRF token")
        return match.group(1), response.text

    def _post(self, token, **values):
        data = {
            "csrf_token": token,
            "contact_name": "Jane Doe",
            "email": "jane.doe@example.com",
            "phone": "+32 470 12 34 56",
            "partner_name": "Doe Gardens",
            "description": "Please call me about spades.",
            **values,
        }
        return self.url_open("/crm_ext/lead/submit", data=data)

    def _leads(self, email="jane.doe@example.com"):
        return self.env["crm.lead"].with_context(active_test=False).search([("email_from", "ilike", email)])

    def test_form_creates_lead_with_utm_and_interaction(self):
        token, page = self._token("?utm_campaign=Spring+form+(test)&utm_source=Newsletter+form+(test)")
        self.assertIn('value="Spring form (test)"', page)
        response = self._post(token, utm_campaign=self.campaign.name, utm_source=self.source.name)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you", response.text)
        lead = self._leads()
        self.assertEqual(len(lead), 1)
        self.assertEqual(lead.type, "lead")
        self.assertEqual(lead.contact_name, "Jane Doe")
        self.assertEqual(lead.partner_name, "Doe Gardens")
        self.assertEqual(lead.campaign_id, self.campaign)
        self.assertEqual(lead.source_id, self.source)
        self.assertEqual(lead.sudo().crm_ext_web_form_ip, "127.0.0.1")
        interaction = self.env["crm_ext.interaction"].search([("lead_id", "=", lead.id)])
        self.assertEqual(interaction.channel, "web")
        self.assertEqual(interaction.direction, "inbound")

    def test_campaign_of_another_company_is_not_attached(self):
        """A campaign is looked up by name as superuser: only the form's company's campaigns (or
        shared ones) may be attached, never another company's (issue 13)."""
        other = self.env["res.company"].create({"name": "Other form company (test)"})
        foreign = self.env["utm.campaign"].create({"name": "Secret launch (test)", "company_id": other.id})
        shared = self.env["utm.campaign"].create({"name": "Shared fair (test)", "company_id": False})
        token, _page = self._token()
        self._post(token, utm_campaign=foreign.name)
        lead = self._leads()
        self.assertEqual(len(lead), 1)
        self.assertFalse(lead.campaign_id, "another company's campaign is not attached")
        self.assertFalse(
            self.env["crm.lead"].with_context(active_test=False).search([("campaign_id", "=", foreign.id)])
        )
        token, _page = self._token()
        self._post(token, utm_campaign=shared.name, email="john.roe@example.com")
        self.assertEqual(self._leads("john.roe@example.com").campaign_id, shared)

    def test_bad_inputs_rejected(self):
        token, _page = self._token()
        cases = {
            "missing email": ({"email": ""}, "give your email"),
            "malformed email": ({"email": "jane.doe@"}, "not a valid email"),
            "missing name": ({"contact_name": ""}, "give your name"),
            "bad phone": ({"phone": "call me maybe"}, "not a valid phone"),
        }
        for label, (values, message) in cases.items():
            with self.subTest(case=label):
                response = self._post(token, **values)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
        self.assertFalse(self._leads("jane.doe"))

    def test_invalid_csrf_token_rejected(self):
        self._token()
        response = self._post("not-a-token")
        self.assertEqual(response.status_code, 400)
        self.assertIn("session expired", response.text)
        self.assertFalse(self._leads())

    def test_honeypot_keeps_nothing(self):
        token, _page = self._token()
        response = self._post(token, website_url="http://spam.example.com")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self._leads())

    def test_script_is_stripped(self):
        token, _page = self._token()
        response = self._post(
            token,
            contact_name="<script>alert('x')</script>Jane <b>Doe</b>",
            partner_name='<img src=x onerror="alert(1)">Doe Gardens',
            description="<script>document.cookie</script>Hello <a href='javascript:alert(1)'>there</a>",
        )
        self.assertEqual(response.status_code, 200)
        lead = self._leads()
        self.assertEqual(len(lead), 1)
        for value in (lead.contact_name, lead.partner_name, str(lead.description)):
            self.assertNotIn("<script", value)
            self.assertNotIn("alert", value)
            self.assertNotIn("onerror", value)
            self.assertNotIn("javascript:", value)
        self.assertIn("Jane", lead.contact_name)
        self.assertIn("Doe Gardens", lead.partner_name)

    def test_flood_from_one_address_is_limited(self):
        self.env["ir.config_parameter"].sudo().set_param("crm_ext_marketing.web_form_limit", "3")
        token, _page = self._token()
        statuses = [self._post(token, email=f"flood{i}@example.com").status_code for i in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])
        self.assertEqual(
            len(self._leads("@example.com").filtered(lambda lead: lead.email_from.startswith("flood"))), 3
        )
