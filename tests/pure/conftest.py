"""Make the add-ons' pure engines importable without Odoo.

``crm_ext_analytics/engine`` is loaded as the package ``crm_ext_engine``;
importing it through ``odoo.addons`` would need Odoo itself.
"""

import importlib.util
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "addons" / "crm_ext_analytics" / "engine"

if "crm_ext_engine" not in sys.modules:
    spec = importlib.util.spec_from_file_location(
        "crm_ext_engine", ENGINE / "__init__.py", submodule_search_locations=[str(ENGINE)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["crm_ext_engine"] = module
    spec.loader.exec_module(module)
