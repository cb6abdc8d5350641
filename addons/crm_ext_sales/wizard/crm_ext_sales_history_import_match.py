"""Matching the history file's customers and products to Odoo's, and creating the customers
nobody matches: the part of the sales-history import (``crm_ext_sales_history_import.py``) that
looks at partners and products, in set-based SQL over its temporary tables."""

from odoo import models
from odoo.tools import SQL, split_every

from .crm_ext_sales_history_import import CUSTOMERS, PRODUCTS, ROWS, VAT_NOISE


class CrmExtSalesHistoryImport(models.TransientModel):
    # one file per part of the import (see crm_ext_sales_history_import.py)
    _inherit = "crm_ext.sales.history.import"  # pylint: disable=consider-merging-classes-inherited

    def _history_match_customers(self):
        """CUSTOMERS: the file's customers per company, matched to a commercial partner by
        reference, then VAT number, then e-mail, then name: the first of these the row gives that
        matches decides; matching several customers makes the row ambiguous."""
        cr = self.env.cr
        self.env["res.partner"].flush_model(
            ["ref", "vat", "email_normalized", "name", "company_id", "active"]
        )
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(CUSTOMERS)))
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE %(customers)s ON COMMIT DROP AS
                SELECT row_number() OVER () AS id, company_id, customer, customer_ref, customer_vat,
                       customer_email, NULL::int AS partner_id, FALSE AS ambiguous
                  FROM (SELECT DISTINCT company_id, customer, customer_ref, customer_vat, customer_email
                          FROM %(rows)s WHERE company_id IS NOT NULL AND customer != '') keys
                """,
                customers=SQL.identifier(CUSTOMERS),
                rows=SQL.identifier(ROWS),
            )
        )
        cr.execute(SQL("ANALYZE %s", SQL.identifier(CUSTOMERS)))
        matches = [
            SQL("c.customer_ref != '' AND p.ref = c.customer_ref"),
            SQL(
                "c.customer_vat != '' AND upper(regexp_replace(p.vat, %s, '', 'g')) = c.customer_vat",
                VAT_NOISE,
            ),
            SQL("c.customer_email != '' AND p.email_normalized = c.customer_email"),
            SQL("p.id = p.commercial_partner_id AND lower(p.name) = lower(c.customer)"),
        ]
        for condition in matches:
            cr.execute(
                SQL(
                    """
                    UPDATE %(customers)s customers
                       SET partner_id = CASE WHEN found.low = found.high THEN found.low END,
                           ambiguous = found.low != found.high
                      FROM (SELECT c.id, MIN(p.commercial_partner_id) AS low,
                                   MAX(p.commercial_partner_id) AS high
                              FROM %(customers)s c
                              JOIN res_partner p
                                ON %(condition)s AND p.active
                               AND (p.company_id IS NULL OR p.company_id = c.company_id)
                             WHERE c.partner_id IS NULL AND NOT c.ambiguous
                          GROUP BY c.id) found
                     WHERE customers.id = found.id
                    """,
                    customers=SQL.identifier(CUSTOMERS),
                    condition=condition,
                )
            )

    def _history_match_products(self):
        """PRODUCTS: the file's product texts per company, matched to a product by internal
        reference, else by name (kept empty when none or several match: the text stays the label)."""
        cr = self.env.cr
        self.env["product.product"].flush_model(["default_code", "active", "product_tmpl_id"])
        self.env["product.template"].flush_model(["name", "company_id"])
        lang = self.env.lang or "en_US"
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(PRODUCTS)))
        cr.execute(
            SQL(
                """
                CREATE TEMPORARY TABLE %(products)s ON COMMIT DROP AS
                SELECT keys.company_id, keys.product,
                       COALESCE(
                           (SELECT CASE WHEN MIN(pp.id) = MAX(pp.id) THEN MIN(pp.id) END
                              FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
                             WHERE pp.default_code = keys.product AND pp.active
                               AND (pt.company_id IS NULL OR pt.company_id = keys.company_id)),
                           (SELECT CASE WHEN MIN(pp.id) = MAX(pp.id) THEN MIN(pp.id) END
                              FROM product_product pp JOIN product_template pt ON pt.id = pp.product_tmpl_id
                             WHERE lower(COALESCE(pt.name ->> %(lang)s, pt.name ->> 'en_US'))
                                   = lower(keys.product)
                               AND pp.active AND (pt.company_id IS NULL OR pt.company_id = keys.company_id))
                       ) AS product_id
                  FROM (SELECT DISTINCT company_id, product FROM %(rows)s
                         WHERE company_id IS NOT NULL AND product != '') keys
                """,
                products=SQL.identifier(PRODUCTS),
                rows=SQL.identifier(ROWS),
                lang=lang,
            )
        )

    def _history_create_customers(self):
        """Creates the customers matched by nobody (one per company and first key given:
        reference, VAT, e-mail or name) for the good rows; returns their number."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT c.company_id,
                       CASE WHEN c.customer_ref != '' THEN 'ref:' || c.customer_ref
                            WHEN c.customer_vat != '' THEN 'vat:' || c.customer_vat
                            WHEN c.customer_email != '' THEN 'email:' || c.customer_email
                            ELSE 'name:' || lower(c.customer) END AS key,
                       array_agg(c.id), MIN(c.customer), MIN(c.customer_ref), MIN(c.customer_vat),
                       MIN(c.customer_email)
                  FROM %(customers)s c
                 WHERE c.partner_id IS NULL AND NOT c.ambiguous
                   AND EXISTS (SELECT 1 FROM %(rows)s r
                                WHERE r.customer_key = c.id AND cardinality(r.issues) = 0)
              GROUP BY c.company_id, key
              ORDER BY c.company_id, key
                """,
                customers=SQL.identifier(CUSTOMERS),
                rows=SQL.identifier(ROWS),
            )
        )
        missing = cr.fetchall()
        if not missing:
            return 0
        Partner = self.env["res.partner"].with_context(mail_create_nolog=True, tracking_disable=True)
        key_ids, partner_ids = [], []
        for batch in split_every(1000, missing):
            partners = Partner.create(
                [
                    {
                        "name": name,
                        "ref": ref or False,
                        "vat": vat or False,
                        "email": email or False,
                        "company_id": company_id,
                        "is_company": True,
                        "customer_rank": 1,
                    }
                    for company_id, _key, _ids, name, ref, vat, email in batch
                ]
            )
            for (_company, _key, ids, *_values), partner in zip(batch, partners, strict=True):
                key_ids += ids
                partner_ids += [partner.id] * len(ids)
        self.env.flush_all()
        cr.execute(
            SQL(
                """
                UPDATE %(customers)s c SET partner_id = created.partner_id
                  FROM unnest(%(keys)s::bigint[], %(partners)s::int[]) AS created(id, partner_id)
                 WHERE c.id = created.id
                """,
                customers=SQL.identifier(CUSTOMERS),
                keys=key_ids,
                partners=partner_ids,
            )
        )
        return len(missing)
