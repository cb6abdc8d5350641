from . import test_segment
from . import test_crm_ext_marketing_tour
