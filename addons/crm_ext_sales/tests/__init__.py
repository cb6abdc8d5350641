from . import test_interaction
from . import test_customer_360
from . import test_sales_flow
from . import test_credit_control
from . import test_interaction_capture
from . import test_opportunity_lines
from . import test_crm_ext_sales_tour
