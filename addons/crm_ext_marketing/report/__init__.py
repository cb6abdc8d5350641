from . import crm_ext_campaign_funnel_report
