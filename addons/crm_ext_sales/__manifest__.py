{
    "name": "CRM Ext: Sales",
    "summary": "Customer 360, interaction centre and back-office links for Odoo CRM",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "crm_ext",
    "website": "https://github.com/crm-ext/crm_ext",
    "license": "LGPL-3",
    "depends": ["crm", "sale_crm", "sale_management", "sale_stock", "account"],
    "data": [
        "security/crm_ext_sales_security.xml",
        "security/ir.model.access.csv",
        "views/crm_ext_interaction_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/crm_ext_interaction_demo.xml"],
    "assets": {
        "web.assets_tests": ["crm_ext_sales/static/tests/tours/**/*"],
    },
}
