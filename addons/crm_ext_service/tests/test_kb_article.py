from odoo.tests import tagged

from .common import CrmExtServiceCase


@tagged("post_install", "-at_install")
class TestKbArticle(CrmExtServiceCase):
    def test_articles_linked_to_tickets_counted_and_searched(self):
        Article = self.env["crm_ext.kb.article"]
        article = Article.create(
            {
                "name": "Reset the router (test)",
                "body": "<p>Unplug it for ten seconds.</p><script>alert('x')</script>",
                "is_published": True,
            }
        )
        self.assertNotIn("<script", article.body, "sanitised")
        tickets = self.env["crm_ext.ticket"].create(
            [{"name": f"No internet {i}", "team_id": self.team.id} for i in range(3)]
        )
        tickets[:2].kb_article_ids = article
        self.assertEqual(article.ticket_ids, tickets[:2])
        self.assertEqual(article.use_count, 2)
        tickets[2].kb_article_ids = article
        self.assertEqual(article.use_count, 3)
        self.assertEqual(Article.search([("body", "ilike", "ten seconds")]), article)
        self.assertIn(article, Article.search([("is_published", "=", True)]))
        # an agent finds it from a ticket of theirs
        self.assertEqual(article.with_user(self.agent).name, "Reset the router (test)")

    def test_companies_are_apart(self):
        other = self.env["crm_ext.kb.article"].create(
            {"name": "Elsewhere (test)", "company_id": self.other_company.id}
        )
        shared = self.env["crm_ext.kb.article"].create({"name": "Everywhere (test)", "company_id": False})
        visible = self.env["crm_ext.kb.article"].with_user(self.agent_2).search([])
        self.assertNotIn(other, visible)
        self.assertIn(shared, visible)
