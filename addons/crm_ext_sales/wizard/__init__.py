from . import crm_ext_import_mixin
from . import crm_ext_interaction_import
from . import crm_ext_sales_target_adjust
from . import crm_ext_sales_history_import
from . import crm_ext_sales_history_import_match
