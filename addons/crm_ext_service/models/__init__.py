from . import crm_ext_ticket_stage
from . import crm_ext_ticket
