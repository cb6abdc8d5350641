from . import test_analytics_run
from . import test_crm_ext_analytics_tour
from . import test_customer_rfm
from . import test_cohort_report
from . import test_segment_rfm_rule
from . import test_exports
from . import test_basket_forecast
