from . import account_invoice_report
from . import crm_ext_forecast_report
from . import crm_ext_sales_target_report
from . import crm_ext_win_loss_report
from . import crm_ext_stage_conversion_report
