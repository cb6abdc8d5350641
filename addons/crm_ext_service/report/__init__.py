from . import crm_ext_service_report
