from . import controllers
from . import models
from . import report
from . import wizard


def uninstall_hook(env):
    """The indexes of the duplicate lookups (CrmLead.init) are on Odoo's crm_lead: Odoo drops the
    indexes of the fields it removes, not these."""
    from odoo.tools import SQL

    from .models.crm_lead import DUPLICATE_INDEXES

    for name in DUPLICATE_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
