from . import models
from . import report
from . import wizard


def uninstall_hook(env):
    """Activities of the SLA activity types would block the removal of those types."""
    env["mail.activity"].sudo().search([("res_model", "=", "crm_ext.ticket")]).unlink()
