"""The benchmark data generator, which lives in crm_ext_analytics (``tools/generator``) so
that the add-on's demo data can use it; this name is kept for the benchmarks and tests.

Odoo must be importable with the repository's ``addons`` on its addons path (as in
``tests.benchmarks.generate`` and under pytest-odoo).
"""

from odoo.addons.crm_ext_analytics.tools.generator import (
    DEFAULTS,
    SECOND_COMPANY_NAME,
    SIZES,
    Generator,
    Profile,
    generate,
    generate_extras,
)

__all__ = [
    "DEFAULTS",
    "SECOND_COMPANY_NAME",
    "SIZES",
    "Generator",
    "Profile",
    "generate",
    "generate_extras",
]
