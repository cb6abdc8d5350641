from . import interaction_mixin
from . import crm_ext_interaction
from . import res_partner
from . import crm_lead
