{
    "name": "CRM Ext: Analytics",
    "summary": "RFM, lifetime value, churn risk, market basket and revenue forecast",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "author": "crm_ext",
    "website": "https://github.com/crm-ext/crm_ext",
    "license": "LGPL-3",
    "depends": ["crm_ext_marketing", "crm_ext_service"],
    "external_dependencies": {"python": ["pandas", "numpy"]},
    "data": [
        "security/crm_ext_analytics_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "views/crm_ext_analytics_run_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/crm_ext_analytics_run_demo.xml"],
    "assets": {
        "web.assets_tests": ["crm_ext_analytics/static/tests/tours/**/*"],
    },
    "application": True,
}
