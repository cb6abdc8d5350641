from . import crm_ext_analytics_run
