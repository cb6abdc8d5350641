from . import test_interaction
from . import test_crm_ext_sales_tour
