from . import account_invoice_report
