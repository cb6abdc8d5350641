#!/usr/bin/env python3
"""The fields the add-ons add to models they do not define, and the ``crm_ext_`` prefix rule
(CONTRIBUTING.md, "Fields on Odoo's models").

``python scripts/field_prefix.py`` lists every such field without the prefix; the static check
``check_field_prefix`` (scripts/static_checks.py) fails on one that is in neither list below.
Read from the source with ``ast``: no Odoo needed.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "crm_ext_"

# Exceptions to the rule, each with its reason: fields that Odoo's own modules (dependencies of
# ours) define on the model and that we only extend.
ALLOWED = {
    ("utm.campaign", "company_id"): "sale's field; we add an index for the company rules",
    ("utm.campaign", "currency_id"): "sale's field (related to the company's currency); we compute it "
    "with the user's company as fallback for a campaign without company",
    ("account.move", "commercial_partner_id"): "account's field; crm_ext_analytics indexes it",
    ("crm.lead", "duplicate_lead_count"): "crm's field; crm_ext_marketing counts duplicates its own way",
}

# Not renamed yet (issue 18, point 3: done model by model, each with its migration script). Empty:
# every field is renamed; no field may join it.
PENDING = {}


def _constant(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _classes():
    """``(model, inherited models, {field: line}, path)`` of every model class of the add-ons."""
    for path in sorted((ROOT / "addons").glob("*/**/*.py")):
        parts = path.relative_to(ROOT / "addons").parts
        if parts[1] in ("tests", "engine", "tools", "migrations"):
            continue
        for cls in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(cls, ast.ClassDef):
                continue
            attrs, fields = {}, {}
            for statement in cls.body:
                if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
                    continue
                target = statement.targets[0]
                if not isinstance(target, ast.Name):
                    continue
                value = statement.value
                attrs[target.id] = value
                if (
                    isinstance(value, ast.Call)
                    and isinstance(value.func, ast.Attribute)
                    and isinstance(value.func.value, ast.Name)
                    and value.func.value.id == "fields"
                ):
                    fields[target.id] = statement.lineno
            inherit = attrs.get("_inherit")
            if isinstance(inherit, (ast.List, ast.Tuple)):
                inherits = [_constant(element) for element in inherit.elts]
            else:
                inherits = [_constant(inherit)] if inherit is not None else []
            inherits = [name for name in inherits if name]
            name = _constant(attrs.get("_name")) if "_name" in attrs else None
            model = name or (inherits[0] if inherits else None)
            if model:
                yield model, inherits, fields, path


def added_fields():
    """``{(model, field): "path:line"}``: the fields the add-ons add to models they do not define,
    the fields of their own mixins inherited by such a model included."""
    classes = list(_classes())
    mixins = {}
    for model, _inherits, fields, path in classes:
        if model.startswith("crm_ext."):
            for field, line in fields.items():
                mixins.setdefault(model, {})[field] = f"{path.relative_to(ROOT)}:{line}"
    added = {}
    for model, inherits, fields, path in classes:
        if model.startswith("crm_ext."):
            continue
        for field, line in fields.items():
            added[(model, field)] = f"{path.relative_to(ROOT)}:{line}"
        for mixin in inherits:
            for field, where in mixins.get(mixin, {}).items():
                added.setdefault((model, field), where)
    return added


def problems():
    added = added_fields()
    found = []
    for (model, field), where in sorted(added.items()):
        if field.startswith(PREFIX) or (model, field) in ALLOWED or field in PENDING.get(model, ()):
            continue
        found.append(
            f"{where}: {model}.{field} is added to a model crm_ext does not define: name it {PREFIX}{field} "
            '(CONTRIBUTING.md, "Fields on Odoo\'s models")'
        )
    listed = set(ALLOWED) | {(model, field) for model, names in PENDING.items() for field in names}
    for model, field in sorted(listed - set(added)):
        found.append(f"scripts/field_prefix.py: {model}.{field} is listed but no add-on adds it: remove it")
    for model, field in sorted(ALLOWED):
        if field in PENDING.get(model, ()):
            found.append(f"scripts/field_prefix.py: {model}.{field} is both allowed and pending")
    return found


if __name__ == "__main__":
    unprefixed = sorted(key for key in added_fields() if not key[1].startswith(PREFIX))
    for model, field in unprefixed:
        status = (
            "allowed"
            if (model, field) in ALLOWED
            else "pending"
            if field in PENDING.get(model, ())
            else "NEW"
        )
        print(f"{model:24} {field:36} {status}")
    print(f"{len(unprefixed)} without the prefix", file=sys.stderr)
    issues = problems()
    print("\n".join(issues), file=sys.stderr)
    sys.exit(1 if issues else 0)
