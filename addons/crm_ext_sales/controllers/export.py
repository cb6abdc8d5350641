from odoo.addons.web.controllers.export import ExcelExport, ExportXlsxWriter, GroupExportXlsxWriter


class TextOnlyXlsxMixin:
    """Text is written as text: a name typed on a public form as ``=HYPERLINK(...)`` is exported
    as those characters, never as a live formula (xlsxwriter's ``write`` turns any string
    starting with ``=`` into one; the other spreadsheet triggers, ``+ - @`` and a leading tab or
    carriage return, are harmless in a cell typed as a string)."""

    def write(self, row, column, cell_value, style=None):
        if isinstance(cell_value, str):
            return self.worksheet.write_string(row, column, cell_value, style)
        return super().write(row, column, cell_value, style)


class TextOnlyXlsxWriter(TextOnlyXlsxMixin, ExportXlsxWriter):
    pass


class TextOnlyGroupXlsxWriter(TextOnlyXlsxMixin, GroupExportXlsxWriter):
    pass


class CrmExtExcelExport(ExcelExport):
    """Odoo's XLSX export (list view > Export) with text-only cells, for every model: crm_ext's
    records hold text from public forms and imports, and the other models' exports gain the same
    protection at no cost."""

    def from_group_data(self, fields, columns_headers, groups):
        with TextOnlyGroupXlsxWriter(fields, columns_headers, groups.count) as xlsx_writer:
            x, y = 1, 0
            for group_name, group in groups.children.items():
                x, y = xlsx_writer.write_group(x, y, group_name, group)
        return xlsx_writer.value

    def from_data(self, fields, columns_headers, rows):
        with TextOnlyXlsxWriter(fields, columns_headers, len(rows)) as xlsx_writer:
            for row_index, row in enumerate(rows):
                for cell_index, cell_value in enumerate(row):
                    xlsx_writer.write_cell(row_index + 1, cell_index, cell_value)
        return xlsx_writer.value
