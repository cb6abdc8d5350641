from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        info = super().session_info()
        info["crm_ext_dates"] = self.env.user._date_session_info()
        return info

    def get_frontend_session_info(self):
        info = super().get_frontend_session_info()
        info["crm_ext_dates"] = self.env.user._date_session_info()
        return info
