from . import crm_ext_lead_import
