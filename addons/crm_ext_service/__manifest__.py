{
    "name": "CRM Ext: Service",
    "summary": "Helpdesk tickets, SLA, contracts, field service, returns and a service portal",
    "version": "18.0.1.0.0",
    "category": "Services/Helpdesk",
    "author": "crm_ext",
    "website": "https://github.com/crm-ext/crm_ext",
    "license": "LGPL-3",
    "depends": ["crm_ext_sales", "portal", "rating"],
    "data": [
        "security/crm_ext_service_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/crm_ext_ticket_stage_data.xml",
        "views/crm_ext_ticket_stage_views.xml",
        "views/crm_ext_ticket_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/crm_ext_ticket_demo.xml"],
    "assets": {
        "web.assets_tests": ["crm_ext_service/static/tests/tours/**/*"],
    },
    "application": True,
}
