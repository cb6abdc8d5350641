"""Field renames for the suite's migration scripts (``migrations/<version>/pre-migrate.py``).

``rename_fields`` does what OCA's ``openupgradelib.rename_fields`` does for a renamed field, with
no dependency: it renames the column (and its index), the field's ``ir.model.fields`` row (so its
translated label, its defaults, tracking values and export lines stay attached to it), the XML
ids of the field and of its selection values (so that the end of the upgrade does not delete
them as obsolete: deleting a selection value empties the column), the field's name in the
saved filters of the model and in the module's own views of the model. It runs before the
module's new code is loaded, so Odoo finds the fields under their new names with their data and
neither drops nor recreates a column.
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import column_exists, index_exists, make_index_name, rename_column

_logger = logging.getLogger(__name__)


def rename_fields(cr, renames, module=None):
    """Renames fields; ``renames`` is ``[(model, old name, new name)]``.

    A field without a column (computed, one2many) is renamed in the registry tables only. A
    rename already done (the new column exists) is skipped, so the script can run again.
    With ``module``, the views of that module on the model are changed too: the module's data
    reloads them, but a view of the same model loaded before (e.g. the users' form that
    ``res.groups`` rebuilds) is checked together with them, on the new names, and would fail.
    """
    for model, old, new in renames:
        table = model.replace(".", "_")
        if column_exists(cr, table, old) and not column_exists(cr, table, new):
            rename_column(cr, table, old, new)
            old_index, new_index = make_index_name(table, old), make_index_name(table, new)
            if index_exists(cr, old_index) and not index_exists(cr, new_index):
                cr.execute(
                    SQL("ALTER INDEX %s RENAME TO %s", SQL.identifier(old_index), SQL.identifier(new_index))
                )
        cr.execute(
            SQL(
                "UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s",
                new,
                model,
                old,
            )
        )
        xmodel = model.replace(".", "_")
        cr.execute(
            SQL(
                "UPDATE ir_model_data SET name = %s WHERE model = 'ir.model.fields' AND name = %s",
                f"field_{xmodel}__{new}",
                f"field_{xmodel}__{old}",
            )
        )
        old_prefix = f"selection__{xmodel}__{old}__"
        cr.execute(
            SQL(
                """
                UPDATE ir_model_data SET name = %s || substr(name, %s)
                 WHERE model = 'ir.model.fields.selection' AND left(name, %s) = %s
                """,
                f"selection__{xmodel}__{new}__",
                len(old_prefix) + 1,
                len(old_prefix),
                old_prefix,
            )
        )
        # saved filters: the field as a quoted name in the domain, context (group by) and sort
        quoted = f"""(['"]){old}((?::[a-z]+)?['"])"""
        cr.execute(
            SQL(
                """
                UPDATE ir_filters
                   SET domain = regexp_replace(domain, %(pattern)s, %(replace)s, 'g'),
                       context = regexp_replace(context, %(pattern)s, %(replace)s, 'g'),
                       sort = regexp_replace(sort, %(pattern)s, %(replace)s, 'g')
                 WHERE model_id = %(model)s
                """,
                pattern=quoted,
                replace=f"\\1{new}\\2",
                model=model,
            )
        )
        if module:
            _rename_in_views(cr, module, model, old, new)
        _logger.info("renamed field %s.%s to %s", model, old, new)


# models that show another model's fields by delegation (``_inherits``): each has its own
# ir.model.fields rows (and XML ids) of the delegated fields
DELEGATING = {"res.partner": ["res.users"], "product.template": ["product.product"]}


def add_prefix(cr, fields_by_model, module=None):
    """``rename_fields`` of each ``{model: [name, ...]}`` to ``crm_ext_<name>``, on the models
    that delegate to it too."""
    renames = [
        (target, name, f"crm_ext_{name}")
        for model, names in fields_by_model.items()
        for target in [model, *DELEGATING.get(model, [])]
        for name in names
    ]
    rename_fields(cr, renames, module=module)


def _rename_in_views(cr, module, model, old, new):
    """The field's name as a word in the arch (every language) of ``module``'s views of ``model``."""
    pattern = rf"\m{old}\M"
    cr.execute(
        SQL(
            """
            UPDATE ir_ui_view view
               SET arch_db = (SELECT jsonb_object_agg(key, regexp_replace(value, %(pattern)s, %(new)s, 'g'))
                                FROM jsonb_each_text(view.arch_db))
             WHERE view.model = %(model)s AND view.arch_db::text ~ %(pattern)s
               AND view.id IN (
                   SELECT res_id FROM ir_model_data WHERE model = 'ir.ui.view' AND module = %(module)s
               )
            """,
            pattern=pattern,
            new=new,
            model=model,
            module=module,
        )
    )
