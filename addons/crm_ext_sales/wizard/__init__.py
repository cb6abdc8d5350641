from . import crm_ext_interaction_import
