from . import test_segment
from . import test_segment_rules
from . import test_segment_mailing
from . import test_lead_form
from . import test_lead_import
from . import test_lead_management
from . import test_crm_ext_marketing_tour
from . import test_campaign
