from . import crm_ext_ticket_merge
