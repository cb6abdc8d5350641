from . import test_ticket
from . import test_crm_ext_service_tour
