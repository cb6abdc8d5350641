from . import test_ticket
from . import test_team
from . import test_mail_gateway
from . import test_links_merge
from . import test_sla
from . import test_crm_ext_service_tour
from . import test_customer_360
from . import test_service_report
