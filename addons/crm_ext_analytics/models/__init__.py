from . import crm_ext_analytics_run
from . import crm_ext_customer_rfm
from . import crm_ext_customer_rfm_history
from . import res_partner
