from odoo import api, fields, models


class CrmExtKbArticle(models.Model):
    """A knowledge base article: how to solve a kind of request, linked to the tickets it helped."""

    _name = "crm_ext.kb.article"
    _description = "Knowledge Article"
    _inherit = ["mail.thread"]
    _order = "use_count desc, name"

    name = fields.Char(string="Title", required=True, tracking=True)
    body = fields.Html(sanitize=True)
    tag_ids = fields.Many2many("crm_ext.ticket.tag", string="Tags")
    category_id = fields.Many2one("crm_ext.ticket.category")
    is_published = fields.Boolean(
        string="Published", tracking=True, help="Published articles are meant for customers too."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    ticket_ids = fields.Many2many(
        "crm_ext.ticket",
        "crm_ext_kb_article_ticket_rel",
        "article_id",
        "ticket_id",
        string="Tickets",
        groups="base.group_user",
    )
    use_count = fields.Integer(
        string="Used", compute="_compute_use_count", store=True, help="Tickets this article was linked to."
    )

    @api.depends("ticket_ids")
    def _compute_use_count(self):
        for article in self:
            article.use_count = len(article.ticket_ids)
