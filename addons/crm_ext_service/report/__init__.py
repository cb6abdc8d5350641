from . import crm_ext_service_report
from . import crm_ext_return_report
