from . import crm_ext_analytics_run
from . import crm_ext_customer_rfm
from . import crm_ext_customer_rfm_history
from . import res_partner
from . import crm_ext_segment
from . import crm_ext_segment_rule
