from . import crm_ext_segment
