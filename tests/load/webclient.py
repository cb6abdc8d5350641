"""What Odoo 18's web client asks the server for to show a view, from the view's arch.

Pure functions over an arch element (lxml or xml.etree.ElementTree), shared by the
read-only request test (``tests/test_readonly_requests.py``, on the ORM) and the load test
(``tests/load/locustfile.py``, over JSON-RPC), so both make the same reads.
"""

import ast
import re

RELATIONAL = ("one2many", "many2many")


def field_spec(node, fields, models):
    """The ``specification`` of ``web_search_read``/``web_read`` for the fields of ``node``:
    many2one as ``display_name``, x2many with the fields of their embedded list/kanban/form
    (``models``: ``get_views()['models']``, model name -> ``{"fields": ...}``)."""
    spec = {}
    for child in node:
        if not isinstance(child.tag, str):  # lxml comments and processing instructions
            continue
        if child.tag != "field":
            spec.update(field_spec(child, fields, models))
            continue
        name = child.get("name")
        info = fields.get(name)
        if info is None:
            continue
        if info["type"] == "many2one":
            spec[name] = {"fields": {"display_name": {}}}
        elif info["type"] in RELATIONAL:
            subview = next((c for c in child if c.tag in ("list", "kanban", "form")), None)
            sub_fields = models.get(info["relation"], {}).get("fields", {})
            sub = field_spec(subview, sub_fields, models) if subview is not None else {}
            spec[name] = {"fields": sub or {"display_name": {}}, "limit": 40}
        else:
            spec[name] = {}
    return spec


def calendar_spec(arch, fields, models):
    """A calendar reads its arch's fields and the ones its attributes name."""
    spec = field_spec(arch, fields, models)
    for attribute in ("date_start", "date_stop", "date_delay", "color", "all_day"):
        if arch.get(attribute) in fields:
            spec[arch.get(attribute)] = {}
    return spec


def report_groups(arch, fields):
    """(row/col group-bys, measures) of a pivot or graph arch, as ``read_group`` takes them."""
    groupbys = []
    measures = []
    for field in arch.iter("field"):
        name = field.get("name")
        if field.get("type") in ("row", "col"):
            groupbys.append(f"{name}:{field.get('interval')}" if field.get("interval") else name)
        elif field.get("type") == "measure" and name in fields:
            measures.append(f"{name}:{fields[name].get('aggregator') or 'sum'}")
    return groupbys, measures or ["__count"]


def progress_bar(arch, eval_literal):
    """The ``progress_bar`` argument of ``read_progress_bar`` for a kanban arch, or None."""
    bar = arch.find("progressbar")
    if bar is None:
        return None
    return {
        "field": bar.get("field"),
        "colors": eval_literal(bar.get("colors")),
        "sum_field": bar.get("sum_field"),
    }


# the web client's RelationalModel.MAX_NUMBER_OPENED_GROUPS
MAX_OPEN_GROUPS = 10


def groups_to_open(groups, groupby):
    """The groups of a ``web_read_group`` answer whose records a grouped kanban loads, as Odoo
    18's ``_loadGroupedList`` picks them: not folded (``__fold``), not the "unset" group of a
    many2one (folded by default), the first ``MAX_OPEN_GROUPS`` of those, and among them the
    non-empty ones."""
    opened = [group for group in groups if not group.get("__fold") and group.get(groupby)]
    return [group for group in opened[:MAX_OPEN_GROUPS] if group.get(f"{groupby}_count", 1) > 0]


def default_filters_domain(search_arch, context, uid):
    """The domain of the search view's filters that the action's context turns on
    (``search_default_<name>``), as the web client applies them when the view opens (e.g. the
    Pipeline's "My Pipeline", the tickets' "Open"). Filters whose domain is a literal, ``uid``
    allowed, are applied; the others (dates relative to today...) are left out."""
    domain = []
    for node in search_arch.iter("filter"):
        name, text = node.get("name"), node.get("domain")
        if not name or not text or not context.get(f"search_default_{name}"):
            continue
        try:
            domain += ast.literal_eval(re.sub(r"\buid\b", str(int(uid)), text))
        except (ValueError, SyntaxError):
            continue
    return domain
