from odoo import _, models
from odoo.exceptions import UserError
from odoo.models import fix_import_export_id_paths


class CrmExtAnalyticsExportMixin(models.AbstractModel):
    """The analytics results download with Odoo's export for the analytics users, without Odoo's
    export right (``base.group_allow_export``), which would let them export every model.

    Without that right a user exports the result's own columns only (a related record by its
    name or external id, not its other fields); read rights and record rules apply as always.
    """

    _name = "crm_ext.analytics.export.mixin"
    _description = "Analytics Results Export"

    def export_data(self, fields_to_export):
        user = self.env.user
        if self.env.is_admin() or user.has_group("base.group_allow_export"):
            return super().export_data(fields_to_export)
        if not user.has_group("crm_ext_analytics.group_analytics_user"):
            return super().export_data(fields_to_export)  # Odoo's refusal
        paths = [fix_import_export_id_paths(path) for path in fields_to_export]
        for path in paths:
            if path[0] not in (".id", "id") and (
                path[0] not in self._fields or any(part not in ("id", ".id") for part in path[1:])
            ):
                raise UserError(
                    _(
                        "Analytics users export the columns of the analytics results only, not "
                        "“%(column)s”; ask an administrator for the export right.",
                        column="/".join(path),
                    )
                )
        return {"datas": self._export_rows(paths)}
