from . import controllers
from . import models
from . import report
from . import wizard


def uninstall_hook(env):
    """Activities of the SLA activity types would block the removal of those types."""
    env["mail.activity"].sudo().search([("res_model", "=", "crm_ext.ticket")]).unlink()
    # products of the module (labour, demo parts) stay: stock moves and invoices refer to them
    env["ir.model.data"].sudo().search(
        [("module", "=", "crm_ext_service"), ("model", "in", ("product.product", "product.template"))]
    ).unlink()
