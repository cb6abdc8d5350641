{
    "name": "CRM Ext: Marketing",
    "summary": "Customer segments, multi-channel campaigns, journeys and campaign ROI",
    "version": "18.0.1.0.0",
    "category": "Marketing",
    "author": "crm_ext",
    "website": "https://github.com/crm-ext/crm_ext",
    "license": "LGPL-3",
    "depends": ["crm_ext_sales", "mass_mailing_crm", "mass_mailing_sale", "mass_mailing_sms"],
    "data": [
        "security/crm_ext_marketing_security.xml",
        "security/ir.model.access.csv",
        "views/crm_ext_segment_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/crm_ext_segment_demo.xml"],
    "assets": {
        "web.assets_tests": ["crm_ext_marketing/static/tests/tours/**/*"],
    },
    "application": True,
}
